//! Prometheus metrics: request counts and latencies by route, and the state
//! of the database pool, rendered at `/metrics`.

use axum::{body::Body, extract::MatchedPath, http::Request, middleware::Next, response::Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::{sync::OnceLock, time::Instant};

const DURATION: &str = "http_request_duration_seconds";
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

/// Sets the pool gauges, then renders everything in Prometheus text format.
pub fn render(pool: (u32, usize, u32)) -> String {
    let handle = handle();
    let (open, idle, max) = pool;
    metrics::gauge!("db_pool_connections").set(f64::from(open));
    metrics::gauge!("db_pool_idle_connections").set(idle as f64);
    metrics::gauge!("db_pool_max_connections").set(f64::from(max));
    handle.render()
}
