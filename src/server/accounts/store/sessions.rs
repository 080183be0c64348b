//! Sessions, as the security page sees them: listed and ended by their
//! public handle.

use crate::server::db::{Db, Tx, with_pool, with_tx};
use chrono::{DateTime, Utc};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionRow {
    pub handle: String,
    pub user_agent: String,
    pub ip: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub id: String,
}

#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
pub async fn sessions_of(db: &Db, user_id: i64, now: DateTime<Utc>) -> Result<Vec<SessionRow>, sqlx::Error> {
    with_pool!(db, |pool| {
        sqlx::query_as(
            "SELECT handle, user_agent, ip, created_at, last_seen_at, id FROM sessions
             WHERE user_id = $1 AND expires_at > $2 ORDER BY last_seen_at DESC",
        )
        .bind(user_id)
        .bind(now)
        .fetch_all(pool)
        .await
    })
}

#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
pub async fn end_session(db: &Db, user_id: i64, handle: &str) -> Result<u64, sqlx::Error> {
    with_pool!(db, |pool| {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND handle = $2")
            .bind(user_id)
            .bind(handle)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
    })
}

/// Ends every session of the user except `keep` (the row key of the session
/// in use, see `session_store::row_key`).
#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
pub async fn end_other_sessions(tx: &mut Tx, user_id: i64, keep: Option<&str>) -> Result<u64, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
            .bind(user_id)
            .bind(keep.unwrap_or(""))
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
    })
}
