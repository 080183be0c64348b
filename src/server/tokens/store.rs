//! The SQL of personal access tokens.

use crate::server::db::{Db, with_pool};
use chrono::{DateTime, Utc};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TokenRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub hint: String,
    pub scopes: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, user_id, name, hint, scopes, created_at, expires_at, last_used_at, revoked_at";

pub struct NewToken<'a> {
    pub user_id: i64,
    pub name: &'a str,
    pub hint: &'a str,
    pub token_hash: &'a str,
    pub scopes: &'a str,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert(db: &Db, new: &NewToken<'_>, now: DateTime<Utc>) -> Result<i64, sqlx::Error> {
    with_pool!(db, |pool| {
        sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, name, hint, token_hash, scopes, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(new.user_id)
        .bind(new.name)
        .bind(new.hint)
        .bind(new.token_hash)
        .bind(new.scopes)
        .bind(now)
        .bind(new.expires_at)
        .fetch_one(pool)
        .await
    })
}

pub async fn by_hash(db: &Db, token_hash: &str) -> Result<Option<TokenRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE token_hash = $1");
    with_pool!(db, |pool| sqlx::query_as(&sql).bind(token_hash).fetch_optional(pool).await)
}

pub async fn of_user(db: &Db, user_id: i64) -> Result<Vec<TokenRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id DESC");
    with_pool!(db, |pool| sqlx::query_as(&sql).bind(user_id).fetch_all(pool).await)
}

/// Revokes the user's token `id` if it is live: whether it was.
pub async fn revoke(db: &Db, user_id: i64, id: i64, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    with_pool!(db, |pool| {
        sqlx::query("UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL")
            .bind(id)
            .bind(user_id)
            .bind(now)
            .execute(pool)
            .await
            .map(|done| done.rows_affected() == 1)
    })
}

/// Notes a use of the token, at most once a minute (a write per request
/// would make every API call a write).
/// Writes the last use of each token in `uses`, in one transaction: never
/// back in time (a use written by another instance may be newer).
pub async fn touch_all(db: &Db, uses: &std::collections::HashMap<i64, DateTime<Utc>>) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    crate::server::db::with_tx!(&mut tx, |conn| {
        for (id, at) in uses {
            sqlx::query(
                "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)",
            )
            .bind(id)
            .bind(at)
            .execute(&mut *conn)
            .await?;
        }
        Ok::<(), sqlx::Error>(())
    })?;
    tx.commit().await
}
