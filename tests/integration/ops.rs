//! Operator and crawler endpoints, and what every response carries.

use crate::helpers::TestApp;
use axum::{body::Body, http::Request};
use std::time::{Duration, Instant};

#[tokio::test]
async fn health_and_readiness() {
    let app = TestApp::empty().await;
    let health = app.get("/healthz").await;
    assert_eq!((health.status, health.body.as_str()), (200, "ok\n"));
    let ready = app.get("/readyz").await;
    assert_eq!((ready.status, ready.body.as_str()), (200, "ready\n"));
    assert_eq!(ready.header("cache-control"), Some("no-store"));
    app.state.db.close().await;
    let not_ready = app.get("/readyz").await;
    assert_eq!(not_ready.status, 503, "a closed pool is not ready");
}

#[tokio::test]
async fn a_draining_instance_says_so_and_still_serves() {
    let app = TestApp::demo().await;
    assert_eq!(app.get("/courses").await.header("connection"), None, "connections are kept alive until then");
    app.state.lifecycle.drain();
    let ready = app.get("/readyz").await;
    assert_eq!((ready.status, ready.body.as_str()), (503, "draining\n"));
    let page = app.get("/courses").await;
    assert_eq!(page.status, 200, "requests are still served while draining");
    assert_eq!(page.header("connection"), Some("close"), "and each ends its connection");
}

/// Readiness is asked on a connection of its own: a pool whose every
/// connection is held by a rush of requests neither delays it nor makes it
/// fail.
#[tokio::test]
async fn readiness_does_not_wait_for_a_busy_pool() {
    let app = TestApp::empty().await;
    let (_, _, max) = app.state.db.pool_state();
    let mut held = Vec::new();
    for _ in 0..max {
        held.push(app.state.db.acquire().await.expect("a connection"));
    }
    let started = std::time::Instant::now();
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, 200, "{}", ready.body);
    assert!(started.elapsed() < std::time::Duration::from_secs(1), "answered in {:?}", started.elapsed());
    drop(held);
}

/// A TCP relay on loopback to the database's address; cut, its port
/// refuses connections and those it carried end, as when PostgreSQL stops.
struct Relay {
    port: u16,
    tasks: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Relay {
    /// Relays `port` (any free one for 0) to `target`.
    async fn open(target: String, port: u16) -> Relay {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.expect("the relay listens");
        let port = listener.local_addr().unwrap().port();
        let tasks = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let carried = tasks.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                let pipe = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                carried.lock().unwrap().push(pipe);
            }
        });
        tasks.lock().unwrap().push(accept);
        Relay { port, tasks }
    }

    /// Stops listening and ends every connection carried.
    async fn cut(self) {
        let tasks: Vec<_> = std::mem::take(&mut *self.tasks.lock().unwrap());
        for task in &tasks {
            task.abort();
        }
        for task in tasks {
            let _ = task.await;
        }
    }
}

