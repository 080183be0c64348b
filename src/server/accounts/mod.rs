//! Accounts: signing up, confirming the address, logging in, resetting and
//! changing the password, the profile and settings, the sessions of an
//! account, and its export and deletion.
//!
//! The rules that keep accounts safe live here, apart from HTTP: no answer
//! says whether an address has an account, every failure is counted, every
//! security event is written to the audit trail, and e-mails go out through
//! the job queue in the same transaction as the change they announce.

pub mod changes;
pub mod data;
pub mod directory;
pub mod emails;
pub mod limits;
pub mod link_requests;
mod links;
pub mod passkeys;
pub mod password;
pub mod profile;
pub mod second_factor;
pub mod store;

use super::config::Config;
use super::crypto::Keyring;
use super::db::Db;
use super::error::Error;
use super::mail;
use crate::error::AppError;
use crate::model::account::User;
use crate::model::account::{self as rules, Email, Role};
use crate::model::form::{Checks, Field, FieldError, Problem, check_line};
use crate::server::enquiries::Enquiries;
use crate::server::enrolment::Enrolments;
use chrono::{DateTime, Duration as TimeDelta, Utc};
use limits::{Limit, Limits, too_many};
pub use password::NewPassword;
use password::Passwords;
use std::sync::Arc;
use std::time::Duration;
use store::Attempt;
use store::UserRow;

/// Failed logins for one address before it waits; each further failure
/// doubles the wait, up to [`LOCK_MAX`].
const LOCK_AFTER: i32 = 5;
const LOCK_MAX: Duration = Duration::from_secs(3600);
const VERIFY_LINK_LIFETIME: TimeDelta = TimeDelta::hours(24);
const RESET_LINK_LIFETIME: TimeDelta = TimeDelta::hours(1);
/// What the keys of `login_throttle` are hashed for (see `Keyring::keyed_hash`).
const THROTTLE_PURPOSE: &str = "login-throttle";

pub use crate::server::client::Client;

pub use crate::server::audit::Event;

#[derive(Clone)]
pub struct Accounts {
    db: Db,
    /// A deleted account's enrolments are given up with it.
    enrolments: Enrolments,
    /// An account's enquiries are in its export, and deleted with it.
    enquiries: Enquiries,
    passwords: Passwords,
    keys: Arc<Keyring>,
    limits: Arc<Limits>,
    public_url: String,
    /// The name authenticator apps show beside the account (the academy's).
    issuer: String,
    /// Whether staff and administrators must have a second factor.
    staff_second_factor: bool,
    /// Who Lyceum is to passkeys' authenticators, where browsers offer them.
    relying_party: Option<passkeys::RelyingParty>,
    pub session_lifetime: Duration,
}

fn refused(error: AppError) -> Error {
    Error::Refused(error)
}

fn invalid(errors: Vec<FieldError>) -> Error {
    Error::Refused(AppError::Invalid(errors))
}

/// One live account per address (`users_live_email`, a partial index).
pub const LIVE_EMAIL: super::db::Unique = super::db::Unique { postgres: "users_live_email", sqlite: "users.email" };

/// The rules of a new password, including the list of common ones.
pub fn check_password(password: &str, email: &str) -> Result<(), Problem> {
    NewPassword::parse(password, email).map(|_| ())
}

/// Every field checked and none missing: what a `Checks` that finished
/// cleanly has taken.
fn checked<T>(value: Option<T>) -> Result<T, Error> {
    value.ok_or_else(|| Error::Internal("a field passed its checks but was not kept".into()))
}

/// The wait after `failures` failed logins in a row, if any.
pub fn lockout(failures: i32) -> Option<Duration> {
    if failures < LOCK_AFTER {
        return None;
    }
    let doublings = (failures - LOCK_AFTER).min(12) as u32;
    Some(Duration::from_secs(60 * 2u64.pow(doublings)).min(LOCK_MAX))
}

/// When an address whose failures reach `failures` is locked until, if it is.
fn lock_until(failures: i32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    lockout(failures).map(|wait| now + TimeDelta::from_std(wait).unwrap_or_default())
}

