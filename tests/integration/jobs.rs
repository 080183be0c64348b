//! The job queue and the worker: jobs run once, failures back off, leases
//! pass to another worker only when they lapse, shutdown is graceful, and
//! mail reaches the mailbox exactly once even when the worker process is
//! killed.

use crate::helpers::TestApp;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lyceum::server::crypto::{Keyring, Secret};
use lyceum::server::db::Db;
use lyceum::server::jobs::queue::{self, AfterFailure, NewJob, Status};
use lyceum::server::jobs::worker::{Worker, WorkerConfig};
use lyceum::server::jobs::{self, Handler, Job, JobError, Outcome, Registry};
use lyceum::server::mail::{self, Mail, Mailer};
use lyceum::server::sql::{Arg, Sql};
use std::collections::HashMap;
use std::sync::{
    Arc, Mutex,
    atomic::{AtomicBool, Ordering},
};
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// Counts the runs of each job, pausing in each so that runs overlap.
#[derive(Clone, Default)]
struct Counter {
    runs: Arc<Mutex<HashMap<i64, u32>>>,
    pause: Duration,
}

#[async_trait]
impl Handler for Counter {
    async fn run(&self, job: &Job, _db: &Db) -> Result<Outcome, JobError> {
        *self.runs.lock().unwrap().entry(job.id).or_default() += 1;
        tokio::time::sleep(self.pause).await;
        Ok(Outcome::Done)
    }
}

/// Fails every run with the same error.
struct Failing(JobError);

#[async_trait]
impl Handler for Failing {
    async fn run(&self, _job: &Job, _db: &Db) -> Result<Outcome, JobError> {
        Err(self.0.clone())
    }
}

/// Says when it starts, then takes its time.
#[derive(Clone, Default)]
struct Slow {
    started: Arc<Notify>,
    finished: Arc<AtomicBool>,
}

#[async_trait]
impl Handler for Slow {
    async fn run(&self, _job: &Job, _db: &Db) -> Result<Outcome, JobError> {
        self.started.notify_one();
        tokio::time::sleep(Duration::from_millis(400)).await;
        self.finished.store(true, Ordering::SeqCst);
        Ok(Outcome::Done)
    }
}

/// A worker that polls often, so tests do not wait on it.
pub fn worker(db: &Db, registry: Registry) -> Worker {
    let config = WorkerConfig { poll_interval: Duration::from_millis(20), ..WorkerConfig::default() };
    Worker::new(db.clone(), registry, config)
}

pub async fn job(db: &Db, id: i64) -> queue::JobRecord {
    queue::get(db, id).await.unwrap().expect("the job exists")
}

/// Makes a queued job due now, as if its backoff had passed.
async fn make_due(db: &Db, id: i64) {
    let mut sql = Sql::new("UPDATE jobs SET run_at = ");
    sql.bind(Arg::Time(queue::now() - chrono::Duration::seconds(1))).push(" WHERE id = ").bind(Arg::Int(id));
    assert_eq!(sql.execute(db).await.unwrap(), 1);
}

/// The job ids of the mailbox's messages, in order.
pub async fn mailbox_job_ids(db: &Db) -> Vec<i64> {
    let rows: Vec<(i64,)> = Sql::new("SELECT job_id FROM mailbox ORDER BY job_id").fetch_all(db).await.unwrap();
    rows.into_iter().map(|(id,)| id).collect()
}

pub fn mail_to(n: usize) -> Mail {
    Mail {
        to: format!("learner{n}@academy.test"),
        subject: format!("Message {n}"),
        text: format!("Hello, learner {n}."),
        html: format!("<p>Hello, learner {n}.</p>"),
        attachments: Vec::new(),
        thread: Default::default(),
    }
}

fn between(at: DateTime<Utc>, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
    from <= at && at <= to
}

