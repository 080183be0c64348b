//! Booking through the REST API (`POST /api/v1/sessions/{id}/enrollments`):
//! the order step's own order and rules, a strict JSON body, and
//! `Idempotency-Key` making a retry safe, one after the other and at once;
//! and the list of upcoming dates (`GET /api/v1/sessions`).

use crate::api::{json, problem, token};
use crate::enrolment::{people, set, standing, two_sessions};
use crate::helpers::{TestApp, TestResponse};
use crate::visitor::count;
use axum::body::Body;
use axum::http::Request;
use lyceum::model::account::Role;
use lyceum::server::audit::Acting;

async fn post(app: &TestApp, uri: &str, token: &str, key: Option<&str>, kind: &str, body: String) -> TestResponse {
    let mut request = Request::builder()
        .method("POST")
        .uri(uri)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", kind);
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    app.request(request.body(Body::from(body)).unwrap()).await
}

async fn get(app: &TestApp, uri: &str) -> TestResponse {
    app.request(Request::builder().uri(uri).body(Body::empty()).unwrap()).await
}

fn order(extra: serde_json::Value) -> serde_json::Value {
    let mut body = serde_json::json!({
        "billing": "company",
        "billing_name": "Acme Ltd",
        "address": "12 Harbour Street",
        "postcode": "VLT 1000",
        "city": "Valletta",
        "country": "MT",
        "vat_number": "MT12345678",
        "purchase_order": "PO-4471",
        "payment": "invoice",
        "accept_terms": true
    });
    for (name, value) in extra.as_object().unwrap() {
        body[name] = value.clone();
    }
    body
}

async fn orders(app: &TestApp) -> i64 {
    count(app, "SELECT COUNT(*) FROM orders").await
}

#[tokio::test]
async fn a_booking_through_the_api_places_the_order_and_a_retry_with_its_key_books_nothing_twice() {
    let app = TestApp::demo().await;
    let (_, session, _) = two_sessions(&app, (1, 5)).await;
    let ann = people(&app, "ann", 1, Role::Learner).await.remove(0);
    let writer = token(&app, &ann, &["enrollments:write"]).await;
    let uri = format!("/api/v1/sessions/{session}/enrollments");
    let body = order(serde_json::json!({})).to_string();

    let first = post(&app, &uri, &writer, Some("order-1"), "application/json", body.clone()).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let booked = json(&first);
    assert_eq!(booked["enrollment"]["status"], "confirmed");
    assert_eq!(booked["enrollment"]["session_id"], session);
    assert!(booked["order"]["invoice"].as_str().is_some(), "a seat confirmed is invoiced: {booked}");
    assert!(booked["order"]["url"].as_str().unwrap().ends_with(booked["order"]["reference"].as_str().unwrap()));
    assert_eq!(first.header("idempotent-replayed"), None);
    let po: String = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT purchase_order FROM orders").fetch_one(pool).await.unwrap()
    });
    assert_eq!(po, "PO-4471", "the order carries the body's billing");

    // The same request again (spacing and field order aside): the first
    // answer, marked as a replay; nothing booked twice.
    let reordered: serde_json::Value = serde_json::from_str(&body).unwrap();
    let again = post(&app, &uri, &writer, Some("order-1"), "application/json", format!("{reordered:#}")).await;
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(json(&again), booked);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!((orders(&app).await, standing(&app, session).await.0), (1, 1));

    // The same key with another request is refused, naming the key.
    let other = order(serde_json::json!({ "purchase_order": "PO-9999" })).to_string();
    let reused = post(&app, &uri, &writer, Some("order-1"), "application/json", other).await;
    let refusal = problem(&reused, 422);
    assert_eq!(refusal["errors"][0]["field"], "Idempotency-Key", "{refusal}");

    // Without a key, a second booking is the order step's refusal: the
    // learner holds this seat already.
    let twice = post(&app, &uri, &writer, None, "application/json", body.clone()).await;
    assert_eq!(problem(&twice, 409)["type"], "/api/problems/conflict");

    // A refusal is kept for its key too: the same request, refused again
    // the same way, even once the reason is gone.
    let refused = post(&app, &uri, &writer, Some("order-2"), "application/json", body.clone()).await;
    problem(&refused, 409);
    let seat = booked["enrollment"]["id"].as_i64().unwrap();
    app.state.enrolments.cancel(Acting { user: &ann, client: None }, seat).await.expect("cancelled");
    let replayed = post(&app, &uri, &writer, Some("order-2"), "application/json", body.clone()).await;
    assert_eq!((replayed.status, replayed.header("idempotent-replayed")), (409, Some("true")));
    assert_eq!(orders(&app).await, 1);

    // A key older than a day is forgotten: the same key books anew.
    set(&app, "UPDATE idempotency_keys SET created_at = '2020-01-01T00:00:00Z' WHERE key = 'order-2'").await;
    let later = post(&app, &uri, &writer, Some("order-2"), "application/json", body).await;
    assert_eq!((later.status, later.header("idempotent-replayed")), (201, None), "{}", later.body);
    assert_eq!(orders(&app).await, 2);
}

