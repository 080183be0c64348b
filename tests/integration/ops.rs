//! Operator and crawler endpoints, and what every response carries.

use crate::helpers::TestApp;
use axum::{body::Body, http::Request};

#[tokio::test]
async fn health_and_readiness() {
    let app = TestApp::empty().await;
    let health = app.get("/healthz").await;
    assert_eq!((health.status, health.body.as_str()), (200, "ok\n"));
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, 200);
    app.state.db.close().await;
    let not_ready = app.get("/readyz").await;
    assert_eq!(not_ready.status, 503, "a closed pool is not ready");
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_show_the_pool() {
    let app = TestApp::demo().await;
    app.get("/courses/no-such-course").await;
    app.get("/healthz").await;
    let res = app.get("/metrics").await;
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
