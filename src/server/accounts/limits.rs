//! Request rate limits, per client address and per account. They live in
//! the database (`rate_limits`), so every instance shares them and a
//! restart forgets nothing; only requests that are limited touch that
//! table.
//!
//! Each limit is a GCRA ("generic cell rate algorithm"): a key may spend
//! `burst` requests at once, and one comes back every `period / burst`.
//! Its state is one number, the key's theoretical arrival time (TAT); a
//! request is allowed, and the TAT moved on, in one conditional upsert, so
//! concurrent requests on any number of instances cannot overspend it.
//! The lockout after repeated failed logins is separate (`login_throttle`).
//!
//! A row's key is the limit's name and a keyed hash of what is limited
//! (`Keyring::keyed_hash`), never the address itself nor a plain hash of
//! it, which anyone knowing an address could recompute to learn that it
//! was used here. Deleting an account deletes the rows of its address.

use crate::error::AppError;
use crate::server::crypto::Keyring;
use crate::server::db::{Db, with_pool};
use crate::server::error::Error;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;

/// `burst` requests at once, refilled evenly over `period`.
#[derive(Clone, Copy, Debug)]
pub struct Rate {
    pub burst: u32,
    pub period: Duration,
}

impl Rate {
    const fn new(burst: u32, period: Duration) -> Self {
        Self { burst, period }
    }

    /// The time one request uses up, in milliseconds (at least 1).
    fn interval_ms(self) -> i64 {
        let burst = self.burst.max(1);
        (self.period.as_millis() as i64 / i64::from(burst)).max(1)
    }

    /// How far ahead of now the TAT may run: the whole burst.
    fn tolerance_ms(self) -> i64 {
        self.interval_ms() * i64::from(self.burst.max(1))
    }
}

/// What each kind of request may do.
#[derive(Clone, Copy, Debug)]
pub struct Quotas {
    pub login_per_ip: Rate,
    pub login_per_account: Rate,
    pub signup_per_ip: Rate,
    pub forgot_per_ip: Rate,
    pub forgot_per_account: Rate,
    pub resend_per_ip: Rate,
    pub resend_per_account: Rate,
    pub certificate_per_ip: Rate,
    pub contact_per_ip: Rate,
}

impl Default for Quotas {
    fn default() -> Self {
        const MINUTE: Duration = Duration::from_secs(60);
        const HOUR: Duration = Duration::from_secs(3600);
        Self {
            // An office behind one address may hold a whole class.
            login_per_ip: Rate::new(30, MINUTE),
            login_per_account: Rate::new(10, 15 * MINUTE),
            signup_per_ip: Rate::new(10, HOUR),
            forgot_per_ip: Rate::new(10, HOUR),
            forgot_per_account: Rate::new(3, HOUR),
            resend_per_ip: Rate::new(10, HOUR),
            resend_per_account: Rate::new(3, HOUR),
            // Codes carry 128 random bits, so guessing is hopeless anyway;
            // this keeps anyone from trying at speed. An employer checks a
            // handful of certificates, not hundreds a minute.
            certificate_per_ip: Rate::new(30, MINUTE),
            // Each enquiry sends an acknowledgement to the address typed:
            // enough for an office behind one address, too few to make the
            // form a way of mailing strangers.
            contact_per_ip: Rate::new(10, HOUR),
        }
    }
}

/// Which limit a request counts against.
#[derive(Clone, Copy, Debug)]
pub enum Limit {
    LoginPerIp,
    LoginPerAccount,
    SignupPerIp,
    ForgotPerIp,
    ForgotPerAccount,
    ResendPerIp,
    ResendPerAccount,
    CertificatePerIp,
    ContactPerIp,
}

impl Limit {
    /// The limits counted per account, by its e-mail address.
    const PER_ACCOUNT: [Limit; 3] = [Limit::LoginPerAccount, Limit::ForgotPerAccount, Limit::ResendPerAccount];

    /// The name its keys are stored under.
    fn name(self) -> &'static str {
        match self {
            Limit::LoginPerIp => "login-ip",
            Limit::LoginPerAccount => "login-account",
            Limit::SignupPerIp => "signup-ip",
            Limit::ForgotPerIp => "forgot-ip",
            Limit::ForgotPerAccount => "forgot-account",
            Limit::ResendPerIp => "resend-ip",
            Limit::ResendPerAccount => "resend-account",
            Limit::CertificatePerIp => "certificate-ip",
            Limit::ContactPerIp => "contact-ip",
        }
    }
}

/// The refusal of a request over its limit, with when to come back.
pub fn too_many(wait: Duration) -> Error {
    Error::Refused(AppError::TooManyRequests { retry_after_secs: wait.as_secs().max(1) })
}

