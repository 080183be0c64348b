//! The back office's catalogue writes, through the same server functions
//! its pages post to: courses created, edited, published, archived and
//! deleted; dates scheduled one at a time or weekly; the stale-version
//! refusal; roles checked on the server; an audit entry for every write,
//! in the write's transaction; and Markdown cleaned on the public page.

use crate::helpers::TestApp;
use crate::visitor::{Visitor, count};
use lyceum::model::account::Role;
use scraper::{Html, Selector};

pub(crate) const PASSWORD: &str = "correct horse battery staple";

/// A signed-in visitor of `role`, from an address of their own.
pub(crate) async fn person<'a>(app: &'a TestApp, role: Role, n: u8) -> Visitor<'a> {
    let email = format!("{}{n}@academy.test", role.as_str());
    app.state.accounts.create_confirmed(&email, &format!("{} {n}", role.label()), PASSWORD, role).await.unwrap();
    let mut visitor = Visitor::from_ip(app, format!("203.0.113.{}", 100 + n).parse().unwrap());
    let res = visitor.call("account/login", &[("email", &email), ("password", PASSWORD)]).await;
    assert!(res.status < 400, "login: {} {}", res.status, res.body);
    visitor
}

async fn a_category(app: &TestApp) -> String {
    lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT slug FROM categories ORDER BY id LIMIT 1").fetch_one(pool).await.unwrap()
    })
}

fn course_fields<'a>(category: &'a str, title: &'a str, price: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("title", title),
        ("slug", ""),
        ("category", category),
        ("summary", "Pandas, notebooks and plots."),
        ("description", "Three days of *Python*.\n\nBring a laptop."),
        ("outcomes", "Load data\nPlot it"),
        ("prerequisites", ""),
        ("level", "beginner"),
        ("duration_hours", "21"),
        ("price", price),
        ("language", "en"),
        ("awards_certificate", "on"),
    ]
}

async fn course_id(app: &TestApp, slug: &str) -> i64 {
    lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT id FROM courses WHERE slug = $1").bind(slug).fetch_one(pool).await.unwrap()
    })
}

async fn audit_count(app: &TestApp) -> i64 {
    count(app, "SELECT COUNT(*) FROM audit_log WHERE entity <> ''").await
}

#[tokio::test]
async fn staff_create_edit_and_publish_a_course_and_the_catalogue_follows_at_once() {
    let app = TestApp::demo().await;
    let mut staff = person(&app, Role::Staff, 1).await;
    let category = a_category(&app).await;
    let res = staff.call("admin/courses/save", &course_fields(&category, "Python for analysts", "1,495")).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    let id = course_id(&app, "python-for-analysts").await;
    let id_text = id.to_string();
    assert_eq!(staff.get("/courses/python-for-analysts").await.status, 404, "a new course is a draft");

    let res = staff.call("admin/courses/publish", &[("id", &id_text), ("publish", "yes")]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    let page = staff.get("/courses/python-for-analysts").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("€1,495"), "the price as saved");
    let found = staff.get("/courses?q=analysts").await;
    assert!(found.body.contains("Python for analysts"), "found by the public search");

    let mut edit = course_fields(&category, "Python for analysts", "1395.50");
    edit.push(("id", &id_text));
    edit.push(("version", "2"));
    let res = staff.call("admin/courses/save", &edit).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    assert!(staff.get("/courses/python-for-analysts").await.body.contains("€1,395.50"), "seen at once");

    let actions: Vec<(String, i64, String)> = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_as(
            "SELECT event, actor_id, changes FROM audit_log WHERE entity = 'course' AND entity_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(pool)
        .await
        .unwrap()
    });
    let events: Vec<&str> = actions.iter().map(|a| a.0.as_str()).collect();
    assert_eq!(events, ["course.created", "course.published", "course.updated"]);
    let changes: serde_json::Value = serde_json::from_str(&actions[2].2).unwrap();
    assert_eq!(changes, serde_json::json!([{ "field": "price_cents", "before": "149500", "after": "139550" }]));
    let staff_id: i64 = count(&app, "SELECT id FROM users WHERE email = 'staff1@academy.test'").await;
    assert!(actions.iter().all(|a| a.1 == staff_id), "the actor is the staff member");
}

