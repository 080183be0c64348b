//! The `jobs` table's statements: enqueue, claim, heartbeat, complete,
//! fail, and clean up. Times come from the application's clock, mostly as
//! the caller's `now`, and are bound, never read from the database's clock:
//! SQLite and PostgreSQL agree, and tests can reason about time.

use super::{Job, JobError, dialect};
use crate::server::db::{Db, Tx};
use crate::server::sql::{Arg, Sql};
use chrono::{DateTime, SubsecRound, Utc};
use std::time::Duration;

mod inspect;
pub use inspect::{Counts, JobRecord, KindGauges, Status, by_kind, counts, get};
/// Attempts a job gets unless its producer says otherwise.
pub const DEFAULT_MAX_ATTEMPTS: i32 = 8;
/// The longest wait before a retry.
pub const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// Longest error kept in `last_error`, in characters.
pub const MAX_ERROR_CHARS: usize = 1000;
/// Ids per completion statement, well under every backend's parameter limit.
const COMPLETE_CHUNK: usize = 500;

/// A job to add to the queue.
#[derive(Clone, Debug)]
pub struct NewJob {
    pub kind: String,
    pub payload: serde_json::Value,
    /// Not run before this moment.
    pub run_at: DateTime<Utc>,
    /// Runs at most this many times (at least once).
    pub max_attempts: i32,
    /// The account the job is about, if any: deleting the account drops it.
    pub subject_user_id: Option<i64>,
}

impl NewJob {
    /// A job to run as soon as a worker is free, with the default attempts.
    pub fn new(kind: impl Into<String>, payload: serde_json::Value) -> Self {
        Self { kind: kind.into(), payload, run_at: now(), max_attempts: DEFAULT_MAX_ATTEMPTS, subject_user_id: None }
    }

    pub fn run_at(mut self, at: DateTime<Utc>) -> Self {
        self.run_at = at;
        self
    }

    pub fn max_attempts(mut self, attempts: i32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Marks the job as being about this account.
    pub fn about(mut self, user_id: Option<i64>) -> Self {
        self.subject_user_id = user_id;
        self
    }

    fn insert(&self, now: DateTime<Utc>) -> Sql {
        let mut sql = Sql::new(&format!("INSERT INTO jobs {COLUMNS} VALUES ("));
        sql.bind(Arg::Text(self.kind.clone()))
            .push(", ")
            .bind(Arg::Text(self.payload.to_string()))
            .push(", 'queued', 0, ")
            .bind(Arg::Int(i64::from(self.max_attempts.max(1))))
            .push(", ")
            .bind(Arg::Time(self.run_at))
            .push(", ")
            .bind(Arg::Time(now))
            .push(", ")
            .bind(self.subject_user_id.map_or(Arg::NullInt, Arg::Int))
            .push(") RETURNING id");
        sql
    }
}

/// The columns a new job's row is written with.
const COLUMNS: &str = "(kind, payload, status, attempts, max_attempts, run_at, created_at, subject_user_id)";

/// The statement that queues one job, due at once, for each row of `rows`:
/// a query returning `kind, payload, created_at, subject_user_id`. For a
/// producer that queues its job inside a larger statement (a PostgreSQL
/// data-modifying `WITH`), with the defaults of [`NewJob::new`].
pub fn insert_rows(rows: &str) -> String {
    format!(
        "INSERT INTO jobs {COLUMNS} SELECT kind, payload, 'queued', 0, {DEFAULT_MAX_ATTEMPTS}, created_at, created_at, \
         subject_user_id FROM ({rows}) AS new_jobs"
    )
}

/// The current time at the precision both backends keep (microseconds).
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// Adds a job; returns its id.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn enqueue(db: &Db, job: NewJob) -> Result<i64, sqlx::Error> {
    first_id(job.insert(now()).fetch_all::<(i64,)>(&db.writer()).await?)
}

/// Adds a job inside the caller's transaction: it exists if and only if the
/// caller's own writes commit.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn enqueue_in(tx: &mut Tx, job: NewJob) -> Result<i64, sqlx::Error> {
    first_id(job.insert(now()).fetch_all_in::<(i64,)>(tx).await?)
}

fn first_id(rows: Vec<(i64,)>) -> Result<i64, sqlx::Error> {
    rows.first().map(|(id,)| *id).ok_or(sqlx::Error::RowNotFound)
}

#[derive(sqlx::FromRow)]
struct ClaimedRow {
    id: i64,
    kind: String,
    payload: String,
    attempts: i32,
    max_attempts: i32,
}

