//! Where a serving process is in its life, as load balancers read it at
//! `/readyz`: taking traffic, or draining after SIGTERM. A rolling restart
//! loses nothing when each instance first says it is draining (while it
//! still serves), so the balancer moves new requests elsewhere, and only
//! then stops accepting and lets what it holds finish.

use super::db::{Db, Probe};
use axum::{
    extract::{Request, State},
    http::{HeaderValue, header},
    middleware::Next,
    response::Response,
};
use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};
use std::time::Duration;

/// How long `/readyz` may take to decide: well inside the second a
/// balancer's health check is usually given.
pub const READY_CHECK_LIMIT: Duration = Duration::from_millis(800);

/// Shared by every request of one process.
#[derive(Clone)]
pub struct Lifecycle(Arc<Parts>);

struct Parts {
    draining: AtomicBool,
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
        Self(Arc::new(Parts { draining: AtomicBool::new(false), db: db.clone(), probe: db.probe() }))
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
        match self.0.probe.check(READY_CHECK_LIMIT).await {
            Ok(()) => Readiness::Ready,
            Err(error) => {
                tracing::warn!(%error, "readiness check: the database did not answer");
                Readiness::DatabaseUnavailable
            }
        }
    }
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