#[tokio::test]
async fn a_save_over_a_stale_version_is_refused_and_shows_what_was_saved() {
    let app = TestApp::demo().await;
    let mut first = person(&app, Role::Staff, 1).await;
    let mut second = person(&app, Role::Staff, 2).await;
    let category = a_category(&app).await;
    first.call("admin/courses/save", &course_fields(&category, "Excel in a day", "300")).await;
    let id = course_id(&app, "excel-in-a-day").await.to_string();
    let mut mine = course_fields(&category, "Excel in a day", "350");
    mine.extend([("id", id.as_str()), ("version", "1")]);
    let mut theirs = course_fields(&category, "Excel in one day", "300");
    theirs.extend([("id", id.as_str()), ("version", "1"), ("slug", "excel-in-a-day")]);
    theirs.retain(|(name, value)| *name != "slug" || !value.is_empty());
    assert!(first.call("admin/courses/save", &mine).await.status < 400);
    let refused = second.call("admin/courses/save", &theirs).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.body.contains("Stale"), "{}", refused.body);
    assert!(refused.body.contains("price_cents") && refused.body.contains("35000"), "what was saved: {}", refused.body);
    let (title, price, version): (String, i64, i64) = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_as("SELECT title, price_cents, version FROM courses WHERE slug = 'excel-in-a-day'")
            .fetch_one(pool)
            .await
            .unwrap()
    });
    assert_eq!((title.as_str(), price, version), ("Excel in a day", 35_000, 2), "the first save stands");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE event = 'course.updated'").await, 1);
}

