//! The login throttle: failed logins per address (under a keyed hash of it,
//! `Accounts::throttle_key`), and the lockout they lead to.

use crate::server::db::{Db, with_pool};
use chrono::{DateTime, Utc};

/// Whether a login attempt may check its password.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attempt {
    /// It may; it is already counted as the address's `failures`th failure
    /// in a row (a success clears the count).
    Allowed { failures: i32 },
    /// The address is locked out until then; the attempt is not counted.
    Locked { until: DateTime<Utc> },
}

/// Counts a login attempt for an address and decides its lockout, in one
/// statement, before the password is checked. The count goes up, and the
/// lock (from `lock_until(count)`) is set, only while the address is not
/// locked; so of any number of simultaneous attempts, only as many as the
/// lockout allows come back `Allowed`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn begin_login_attempt(
    db: &Db,
    email_hash: &str,
    now: DateTime<Utc>,
    lock_after: i32,
    lock_until: impl Fn(i32, DateTime<Utc>) -> Option<DateTime<Utc>>,
) -> Result<Attempt, sqlx::Error> {
    // The lock each new count gets, bound as values: the statement reads
    // the count and picks its lock in the same step. Past the last count
    // listed the wait no longer grows.
    const COUNTS: i32 = 16;
    let mut lock = String::from("CASE WHEN login_throttle.failures + 1 < $3 THEN NULL");
    for n in 0..COUNTS {
        lock.push_str(&format!(" WHEN login_throttle.failures + 1 = $3 + {n} THEN ${}", 4 + n));
    }
    lock.push_str(&format!(" ELSE ${} END", 4 + COUNTS - 1));
    let sql = format!(
        "INSERT INTO login_throttle (email_hash, failures, locked_until, updated_at) VALUES ($1, 1, NULL, $2)
         ON CONFLICT (email_hash) DO UPDATE
         SET failures = login_throttle.failures + 1, locked_until = {lock}, updated_at = $2
         WHERE login_throttle.locked_until IS NULL OR login_throttle.locked_until <= $2
         RETURNING failures"
    );
    let allowed: Option<i32> = with_pool!(db, |pool| {
        let mut query = sqlx::query_scalar(&sql).bind(email_hash).bind(now).bind(lock_after);
        for n in 0..COUNTS {
            query = query.bind(lock_until(lock_after + n, now));
        }
        query.fetch_optional(pool).await
    })?;
    if let Some(failures) = allowed {
        return Ok(Attempt::Allowed { failures });
    }
    let until: Option<Option<DateTime<Utc>>> = with_pool!(db, |pool| {
        sqlx::query_scalar("SELECT locked_until FROM login_throttle WHERE email_hash = $1")
            .bind(email_hash)
            .fetch_optional(pool)
            .await
    })?;
    Ok(Attempt::Locked { until: until.flatten().unwrap_or(now) })
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn clear_throttle(db: &Db, email_hash: &str) -> Result<(), sqlx::Error> {
    with_pool!(db, |pool| {
        sqlx::query("DELETE FROM login_throttle WHERE email_hash = $1").bind(email_hash).execute(pool).await.map(|_| ())
    })?;
    Ok(())
}