#[tokio::test]
async fn queued_jobs_run_once_and_are_marked_done() {
    let app = TestApp::empty().await;
    let db = &app.state.db;
    let counter = Counter::default();
    let registry = Registry::new().with("test.count", counter.clone());
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(queue::enqueue(db, NewJob::new("test.count", serde_json::json!({ "n": n }))).await.unwrap());
    }
    let noop = queue::enqueue(db, NewJob::new(jobs::NOOP, serde_json::json!({}))).await.unwrap();
    let later = queue::enqueue(
        db,
        NewJob::new(jobs::NOOP, serde_json::json!({})).run_at(queue::now() + chrono::Duration::hours(1)),
    )
    .await
    .unwrap();

    let worker = worker(db, registry);
    assert_eq!(worker.run_until_idle().await, 6);
    assert_eq!(worker.run_until_idle().await, 0, "nothing runs twice");

    for id in ids.iter().copied().chain([noop]) {
        let job = job(db, id).await;
        assert_eq!((job.status, job.attempts), (Status::Done, 1), "job {id}");
        assert!(job.finished_at.is_some() && job.locked_until.is_none());
        assert_eq!(job.locked_by.as_deref(), Some(worker.id()));
    }
    assert_eq!(job(db, later).await.status, Status::Queued, "a job is not run before its time");
    let runs = counter.runs.lock().unwrap().clone();
    assert_eq!(runs, ids.iter().map(|id| (*id, 1)).collect());
    assert_eq!(queue::counts(db).await.unwrap(), queue::Counts { queued: 1, running: 0, done: 6, failed: 0 });
}

#[tokio::test]
async fn a_job_enqueued_in_a_transaction_exists_only_if_it_commits() {
    let app = TestApp::empty().await;
    let db = &app.state.db;
    let mut tx = db.begin().await.unwrap();
    mail::queue(&mut tx, app.state.accounts.keys(), None, &mail_to(1)).await.unwrap();
    drop(tx);
    assert_eq!(queue::counts(db).await.unwrap(), queue::Counts::default());

    let mut tx = db.begin().await.unwrap();
    let id = mail::queue(&mut tx, app.state.accounts.keys(), None, &mail_to(2)).await.unwrap();
    tx.commit().await.unwrap();
    let job = job(db, id).await;
    assert_eq!((job.kind.as_str(), job.status, job.max_attempts), (mail::SEND, Status::Queued, mail::MAX_ATTEMPTS));
}

#[tokio::test]
async fn failures_are_retried_later_and_later_then_fail_for_good() {
    let app = TestApp::empty().await;
    let db = &app.state.db;
    let registry = Registry::new().with("test.fail", Failing(JobError::retry("the relay is unavailable")));
    let worker = worker(db, registry);
    let id = queue::enqueue(db, NewJob::new("test.fail", serde_json::json!({})).max_attempts(3)).await.unwrap();

    for attempt in 1..=2 {
        let before = queue::now();
        assert_eq!(worker.run_until_idle().await, 1);
        let after = queue::now();
        let job = job(db, id).await;
        assert_eq!((job.status, job.attempts), (Status::Queued, attempt));
        assert_eq!(job.last_error.as_deref(), Some("the relay is unavailable"));
        assert!(job.locked_by.is_none() && job.locked_until.is_none());
        // 2^attempt seconds, jittered into its upper half.
        let base = chrono::Duration::seconds(1 << attempt);
        assert!(between(job.run_at, before + base / 2, after + base), "attempt {attempt}: {:?}", job.run_at);
        assert_eq!(worker.run_until_idle().await, 0, "not retried before its time");
        make_due(db, id).await;
    }

    assert_eq!(worker.run_until_idle().await, 1);
    let job = job(db, id).await;
    assert_eq!((job.status, job.attempts), (Status::Failed, 3));
    assert_eq!(job.last_error.as_deref(), Some("the relay is unavailable"));
    assert!(job.finished_at.is_some());
    assert_eq!(worker.run_until_idle().await, 0, "a failed job stays failed");
}

#[tokio::test]
async fn unknown_kinds_and_unreadable_payloads_fail_at_once() {
    let app = TestApp::empty().await;
    let db = &app.state.db;
    let unknown = queue::enqueue(db, NewJob::new("no.such.kind", serde_json::json!({}))).await.unwrap();
    let secret = "https://academy.test/reset-password?token=secret-token";
    let unreadable =
        queue::enqueue(db, NewJob::new(mail::SEND, serde_json::json!({ "to": 5, "text": secret }))).await.unwrap();
    let permanent = queue::enqueue(db, NewJob::new("test.refused", serde_json::json!({}))).await.unwrap();
    let registry = app
        .job_registry(Mailer::Mailbox)
        .with("test.refused", Failing(JobError::permanent("the relay refused the recipient")));
    assert_eq!(worker(db, registry).run_until_idle().await, 3);

    let job_unknown = job(db, unknown).await;
    assert_eq!((job_unknown.status, job_unknown.attempts), (Status::Failed, 1));
    assert_eq!(
        job_unknown.last_error.as_deref(),
        Some("unknown job kind \"no.such.kind\": no handler is registered for it")
    );
    let job_unreadable = job(db, unreadable).await;
    assert_eq!((job_unreadable.status, job_unreadable.attempts), (Status::Failed, 1));
    let error = job_unreadable.last_error.unwrap();
    assert!(error.contains("not a valid \"mail.send\" payload"), "{error}");
    assert!(!error.contains("secret-token"), "errors never quote the payload: {error}");
    assert_eq!(job(db, permanent).await.status, Status::Failed);
    assert!(mailbox_job_ids(db).await.is_empty());
}

