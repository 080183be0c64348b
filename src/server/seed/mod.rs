//! Data loaders run by `lyceum seed ...` and, for the demo catalogue, on the
//! first start of an empty database.

pub mod accounts;
pub mod bench;
pub mod demo;
pub mod jobs;
pub mod learners;
mod people;
mod taxonomy;

use crate::server::db::{Db, with_pool};

/// True when no course has ever been stored.
pub async fn catalogue_is_empty(db: &Db) -> Result<bool, sqlx::Error> {
    let count: i64 = with_pool!(db, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM courses").fetch_one(pool).await)?;
    Ok(count == 0)
}

/// The hash of a random password nobody is told: people made by a seed
/// who must not be able to sign in share it.
pub async fn unusable_password_hash() -> Result<String, sqlx::Error> {
    use crate::server::accounts::password::hash_phc;
    tokio::task::spawn_blocking(|| hash_phc(&crate::server::crypto::new_token()))
        .await
        .map_err(|e| sqlx::Error::Protocol(format!("hashing: {e}")))?
        .map_err(|e| sqlx::Error::Protocol(format!("hashing: {e:?}")))
}
