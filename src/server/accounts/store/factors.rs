//! Second factors: an account's authenticator secret (sealed) and its
//! recovery codes (hashed). Each acceptance is one statement that checks
//! and records at once, so two requests racing with one code cannot both
//! pass.

use crate::server::db::{Db, Tx, with_pool, with_tx};
use chrono::{DateTime, Utc};

/// The account's authenticator: its sealed secret, and whether it is
/// confirmed (or still being set up).
pub async fn authenticator(db: &Db, user_id: i64) -> Result<Option<(String, bool)>, sqlx::Error> {
    with_pool!(db, |pool| sqlx::query_as(
        "SELECT secret_sealed, confirmed_at IS NOT NULL FROM totp_factors WHERE user_id = $1"
    )
    .bind(user_id)
    .fetch_optional(pool)
    .await)
}

/// Whether the account has a confirmed authenticator.
pub async fn confirmed(db: &Db, user_id: i64) -> Result<bool, sqlx::Error> {
    Ok(authenticator(db, user_id).await?.is_some_and(|(_, confirmed)| confirmed))
}

/// Whether the account has a second factor: a confirmed authenticator or
/// a passkey.
const ANY: &str = "SELECT EXISTS (SELECT 1 FROM totp_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL)
     OR EXISTS (SELECT 1 FROM passkeys WHERE user_id = $1)";

pub async fn any(db: &Db, user_id: i64) -> Result<bool, sqlx::Error> {
    with_pool!(db, |pool| sqlx::query_scalar(ANY).bind(user_id).fetch_one(pool).await)
}

/// Which second factors the account has: (a confirmed authenticator, a passkey).
pub async fn kinds(db: &Db, user_id: i64) -> Result<(bool, bool), sqlx::Error> {
    with_pool!(db, |pool| sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM totp_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL),
                EXISTS (SELECT 1 FROM passkeys WHERE user_id = $1)"
    )
    .bind(user_id)
    .fetch_one(pool)
    .await)
}

/// As [`any`], read in `tx`.
pub async fn any_in(tx: &mut Tx, user_id: i64) -> Result<bool, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query_scalar(ANY).bind(user_id).fetch_one(c).await)
}

/// Keeps `sealed` as the authenticator being set up, unless one is
/// already (set up by a request a moment ago: that one stands) or confirmed.
pub async fn put_pending(db: &Db, user_id: i64, sealed: &str, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    with_pool!(db, |pool| sqlx::query(
        "INSERT INTO totp_factors (user_id, secret_sealed, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO NOTHING"
    )
    .bind(user_id)
    .bind(sealed)
    .bind(now)
    .execute(pool)
    .await
    .map(|_| ()))
}

/// Confirms the authenticator being set up, noting the step of the code
/// that confirmed it; false if it was not being set up (any more).
pub async fn confirm_in(tx: &mut Tx, user_id: i64, step: i64, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let done = with_tx!(tx, |c| sqlx::query(
        "UPDATE totp_factors SET confirmed_at = $2, last_step = $3 WHERE user_id = $1 AND confirmed_at IS NULL"
    )
    .bind(user_id)
    .bind(now)
    .bind(step)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(done == 1)
}

/// Accepts a code of time step `step` if no code of that step or a later
/// one was accepted before: a code works once.
pub async fn use_step(db: &Db, user_id: i64, step: i64) -> Result<bool, sqlx::Error> {
    let done = with_pool!(db, |pool| sqlx::query(
        "UPDATE totp_factors SET last_step = $2
         WHERE user_id = $1 AND confirmed_at IS NOT NULL AND last_step < $2"
    )
    .bind(user_id)
    .bind(step)
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(done == 1)
}

/// Removes the authenticator; false if there was none.
pub async fn remove_in(tx: &mut Tx, user_id: i64) -> Result<bool, sqlx::Error> {
    let done = with_tx!(tx, |c| sqlx::query("DELETE FROM totp_factors WHERE user_id = $1")
        .bind(user_id)
        .execute(c)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(done == 1)
}

/// Replaces every recovery code of the account with `hashes`.
pub async fn replace_codes_in(
    tx: &mut Tx,
    user_id: i64,
    hashes: &[String],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    delete_codes_in(tx, user_id).await?;
    for hash in hashes {
        with_tx!(tx, |c| sqlx::query(
            "INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)"
        )
        .bind(user_id)
        .bind(hash)
        .bind(now)
        .execute(c)
        .await
        .map(|_| ()))?;
    }
    Ok(())
}

/// Voids every recovery code of the account (its last second factor went).
pub async fn delete_codes_in(tx: &mut Tx, user_id: i64) -> Result<(), sqlx::Error> {
    with_tx!(tx, |c| sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(c)
        .await
        .map(|_| ()))
}

/// Uses the unused recovery code with `hash`; false if there is none.
pub async fn use_code_in(tx: &mut Tx, user_id: i64, hash: &str, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let done = with_tx!(tx, |c| sqlx::query(
        "UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL"
    )
    .bind(user_id)
    .bind(hash)
    .bind(now)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(done == 1)
}

/// Unused recovery codes.
const CODES_LEFT: &str = "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL";

pub async fn codes_left(db: &Db, user_id: i64) -> Result<i64, sqlx::Error> {
    with_pool!(db, |pool| sqlx::query_scalar(CODES_LEFT).bind(user_id).fetch_one(pool).await)
}

/// As [`codes_left`], read in `tx`.
pub async fn codes_left_in(tx: &mut Tx, user_id: i64) -> Result<i64, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query_scalar(CODES_LEFT).bind(user_id).fetch_one(c).await)
}