/// The limits, over the database they are kept in. Disabled (for load
/// tests, `LYCEUM_RATE_LIMITS=false`), every request passes without a query.
pub struct Limits {
    db: Db,
    quotas: Quotas,
    enabled: bool,
    /// Hashes the keys (see the module's documentation).
    keys: Arc<Keyring>,
}

/// What the keys of limits are hashed for (see `Keyring::keyed_hash`).
const KEY_PURPOSE: &str = "rate-limits";

impl Limits {
    pub fn new(db: Db, quotas: Quotas, enabled: bool, keys: Arc<Keyring>) -> Self {
        Self { db, quotas, enabled, keys }
    }

    /// The `rate_limits` row of `limit` for `key`.
    fn bucket(&self, limit: Limit, key: &str) -> String {
        format!("{}:{}", limit.name(), self.keys.keyed_hash(KEY_PURPOSE, key))
    }

    /// The rows of the limits counted per account for the address `email`:
    /// what its account leaves in `rate_limits`, deleted with it.
    pub fn account_buckets(&self, email: &str) -> Vec<String> {
        Limit::PER_ACCOUNT.iter().map(|limit| self.bucket(*limit, email)).collect()
    }

    fn rate(&self, limit: Limit) -> Rate {
        let q = &self.quotas;
        match limit {
            Limit::LoginPerIp => q.login_per_ip,
            Limit::LoginPerAccount => q.login_per_account,
            Limit::SignupPerIp => q.signup_per_ip,
            Limit::ForgotPerIp => q.forgot_per_ip,
            Limit::ForgotPerAccount => q.forgot_per_account,
            Limit::ResendPerIp => q.resend_per_ip,
            Limit::ResendPerAccount => q.resend_per_account,
            Limit::CertificatePerIp => q.certificate_per_ip,
            Limit::ContactPerIp => q.contact_per_ip,
        }
    }

    /// Counts one request against `limit` for `key`; `Ok(Err(wait))` when
    /// it is over the limit (and then it is not counted).
    pub async fn check(&self, limit: Limit, key: &str) -> Result<Result<(), Duration>, sqlx::Error> {
        if !self.enabled {
            return Ok(Ok(()));
        }
        self.check_at(limit, key, Utc::now()).await
    }

    /// Counts one request, refusing it with `TooManyRequests` when over.
    pub async fn enforce(&self, limit: Limit, key: &str) -> Result<(), Error> {
        self.check(limit, key).await?.map_err(too_many)
    }

    /// [`Limits::check`] at a given moment, for tests that move the clock.
    pub async fn check_at(
        &self,
        limit: Limit,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<Result<(), Duration>, sqlx::Error> {
        let rate = self.rate(limit);
        let bucket = self.bucket(limit, key);
        let now_ms = now.timestamp_millis();
        let (interval, tolerance) = (rate.interval_ms(), rate.tolerance_ms());
        // GCRA in one statement: the new TAT is max(TAT, now) + interval,
        // written only while it stays within the burst of now. No row comes
        // back when the request is over the limit.
        let allowed: Option<i64> = with_pool!(&self.db, |pool| {
            sqlx::query_scalar(
                "INSERT INTO rate_limits (bucket, tat) VALUES ($1, $2 + $3)
                 ON CONFLICT (bucket) DO UPDATE
                 SET tat = (CASE WHEN rate_limits.tat > $2 THEN rate_limits.tat ELSE $2 END) + $3
                 WHERE (CASE WHEN rate_limits.tat > $2 THEN rate_limits.tat ELSE $2 END) + $3 - $2 <= $4
                 RETURNING tat",
            )
            .bind(&bucket)
            .bind(now_ms)
            .bind(interval)
            .bind(tolerance)
            .fetch_optional(pool)
            .await
        })?;
        if allowed.is_some() {
            return Ok(Ok(()));
        }
        let tat: Option<i64> = with_pool!(&self.db, |pool| {
            sqlx::query_scalar("SELECT tat FROM rate_limits WHERE bucket = $1").bind(&bucket).fetch_optional(pool).await
        })?;
        // Allowed again once max(TAT, now) + interval - now <= tolerance.
        let wait_ms = tat.map_or(0, |tat| tat + interval - tolerance - now_ms).max(1);
        Ok(Err(Duration::from_millis(wait_ms as u64)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_spends_the_whole_period() {
        let rate = Rate::new(3, Duration::from_secs(3600));
        assert_eq!(rate.interval_ms(), 1_200_000, "one request comes back every 20 minutes");
        assert_eq!(rate.tolerance_ms(), 3_600_000);
        assert_eq!(Rate::new(0, Duration::from_millis(0)).interval_ms(), 1, "never zero");
    }
}
