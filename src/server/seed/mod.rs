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
