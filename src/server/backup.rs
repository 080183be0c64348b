//! Online backups of the SQLite database and checked restores of them:
//! `lyceum backup PATH` and `lyceum restore PATH`.
//!
//! A backup is SQLite's `VACUUM INTO`: it writes the database as one read
//! transaction sees it, so the copy is a consistent snapshot, and in WAL
//! mode a reader holds no writer up, so the site keeps taking enrolments
//! meanwhile. The copy is written beside the destination under a temporary
//! name and takes the destination's name only once it has been checked and
//! synced: a file with that name is a whole, checked backup.
//!
//! A restore checks a copy of the file (SQLite's integrity check, Lyceum's
//! migration history, the enrolment rules) before anything of the live
//! database is touched, then takes the live database's exclusive lock, which
//! no process may hold while another has the file open, and swaps the file
//! while holding it. Migrations the backup lacks run on the next start.
//!
//! PostgreSQL is left to its own tools, which dump a live database
//! consistently and restore into another: see [`Error::Postgres`].

use crate::server::db::{self, Backend, Db};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteLockingMode};
use sqlx::{ConnectOptions, Connection};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// How long a restore waits for the live database's lock before it says
/// the database is in use: a stopped database is free at once (or as soon
/// as a command just run has exited), and a running server never lets go
/// of it, so waiting longer tells nothing.
const IN_USE_WAIT: Duration = Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "on PostgreSQL, back up and restore with PostgreSQL's own tools, which take a consistent dump of a running \
         database: `pg_dump --format=custom --file=lyceum.dump \"$DATABASE_URL\"`; to restore, into an empty \
         database or over this one, `pg_restore --clean --if-exists --no-owner --dbname=\"$DATABASE_URL\" \
         lyceum.dump`, then `lyceum check-seats`"
    )]
    Postgres,
    #[error("DATABASE_URL does not name a SQLite file: {0}")]
    Url(#[source] sqlx::Error),
    #[error("{0} already exists (a backup never replaces a file)")]
    Exists(PathBuf),
    #[error("the folder {0} does not exist")]
    NoFolder(PathBuf),
    #[error("there is no file {0}")]
    Missing(PathBuf),
    #[error(
        "{0} has a write-ahead log beside it, so it is a database in use or not shut down, not a backup; \
         make one with `lyceum backup`"
    )]
    Live(PathBuf),
    #[error("{path} is damaged: SQLite's integrity check says {said}")]
    Damaged { path: PathBuf, said: String },
    #[error("{0} is not a Lyceum database (it has no migration history, `_sqlx_migrations`)")]
    NotLyceum(PathBuf),
    #[error("{path} was written by a newer Lyceum: this one does not know its migrations {versions}")]
    Newer { path: PathBuf, versions: String },
    #[error("{path} holds a migration that failed half-way ({version})")]
    Unfinished { path: PathBuf, version: i64 },
    #[error("{path} breaks the enrolment rules in {sessions} sessions (`lyceum check-seats` on it names them)")]
    Seats { path: PathBuf, sessions: usize },
    #[error(
        "the database {0} is in use: stop every lyceum process on it (servers, workers, backups), then restore again"
    )]
    InUse(PathBuf),
    #[error("{path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: sqlx::Error,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A backup written.
#[derive(Debug)]
pub struct Backup {
    pub path: PathBuf,
    pub bytes: u64,
}

/// A database restored.
#[derive(Debug)]
pub struct Restored {
    /// The database file replaced (or created).
    pub database: PathBuf,
    /// Migrations of this binary the backup had not had: the next start runs them.
    pub pending: usize,
}

/// Writes a consistent copy of the SQLite database at `database_url` to
/// `destination`, which must not exist, in a folder that does.
pub async fn backup(database_url: &str, destination: &Path) -> Result<Backup, Error> {
    let live = sqlite_file(database_url)?;
    if !live.is_file() {
        return Err(Error::Missing(live));
    }
    let folder = folder_of(destination);
    if !folder.is_dir() {
        return Err(Error::NoFolder(folder));
    }
    if exists(destination) {
        return Err(Error::Exists(destination.to_owned()));
    }
    let partial = Partial::beside(destination, "partial");
    let target = partial.path.to_str().ok_or_else(|| not_utf8(&partial.path))?.to_owned();
    let sqlite = |source| Error::Sqlite { path: live.clone(), source };
    // The database's own settings (WAL, as the server left it); nothing is
    // created when it is missing.
    let options = SqliteConnectOptions::new().filename(&live).busy_timeout(Duration::from_secs(5));
    let mut conn = options.connect().await.map_err(sqlite)?;
    let copied = sqlx::query("VACUUM INTO ?").bind(target).execute(&mut conn).await;
    let _ = conn.close().await;
    copied.map_err(sqlite)?;
    check_file(&partial.path, destination).await?;
    sync(&partial.path).await?;
    // Someone may have made the file while the copy was written.
    if exists(destination) {
        return Err(Error::Exists(destination.to_owned()));
    }
    put_in_place(partial, destination).await?;
    let bytes = std::fs::metadata(destination).map(|m| m.len()).unwrap_or_default();
    tracing::info!(path = %destination.display(), bytes, "backup written");
    Ok(Backup { path: destination.to_owned(), bytes })
}

