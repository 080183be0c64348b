//! Prometheus metrics: request counts and latencies by route, the database
//! pool (and the wait for its connections), the page cache and the job
//! queue, rendered at `/metrics`.

use axum::{body::Body, extract::MatchedPath, http::Request, middleware::Next, response::Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::{sync::OnceLock, time::Instant};

const DURATION: &str = "http_request_duration_seconds";
const POOL_WAIT: &str = "db_pool_wait_seconds";
/// How often recorded samples are folded into the histograms.
const UPKEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// The route template (`/courses/{slug}`), never the raw path, so labels and
/// log fields stay few and hold no visitor input.
pub fn route_of<B>(req: &Request<B>) -> String {
    req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string()).unwrap_or_else(|| "unmatched".to_string())
}

/// The process-wide recorder, installed on first use (a process has one
/// metrics registry however many routers it builds, as tests do).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full(DURATION.to_string()),
                &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0],
            )
            .expect("bucket list is not empty")
            .set_buckets_for_metric(
                Matcher::Full(POOL_WAIT.to_string()),
                &[0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0],
            )
            .expect("bucket list is not empty")
            .build_recorder();
        let handle = recorder.handle();
        // Fails only if another recorder is installed, which nothing else does.
        let _ = metrics::set_global_recorder(recorder);
        // The recorder keeps every latency sample until it folds them into
        // the histograms' buckets, which rendering `/metrics` does: on a
        // server nobody scrapes, that was one sample held per request
        // (30 MiB after two million). Fold them every few seconds,
        // whichever runtime (if any) is running.
        let upkeep = handle.clone();
        let _ = std::thread::Builder::new().name("metrics-upkeep".into()).spawn(move || {
            loop {
                std::thread::sleep(UPKEEP_EVERY);
                upkeep.run_upkeep();
            }
        });
        handle
    })
}

/// Middleware: counts and times every request by method, route and status.
pub async fn track(req: Request<Body>, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().as_str().to_string();
    let route = route_of(&req);
    let response = next.run(req).await;
    let labels = [("method", method), ("route", route), ("status", response.status().as_u16().to_string())];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!(DURATION, &labels).record(started.elapsed().as_secs_f64());
    response
}

/// Records how long a request waited for a connection of the pool `which`.
pub fn pool_wait(which: &'static str, waited: std::time::Duration) {
    metrics::histogram!(POOL_WAIT, "pool" => which).record(waited.as_secs_f64());
}

/// Counts an answer of the page cache (`hit` or `miss`).
pub fn page_cache(result: &'static str) {
    metrics::counter!("page_cache_requests_total", "result" => result).increment(1);
}

/// What is read when `/metrics` is: the pool, the page cache, and the job
/// queue by kind (`None` when the database could not be read).
pub struct Gauges<'a> {
    /// (open connections, idle connections, maximum)
    pub pool: (u32, usize, u32),
    /// (entries, bytes)
    pub pages: (u64, u64),
    pub jobs: Option<&'a [JobKind<'a>]>,
}

/// One kind of job's share of the queue.
pub struct JobKind<'a> {
    pub kind: &'a str,
    pub queued: i64,
    pub running: i64,
    pub failed: i64,
    /// How long the longest-waiting due job has waited.
    pub oldest_due_secs: f64,
}

/// Sets the gauges, then renders everything in Prometheus text format.
pub fn render(gauges: &Gauges<'_>) -> String {
    let handle = handle();
    let (open, idle, max) = gauges.pool;
    metrics::gauge!("db_pool_connections").set(f64::from(open));
    metrics::gauge!("db_pool_idle_connections").set(idle as f64);
    metrics::gauge!("db_pool_max_connections").set(f64::from(max));
    let (entries, bytes) = gauges.pages;
    metrics::gauge!("page_cache_entries").set(entries as f64);
    metrics::gauge!("page_cache_bytes").set(bytes as f64);
    if let Some(kinds) = gauges.jobs {
        // A kind whose jobs have all finished drops to zero, not out.
        static SEEN: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
        let mut seen = SEEN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for kind in kinds {
            if !seen.iter().any(|name| name == kind.kind) {
                seen.push(kind.kind.to_string());
            }
        }
        for name in seen.iter() {
            let of = kinds.iter().find(|k| k.kind == name);
            let value = |f: fn(&JobKind<'_>) -> f64| of.map(f).unwrap_or(0.0);
            let kind = name.clone();
            metrics::gauge!("jobs_queued", "kind" => kind.clone()).set(value(|k| k.queued as f64));
            metrics::gauge!("jobs_running", "kind" => kind.clone()).set(value(|k| k.running as f64));
            metrics::gauge!("jobs_failed", "kind" => kind.clone()).set(value(|k| k.failed as f64));
            metrics::gauge!("jobs_oldest_due_age_seconds", "kind" => kind).set(value(|k| k.oldest_due_secs));
        }
    }
    handle.render()
}