/// Waits up to `limit` for `done`; whether it came.
async fn within(limit: Duration, done: impl Fn() -> bool) -> bool {
    let until = Instant::now() + limit;
    while !done() && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    done()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_cannot_be_reached_is_answered_at_once_and_passes_again_on_its_return() {
    let first = TestApp::demo().await;
    let direct = url::Url::parse(&first.state.config.database_url).unwrap();
    if direct.scheme() != "postgres" {
        // A SQLite file is not reached over a network: nothing to cut.
        return;
    }
    let target = format!("{}:{}", direct.host_str().unwrap(), direct.port().unwrap_or(5432));
    let relay = Relay::open(target.clone(), 0).await;
    let mut through = direct.clone();
    through.set_host(Some("127.0.0.1")).unwrap();
    through.set_port(Some(relay.port)).unwrap();
    let port = relay.port;
    let app = first.on_database(through.as_str()).await;
    let lifecycle = app.state.lifecycle.clone();
    let watching = tokio::spawn(lifecycle.clone().watch());
    assert_eq!(app.get("/courses?q=data").await.status, 200);
    assert_eq!(app.get("/api/v1/courses?q=data").await.status, 200);

    relay.cut().await;
    assert!(within(Duration::from_secs(3), || lifecycle.database_unreachable()).await, "the watch notices");
    // Each would otherwise wait out the pool's five seconds for a connection.
    for path in ["/courses?q=design", "/api/v1/courses?q=design", "/courses/no-such-course"] {
        let started = Instant::now();
        let res = app.get(path).await;
        let took = started.elapsed();
        assert_eq!((res.status, res.header("retry-after")), (503, Some("2")), "{path}: {}", res.body);
        assert!(took < Duration::from_secs(1), "{path} answered in {took:?}");
        let html = !path.starts_with("/api/");
        let kind = res.header("content-type").unwrap_or_default();
        assert_eq!(kind.starts_with("text/html"), html, "{path}: {kind}");
        assert_eq!(kind.starts_with("application/problem+json"), !html, "{path}: {kind}");
    }
    assert_eq!(app.get("/healthz").await.status, 200, "the process itself is alive");
    assert_eq!(app.get("/readyz").await.status, 503);

    let relay = Relay::open(target, port).await;
    assert!(within(Duration::from_secs(3), || !lifecycle.database_unreachable()).await, "the watch sees it back");
    assert_eq!(app.get("/courses?q=design").await.status, 200);
    assert_eq!(app.get("/api/v1/courses?q=design").await.status, 200);
    app.state.db.close().await;
    tokio::time::timeout(Duration::from_secs(3), watching).await.expect("the watch ends with the pools").unwrap();
    relay.cut().await;
}

const METRICS_TOKEN: &str = "metrics-token-for-the-tests-0123456789";

#[tokio::test]
async fn metrics_count_requests_by_route_and_show_the_pool_the_cache_and_the_queue() {
    let app = TestApp::demo_with(&[("LYCEUM_METRICS_TOKEN", METRICS_TOKEN)]).await;
    app.get("/courses/no-such-course").await;
    app.get("/healthz").await;
    for _ in 0..3 {
        app.get("/courses").await;
    }
    let queued = lyceum::server::jobs::queue::NewJob::new("metrics.probe", serde_json::json!({}));
    lyceum::server::jobs::queue::enqueue(&app.state.db, queued).await.unwrap();
    let res = app
        .request(
            Request::get("/metrics")
                .header("authorization", format!("Bearer {METRICS_TOKEN}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, 200);
    assert!(res.header("content-type").unwrap().starts_with("text/plain"));
    assert!(
        res.body.contains(r#"http_requests_total{method="GET",route="/courses/{slug}",status="404"}"#),
        "{}",
        res.body
    );
    assert!(res.body.contains(r#"http_request_duration_seconds_bucket{method="GET",route="/healthz",status="200""#));
    assert!(res.body.contains("db_pool_connections"));
    assert!(res.body.contains("db_pool_max_connections 5"));
    assert!(res.body.contains(r#"db_pool_wait_seconds_bucket{pool="#), "{}", res.body);
    assert!(res.body.contains(r#"page_cache_requests_total{result="hit"}"#), "{}", res.body);
    assert!(res.body.contains(r#"page_cache_requests_total{result="miss"}"#));
    let entries = metric(&res.body, "page_cache_entries").expect("page_cache_entries");
    assert!(entries >= 1.0, "the catalogue page is kept: {entries}");
    assert!(metric(&res.body, "page_cache_bytes").is_some_and(|bytes| bytes > 1000.0));
    assert_eq!(metric(&res.body, r#"jobs_queued{kind="metrics.probe"}"#), Some(1.0), "{}", res.body);
    assert_eq!(metric(&res.body, r#"jobs_running{kind="metrics.probe"}"#), Some(0.0));
    assert!(metric(&res.body, r#"jobs_oldest_due_age_seconds{kind="metrics.probe"}"#).is_some());
}

/// The value of the sample named exactly `name` (with its labels).
fn metric(text: &str, name: &str) -> Option<f64> {
    text.lines().find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
}

#[tokio::test]
async fn metrics_are_for_operators_only() {
    async fn get(app: &TestApp, token: Option<&str>) -> crate::helpers::TestResponse {
        let mut request = Request::get("/metrics");
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        app.request(request.body(Body::empty()).unwrap()).await
    }
    // Nothing configured: not served at all.
    let closed = TestApp::empty().await;
    assert_eq!(get(&closed, None).await.status, 404);
    assert_eq!(get(&closed, Some(METRICS_TOKEN)).await.status, 404);
    // A token: only to its bearer.
    let token = TestApp::with_settings(&[("LYCEUM_METRICS_TOKEN", METRICS_TOKEN)]).await;
    let refused = get(&token, None).await;
    assert_eq!(refused.status, 401);
    assert_eq!(refused.header("www-authenticate"), Some("Bearer realm=\"metrics\""));
    assert!(!refused.body.contains("http_requests_total"));
    assert_eq!(get(&token, Some("metrics-token-for-the-tests-012345678X")).await.status, 401);
    assert_eq!(get(&token, Some(METRICS_TOKEN)).await.status, 200);
    // An address of their own: never on the public one, token or not.
    let apart =
        TestApp::with_settings(&[("LYCEUM_METRICS_TOKEN", METRICS_TOKEN), ("LYCEUM_OPS_ADDR", "127.0.0.1:1")]).await;
    assert_eq!(get(&apart, Some(METRICS_TOKEN)).await.status, 404);
    let operators = lyceum::server::http::operator_router(apart.state.clone());
    use tower::ServiceExt;
    let res = operators.oneshot(Request::get("/metrics").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn sitemap_lists_every_published_course_and_robots_points_to_it() {
    let app = TestApp::demo().await;
    let total = app.state.catalogue.search("").await.unwrap().total as usize;
    let sitemap = app.get("/sitemap.xml").await;
    assert_eq!(sitemap.status, 200);
    assert!(sitemap.header("content-type").unwrap().starts_with("application/xml"));
    assert_eq!(sitemap.body.matches("<loc>https://academy.test/courses/").count(), total);
    assert!(sitemap.body.contains("<lastmod>"));
    let robots = app.get("/robots.txt").await;
    assert!(robots.body.contains("Sitemap: https://academy.test/sitemap.xml"));
    assert!(robots.body.contains("Disallow: /rpc/"));
}

#[tokio::test]
async fn responses_carry_request_id_and_security_headers() {
    let app = TestApp::demo().await;
    let res = app.get("/courses").await;
    assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(res.header("referrer-policy"), Some("strict-origin-when-cross-origin"));
    assert!(res.header("content-security-policy").unwrap().contains("frame-ancestors 'none'"));
    let id = res.header("x-request-id").expect("request id");
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let mine =
        app.request(Request::get("/healthz").header("x-request-id", "trace-me-123").body(Body::empty()).unwrap()).await;
    assert_eq!(mine.header("x-request-id"), Some("trace-me-123"), "an incoming id is kept");
}

#[tokio::test]
async fn pages_are_compressed_with_brotli_or_gzip() {
    let app = TestApp::demo().await;
    for (accept, expected) in [("br", "br"), ("gzip", "gzip"), ("br, gzip", "br")] {
        let res =
            app.request(Request::get("/courses").header("accept-encoding", accept).body(Body::empty()).unwrap()).await;
        assert_eq!(res.status, 200);
        assert_eq!(res.header("content-encoding"), Some(expected), "Accept-Encoding: {accept}");
    }
    let plain = app.get("/courses").await;
    assert_eq!(plain.header("content-encoding"), None);
}

#[tokio::test]
async fn server_functions_are_not_under_the_rest_api_prefix() {
    let app = TestApp::demo().await;
    let res = app
        .request(
            Request::post("/rpc/catalogue/search")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from("query=q%3Dcloud"))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let page: lyceum::model::catalogue::CataloguePage = serde_json::from_str(&res.body).unwrap();
    assert!(page.total > 0);
    assert_eq!(app.get("/api/v1/catalogue/search").await.status, 404);
}

#[tokio::test]
async fn anonymous_pages_are_cached_until_the_catalogue_changes() {
    let app = TestApp::demo().await;
    assert_eq!(app.get("/courses?kind=it").await.header("x-cache"), Some("miss"));
    // Kept on its second request, served from memory from the third.
    let first = app.get("/courses?kind=it").await;
    assert_eq!(first.header("x-cache"), Some("miss"));
    let second = app.get("/courses?kind=it").await;
    assert_eq!(second.header("x-cache"), Some("hit"));
    assert_eq!(first.body, second.body);
    assert_eq!(second.header("content-type"), first.header("content-type"));
    assert!(second.header("x-request-id").is_some(), "each answer has its own request id");
    assert_ne!(second.header("x-request-id"), first.header("x-request-id"));

    app.state.catalogue.invalidate();
    assert_eq!(app.get("/courses?kind=it").await.header("x-cache"), Some("miss"));
    assert_eq!(app.get("/courses?kind=it").await.header("x-cache"), Some("miss"));
    assert_eq!(app.get("/courses?kind=it").await.header("x-cache"), Some("hit"));

    // Anything that could be personal bypasses the cache.
    let with_cookie =
        app.request(Request::get("/courses?kind=it").header("cookie", "id=abc").body(Body::empty()).unwrap()).await;
    assert_eq!(with_cookie.status, 200);
    assert_eq!(with_cookie.header("x-cache"), None);
    // Only pages are kept.
    app.get("/healthz").await;
    app.get("/healthz").await;
    assert_eq!(app.get("/healthz").await.header("x-cache"), None);
}
