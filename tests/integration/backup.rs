//! Backups and restores, run as the real binary against the test's
//! database. On SQLite, `lyceum backup` taken while enrolments are being
//! written is a consistent copy holding every one acknowledged before it
//! began, and `lyceum restore` checks a file before it touches the
//! database and refuses one in use. On PostgreSQL, `pg_dump` and
//! `pg_restore` give back a database the binary checks and migrates, and
//! `lyceum backup` says so.

use crate::enrolment::people;
use crate::helpers::{TestApp, lyceum_command};
use crate::visitor::count;
use lyceum::model::account::{Role, User};
use lyceum::server::db::Backend;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The longest any command of these tests may run.
const LIMIT: Duration = Duration::from_secs(120);

/// Runs `command` to its end, killing it past [`LIMIT`], off the runtime
/// (the enrolment writers keep running on it).
async fn run(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || {
        let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("the command starts");
        let started = Instant::now();
        while child.try_wait().unwrap().is_none() {
            if started.elapsed() > LIMIT {
                let _ = child.kill();
                let output = child.wait_with_output().unwrap();
                panic!("{command:?} ran past {LIMIT:?}: {}", String::from_utf8_lossy(&output.stderr));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

/// `lyceum ARGS` on the database at `url`.
async fn lyceum(url: &str, args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut command = lyceum_command(url, dir.path());
    command.args(args);
    run(command).await
}

fn said(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// The SQLite file of a test's database; `None` (and a line saying the
/// test is skipped) on PostgreSQL.
fn sqlite_file(app: &TestApp, test: &str) -> Option<PathBuf> {
    if app.state.db.backend() != Backend::Sqlite {
        eprintln!("{test}: SQLite only (PostgreSQL backs up with pg_dump): skipped");
        return None;
    }
    Some(PathBuf::from(app.state.config.database_url.strip_prefix("sqlite://").unwrap()))
}

/// A read-only connection of the test's own to the SQLite file at `path`.
async fn open_sqlite(path: &Path) -> sqlx::SqliteConnection {
    SqliteConnectOptions::new().filename(path).read_only(true).connect().await.expect("the file opens")
}

async fn enrolment_ids(conn: &mut sqlx::SqliteConnection) -> HashSet<i64> {
    sqlx::query_scalar("SELECT id FROM enrolments").fetch_all(conn).await.unwrap().into_iter().collect()
}

/// Upcoming scheduled dates of the demo catalogue.
async fn upcoming(app: &TestApp, how_many: i64) -> Vec<i64> {
    lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar(
            "SELECT id FROM course_sessions WHERE status = 'scheduled' AND starts_at > $1 ORDER BY id LIMIT $2",
        )
        .bind(chrono::Utc::now())
        .bind(how_many)
        .fetch_all(pool)
        .await
        .unwrap()
    })
}

/// Enrols each learner in one of `sessions`; their enrolments' ids.
async fn enrol_all(app: &TestApp, learners: &[User], sessions: &[i64]) -> Vec<i64> {
    let mut ids = Vec::new();
    for (i, learner) in learners.iter().enumerate() {
        let session = sessions[i % sessions.len()];
        ids.push(app.state.enrolments.enrol(learner, learner.id, session).await.expect("enrolled").id);
    }
    ids
}

/// An enrolment a writer was told was made.
struct Acknowledged {
    id: i64,
    /// When the call was made, and when it returned.
    asked: Instant,
    answered: Instant,
}

/// Writers enrolling learners, four at a time, until stopped or out of learners.
struct Writers {
    acknowledged: Arc<Mutex<Vec<Acknowledged>>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Writers {
    fn start(app: &TestApp, learners: Vec<User>, sessions: Vec<i64>) -> Self {
        let queue = Arc::new(Mutex::new(learners));
        let acknowledged = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let tasks = (0..4)
            .map(|writer| {
                let (queue, acknowledged, stop) = (queue.clone(), acknowledged.clone(), stop.clone());
                let (enrolments, sessions) = (app.state.enrolments.clone(), sessions.clone());
                tokio::spawn(async move {
                    for turn in writer.. {
                        if stop.load(std::sync::atomic::Ordering::Relaxed) {
                            break;
                        }
                        let Some(learner) = queue.lock().unwrap().pop() else { break };
                        let session = sessions[turn % sessions.len()];
                        let asked = Instant::now();
                        let made = enrolments.enrol(&learner, learner.id, session).await.expect("enrolled");
                        acknowledged.lock().unwrap().push(Acknowledged {
                            id: made.id,
                            asked,
                            answered: Instant::now(),
                        });
                    }
                })
            })
            .collect();
        Writers { acknowledged, stop, tasks }
    }

    fn made(&self) -> usize {
        self.acknowledged.lock().unwrap().len()
    }

    /// Waits (within [`LIMIT`]) until `n` enrolments have been acknowledged.
    async fn wait_for(&self, n: usize) {
        let deadline = Instant::now() + LIMIT;
        while self.made() < n {
            assert!(Instant::now() < deadline, "the writers made only {} enrolments", self.made());
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    async fn stop(self) -> Vec<Acknowledged> {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for task in self.tasks {
            task.await.expect("a writer ran without fault");
        }
        Arc::into_inner(self.acknowledged).unwrap().into_inner().unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_taken_while_enrolments_are_written_holds_every_one_acknowledged_before_it_began() {
    let app = TestApp::demo().await;
    let Some(_) = sqlite_file(&app, "backup") else { return };
    let url = app.state.config.database_url.clone();
    let sessions = upcoming(&app, 12).await;
    assert!(sessions.len() >= 6, "the demo catalogue has upcoming dates");
    let learners = people(&app, "writer", 4000, Role::Learner).await;
    let folder = tempfile::tempdir().unwrap();
    let copy = folder.path().join("lyceum-backup.db");

    let writers = Writers::start(&app, learners, sessions);
    writers.wait_for(100).await;
    let began = Instant::now();
    let backup = lyceum(&url, &["backup", copy.to_str().unwrap()]).await;
    let ended = Instant::now();
    let made_by_then = writers.made();
    writers.wait_for(made_by_then + 100).await;
    let acknowledged = writers.stop().await;

    assert!(backup.status.success(), "{}", said(&backup));
    assert!(said(&backup).contains("backup written to"), "{}", said(&backup));
    let during = acknowledged.iter().filter(|a| a.answered > began && a.answered < ended).count();
    assert!(during > 0, "the writers kept writing while the backup was taken");
    eprintln!("backup: taken in {:?} while {during} enrolments were acknowledged", ended - began);

    // The copy opens, is whole, and holds what was acknowledged before it began.
    let mut conn = open_sqlite(&copy).await;
    let checked: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&mut conn).await.unwrap();
    assert_eq!(checked, ["ok"]);
    let in_copy = enrolment_ids(&mut conn).await;
    conn.close().await.unwrap();
    let before: Vec<i64> = acknowledged.iter().filter(|a| a.answered < began).map(|a| a.id).collect();
    assert!(before.len() >= 100);
    let lost: Vec<&i64> = before.iter().filter(|id| !in_copy.contains(id)).collect();
    assert!(lost.is_empty(), "enrolments acknowledged before the backup began are missing from it: {lost:?}");
    // A snapshot: nothing asked for after the backup ended is in it.
    let later: Vec<i64> = acknowledged.iter().filter(|a| a.asked > ended).map(|a| a.id).collect();
    assert!(!later.is_empty() && later.iter().all(|id| !in_copy.contains(id)));
    assert_eq!(listing(folder.path()), ["lyceum-backup.db"], "no partial file is left beside it");

    // An existing file is never overwritten, nor a missing folder made.
    let bytes = std::fs::read(&copy).unwrap();
    let again = lyceum(&url, &["backup", copy.to_str().unwrap()]).await;
    assert!(!again.status.success());
    assert!(said(&again).contains("already exists"), "{}", said(&again));
    assert_eq!(std::fs::read(&copy).unwrap(), bytes, "the existing file is unchanged");
    let nowhere = folder.path().join("missing/lyceum.db");
    let refused = lyceum(&url, &["backup", nowhere.to_str().unwrap()]).await;
    assert!(!refused.status.success());
    assert!(said(&refused).contains("does not exist"), "{}", said(&refused));
    assert!(!folder.path().join("missing").exists());

    // The copy keeps the enrolment rules.
    let seats = lyceum(&sqlite_url(&copy), &["check-seats"]).await;
    assert!(seats.status.success(), "{}", said(&seats));
}

/// Waits until the SQLite database at `path` is one file that nothing has
/// open: a pool's connections close on their own threads, and two closing
/// at once may each leave the log to the other, so it is folded in here.
async fn settle(path: &Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mut conn = SqliteConnectOptions::new().filename(path).connect().await.unwrap();
        let mode: Result<String, _> = sqlx::query_scalar("PRAGMA journal_mode = DELETE").fetch_one(&mut conn).await;
        conn.close().await.unwrap();
        if mode.as_ref().is_ok_and(|mode| mode == "delete") {
            return;
        }
        assert!(Instant::now() < deadline, "the database's connections did not close: the journal mode is {mode:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The names in `folder`, sorted.
fn listing(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(folder).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

/// A copy of the file at `path` under `name` in `folder`, changed by `sql`.
async fn variant(path: &Path, folder: &Path, name: &str, sql: &str) -> PathBuf {
    let copy = folder.join(name);
    std::fs::copy(path, &copy).unwrap();
    let mut conn = SqliteConnectOptions::new().filename(&copy).connect().await.unwrap();
    sqlx::query(sql).execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    copy
}

#[tokio::test]
async fn a_restore_checks_the_file_before_it_replaces_a_stopped_database() {
    let app = TestApp::demo().await;
    let Some(live) = sqlite_file(&app, "restore") else { return };
    let url = app.state.config.database_url.clone();
    let sessions = upcoming(&app, 6).await;
    let learners = people(&app, "kept", 7, Role::Learner).await;
    let kept = enrol_all(&app, &learners[..6], &sessions).await;
    let folder = tempfile::tempdir().unwrap();
    let good = folder.path().join("good.db");
    let made = lyceum(&url, &["backup", good.to_str().unwrap()]).await;
    assert!(made.status.success(), "{}", said(&made));
    let after = enrol_all(&app, &learners[6..], &sessions).await[0];

    // While a process has the database open, nothing is restored.
    let busy = lyceum(&url, &["restore", good.to_str().unwrap()]).await;
    assert!(!busy.status.success());
    assert!(said(&busy).contains("is in use"), "{}", said(&busy));
    assert_eq!(count(&app, &format!("SELECT COUNT(*) FROM enrolments WHERE id = {after}")).await, 1);

    // Stopped: every bad file is refused and the database stays as it was.
    app.state.db.close().await;
    settle(&live).await;
    let database_folder = live.parent().unwrap();
    let (bytes, files) = (std::fs::read(&live).unwrap(), listing(database_folder));
    let text = folder.path().join("notes.txt");
    std::fs::write(&text, "not a database, though it may be named like one\n".repeat(200)).unwrap();
    let damaged = folder.path().join("damaged.db");
    let mut damage = std::fs::read(&good).unwrap();
    let middle = damage.len() / 2 / 4096 * 4096;
    damage[middle..middle + 4096].fill(0x55);
    std::fs::write(&damaged, damage).unwrap();
    let foreign = folder.path().join("foreign.db");
    let mut conn = SqliteConnectOptions::new().filename(&foreign).create_if_missing(true).connect().await.unwrap();
    sqlx::query("CREATE TABLE notes (body TEXT)").execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    let newer = variant(
        &good,
        folder.path(),
        "newer.db",
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (99991231000001, 'from a later Lyceum', TRUE, x'00', 0)",
    )
    .await;
    let cases = [
        (text, "is damaged"),
        (damaged, "is damaged"),
        (foreign, "is not a Lyceum database"),
        (newer, "was written by a newer Lyceum"),
        (folder.path().join("absent.db"), "there is no file"),
    ];
    for (file, reason) in &cases {
        let refused = lyceum(&url, &["restore", file.to_str().unwrap()]).await;
        assert!(!refused.status.success(), "{file:?}");
        assert!(said(&refused).contains(reason), "{file:?}: {}", said(&refused));
        assert!(std::fs::read(&live).unwrap() == bytes, "{file:?}: the database is unchanged");
        assert_eq!(listing(database_folder), files, "{file:?}: nothing is left beside it");
    }

    // A good backup gives back what it held, and keeps the rules.
    let restored = lyceum(&url, &["restore", good.to_str().unwrap()]).await;
    assert!(restored.status.success(), "{}", said(&restored));
    assert!(said(&restored).contains("restored from"), "{}", said(&restored));
    let mut conn = open_sqlite(&live).await;
    let ids = enrolment_ids(&mut conn).await;
    conn.close().await.unwrap();
    assert!(kept.iter().all(|id| ids.contains(id)), "what was backed up is back");
    assert!(!ids.contains(&after), "what was written after the backup is gone");
    for args in [["check-seats"], ["migrate"]] {
        let ran = lyceum(&url, &args).await;
        assert!(ran.status.success(), "{args:?}: {}", said(&ran));
    }

    // Where there was no database yet, the backup becomes it.
    let fresh = folder.path().join("new/place/lyceum.db");
    let placed = lyceum(&sqlite_url(&fresh), &["restore", good.to_str().unwrap()]).await;
    assert!(placed.status.success(), "{}", said(&placed));
    let seats = lyceum(&sqlite_url(&fresh), &["check-seats"]).await;
    assert!(seats.status.success(), "{}", said(&seats));
}

/// The newest installed PostgreSQL's `tool` (the one the test server
/// runs), or the one on `PATH`.
fn postgres_tool(tool: &str) -> PathBuf {
    let mut found: Vec<(Vec<u32>, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version =
                entry.file_name().to_string_lossy().split('.').map(|part| part.parse().ok()).collect::<Option<_>>()?;
            let path = entry.path().join("bin").join(tool);
            path.exists().then_some((version, path))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, path)| path).unwrap_or_else(|| PathBuf::from(tool))
}

/// Every enrolment of a PostgreSQL database: (id, learner, session, status).
async fn pg_enrolments(pool: &sqlx::PgPool) -> Vec<(i64, i64, i64, String)> {
    sqlx::query_as("SELECT id, user_id, session_id, status FROM enrolments ORDER BY id").fetch_all(pool).await.unwrap()
}

#[tokio::test]
async fn on_postgresql_a_pg_dump_restores_into_a_database_lyceum_checks_and_migrates() {
    let Some(admin_url) = std::env::var("LYCEUM_TEST_DATABASE_URL").ok().filter(|url| url.starts_with("postgres"))
    else {
        eprintln!("backup: PostgreSQL only (set LYCEUM_TEST_DATABASE_URL); SQLite is covered by lyceum backup");
        return;
    };
    let app = TestApp::demo().await;
    let url = app.state.config.database_url.clone();
    let sessions = upcoming(&app, 6).await;
    let learners = people(&app, "dumped", 12, Role::Learner).await;
    enrol_all(&app, &learners, &sessions).await;
    let folder = tempfile::tempdir().unwrap();

    // Lyceum's own commands send the operator to PostgreSQL's tools.
    for command in ["backup", "restore"] {
        let file = folder.path().join(format!("by-{command}.dump"));
        let refused = lyceum(&url, &[command, file.to_str().unwrap()]).await;
        assert!(!refused.status.success());
        assert!(said(&refused).contains("pg_dump --format=custom"), "{command}: {}", said(&refused));
        assert!(said(&refused).contains("pg_restore --clean --if-exists --no-owner"), "{}", said(&refused));
        assert!(!file.exists());
    }

    let dump = folder.path().join("lyceum.dump");
    let mut pg_dump = Command::new(postgres_tool("pg_dump"));
    pg_dump.arg("--format=custom").arg(format!("--file={}", dump.display())).arg(&url);
    let dumped = run(pg_dump).await;
    assert!(dumped.status.success(), "{}", said(&dumped));

    // Into a fresh database beside the test's own.
    let (base, name) = url.rsplit_once('/').unwrap();
    let restored_name = format!("{name}_restored");
    let restored_url = format!("{base}/{restored_name}");
    let admin = sqlx::PgPool::connect(&admin_url).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {restored_name}")).execute(&admin).await.unwrap();
    let mut pg_restore = Command::new(postgres_tool("pg_restore"));
    pg_restore.arg("--no-owner").arg(format!("--dbname={restored_url}")).arg(&dump);
    let loaded = run(pg_restore).await;
    let seats = lyceum(&restored_url, &["check-seats"]).await;
    let migrated = lyceum(&restored_url, &["migrate"]).await;
    let restored = sqlx::PgPool::connect(&restored_url).await.unwrap();
    let lyceum::server::db::Pools::Postgres(pool) = app.state.db.pools() else { unreachable!("a PostgreSQL test") };
    let (theirs, ours) = (pg_enrolments(&restored).await, pg_enrolments(pool).await);
    restored.close().await;
    // Dropped before anything is asserted, so a failure leaves no database behind.
    sqlx::query(&format!("DROP DATABASE {restored_name} WITH (FORCE)")).execute(&admin).await.unwrap();
    admin.close().await;

    assert!(loaded.status.success(), "{}", said(&loaded));
    assert!(seats.status.success(), "{}", said(&seats));
    assert!(migrated.status.success(), "{}", said(&migrated));
    assert!(ours.len() >= learners.len());
    assert_eq!(theirs, ours, "the restored database holds the same enrolments");
}

/// Whether nothing has the SQLite file at `path` open now: only then may
/// its journal leave write-ahead mode (asked without waiting).
async fn closed_now(path: &Path) -> bool {
    let mut conn = SqliteConnectOptions::new().filename(path).busy_timeout(Duration::ZERO).connect().await.unwrap();
    let mode: Result<String, _> = sqlx::query_scalar("PRAGMA journal_mode = DELETE").fetch_one(&mut conn).await;
    conn.close().await.unwrap();
    mode.is_ok_and(|mode| mode == "delete")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_the_pools_closes_every_connection_even_one_on_its_way_back() {
    let folder = tempfile::tempdir().unwrap();
    // A connection given back as the pool closes can land, still open, in
    // the closed pool (sqlx 0.8): each round closes with queries finishing.
    for round in 0..40 {
        let path = folder.path().join(format!("closing-{round}.db"));
        let db = lyceum::server::db::Db::connect(&format!("sqlite://{}", path.display()), 5).await.unwrap();
        let queries: Vec<_> = (0..4)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move {
                    let _ = lyceum::with_pool!(&db, |pool| sqlx::query("SELECT 1").execute(pool).await.map(|_| ()));
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_micros(200 * (round % 5))).await;
        db.close().await;
        for query in queries {
            query.await.unwrap();
        }
        assert!(closed_now(&path).await, "round {round}: a connection was left open after the pools closed");
    }
}
