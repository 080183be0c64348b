//! Passkeys and the ceremonies under way. A ceremony's state is taken by
//! the statement that deletes it, and a passkey's counter is written only
//! forwards, so two requests racing with one answer (or two answers of one
//! authenticator) cannot both pass.

use crate::server::db::{Db, Tx, Unique, with_pool, with_tx};
use chrono::{DateTime, Utc};

/// A credential is registered to one account only.
pub const CREDENTIAL: Unique = Unique { postgres: "passkeys_credential_id_key", sqlite: "passkeys.credential_id" };

/// A passkey as its owner's pages list it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PasskeyRow {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// The account's passkeys, oldest first.
pub async fn of_user(db: &Db, user_id: i64) -> Result<Vec<PasskeyRow>, sqlx::Error> {
    with_pool!(db, |pool| sqlx::query_as(
        "SELECT id, name, created_at, last_used_at FROM passkeys WHERE user_id = $1 ORDER BY id"
    )
    .bind(user_id)
    .fetch_all(pool)
    .await)
}

/// The account's credentials as kept (webauthn-rs's JSON), by row id,
/// oldest first: what a ceremony's options list.
pub async fn credentials(db: &Db, user_id: i64) -> Result<Vec<(i64, String)>, sqlx::Error> {
    with_pool!(db, |pool| sqlx::query_as("SELECT id, credential FROM passkeys WHERE user_id = $1 ORDER BY id")
        .bind(user_id)
        .fetch_all(pool)
        .await)
}

/// The account's credential `credential_id` (base64url) as kept, with its
/// row id; none if the account has no such passkey (any more).
pub async fn credential(db: &Db, user_id: i64, credential_id: &str) -> Result<Option<(i64, String)>, sqlx::Error> {
    with_pool!(db, |pool| sqlx::query_as(
        "SELECT id, credential FROM passkeys WHERE credential_id = $1 AND user_id = $2"
    )
    .bind(credential_id)
    .bind(user_id)
    .fetch_optional(pool)
    .await)
}

/// The account's id as its authenticators know it, if it has a passkey.
pub async fn user_handle(db: &Db, user_id: i64) -> Result<Option<String>, sqlx::Error> {
    with_pool!(db, |pool| sqlx::query_scalar("SELECT user_handle FROM passkeys WHERE user_id = $1 ORDER BY id LIMIT 1")
        .bind(user_id)
        .fetch_optional(pool)
        .await)
}

/// A new passkey; `CREDENTIAL` is broken when the credential is
/// registered already (to this account or another).
pub struct NewPasskey<'a> {
    pub user_id: i64,
    pub credential_id: &'a str,
    pub user_handle: &'a str,
    pub name: &'a str,
    pub credential: &'a str,
    pub counter: i64,
}

pub async fn insert_in(tx: &mut Tx, passkey: &NewPasskey<'_>, now: DateTime<Utc>) -> Result<i64, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query_scalar(
        "INSERT INTO passkeys (user_id, credential_id, user_handle, name, credential, counter, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id"
    )
    .bind(passkey.user_id)
    .bind(passkey.credential_id)
    .bind(passkey.user_handle)
    .bind(passkey.name)
    .bind(passkey.credential)
    .bind(passkey.counter)
    .bind(now)
    .fetch_one(c)
    .await)
}

/// Records a sign-in with the passkey: its credential as updated and its
/// counter, unless the stored counter is already at or past `counter`
/// (another sign-in got there first, or the authenticator was cloned);
/// authenticators that do not count send 0 each time. False if not written.
pub async fn record_use(
    db: &Db,
    id: i64,
    credential: &str,
    counter: i64,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let done = with_pool!(db, |pool| sqlx::query(
        "UPDATE passkeys SET credential = $2, counter = $3, last_used_at = $4
         WHERE id = $1 AND (counter < $3 OR $3 = 0)"
    )
    .bind(id)
    .bind(credential)
    .bind(counter)
    .bind(now)
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(done == 1)
}

/// Removes the account's passkey `id`; its name, or none if the account
/// has no passkey by that id (any more).
pub async fn remove_in(tx: &mut Tx, user_id: i64, id: i64) -> Result<Option<String>, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query_scalar("DELETE FROM passkeys WHERE id = $1 AND user_id = $2 RETURNING name")
        .bind(id)
        .bind(user_id)
        .fetch_optional(c)
        .await)
}

/// Keeps a ceremony's `state` under the hash of its handle until
/// `expires_at` (the worker's housekeeping deletes those left to expire).
pub async fn put_challenge(
    db: &Db,
    id: &str,
    user_id: i64,
    purpose: &str,
    state: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    with_pool!(db, |pool| sqlx::query(
        "INSERT INTO passkey_challenges (id, user_id, purpose, state, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(user_id)
    .bind(purpose)
    .bind(state)
    .bind(expires_at)
    .execute(pool)
    .await
    .map(|_| ()))
}

/// Takes the account's unexpired ceremony for `purpose` kept under `id`:
/// deleted by the statement that reads it, so it is taken once.
pub async fn take_challenge(
    db: &Db,
    id: &str,
    user_id: i64,
    purpose: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, sqlx::Error> {
    with_pool!(db, |pool| sqlx::query_scalar(
        "DELETE FROM passkey_challenges WHERE id = $1 AND user_id = $2 AND purpose = $3 AND expires_at > $4
         RETURNING state"
    )
    .bind(id)
    .bind(user_id)
    .bind(purpose)
    .bind(now)
    .fetch_optional(pool)
    .await)
}
