//! Caches that agree on every instance. Each instance keeps the catalogue
//! and whole pages in memory (see `catalogue` and `page_cache`) and forgets
//! them when it writes. With several instances on one PostgreSQL the
//! others hear of a write through the database: the write's transaction
//! sends `NOTIFY lyceum_cache` with the writer's [`Instance`] id, which
//! PostgreSQL delivers to every listener when, and only if, the
//! transaction commits. Each instance runs a [`Listener`] on a connection
//! of its own and forgets everything when another instance has written.
//!
//! A listener whose connection drops cannot know what it missed meanwhile,
//! so it forgets everything once it listens again. What no notice reaches
//! (a change made in the database by hand) is still bounded by
//! `LYCEUM_CACHE_TTL_SECS`, the longest any cached answer lives.
//!
//! SQLite is one instance per database file: there is nobody to tell.

use crate::server::db::{Db, Pools, Tx};
use sqlx::postgres::{PgListener, PgPoolOptions};
use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};
use std::time::Duration;
use tokio::{sync::watch, task::JoinHandle};
use tracing::{debug, info, warn};

/// The channel every instance of one database listens on.
pub const CHANNEL: &str = "lyceum_cache";

/// The longest wait between two attempts to listen again.
const MOST_BACKOFF: Duration = Duration::from_secs(10);

/// This process's name in its notices: random, so that it can tell its
/// own (it has already forgotten) from the others'.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instance(Arc<str>);

impl Instance {
    pub fn random() -> Self {
        Self(format!("{:016x}", rand::random::<u64>()).into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The `application_name` of this instance's listening connection, by
    /// which an operator can find it in `pg_stat_activity`.
    pub fn application_name(&self) -> String {
        format!("lyceum cache notices {}", self.0)
    }
}

/// Tells the other instances, inside `tx`, that the cached catalogue is
/// out of date: they hear it when `tx` commits, never if it rolls back.
/// The one place that knows which backends have other instances to tell.
pub async fn announce_in(tx: &mut Tx, from: &Instance) -> Result<(), sqlx::Error> {
    match tx {
        // Another process on the same SQLite file is not a supported setup.
        Tx::Sqlite(_) => Ok(()),
        Tx::Postgres(tx) => {
            sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(from.as_str()).execute(&mut **tx).await?;
            Ok(())
        }
    }
}

/// The same, for a change that was made outside a transaction of ours (an
/// operator's command that loaded data): sent on its own, at once.
pub async fn announce(db: &Db, from: &Instance) -> Result<(), sqlx::Error> {
    match db.pools() {
        Pools::Sqlite(_) => Ok(()),
        Pools::Postgres(pool) => {
            sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(from.as_str()).execute(pool).await?;
            Ok(())
        }
    }
}

/// What a listener has heard, for tests and logs.
#[derive(Default)]
struct Counts {
    /// Notices from other instances, each of which emptied the caches.
    others: AtomicU64,
    /// This instance's own notices, ignored.
    own: AtomicU64,
}

/// A running listener (see the module's documentation).
pub struct Listener {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    counts: Arc<Counts>,
    /// How many times it has started listening: 1 once connected, one
    /// more for each reconnection.
    listening: watch::Receiver<u64>,
}

impl Listener {
    /// Starts listening for `instance` on `db`, on a connection of its
    /// own, calling `forget` to empty the caches; `None` on SQLite, where
    /// there is no other instance to hear from. (The catalogue starts it:
    /// `Catalogue::listen`.)
    pub fn start(db: &Db, instance: Instance, forget: Forget) -> Option<Self> {
        let Pools::Postgres(pool) = db.pools() else { return None };
        // A pool of one, which PgListener uses to reconnect; never closed
        // for idleness or age, since the connection is idle by design.
        let options = (*pool.connect_options()).clone().application_name(&instance.application_name());
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .idle_timeout(None)
            .max_lifetime(None)
            .acquire_timeout(Duration::from_secs(5))
            .connect_lazy_with(options);
        let (stop, stopped) = watch::channel(false);
        let (listening_tx, listening) = watch::channel(0);
        let counts = Arc::new(Counts::default());
        let run = Run { pool, forget, instance, counts: counts.clone(), listening: listening_tx };
        Some(Self { stop, task: tokio::spawn(run.run(stopped)), counts, listening })
    }

    /// Notices from other instances heard so far.
    pub fn heard(&self) -> u64 {
        self.counts.others.load(Ordering::Relaxed)
    }

    /// This instance's own notices heard (and ignored) so far.
    pub fn own(&self) -> u64 {
        self.counts.own.load(Ordering::Relaxed)
    }

    /// How many times it has started listening (see the field).
    pub fn connections(&self) -> u64 {
        *self.listening.borrow()
    }

    /// Waits until it has started listening at least `times` times.
    pub async fn listening(&self, times: u64) {
        let mut listening = self.listening.clone();
        let _ = listening.wait_for(|n| *n >= times).await;
    }

    /// Stops listening and waits for the task to end.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(error) = self.task.await {
            warn!(%error, "the cache notice listener stopped abnormally");
        }
    }
}