/// Claims up to `limit` jobs that are due at `now` (queued with `run_at`
/// passed, or running under a lapsed lease) for `worker`, until `now + lease`.
/// Each claim counts as an attempt. Oldest first.
pub async fn claim(
    db: &Db,
    worker: &str,
    limit: usize,
    lease: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<Job>, sqlx::Error> {
    claim_of(db, worker, &[], limit, lease, now).await
}

/// [`claim`], of the `kinds` given only (every kind when none is).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn claim_of(
    db: &Db,
    worker: &str,
    kinds: &[String],
    limit: usize,
    lease: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<Job>, sqlx::Error> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let until = now + lease;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut rows: Vec<ClaimedRow> =
        dialect::claim(db.backend(), worker, kinds, until, now, limit).fetch_all(&db.writer()).await?;
    // RETURNING keeps no order.
    rows.sort_by_key(|row| row.id);
    Ok(rows.into_iter().map(|r| Job::new(r.id, r.kind, r.payload, r.attempts, r.max_attempts)).collect())
}

/// Extends the leases of every job `worker` is running to `until`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn extend_leases(db: &Db, worker: &str, until: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    let mut sql = Sql::new("UPDATE jobs SET locked_until = ");
    sql.bind(Arg::Time(until)).push(" WHERE status = 'running' AND locked_by = ").bind(Arg::Text(worker.to_string()));
    sql.execute(&db.writer()).await
}

/// Marks done those of `ids` that `worker` still holds; returns their ids.
/// For jobs whose effect is outside the database: they are at least once.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn complete(db: &Db, worker: &str, ids: &[i64], now: DateTime<Utc>) -> Result<Vec<i64>, sqlx::Error> {
    let mut completed = Vec::with_capacity(ids.len());
    let db = &db.writer();
    for chunk in ids.chunks(COMPLETE_CHUNK) {
        let mut sql = Sql::new("UPDATE jobs SET status = 'done', payload = '{}', locked_until = NULL, finished_at = ");
        sql.bind(Arg::Time(now))
            .push(" WHERE status = 'running' AND locked_by = ")
            .bind(Arg::Text(worker.to_string()))
            .push(" AND id IN (");
        for (i, id) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind(Arg::Int(*id));
        }
        sql.push(") RETURNING id");
        completed.extend(sql.fetch_all::<(i64,)>(db).await?.into_iter().map(|(id,)| id));
    }
    Ok(completed)
}

/// Marks job `id` done inside `tx`, the transaction holding its effect, if
/// `worker` still holds it. `false` means the job is no longer this
/// worker's: roll `tx` back (drop it) so the effect does not happen twice.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn complete_in(tx: &mut Tx, worker: &str, id: i64, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let mut sql = Sql::new("UPDATE jobs SET status = 'done', payload = '{}', locked_until = NULL, finished_at = ");
    sql.bind(Arg::Time(now))
        .push(" WHERE id = ")
        .bind(Arg::Int(id))
        .push(" AND status = 'running' AND locked_by = ")
        .bind(Arg::Text(worker.to_string()));
    Ok(sql.execute_in(tx).await? == 1)
}

/// What became of a failed job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterFailure {
    /// Queued again, to run from this moment.
    Retry(DateTime<Utc>),
    /// Out of attempts, or failed permanently.
    Failed,
    /// The job was no longer this worker's: nothing was recorded.
    LeaseLost,
}

/// Records that `worker`'s run of `job` failed with `error` at `now`: the
/// job is queued again after a backoff, or failed for good when the error
/// is permanent or this was its last attempt.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn record_failure(
    db: &Db,
    worker: &str,
    job: &Job,
    error: &JobError,
    now: DateTime<Utc>,
) -> Result<AfterFailure, sqlx::Error> {
    let message = truncate(error.message(), MAX_ERROR_CHARS);
    let outcome = if error.is_permanent() || job.is_last_attempt() {
        AfterFailure::Failed
    } else {
        AfterFailure::Retry(now + backoff(job.attempt, rand::random::<f64>()))
    };
    let mut sql = Sql::new("UPDATE jobs SET last_error = ");
    sql.bind(Arg::Text(message));
    match outcome {
        AfterFailure::Retry(at) => {
            sql.push(", status = 'queued', locked_by = NULL, locked_until = NULL, run_at = ").bind(Arg::Time(at));
        }
        _ => {
            sql.push(", status = 'failed', payload = '{}', locked_until = NULL, finished_at = ").bind(Arg::Time(now));
        }
    }
    sql.push(" WHERE id = ")
        .bind(Arg::Int(job.id))
        .push(" AND status = 'running' AND locked_by = ")
        .bind(Arg::Text(worker.to_string()));
    Ok(if sql.execute(&db.writer()).await? == 1 { outcome } else { AfterFailure::LeaseLost })
}

