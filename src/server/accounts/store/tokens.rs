//! E-mailed links (confirmation, reset): only a SHA-256 of the token is kept.

use crate::server::db::{Tx, with_tx};
use chrono::{DateTime, Utc};

/// An e-mailed link to store: only its token's hash is kept.
pub struct NewToken<'a> {
    pub user_id: i64,
    pub purpose: &'a str,
    pub hash: &'a str,
    /// What the link was issued against (see `accounts::link_stamp`); empty when unchecked.
    pub stamp: &'a str,
    pub expires_at: DateTime<Utc>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_token(tx: &mut Tx, token: &NewToken<'_>, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO user_tokens (user_id, purpose, token_hash, stamp, expires_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token.user_id)
        .bind(token.purpose)
        .bind(token.hash)
        .bind(token.stamp)
        .bind(token.expires_at)
        .bind(now)
        .execute(conn)
        .await
        .map(|_| ())
    })?;
    Ok(())
}

/// Marks a live token used and returns its user: one statement, so two
/// requests racing with the same link cannot both succeed.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn consume_token(
    tx: &mut Tx,
    purpose: &str,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<i64>, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query_scalar(
            "UPDATE user_tokens SET used_at = $1
             WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1
             RETURNING user_id",
        )
        .bind(now)
        .bind(hash)
        .bind(purpose)
        .fetch_optional(conn)
        .await
    })
}

/// Ends the other links of the same kind, so only the newest works.
#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
pub async fn retire_tokens(tx: &mut Tx, user_id: i64, purpose: &str, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query("UPDATE user_tokens SET used_at = $1 WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL")
            .bind(now)
            .bind(user_id)
            .bind(purpose)
            .execute(conn)
            .await
            .map(|_| ())
    })?;
    Ok(())
}
