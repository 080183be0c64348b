//! Logging: human-readable or JSON lines, filtered by `LYCEUM_LOG`. Every
//! line logged while a request is served carries its span, and so its
//! request id.

use super::config::LogFormat;
use tracing_subscriber::{EnvFilter, fmt, prelude::*};

pub fn init(filter: &str, format: LogFormat) {
    // The filter was checked when the configuration was read.
    let filter = EnvFilter::builder().parse_lossy(filter);
    let registry = tracing_subscriber::registry().with(filter);
    match format {
        LogFormat::Human => registry.with(fmt::layer().with_target(false)).init(),
        LogFormat::Json => registry.with(fmt::layer().json().flatten_event(true).with_current_span(true)).init(),
    }
}