/// The other areas an account's life reaches into.
pub struct Parts {
    pub enrolments: Enrolments,
    pub enquiries: Enquiries,
}

pub struct SignupForm {
    pub name: String,
    pub email: String,
    pub password: String,
}

impl Accounts {
    pub fn new(db: Db, config: &Config, keys: Arc<Keyring>, limits: Arc<Limits>, parts: Parts) -> Self {
        let Parts { enrolments, enquiries } = parts;
        Self {
            enrolments,
            enquiries,
            limits,
            db,
            passwords: Passwords::for_this_machine(),
            keys,
            public_url: config.public_url.clone(),
            issuer: config.academy_name.replace(':', " "),
            staff_second_factor: config.staff_second_factor,
            relying_party: passkeys::RelyingParty::of(&config.public_url, &config.academy_name),
            session_lifetime: config.session_lifetime,
        }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn keys(&self) -> &Arc<Keyring> {
        &self.keys
    }

    /// The request limits, shared with the other areas.
    pub fn limits(&self) -> &Arc<Limits> {
        &self.limits
    }

    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// The `login_throttle` key of an address: a keyed hash, so the table
    /// cannot confirm to anyone who knows an address that it was tried.
    fn throttle_key(&self, email: &str) -> String {
        self.keys.keyed_hash(THROTTLE_PURPOSE, email)
    }

    async fn limit(&self, limit: Limit, key: &str) -> Result<(), Error> {
        self.limits.check(limit, key).await?.map_err(too_many)
    }

    /// Whether one more request of `limit` for `key` is within it (and counts it).
    async fn within(&self, limit: Limit, key: &str) -> Result<bool, Error> {
        Ok(self.limits.check(limit, key).await?.is_ok())
    }

    /// The account row of a signed-in user; `Unauthorized` if it is gone.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = user.id))]
    pub(crate) async fn row(&self, user: &User) -> Result<UserRow, Error> {
        store::user_by_id(&self.db, user.id).await?.ok_or(refused(AppError::Unauthorized))
    }

    /// Queues `mail` to `user_id` in the caller's transaction.
    async fn send(&self, tx: &mut super::db::Tx, user_id: i64, mail: mail::Mail) -> Result<(), Error> {
        mail::queue(tx, &self.keys, Some(user_id), &mail).await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn audit(&self, event: Event, user_id: Option<i64>, client: &Client, detail: &str) {
        crate::server::audit::record(&self.db, event, user_id, client, detail).await;
    }

    /// Creates an unconfirmed learner account and e-mails the confirmation
    /// link. For an address that already has an account, the answer is the
    /// same and that account's owner is told by e-mail instead.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn signup(&self, form: SignupForm, client: &Client) -> Result<(), Error> {
        self.limit(Limit::SignupPerIp, &client.ip).await?;
        let mut checks = Checks::default();
        checks.check(Field::Name, check_line(&form.name, true, rules::NAME_MAX));
        let email = checks.take(Field::Email, Email::parse(&form.email));
        let password = checks.take(Field::Password, NewPassword::parse(&form.password, &form.email));
        checks.finish().map_err(invalid)?;
        let (email, password) = (checked(email)?, checked(password)?);
        let email = email.as_str();
        let name = form.name.trim();

        // Hashed in every case, so both answers take as long.
        let hash = self.passwords.hash(password.expose()).await?;
        let now = Utc::now();
        let existing = store::user_by_email(&self.db, email).await?;
        let mut tx = self.db.begin().await?;
        if let Some(user) = existing {
            if self.within(Limit::ResendPerAccount, email).await? {
                self.send(&mut tx, user.id, emails::already_registered(&user.name, email, &self.public_url)).await?;
                tx.commit().await?;
            }
            return Ok(());
        }
        let new = store::NewUser { email, name, password_hash: &hash, role: Role::Learner, verified_at: None };
        let user_id = match store::insert_user(&mut tx, &new, now).await {
            Ok(id) => id,
            // Another signup for the same address won the race: same answer.
            Err(error) if LIVE_EMAIL.violated_by(&error) => return Ok(()),
            Err(error) => return Err(error.into()),
        };
        self.queue_verification(&mut tx, user_id, name, email, now).await?;
        tx.commit().await?;
        self.audit(Event::Signup, Some(user_id), client, "").await;
        Ok(())
    }
    /// Checks an address and password. Every failure counts towards the
    /// address's lockout, known or not, and reads the same.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn login(&self, email: &str, password: &str, client: &Client) -> Result<User, Error> {
        let mut checks = Checks::default();
        checks.check(Field::Email, if email.trim().is_empty() { Err(Problem::Required) } else { Ok(()) });
        checks.check(Field::Password, if password.is_empty() { Err(Problem::Required) } else { Ok(()) });
        checks.finish().map_err(invalid)?;
        let email = rules::normalize_email(email);
        if email.chars().count() > rules::EMAIL_MAX || password.chars().count() > rules::PASSWORD_MAX {
            return Err(refused(AppError::LoginFailed));
        }
        self.limit(Limit::LoginPerIp, &client.ip).await?;
        self.limit(Limit::LoginPerAccount, &email).await?;
        let email_hash = self.throttle_key(&email);
        let now = Utc::now();
        // The attempt is counted, and the lockout decided, in one statement
        // before any password is hashed: of any number of simultaneous
        // attempts, no more than the lockout allows are ever checked.
        let failures = match store::begin_login_attempt(&self.db, &email_hash, now, LOCK_AFTER, lock_until).await? {
            Attempt::Allowed { failures } => failures,
            Attempt::Locked { until } => return Err(too_many((until - now).to_std().unwrap_or_default())),
        };

        let user = store::user_by_email(&self.db, &email).await?;
        let matches = self.passwords.verify(password, user.as_ref().map(|u| u.password_hash.as_str())).await?;
        let user_id = user.as_ref().map(|u| u.id);
        let Some(user) = user.filter(|_| matches) else {
            self.audit(Event::LoginFailed, user_id, client, "").await;
            if lockout(failures).is_some() {
                self.audit(Event::LockedOut, user_id, client, &format!("{failures} failures")).await;
            }
            return Err(refused(AppError::LoginFailed));
        };
        store::clear_throttle(&self.db, &email_hash).await?;
        // Only someone who knows the password learns that the account is
        // deactivated: to them it is said plainly.
        if user.deactivated_at.is_some() {
            self.audit(Event::LoginFailed, Some(user.id), client, "deactivated").await;
            return Err(refused(AppError::Deactivated));
        }
        // Not confirmed yet: said so, and nothing sent, so the link already
        // on its way keeps working (a new one would retire it).
        if user.email_verified_at.is_none() {
            return Err(refused(AppError::Unverified));
        }
        // With a second factor the password is only the first step: the
        // sign-in is recorded when the second passes.
        let event = match self.has_second_factor(user.id).await? {
            true => Event::PasswordAccepted,
            false => Event::LoginSucceeded,
        };
        self.audit(event, Some(user.id), client, "").await;
        Ok(User::from(&user))
    }

