//! The REST API's first endpoints and the personal access tokens that open
//! them: created on `/account/security` and shown once, kept only as a
//! hash, refused with a reason (a typo, revoked, expired, sent in the
//! address), scoped, and answered with `application/problem+json`.

use crate::enrolment::{people, set, standing, two_sessions};
use crate::helpers::{TestApp, TestResponse};
use crate::visitor::{Visitor, count};
use axum::body::Body;
use axum::http::Request;
use lyceum::model::account::Role;

const PASSWORD: &str = "correct horse battery staple";

async fn api(app: &TestApp, method: &str, uri: &str, token: Option<&str>) -> TestResponse {
    let mut request = Request::builder().method(method).uri(uri).header("accept", "application/json");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    app.request(request.body(Body::empty()).unwrap()).await
}

pub fn json(res: &TestResponse) -> serde_json::Value {
    serde_json::from_str(&res.body).unwrap_or_else(|e| panic!("{e}: {}", res.body))
}

/// A problem (checked to be problem+json with the status and the request's
/// id in it).
pub fn problem(res: &TestResponse, status: u16) -> serde_json::Value {
    assert_eq!(res.status, status, "{}", res.body);
    assert_eq!(res.header("content-type"), Some("application/problem+json"), "{}", res.body);
    let body = json(res);
    assert_eq!(body["status"], status);
    assert!(body["request_id"].as_str().is_some_and(|id| !id.is_empty()), "{body}");
    body
}

/// `method` `uri` with `token` as its bearer and `body` as JSON.
pub async fn call(
    app: &TestApp,
    method: &str,
    uri: &str,
    token: &str,
    body: Option<serde_json::Value>,
) -> TestResponse {
    let request = axum::http::Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json");
    let body = body.map_or_else(axum::body::Body::empty, |b| axum::body::Body::from(b.to_string()));
    app.request(request.body(body).unwrap()).await
}

/// A token of `user`'s with `scopes`, made by the domain directly (the page
/// that makes them is tested on its own).
pub async fn token(app: &TestApp, user: &lyceum::model::account::User, scopes: &[&str]) -> String {
    let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
    let client = lyceum::server::client::Client::default();
    app.state.tokens.create(user, &client, "Partner", &scopes, "30").await.expect("token made")
}

/// Every text the database keeps of sessions, tokens and the audit trail.
async fn stored_texts(app: &TestApp) -> Vec<String> {
    lyceum::with_pool!(&app.state.db, |pool| {
        let mut texts: Vec<String> = sqlx::query_scalar("SELECT data FROM sessions").fetch_all(pool).await.unwrap();
        for sql in [
            "SELECT name || ' ' || hint || ' ' || token_hash || ' ' || scopes FROM api_tokens",
            "SELECT event || ' ' || detail FROM audit_log",
        ] {
            texts.extend(sqlx::query_scalar::<_, String>(sql).fetch_all(pool).await.unwrap());
        }
        texts
    })
}

/// Creates a token from the security page's form; the token, as the page
/// shows it once. Until then the session holds it sealed: nothing stored
/// holds it in clear.
async fn create_token(visitor: &mut Visitor<'_>, name: &str, scopes: &[&str]) -> String {
    let mut fields = vec![("name", name), ("expires_in_days", "30")];
    fields.extend(scopes.iter().map(|s| (*s, "on")));
    let res = visitor.submit("/account/security", "account/tokens/create", &fields).await;
    assert_eq!(res.header("location"), Some("/account/security?notice=token-created#tokens"), "{}", res.body);
    let stored = stored_texts(visitor.app).await;
    let page = visitor.get("/account/security?notice=token-created").await;
    let shown = r#"<code class="token">"#;
    let at = page.body.find(shown).expect("the new token on the page") + shown.len();
    let token = page.body[at..at + 42].to_string();
    assert!(stored.iter().all(|text| !text.contains(&token[4..])), "the token is stored in clear");
    token
}

