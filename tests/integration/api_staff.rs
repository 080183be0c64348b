//! Staff through the REST API (`enrollments:manage`): enrolling, moving and
//! cancelling any learner by the back office's own rules and mails; and
//! the API's edges: request limits per caller with their headers, and CORS
//! for the configured origins.

use crate::api::{call, json, problem, token};
use crate::enrolment::{people, standing, two_sessions};
use crate::helpers::TestApp;
use crate::visitor::count;
use axum::body::Body;
use axum::http::Request;
use lyceum::model::account::Role;

#[tokio::test]
async fn staff_enrol_move_and_cancel_any_learner_by_the_back_offices_rules() {
    let app = TestApp::demo().await;
    let (_, first, second) = two_sessions(&app, (2, 2)).await;
    let staff = people(&app, "desk", 1, Role::Staff).await.remove(0);
    let learners = people(&app, "ann", 2, Role::Learner).await;
    let manager = token(&app, &staff, &["enrollments:manage"]).await;
    let writer = token(&app, &staff, &["enrollments:write"]).await;
    let learner = token(&app, &learners[1], &["enrollments:write"]).await;
    let mails = || count(&app, "SELECT COUNT(*) FROM jobs WHERE kind IN ('mail.send', 'enrolment.enrolled')");
    let before = mails().await;

    let enrol = serde_json::json!({ "email": learners[0].email.to_uppercase(), "session_id": first });
    let made = call(&app, "POST", "/api/v1/enrollments", &manager, Some(enrol.clone())).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let seat = json(&made);
    assert_eq!((seat["status"].as_str(), seat["session_id"].as_i64()), (Some("confirmed"), Some(first)));
    assert!(mails().await > before, "the learner is told, as from the front desk");
    // One seat per course, as everywhere.
    assert_eq!(
        problem(&call(&app, "POST", "/api/v1/enrollments", &manager, Some(enrol)).await, 409)["type"],
        "/api/problems/conflict"
    );
    // The scope is the manager's, not any staff token's.
    let refused = call(
        &app,
        "POST",
        "/api/v1/enrollments",
        &writer,
        Some(serde_json::json!({ "email": learners[1].email, "session_id": first })),
    );
    assert_eq!(problem(&refused.await, 403)["type"], "/api/problems/insufficient-scope");
    let nobody = serde_json::json!({ "email": "nobody@example.com", "session_id": first });
    let body = problem(&call(&app, "POST", "/api/v1/enrollments", &manager, Some(nobody)).await, 422);
    assert_eq!(body["errors"][0]["field"], "email");
    let typo = serde_json::json!({ "email": learners[1].email, "session": first });
    assert_eq!(
        problem(&call(&app, "POST", "/api/v1/enrollments", &manager, Some(typo)).await, 422)["errors"][0]["field"],
        "session"
    );

    // Moved to the second date, with the back office's own move.
    let id = seat["id"].as_i64().unwrap();
    let moved = call(
        &app,
        "PATCH",
        &format!("/api/v1/enrollments/{id}"),
        &manager,
        Some(serde_json::json!({ "session_id": second })),
    )
    .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    let moved = json(&moved);
    assert_eq!((moved["session_id"].as_i64(), moved["status"].as_str()), (Some(second), Some("confirmed")));
    assert_eq!((standing(&app, first).await.0, standing(&app, second).await.0), (0, 1));
    let same = call(
        &app,
        "PATCH",
        &format!("/api/v1/enrollments/{}", moved["id"]),
        &manager,
        Some(serde_json::json!({ "session_id": second })),
    )
    .await;
    problem(&same, 409);

    // Another learner's write token does not find it; the manager cancels it.
    let theirs = format!("/api/v1/enrollments/{}", moved["id"]);
    assert_eq!(problem(&call(&app, "DELETE", &theirs, &learner, None).await, 404)["type"], "/api/problems/not-found");
    assert_eq!(problem(&call(&app, "DELETE", &theirs, &writer, None).await, 404)["type"], "/api/problems/not-found");
    assert_eq!(call(&app, "DELETE", &theirs, &manager, None).await.status, 204);
    assert_eq!(standing(&app, second).await.0, 0);
    problem(&call(&app, "DELETE", &theirs, &manager, None).await, 409);

    // Every change a token made is in the audit trail, with the token.
    let noted = count(&app, "SELECT COUNT(*) FROM audit_log WHERE event = 'api_change'").await;
    assert_eq!(noted, 3, "enrolled, moved, cancelled");

    // A role change ends the token's staff powers at once.
    crate::enrolment::set(&app, &format!("UPDATE users SET role = 'learner' WHERE id = {}", staff.id)).await;
    let enrol = serde_json::json!({ "email": learners[1].email, "session_id": first });
    problem(&call(&app, "POST", "/api/v1/enrollments", &manager, Some(enrol)).await, 403);
}

