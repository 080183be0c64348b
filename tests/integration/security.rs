//! Regression tests for the defects an outside security test found: each
//! one failed before its fix. They run on SQLite and PostgreSQL alike.

use crate::helpers::{TestApp, TestResponse};
use crate::visitor::{Visitor, count, last_mail_to, link_in, mails_to};
use axum::{
    body::Body,
    extract::ConnectInfo,
    http::{Request, header},
};
use lyceum::server::session_store::DbSessionStore;
use scraper::{Html, Selector};
use std::net::{IpAddr, SocketAddr};
use tower_sessions::{SessionStore, session::Record};

const PASSWORD: &str = "correct horse battery staple";

/// Text that, written into a page unescaped anywhere, makes markup of its
/// own: it closes every element that holds raw text, opens one of its own,
/// adds attributes and a refresh to another site.
const HOSTILE: &str = r#"</title></textarea></script><lyceum-xss data-xss="1">"'><img src=x onerror=alert(1)><meta http-equiv="refresh" content="0;url=https://evil.test/">&amp;"#;

/// Everything in `html` that the page did not mean to be there: the
/// hostile text's own element and attributes, any event handler, a
/// refresh, or a script without the page's nonce.
fn intruders(page: &TestResponse) -> Vec<String> {
    let policy = page.header("content-security-policy").unwrap_or_default();
    let document = Html::parse_document(&page.body);
    let mut found = Vec::new();
    for element in document.select(&Selector::parse("*").unwrap()) {
        let tag = element.value().name();
        // The site's own pictures are of its subjects, from its own files.
        let ours = tag == "img" && element.value().attr("src").is_some_and(|src| src.starts_with("/subjects/"));
        if tag == "lyceum-xss" || (tag == "img" && !ours) {
            found.push(format!("element <{tag}>"));
        }
        for (name, value) in element.value().attrs() {
            if name == "data-xss" || name.starts_with("on") {
                found.push(format!("attribute {name} on <{tag}>"));
            }
            if tag == "meta" && name == "http-equiv" {
                found.push(format!("<meta http-equiv={value}>"));
            }
        }
        // Structured data is not run; anything else must carry the
        // page's nonce (a page with a session) or be allowed by its hash
        // (an anonymous page, which shared caches keep).
        let data = element.value().attr("type") == Some("application/ld+json");
        if tag == "script" && !data {
            let nonce = element.value().attr("nonce").is_some_and(|n| policy.contains(&format!("'nonce-{n}'")));
            let text = element.text().collect::<String>();
            use base64::Engine;
            use sha2::Digest;
            let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(text.as_bytes()));
            if !nonce && !policy.contains(&format!("'sha256-{hash}'")) {
                found.push("a script the page's policy does not allow".into());
            }
        }
    }
    found
}

fn title_of(html: &str) -> String {
    let document = Html::parse_document(html);
    document.select(&Selector::parse("title").unwrap()).map(|t| t.text().collect::<String>()).collect()
}

fn text_of(html: &str, selector: &str) -> Vec<String> {
    let document = Html::parse_document(html);
    document.select(&Selector::parse(selector).unwrap()).map(|e| e.text().collect::<String>()).collect()
}

