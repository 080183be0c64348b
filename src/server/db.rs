//! The database handle. `DATABASE_URL` picks SQLite or PostgreSQL at run
//! time; queries that read the same on both are written once through
//! [`with_pool!`], and SQL that differs lives in a `dialect` section of its
//! area, the one place to extend when another backend is added.

use sqlx::{
    PgPool, SqlitePool,
    postgres::{PgConnectOptions, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};
use std::{str::FromStr, time::Duration};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The pools of one database. On SQLite, write transactions
/// ([`Db::begin_write`]) have a pool of their own with one connection: SQLite
/// has one writer at a time anyway, and waiting for that connection is a
/// fair queue, where waiting in SQLite's busy handler is sleeping and
/// retrying with growing pauses (the tail latency of a rush of
/// enrolments). Correctness never rests on it: the database's lock and
/// constraints hold across processes.
#[derive(Clone, Debug)]
pub struct Db {
    pools: Pools,
    writer: Option<SqlitePool>,
    /// How the pools were opened, for [`Db::budget`].
    options: Options,
}

#[derive(Clone, Debug)]
enum Options {
    Sqlite(SqliteConnectOptions),
    Postgres(PgConnectOptions),
}

/// How long a request waits for a connection before it is answered "busy,
/// try again" (`503` with `Retry-After`): long enough to ride out a rush,
/// short enough that the answer comes well before a client gives up.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Clone, Debug)]
pub enum Pools {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the concrete pool. The body is compiled
/// once per backend, so a query written inside it is checked against both.
#[macro_export]
macro_rules! with_pool {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db.pools() {
            $crate::server::db::Pools::Sqlite($pool) => $body,
            $crate::server::db::Pools::Postgres($pool) => $body,
        }
    };
}

pub use with_pool;

/// Runs `$body` with `$conn` bound to the connection inside `$source`, a
/// value of the two-backend enum `$kind` ([`Tx`] or [`Conn`]), compiled
/// once per backend like [`with_pool!`].
#[doc(hidden)]
#[macro_export]
macro_rules! with_connection_of {
    ($kind:ident, $source:expr, |$conn:ident| $body:expr) => {
        match $source {
            $crate::server::db::$kind::Sqlite(inner) => {
                let $conn = &mut **inner;
                $body
            }
            $crate::server::db::$kind::Postgres(inner) => {
                let $conn = &mut **inner;
                $body
            }
        }
    };
}

/// Runs `$body` with `$conn` bound to the transaction's connection, compiled
/// once per backend like [`with_pool!`].
#[macro_export]
macro_rules! with_tx {
    ($tx:expr, |$conn:ident| $body:expr) => {
        $crate::with_connection_of!(Tx, $tx, |$conn| $body)
    };
}

pub use with_tx;

/// One connection taken from the pool, for a read of several statements.
/// Each statement sent to the pool takes a connection and gives it back,
/// and on SQLite both cross to the connection's own thread (giving it back
/// also tests it there): a search of four statements made twelve such
/// trips, on one connection it makes five.
pub enum Conn {
    Sqlite(sqlx::pool::PoolConnection<sqlx::Sqlite>),
    Postgres(sqlx::pool::PoolConnection<sqlx::Postgres>),
}

impl Conn {
    pub fn backend(&self) -> Backend {
        match self {
            Conn::Sqlite(_) => Backend::Sqlite,
            Conn::Postgres(_) => Backend::Postgres,
        }
    }
}

/// Runs `$body` with `$conn` bound to the connection of a [`Conn`],
/// compiled once per backend like [`with_pool!`].
#[macro_export]
macro_rules! with_conn {
    ($source:expr, |$conn:ident| $body:expr) => {
        $crate::with_connection_of!(Conn, $source, |$conn| $body)
    };
}

pub use with_conn;

/// An open transaction on either backend; dropped without `commit`, it rolls back.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await,
            Tx::Postgres(tx) => tx.commit().await,
        }
    }
}

/// A unique index or constraint, as each backend names it when a write
/// breaks it: PostgreSQL by the index's name, SQLite by its columns.
#[derive(Clone, Copy, Debug)]
pub struct Unique {
    pub postgres: &'static str,
    pub sqlite: &'static str,
}

impl Unique {
    /// `error` as the field error a person is shown when it breaks this
    /// index (say, a course slug that is taken); any other error as it is.
    pub fn as_field_error(self, error: sqlx::Error, field: crate::model::form::Field) -> super::error::Error {
        use crate::model::form::{FieldError, Problem};
        if self.violated_by(&error) {
            let taken = FieldError { field, problem: Problem::Taken };
            return super::error::Error::Refused(crate::error::AppError::Invalid(vec![taken]));
        }
        super::error::Error::Database(error)
    }

