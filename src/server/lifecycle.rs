//! Where a serving process is in its life, as load balancers read it at
//! `/readyz`: taking traffic, or draining after SIGTERM. A rolling restart
//! loses nothing when each instance first says it is draining (while it
//! still serves), so the balancer moves new requests elsewhere, and only
//! then stops accepting and lets what it holds finish.
//!
//! It also knows when the database cannot be reached at all (PostgreSQL
//! stopped, its address refusing connections): requests that need it are
//! then answered `503` at once (see [`answer_outage`]) instead of each
//! waiting out the pool's acquire timeout, and pass again as soon as a
//! check finds it back.

use super::db::{Backend, Db, Probe};
use super::error::{ApiProblem, BUSY_RETRY_AFTER_SECS, Error, is_unreachable};
use crate::error::AppError;
use axum::{
    extract::{Request, State},
    http::{HeaderValue, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};
use std::time::Duration;

/// How long `/readyz` may take to decide: well inside the second a
/// balancer's health check is usually given.
pub const READY_CHECK_LIMIT: Duration = Duration::from_millis(800);

/// How often [`Lifecycle::watch`] checks the database; while it cannot be
/// reached, how soon it notices the return.
const WATCH_EVERY: Duration = Duration::from_secs(1);
const WATCH_OUTAGE_EVERY: Duration = Duration::from_millis(250);

/// Shared by every request of one process.
#[derive(Clone)]
pub struct Lifecycle(Arc<Parts>);

struct Parts {
    draining: AtomicBool,
    /// The last check found the database unreachable (not merely slow).
    unreachable: AtomicBool,
    db: Db,
    probe: Probe,
}

/// What `/readyz` answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    /// SIGTERM arrived: still serving, but send nothing new.
    Draining,
    /// The database did not answer within [`READY_CHECK_LIMIT`].
    DatabaseUnavailable,
}

impl Lifecycle {
    pub fn new(db: &Db) -> Self {
        Self(Arc::new(Parts {
            draining: AtomicBool::new(false),
            unreachable: AtomicBool::new(false),
            db: db.clone(),
            probe: db.probe(),
        }))
    }

    /// From now on `/readyz` answers 503 and every answer asks its client
    /// to close the connection, so none is left idle to be cut later.
    pub fn drain(&self) {
        self.0.draining.store(true, Ordering::Release);
    }

    pub fn is_draining(&self) -> bool {
        self.0.draining.load(Ordering::Acquire)
    }

    pub async fn readiness(&self) -> Readiness {
        if self.is_draining() || self.0.db.is_closed() {
            return Readiness::Draining;
        }
        match self.check().await {
            Ok(()) => Readiness::Ready,
            Err(error) => {
                tracing::warn!(%error, "readiness check: the database did not answer");
                Readiness::DatabaseUnavailable
            }
        }
    }

    /// Whether the last check found the database unreachable.
    pub fn database_unreachable(&self) -> bool {
        self.0.unreachable.load(Ordering::Acquire)
    }

    /// Checks the database within [`READY_CHECK_LIMIT`] and notes whether
    /// it is unreachable. A check that only ran out of time changes
    /// nothing: a database slow under load is still there, and its
    /// requests wait their turn as before.
    async fn check(&self) -> Result<(), sqlx::Error> {
        let checked = self.0.probe.check(READY_CHECK_LIMIT).await;
        match &checked {
            Ok(()) => {
                if self.0.unreachable.swap(false, Ordering::AcqRel) {
                    tracing::warn!("the database answers again: requests pass");
                }
            }
            Err(error) if is_unreachable(error) => {
                if !self.0.unreachable.swap(true, Ordering::AcqRel) {
                    tracing::error!(%error, "the database cannot be reached: requests that need it are answered 503");
                }
            }
            Err(_) => {}
        }
        checked
    }

    /// Checks a PostgreSQL database every second (four times a second
    /// while it cannot be reached) until the pools close. A SQLite file is
    /// not reached over a network: nothing to watch.
    pub async fn watch(self) {
        if self.0.db.backend() != Backend::Postgres {
            return;
        }
        loop {
            let every = if self.database_unreachable() { WATCH_OUTAGE_EVERY } else { WATCH_EVERY };
            tokio::time::sleep(every).await;
            if self.0.db.is_closed() {
                return;
            }
            let _ = self.check().await;
        }
    }
}

/// Middleware: while the database cannot be reached, a request that needs
/// it is answered at once, `503` with `Retry-After` (problem+json for the
/// API), as it would be after waiting for a connection. Static files,
/// health and readiness pass, and so do server functions, whose callers
/// read their own encoding of the same answer. Pages kept by the page
/// cache are served before this point.
pub async fn answer_outage(State(lifecycle): State<Lifecycle>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if !lifecycle.database_unreachable() || passes_in_outage(path) {
        return next.run(request).await;
    }
    let busy = Error::Refused(AppError::Unavailable { retry_after_secs: BUSY_RETRY_AFTER_SECS });
    match path.starts_with("/api/") {
        true => ApiProblem(busy).into_response(),
        false => busy.into_response(),
    }
}

/// What needs no database, or answers an outage in its own way.
fn passes_in_outage(path: &str) -> bool {
    ["/pkg/", "/subjects/", "/rpc/"].iter().any(|prefix| path.starts_with(prefix))
        || matches!(path, "/healthz" | "/readyz" | "/metrics" | "/favicon.svg" | "/robots.txt")
}

/// Middleware: while draining, every answer carries `Connection: close`,
/// so a balancer's kept-alive connections end with the request they carry
/// instead of being closed under a request when the server stops.
pub async fn close_when_draining(State(lifecycle): State<Lifecycle>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    if lifecycle.is_draining() {
        response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}