#[tokio::test]
async fn hostile_text_never_becomes_markup_on_any_page() {
    let app = TestApp::demo().await;
    // Course text, as staff will type it.
    let slug: String = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT slug FROM courses ORDER BY id LIMIT 1").fetch_one(pool).await.unwrap()
    });
    lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query("UPDATE courses SET title = $1, summary = $1, description = $1, outcomes = $1 WHERE slug = $2")
            .bind(format!("Hacking {HOSTILE}"))
            .bind(&slug)
            .execute(pool)
            .await
            .map(|_| ())
            .unwrap()
    });
    // A person's own fields.
    let mut ann = Visitor::new(&app);
    let name = format!("Ann {}", &HOSTILE[..80]);
    ann.sign_up_and_log_in(&name, "ann@example.com", PASSWORD).await;
    let res = ann
        .call(
            "account/profile/save",
            &[
                ("name", &name),
                ("phone", ""),
                ("company", &HOSTILE[..110]),
                ("job_title", &HOSTILE[..110]),
                ("bio", HOSTILE),
            ],
        )
        .await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    // A place in a session of the hostile course, for her list of courses.
    let session: i64 = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar(
            "SELECT s.id FROM course_sessions s JOIN courses c ON c.id = s.course_id
             WHERE c.slug = $1 AND s.status = 'scheduled' AND s.starts_at > $2 ORDER BY s.starts_at LIMIT 1",
        )
        .bind(&slug)
        .bind(chrono::Utc::now())
        .fetch_one(pool)
        .await
        .unwrap()
    });
    let client = lyceum::server::accounts::Client::default();
    let user = app.state.accounts.login("ann@example.com", PASSWORD, &client).await.unwrap();
    app.state.enrolments.enrol(&user, user.id, session).await.unwrap();

    let search = format!("/courses?q={}", urlencode(HOSTILE));
    let mut pages = vec![
        "/".to_string(),
        "/courses".to_string(),
        format!("/courses/{slug}"),
        "/account".to_string(),
        "/account/profile".to_string(),
        "/account/settings".to_string(),
        "/account/security".to_string(),
        "/account/data".to_string(),
        format!("/no-such-page/{}", urlencode(HOSTILE)),
        "/login".to_string(),
    ];
    pages.push(search.clone());
    for page in &pages {
        for visitor in [&mut ann, &mut Visitor::new(&app)] {
            let res = visitor.get(page).await;
            assert!(res.status < 500, "{page}: {}", res.status);
            assert_eq!(intruders(&res), Vec::<String>::new(), "{page}");
        }
    }

    // The text arrives whole and escaped once: a framework that starts
    // escaping these sinks itself would show "&amp;lt;" here.
    let anonymous = app.get(&search).await;
    assert!(title_of(&anonymous.body).contains(HOSTILE), "{}", title_of(&anonymous.body));
    let course = app.get(&format!("/courses/{slug}")).await;
    assert!(title_of(&course.body).starts_with(&format!("Hacking {HOSTILE}")), "{}", title_of(&course.body));
    let courses = ann.get("/account").await;
    assert_eq!(text_of(&courses.body, "li.enrolment h3"), [format!("Hacking {HOSTILE}")], "the course's title, whole");
    let profile = ann.get("/account/profile").await;
    assert_eq!(text_of(&profile.body, "textarea"), [HOSTILE], "the bio comes back as typed");
    let description = Html::parse_document(&course.body)
        .select(&Selector::parse(r#"meta[name="description"]"#).unwrap())
        .filter_map(|m| m.value().attr("content").map(str::to_string))
        .collect::<Vec<_>>();
    assert!(description.iter().all(|d| d.contains(HOSTILE) || !d.contains("lyceum-xss")), "{description:?}");
}

fn urlencode(text: &str) -> String {
    crate::visitor::form_body(&[("x", text)])[2..].to_string()
}

#[tokio::test]
async fn a_reset_link_dies_when_the_password_changes() {
    let app = TestApp::demo().await;
    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ann Borg", "ann@example.com", PASSWORD).await;
    let res = Visitor::new(&app).call("account/forgot-password", &[("email", "ann@example.com")]).await;
    assert!(res.status < 400, "{}", res.body);
    let link = link_in(&last_mail_to(&app, "ann@example.com").await.text, "/reset-password?token=");
    let token = link.split("token=").nth(1).unwrap().to_string();

    let new_password = "a brand new passphrase";
    let res = ann.call("account/password", &[("current_password", PASSWORD), ("new_password", new_password)]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    let res = Visitor::new(&app)
        .call("account/reset-password", &[("token", &token), ("new_password", "the attacker's passphrase")])
        .await;
    assert_eq!(res.status, 410, "the link was issued for the old password: {}", res.body);
    let res =
        Visitor::new(&app).call("account/login", &[("email", "ann@example.com"), ("password", new_password)]).await;
    assert!(res.status < 400, "the new password still works: {}", res.body);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM user_tokens WHERE purpose = 'reset-password' AND used_at IS NULL").await,
        0,
        "no live reset link is left"
    );
}

#[tokio::test]
async fn an_ended_session_is_not_written_back_by_a_request_still_running() {
    let app = TestApp::empty().await;
    let store = DbSessionStore::new(app.state.db.clone());
    let mut record = Record {
        id: Default::default(),
        data: [("seen".to_string(), serde_json::json!(1))].into_iter().collect(),
        expiry_date: time::OffsetDateTime::now_utc() + time::Duration::hours(1),
    };
    store.create(&mut record).await.unwrap();
    assert!(store.load(&record.id).await.unwrap().is_some());
    // The session is ended (another device, a password change) while a
    // request that loaded it is still running; that request then saves.
    store.delete(&record.id).await.unwrap();
    record.data.insert("seen".into(), serde_json::json!(12345));
    store.save(&record).await.unwrap();
    assert!(store.load(&record.id).await.unwrap().is_none(), "the ended session stays ended");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sessions").await, 0);
}

#[tokio::test]
async fn the_queue_and_the_mailbox_hold_no_live_link_and_forget_a_deleted_person() {
    let app = TestApp::demo().await;
    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ann Borg", "ann@example.com", PASSWORD).await;
    Visitor::new(&app).call("account/forgot-password", &[("email", "ann@example.com")]).await;
    let reset = mails_to(&app, "ann@example.com").await.pop().unwrap();
    let token = link_in(&reset.text, "/reset-password?token=").split("token=").nth(1).unwrap().to_string();

    // Queued: only a sealed message and the account's id.
    let payloads = all_payloads(&app).await;
    assert!(payloads.len() >= 2, "{payloads:?}");
    for payload in &payloads {
        for clear in [token.as_str(), "ann@example.com", "Ann Borg", "reset-password"] {
            assert!(!payload.contains(clear), "{clear:?} in a queued payload: {payload}");
        }
    }
    // Sent: the job keeps nothing of the message at all.
    let worker = crate::jobs::worker(&app.state.db, app.job_registry(lyceum::server::mail::Mailer::Mailbox));
    worker.run_until_idle().await;
    assert!(all_payloads(&app).await.iter().all(|p| p == "{}"), "{:?}", all_payloads(&app).await);
    assert!(count(&app, "SELECT COUNT(*) FROM mailbox WHERE recipient = 'ann@example.com'").await >= 2);

    // Mail still queued when the account is deleted is never sent, and the
    // person is gone from every table that held them.
    Visitor::new(&app).call("account/forgot-password", &[("email", "ann@example.com")]).await;
    crate::visitor::run_notices(&app).await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM jobs WHERE status = 'queued'").await, 1, "the reset mail");
    let res = ann.call("account/delete", &[("password", PASSWORD)]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM jobs WHERE status = 'queued'").await, 0);
    assert_eq!(worker.run_until_idle().await, 0);
    for (table, column) in
        [("mailbox", "recipient"), ("mailbox", "text_body"), ("users", "email"), ("users", "name"), ("jobs", "payload")]
    {
        let sql = format!(
            "SELECT COUNT(*) FROM {table} WHERE {column} LIKE '%ann@example.com%' OR {column} LIKE '%Ann Borg%'"
        );
        assert_eq!(count(&app, &sql).await, 0, "{table}.{column}");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE ip <> '' OR user_agent <> ''").await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM login_throttle").await, 0);
}

async fn all_payloads(app: &TestApp) -> Vec<String> {
    lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT payload FROM jobs ORDER BY id").fetch_all(pool).await.unwrap()
    })
}