/// The wait before the run after `attempt` failed: 2^attempt seconds, at
/// most an hour, then scaled into its upper half by `jitter` (0 to 1) so
/// that jobs failing together do not retry together.
pub fn backoff(attempt: i32, jitter: f64) -> Duration {
    let exponent = attempt.clamp(0, 30) as u32;
    let base = Duration::from_secs(1u64 << exponent).min(MAX_BACKOFF);
    base.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0)).min(MAX_BACKOFF)
}

/// At most `max` characters of `text`, with an ellipsis when cut.
pub fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}…", &text[..cut]),
    }
}

/// Deletes jobs done before `done_before` and sessions expired by `now`;
/// returns how many of each. Failed jobs are kept for a person to look at.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn housekeeping(db: &Db, done_before: DateTime<Utc>, now: DateTime<Utc>) -> Result<(u64, u64), sqlx::Error> {
    let mut jobs = Sql::new("DELETE FROM jobs WHERE status = 'done' AND finished_at < ");
    jobs.bind(Arg::Time(done_before));
    let db = &db.writer();
    let jobs = jobs.execute(db).await?;
    let mut sessions = Sql::new("DELETE FROM sessions WHERE expires_at < ");
    sessions.bind(Arg::Time(now));
    let sessions = sessions.execute(db).await?;
    Ok((jobs, sessions))
}

/// Deletes the other rows that expire: rate-limit keys whose requests have
/// all come back by `now`, the API's idempotency keys older than a day,
/// passkey ceremonies left unanswered past their time, and development
/// mailbox messages older than `mail_before` (their links expired long
/// before). Returns how many rows.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn sweep_expired(db: &Db, mail_before: DateTime<Utc>, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    let mut limits = Sql::new("DELETE FROM rate_limits WHERE tat < ");
    limits.bind(Arg::Int(now.timestamp_millis()));
    let mut mailbox = Sql::new("DELETE FROM mailbox WHERE created_at < ");
    mailbox.bind(Arg::Time(mail_before));
    let mut keys = Sql::new("DELETE FROM idempotency_keys WHERE created_at < ");
    keys.bind(Arg::Time(now - chrono::Duration::hours(crate::server::api::idempotency::KEPT_HOURS)));
    let mut ceremonies = Sql::new("DELETE FROM passkey_challenges WHERE expires_at < ");
    ceremonies.bind(Arg::Time(now));
    let db = &db.writer();
    Ok(limits.execute(db).await?
        + mailbox.execute(db).await?
        + keys.execute(db).await?
        + ceremonies.execute(db).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_each_attempt_within_its_jitter() {
        for attempt in 1..=11 {
            let base = Duration::from_secs(1 << attempt);
            assert_eq!(backoff(attempt, 0.0), base / 2, "attempt {attempt}");
            assert_eq!(backoff(attempt, 1.0), base, "attempt {attempt}");
            let middle = backoff(attempt, 0.5);
            assert!(middle > base / 2 && middle < base, "attempt {attempt}: {middle:?}");
        }
    }

    #[test]
    fn backoff_never_exceeds_an_hour() {
        for attempt in [12, 13, 20, 31, 1000, i32::MAX] {
            assert_eq!(backoff(attempt, 1.0), MAX_BACKOFF);
            assert_eq!(backoff(attempt, 0.0), MAX_BACKOFF / 2);
        }
        assert_eq!(backoff(1, 7.0), Duration::from_secs(2), "jitter beyond 1 counts as 1");
        assert_eq!(backoff(-3, 0.0), Duration::from_millis(500), "a nonsense attempt still waits");
    }

    #[test]
    fn long_errors_are_cut_on_a_character_boundary() {
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(truncate("exactly", 7), "exactly");
        assert_eq!(truncate("ħaġa ta' xejn", 4), "ħaġa…");
    }

    #[test]
    fn a_new_job_runs_now_with_the_default_attempts() {
        let before = now();
        let job = NewJob::new("noop", serde_json::json!({}));
        assert!(job.run_at >= before && job.run_at <= now());
        assert_eq!(job.max_attempts, DEFAULT_MAX_ATTEMPTS);
        assert_eq!(job.max_attempts(0).max_attempts, 1, "a job runs at least once");
    }
}