#[tokio::test]
async fn bad_input_is_refused_field_by_field_and_stores_nothing() {
    let app = TestApp::demo().await;
    let mut staff = person(&app, Role::Staff, 1).await;
    let category = a_category(&app).await;
    let (courses, audited) = (count(&app, "SELECT COUNT(*) FROM courses").await, audit_count(&app).await);
    let cases: Vec<(&str, &str, &str)> = vec![
        ("title", "", "title"),
        ("title", "bad\u{1}title", "title"),
        ("slug", "Not A Slug", "slug"),
        ("category", "no-such-category", "category"),
        ("level", "expert", "level"),
        ("duration_hours", "0", "duration_hours"),
        ("price", "12.345", "price"),
        ("price", "-5", "price"),
        ("language", "xx", "language"),
        ("summary", "", "summary"),
        ("description", "", "description"),
    ];
    for (field, value, named) in cases {
        let mut fields = course_fields(&category, "A fine title", "100");
        fields.retain(|(name, _)| *name != field);
        fields.push((field, value));
        let res = staff.call("admin/courses/save", &fields).await;
        assert_eq!(res.status, 422, "{field}={value:?}: {}", res.body);
        assert!(res.body.contains(&format!("\"{named}\"")), "{field} named: {}", res.body);
    }
    // A taken address, on create and on edit.
    staff.call("admin/courses/save", &course_fields(&category, "Taken title", "100")).await;
    let taken = staff.call("admin/courses/save", &course_fields(&category, "Taken title", "100")).await;
    assert_eq!(taken.status, 422, "{}", taken.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM courses").await, courses + 1);
    assert_eq!(audit_count(&app).await, audited + 1, "only the one good write is in the trail");
    // Scheduling: in the past, ends before it starts, a campus that does not exist.
    let id = course_id(&app, "taken-title").await.to_string();
    let sessions = count(&app, "SELECT COUNT(*) FROM course_sessions").await;
    for (start_date, end_time, mode, location) in [
        ("2020-01-06", "17:00", "online", ""),
        ("2099-01-05", "08:00", "online", ""),
        ("2099-01-05", "17:00", "in-person", "atlantis"),
        ("2099-01-05", "17:00", "in-person", ""),
        ("not a date", "17:00", "online", ""),
    ] {
        let fields = [
            ("course_id", id.as_str()),
            ("start_date", start_date),
            ("start_time", "09:00"),
            ("end_time", end_time),
            ("mode", mode),
            ("location", location),
            ("instructor", ""),
            ("capacity", "12"),
            ("weeks", "1"),
        ];
        let res = staff.call("admin/courses/schedule", &fields).await;
        assert_eq!(res.status, 422, "{start_date} {end_time} {mode} {location}: {}", res.body);
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM course_sessions").await, sessions);
    assert_eq!(audit_count(&app).await, audited + 1);
}

#[tokio::test]
async fn learners_and_instructors_calling_staff_functions_are_refused_and_change_nothing() {
    let app = TestApp::demo().await;
    let category = a_category(&app).await;
    let mut staff = person(&app, Role::Staff, 1).await;
    staff.call("admin/courses/save", &course_fields(&category, "Staff only", "100")).await;
    let id = course_id(&app, "staff-only").await.to_string();
    let mut learner = person(&app, Role::Learner, 2).await;
    let mut instructor = person(&app, Role::Instructor, 3).await;
    let before = (count(&app, "SELECT COUNT(*) FROM courses").await, audit_count(&app).await);
    let mut edit = course_fields(&category, "Taken over", "1");
    edit.extend([("id", id.as_str()), ("version", "1")]);
    let calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("admin/courses/save", course_fields(&category, "Sneaky course", "1")),
        ("admin/courses/save", edit),
        ("admin/courses/publish", vec![("id", &id), ("publish", "yes")]),
        ("admin/courses/retire", vec![("id", &id), ("action", "delete")]),
        ("admin/courses/retire", vec![("id", &id), ("action", "archive")]),
        (
            "admin/courses/schedule",
            vec![
                ("course_id", &id),
                ("start_date", "2099-01-05"),
                ("start_time", "09:00"),
                ("end_time", "17:00"),
                ("mode", "online"),
                ("location", ""),
                ("instructor", ""),
                ("capacity", "12"),
                ("weeks", "1"),
            ],
        ),
        ("admin/courses/list", vec![("raw", "")]),
        ("admin/courses/get", vec![("id", &id)]),
        ("admin/dashboard", vec![]),
        ("admin/audit", vec![("raw", "")]),
    ];
    for visitor in [&mut learner, &mut instructor] {
        for (endpoint, fields) in &calls {
            let res = visitor.call(endpoint, fields).await;
            assert_eq!(res.status, 403, "{endpoint}: {}", res.body);
        }
        for page in ["/admin", "/admin/courses", "/admin/audit", &format!("/admin/courses/{id}")] {
            assert_eq!(visitor.get(page).await.status, 403, "{page}");
        }
    }
    assert_eq!((count(&app, "SELECT COUNT(*) FROM courses").await, audit_count(&app).await), before);
    let title: String = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT title FROM courses WHERE slug = 'staff-only'").fetch_one(pool).await.unwrap()
    });
    assert_eq!(title, "Staff only");
}