    /// Whether `error` is a violation of this index, and no other.
    pub fn violated_by(self, error: &sqlx::Error) -> bool {
        let sqlx::Error::Database(db) = error else { return false };
        if !db.is_unique_violation() {
            return false;
        }
        match db.constraint() {
            Some(name) => name == self.postgres,
            // "UNIQUE constraint failed: users.email"
            None => db.message().rsplit(": ").next() == Some(self.sqlite),
        }
    }
}

/// How often SQLite's write-ahead log is copied into the database.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// The migrations this binary applies on `backend`: what a backup's
/// history is checked against before it is restored.
pub fn migrator(backend: Backend) -> &'static sqlx::migrate::Migrator {
    match backend {
        Backend::Sqlite => &SQLITE_MIGRATIONS,
        Backend::Postgres => &POSTGRES_MIGRATIONS,
    }
}

impl Db {
    /// Opens a pool. A SQLite file (and its folder) is created when missing.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, sqlx::Error> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                // WAL lets readers run while one writer writes.
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5))
                // Checkpoints run in the background (below), not inside
                // whichever commit crosses the threshold, where copying the
                // log into the database stalled every writer queued behind it.
                .pragma("wal_autocheckpoint", "0");
            if let Some(parent) = options.get_filename().parent()
                && !parent.as_os_str().is_empty()
            {
                std::fs::create_dir_all(parent).map_err(sqlx::Error::Io)?;
            }
            // A connection to a local file does not go stale, and testing
            // it on every acquire is a round trip to its worker thread
            // before every statement.
            let pool = SqlitePoolOptions::new()
                .max_connections(max_connections)
                .min_connections(1)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .test_before_acquire(false)
                .connect_with(options.clone())
                .await?;
            // Queued writers wait their turn up to the request timeout's
            // default rather than fail.
            let writer = SqlitePoolOptions::new()
                .max_connections(1)
                .acquire_timeout(Duration::from_secs(30))
                .test_before_acquire(false)
                .connect_with(options.clone())
                .await?;
            let checkpointer = pool.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
                loop {
                    tick.tick().await;
                    if checkpointer.is_closed() {
                        break;
                    }
                    // PASSIVE: copies what it can without waiting for, or
                    // blocking, readers and writers.
                    if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&checkpointer).await {
                        tracing::debug!(%error, "checkpoint");
                    }
                }
            });
            Ok(Db { pools: Pools::Sqlite(pool), writer: Some(writer), options: Options::Sqlite(options) })
        } else {
            // Statements are prepared once per connection. A generic plan
            // cannot know how many courses a search word matches, and
            // PostgreSQL would switch to one after five runs: plan each run.
            let options = PgConnectOptions::from_str(url)?.options([("plan_cache_mode", "force_custom_plan")]);
            let pool = PgPoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .connect_with(options.clone())
                .await?;
            Ok(Db { pools: Pools::Postgres(pool), writer: None, options: Options::Postgres(options) })
        }
    }

    /// The same database, with statements sent through the writer
    /// connection on SQLite (the pool itself on PostgreSQL): for writes
    /// made often and beside the write transactions, such as the job
    /// queue's, so they queue with them instead of racing for SQLite's lock.
    pub fn writer(&self) -> Db {
        match &self.writer {
            Some(writer) => Db { pools: Pools::Sqlite(writer.clone()), ..self.clone() },
            None => self.clone(),
        }
    }

    /// The same database through a pool of its own of at most `max`
    /// connections (opened as they are needed): a budget for one kind of
    /// work, so that a rush of requests holding every connection of the
    /// main pool cannot starve the web sessions' saves or the job worker's
    /// leases, nor they the requests. On SQLite the writer connection stays
    /// shared: there is one writer whatever the pools.
    pub fn budget(&self, max: u32) -> Db {
        let pools = match &self.options {
            Options::Sqlite(options) => Pools::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(max)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .test_before_acquire(false)
                    .connect_lazy_with(options.clone()),
            ),
            Options::Postgres(options) => Pools::Postgres(
                PgPoolOptions::new()
                    .max_connections(max)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .connect_lazy_with(options.clone()),
            ),
        };
        Db { pools, ..self.clone() }
    }

    /// The pools, for [`with_pool!`].
    pub fn pools(&self) -> &Pools {
        &self.pools
    }

    pub fn backend(&self) -> Backend {
        match self.pools {
            Pools::Sqlite(_) => Backend::Sqlite,
            Pools::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies the migrations of this backend that have not run yet.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match &self.pools {
            Pools::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await,
            Pools::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await,
        }
    }

    /// A connection of the pool, held until dropped (see [`Conn`]).
    pub async fn acquire(&self) -> Result<Conn, sqlx::Error> {
        Ok(match &self.pools {
            Pools::Sqlite(pool) => Conn::Sqlite(timed_acquire(pool, "main").await?),
            Pools::Postgres(pool) => Conn::Postgres(timed_acquire(pool, "main").await?),
        })
    }

    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match &self.pools {
            Pools::Sqlite(pool) => Tx::Sqlite(begin_on(pool, "main", None).await?),
            Pools::Postgres(pool) => Tx::Postgres(begin_on(pool, "main", None).await?),
        })
    }

    /// A transaction that will write. SQLite's default (deferred) start
    /// takes the writer lock only at the first write, and a transaction
    /// that read first then fails with "database is locked" if another
    /// wrote meanwhile; `BEGIN IMMEDIATE` takes it up front, so concurrent
    /// writers queue (within the busy timeout) instead of failing.
    /// PostgreSQL locks rows as it goes and needs nothing special.
    pub async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        Ok(match (&self.pools, &self.writer) {
            (Pools::Sqlite(_), Some(writer)) => Tx::Sqlite(begin_on(writer, "writer", Some("BEGIN IMMEDIATE")).await?),
            (Pools::Sqlite(pool), None) => Tx::Sqlite(begin_on(pool, "main", Some("BEGIN IMMEDIATE")).await?),
            (Pools::Postgres(pool), _) => Tx::Postgres(begin_on(pool, "main", None).await?),
        })
    }

    /// A checker of whether the database answers, on a connection of its
    /// own (see [`Probe`]).
    pub fn probe(&self) -> Probe {
        Probe { options: self.options.clone(), connection: tokio::sync::Mutex::new(None) }
    }

    /// Whether the pools were closed (the process is stopping).
    pub fn is_closed(&self) -> bool {
        with_pool!(self, |pool| pool.is_closed())
    }

    /// (open connections, idle connections, maximum), for `/metrics`.
    pub fn pool_state(&self) -> (u32, usize, u32) {
        with_pool!(self, |pool| (pool.size(), pool.num_idle(), pool.options().get_max_connections()))
    }

    /// Closes the pools once every connection is given back, and waits
    /// (up to ten seconds) until each connection is closed.
    pub async fn close(&self) {
        if let Some(writer) = &self.writer {
            close_fully(writer).await;
        }
        with_pool!(self, |pool| close_fully(pool).await)
    }
}