/// A server function called with a body of the caller's choosing.
async fn raw_call(app: &TestApp, endpoint: &str, content_type: &str, body: Body) -> TestResponse {
    let request = Request::post(format!("/rpc/{endpoint}"))
        .header(header::ORIGIN, crate::visitor::ORIGIN)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::ACCEPT, "application/json")
        .body(body)
        .unwrap();
    app.request(request).await
}

/// A 4xx that quotes no parser and no internals.
fn assert_clear_refusal(res: &TestResponse, what: &str) {
    assert!((400..500).contains(&res.status), "{what}: {} {}", res.status, res.body);
    assert!(res.body.len() < 300, "{what}: a short answer: {}", res.body);
    for internal in
        ["serde", "expected", "missing field", "duplicate", "utf-8", "UTF-8", "sqlx", "invalid type", "Error"]
    {
        assert!(!res.body.contains(internal), "{what}: {internal:?} in {}", res.body);
    }
}

#[tokio::test]
async fn malformed_requests_get_a_clear_4xx_and_store_nothing() {
    let app = TestApp::demo().await;
    let form = "application/x-www-form-urlencoded";
    let cases: Vec<(&str, &str, Body)> = vec![
        ("invalid UTF-8", form, Body::from(&b"name=\xff\xfe&email=a%40b.test&password=correct+horse+battery"[..])),
        ("JSON for a form", "application/json", Body::from(r#"{"name":"A","email":"a@b.test","password":"x"}"#)),
        (
            "multipart for a form",
            "multipart/form-data; boundary=XyZ",
            Body::from("--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nA\r\n--XyZ--\r\n"),
        ),
        ("a missing field", form, Body::from("name=Ann&email=a%40b.test")),
        ("a repeated field", form, Body::from("name=Ann&name=Bob&email=a%40b.test&password=correct+horse+battery")),
        ("deep nesting", form, Body::from(format!("name{}=x&email=a%40b.test&password=p", "[a]".repeat(500)))),
        ("a NUL character", form, Body::from("name=Ann&email=ann%00%40b.test&password=correct+horse+battery")),
        ("no body at all", form, Body::empty()),
    ];
    for (what, content_type, body) in cases {
        let res = raw_call(&app, "account/signup", content_type, body).await;
        assert_clear_refusal(&res, what);
    }
    let res =
        raw_call(&app, "account/login", form, Body::from("email=ann%00%40b.test&password=correct+horse+battery")).await;
    assert_clear_refusal(&res, "NUL in the login e-mail");

    // Over the limit: declared, and streamed without a length.
    let big = "a".repeat(200 * 1024);
    let res = raw_call(&app, "account/signup", form, Body::from(format!("name={big}"))).await;
    assert_eq!(res.status, 413, "{}", res.body);
    let chunks = futures::stream::iter((0..50).map(|_| Ok::<_, std::io::Error>(vec![b'a'; 8 * 1024])));
    let res = raw_call(&app, "account/signup", form, Body::from_stream(chunks)).await;
    assert_eq!(res.status, 413, "{}", res.body);

    // NUL through the address of a page, and to a signed-in function.
    for page in ["/reset-password?token=abc%00def", "/verify-email?token=abc%00def"] {
        let res = app.get(page).await;
        assert!(res.status < 500, "{page}: {}", res.status);
        assert!(!res.body.contains("Something went wrong"), "{page}: refused as any bad link is");
    }
    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ann Borg", "ann@example.com", PASSWORD).await;
    let res = ann.call("account/sessions/end", &[("handle", "abc\0def")]).await;
    assert_clear_refusal(&res, "NUL in a session handle");
    let res = ann.call("account/settings/save", &[("notify_reminders", "on"), ("reminder_hours", "24\0")]).await;
    assert_clear_refusal(&res, "NUL in a setting");

    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM users WHERE email NOT LIKE '%@learners.lyceum.example'").await,
        1,
        "only Ann, who signed up properly"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_wrong_passwords_are_checked_no_more_often_than_the_lockout_allows() {
    let app = TestApp::demo().await;
    Visitor::new(&app).sign_up_and_log_in("Ann Borg", "ann@example.com", PASSWORD).await;
    let attempts = (0..20u8).map(|n| {
        let app = &app;
        async move {
            let ip = IpAddr::from([198, 51, 100, n + 1]);
            let mut visitor = Visitor::from_ip(app, ip);
            visitor.call("account/login", &[("email", "ann@example.com"), ("password", "a wrong guess")]).await.status
        }
    });
    let statuses = futures::future::join_all(attempts).await;
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((checked, refused), (5, 15), "{statuses:?}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE event = 'login_failed'").await, 5);
}

#[tokio::test]
async fn pages_rendered_for_a_signed_in_person_are_never_cached() {
    let app = TestApp::demo().await;
    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ann Borg", "ann@example.com", PASSWORD).await;
    for page in ["/", "/courses", "/account/profile", "/no-such-page"] {
        let res = ann.get(page).await;
        assert!(res.body.contains("ann@example.com") || res.status == 404 || page == "/account/profile", "{page}");
        let cache = res.header("cache-control").unwrap_or_default();
        assert!(cache.contains("private") || cache.contains("no-store"), "{page}: {cache:?}");
        assert!(cache.contains("no-store"), "{page}: {cache:?}");
    }
    let anonymous = Visitor::new(&app).get("/courses").await;
    assert!(!anonymous.header("cache-control").unwrap_or_default().contains("private"));
}

#[tokio::test]
async fn request_ids_are_plain_tokens_and_error_pages_quote_them() {
    let app = TestApp::demo().await;
    let get = |uri: &str, id: &str| Request::get(uri).header("x-request-id", id).body(Body::empty()).unwrap();
    let with_id = |id: &str| get("/courses", id);
    let res = app.request(with_id("lb-7f3a.42_x")).await;
    assert_eq!(res.header("x-request-id"), Some("lb-7f3a.42_x"), "a plain id from the proxy is kept");
    let forged = r#"x" level=ERROR msg="admin logged in"#;
    let res = app.request(with_id(forged)).await;
    let id = res.header("x-request-id").unwrap();
    assert_ne!(id, forged);
    assert_eq!(id.len(), 36, "a fresh id in its place: {id}");

    // A failure on our side (a table gone): the page says so and gives
    // the id to quote.
    lyceum::server::db::with_pool!(&app.state.db, |pool| sqlx::query("ALTER TABLE courses RENAME TO courses_gone")
        .execute(pool)
        .await
        .map(|_| ())
        .unwrap());
    app.state.catalogue.invalidate();
    let res = app.request(get("/courses/aws-cloud-practitioner", "ref-1234")).await;
    assert_eq!(res.status, 500, "{}", res.body);
    assert!(res.body.contains("quote this reference: ref-1234"), "{}", res.body);
    for internal in ["courses_gone", "no such table", "does not exist", "relation"] {
        assert!(!res.body.contains(internal), "no internals ({internal}): {}", res.body);
    }
}

/// A request from `peer` carrying `X-Forwarded-For: forwarded`.
fn via(peer: [u8; 4], forwarded: &str, uri: &str, body: String) -> Request<Body> {
    let mut request = Request::post(uri)
        .header(header::ORIGIN, crate::visitor::ORIGIN)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header("x-forwarded-for", forwarded)
        .body(Body::from(body))
        .unwrap();
    request.extensions_mut().insert(ConnectInfo(SocketAddr::from((peer, 40_000))));
    request
}

fn signup(n: usize) -> String {
    crate::visitor::form_body(&[("name", "Ann"), ("email", &format!("ann{n}@example.com")), ("password", PASSWORD)])
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_visitor_has_their_own_address_and_limits() {
    let app = TestApp::with_settings(&[("LYCEUM_TRUSTED_PROXIES", "10.0.0.0/8")]).await;
    let balancer = [10, 0, 0, 5];
    // Ten sign-ups an hour per client: the eleventh from one visitor waits...
    for n in 0..10 {
        let res = app.request(via(balancer, "6.6.6.6, 198.51.100.7", "/rpc/account/signup", signup(n))).await;
        assert!(res.status < 400, "{n}: {} {}", res.status, res.body);
    }
    let res = app.request(via(balancer, "198.51.100.7", "/rpc/account/signup", signup(10))).await;
    assert_eq!(res.status, 429, "{}", res.body);
    assert!(res.header("retry-after").is_some());
    // ...but not everyone else behind the same balancer.
    let res = app.request(via(balancer, "198.51.100.8", "/rpc/account/signup", signup(11))).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    let ips: Vec<String> = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT DISTINCT ip FROM audit_log ORDER BY ip").fetch_all(pool).await.unwrap()
    });
    assert_eq!(ips, ["198.51.100.7", "198.51.100.8"], "the audit trail names the visitors, not the balancer");

    // Without trusted proxies no header is believed: a forged one changes nothing.
    let app = TestApp::empty().await;
    for n in 0..10 {
        let res = app.request(via([203, 0, 113, 9], &format!("192.0.2.{n}"), "/rpc/account/signup", signup(n))).await;
        assert!(res.status < 400, "{n}: {}", res.body);
    }
    let res = app.request(via([203, 0, 113, 9], "192.0.2.200", "/rpc/account/signup", signup(10))).await;
    assert_eq!(res.status, 429, "a forged X-Forwarded-For does not reset the limit: {}", res.body);
}

#[tokio::test]
async fn limits_hold_across_instances_and_restarts() {
    // Limits are kept under keyed hashes: the instances share the secret,
    // as a deployment's do.
    let first = TestApp::with_settings(&[("LYCEUM_SECRET", crate::helpers::PROCESS_SECRET)]).await;
    let second = first.sibling().await;
    let peer = [203, 0, 113, 9];
    for n in 0..10 {
        let app = if n % 2 == 0 { &first } else { &second };
        let res = app.request(via(peer, "", "/rpc/account/signup", signup(n))).await;
        assert!(res.status < 400, "{n}: {}", res.body);
    }
    for app in [&first, &second] {
        let res = app.request(via(peer, "", "/rpc/account/signup", signup(99))).await;
        assert_eq!(res.status, 429, "ten sign-ups in all, whichever instance took them: {}", res.body);
    }
    // A restart (a new process on the same database) remembers.
    let restarted = first.sibling().await;
    let res = restarted.request(via(peer, "", "/rpc/account/signup", signup(99))).await;
    assert_eq!(res.status, 429, "{}", res.body);
    assert_eq!(count(&first, "SELECT COUNT(*) FROM users WHERE email NOT LIKE '%@learners.lyceum.example'").await, 10);
}

#[tokio::test]
async fn the_development_mailbox_answers_only_this_machine() {
    let app = TestApp::empty().await;
    let get = |peer: [u8; 4], forwarded: Option<&str>| {
        let mut request = Request::get("/dev/mailbox");
        if let Some(forwarded) = forwarded {
            request = request.header("x-forwarded-for", forwarded);
        }
        let mut request = request.body(Body::empty()).unwrap();
        request.extensions_mut().insert(ConnectInfo(SocketAddr::from((peer, 40_000))));
        app.request(request)
    };
    assert_eq!(get([127, 0, 0, 1], None).await.status, 200);
    assert_eq!(get([192, 0, 2, 10], None).await.status, 404, "another machine");
    assert_eq!(get([127, 0, 0, 1], Some("192.0.2.10")).await.status, 404, "through a proxy on this machine");
}

#[tokio::test]
async fn the_development_mailbox_believes_no_proxy_header_and_no_foreign_host() {
    let app = TestApp::empty().await;
    let db = &app.state.db;
    lyceum::server::mail::queue_db(db, app.state.accounts.keys(), None, &crate::jobs::mail_to(1)).await.unwrap();
    app.run_jobs(&[]).await;
    let from_here = |headers: &[(&str, &str)]| {
        let mut request = Request::get("/dev/mailbox");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        app.request(request.body(Body::empty()).unwrap())
    };

    // A browser on this machine, by any loopback name.
    for host in ["localhost", "localhost:3000", "127.0.0.1:3000", "[::1]:3000", "[::1]"] {
        let res = from_here(&[("host", host)]).await;
        assert_eq!(res.status, 200, "{host}");
        assert!(res.body.contains("Message 1"), "{host}: the mail is shown");
    }

    // Through a proxy on this machine, or to a name that is not this
    // machine's (a page elsewhere rebinding its name to 127.0.0.1).
    let refused: &[(&str, &str)] = &[
        ("x-real-ip", "127.0.0.1"),
        ("via", "1.1 proxy.academy.test"),
        ("x-forwarded-host", "localhost"),
        ("x-forwarded-proto", "http"),
        ("forwarded", "for=127.0.0.1"),
        ("x-forwarded-for", "127.0.0.1"),
        ("host", "evil.test"),
        ("host", "localhost.evil.test:3000"),
        ("host", "192.0.2.10:3000"),
    ];
    for &(name, value) in refused {
        // Each header alone: a proxy header comes with a loopback Host.
        let headers =
            if name == "host" { vec![(name, value)] } else { vec![("host", "localhost:3000"), (name, value)] };
        let res = from_here(&headers).await;
        assert_eq!(res.status, 404, "{name}: {value}");
        assert!(!res.body.contains("Message 1"), "{name}: {value}: no mail is shown");
        let mut rpc = Request::post("/rpc/dev/mailbox")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .header(header::ORIGIN, crate::visitor::ORIGIN);
        for (name, value) in &headers {
            rpc = rpc.header(*name, *value);
        }
        let res = app.request(rpc.body(Body::empty()).unwrap()).await;
        assert_eq!(res.status, 404, "the server function, {name}: {value}: {}", res.body);
        assert!(!res.body.contains("Message 1"));
    }
}

/// A server function called with a body declared as `content_type` (or
/// not declared at all), by the browser holding `cookie`.
async fn call_as(
    app: &TestApp,
    endpoint: &str,
    content_type: Option<&str>,
    body: String,
    cookie: Option<&str>,
) -> TestResponse {
    let mut request = Request::post(format!("/rpc/{endpoint}"))
        .header(header::ORIGIN, crate::visitor::ORIGIN)
        .header(header::ACCEPT, "application/json");
    if let Some(content_type) = content_type {
        request = request.header(header::CONTENT_TYPE, content_type);
    }
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let mut request = request.body(Body::from(body)).unwrap();
    request.extensions_mut().insert(ConnectInfo(SocketAddr::from(([192, 0, 2, 10], 40_000))));
    app.request(request).await
}

/// The same fields in every way a body can arrive, with what each must get:
/// a type Lyceum does not read is 415 (server functions would decode it as
/// a form all the same); a form under any spelling of its type, or JSON,
/// holding a NUL is 400.
fn nul_bodies(fields: &[(&str, &str)]) -> Vec<(&'static str, Option<&'static str>, String, u16)> {
    let form = crate::visitor::form_body(fields);
    let json = serde_json::Value::Object(
        fields.iter().map(|(name, value)| (name.to_string(), serde_json::Value::from(*value))).collect(),
    )
    .to_string();
    assert!(form.contains("%00") && json.contains("\\u0000"), "{form} {json}");
    vec![
        ("text/plain", Some("text/plain;charset=UTF-8"), form.clone(), 415),
        ("no content type", None, form.clone(), 415),
        ("upper-case form type", Some("APPLICATION/X-WWW-FORM-URLENCODED"), form.clone(), 400),
        ("multipart", Some("multipart/form-data; boundary=XyZ"), form.clone(), 415),
        ("JSON with \\u0000", Some("application/json"), json, 400),
        (
            "JSON that is also a form",
            Some("application/json"),
            serde_json::to_string(&format!("&{form}")).unwrap(),
            400,
        ),
    ]
}

#[tokio::test]
async fn a_nul_under_any_content_type_is_refused_and_stores_nothing() {
    let app = TestApp::demo().await;
    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ann Borg", "ann@example.com", PASSWORD).await;
    let cookie = ann.cookie().expect("signed in");
    let sessions = count(&app, "SELECT COUNT(*) FROM sessions").await;
    let audited = count(&app, "SELECT COUNT(*) FROM audit_log").await;

    let login = nul_bodies(&[("email", "ann\0@example.com"), ("password", PASSWORD)]);
    let settings = nul_bodies(&[("notify_reminders", "on\0"), ("reminder_hours", "48")]);
    let end = nul_bodies(&[("handle", "abc\0def")]);
    for (endpoint, bodies, cookie) in [
        ("account/login", login, None),
        ("account/settings/save", settings, Some(&cookie)),
        ("account/sessions/end", end, Some(&cookie)),
    ] {
        for (what, content_type, body, status) in bodies {
            let res = call_as(&app, endpoint, content_type, body, cookie.map(String::as_str)).await;
            assert_eq!(res.status, status, "{endpoint}, {what}: {}", res.body);
            assert_clear_refusal(&res, &format!("{endpoint}, {what}"));
        }
    }

    assert_eq!(count(&app, "SELECT COUNT(*) FROM sessions").await, sessions, "no session begun or ended");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log").await, audited, "nothing happened to audit");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM users WHERE email = 'ann@example.com' AND reminder_hours = 24").await,
        1,
        "the settings are as they were"
    );

    // A sound form under its type in capitals, with parameters, still works.
    let form = crate::visitor::form_body(&[("email", "ann@example.com"), ("password", PASSWORD)]);
    let res =
        call_as(&app, "account/login", Some("Application/X-WWW-Form-URLEncoded; Charset=UTF-8"), form, None).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    // And an empty body needs no type at all (a call without arguments).
    let res = call_as(&app, "account/logout", None, String::new(), Some(&cookie)).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
}