#[tokio::test]
async fn markdown_with_scripts_and_tricks_is_cleaned_on_the_course_page() {
    let app = TestApp::demo().await;
    let mut staff = person(&app, Role::Staff, 1).await;
    let category = a_category(&app).await;
    let hostile = "## Outline\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n\
        [click](javascript:alert(3)) [data](data:text/html;base64,PHNjcmlwdD4=) \
        <a href=\"jav&#x09;ascript:alert(4)\">tab</a>\n\n<svg onload=alert(5)><script>alert(6)</script></svg>\n\n\
        <p style=\"x:expression(alert(7))\" onclick=\"alert(8)\">styled</p>\n\n<iframe src=\"https://example.com\"></iframe>\n\n\
        **Bold** and a [real link](https://example.com/docs).";
    let mut fields = course_fields(&category, "Hostile text", "10");
    fields.retain(|(name, _)| *name != "description");
    fields.push(("description", hostile));
    assert!(staff.call("admin/courses/save", &fields).await.status < 400);
    let id = course_id(&app, "hostile-text").await.to_string();
    staff.call("admin/courses/publish", &[("id", &id), ("publish", "yes")]).await;
    let page = staff.get("/courses/hostile-text").await;
    assert_eq!(page.status, 200);
    let html = Html::parse_document(&page.body);
    let text = html.select(&Selector::parse(".course-text").unwrap()).next().expect("the course text");
    for element in text.descendants().filter_map(scraper::ElementRef::wrap) {
        let name = element.value().name();
        assert!(!["script", "img", "svg", "iframe", "style"].contains(&name), "<{name}> survived");
        for (attr, value) in element.value().attrs() {
            assert!(!attr.starts_with("on") && attr != "style", "{attr} on <{name}>");
            let value = value.to_ascii_lowercase();
            assert!(!value.contains("javascript:") && !value.contains("data:"), "{attr}={value}");
        }
    }
    assert!(text.select(&Selector::parse("h2").unwrap()).next().is_some(), "Markdown headings render");
    let links: Vec<&str> =
        text.select(&Selector::parse("a[href]").unwrap()).filter_map(|a| a.value().attr("href")).collect();
    assert_eq!(links, ["https://example.com/docs"]);
}

/// The Monday before the last Sunday of March next year: a weekly series
/// from it crosses the change to summer time.
fn monday_before_summer_time() -> chrono::NaiveDate {
    use chrono::Datelike;
    let year = chrono::Utc::now().year() + 1;
    let mut last_sunday = chrono::NaiveDate::from_ymd_opt(year, 3, 31).unwrap();
    while last_sunday.weekday() != chrono::Weekday::Sun {
        last_sunday = last_sunday.pred_opt().unwrap();
    }
    last_sunday - chrono::Days::new(6)
}

#[tokio::test]
async fn a_weekly_series_across_summer_time_keeps_its_local_hours() {
    let app = TestApp::demo().await;
    let mut staff = person(&app, Role::Staff, 1).await;
    let category = a_category(&app).await;
    staff.call("admin/courses/save", &course_fields(&category, "Evening Excel", "100")).await;
    let id = course_id(&app, "evening-excel").await;
    let (id_text, first) = (id.to_string(), monday_before_summer_time().to_string());
    let fields = [
        ("course_id", id_text.as_str()),
        ("start_date", first.as_str()),
        ("start_time", "09:00"),
        ("end_time", "17:00"),
        ("mode", "online"),
        ("location", ""),
        ("instructor", ""),
        ("capacity", "12"),
        ("weeks", "3"),
        ("allow_holidays", "on"),
    ];
    let res = staff.call("admin/courses/schedule", &fields).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    let starts: Vec<chrono::DateTime<chrono::Utc>> = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT starts_at FROM course_sessions WHERE course_id = $1 ORDER BY starts_at")
            .bind(id)
            .fetch_all(pool)
            .await
            .unwrap()
    });
    let utc: Vec<String> = starts.iter().map(|t| t.format("%H:%M").to_string()).collect();
    assert_eq!(utc, ["08:00", "07:00", "07:00"], "09:00 in Malta, in winter and then in summer time");
    let tz = chrono_tz::Europe::Malta;
    assert!(starts.iter().all(|t| t.with_timezone(&tz).format("%H:%M %a").to_string() == "09:00 Mon"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE event = 'session.created'").await, 3);

    // New Year's Day is a public holiday: refused unless staff say so.
    let new_year = format!("{}-01-01", chrono::Datelike::year(&monday_before_summer_time()));
    let mut holiday = fields.to_vec();
    holiday.retain(|(name, _)| !["allow_holidays", "start_date", "weeks"].contains(name));
    holiday.extend([("start_date", new_year.as_str()), ("weeks", "1")]);
    let refused = staff.call("admin/courses/schedule", &holiday).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("holiday"), "{}", refused.body);
    assert_eq!(count(&app, &format!("SELECT COUNT(*) FROM course_sessions WHERE course_id = {id}")).await, 3);
}