/// Closes `pool` until no connection of it is left. sqlx 0.8's
/// `Pool::close` can return while a connection is still on its way back,
/// which then lands in the closed pool's idle queue and stays open
/// (launchbadge/sqlx#3217, fixed after 0.8.6): a SQLite file looks in use
/// to a restore for as long as the process lives. Closing again closes it.
async fn close_fully<DB: sqlx::Database>(pool: &sqlx::Pool<DB>) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        pool.close().await;
        if pool.size() == 0 || std::time::Instant::now() >= deadline {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Held by the one instance that migrates and seeds a database while
/// others starting at the same moment wait for it (and then find the work
/// done): PostgreSQL's advisory lock on a connection of its own, or for a
/// SQLite file an exclusive lock on a file beside it.
pub struct StartupLock {
    _held: Held,
}

enum Held {
    /// Closing the connection releases the lock, whatever else happens.
    Postgres(#[allow(dead_code)] sqlx::PgConnection),
    Sqlite(#[allow(dead_code)] std::fs::File),
    /// An in-memory database belongs to one process.
    Nothing,
}

/// The advisory lock's key: any number no other user of the database takes.
const STARTUP_LOCK_KEY: i64 = 0x4c79_6365_756d_0001;

impl StartupLock {
    /// Waits for, then holds until dropped, the start-up lock of the
    /// database at `url`. Taken before the pool is opened: the first
    /// connections to a new SQLite file set it up (write-ahead log), and
    /// two processes doing so at once find it locked.
    pub async fn take(url: &str) -> Result<StartupLock, sqlx::Error> {
        use sqlx::ConnectOptions;
        let options = if url.starts_with("sqlite:") {
            Options::Sqlite(SqliteConnectOptions::from_str(url)?)
        } else {
            Options::Postgres(PgConnectOptions::from_str(url)?)
        };
        let held = match &options {
            Options::Postgres(options) => {
                let mut connection = options.connect().await?;
                sqlx::query("SELECT pg_advisory_lock($1)").bind(STARTUP_LOCK_KEY).execute(&mut connection).await?;
                Held::Postgres(connection)
            }
            Options::Sqlite(options) => {
                let file = options.get_filename();
                if file.as_os_str().is_empty() || file == std::path::Path::new(":memory:") {
                    Held::Nothing
                } else {
                    if let Some(parent) = file.parent()
                        && !parent.as_os_str().is_empty()
                    {
                        std::fs::create_dir_all(parent).map_err(sqlx::Error::Io)?;
                    }
                    let mut path = file.as_os_str().to_owned();
                    path.push(".startup-lock");
                    let lock = std::fs::OpenOptions::new()
                        .create(true)
                        .truncate(false)
                        .write(true)
                        .open(&path)
                        .map_err(sqlx::Error::Io)?;
                    // flock(2) blocks the thread: not one of the runtime's.
                    let lock = tokio::task::spawn_blocking(move || lock.lock().map(|()| lock))
                        .await
                        .map_err(|e| sqlx::Error::Io(std::io::Error::other(e)))?
                        .map_err(sqlx::Error::Io)?;
                    Held::Sqlite(lock)
                }
            }
        };
        Ok(StartupLock { _held: held })
    }
}

/// A connection of `pool`, the wait for it recorded for `/metrics`
/// (`db_pool_wait_seconds`): a pool too small for its load shows there
/// before requests start being refused.
async fn timed_acquire<DB: sqlx::Database>(
    pool: &sqlx::Pool<DB>,
    which: &'static str,
) -> Result<sqlx::pool::PoolConnection<DB>, sqlx::Error> {
    let started = std::time::Instant::now();
    let connection = pool.acquire().await;
    super::metrics::pool_wait(which, started.elapsed());
    connection
}

/// A transaction on a connection taken with [`timed_acquire`], begun with
/// `statement` (the backend's own `BEGIN` when `None`), as `Pool::begin`
/// does.
async fn begin_on<DB: sqlx::Database>(
    pool: &sqlx::Pool<DB>,
    which: &'static str,
    statement: Option<&'static str>,
) -> Result<sqlx::Transaction<'static, DB>, sqlx::Error> {
    let connection = timed_acquire(pool, which).await?;
    sqlx::Transaction::begin(sqlx::pool::MaybePoolConnection::PoolConnection(connection), statement.map(Into::into))
        .await
}

/// Whether the database answers, asked on one connection kept for the
/// purpose: a balancer's health check must be answered at once, and a
/// check through the pool would wait behind a rush of requests holding
/// every connection (up to the pool's acquire timeout) or, with the
/// database gone, behind the pool's own retries to connect.
pub struct Probe {
    options: Options,
    connection: tokio::sync::Mutex<Option<ProbeConnection>>,
}

enum ProbeConnection {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl Probe {
    /// Sends `SELECT 1`, all within `limit`, on the connection kept from
    /// the last check, or when it failed (a connection cut while idle says
    /// nothing of the database now) on a new one. A connection that failed,
    /// or whose check ran out of time halfway, is dropped (it may be
    /// mid-statement); the next check opens another.
    pub async fn check(&self, limit: Duration) -> Result<(), sqlx::Error> {
        let checked = tokio::time::timeout(limit, async {
            let mut slot = self.connection.lock().await;
            if let Some(mut kept) = slot.take()
                && kept.ping().await.is_ok()
            {
                *slot = Some(kept);
                return Ok(());
            }
            let mut connection = self.connect().await?;
            connection.ping().await?;
            *slot = Some(connection);
            Ok(())
        })
        .await;
        checked.unwrap_or(Err(sqlx::Error::PoolTimedOut))
    }

    async fn connect(&self) -> Result<ProbeConnection, sqlx::Error> {
        use sqlx::ConnectOptions;
        Ok(match &self.options {
            Options::Sqlite(options) => ProbeConnection::Sqlite(options.connect().await?),
            Options::Postgres(options) => ProbeConnection::Postgres(options.connect().await?),
        })
    }
}

impl ProbeConnection {
    async fn ping(&mut self) -> Result<(), sqlx::Error> {
        use sqlx::Connection;
        match self {
            ProbeConnection::Sqlite(c) => c.ping().await,
            ProbeConnection::Postgres(c) => c.ping().await,
        }
    }
}

#[cfg(test)]
mod tests {
    /// The file names of a migrations folder, sorted.
    fn migrations(backend: &str) -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(backend);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// The backends differ in their SQL, never in their history: a
    /// migration added to one folder and forgotten in the other would leave
    /// the schemas apart without a word.
    #[test]
    fn both_backends_have_the_same_migrations() {
        let (sqlite, postgres) = (migrations("sqlite"), migrations("postgres"));
        assert!(sqlite.len() >= 7, "{sqlite:?}");
        assert_eq!(sqlite, postgres);
        for name in &sqlite {
            let (version, rest) = name.split_once('_').unwrap_or_default();
            assert!(version.len() == 14 && version.bytes().all(|b| b.is_ascii_digit()), "{name}: a 14-digit version");
            assert!(rest.ends_with(".sql"), "{name}");
        }
    }
}