/// What empties this instance's caches.
pub type Forget = Arc<dyn Fn() + Send + Sync>;

/// The listening task's state.
struct Run {
    pool: sqlx::PgPool,
    forget: Forget,
    instance: Instance,
    counts: Arc<Counts>,
    listening: watch::Sender<u64>,
}

impl Run {
    async fn run(self, mut stopped: watch::Receiver<bool>) {
        let mut backoff = Duration::from_millis(100);
        loop {
            let listener = tokio::select! {
                _ = stopped.wait_for(|stop| *stop) => break,
                listener = self.connect() => listener,
            };
            match listener {
                Ok(listener) => {
                    backoff = Duration::from_millis(100);
                    self.listened();
                    tokio::select! {
                        _ = stopped.wait_for(|stop| *stop) => break,
                        error = self.hear(listener) => {
                            warn!(%error, "cache notices: the listening connection failed; caches emptied, listening again");
                            (self.forget)();
                        }
                    }
                }
                Err(error) => {
                    warn!(%error, retry_in_ms = backoff.as_millis() as u64, "cache notices: cannot listen");
                }
            }
            tokio::select! {
                _ = stopped.wait_for(|stop| *stop) => break,
                () = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(MOST_BACKOFF);
        }
        self.pool.close().await;
        debug!("cache notices: stopped listening");
    }

    async fn connect(&self) -> Result<PgListener, sqlx::Error> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(CHANNEL).await?;
        Ok(listener)
    }

    /// Listening has (re)started: a notice sent before now was not heard,
    /// so whatever is cached may be out of date. Forgets it all.
    fn listened(&self) {
        let mut times = 0;
        self.listening.send_modify(|n| {
            *n += 1;
            times = *n;
        });
        (self.forget)();
        if times == 1 {
            info!(instance = self.instance.as_str(), "cache notices: listening");
        } else {
            info!(instance = self.instance.as_str(), "cache notices: listening again; caches emptied");
        }
    }

    /// Acts on notices until the connection fails; returns why.
    async fn hear(&self, mut listener: PgListener) -> sqlx::Error {
        loop {
            match listener.try_recv().await {
                Ok(Some(notice)) if notice.payload() == self.instance.as_str() => {
                    self.counts.own.fetch_add(1, Ordering::Relaxed);
                }
                Ok(Some(notice)) => {
                    self.counts.others.fetch_add(1, Ordering::Relaxed);
                    (self.forget)();
                    debug!(from = notice.payload(), "cache notices: another instance wrote; caches emptied");
                }
                // The connection was lost and PgListener has already
                // listened again on a new one: what came in between is lost.
                Ok(None) => {
                    warn!("cache notices: the listening connection was lost");
                    self.listened();
                }
                Err(error) => return error,
            }
        }
    }
}
