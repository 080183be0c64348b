//! Staff writing the catalogue through the API (`catalogue:write`):
//! courses created, changed, published, archived and deleted, dates
//! scheduled, moved and called off, each by the back office's own
//! functions and rules, each naming the version it read.

use crate::api::{call, json, problem, token};
use crate::enrolment::people;
use crate::helpers::TestApp;
use crate::visitor::count;
use axum::body::Body;
use axum::http::Request;
use lyceum::model::account::Role;

fn new_course() -> serde_json::Value {
    serde_json::json!({
        "title": "Terraform in Practice",
        "category": "cloud",
        "summary": "Infrastructure as code, reviewed and repeatable.",
        "description": "Two days of **hands-on** work.",
        "outcomes": "Write modules\nReview plans",
        "level": "intermediate",
        "duration_hours": 14,
        "price_cents": 99550,
        "language": "en",
        "awards_certificate": true
    })
}

#[tokio::test]
async fn staff_create_change_publish_archive_and_delete_courses_by_version() {
    let app = TestApp::demo().await;
    let staff = people(&app, "editor", 1, Role::Staff).await.remove(0);
    let learner = people(&app, "ann", 1, Role::Learner).await.remove(0);
    let writer = token(&app, &staff, &["catalogue:write"]).await;
    let manager = token(&app, &staff, &["enrollments:manage"]).await;
    let learner_token = token(&app, &learner, &["enrollments:write"]).await;
    let courses = || count(&app, "SELECT COUNT(*) FROM courses");
    let before = courses().await;

    // Who may: the scope, not the role alone; nobody without a token.
    let refused = call(&app, "POST", "/api/v1/courses", &manager, Some(new_course())).await;
    assert_eq!(problem(&refused, 403)["type"], "/api/problems/insufficient-scope");
    assert_eq!(
        problem(&call(&app, "POST", "/api/v1/courses", &learner_token, Some(new_course())).await, 403)["type"],
        "/api/problems/insufficient-scope"
    );
    let anonymous = app
        .request(
            Request::post("/api/v1/courses")
                .header("content-type", "application/json")
                .body(Body::from(new_course().to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(anonymous.status, 401);

    // The form's checks, field by field, and nothing stored.
    for (field, value) in [
        ("title", serde_json::json!("")),
        ("category", serde_json::json!("no-such-category")),
        ("slug", serde_json::json!("Not A Slug")),
        ("language", serde_json::json!("xx")),
        ("description", serde_json::json!("  ")),
        ("duration_hours", serde_json::json!(0)),
    ] {
        let mut body = new_course();
        body[field] = value;
        let res = call(&app, "POST", "/api/v1/courses", &writer, Some(body)).await;
        let body = problem(&res, 422);
        assert!(body["errors"].as_array().unwrap().iter().any(|e| e["field"] == field), "{field}: {body}");
    }
    let mut typo = new_course();
    typo["level"] = serde_json::json!("expert");
    assert_eq!(
        problem(&call(&app, "POST", "/api/v1/courses", &writer, Some(typo)).await, 422)["errors"][0]["field"],
        "level"
    );
    let mut extra = new_course();
    extra["published"] = serde_json::json!(true);
    assert_eq!(call(&app, "POST", "/api/v1/courses", &writer, Some(extra)).await.status, 422, "unknown fields refused");
    assert_eq!(courses().await, before);

    // Created, unpublished: staff see it, the public catalogue does not.
    let made = call(&app, "POST", "/api/v1/courses", &writer, Some(new_course())).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let course = json(&made);
    assert_eq!(made.header("location"), Some("/api/v1/courses/terraform-in-practice"));
    assert_eq!((course["slug"].as_str(), course["version"].as_i64()), (Some("terraform-in-practice"), Some(1)));
    assert_eq!((course["published"].as_bool(), course["price_cents"].as_i64()), (Some(false), Some(99550)));
    assert_eq!(app.get("/api/v1/courses/terraform-in-practice").await.status, 404);
    let again = call(&app, "POST", "/api/v1/courses", &writer, Some(new_course())).await;
    assert_eq!(problem(&again, 422)["errors"][0]["field"], "slug", "a slug is one course's");

    // A change names its version; published after its content.
    let uri = "/api/v1/courses/terraform-in-practice";
    let change = serde_json::json!({ "version": 1, "price_cents": 89500, "published": true });
    let changed = call(&app, "PATCH", uri, &writer, Some(change.clone())).await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    let course = json(&changed);
    assert_eq!((course["version"].as_i64(), course["published"].as_bool()), (Some(3), Some(true)));
    assert_eq!(course["price_cents"], 89500);
    assert_eq!(course["title"], "Terraform in Practice", "the others keep their values");
    let public = app.get(uri).await;
    assert_eq!(public.status, 200, "published");
    assert_eq!(json(&public)["price"]["cents"], 89500, "{}", public.body);
    // Kept as sent (the same tag), until the next write.
    assert_eq!(app.get(uri).await.header("etag"), public.header("etag"));
    let cheaper =
        call(&app, "PATCH", uri, &writer, Some(serde_json::json!({ "version": 3, "price_cents": 79500 }))).await;
    assert_eq!(cheaper.status, 200, "{}", cheaper.body);
    let public = app.get(uri).await;
    assert_eq!(json(&public)["price"]["cents"], 79500, "a write is seen at once");
    let change = serde_json::json!({ "version": 1, "price_cents": 89500, "published": true });
    // The same change again names a version that has moved on.
    let stale = call(&app, "PATCH", uri, &writer, Some(change)).await;
    assert_eq!(problem(&stale, 409)["type"], "/api/problems/stale");
    let only_state =
        call(&app, "PATCH", uri, &writer, Some(serde_json::json!({ "version": 2, "published": false }))).await;
    assert_eq!(problem(&only_state, 409)["type"], "/api/problems/stale");
    let bad = call(&app, "PATCH", uri, &writer, Some(serde_json::json!({ "version": 4, "summary": "" }))).await;
    assert_eq!(problem(&bad, 422)["errors"][0]["field"], "summary");
    assert_eq!(count(&app, "SELECT version FROM courses WHERE slug = 'terraform-in-practice'").await, 4, "unchanged");
    assert_eq!(
        call(&app, "PATCH", "/api/v1/courses/nothing-here", &writer, Some(serde_json::json!({ "version": 1 })))
            .await
            .status,
        404
    );

    // Archived for good.
    let archived = call(&app, "PATCH", uri, &writer, Some(serde_json::json!({ "version": 4, "archived": true }))).await;
    assert_eq!(archived.status, 200, "{}", archived.body);
    assert_eq!(
        (json(&archived)["archived"].as_bool(), json(&archived)["published"].as_bool()),
        (Some(true), Some(false))
    );
    let republish =
        call(&app, "PATCH", uri, &writer, Some(serde_json::json!({ "version": 5, "published": true }))).await;
    assert_eq!(problem(&republish, 409)["type"], "/api/problems/conflict");

    // Deleted by version; one with learners keeps its history.
    assert_eq!(problem(&call(&app, "DELETE", uri, &writer, None).await, 422)["errors"][0]["field"], "version");
    assert_eq!(
        problem(&call(&app, "DELETE", &format!("{uri}?version=1"), &writer, None).await, 409)["type"],
        "/api/problems/stale"
    );
    assert_eq!(call(&app, "DELETE", &format!("{uri}?version=5"), &writer, None).await.status, 204);
    assert_eq!(courses().await, before);
    let taught: String = lyceum::with_pool!(&app.state.db, |pool| sqlx::query_scalar(
        "SELECT c.slug FROM courses c JOIN course_sessions s ON s.course_id = c.id JOIN enrolments e ON e.session_id = s.id LIMIT 1"
    ).fetch_optional(pool).await.unwrap()).unwrap_or_default();
    if !taught.is_empty() {
        let version = count(&app, &format!("SELECT version FROM courses WHERE slug = '{taught}'")).await;
        let res = call(&app, "DELETE", &format!("/api/v1/courses/{taught}?version={version}"), &writer, None).await;
        assert_eq!(problem(&res, 409)["type"], "/api/problems/conflict");
    }
    // Each change made with the token is in the audit trail.
    assert!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE event = 'api_change'").await >= 4);
}

#[tokio::test]
async fn staff_schedule_move_and_call_off_dates_by_version() {
    let app = TestApp::demo().await;
    let staff = people(&app, "editor", 1, Role::Staff).await.remove(0);
    let writer = token(&app, &staff, &["catalogue:write"]).await;
    let made = call(&app, "POST", "/api/v1/courses", &writer, Some(new_course())).await;
    assert_eq!(made.status, 201);
    let start = (chrono::Utc::now() + chrono::Duration::days(60)).date_naive();
    // A Monday, clear of any holiday the demo keeps.
    let start =
        start + chrono::Duration::days(i64::from(7 - chrono::Datelike::weekday(&start).num_days_from_monday()) % 7);
    let series = serde_json::json!({
        "course": "terraform-in-practice", "start_date": start.to_string(), "start_time": "09:00",
        "end_time": "17:00", "mode": "in-person", "location": "valletta", "capacity": 12, "weeks": 3,
        "allow_holidays": true
    });
    let mut nowhere = series.clone();
    nowhere["location"] = serde_json::Value::Null;
    assert_eq!(
        problem(&call(&app, "POST", "/api/v1/sessions", &writer, Some(nowhere)).await, 422)["errors"][0]["field"],
        "location"
    );
    let mut backwards = series.clone();
    backwards["end_time"] = serde_json::json!("08:00");
    assert_eq!(call(&app, "POST", "/api/v1/sessions", &writer, Some(backwards)).await.status, 422);
    let mut unknown = series.clone();
    unknown["course"] = serde_json::json!("no-such-course");
    assert_eq!(call(&app, "POST", "/api/v1/sessions", &writer, Some(unknown)).await.status, 404);
    let dates = || {
        count(
            &app,
            "SELECT COUNT(*) FROM course_sessions s JOIN courses c ON c.id = s.course_id WHERE c.slug = 'terraform-in-practice'",
        )
    };
    assert_eq!(dates().await, 0, "nothing stored");

    let scheduled = call(&app, "POST", "/api/v1/sessions", &writer, Some(series)).await;
    assert_eq!(scheduled.status, 201, "{}", scheduled.body);
    let items = json(&scheduled)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 3);
    assert_eq!(dates().await, 3);
    let first = &items[0];
    assert_eq!(
        (first["course"].as_str(), first["location"].as_str(), first["capacity"].as_i64()),
        (Some("terraform-in-practice"), Some("valletta"), Some(12))
    );
    let id = first["id"].as_i64().unwrap();
    let version = first["version"].as_i64().unwrap();
    let weekly: Vec<String> = items.iter().map(|i| i["starts_at"].as_str().unwrap().to_string()).collect();
    assert!(weekly.windows(2).all(|w| w[0] < w[1]), "{weekly:?}");

    // Moved by version.
    let uri = format!("/api/v1/sessions/{id}");
    let later = start + chrono::Duration::days(1);
    let change = serde_json::json!({ "version": version, "start_date": later.to_string(), "start_time": "09:30", "end_time": "17:30" });
    let moved = call(&app, "PATCH", &uri, &writer, Some(change.clone())).await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(json(&moved)["version"], version + 1);
    assert_eq!(problem(&call(&app, "PATCH", &uri, &writer, Some(change)).await, 409)["type"], "/api/problems/stale");
    let past = serde_json::json!({ "version": version + 1, "start_date": "2020-01-06", "start_time": "09:00", "end_time": "10:00" });
    assert_eq!(call(&app, "PATCH", &uri, &writer, Some(past)).await.status, 422);

    // Called off by version; it stays, cancelled.
    assert_eq!(problem(&call(&app, "DELETE", &uri, &writer, None).await, 422)["errors"][0]["field"], "version");
    assert_eq!(
        problem(&call(&app, "DELETE", &format!("{uri}?version={version}"), &writer, None).await, 409)["type"],
        "/api/problems/stale"
    );
    assert_eq!(call(&app, "DELETE", &format!("{uri}?version={}", version + 1), &writer, None).await.status, 204);
    assert_eq!(
        count(&app, &format!("SELECT COUNT(*) FROM course_sessions WHERE id = {id} AND status = 'cancelled'")).await,
        1
    );
    assert_eq!(
        call(&app, "DELETE", &format!("{uri}?version={}", version + 2), &writer, None).await.status,
        404,
        "not scheduled any more"
    );
    assert_eq!(call(&app, "DELETE", "/api/v1/sessions/abc?version=1", &writer, None).await.status, 404);
}
