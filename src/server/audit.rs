//! The audit trail: what happened to whom, when, and from where (the
//! client's address and browser). Accounts write their security events
//! here; enrolment and the back office will write theirs.
//!
//! The trail must not take a request down with it: a failure to write an
//! entry is logged for the operator and the request goes on.

use crate::server::client::Client;
use crate::server::db::{Db, Tx, with_pool, with_tx};
use chrono::{DateTime, Utc};

/// An event, as the trail names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    Signup,
    EmailVerified,
    LoginSucceeded,
    LoginFailed,
    LockedOut,
    Logout,
    PasswordChanged,
    PasswordResetRequested,
    PasswordReset,
    SessionEnded,
    RoleChanged,
    AccountDeleted,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Signup => "signup",
            Event::EmailVerified => "email_verified",
            Event::LoginSucceeded => "login_succeeded",
            Event::LoginFailed => "login_failed",
            Event::LockedOut => "locked_out",
            Event::Logout => "logout",
            Event::PasswordChanged => "password_changed",
            Event::PasswordResetRequested => "password_reset_requested",
            Event::PasswordReset => "password_reset",
            Event::SessionEnded => "session_ended",
            Event::RoleChanged => "role_changed",
            Event::AccountDeleted => "account_deleted",
        }
    }
}

const INSERT: &str =
    "INSERT INTO audit_log (at, event, user_id, ip, user_agent, detail) VALUES ($1, $2, $3, $4, $5, $6)";

/// Writes one entry of the trail, in a transaction of its own.
#[tracing::instrument(skip(db, client, detail), fields(event = event.as_str()))]
pub async fn record(db: &Db, event: Event, user_id: Option<i64>, client: &Client, detail: &str) {
    let written = async {
        let mut tx = db.begin().await?;
        record_in(&mut tx, event, user_id, client, detail).await?;
        tx.commit().await
    };
    if let Err(error) = written.await {
        tracing::error!(%error, event = event.as_str(), "audit entry could not be written");
    }
}

/// Writes one entry in the transaction of the change it records, for work
/// that must happen exactly once with its entry (a job's, which may run
/// again if it fails): a failure here fails the change.
#[tracing::instrument(skip(tx, client, detail), fields(event = event.as_str()))]
pub async fn record_in(
    tx: &mut Tx,
    event: Event,
    user_id: Option<i64>,
    client: &Client,
    detail: &str,
) -> Result<(), sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query(INSERT)
            .bind(Utc::now())
            .bind(event.as_str())
            .bind(user_id)
            .bind(&client.ip)
            .bind(&client.user_agent)
            .bind(detail)
            .execute(conn)
            .await
            .map(|_| ())
    })
}

/// An entry, as a person's own data export shows it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Entry {
    pub at: DateTime<Utc>,
    pub event: String,
    pub ip: String,
    pub user_agent: String,
    pub detail: String,
}

/// Every entry about `user_id`, newest first.
pub async fn entries_of(db: &Db, user_id: i64) -> Result<Vec<Entry>, sqlx::Error> {
    with_pool!(db, |pool| {
        sqlx::query_as(
            "SELECT at, event, ip, user_agent, detail FROM audit_log WHERE user_id = $1 ORDER BY at DESC, id DESC",
        )
        .bind(user_id)
        .fetch_all(pool)
        .await
    })
}
