//! tower-sessions records in the database, so any instance can serve any
//! request and ending a session takes effect everywhere at once.
//!
//! Besides the record, each row holds what the security page lists: whose
//! session it is, the device, and when it was last used. Those are copied
//! out of the record's data on every save (see [`keys`]). Each session also
//! gets a random public `handle`: the id is the cookie's secret and never
//! leaves the server except in that cookie. The table keys rows by the id's
//! SHA-256 ([`row_key`]), so a copy of the database opens no session.

use super::db::{Db, with_pool};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;
use tower_sessions::{
    SessionStore,
    session::{Id, Record},
    session_store,
};

/// The keys of session data the store and the sign-in code share.
pub mod keys {
    /// The signed-in user's id.
    pub const USER: &str = "uid";
    /// When the user signed in (Unix seconds): the absolute lifetime counts from it.
    pub const SIGNED_IN_AT: &str = "auth_at";
    /// When the session was last touched (Unix seconds).
    pub const SEEN_AT: &str = "seen";
    pub const USER_AGENT: &str = "ua";
    pub const IP: &str = "ip";
    /// The address a confirmation link was last sent to from this
    /// browser, for the page that says to check it.
    pub const CHECK_EMAIL: &str = "check_email";
    /// Where someone who signed up from a page (the order step) goes back
    /// once their address is confirmed and they log in.
    pub const AFTER_CONFIRM: &str = "after_confirm";
    /// An API token just created, sealed, until its page shows it once.
    pub const NEW_TOKEN: &str = "new_token";
    /// A webhook endpoint's secret just made, sealed with the endpoint's
    /// id, until that endpoint's page shows it once.
    pub const NEW_WEBHOOK_SECRET: &str = "new_webhook_secret";
    /// Past the password, before the second factor: whose password it was,
    /// when (Unix seconds), and where they were going.
    pub const SECOND_STEP_USER: &str = "second_step_uid";
    pub const SECOND_STEP_AT: &str = "second_step_at";
    pub const SECOND_STEP_NEXT: &str = "second_step_next";
    /// Recovery codes just made, sealed, until the security page shows them once.
    pub const NEW_RECOVERY_CODES: &str = "new_recovery_codes";
    /// The handle of the passkey ceremony under way (see `accounts::passkeys`).
    pub const PASSKEY_CEREMONY: &str = "passkey_ceremony";
}

/// The `sessions.id` of a session: the hash of its id, never the id.
pub fn row_key(id: &Id) -> String {
    super::crypto::token_hash(&id.to_string())
}

#[derive(Clone, Debug)]
pub struct DbSessionStore {
    db: Db,
}

impl DbSessionStore {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// A session signed in as `user_id` for `lifetime`, written straight
    /// into the store rather than through a login: for the benchmark's
    /// learners and the load tests' crowds. Returns the cookie value.
    pub async fn open_signed_in(&self, user_id: i64, lifetime: time::Duration) -> session_store::Result<String> {
        let now = Utc::now().timestamp();
        let data = std::collections::HashMap::from([
            (keys::USER.to_string(), Value::from(user_id)),
            (keys::SIGNED_IN_AT.to_string(), Value::from(now)),
            (keys::SEEN_AT.to_string(), Value::from(now)),
        ]);
        let expiry_date = time::OffsetDateTime::now_utc() + lifetime;
        let mut record = Record { id: Id::default(), data, expiry_date };
        self.create(&mut record).await?;
        Ok(record.id.to_string())
    }
}

fn backend(error: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(error.to_string())
}

/// A database error as the store reports it: busy (which a request
/// answers `503`, try again; see `error::is_busy`) or anything else, by its
/// message.
fn database(error: sqlx::Error) -> session_store::Error {
    match super::error::is_busy(&error) {
        true => session_store::Error::Backend(super::error::SESSION_STORE_BUSY.into()),
        false => backend(error),
    }
}