#[tokio::test]
async fn each_caller_has_its_own_allowance_and_every_answer_says_what_is_left() {
    let app = TestApp::with_settings(&[("LYCEUM_API_REQUESTS_PER_MINUTE", "3")]).await;
    let anonymous = || app.get("/api/v1/courses");
    for left in [2, 1, 0] {
        let res = anonymous().await;
        assert_eq!(res.status, 200, "{}", res.body);
        assert_eq!(res.header("ratelimit-policy"), Some("\"per-caller\";q=3;w=60"));
        let now = res.header("ratelimit").unwrap_or_default();
        assert!(now.starts_with(&format!("\"per-caller\";r={left};t=")), "{now}");
    }
    let over = anonymous().await;
    let body = problem(&over, 429);
    assert_eq!(body["type"], "/api/problems/too-many-requests");
    let wait: u64 = over.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=20).contains(&wait), "{wait}");
    assert!(over.header("ratelimit").unwrap_or_default().starts_with("\"per-caller\";r=0;"));

    // A token has an allowance of its own; the pages have none of these.
    let ann = people(&app, "ann", 1, Role::Learner).await.remove(0);
    let reader = token(&app, &ann, &["enrollments:read"]).await;
    assert_eq!(call(&app, "GET", "/api/v1/me", &reader, None).await.status, 200);
    assert_eq!(app.get("/courses").await.status, 200);
}

#[tokio::test]
async fn a_configured_origin_may_call_the_api_from_a_browser_and_no_other() {
    let app = TestApp::with_settings(&[("LYCEUM_API_CORS_ORIGINS", "https://partner.example")]).await;
    let preflight = |origin: &'static str| {
        let request = Request::builder()
            .method("OPTIONS")
            .uri("/api/v1/sessions/1/enrollments")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization, content-type, idempotency-key")
            .body(Body::empty())
            .unwrap();
        app.request(request)
    };
    let allowed = preflight("https://partner.example").await;
    assert!(allowed.status < 300, "{}", allowed.status);
    assert_eq!(allowed.header("access-control-allow-origin"), Some("https://partner.example"));
    let headers = allowed.header("access-control-allow-headers").unwrap_or_default().to_ascii_lowercase();
    assert!(headers.contains("idempotency-key") && headers.contains("authorization"), "{headers}");
    let other = preflight("https://elsewhere.example").await;
    assert_eq!(other.header("access-control-allow-origin"), None);

    // A bearer request from the partner's page passes the same-origin
    // check (a browser never adds the header itself); the answer names the
    // origin and lets the page read the API's own headers.
    let ann = people(&app, "ann", 1, Role::Learner).await.remove(0);
    let reader = token(&app, &ann, &["enrollments:read"]).await;
    let request = Request::builder()
        .method("DELETE")
        .uri("/api/v1/enrollments/999")
        .header("origin", "https://partner.example")
        .header("authorization", format!("Bearer {reader}"))
        .body(Body::empty())
        .unwrap();
    let res = app.request(request).await;
    assert_eq!(res.status, 403, "refused for its scope, not its origin: {}", res.body);
    assert_eq!(json(&res)["type"], "/api/problems/insufficient-scope");
    assert_eq!(res.header("access-control-allow-origin"), Some("https://partner.example"));
    assert!(res.header("access-control-expose-headers").unwrap_or_default().to_ascii_lowercase().contains("ratelimit"));
    // Without a token, a cross-site write with a cookie is refused, as a
    // problem.
    let request = Request::builder()
        .method("DELETE")
        .uri("/api/v1/enrollments/999")
        .header("origin", "https://partner.example")
        .header("cookie", "id=whatever")
        .body(Body::empty())
        .unwrap();
    assert_eq!(problem(&app.request(request).await, 403)["type"], "/api/problems/cross-site");
}