/// Replaces the SQLite database at `database_url` with the backup at
/// `source`, once a copy of it passes every check and no process has the
/// database open.
pub async fn restore(database_url: &str, source: &Path) -> Result<Restored, Error> {
    let database = sqlite_file(database_url)?;
    if !source.is_file() {
        return Err(Error::Missing(source.to_owned()));
    }
    // Copying the file alone would leave behind what its log holds.
    if std::fs::metadata(side(source, "-wal")).is_ok_and(|m| m.len() > 0) {
        return Err(Error::Live(source.to_owned()));
    }
    let folder = folder_of(&database);
    std::fs::create_dir_all(&folder).map_err(|e| Error::Io { path: folder.clone(), source: e })?;
    // The checks run on the copy that will be put in place, beside the
    // database (so the rename stays on one file system), never on `source`,
    // which is left as it was.
    let partial = Partial::beside(&database, "restoring");
    copy(source, &partial.path).await?;
    let applied = check_file(&partial.path, source).await?;
    let pending = check_history(source, &applied)?;
    check_seats(&partial.path, source).await?;
    sync(&partial.path).await?;
    let lock = take_over(&database, IN_USE_WAIT).await?;
    // The old database's log and index go before the new file arrives: a
    // log left beside it would be replayed into the restored database.
    for suffix in ["-wal", "-shm", "-journal"] {
        let stale = side(&database, suffix);
        if let Err(e) = std::fs::remove_file(&stale)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            return Err(Error::Io { path: stale, source: e });
        }
    }
    let placed = put_in_place(partial, &database).await;
    if let Some(lock) = lock {
        let _ = lock.close().await;
    }
    placed?;
    tracing::info!(database = %database.display(), source = %source.display(), pending, "database restored");
    Ok(Restored { database, pending })
}

/// The database file a SQLite `DATABASE_URL` names; on PostgreSQL, the
/// refusal that names its tools.
fn sqlite_file(database_url: &str) -> Result<PathBuf, Error> {
    // As `Db::connect` tells the backends apart.
    if !database_url.starts_with("sqlite:") {
        return Err(Error::Postgres);
    }
    let options = SqliteConnectOptions::from_str(database_url).map_err(Error::Url)?;
    Ok(options.get_filename().to_owned())
}

/// Checks that the SQLite file at `path` is whole and a Lyceum database,
/// calling it `named` (the file the operator named); its migration
/// history, (version, finished) in order.
async fn check_file(path: &Path, named: &Path) -> Result<Vec<(i64, bool)>, Error> {
    let sqlite = |source| Error::Sqlite { path: named.to_owned(), source };
    // Immutable: no lock taken and no side file made, so looking at the
    // file changes nothing of it.
    let options = SqliteConnectOptions::new().filename(path).read_only(true).immutable(true);
    let mut conn = options.connect().await.map_err(sqlite)?;
    let checked = history(&mut conn, named).await;
    let _ = conn.close().await;
    checked
}

async fn history(conn: &mut SqliteConnection, path: &Path) -> Result<Vec<(i64, bool)>, Error> {
    let said: Vec<String> = match sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&mut *conn).await {
        Ok(said) => said,
        // "file is not a database", "database disk image is malformed"
        Err(sqlx::Error::Database(e)) if matches!(primary_code(&*e), Some(SQLITE_CORRUPT | SQLITE_NOTADB)) => {
            return Err(Error::Damaged { path: path.to_owned(), said: e.message().to_string() });
        }
        Err(e) => return Err(Error::Sqlite { path: path.to_owned(), source: e }),
    };
    if said != ["ok"] {
        let said = said.iter().take(5).cloned().collect::<Vec<_>>().join("; ");
        return Err(Error::Damaged { path: path.to_owned(), said });
    }
    let lyceum: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(|source| Error::Sqlite { path: path.to_owned(), source })?;
    if !lyceum {
        return Err(Error::NotLyceum(path.to_owned()));
    }
    sqlx::query_as("SELECT version, success FROM _sqlx_migrations ORDER BY version")
        .fetch_all(&mut *conn)
        .await
        .map_err(|source| Error::Sqlite { path: path.to_owned(), source })
}

