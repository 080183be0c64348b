//! The worker: claims due jobs, runs them concurrently, keeps their leases
//! alive while they run, records how each ended, and now and then cleans up
//! old rows. Any number of workers, in any number of processes, can share a
//! database.

use super::queue::{self, AfterFailure};
use super::{Job, JobError, Outcome, Registry};
use crate::server::db::Db;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::{Id, JoinError, JoinSet};
use tracing::{Instrument, error, info, info_span, warn};

/// How a worker paces itself.
#[derive(Clone, Debug)]
pub struct WorkerConfig {
    /// Most jobs claimed in one statement.
    pub batch_size: usize,
    /// Most jobs running at once.
    pub concurrency: usize,
    /// The wait between claims when nothing is due. While there is work,
    /// the worker claims again at once.
    pub poll_interval: Duration,
    /// How long a claim holds without a heartbeat: a dead worker's jobs
    /// are taken over after about this long.
    pub lease: Duration,
    /// How often the leases of running jobs are extended; well under `lease`.
    pub heartbeat: Duration,
    /// A run taking longer than this counts as failed (and is retried).
    pub job_timeout: Duration,
    /// How often old rows are cleaned up.
    pub housekeeping_interval: Duration,
    /// How long done jobs are kept.
    pub keep_done: Duration,
    /// The only kinds this worker claims (a worker of its own for some
    /// kinds); empty for every kind, when a kind without a handler fails.
    pub kinds: Vec<String>,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            batch_size: 16,
            concurrency: 8,
            poll_interval: Duration::from_millis(250),
            lease: Duration::from_secs(15),
            heartbeat: Duration::from_secs(5),
            job_timeout: Duration::from_secs(120),
            housekeeping_interval: Duration::from_secs(300),
            keep_done: Duration::from_secs(7 * 24 * 3600),
            kinds: Vec::new(),
        }
    }
}

/// Runs jobs from the database's queue with the handlers of a [`Registry`].
pub struct Worker {
    db: Db,
    registry: Arc<Registry>,
    config: WorkerConfig,
    id: Arc<str>,
}

/// Whether the worker keeps polling or returns once nothing is due.
enum Until {
    Shutdown(watch::Receiver<bool>),
    Idle,
}

/// How one run of a job ended, as its task reports it.
enum Ran {
    /// Done, and marked done in the transaction that held its effect.
    Committed,
    /// Succeeded; its completion is left for the next batch.
    Succeeded,
    Failed(JobError),
    /// Another worker holds the job now: nothing was recorded.
    LeaseLost,
}

struct Finished {
    job: Job,
    ran: Ran,
    elapsed: Duration,
}

/// Jobs in flight and jobs that succeeded but are not yet marked done.
struct Batch {
    tasks: JoinSet<Finished>,
    /// The job behind each task, for a task that panics.
    jobs: HashMap<Id, Job>,
    succeeded: Vec<(Job, Duration)>,
    /// Read by the heartbeat, which has nothing to extend when it is zero.
    in_flight: Arc<AtomicUsize>,
}

impl Batch {
    /// Publishes how many jobs this worker holds, for the heartbeat.
    fn track(&self) {
        self.in_flight.store(self.tasks.len() + self.succeeded.len(), Ordering::Relaxed);
    }
}

impl Worker {
    pub fn new(db: Db, registry: Registry, config: WorkerConfig) -> Self {
        let id = format!("{}-{:016x}", std::process::id(), rand::random::<u64>());
        Self { db, registry: Arc::new(registry), config, id: id.into() }
    }

