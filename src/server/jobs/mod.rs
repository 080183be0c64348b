//! The durable job queue: slow work and work with outside effects (e-mail
//! above all) is written to the `jobs` table, preferably in the same
//! transaction as the change that causes it, and run by workers in any
//! number of processes sharing the database.
//!
//! How a job runs, and what that guarantees:
//! - A worker claims a batch of due jobs in one statement
//!   ([`queue::claim`]) and takes a lease on each: `locked_by` is the
//!   worker's random id, `locked_until` the moment its claim lapses. Two
//!   workers never hold the same job at the same time.
//! - While jobs run, a heartbeat extends the worker's leases. A worker that
//!   dies stops renewing them, and its jobs are claimed again by another
//!   worker once the lease has passed.
//! - Only the worker holding a job can finish it (`locked_by` is part of
//!   every completion's condition), so a worker whose lease was taken over
//!   cannot complete the job a second time.
//! - A handler whose whole effect is in the database writes it in a
//!   transaction it hands back ([`Outcome::Commit`]); the worker marks the
//!   job done in that same transaction, so the effect happens exactly once,
//!   even across crashes.
//! - A handler with an effect outside the database (SMTP) is at least once:
//!   a crash between the effect and the completion runs it again.
//! - A failure is retried with exponential backoff and jitter up to the
//!   job's `max_attempts`; then the job is `failed`, its last error kept.
//!
//! Payloads may hold links with tokens: they are never logged, and errors
//! recorded in `last_error` never quote them.

mod dialect;
pub mod queue;
pub mod worker;

use crate::server::db::{Db, Tx};
use async_trait::async_trait;
use std::{collections::HashMap, fmt, sync::Arc};

/// The built-in job that does nothing, for benchmarks and tests.
pub const NOOP: &str = "noop";

/// A claimed job, as its handler sees it.
#[derive(Clone)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    /// The payload's JSON text, read with [`Job::payload_as`].
    payload: String,
    /// This run's number: 1 on the first run.
    pub attempt: i32,
    pub max_attempts: i32,
}

impl Job {
    pub(crate) fn new(id: i64, kind: String, payload: String, attempt: i32, max_attempts: i32) -> Self {
        Self { id, kind, payload, attempt, max_attempts }
    }

    /// The payload as a `T`. A payload of another shape fails the job for
    /// good, since no retry could fix it; the error does not quote it.
    pub fn payload_as<T: serde::de::DeserializeOwned>(&self) -> Result<T, JobError> {
        serde_json::from_str(&self.payload)
            .map_err(|_| JobError::permanent(format!("the payload is not a valid {:?} payload", self.kind)))
    }

    /// The payload's JSON text.
    pub fn payload(&self) -> &str {
        &self.payload
    }

    /// Whether a failure of this run is the last one allowed.
    pub fn is_last_attempt(&self) -> bool {
        self.attempt >= self.max_attempts
    }
}

/// Everything but the payload, which may hold secrets.
impl fmt::Debug for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Job")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("attempt", &self.attempt)
            .field("max_attempts", &self.max_attempts)
            .finish_non_exhaustive()
    }
}

/// What a handler leaves for the worker to do when it succeeds.
pub enum Outcome {
    /// Nothing more to write: the job's effect is outside the database (or
    /// there is none). The worker marks the job done, possibly together
    /// with others in one statement.
    Done,
    /// The job's effect, written in this transaction and not committed yet.
    /// The worker marks the job done in the same transaction and commits
    /// it, or rolls it back if the job is no longer this worker's.
    Commit(Tx),
}

/// Why a job did not succeed. The message is stored in `last_error` and
/// logged, so it must never hold a secret or quote the payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobError {
    message: String,
    permanent: bool,
}

impl JobError {
    /// A failure another attempt may get past (a relay that is down, a busy database).
    pub fn retry(message: impl Into<String>) -> Self {
        Self { message: message.into(), permanent: false }
    }

    /// A failure no retry can fix (an unknown kind, an unreadable payload):
    /// the job fails at once.
    pub fn permanent(message: impl Into<String>) -> Self {
        Self { message: message.into(), permanent: true }
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn is_permanent(&self) -> bool {
        self.permanent
    }
}

impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for JobError {}

impl From<sqlx::Error> for JobError {
    fn from(error: sqlx::Error) -> Self {
        JobError::retry(format!("database: {error}"))
    }
}

/// The code that runs one kind of job.
#[async_trait]
pub trait Handler: Send + Sync + 'static {
    /// Runs `job` once. It may run again after a crash or a lost lease, so
    /// an effect outside the database must be safe to repeat.
    async fn run(&self, job: &Job, db: &Db) -> Result<Outcome, JobError>;
}

/// Handlers by kind. Every registry runs [`NOOP`].
#[derive(Clone)]
pub struct Registry {
    handlers: HashMap<String, Arc<dyn Handler>>,
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

impl Registry {
    pub fn new() -> Self {
        let mut registry = Self { handlers: HashMap::new() };
        registry.register(NOOP, Noop);
        registry
    }

    /// Runs jobs of `kind` with `handler`, in place of any earlier one.
    pub fn register(&mut self, kind: &str, handler: impl Handler) -> &mut Self {
        self.handlers.insert(kind.to_string(), Arc::new(handler));
        self
    }

    /// [`Registry::register`], for building a registry in one expression.
    pub fn with(mut self, kind: &str, handler: impl Handler) -> Self {
        self.register(kind, handler);
        self
    }

    pub fn get(&self, kind: &str) -> Option<Arc<dyn Handler>> {
        self.handlers.get(kind).cloned()
    }
}

/// Does nothing, successfully.
pub struct Noop;

#[async_trait]
impl Handler for Noop {
    async fn run(&self, _job: &Job, _db: &Db) -> Result<Outcome, JobError> {
        Ok(Outcome::Done)
    }
}
