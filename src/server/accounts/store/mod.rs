//! The SQL of accounts: users here; e-mail tokens, the login throttle and
//! the sessions table as the security page sees it in the modules below. Every statement reads the
//! same on both backends; times are bound from the application.

use crate::model::account::Role;
use crate::server::db::{Db, Tx, with_pool, with_tx};
use chrono::{DateTime, Utc};

pub mod directory;
pub mod factors;
pub mod passkeys;
mod sessions;
mod throttle;
mod tokens;

pub use sessions::{SessionRow, end_other_sessions, end_session, forget_address, sessions_of};
pub use throttle::{Attempt, begin_login_attempt, clear_throttle};
pub use tokens::{NewToken, consume_token, insert_token, retire_tokens};

const USER_COLUMNS: &str =
    "id, email, name, password_hash, role, email_verified_at, phone_enc, company, job_title, bio,
     notify_reminders, reminder_hours, created_at, deactivated_at";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub role: Role,
    pub email_verified_at: Option<DateTime<Utc>>,
    pub phone_enc: Option<String>,
    pub company: String,
    pub job_title: String,
    pub bio: String,
    pub notify_reminders: bool,
    pub reminder_hours: i32,
    pub created_at: DateTime<Utc>,
    /// Set while an administrator has the account deactivated.
    pub deactivated_at: Option<DateTime<Utc>>,
}

impl From<&UserRow> for crate::model::account::User {
    fn from(row: &UserRow) -> Self {
        Self {
            id: row.id,
            email: row.email.clone(),
            name: row.name.clone(),
            role: row.role,
            verified: row.email_verified_at.is_some(),
        }
    }
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub verified_at: Option<DateTime<Utc>>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_user(tx: &mut Tx, user: &NewUser<'_>, now: DateTime<Utc>) -> Result<i64, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query_scalar(
            "INSERT INTO users (email, name, password_hash, role, email_verified_at, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(user.email)
        .bind(user.name)
        .bind(user.password_hash)
        .bind(user.role)
        .bind(user.verified_at)
        .bind(now)
        .fetch_one(conn)
        .await
    })
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn user_by_email(db: &Db, email: &str) -> Result<Option<UserRow>, sqlx::Error> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1 AND deleted_at IS NULL");
    with_pool!(db, |pool| sqlx::query_as::<_, UserRow>(&sql).bind(email).fetch_optional(pool).await)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn user_by_id(db: &Db, id: i64) -> Result<Option<UserRow>, sqlx::Error> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1 AND deleted_at IS NULL");
    with_pool!(db, |pool| sqlx::query_as::<_, UserRow>(&sql).bind(id).fetch_optional(pool).await)
}

/// Sets a new password and retires every outstanding reset link of the
/// account (they carry a stamp of the old password too, so they would no
/// longer work anyway; this makes it plain in the table).
#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
pub async fn set_password(tx: &mut Tx, user_id: i64, hash: &str, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
            .bind(hash)
            .bind(now)
            .bind(user_id)
            .execute(conn)
            .await
            .map(|_| ())
    })?;
    retire_tokens(tx, user_id, "reset-password", now).await
}

/// Replaces the password only while it is still `old_hash`; whether it did.
/// The reset links of the account are retired with it.
#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
pub async fn replace_password(
    tx: &mut Tx,
    user_id: i64,
    old_hash: &str,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let replaced = with_tx!(tx, |conn| {
        sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3 AND password_hash = $4")
            .bind(hash)
            .bind(now)
            .bind(user_id)
            .bind(old_hash)
            .execute(conn)
            .await
            .map(|done| done.rows_affected() == 1)
    })?;
    if replaced {
        retire_tokens(tx, user_id, "reset-password", now).await?;
    }
    Ok(replaced)
}

#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
pub async fn mark_verified(tx: &mut Tx, user_id: i64, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE users SET email_verified_at = COALESCE(email_verified_at, $1), updated_at = $1 WHERE id = $2",
        )
        .bind(now)
        .bind(user_id)
        .execute(conn)
        .await
        .map(|_| ())
    })?;
    Ok(())
}

pub struct Profile<'a> {
    pub name: &'a str,
    pub phone_enc: Option<&'a str>,
    pub company: &'a str,
    pub job_title: &'a str,
    pub bio: &'a str,
}