#[tokio::test]
async fn a_lapsed_lease_is_taken_over_and_its_old_holder_cannot_finish() {
    let app = TestApp::empty().await;
    let db = &app.state.db;
    let lease = Duration::from_secs(15);
    let id = queue::enqueue(db, NewJob::new(jobs::NOOP, serde_json::json!({}))).await.unwrap();
    let t0 = queue::now();
    let at = |secs: i64| t0 + chrono::Duration::seconds(secs);

    let claimed = queue::claim(db, "a", 10, lease, t0).await.unwrap();
    assert_eq!(claimed.iter().map(|j| (j.id, j.attempt)).collect::<Vec<_>>(), vec![(id, 1)]);
    assert!(queue::claim(db, "b", 10, lease, at(10)).await.unwrap().is_empty(), "the lease holds");
    // A's heartbeat at 10 s carries its lease to 25 s.
    assert_eq!(queue::extend_leases(db, "a", at(25)).await.unwrap(), 1);
    assert!(queue::claim(db, "b", 10, lease, at(20)).await.unwrap().is_empty(), "the heartbeat kept it");

    // A stops beating; at 26 s its lease has lapsed and B takes the job.
    let taken = queue::claim(db, "b", 10, lease, at(26)).await.unwrap();
    assert_eq!(taken.iter().map(|j| (j.id, j.attempt)).collect::<Vec<_>>(), vec![(id, 2)]);
    assert_eq!(job(db, id).await.locked_by.as_deref(), Some("b"));

    // A wakes up: it can neither finish the job nor fail it...
    assert!(queue::complete(db, "a", &[id], at(27)).await.unwrap().is_empty());
    let outcome = queue::record_failure(db, "a", &claimed[0], &JobError::retry("late"), at(27)).await.unwrap();
    assert_eq!(outcome, AfterFailure::LeaseLost);
    // ...and an effect it wrote in the job's transaction is rolled back.
    let mut tx = db.begin().await.unwrap();
    let mut effect =
        Sql::new("INSERT INTO mailbox (job_id, recipient, subject, text_body, html_body, created_at) VALUES (");
    effect.bind(Arg::Int(id)).push(", 'a@academy.test', 'Late', '', '', ").bind(Arg::Time(at(27))).push(")");
    effect.execute_in(&mut tx).await.unwrap();
    assert!(!queue::complete_in(&mut tx, "a", id, at(27)).await.unwrap());
    drop(tx);
    assert!(mailbox_job_ids(db).await.is_empty());

    assert_eq!(queue::complete(db, "b", &[id], at(28)).await.unwrap(), vec![id]);
    let done = job(db, id).await;
    assert_eq!((done.status, done.attempts, done.finished_at), (Status::Done, 2, Some(at(28))));
}