#[tokio::test]
async fn a_course_with_learners_is_archived_never_deleted_and_the_trail_cannot_be_changed() {
    let app = TestApp::demo().await;
    let mut staff = person(&app, Role::Staff, 1).await;
    let category = a_category(&app).await;
    staff.call("admin/courses/save", &course_fields(&category, "Kept course", "100")).await;
    staff.call("admin/courses/save", &course_fields(&category, "Gone course", "100")).await;
    let (kept, gone) = (course_id(&app, "kept-course").await, course_id(&app, "gone-course").await);
    let (kept_text, gone_text) = (kept.to_string(), gone.to_string());
    let first = monday_before_summer_time().to_string();
    for course in [&kept_text, &gone_text] {
        let fields = [
            ("course_id", course.as_str()),
            ("start_date", first.as_str()),
            ("start_time", "09:00"),
            ("end_time", "17:00"),
            ("mode", "online"),
            ("location", ""),
            ("instructor", ""),
            ("capacity", "12"),
            ("weeks", "1"),
            ("allow_holidays", "on"),
        ];
        assert!(staff.call("admin/courses/schedule", &fields).await.status < 400);
    }
    // A learner on the kept course's date.
    let learner: i64 = count(&app, "SELECT MIN(id) FROM users").await;
    let now = chrono::Utc::now();
    lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query(
            "INSERT INTO enrolments (session_id, user_id, status, created_at, updated_at) \
             SELECT id, $1, 'confirmed', $2, $2 FROM course_sessions WHERE course_id = $3",
        )
        .bind(learner)
        .bind(now)
        .bind(kept)
        .execute(pool)
        .await
        .map(|_| ())
        .unwrap()
    });
    let refused = staff.call("admin/courses/retire", &[("id", &kept_text), ("action", "delete")]).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(staff.call("admin/courses/retire", &[("id", &kept_text), ("action", "archive")]).await.status < 400);
    let republish = staff.call("admin/courses/publish", &[("id", &kept_text), ("publish", "yes")]).await;
    assert_eq!(republish.status, 409, "an archived course stays out: {}", republish.body);
    assert!(staff.call("admin/courses/retire", &[("id", &gone_text), ("action", "delete")]).await.status < 400);
    assert_eq!(count(&app, &format!("SELECT COUNT(*) FROM courses WHERE id = {gone}")).await, 0);
    assert_eq!(count(&app, &format!("SELECT COUNT(*) FROM course_sessions WHERE course_id = {gone}")).await, 0);
    assert_eq!(count(&app, &format!("SELECT COUNT(*) FROM courses WHERE id = {kept} AND archived")).await, 1);

    // The trail is append-only, whatever asks.
    for sql in
        ["DELETE FROM audit_log", "UPDATE audit_log SET event = 'nothing'", "UPDATE audit_log SET changes = '[]'"]
    {
        let result = lyceum::server::sql::Sql::new(sql).execute(&app.state.db).await;
        assert!(result.is_err(), "{sql} was allowed");
    }
    let blanked =
        lyceum::server::sql::Sql::new("UPDATE audit_log SET ip = '' WHERE id = (SELECT MIN(id) FROM audit_log)")
            .execute(&app.state.db)
            .await;
    assert!(blanked.is_ok(), "a deleted account's address can still be blanked");
}

