//! The queue as operators and tests read it: one job's row, and how many
//! jobs are in each state.

use crate::server::db::Db;
use crate::server::sql::{Arg, Sql};
use chrono::{DateTime, Utc};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Queued,
    Running,
    Done,
    Failed,
}

impl Status {
    fn parse(text: &str) -> Option<Self> {
        match text {
            "queued" => Some(Status::Queued),
            "running" => Some(Status::Running),
            "done" => Some(Status::Done),
            "failed" => Some(Status::Failed),
            _ => None,
        }
    }
}

/// A job's row, for operators and tests.
#[derive(Clone, Debug)]
pub struct JobRecord {
    pub id: i64,
    pub kind: String,
    pub status: Status,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: DateTime<Utc>,
    pub locked_by: Option<String>,
    pub locked_until: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct RecordRow {
    id: i64,
    kind: String,
    status: String,
    attempts: i32,
    max_attempts: i32,
    run_at: DateTime<Utc>,
    locked_by: Option<String>,
    locked_until: Option<DateTime<Utc>>,
    last_error: Option<String>,
    created_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
}

/// One job, by id.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn get(db: &Db, id: i64) -> Result<Option<JobRecord>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT id, kind, status, attempts, max_attempts, run_at, locked_by, locked_until, last_error, \
         created_at, finished_at FROM jobs WHERE id = ",
    );
    sql.bind(Arg::Int(id));
    let Some(row) = sql.fetch_all::<RecordRow>(db).await?.into_iter().next() else {
        return Ok(None);
    };
    let status = Status::parse(&row.status).ok_or_else(|| sqlx::Error::ColumnDecode {
        index: "status".into(),
        source: format!("unknown job status {:?}", row.status).into(),
    })?;
    Ok(Some(JobRecord {
        id: row.id,
        kind: row.kind,
        status,
        attempts: row.attempts,
        max_attempts: row.max_attempts,
        run_at: row.run_at,
        locked_by: row.locked_by,
        locked_until: row.locked_until,
        last_error: row.last_error,
        created_at: row.created_at,
        finished_at: row.finished_at,
    }))
}

/// How many jobs are in each status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub queued: i64,
    pub running: i64,
    pub done: i64,
    pub failed: i64,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn counts(db: &Db) -> Result<Counts, sqlx::Error> {
    let rows: Vec<(String, i64)> = Sql::new("SELECT status, COUNT(*) FROM jobs GROUP BY status").fetch_all(db).await?;
    let mut counts = Counts::default();
    for (status, n) in rows {
        match Status::parse(&status) {
            Some(Status::Queued) => counts.queued = n,
            Some(Status::Running) => counts.running = n,
            Some(Status::Done) => counts.done = n,
            Some(Status::Failed) => counts.failed = n,
            None => {}
        }
    }
    Ok(counts)
}

/// One kind of job's share of the queue, for `/metrics`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KindGauges {
    pub kind: String,
    pub queued: i64,
    pub running: i64,
    pub failed: i64,
    /// Seconds the longest-waiting due job has waited (0 when none is due):
    /// a queue that falls behind shows here before anywhere else.
    pub oldest_due_secs: f64,
}

/// The queue by kind: jobs queued, running and failed for good, and how
/// long the oldest due one has waited. Done jobs are left out: they are
/// history, and the finished index would have to be read in full.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn by_kind(db: &Db, now: DateTime<Utc>) -> Result<Vec<KindGauges>, sqlx::Error> {
    let mut sql = Sql::new("SELECT kind, status, COUNT(*), MIN(CASE WHEN status = 'queued' AND run_at <= ");
    sql.bind(Arg::Time(now)).push(
        " THEN run_at END) FROM jobs WHERE status IN ('queued', 'running', 'failed') GROUP BY kind, status \
         ORDER BY kind",
    );
    let rows: Vec<(String, String, i64, Option<DateTime<Utc>>)> = sql.fetch_all(db).await?;
    let mut kinds: Vec<KindGauges> = Vec::new();
    for (kind, status, n, oldest_due) in rows {
        if kinds.last().is_none_or(|last| last.kind != kind) {
            kinds.push(KindGauges { kind, ..KindGauges::default() });
        }
        let gauges = kinds.last_mut().expect("pushed above");
        match Status::parse(&status) {
            Some(Status::Queued) => gauges.queued = n,
            Some(Status::Running) => gauges.running = n,
            Some(Status::Failed) => gauges.failed = n,
            _ => {}
        }
        if let Some(since) = oldest_due {
            gauges.oldest_due_secs = (now - since).num_milliseconds().max(0) as f64 / 1000.0;
        }
    }
    Ok(kinds)
}