fn to_chrono(time: time::OffsetDateTime) -> DateTime<Utc> {
    DateTime::from_timestamp(time.unix_timestamp(), time.nanosecond()).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn to_time(time: DateTime<Utc>) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(time.timestamp()).unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

/// The columns copied out of a record's data.
struct Columns {
    data: String,
    expires_at: DateTime<Utc>,
    user_id: Option<i64>,
    user_agent: String,
    ip: String,
}

impl Columns {
    fn of(record: &Record) -> session_store::Result<Self> {
        let text = |key: &str| record.data.get(key).and_then(Value::as_str).unwrap_or_default().to_string();
        Ok(Self {
            data: serde_json::to_string(&record.data).map_err(backend)?,
            expires_at: to_chrono(record.expiry_date),
            user_id: record.data.get(keys::USER).and_then(Value::as_i64),
            user_agent: text(keys::USER_AGENT),
            ip: text(keys::IP),
        })
    }
}

impl DbSessionStore {
    /// Inserts the row of a new record, with a fresh public handle, unless
    /// the id is taken; the number of rows written (0 or 1).
    async fn insert(&self, record: &Record, columns: &Columns) -> session_store::Result<u64> {
        let handle = super::crypto::new_token();
        with_pool!(&self.db, |pool| {
            sqlx::query(
                "INSERT INTO sessions (id, handle, data, expires_at, user_id, user_agent, ip, created_at, last_seen_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(row_key(&record.id))
            .bind(&handle)
            .bind(&columns.data)
            .bind(columns.expires_at)
            .bind(columns.user_id)
            .bind(&columns.user_agent)
            .bind(&columns.ip)
            .bind(Utc::now())
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })
        .map_err(database)
    }
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let columns = Columns::of(record)?;
        // A 128-bit random id colliding is all but impossible; if it ever
        // does, draw another rather than overwrite someone's session.
        for _ in 0..4 {
            if self.insert(record, &columns).await? == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
        Err(backend("could not find an unused session id"))
    }

    /// Updates the row of a session loaded earlier in this request, and
    /// only that: a session ended while the request ran (by "end session",
    /// a password change or a reset) has no row any more, and must not get
    /// one back when the request finishes, or the ended cookie would work
    /// again. New sessions come through [`SessionStore::create`].
    ///
    /// A save that fails is logged and let go. It runs after the request
    /// was answered (tower-sessions saves a changed session on the way
    /// out), and what it carries is the last-seen time, or a form to show
    /// again: losing it costs the visitor little, while failing it would
    /// turn an answer whose work has committed (an enrolment, say) into an
    /// error, and the visitor would try again what was already done.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let columns = Columns::of(record)?;
        let updated = with_pool!(&self.db, |pool| {
            sqlx::query(
                "UPDATE sessions SET data = $2, expires_at = $3, user_id = $4, user_agent = $5, ip = $6,
                     last_seen_at = $7
                 WHERE id = $1",
            )
            .bind(row_key(&record.id))
            .bind(&columns.data)
            .bind(columns.expires_at)
            .bind(columns.user_id)
            .bind(&columns.user_agent)
            .bind(&columns.ip)
            .bind(Utc::now())
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        });
        match updated {
            Ok(0) => tracing::info!("a session ended while a request ran; it stays ended"),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "a session's changes could not be saved; the answer stands"),
        }
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let row: Option<(String, DateTime<Utc>)> = with_pool!(&self.db, |pool| {
            sqlx::query_as("SELECT data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2")
                .bind(row_key(id))
                .bind(Utc::now())
                .fetch_optional(pool)
                .await
        })
        .map_err(database)?;
        let Some((data, expires_at)) = row else { return Ok(None) };
        let data = serde_json::from_str(&data).map_err(backend)?;
        Ok(Some(Record { id: *id, data, expiry_date: to_time(expires_at) }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        with_pool!(&self.db, |pool| {
            sqlx::query("DELETE FROM sessions WHERE id = $1").bind(row_key(id)).execute(pool).await.map(|_| ())
        })
        .map_err(database)?;
        Ok(())
    }
}
