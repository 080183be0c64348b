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

/// Removes `email` from every session that holds it: the entries of the
/// session's data that carry it (the address a browser that signed up was
/// told to check, a form sent back with what was typed) go, and the
/// session goes on without them. The sessions of the address's own account
/// are ended separately. Compared in lower case, as addresses are kept.
///
/// The data is JSON text, so the match is on the address as JSON writes
/// it. It reads the whole table, which only an account's deletion does.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn forget_address(tx: &mut Tx, email: &str) -> Result<(), sqlx::Error> {
    let quoted = serde_json::to_string(&email.to_lowercase()).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let needle = &quoted[1..quoted.len() - 1];
    let pattern = format!("%{}%", like_escape(needle));
    let holding: Vec<(String, String)> = with_tx!(tx, |conn| {
        sqlx::query_as("SELECT id, data FROM sessions WHERE LOWER(data) LIKE $1 ESCAPE '\\'")
            .bind(&pattern)
            .fetch_all(conn)
            .await
    })?;
    for (id, data) in holding {
        // A record that does not read as an object cannot be loaded either:
        // nothing is lost by ending it.
        let kept = match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&data) {
            Ok(mut entries) => {
                entries.retain(|_, value| !value.to_string().to_lowercase().contains(needle));
                Some(serde_json::Value::Object(entries).to_string())
            }
            Err(_) => None,
        };
        with_tx!(tx, |conn| {
            match &kept {
                Some(data) => sqlx::query("UPDATE sessions SET data = $2 WHERE id = $1").bind(&id).bind(data),
                None => sqlx::query("DELETE FROM sessions WHERE id = $1").bind(&id),
            }
            .execute(conn)
            .await
            .map(|_| ())
        })?;
    }
    Ok(())
}

/// `text` as a literal in a `LIKE` pattern with `ESCAPE '\'`.
fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::like_escape;

    #[test]
    fn like_patterns_take_an_address_literally() {
        assert_eq!(like_escape("ann_b%c@example.com"), "ann\\_b\\%c@example.com");
        assert_eq!(like_escape("a\\b"), "a\\\\b");
    }
}