#[tokio::test]
async fn a_job_whose_worker_died_on_its_last_attempt_fails_without_running_again() {
    let app = TestApp::empty().await;
    let db = &app.state.db;
    let counter = Counter::default();
    let long_ago = queue::now() - chrono::Duration::minutes(10);
    let new = NewJob::new("test.count", serde_json::json!({})).run_at(long_ago).max_attempts(1);
    let id = queue::enqueue(db, new).await.unwrap();
    // Its worker claimed it ten minutes ago and was never heard from again.
    assert_eq!(queue::claim(db, "gone", 1, Duration::from_secs(15), long_ago).await.unwrap().len(), 1);

    assert_eq!(worker(db, Registry::new().with("test.count", counter.clone())).run_until_idle().await, 1);
    let job = job(db, id).await;
    assert_eq!((job.status, job.attempts), (Status::Failed, 2));
    assert!(job.last_error.unwrap().contains("stopped during the last attempt"));
    assert!(counter.runs.lock().unwrap().is_empty(), "the handler did not run again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_on_one_database_never_run_a_job_twice() {
    const JOBS: usize = 400;
    let app = TestApp::empty().await;
    let db = &app.state.db;
    let mut tx = db.begin().await.unwrap();
    for n in 0..JOBS {
        queue::enqueue_in(&mut tx, NewJob::new("test.count", serde_json::json!({ "n": n }))).await.unwrap();
    }
    tx.commit().await.unwrap();

    // Two pools, as two processes would have.
    let counter = Counter { pause: Duration::from_millis(5), ..Counter::default() };
    let (stop, stopped) = watch::channel(false);
    let mut running = Vec::new();
    let mut ids = Vec::new();
    for _ in 0..2 {
        let pool = Db::connect(&app.state.config.database_url, 5).await.unwrap();
        let worker = Worker::new(
            pool,
            Registry::new().with("test.count", counter.clone()),
            WorkerConfig { poll_interval: Duration::from_millis(20), batch_size: 4, ..WorkerConfig::default() },
        );
        ids.push(worker.id().to_string());
        running.push(tokio::spawn(worker.run(stopped.clone())));
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while queue::counts(db).await.unwrap().done < JOBS as i64 {
        assert!(tokio::time::Instant::now() < deadline, "the workers did not finish in time");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.send(true).unwrap();
    for handle in running {
        tokio::time::timeout(Duration::from_secs(30), handle).await.expect("the worker stops").unwrap();
    }

    let runs = counter.runs.lock().unwrap().clone();
    assert_eq!(runs.len(), JOBS);
    assert!(runs.values().all(|&n| n == 1), "some job ran twice: {runs:?}");
    assert_eq!(queue::counts(db).await.unwrap().done, JOBS as i64);
    let by_worker: Vec<(String,)> = Sql::new("SELECT DISTINCT locked_by FROM jobs").fetch_all(db).await.unwrap();
    assert_eq!(by_worker.len(), 2, "both workers took part: {by_worker:?}");
    assert!(by_worker.iter().all(|(id,)| ids.contains(id)));
}

#[tokio::test]
async fn shutdown_lets_the_running_job_finish_and_claims_nothing_more() {
    let app = TestApp::empty().await;
    let db = &app.state.db;
    let slow = Slow::default();
    let registry = Registry::new().with("test.slow", slow.clone());
    let config = WorkerConfig { concurrency: 1, poll_interval: Duration::from_millis(20), ..WorkerConfig::default() };
    let worker = Worker::new(db.clone(), registry, config);
    let first = queue::enqueue(db, NewJob::new("test.slow", serde_json::json!({}))).await.unwrap();
    let (stop, stopped) = watch::channel(false);
    let running = tokio::spawn(worker.run(stopped));

    tokio::time::timeout(Duration::from_secs(10), slow.started.notified()).await.expect("the job starts");
    let second = queue::enqueue(db, NewJob::new("test.slow", serde_json::json!({}))).await.unwrap();
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(10), running).await.expect("the worker stops").unwrap();

    assert!(slow.finished.load(Ordering::SeqCst), "the running job was let finish");
    assert_eq!(job(db, first).await.status, Status::Done);
    assert_eq!(job(db, second).await.status, Status::Queued, "nothing is claimed after shutdown");
}

#[tokio::test]
async fn housekeeping_deletes_old_done_jobs_and_expired_sessions() {
    let app = TestApp::empty().await;
    let db = &app.state.db;
    let old = queue::enqueue(db, NewJob::new(jobs::NOOP, serde_json::json!({}))).await.unwrap();
    let recent = queue::enqueue(db, NewJob::new(jobs::NOOP, serde_json::json!({}))).await.unwrap();
    let failed = queue::enqueue(db, NewJob::new("no.such.kind", serde_json::json!({}))).await.unwrap();
    worker(db, Registry::new()).run_until_idle().await;
    let now = queue::now();
    let eight_days_ago = now - chrono::Duration::days(8);
    let mut age = Sql::new("UPDATE jobs SET finished_at = ");
    age.bind(Arg::Time(eight_days_ago)).push(" WHERE id IN (").bind(Arg::Int(old)).push(", ");
    age.bind(Arg::Int(failed)).push(")");
    assert_eq!(age.execute(db).await.unwrap(), 2);
    for (id, expires) in [("expired", now - chrono::Duration::minutes(1)), ("live", now + chrono::Duration::hours(1))] {
        let mut session =
            Sql::new("INSERT INTO sessions (id, handle, data, expires_at, created_at, last_seen_at) VALUES (");
        session.bind(Arg::Text(id.into())).push(", ").bind(Arg::Text(format!("h-{id}"))).push(", '{}', ");
        session.bind(Arg::Time(expires)).push(", ").bind(Arg::Time(now)).push(", ").bind(Arg::Time(now)).push(")");
        session.execute(db).await.unwrap();
    }

    assert_eq!(queue::housekeeping(db, now - chrono::Duration::days(7), now).await.unwrap(), (1, 1));
    assert!(queue::get(db, old).await.unwrap().is_none());
    assert_eq!(job(db, recent).await.status, Status::Done);
    assert_eq!(job(db, failed).await.status, Status::Failed, "failed jobs are kept for a person to see");
    let sessions: Vec<(String,)> = Sql::new("SELECT id FROM sessions").fetch_all(db).await.unwrap();
    assert_eq!(sessions, vec![("live".to_string(),)]);
}

/// `lyceum <command>` on the test's database, its log in `dir`.
fn start_process(command: &str, database_url: &str, dir: &std::path::Path) -> std::process::Child {
    let log = std::fs::File::create(dir.join("lyceum.log")).unwrap();
    crate::helpers::lyceum_command(database_url, dir)
        .arg(command)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .spawn()
        .expect("the lyceum binary starts")
}

/// Waits until `done` holds, failing if `child` exits or time runs out.
async fn wait_for(
    what: &str,
    limit: Duration,
    child: &mut std::process::Child,
    dir: &std::path::Path,
    done: impl AsyncFn() -> bool,
) {
    let deadline = tokio::time::Instant::now() + limit;
    while !done().await {
        if let Some(status) = child.try_wait().unwrap() {
            let log = std::fs::read_to_string(dir.join("lyceum.log")).unwrap_or_default();
            panic!("lyceum exited ({status}) before {what}:\n{log}");
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_queue_and_restarted_delivers_every_mail_exactly_once() {
    const JOBS: usize = 300;
    let app = TestApp::empty().await;
    let db = &app.state.db;
    let url = app.state.config.database_url.clone();
    let start = queue::now();
    // Sealed with the secret the `serve` processes below are given.
    let keys = Keyring::new(&Secret::new(crate::helpers::PROCESS_SECRET), &[]);
    let mut tx = db.begin().await.unwrap();
    let mut ids = Vec::new();
    for n in 0..JOBS {
        // Due one after another over three seconds, so that the first worker
        // cannot have finished when it is killed, however fast it is.
        let due = start + chrono::Duration::milliseconds(10 * n as i64);
        let id = mail::queue(&mut tx, &keys, None, &mail_to(n)).await.unwrap();
        let mut sql = Sql::new("UPDATE jobs SET run_at = ");
        sql.bind(Arg::Time(due)).push(" WHERE id = ").bind(Arg::Int(id));
        sql.execute_in(&mut tx).await.unwrap();
        ids.push(id);
    }
    tx.commit().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let delivered = async || mailbox_job_ids(db).await.len();

    // `serve` runs the worker beside the site; SIGKILL gives it no chance
    // to finish or hand back what it holds.
    let mut first = start_process("serve", &url, dir.path());
    wait_for("some mail is delivered", Duration::from_secs(60), &mut first, dir.path(), async || {
        delivered().await >= 20
    })
    .await;
    first.kill().unwrap();
    first.wait().unwrap();
    let before_restart = delivered().await;
    assert!(before_restart < JOBS, "the server was killed while work remained ({before_restart} delivered)");

    // Jobs the killed server held are taken over once their lease lapses.
    let mut second = start_process("serve", &url, dir.path());
    let all_done = async || queue::counts(db).await.unwrap().done == JOBS as i64;
    wait_for("every job is done", Duration::from_secs(60), &mut second, dir.path(), all_done).await;
    second.kill().unwrap();
    second.wait().unwrap();

    assert_eq!(mailbox_job_ids(db).await, ids, "exactly one message per job");
    assert_eq!(queue::counts(db).await.unwrap().done, JOBS as i64);
}
