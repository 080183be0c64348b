//! Logging: human-readable or JSON lines, filtered by `LYCEUM_LOG`. Every
//! line logged while a request is served carries its span, and so its
//! request id.
//!
//! Domain operations and named queries are spans at debug level (with no
//! argument recorded: `skip_all`, so no secret can slip in). With
//! `LYCEUM_LOG=lyceum=debug,sqlx=info` every line logged inside one (sqlx's
//! statements and their time, a slow statement's warning, an error) names
//! the chain it happened in: request (route, id), domain operation, named
//! query. JSON lines carry the chain as `spans`.

use super::config::LogFormat;
use tracing_subscriber::{EnvFilter, fmt, prelude::*};

/// Leptos's task spawner, on tokio, carrying the spawner's span (and
/// subscriber) into every task: a page's data loads as tasks of its own,
/// and those spawned while the request's span is current keep it in their
/// log lines. (A task spawned while the body streams out, after the
/// handler returned, has no request span to carry.)
struct TracedTokio;

impl any_spawner::CustomExecutor for TracedTokio {
    fn spawn(&self, fut: any_spawner::PinnedFuture<()>) {
        use tracing::instrument::{Instrument, WithSubscriber};
        tokio::spawn(fut.in_current_span().with_current_subscriber());
    }

    fn spawn_local(&self, fut: any_spawner::PinnedLocalFuture<()>) {
        use tracing::instrument::{Instrument, WithSubscriber};
        tokio::task::spawn_local(fut.in_current_span().with_current_subscriber());
    }

    fn poll_local(&self) {}
}

/// Makes leptos spawn its tasks with [`TracedTokio`]. Call before the first
/// render; later calls (and leptos's own default) change nothing.
pub fn trace_spawned_tasks() {
    let _ = any_spawner::Executor::init_custom_executor(TracedTokio);
}

pub fn init(filter: &str, format: LogFormat) {
    // The filter was checked when the configuration was read.
    let filter = EnvFilter::builder().parse_lossy(filter);
    let registry = tracing_subscriber::registry().with(filter);
    match format {
        LogFormat::Human => registry.with(fmt::layer().with_target(false)).init(),
        LogFormat::Json => {
            registry.with(fmt::layer().json().flatten_event(true).with_current_span(true).with_span_list(true)).init()
        }
    }
}
