//! Anonymous pages behind a shared cache (a CDN, or the page cache): no
//! copy carries a nonce others could reuse, every inline script is allowed
//! by its hash, and the page says how long it may be kept, what it varies
//! on, and answers a conditional request with 304. Pages with a session
//! stay private. Read back with an HTML parser, not with Lyceum's own code.

use crate::enrolment::people;
use crate::helpers::{TestApp, TestResponse};
use crate::visitor::Visitor;
use axum::{body::Body, http::Request};
use base64::Engine;
use lyceum::model::account::Role;
use lyceum::server::{audit::Actor, client::Client};
use sha2::{Digest, Sha256};

/// The `script-src` sources of a response's policy.
fn script_sources(page: &TestResponse) -> Vec<String> {
    let policy = page.header("content-security-policy").expect("a page has a policy");
    let directive = policy
        .split(';')
        .map(str::trim)
        .find_map(|d| d.strip_prefix("script-src "))
        .unwrap_or_else(|| panic!("script-src in {policy}"));
    directive.split_whitespace().map(str::to_string).collect()
}

/// Every inline script of the page, as an HTML parser reads it: (its text,
/// whether it carries a nonce attribute).
fn inline_scripts(page: &TestResponse) -> Vec<(String, bool)> {
    let document = scraper::Html::parse_document(&page.body);
    let selector = scraper::Selector::parse("script:not([src])").unwrap();
    document
        .select(&selector)
        .map(|script| (script.text().collect::<String>(), script.value().attr("nonce").is_some()))
        .collect()
}

fn hash_source(text: &str) -> String {
    format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes())))
}

async fn get_with(app: &TestApp, uri: &str, headers: &[(&str, &str)]) -> TestResponse {
    let mut request = Request::get(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    app.request(request.body(Body::empty()).unwrap()).await
}

#[tokio::test]
async fn anonymous_pages_allow_their_scripts_by_hash_and_share_no_nonce() {
    let app = TestApp::demo().await;
    let mut answers = Vec::new();
    for _ in 0..3 {
        answers.push(app.get("/courses").await);
    }
    assert_eq!(answers[2].header("x-cache"), Some("hit"), "the third is the page cache's copy");
    for page in &answers {
        assert_eq!(page.status, 200);
        let sources = script_sources(page);
        assert!(!sources.iter().any(|s| s.starts_with("'nonce-")), "no nonce in a shared page: {sources:?}");
        assert!(!sources.iter().any(|s| s == "'unsafe-inline'"), "{sources:?}");
        let scripts = inline_scripts(page);
        assert!(!scripts.is_empty(), "the page loads its bundle from an inline script");
        for (text, has_nonce) in &scripts {
            assert!(!has_nonce, "no script keeps a nonce attribute");
            assert!(sources.contains(&hash_source(text)), "every inline script is allowed by its hash: {text:.80}");
        }
        assert_eq!(sources.iter().filter(|s| s.starts_with("'sha256-")).count(), scripts.len(), "and no other");
    }
    assert_eq!(answers[0].body, answers[2].body, "the same page, fresh or kept");
}

#[tokio::test]
async fn anonymous_pages_say_how_long_a_shared_cache_may_keep_them_and_answer_304() {
    let app = TestApp::demo().await;
    let path = "/courses?kind=it";
    let first = get_with(&app, path, &[("accept-encoding", "br")]).await;
    let cache_control = first.header("cache-control").expect("Cache-Control");
    assert!(cache_control.contains("public") && cache_control.contains("s-maxage=60"), "{cache_control}");
    let vary: Vec<String> = first.headers.get_all("vary").iter().map(|v| v.to_str().unwrap().to_lowercase()).collect();
    let vary = vary.join(",");
    assert!(vary.contains("cookie") && vary.contains("accept-encoding"), "Vary: {vary}");
    let etag = first.header("etag").expect("ETag").to_string();
    assert!(etag.starts_with("W/\""), "a weak validator: {etag}");

    // Kept on the second request, then served from memory: each answers
    // the validator with 304, with nothing in the body.
    for round in 0..3 {
        let again = get_with(&app, path, &[("accept-encoding", "br"), ("if-none-match", &etag)]).await;
        assert_eq!(again.status, 304, "round {round}");
        assert!(again.body.is_empty());
        assert_eq!(again.header("etag"), Some(etag.as_str()));
        assert!(again.header("cache-control").is_some_and(|c| c.contains("s-maxage=60")));
    }
    // Another encoding of the same page: the same weak validator.
    let plain = app.get(path).await;
    assert_eq!(plain.header("etag"), Some(etag.as_str()));
    let stale = get_with(&app, path, &[("if-none-match", "W/\"something-else\"")]).await;
    assert_eq!(stale.status, 200);

    // A back-office write: the next request the shared cache makes (its
    // lifetime is over by then) gets the new page, not a 304.
    let staff = people(&app, "staff", 1, Role::Staff).await.remove(0);
    let course = app.state.catalogue.search("kind=it").await.unwrap().items[0].clone();
    let id = app.state.catalogue.course_record_by_slug(&staff, &course.slug).await.unwrap().id;
    let client = Client::default();
    app.state.catalogue.set_published(Actor { user: &staff, client: &client }, id, false).await.unwrap();
    let after = get_with(&app, path, &[("if-none-match", &etag)]).await;
    assert_eq!(after.status, 200, "changed, so not 304");
    assert_ne!(after.header("etag"), Some(etag.as_str()));
    assert!(!after.body.contains(&format!("/courses/{}\"", course.slug)), "the unpublished course is gone");
}

#[tokio::test]
async fn pages_with_a_session_stay_private_with_a_fresh_nonce() {
    let app = TestApp::demo().await;
    let mut visitor = Visitor::new(&app);
    visitor.sign_up_and_log_in("Ada", "ada@example.test", "correct horse battery staple").await;
    let mut nonces = Vec::new();
    for _ in 0..2 {
        let page = visitor.get("/courses").await;
        assert_eq!(page.status, 200);
        assert_eq!(page.header("cache-control"), Some("private, no-store"));
        assert_eq!(page.header("etag"), None);
        let nonce = script_sources(&page).into_iter().find(|s| s.starts_with("'nonce-")).expect("a nonce");
        assert!(inline_scripts(&page).iter().all(|(_, has_nonce)| *has_nonce));
        nonces.push(nonce);
    }
    assert_ne!(nonces[0], nonces[1], "a new nonce for every render");
}