/// Refuses a history this binary could not migrate forward from: a
/// migration it does not know (a newer Lyceum's) or one that failed
/// half-way. How many of its own are still to run.
fn check_history(path: &Path, applied: &[(i64, bool)]) -> Result<usize, Error> {
    let known: Vec<i64> = db::migrator(Backend::Sqlite).iter().map(|m| m.version).collect();
    let unknown: Vec<String> = applied.iter().filter(|(v, _)| !known.contains(v)).map(|(v, _)| v.to_string()).collect();
    if !unknown.is_empty() {
        return Err(Error::Newer { path: path.to_owned(), versions: unknown.join(", ") });
    }
    if let Some((version, _)) = applied.iter().find(|(_, finished)| !finished) {
        return Err(Error::Unfinished { path: path.to_owned(), version: *version });
    }
    Ok(known.iter().filter(|v| !applied.iter().any(|(a, _)| a == *v)).count())
}

/// `lyceum check-seats` on the file at `path`, calling it `named`.
///
/// It runs on a scratch copy, removed afterwards: the check opens the
/// database through the server's own pools, which turn on WAL mode and
/// leave their connections to close on their own threads a moment later,
/// while the file restored stays the one checked, byte for byte.
async fn check_seats(path: &Path, named: &Path) -> Result<(), Error> {
    let sqlite = |source| Error::Sqlite { path: named.to_owned(), source };
    let scratch = Partial::beside(path, "seats");
    copy(path, &scratch.path).await?;
    let text = scratch.path.to_str().ok_or_else(|| not_utf8(&scratch.path))?;
    // As a URL: `%`, `?` and `#` would be read as its syntax.
    let url = format!("sqlite://{}", text.replace('%', "%25").replace('?', "%3F").replace('#', "%23"));
    let db = Db::connect(&url, 1).await.map_err(sqlite)?;
    let found = crate::server::enrolment::check::check_seats(&db).await;
    db.close().await;
    let mut sessions: Vec<i64> = found.map_err(sqlite)?.iter().map(|p| p.session_id).collect();
    sessions.dedup();
    if !sessions.is_empty() {
        return Err(Error::Seats { path: named.to_owned(), sessions: sessions.len() });
    }
    Ok(())
}

/// Takes the exclusive lock of the database at `path` and keeps it on the
/// connection returned (none when there is no database there yet).
///
/// Every connection to a database in WAL mode keeps a shared lock on its
/// file for as long as it is open, so a running server or worker, idle or
/// not, holds one; the exclusive lock is granted only when no other
/// connection is open. Leaving WAL mode needs it, and folds the old log
/// into the old file, so nothing of it is left to remove under a process
/// that still reads it. Tried again until `within` has passed: SQLite asks
/// no busy handler before it refuses this lock.
async fn take_over(path: &Path, within: Duration) -> Result<Option<SqliteConnection>, Error> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match try_take_over(path).await {
            Err(Error::InUse(_)) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            taken => return taken,
        }
    }
}

async fn try_take_over(path: &Path) -> Result<Option<SqliteConnection>, Error> {
    if !path.exists() {
        return Ok(None);
    }
    let options = SqliteConnectOptions::new()
        .filename(path)
        .locking_mode(SqliteLockingMode::Exclusive)
        .busy_timeout(Duration::from_millis(100));
    let mut conn = options.connect().await.map_err(|source| Error::Sqlite { path: path.to_owned(), source })?;
    match lock(&mut conn, path).await {
        Ok(true) => Ok(Some(conn)),
        // No process can be serving a file that is not a database: it is
        // what is being restored over.
        Ok(false) => {
            let _ = conn.close().await;
            Ok(None)
        }
        Err(e) => {
            let _ = conn.close().await;
            Err(e)
        }
    }
}