#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
pub async fn update_profile(db: &Db, user_id: i64, p: &Profile<'_>, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    with_pool!(db, |pool| {
        sqlx::query(
            "UPDATE users SET name = $1, phone_enc = $2, company = $3, job_title = $4, bio = $5, updated_at = $6
             WHERE id = $7 AND deleted_at IS NULL",
        )
        .bind(p.name)
        .bind(p.phone_enc)
        .bind(p.company)
        .bind(p.job_title)
        .bind(p.bio)
        .bind(now)
        .bind(user_id)
        .execute(pool)
        .await
        .map(|_| ())
    })?;
    Ok(())
}

pub struct Settings {
    pub notify_reminders: bool,
    pub reminder_hours: i32,
}

#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
pub async fn update_settings(db: &Db, user_id: i64, s: &Settings, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    with_pool!(db, |pool| {
        sqlx::query(
            "UPDATE users SET notify_reminders = $1, reminder_hours = $2, updated_at = $3
             WHERE id = $4 AND deleted_at IS NULL",
        )
        .bind(s.notify_reminders)
        .bind(s.reminder_hours)
        .bind(now)
        .bind(user_id)
        .execute(pool)
        .await
        .map(|_| ())
    })?;
    Ok(())
}

/// The address of an account being deleted, and the keys it is kept under
/// elsewhere: keyed hashes only the application can compute (see
/// `Keyring::keyed_hash`), so the caller, who holds the keys, works them out.
pub struct Traces<'a> {
    pub email: &'a str,
    /// Its `login_throttle` key.
    pub throttle_key: String,
    /// Its rows in `rate_limits`, of the limits counted per account.
    pub limit_buckets: Vec<String>,
}

/// Removes the person from every table and frees the address for a new
/// account. Kept, by design: the account row, emptied (its id, role and
/// dates; settings back to the columns' defaults), so that the records
/// pointing at it stay whole: its enrolments (cancelled by the caller),
/// for the academy's counts; the certificates already issued, with the
/// name on them, so they stay verifiable; and its audit events, without
/// address or browser. Gone: links, sessions (and the address wherever
/// another session holds it, such as that of the browser that signed up),
/// the calendar feed, the API tokens and the answers kept for their
/// idempotency keys, webhook events about them (queued or delivered),
/// the login throttle and per-account rate limits of the address, the
/// development mailbox's copies of their mail, and mail still queued for
/// them.
#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
pub async fn anonymise(tx: &mut Tx, user_id: i64, traces: &Traces<'_>, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE users SET email = $1, name = 'Deleted account', password_hash = '!', phone_enc = NULL,
                 company = '', job_title = '', bio = '', notify_reminders = TRUE, reminder_hours = 24,
                 deleted_at = $2, updated_at = $2
             WHERE id = $3",
        )
        .bind(format!("deleted-{user_id}@invalid"))
        .bind(now)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
        sqlx::query("DELETE FROM user_tokens WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
        sqlx::query("DELETE FROM calendar_feeds WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
        sqlx::query("DELETE FROM api_tokens WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
        sqlx::query("DELETE FROM totp_factors WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
        sqlx::query("DELETE FROM passkeys WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
        sqlx::query("DELETE FROM passkey_challenges WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
        sqlx::query("DELETE FROM idempotency_keys WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
        // Webhook events about them, with their deliveries and attempts:
        // a delivery still queued sends nothing of theirs.
        sqlx::query("DELETE FROM webhook_events WHERE subject_user_id = $1").bind(user_id).execute(&mut *conn).await?;
        sqlx::query("UPDATE audit_log SET ip = '', user_agent = '' WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM login_throttle WHERE email_hash = $1")
            .bind(&traces.throttle_key)
            .execute(&mut *conn)
            .await?;
        for bucket in &traces.limit_buckets {
            sqlx::query("DELETE FROM rate_limits WHERE bucket = $1").bind(bucket).execute(&mut *conn).await?;
        }
        sqlx::query("DELETE FROM mailbox WHERE recipient = $1").bind(traces.email).execute(&mut *conn).await?;
        sqlx::query("DELETE FROM jobs WHERE status IN ('queued', 'running') AND subject_user_id = $1")
            .bind(user_id)
            .execute(&mut *conn)
            .await
            .map(|_| ())
    })?;
    forget_address(tx, traces.email).await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn locations(db: &Db) -> Result<Vec<crate::server::accounts::data::Location>, sqlx::Error> {
    with_pool!(db, |pool| sqlx::query_as("SELECT id, slug, name FROM locations ORDER BY name").fetch_all(pool).await)
}