    /// Changes the password of a signed-in user, who proves it is them with
    /// the current one; ends every other session of the account.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = user.id))]
    pub async fn change_password(
        &self,
        user: &User,
        current_session: Option<&str>,
        current: &str,
        new: &str,
        client: &Client,
    ) -> Result<(), Error> {
        let mut checks = Checks::default();
        checks.check(Field::CurrentPassword, if current.is_empty() { Err(Problem::Required) } else { Ok(()) });
        let new = checks.take(Field::NewPassword, NewPassword::parse(new, &user.email));
        checks.finish().map_err(invalid)?;
        let new = checked(new)?;
        self.limit(Limit::LoginPerAccount, &user.email).await?;
        let user = &self.row(user).await?;
        if !self.passwords.verify(current, Some(&user.password_hash)).await? {
            self.audit(Event::LoginFailed, Some(user.id), client, "wrong current password").await;
            return Err(invalid(vec![FieldError { field: Field::CurrentPassword, problem: Problem::WrongPassword }]));
        }
        let hash = self.passwords.hash(new.expose()).await?;
        let now = Utc::now();
        let mut tx = self.db.begin().await?;
        store::set_password(&mut tx, user.id, &hash, now).await?;
        store::end_other_sessions(&mut tx, user.id, current_session).await?;
        self.send(&mut tx, user.id, emails::password_changed(&user.name, &user.email, &self.public_url)).await?;
        tx.commit().await?;
        self.audit(Event::PasswordChanged, Some(user.id), client, "").await;
        Ok(())
    }