#[tokio::test]
async fn a_token_is_shown_once_kept_as_a_hash_and_opens_the_api_with_its_scopes() {
    let app = TestApp::demo().await;
    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ann Borg", "ann@example.com", PASSWORD).await;
    let token = create_token(&mut ann, "My CRM", &["read"]).await;
    assert!(token.chars().skip(4).all(|c| c.is_ascii_alphanumeric()), "{token}");
    // Shown once: the next visit lists it by its first characters only.
    let again = ann.get("/account/security").await;
    assert!(!again.body.contains(&token), "shown once");
    assert!(again.body.contains(&format!("{}…", &token[..10])) && again.body.contains("My CRM"), "{}", again.body);
    let stored: String = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT token_hash FROM api_tokens").fetch_one(pool).await.unwrap()
    });
    assert_eq!(stored, lyceum::server::crypto::token_hash(&token));

    let me = api(&app, "GET", "/api/v1/me", Some(&token)).await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(json(&me)["email"], "ann@example.com");
    assert!(ann.get("/account/security").await.body.contains("Last used"), "its last use is listed");

    // Read, not write: cancelling is refused, naming the scope.
    let (_, session, _) = two_sessions(&app, (5, 5)).await;
    let user = lyceum::model::account::User {
        id: count(&app, "SELECT id FROM users WHERE email = 'ann@example.com'").await,
        email: "ann@example.com".into(),
        name: "Ann Borg".into(),
        role: Role::Learner,
        verified: true,
    };
    let seat = app.state.enrolments.enrol(&user, user.id, session).await.unwrap();
    let refused = api(&app, "DELETE", &format!("/api/v1/enrollments/{}", seat.id), Some(&token)).await;
    let body = problem(&refused, 403);
    assert_eq!(body["type"], "/api/problems/insufficient-scope");
    assert!(body["title"].as_str().unwrap().contains("enrollments:write"), "{body}");
    let challenge = refused.header("www-authenticate").unwrap_or_default();
    assert!(challenge.contains("insufficient_scope") && challenge.contains("enrollments:write"), "{challenge}");
    assert_eq!(standing(&app, session).await.0, 1, "nothing changed");

    // Its own enrolments, a page at a time.
    let list = api(&app, "GET", "/api/v1/me/enrollments?per_page=1", Some(&token)).await;
    assert_eq!(list.status, 200, "{}", list.body);
    let body = json(&list);
    assert_eq!((body["page"].as_i64(), body["per_page"].as_i64(), body["total"].as_i64()), (Some(1), Some(1), Some(1)));
    assert_eq!(body["items"][0]["status"], "confirmed");
    assert_eq!(body["items"][0]["session_id"], session);
    let bad = api(&app, "GET", "/api/v1/me/enrollments?per_page=101", Some(&token)).await;
    let body = problem(&bad, 422);
    assert_eq!(body["errors"][0]["field"], "per_page", "{body}");

    // A token with the write scope cancels, as the page does.
    let writer = create_token(&mut ann, "Booking tool", &["read", "write"]).await;
    let cancelled = api(&app, "DELETE", &format!("/api/v1/enrollments/{}", seat.id), Some(&writer)).await;
    assert_eq!(cancelled.status, 204, "{}", cancelled.body);
    assert_eq!(standing(&app, session).await.0, 0);
    // The trail has the tokens made and the change made with one.
    let trail: Vec<(String, String)> = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_as("SELECT event, detail FROM audit_log WHERE event LIKE 'api_%' ORDER BY id")
            .fetch_all(pool)
            .await
            .unwrap()
    });
    let events: Vec<&str> = trail.iter().map(|(event, _)| event.as_str()).collect();
    assert_eq!(events, ["api_token_created", "api_token_created", "api_change"], "{trail:?}");
    assert_eq!(trail[2].1, format!("enrolment {} cancelled with token 2", seat.id));
    let twice = api(&app, "DELETE", &format!("/api/v1/enrollments/{}", seat.id), Some(&writer)).await;
    assert_eq!(problem(&twice, 409)["type"], "/api/problems/conflict");
    // Someone else's enrolment is not found, and neither is a bad id.
    let other = people(&app, "other", 1, Role::Learner).await.remove(0);
    let theirs = app.state.enrolments.enrol(&other, other.id, session).await.unwrap();
    problem(&api(&app, "DELETE", &format!("/api/v1/enrollments/{}", theirs.id), Some(&writer)).await, 404);
    problem(&api(&app, "DELETE", "/api/v1/enrollments/x1", Some(&writer)).await, 404);
    problem(&api(&app, "GET", "/api/v1/nowhere", Some(&writer)).await, 404);
    // A wrong method is a problem too, and says what is allowed.
    let wrong = api(&app, "POST", "/api/v1/me", Some(&writer)).await;
    assert_eq!(problem(&wrong, 405)["type"], "/api/problems/method-not-allowed");
    assert_eq!(wrong.header("allow"), Some("GET,HEAD"));
}