/// Takes the exclusive lock on `conn`'s database (`false`: not a database).
async fn lock(conn: &mut SqliteConnection, path: &Path) -> Result<bool, Error> {
    let refused = |e: sqlx::Error| match &e {
        sqlx::Error::Database(db) if matches!(primary_code(&**db), Some(SQLITE_BUSY | SQLITE_LOCKED)) => {
            Error::InUse(path.to_owned())
        }
        _ => Error::Sqlite { path: path.to_owned(), source: e },
    };
    match sqlx::query_scalar::<_, String>("PRAGMA journal_mode = DELETE").fetch_one(&mut *conn).await {
        Ok(mode) if mode.eq_ignore_ascii_case("delete") => {}
        // SQLite answers with the mode it kept when it could not change it.
        Ok(_) => return Err(Error::InUse(path.to_owned())),
        Err(sqlx::Error::Database(e)) if matches!(primary_code(&*e), Some(SQLITE_CORRUPT | SQLITE_NOTADB)) => {
            return Ok(false);
        }
        Err(e) => return Err(refused(e)),
    }
    // BEGIN EXCLUSIVE takes the lock, and in exclusive locking mode it is
    // kept past COMMIT, until the connection closes.
    sqlx::query("BEGIN EXCLUSIVE").execute(&mut *conn).await.map_err(refused)?;
    sqlx::query("COMMIT").execute(&mut *conn).await.map_err(refused)?;
    Ok(true)
}

const SQLITE_CORRUPT: i64 = 11;
const SQLITE_NOTADB: i64 = 26;
const SQLITE_BUSY: i64 = 5;
const SQLITE_LOCKED: i64 = 6;

/// SQLite's primary result code of an error (sqlx gives the extended one).
fn primary_code(error: &dyn sqlx::error::DatabaseError) -> Option<i64> {
    error.code()?.parse::<i64>().ok().map(|code| code & 0xff)
}

/// A file written under a temporary name beside where it will go: removed,
/// with any side file SQLite made for it, unless it was put in place.
struct Partial {
    path: PathBuf,
    placed: bool,
}

impl Partial {
    /// `.NAME.TAG-PID` beside `path`: hidden, and one per process.
    fn beside(path: &Path, tag: &str) -> Self {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let name = name.trim_start_matches('.');
        let path = folder_of(path).join(format!(".{name}.{tag}-{}", std::process::id()));
        Partial { path, placed: false }
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.placed {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let _ = std::fs::remove_file(side(&self.path, suffix));
            }
        }
    }
}

/// Renames the (synced) partial file to `destination` and syncs the
/// folder, so that the new name survives a crash.
async fn put_in_place(mut partial: Partial, destination: &Path) -> Result<(), Error> {
    let (from, to) = (partial.path.clone(), destination.to_owned());
    blocking(destination, move || std::fs::rename(from, to)).await?;
    partial.placed = true;
    sync(&folder_of(destination)).await
}

async fn copy(from: &Path, to: &Path) -> Result<(), Error> {
    let (from_owned, to_owned) = (from.to_owned(), to.to_owned());
    blocking(from, move || std::fs::copy(from_owned, to_owned).map(|_| ())).await
}

/// Flushes a file (or a folder's entries) to the disk.
async fn sync(path: &Path) -> Result<(), Error> {
    let path_owned = path.to_owned();
    blocking(path, move || std::fs::File::open(path_owned)?.sync_all()).await
}

async fn blocking<T: Send + 'static>(
    path: &Path,
    work: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> Result<T, Error> {
    let io = |source| Error::Io { path: path.to_owned(), source };
    tokio::task::spawn_blocking(work).await.map_err(|e| io(std::io::Error::other(e)))?.map_err(io)
}

/// The folder a file is in ("." for a bare name).
fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// `path` with `suffix` appended to its name, as SQLite names its side files.
fn side(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Whether anything, a dangling link included, has this name.
fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

fn not_utf8(path: &Path) -> Error {
    Error::Io { path: path.to_owned(), source: std::io::Error::other("SQLite takes only UTF-8 file names") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn side_files_and_partials_sit_beside_the_file() {
        assert_eq!(side(Path::new("data/lyceum.db"), "-wal"), PathBuf::from("data/lyceum.db-wal"));
        assert_eq!(folder_of(Path::new("lyceum.db")), PathBuf::from("."));
        let partial = Partial::beside(Path::new("/backups/monday.db"), "partial");
        assert_eq!(partial.path.parent(), Some(Path::new("/backups")));
        assert!(partial.path.file_name().unwrap().to_string_lossy().starts_with(".monday.db.partial-"));
    }

    #[test]
    fn postgresql_is_sent_to_its_own_tools() {
        let refused = sqlite_file("postgres://lyceum@localhost/lyceum").unwrap_err();
        let said = refused.to_string();
        assert!(said.contains("pg_dump --format=custom") && said.contains("pg_restore --clean --if-exists --no-owner"));
        assert_eq!(sqlite_file("sqlite://data/lyceum.db").unwrap(), PathBuf::from("data/lyceum.db"));
    }
}