    /// The random id this worker writes into `locked_by`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Runs jobs until `shutdown` turns `true` (or its sender is dropped);
    /// then claims nothing more, lets the running jobs finish and returns.
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        info!(worker = %self.id, concurrency = self.config.concurrency, "job worker started");
        let ran = self.drive(Until::Shutdown(shutdown)).await;
        info!(worker = %self.id, jobs = ran, "job worker stopped");
    }

    /// Runs jobs until none is due; returns how many runs ended. For tests
    /// and one-off draining: no housekeeping.
    pub async fn run_until_idle(&self) -> usize {
        self.drive(Until::Idle).await
    }

    async fn drive(&self, mut until: Until) -> usize {
        let mut batch = Batch {
            tasks: JoinSet::new(),
            jobs: HashMap::new(),
            succeeded: Vec::new(),
            in_flight: Arc::new(AtomicUsize::new(0)),
        };
        let (stop_heartbeat, heartbeat_stopped) = watch::channel(false);
        let heartbeat = tokio::spawn(heartbeat(
            self.db.clone(),
            self.id.clone(),
            self.config.clone(),
            batch.in_flight.clone(),
            heartbeat_stopped,
        ));
        let mut ran = 0;
        let mut stopping = false;
        let idle_returns = matches!(until, Until::Idle);
        let mut next_housekeeping = Instant::now();
        let mut claim_errors = 0u32;
        while !stopping && !until.signalled() {
            while let Some(joined) = batch.tasks.try_join_next_with_id() {
                ran += 1;
                self.settle(joined, &mut batch).await;
            }
            self.complete_succeeded(&mut batch).await;
            if !idle_returns && Instant::now() >= next_housekeeping {
                self.housekeeping().await;
                next_housekeeping = Instant::now() + self.config.housekeeping_interval;
            }

            let free = self.config.concurrency.max(1).saturating_sub(batch.tasks.len());
            let wanted = free.min(self.config.batch_size.max(1));
            let mut wait = self.config.poll_interval;
            if wanted > 0 {
                match queue::claim_of(&self.db, &self.id, &self.config.kinds, wanted, self.config.lease, queue::now())
                    .await
                {
                    Ok(jobs) => {
                        claim_errors = 0;
                        let claimed = jobs.len();
                        for job in jobs {
                            self.spawn(job, &mut batch);
                        }
                        if claimed == wanted {
                            // A full batch: more is probably due.
                            continue;
                        }
                        if idle_returns && claimed == 0 && batch.tasks.is_empty() {
                            break;
                        }
                    }
                    Err(error) => {
                        warn!(worker = %self.id, error = %error, "claiming jobs failed");
                        if idle_returns {
                            break;
                        }
                        // Back off while the database is unwell, up to five seconds.
                        claim_errors = claim_errors.saturating_add(1);
                        wait = (self.config.poll_interval * claim_errors.min(20)).min(Duration::from_secs(5));
                    }
                }
            }

            tokio::select! {
                Some(joined) = batch.tasks.join_next_with_id(), if !batch.tasks.is_empty() => {
                    ran += 1;
                    self.settle(joined, &mut batch).await;
                }
                () = tokio::time::sleep(wait) => {}
                stop = stopped(&mut until) => stopping = stop,
            }
        }
        // Shutting down: claim nothing more, let every running job finish.
        while let Some(joined) = batch.tasks.join_next_with_id().await {
            ran += 1;
            self.settle(joined, &mut batch).await;
        }
        self.complete_succeeded(&mut batch).await;
        let _ = stop_heartbeat.send(true);
        let _ = heartbeat.await;
        ran
    }

    fn spawn(&self, job: Job, batch: &mut Batch) {
        let task =
            run_one(self.db.clone(), self.registry.clone(), self.id.clone(), job.clone(), self.config.job_timeout);
        let handle = batch.tasks.spawn(task);
        batch.jobs.insert(handle.id(), job);
        batch.track();
    }

    /// Records how a task's run ended: logged, and failures written back.
    async fn settle(&self, joined: Result<(Id, Finished), JoinError>, batch: &mut Batch) {
        let Finished { job, ran, elapsed } = match joined {
            Ok((id, finished)) => {
                batch.jobs.remove(&id);
                finished
            }
            Err(join_error) => {
                let Some(job) = batch.jobs.remove(&join_error.id()) else { return };
                // The panic's message could quote the payload: not kept.
                Finished { job, ran: Ran::Failed(JobError::retry("the handler panicked")), elapsed: Duration::ZERO }
            }
        };
        match ran {
            Ran::Succeeded => batch.succeeded.push((job, elapsed)),
            Ran::Committed => report(&job, elapsed, Report::Done),
            Ran::LeaseLost => report(&job, elapsed, Report::LeaseLost(None)),
            Ran::Failed(error) => {
                let recorded = match queue::record_failure(&self.db, &self.id, &job, &error, queue::now()).await {
                    Ok(AfterFailure::Retry(at)) => Report::Retry(at, &error),
                    Ok(AfterFailure::Failed) => Report::Failed(&error),
                    Ok(AfterFailure::LeaseLost) => Report::LeaseLost(Some(&error)),
                    Err(db_error) => Report::Unrecorded(&error, db_error),
                };
                report(&job, elapsed, recorded);
            }
        }
        batch.track();
    }

    /// Marks every succeeded job done in one statement. On a database error
    /// they stay held (and their leases renewed) until the next try.
    async fn complete_succeeded(&self, batch: &mut Batch) {
        if batch.succeeded.is_empty() {
            return;
        }
        let ids: Vec<i64> = batch.succeeded.iter().map(|(job, _)| job.id).collect();
        let completed = match queue::complete(&self.db, &self.id, &ids, queue::now()).await {
            Ok(completed) => completed,
            Err(error) => {
                warn!(worker = %self.id, jobs = ids.len(), error = %error, "marking jobs done failed");
                return;
            }
        };
        for (job, elapsed) in batch.succeeded.drain(..) {
            let done = completed.contains(&job.id);
            report(&job, elapsed, if done { Report::Done } else { Report::LeaseLost(None) });
        }
        batch.track();
    }

    async fn housekeeping(&self) {
        let now = queue::now();
        match queue::housekeeping(&self.db, now - self.config.keep_done, now).await {
            Ok((jobs, sessions)) if jobs + sessions > 0 => {
                info!(done_jobs = jobs, expired_sessions = sessions, "old rows deleted")
            }
            Ok(_) => {}
            Err(error) => warn!(error = %error, "housekeeping failed"),
        }
        match queue::sweep_expired(&self.db, now - self.config.keep_done, now).await {
            Ok(0) => {}
            Ok(rows) => info!(rows, "expired limits and old mailbox messages deleted"),
            Err(error) => warn!(error = %error, "housekeeping failed"),
        }
    }
}