#[tokio::test]
async fn a_refused_token_says_why_with_a_bearer_challenge() {
    let app = TestApp::demo().await;
    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ann Borg", "ann@example.com", PASSWORD).await;
    let token = create_token(&mut ann, "Script", &["read"]).await;
    let refused = |res: &TestResponse, kind: &str, said: &str| {
        let body = problem(res, 401);
        assert_eq!(body["type"], format!("/api/problems/{kind}"), "{body}");
        assert!(body["title"].as_str().unwrap().contains(said), "{body}");
        assert!(res.header("www-authenticate").unwrap_or_default().starts_with("Bearer"), "{:?}", res.headers);
    };

    refused(&api(&app, "GET", "/api/v1/me", None).await, "unauthorized", "log in");
    // One character wrong: the checksum tells a typo from a revoked token.
    let mut typo = token.clone().into_bytes();
    typo[10] = if typo[10] == b'a' { b'b' } else { b'a' };
    let typo = String::from_utf8(typo).unwrap();
    refused(&api(&app, "GET", "/api/v1/me", Some(&typo)).await, "invalid-token", "typo");
    refused(&api(&app, "GET", "/api/v1/me", Some("not a token at all")).await, "invalid-token", "typo");
    let unknown = lyceum::server::tokens::format::mint();
    refused(&api(&app, "GET", "/api/v1/me", Some(&unknown)).await, "invalid-token", "revoked or unknown");
    // Never in the address, even with the right header beside it.
    let res = api(&app, "GET", &format!("/api/v1/me?access_token={token}"), Some(&token)).await;
    refused(&res, "invalid-token", "Authorization header");

    // Expired, then revoked: each takes effect on the next request.
    assert_eq!(api(&app, "GET", "/api/v1/me", Some(&token)).await.status, 200);
    set(&app, "UPDATE api_tokens SET expires_at = '2000-01-01T00:00:00Z'").await;
    refused(&api(&app, "GET", "/api/v1/me", Some(&token)).await, "invalid-token", "expired");
    let second = create_token(&mut ann, "Second", &["read"]).await;
    assert_eq!(api(&app, "GET", "/api/v1/me", Some(&second)).await.status, 200);
    let id = count(&app, "SELECT MAX(id) FROM api_tokens").await.to_string();
    let res = ann.submit("/account/security", "account/tokens/revoke", &[("id", &id)]).await;
    assert_eq!(res.header("location"), Some("/account/security?notice=token-revoked#tokens"));
    refused(&api(&app, "GET", "/api/v1/me", Some(&second)).await, "invalid-token", "revoked or unknown");
    let page = ann.get("/account/security").await.body;
    assert!(page.contains("Revoked") && page.contains("Expired"), "{page}");
    // Someone else's token cannot be revoked by this account.
    let mut bob = Visitor::new(&app);
    bob.sign_up_and_log_in("Bob Vella", "bob@example.com", PASSWORD).await;
    let res = bob.submit("/account/security", "account/tokens/revoke", &[("id", &id)]).await;
    assert_ne!(res.header("location"), Some("/account/security?notice=token-revoked#tokens"));
}