#[tokio::test]
async fn the_back_office_pages_show_hostile_text_as_text() {
    let app = TestApp::demo().await;
    let mut staff = person(&app, Role::Staff, 1).await;
    let category = a_category(&app).await;
    let hostile = "<script>alert(1)</script>\"><img src=x onerror=alert(2)>";
    let mut fields = course_fields(&category, hostile, "100");
    fields.retain(|(name, _)| *name != "slug");
    fields.push(("slug", "hostile-title"));
    let res = staff.call("admin/courses/save", &fields).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    let id = course_id(&app, "hostile-title").await;
    for page in
        ["/admin/courses?q=script".to_string(), format!("/admin/courses/{id}"), "/admin/audit".into(), "/admin".into()]
    {
        let res = staff.get(&page).await;
        assert_eq!(res.status, 200, "{page}");
        let html = Html::parse_document(&res.body);
        let injected = Selector::parse("main script, main img, img[onerror]").unwrap();
        assert_eq!(html.select(&injected).count(), 0, "{page}: markup got through");
        if page != "/admin" {
            let shown = html.root_element().text().collect::<String>();
            assert!(shown.contains(hostile), "{page}: the title shown as typed");
        }
    }
    let dashboard = Html::parse_document(&staff.get("/admin").await.body);
    let chart = Selector::parse("figure.chart svg[role=img]").unwrap();
    assert_eq!(dashboard.select(&chart).count(), 1, "the weekly chart is drawn on the server");
    let rows = Selector::parse("figure.chart table tbody tr").unwrap();
    assert_eq!(dashboard.select(&rows).count(), 12, "twelve weeks of figures behind it");
    let audit = Html::parse_document(&staff.get("/admin/audit?action=course.created").await.body);
    let entries = Selector::parse(".audit-entry").unwrap();
    assert_eq!(audit.select(&entries).count(), 1);
}

/// Learners with a seat or a place in a session, made and enrolled directly.
async fn seated(app: &TestApp, session: i64, n: usize, prefix: &str) -> Vec<lyceum::model::account::User> {
    let learners = crate::enrolment::people(app, prefix, n, Role::Learner).await;
    for learner in &learners {
        app.state.enrolments.enrol(learner, learner.id, session).await.unwrap();
    }
    learners
}

#[tokio::test]
async fn staff_cancel_a_session_and_each_learner_hears_once_with_a_cancelled_calendar() {
    use crate::visitor::mails_to;
    let app = TestApp::demo().await;
    let (_, session, _) = crate::enrolment::two_sessions(&app, (2, 2)).await;
    let learners = seated(&app, session, 3, "cancelled").await;
    let mut staff = person(&app, Role::Staff, 1).await;
    let mut before = Vec::new();
    for learner in &learners {
        before.push(mails_to(&app, &learner.email).await.len());
    }
    let id = session.to_string();
    let res = staff.call("admin/sessions/cancel", &[("session_id", &id)]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    let again = staff.call("admin/sessions/cancel", &[("session_id", &id)]).await;
    assert_eq!(again.status, 404, "a cancelled session is not cancelled twice: {}", again.body);
    for (learner, before) in learners.iter().zip(before) {
        let mails = mails_to(&app, &learner.email).await;
        assert_eq!(mails.len(), before + 1, "{} is told once", learner.email);
        let mail = mails.last().unwrap();
        assert!(mail.subject.to_lowercase().contains("cancel"), "{}", mail.subject);
        let calendar =
            mail.attachments.iter().find(|a| a.content_type.starts_with("text/calendar")).expect("a calendar");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("session.ics");
        std::fs::write(&path, &calendar.body).unwrap();
        let parsed = crate::helpers::python_check("check_calendar.py", &[path.to_str().unwrap()]).unwrap();
        let event = &parsed["events"][0];
        assert_eq!(event["status"], "CANCELLED", "{parsed}");
        assert!(event["sequence"].as_i64().unwrap() >= 1, "{parsed}");
    }
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM audit_log WHERE event = 'session.cancelled' AND entity_id = {session}")
        )
        .await,
        1
    );
    let mut learner = person(&app, Role::Learner, 2).await;
    let mut instructor = person(&app, Role::Instructor, 3).await;
    for visitor in [&mut learner, &mut instructor] {
        for (endpoint, fields) in [
            ("admin/sessions/cancel", vec![("session_id", id.as_str())]),
            ("admin/sessions/promote", vec![("session_id", id.as_str())]),
            ("admin/sessions/enrol", vec![("session_id", id.as_str()), ("email", "cancelled0@example.com")]),
            (
                "admin/sessions/move",
                vec![
                    ("session_id", id.as_str()),
                    ("start_date", "2099-01-05"),
                    ("start_time", "09:00"),
                    ("end_time", "17:00"),
                ],
            ),
            ("admin/enrolments/cancel", vec![("session_id", id.as_str()), ("enrolment_id", "1")]),
            ("admin/enrolments/move", vec![("session_id", id.as_str()), ("enrolment_id", "1"), ("to_session_id", "2")]),
        ] {
            let res = visitor.call(endpoint, &fields).await;
            assert_eq!(res.status, 403, "{endpoint}: {}", res.body);
        }
    }
}

