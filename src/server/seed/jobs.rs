//! No-op jobs for the queue benchmark, queued in transactions of a few
//! thousand so the load itself is quick on both backends.

use crate::server::db::Db;
use crate::server::jobs::{NOOP, queue};

const PER_TRANSACTION: usize = 2_000;

pub async fn noop(db: &Db, count: usize) -> Result<(), sqlx::Error> {
    let mut left = count;
    while left > 0 {
        let mut tx = db.begin().await?;
        for _ in 0..left.min(PER_TRANSACTION) {
            queue::enqueue_in(&mut tx, queue::NewJob::new(NOOP, serde_json::Value::Null)).await?;
        }
        tx.commit().await?;
        left = left.saturating_sub(PER_TRANSACTION);
    }
    Ok(())
}
