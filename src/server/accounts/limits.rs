//! Request rate limits on the account endpoints, per client address and per
//! account, with governor's GCRA limiters. They live in the process: each
//! instance limits what it sees. The lockout after repeated failed logins
//! (see `login_throttle`) is in the database and holds across instances.

use governor::{
    DefaultKeyedRateLimiter, Quota, RateLimiter,
    clock::{Clock, DefaultClock},
};
use std::num::NonZeroU32;
use std::time::Duration;

/// Keys remembered before idle ones are dropped.
const RETAIN_ABOVE: usize = 10_000;

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

    fn quota(self) -> Quota {
        let burst = NonZeroU32::new(self.burst).unwrap_or(NonZeroU32::MIN);
        Quota::with_period(self.period / burst.get()).expect("a limit's period is never zero").allow_burst(burst)
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
        }
    }
}

impl Quotas {
    /// For load tests: no request is ever over its limit.
    pub fn unlimited() -> Self {
        let free = Rate::new(1_000_000, Duration::from_secs(1));
        Self {
            login_per_ip: free,
            login_per_account: free,
            signup_per_ip: free,
            forgot_per_ip: free,
            forgot_per_account: free,
            resend_per_ip: free,
            resend_per_account: free,
        }
    }

    pub fn from_config(config: &crate::server::config::Config) -> Self {
        if config.rate_limits { Self::default() } else { Self::unlimited() }
    }
}

pub struct Limits {
    login_per_ip: DefaultKeyedRateLimiter<String>,
    login_per_account: DefaultKeyedRateLimiter<String>,
    signup_per_ip: DefaultKeyedRateLimiter<String>,
    forgot_per_ip: DefaultKeyedRateLimiter<String>,
    forgot_per_account: DefaultKeyedRateLimiter<String>,
    resend_per_ip: DefaultKeyedRateLimiter<String>,
    resend_per_account: DefaultKeyedRateLimiter<String>,
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
}

impl Limits {
    pub fn new(quotas: Quotas) -> Self {
        let keyed = |rate: Rate| RateLimiter::keyed(rate.quota());
        Self {
            login_per_ip: keyed(quotas.login_per_ip),
            login_per_account: keyed(quotas.login_per_account),
            signup_per_ip: keyed(quotas.signup_per_ip),
            forgot_per_ip: keyed(quotas.forgot_per_ip),
            forgot_per_account: keyed(quotas.forgot_per_account),
            resend_per_ip: keyed(quotas.resend_per_ip),
            resend_per_account: keyed(quotas.resend_per_account),
        }
    }

    /// Counts one request; `Err(wait)` when it is over the limit.
    pub fn check(&self, limit: Limit, key: &str) -> Result<(), Duration> {
        let limiter = match limit {
            Limit::LoginPerIp => &self.login_per_ip,
            Limit::LoginPerAccount => &self.login_per_account,
            Limit::SignupPerIp => &self.signup_per_ip,
            Limit::ForgotPerIp => &self.forgot_per_ip,
            Limit::ForgotPerAccount => &self.forgot_per_account,
            Limit::ResendPerIp => &self.resend_per_ip,
            Limit::ResendPerAccount => &self.resend_per_account,
        };
        if limiter.len() > RETAIN_ABOVE {
            limiter.retain_recent();
        }
        limiter.check_key(&key.to_string()).map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_the_next_request_waits() {
        let limits =
            Limits::new(Quotas { signup_per_ip: Rate::new(3, Duration::from_secs(3600)), ..Quotas::default() });
        for _ in 0..3 {
            assert!(limits.check(Limit::SignupPerIp, "10.0.0.1").is_ok());
        }
        let wait = limits.check(Limit::SignupPerIp, "10.0.0.1").unwrap_err();
        // One slot comes back every 20 minutes.
        assert!(wait > Duration::from_secs(1100) && wait <= Duration::from_secs(1200), "{wait:?}");
        assert!(limits.check(Limit::SignupPerIp, "10.0.0.2").is_ok(), "other addresses are not affected");
        assert!(limits.check(Limit::LoginPerIp, "10.0.0.1").is_ok(), "other limits are not affected");
    }

    #[test]
    fn unlimited_never_refuses() {
        let limits = Limits::new(Quotas::unlimited());
        assert!((0..10_000).all(|_| limits.check(Limit::LoginPerAccount, "ann@example.com").is_ok()));
    }
}