#[tokio::test]
async fn staff_scopes_are_for_staff_and_end_with_the_role() {
    let app = TestApp::demo().await;
    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ann Borg", "ann@example.com", PASSWORD).await;
    // A learner is not offered, and cannot ask for, a staff scope.
    let page = ann.get("/account/security").await.body;
    assert!(!page.contains("enrollments:manage") && page.contains("enrollments:write"), "{page}");
    let res = ann
        .submit(
            "/account/security",
            "account/tokens/create",
            &[("name", "x"), ("expires_in_days", "30"), ("manage", "on")],
        )
        .await;
    assert_ne!(res.header("location"), Some("/account/security?notice=token-created#tokens"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM api_tokens").await, 0, "nothing stored");
    // Nor a name too long, nor a lifetime past a year.
    let long = "n".repeat(81);
    for fields in [
        vec![("name", long.as_str()), ("expires_in_days", "30"), ("read", "on")],
        vec![("name", "ok"), ("expires_in_days", "367"), ("read", "on")],
        vec![("name", "ok"), ("expires_in_days", "30")],
    ] {
        let res = ann.submit("/account/security", "account/tokens/create", &fields).await;
        assert_ne!(res.header("location"), Some("/account/security?notice=token-created#tokens"));
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM api_tokens").await, 0, "nothing stored");

    // Staff get them; a demotion ends them on the next request.
    set(&app, "UPDATE users SET role = 'staff' WHERE email = 'ann@example.com'").await;
    let token = create_token(&mut ann, "Front desk", &["read", "manage"]).await;
    let bearer = app.state.tokens.authenticate(&token).await.unwrap();
    assert!(bearer.scopes.contains(&lyceum::model::token::Scope::EnrollmentsManage));
    set(&app, "UPDATE users SET role = 'learner' WHERE email = 'ann@example.com'").await;
    let bearer = app.state.tokens.authenticate(&token).await.unwrap();
    assert_eq!(bearer.scopes, [lyceum::model::token::Scope::EnrollmentsRead]);
    // A deactivated account's tokens stop working.
    set(&app, "UPDATE users SET deactivated_at = created_at WHERE email = 'ann@example.com'").await;
    let res = api(&app, "GET", "/api/v1/me", Some(&token)).await;
    assert_eq!(problem(&res, 401)["type"], "/api/problems/invalid-token");
}

#[tokio::test]
async fn the_catalogue_is_public_paged_and_answers_a_conditional_get_with_304() {
    let app = TestApp::demo().await;
    let list = api(&app, "GET", "/api/v1/courses?per_page=5&page=2", None).await;
    assert_eq!(list.status, 200, "{}", list.body);
    let body = json(&list);
    assert_eq!((body["page"].as_i64(), body["per_page"].as_i64()), (Some(2), Some(5)));
    let total = body["total"].as_i64().unwrap();
    assert!(total > 10, "the demo catalogue: {total}");
    assert_eq!(body["items"].as_array().unwrap().len(), 5);
    assert!(body["items"][0]["price"]["cents"].as_i64().is_some(), "money as cents and currency: {body}");
    let link = list.header("link").unwrap_or_default();
    assert!(link.contains("</api/v1/courses?page=3&per_page=5>; rel=\"next\""), "{link}");
    assert!(link.contains("</api/v1/courses?page=1&per_page=5>; rel=\"prev\""), "{link}");
    assert_eq!(list.header("cache-control"), Some("public, max-age=60"));
    let etag = list.header("etag").expect("an ETag").to_string();

    // The same answer again is not sent again.
    let request = Request::get("/api/v1/courses?per_page=5&page=2").header("if-none-match", &etag);
    let again = app.request(request.body(Body::empty()).unwrap()).await;
    assert_eq!((again.status, again.body.as_str()), (304, ""));
    assert_eq!(again.header("etag"), Some(etag.as_str()));
    let other = Request::get("/api/v1/courses?per_page=5&page=2").header("if-none-match", "\"something-else\"");
    assert_eq!(app.request(other.body(Body::empty()).unwrap()).await.status, 200);

    // Filters as on the page; what the page would set aside is a problem.
    let online = json(&api(&app, "GET", "/api/v1/courses?mode=online&q=cloud", None).await);
    assert!(online["total"].as_i64().unwrap() >= 1, "{online}");
    for bad in
        ["/api/v1/courses?per_page=101", "/api/v1/courses?category=no-such-category", "/api/v1/courses?mode=by-pigeon"]
    {
        let res = api(&app, "GET", bad, None).await;
        let body = problem(&res, 422);
        assert!(body["errors"].as_array().is_some_and(|e| !e.is_empty()), "{bad}: {body}");
    }

    // One course, with the seats left in each of its upcoming dates.
    let slug = body["items"][0]["slug"].as_str().unwrap().to_string();
    let course = api(&app, "GET", &format!("/api/v1/courses/{slug}"), None).await;
    assert_eq!(course.status, 200, "{}", course.body);
    let course = json(&course);
    assert_eq!(course["slug"], slug.as_str());
    let session = &course["sessions"][0];
    assert_eq!(
        session["seats_left"].as_i64(),
        Some(session["capacity"].as_i64().unwrap() - session["seats_taken"].as_i64().unwrap())
    );
    problem(&api(&app, "GET", "/api/v1/courses/no-such-course", None).await, 404);
    // One date, with its course, status and seats left.
    let id = session["id"].as_i64().unwrap();
    let one = api(&app, "GET", &format!("/api/v1/sessions/{id}"), None).await;
    assert_eq!(one.status, 200, "{}", one.body);
    assert_eq!(one.header("cache-control"), Some("no-cache"));
    let one = json(&one);
    assert_eq!((one["course_slug"].as_str(), one["status"].as_str()), (Some(slug.as_str()), Some("scheduled")));
    assert_eq!(one["session"]["seats_left"], session["seats_left"]);
    assert!(one["price"]["cents"].as_i64().is_some());
    for missing in ["/api/v1/sessions/999999999", "/api/v1/sessions/abc", "/api/v1/sessions/-1"] {
        problem(&api(&app, "GET", missing, None).await, 404);
    }
    problem(&api(&app, "GET", "/api/v1/courses/%00%3Cscript%3E", None).await, 404);
}

#[tokio::test]
async fn hostile_text_in_a_token_name_and_a_sign_up_address_stays_text() {
    use scraper::{Html, Selector};
    let app = TestApp::demo().await;
    let hostile = "<script>alert(\"x\")</script>' onmouseover='y";
    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ann Borg", "ann@example.com", PASSWORD).await;
    create_token(&mut ann, hostile, &["read"]).await;
    let page = Html::parse_document(&ann.get("/account/security").await.body);
    let cells: Vec<String> = page
        .select(&Selector::parse("table.tokens td[data-label=Name]").unwrap())
        .map(|td| td.text().collect())
        .collect();
    assert_eq!(cells, [hostile], "the name comes back as the text typed");
    assert_eq!(page.select(&Selector::parse("main script").unwrap()).count(), 0, "no script in the page's content");
    let revoke = Selector::parse("table.tokens button").unwrap();
    let label = page.select(&revoke).next().and_then(|b| b.value().attr("aria-label")).unwrap_or_default().to_string();
    assert_eq!(label, format!("Revoke the token {hostile}"));

    // The way back from sign-up, however it is written, is an attribute's
    // text; the login link carries it encoded.
    let next = "/book/1\"><script>alert(1)</script>";
    let encoded: String = next.bytes().map(|b| format!("%{b:02X}")).collect();
    let signup = app.get(&format!("/signup?next={encoded}")).await;
    assert_eq!(signup.status, 200);
    let page = Html::parse_document(&signup.body);
    let kept = page.select(&Selector::parse("input[name=next]").unwrap()).next().and_then(|i| i.value().attr("value"));
    assert_eq!(kept, Some(next));
    assert_eq!(page.select(&Selector::parse("main script").unwrap()).count(), 0);
    let login = Selector::parse("a[href^=\"/login\"]").unwrap();
    let href = page.select(&login).filter_map(|a| a.value().attr("href")).find(|h| h.contains("next=")).unwrap();
    assert!(!href.contains('<') && !href.contains('"') && href.contains("%3Cscript%3E"), "{href}");
}