#[tokio::test]
async fn staff_enrol_by_address_and_move_and_cancel_seats_under_the_learners_rules() {
    use lyceum::model::enrolment::EnrolmentStatus;
    let app = TestApp::demo().await;
    let (_, first, second) = crate::enrolment::two_sessions(&app, (1, 2)).await;
    let learners = crate::enrolment::people(&app, "desk", 2, Role::Learner).await;
    let mut staff = person(&app, Role::Staff, 1).await;
    let (first_text, second_text) = (first.to_string(), second.to_string());
    let enrol = |email: &'static str| [("session_id", first_text.clone()), ("email", email.to_string())];
    let call = async |staff: &mut Visitor<'_>, endpoint: &str, fields: &[(&str, String)]| {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
        staff.call(endpoint, &fields).await
    };
    let res = call(&mut staff, "admin/sessions/enrol", &enrol("DESK0@example.com")).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    let again = call(&mut staff, "admin/sessions/enrol", &enrol("desk0@example.com")).await;
    assert_eq!(again.status, 409, "the learner's own rule: one place per session: {}", again.body);
    let unknown = call(&mut staff, "admin/sessions/enrol", &enrol("nobody@example.com")).await;
    assert_eq!(unknown.status, 422, "{}", unknown.body);
    assert!(unknown.body.contains("email"), "{}", unknown.body);
    let res = call(&mut staff, "admin/sessions/enrol", &enrol("desk1@example.com")).await;
    assert!(res.status < 400, "the second goes on the waitlist: {}", res.body);
    let status = |email: &'static str, session: i64| {
        let app = &app;
        async move {
            let status: Option<String> = lyceum::with_pool!(&app.state.db, |pool| {
                sqlx::query_scalar(
                    "SELECT e.status FROM enrolments e JOIN users u ON u.id = e.user_id \
                     WHERE u.email = $1 AND e.session_id = $2 AND e.status <> 'cancelled'",
                )
                .bind(email)
                .bind(session)
                .fetch_optional(pool)
                .await
                .unwrap()
            });
            status
        }
    };
    assert_eq!(status("desk0@example.com", first).await.as_deref(), Some(EnrolmentStatus::Confirmed.as_str()));
    assert_eq!(status("desk1@example.com", first).await.as_deref(), Some(EnrolmentStatus::Waitlisted.as_str()));
    let seat: i64 = count(
        &app,
        &format!(
            "SELECT e.id FROM enrolments e WHERE e.user_id = {} AND e.session_id = {first} AND e.status = 'confirmed'",
            learners[0].id
        ),
    )
    .await;
    let seat_text = seat.to_string();
    // Moved by staff: the seat goes to the second date, the waitlist's first takes the freed one.
    let res = call(
        &mut staff,
        "admin/enrolments/move",
        &[
            ("session_id", first_text.clone()),
            ("enrolment_id", seat_text.clone()),
            ("to_session_id", second_text.clone()),
        ],
    )
    .await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    assert_eq!(status("desk0@example.com", second).await.as_deref(), Some("confirmed"));
    assert_eq!(status("desk1@example.com", first).await.as_deref(), Some("confirmed"), "promoted into the freed seat");
    let twice = call(
        &mut staff,
        "admin/enrolments/move",
        &[
            ("session_id", first_text.clone()),
            ("enrolment_id", seat_text.clone()),
            ("to_session_id", second_text.clone()),
        ],
    )
    .await;
    assert_eq!(twice.status, 409, "a seat moves once: {}", twice.body);
    let moved: i64 = count(&app, &format!("SELECT id FROM enrolments WHERE moved_from = {seat}")).await;
    let res = call(
        &mut staff,
        "admin/enrolments/cancel",
        &[("session_id", second_text.clone()), ("enrolment_id", moved.to_string())],
    )
    .await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    assert_eq!(status("desk0@example.com", second).await, None);
    // Every one of these is in the trail, about the learner, by the staff member.
    let staff_id: i64 = count(&app, "SELECT id FROM users WHERE email = 'staff1@academy.test'").await;
    let entries: Vec<(String, i64)> = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_as("SELECT event, actor_id FROM audit_log WHERE entity = 'enrolment' AND user_id = $1 ORDER BY id")
            .bind(learners[0].id)
            .fetch_all(pool)
            .await
            .unwrap()
    });
    let events: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(events, ["enrolment.enrolled", "enrolment.moved", "enrolment.cancelled"]);
    assert!(entries.iter().all(|e| e.1 == staff_id));
    // The learner's own export names what staff did, not where staff were.
    let exported = lyceum::server::audit::entries_of(&app.state.db, learners[0].id).await.unwrap();
    let by_staff: Vec<_> = exported.iter().filter(|e| e.event.starts_with("enrolment.")).collect();
    assert_eq!(by_staff.len(), 3);
    assert!(by_staff.iter().all(|e| e.ip.is_empty() && e.user_agent.is_empty()), "{by_staff:?}");
}