impl Until {
    /// Whether shutdown has been asked for.
    fn signalled(&self) -> bool {
        matches!(self, Until::Shutdown(shutdown) if *shutdown.borrow())
    }
}

/// How a run ended, as logged.
enum Report<'a> {
    Done,
    /// Another worker holds the job now; nothing was recorded.
    LeaseLost(Option<&'a JobError>),
    Retry(DateTime<Utc>, &'a JobError),
    Failed(&'a JobError),
    /// The failure could not be written: the job runs again once its lease lapses.
    Unrecorded(&'a JobError, sqlx::Error),
}

/// One line per finished run: id, kind, attempt, outcome and duration,
/// never the payload.
fn report(job: &Job, elapsed: Duration, report: Report<'_>) {
    let (job_id, kind, attempt) = (job.id, job.kind.as_str(), job.attempt);
    let duration_ms = elapsed.as_millis() as u64;
    match report {
        Report::Done => info!(job_id, kind, attempt, outcome = "done", duration_ms, "job finished"),
        Report::LeaseLost(error) => warn!(
            job_id,
            kind,
            attempt,
            outcome = "lease lost",
            duration_ms,
            error = error.map(tracing::field::display),
            "job finished after another worker took it over"
        ),
        Report::Retry(at, error) => warn!(
            job_id,
            kind,
            attempt,
            outcome = "retry",
            duration_ms,
            retry_at = %at,
            error = %error,
            "job failed; it will be retried"
        ),
        Report::Failed(error) => {
            error!(job_id, kind, attempt, outcome = "failed", duration_ms, error = %error, "job failed for good")
        }
        Report::Unrecorded(error, db_error) => warn!(
            job_id,
            kind,
            attempt,
            outcome = "unrecorded",
            duration_ms,
            error = %error,
            db_error = %db_error,
            "job failed, and recording the failure failed"
        ),
    }
}

/// Resolves when the shutdown signal changes: `true` when the worker
/// should stop (a dropped sender counts). Never, when it runs until idle.
async fn stopped(until: &mut Until) -> bool {
    match until {
        Until::Shutdown(shutdown) => shutdown.changed().await.is_err() || *shutdown.borrow(),
        Until::Idle => std::future::pending().await,
    }
}

/// One run of one job, inside a span naming it (never its payload).
async fn run_one(db: Db, registry: Arc<Registry>, worker: Arc<str>, job: Job, timeout: Duration) -> Finished {
    let span = info_span!("job", job_id = job.id, kind = %job.kind, attempt = job.attempt);
    async move {
        let started = Instant::now();
        let result = match registry.get(&job.kind) {
            // Taken over after its last attempt's worker died: a job that
            // brings its worker down must not run forever.
            _ if job.attempt > job.max_attempts => {
                Err(JobError::permanent("its worker stopped during the last attempt (the lease lapsed); not run again"))
            }
            None => {
                Err(JobError::permanent(format!("unknown job kind {:?}: no handler is registered for it", job.kind)))
            }
            Some(handler) => match tokio::time::timeout(timeout, handler.run(&job, &db)).await {
                Ok(result) => result,
                Err(_) => Err(JobError::retry(format!("timed out after {} seconds", timeout.as_secs()))),
            },
        };
        let ran = match result {
            Ok(Outcome::Done) => Ran::Succeeded,
            Ok(Outcome::Commit(mut tx)) => match queue::complete_in(&mut tx, &worker, job.id, queue::now()).await {
                Ok(true) => match tx.commit().await {
                    Ok(()) => Ran::Committed,
                    Err(error) => Ran::Failed(error.into()),
                },
                // Dropping the transaction rolls the effect back.
                Ok(false) => Ran::LeaseLost,
                Err(error) => Ran::Failed(error.into()),
            },
            Err(error) => Ran::Failed(error),
        };
        Finished { job, ran, elapsed: started.elapsed() }
    }
    .instrument(span)
    .await
}

/// Extends this worker's leases every `config.heartbeat` while it runs jobs.
async fn heartbeat(
    db: Db,
    worker: Arc<str>,
    config: WorkerConfig,
    in_flight: Arc<AtomicUsize>,
    mut stop: watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(config.heartbeat);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => return,
        }
        if in_flight.load(Ordering::Relaxed) == 0 {
            continue;
        }
        if let Err(error) = queue::extend_leases(&db, &worker, queue::now() + config.lease).await {
            warn!(worker = %worker, error = %error, "extending job leases failed");
        }
    }
}