#[tokio::test]
async fn the_same_key_sent_many_times_at_once_books_once_and_every_answer_is_the_first() {
    let app = TestApp::demo().await;
    let (_, session, _) = two_sessions(&app, (3, 5)).await;
    let ann = people(&app, "ann", 1, Role::Learner).await.remove(0);
    let writer = token(&app, &ann, &["enrollments:write"]).await;
    let uri = format!("/api/v1/sessions/{session}/enrollments");
    let body = order(serde_json::json!({})).to_string();
    let answers = futures::future::join_all(
        (0..8).map(|_| post(&app, &uri, &writer, Some("retry-storm"), "application/json", body.clone())),
    )
    .await;
    let first = &answers[0];
    for answer in &answers {
        assert_eq!(answer.status, 201, "{}", answer.body);
        assert_eq!(json(answer), json(first));
    }
    assert_eq!(answers.iter().filter(|a| a.header("idempotent-replayed").is_none()).count(), 1);
    assert_eq!((orders(&app).await, standing(&app, session).await.0), (1, 1));
}

#[tokio::test]
async fn a_malformed_booking_is_told_what_is_wrong_and_stores_nothing() {
    let app = TestApp::demo().await;
    let (_, session, _) = two_sessions(&app, (3, 5)).await;
    let ann = people(&app, "ann", 1, Role::Learner).await.remove(0);
    let writer = token(&app, &ann, &["enrollments:write"]).await;
    let reader = token(&app, &ann, &["enrollments:read"]).await;
    let uri = format!("/api/v1/sessions/{session}/enrollments");
    let good = order(serde_json::json!({})).to_string();
    let field = |body: &serde_json::Value| body["errors"][0]["field"].as_str().unwrap_or_default().to_string();

    let typed = post(&app, &uri, &writer, None, "text/plain", good.clone()).await;
    assert_eq!(problem(&typed, 415)["type"], "/api/problems/unsupported-media-type");
    let broken = post(&app, &uri, &writer, None, "application/json", "{\"billing\": ".into()).await;
    assert_eq!(problem(&broken, 400)["type"], "/api/problems/bad-request");
    let huge = order(serde_json::json!({ "purchase_order": "x".repeat(70_000) })).to_string();
    problem(&post(&app, &uri, &writer, None, "application/json", huge).await, 413);
    let unknown = order(serde_json::json!({ "coupon": "FREE" })).to_string();
    let body = problem(&post(&app, &uri, &writer, None, "application/json", unknown).await, 422);
    assert_eq!(
        (field(&body).as_str(), body["errors"][0]["detail"].as_str()),
        ("coupon", Some("This request has no such field."))
    );
    let wrong = order(serde_json::json!({ "accept_terms": "yes" })).to_string();
    assert_eq!(field(&problem(&post(&app, &uri, &writer, None, "application/json", wrong).await, 422)), "accept_terms");
    let choice = order(serde_json::json!({ "payment": "card" })).to_string();
    assert_eq!(field(&problem(&post(&app, &uri, &writer, None, "application/json", choice).await, 422)), "payment");
    let colleague = order(serde_json::json!({ "colleagues": [{ "name": "Bo", "email": "bo@example.com", "x": 1 }] }));
    let body = problem(&post(&app, &uri, &writer, None, "application/json", colleague.to_string()).await, 422);
    assert_eq!(field(&body), "colleagues[0].x");

    // The order form's own rules, every problem at once, by the form's names.
    let mut bad = order(serde_json::json!({ "billing": "private", "country": "XX", "accept_terms": false }));
    bad["billing_name"] = "".into();
    let body = problem(&post(&app, &uri, &writer, None, "application/json", bad.to_string()).await, 422);
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    for expected in ["billing_name", "country", "vat_number", "accept_terms"] {
        assert!(fields.contains(&expected), "{expected} in {fields:?}");
    }

    // Who may book, and what.
    problem(&post(&app, &uri, &reader, None, "application/json", good.clone()).await, 403);
    problem(&post(&app, &uri, "lyc_nonsense", None, "application/json", good.clone()).await, 401);
    let nowhere = post(&app, "/api/v1/sessions/999999/enrollments", &writer, None, "application/json", good.clone());
    assert_eq!(problem(&nowhere.await, 404)["type"], "/api/problems/not-found");
    let long_key = "k".repeat(256);
    let body = problem(&post(&app, &uri, &writer, Some(&long_key), "application/json", good).await, 422);
    assert_eq!(field(&body), "Idempotency-Key");

    assert_eq!(orders(&app).await, 0);
    assert_eq!(standing(&app, session).await.0, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM idempotency_keys").await, 0, "a refused key is not kept");
}

#[tokio::test]
async fn upcoming_dates_are_listed_a_page_at_a_time_and_narrowed_as_the_catalogue_narrows() {
    let app = TestApp::demo().await;
    let all = json(&get(&app, "/api/v1/sessions?per_page=100").await);
    let total = all["total"].as_i64().unwrap();
    assert!(total > 20, "the demo catalogue has many dates: {total}");
    let starts: Vec<&str> =
        all["items"].as_array().unwrap().iter().map(|s| s["session"]["starts_at"].as_str().unwrap()).collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]), "soonest first");

    let page = get(&app, "/api/v1/sessions?per_page=5&page=2").await;
    assert_eq!(page.status, 200);
    let body = json(&page);
    assert_eq!((body["page"].as_i64(), body["items"].as_array().unwrap().len()), (Some(2), 5));
    assert_eq!(body["items"][0]["session"]["id"], all["items"][5]["session"]["id"]);
    let link = page.header("link").unwrap_or_default();
    assert!(
        link.contains("page=3&per_page=5>; rel=\"next\"") && link.contains("page=1&per_page=5>; rel=\"prev\""),
        "{link}"
    );
    assert!(page.header("etag").is_some() && page.header("cache-control").unwrap_or_default().starts_with("public"));

    let course = all["items"][0]["course_slug"].as_str().unwrap().to_string();
    let one = json(&get(&app, &format!("/api/v1/sessions?course={course}&per_page=100")).await);
    assert!(one["total"].as_i64().unwrap() >= 1);
    assert!(one["items"].as_array().unwrap().iter().all(|s| s["course_slug"] == course.as_str()));
    let online = json(&get(&app, "/api/v1/sessions?mode=online&per_page=100").await);
    assert!(online["items"].as_array().unwrap().iter().all(|s| s["session"]["mode"] == "online"), "{online}");
    let in_person = json(&get(&app, "/api/v1/sessions?mode=in-person&per_page=1").await);
    assert_eq!(online["total"].as_i64().unwrap() + in_person["total"].as_i64().unwrap(), total);
    let seats = &all["items"][0]["session"];
    let left = seats["capacity"].as_i64().unwrap() - seats["seats_taken"].as_i64().unwrap();
    assert_eq!(seats["seats_left"].as_i64(), Some(left.max(0)));

    assert_eq!(problem(&get(&app, "/api/v1/sessions?from=2026-02-30").await, 422)["errors"][0]["field"], "from");
    assert_eq!(problem(&get(&app, "/api/v1/sessions?per_page=101").await, 422)["errors"][0]["field"], "per_page");
    assert_eq!(json(&get(&app, "/api/v1/sessions?course=no-such-course").await)["total"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_booking_one_date_at_once_through_the_api_fill_it_and_wait_in_turn() {
    let app = TestApp::demo().await;
    let (_, session, _) = two_sessions(&app, (20, 5)).await;
    let crowd = people(&app, "crowd", 200, Role::Learner).await;
    let mut tokens = Vec::new();
    for learner in &crowd {
        tokens.push(token(&app, learner, &["enrollments:write"]).await);
    }
    let uri = format!("/api/v1/sessions/{session}/enrollments");
    let body = order(serde_json::json!({})).to_string();
    let answers = futures::future::join_all(
        tokens.iter().map(|token| post(&app, &uri, token, None, "application/json", body.clone())),
    )
    .await;
    let mut statuses = std::collections::BTreeMap::new();
    for answer in &answers {
        *statuses.entry(answer.status).or_insert(0) += 1;
    }
    assert_eq!(statuses, [(201, 200)].into(), "every booking answered 201, none refused or failed");
    let booked: Vec<serde_json::Value> = answers.iter().map(json).collect();
    let confirmed = booked.iter().filter(|b| b["enrollment"]["status"] == "confirmed").count();
    let mut places: Vec<i64> = booked.iter().filter_map(|b| b["enrollment"]["waitlist_position"].as_i64()).collect();
    places.sort_unstable();
    assert_eq!(confirmed, 20);
    assert_eq!(places, (1..=180).collect::<Vec<_>>(), "the waitlist numbered 1..180 as answered");
    let (seats, positions, taken, waiting) = standing(&app, session).await;
    assert_eq!((seats, taken, waiting), (20, 20, 180));
    assert_eq!(positions, (1..=180).collect::<Vec<_>>());
    assert_eq!(orders(&app).await, 200);
    assert_eq!(booked.iter().filter(|b| b["order"]["invoice"].is_string()).count(), 20, "a seat confirmed is invoiced");
    let problems = lyceum::server::enrolment::check::check_seats(&app.state.db).await.unwrap();
    assert_eq!(problems, [], "check-seats agrees");
}