#[tokio::test]
async fn the_rosters_list_is_searched_by_course_campus_and_dates_and_paged() {
    use scraper::{Html, Selector};
    let app = TestApp::demo().await;
    let mut staff = person(&app, Role::Staff, 1).await;
    let titles = |body: &str| -> Vec<String> {
        let html = Html::parse_document(body);
        let links = Selector::parse(".roster-entry a").unwrap();
        html.select(&links).map(|a| a.text().collect::<String>()).collect()
    };
    let all = staff.get("/admin/sessions").await;
    assert_eq!(all.status, 200);
    let every = titles(&all.body);
    assert_eq!(every.len(), 25, "a page of 25");
    assert!(Html::parse_document(&all.body).select(&Selector::parse("a[rel=next]").unwrap()).next().is_some());
    let second = titles(&staff.get("/admin/sessions?page=2").await.body);
    assert!(!second.is_empty() && second.len() <= 25);
    let title: String = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT title FROM courses ORDER BY id LIMIT 1").fetch_one(pool).await.unwrap()
    });
    let word = title.split_whitespace().next().unwrap().to_string();
    let found = titles(&staff.get(&format!("/admin/sessions?q={word}")).await.body);
    assert!(!found.is_empty() && found.iter().all(|t| t.to_lowercase().contains(&word.to_lowercase())), "{found:?}");
    let online = staff.get("/admin/sessions?campus=online").await.body;
    let places: Vec<String> = Html::parse_document(&online)
        .select(&Selector::parse(".roster-entry").unwrap())
        .map(|li| li.text().collect::<String>())
        .collect();
    assert!(!places.is_empty() && places.iter().all(|p| p.contains("Online")), "{places:?}");
    let none = titles(&staff.get("/admin/sessions?from=2099-01-01&to=2099-01-31").await.body);
    assert!(none.is_empty(), "{none:?}");
    let mut learner = person(&app, Role::Learner, 2).await;
    assert_eq!(learner.get("/admin/sessions").await.status, 403);
}