    /// Deletes the account of a signed-in user who re-enters the password:
    /// personal data is removed, sessions end, the address is free again.
    /// What is kept, and why, is said in `store::anonymise`.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = user.id))]
    pub async fn delete_account(&self, user: &User, password: &str) -> Result<(), Error> {
        if password.is_empty() {
            return Err(invalid(vec![FieldError { field: Field::Password, problem: Problem::Required }]));
        }
        self.limit(Limit::LoginPerAccount, &user.email).await?;
        let user = &self.row(user).await?;
        if !self.passwords.verify(password, Some(&user.password_hash)).await? {
            return Err(invalid(vec![FieldError { field: Field::Password, problem: Problem::WrongPassword }]));
        }
        // Its seats and waitlist places go to others first (the waitlist is
        // promoted, and told), in the same transaction as the deletion.
        let now = Utc::now();
        let traces = store::Traces {
            email: &user.email,
            throttle_key: self.throttle_key(&user.email),
            limit_buckets: self.limits.account_buckets(&user.email),
        };
        let mut write = self.enrolments.begin_write().await?;
        self.enrolments.release_all_in(write.tx(), user.id, now).await?;
        crate::server::orders::store::forget_in(write.tx(), user.id, now).await?;
        self.enquiries.forget_in(write.tx(), user.id, &user.email).await?;
        store::anonymise(write.tx(), user.id, &traces, now).await?;
        write.commit().await?;
        // Not where from: the person is gone, and so is what identified them.
        self.audit(Event::AccountDeleted, Some(user.id), &Client::default(), "").await;
        Ok(())
    }

    /// Creates an account with a role and a confirmed address, for the
    /// operator's `create-admin` and the demo accounts. `None` if the
    /// address is taken.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn create_confirmed(
        &self,
        email: &str,
        name: &str,
        password: &str,
        role: Role,
    ) -> Result<Option<i64>, Error> {
        let mut checks = Checks::default();
        let email = checks.take(Field::Email, Email::parse(email));
        let password =
            checks.take(Field::Password, NewPassword::parse(password, email.as_ref().map_or("", Email::as_str)));
        checks.finish().map_err(invalid)?;
        let (email, password) = (checked(email)?, checked(password)?);
        let hash = self.passwords.hash(password.expose()).await?;
        let now = Utc::now();
        let mut tx = self.db.begin().await?;
        let new = store::NewUser { email: email.as_str(), name, password_hash: &hash, role, verified_at: Some(now) };
        let id = match store::insert_user(&mut tx, &new, now).await {
            Ok(id) => id,
            Err(error) if LIVE_EMAIL.violated_by(&error) => return Ok(None),
            Err(error) => return Err(error.into()),
        };
        tx.commit().await?;
        self.audit(Event::Signup, Some(id), &Client::default(), &format!("created with role {}", role.as_str())).await;
        Ok(Some(id))
    }

    /// Gives an account another role: `by` is the administrator who asks,
    /// from `client`, or `None` for the operator's command line. The rules
    /// are [`Accounts::change_role`]'s.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn set_role(&self, by: Option<&User>, user_id: i64, role: Role, client: &Client) -> Result<(), Error> {
        let setter = match by {
            Some(user) => directory::RoleSetter::Admin(crate::server::audit::Actor { user, client }),
            None => directory::RoleSetter::Operator,
        };
        self.change_role(setter, user_id, role).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockout_starts_after_five_failures_and_doubles_up_to_an_hour() {
        assert_eq!(lockout(4), None);
        assert_eq!(lockout(5), Some(Duration::from_secs(60)));
        assert_eq!(lockout(6), Some(Duration::from_secs(120)));
        assert_eq!(lockout(8), Some(Duration::from_secs(480)));
        assert_eq!(lockout(11), Some(Duration::from_secs(3600)));
        assert_eq!(lockout(1000), Some(Duration::from_secs(3600)));
    }
}
