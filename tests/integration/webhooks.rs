//! Webhooks end to end: changes write their events in their own
//! transaction, the job queue delivers them to a receiver on loopback that
//! verifies every delivery with the `standardwebhooks` library (PyPI), a
//! failed attempt is retried with the same `webhook-id`, a worker that dies
//! mid-delivery leaves one event and a repeat, private addresses are never
//! reached, an endpoint failing for a day is disabled and staff told, the
//! back office manages endpoints, and a deleted account's data leaves
//! every queued delivery.

use crate::back_office::person;
use crate::enrolment::{people, set, two_sessions};
use crate::helpers::TestApp;
use crate::privacy::holding;
use crate::visitor::count;
use lyceum::model::account::{Role, User};
use lyceum::model::webhook::EventType;
use lyceum::server::audit::Actor;
use lyceum::server::client::Client;
use lyceum::server::error::Error;
use lyceum::server::webhooks::{EndpointForm, client, events::DELIVER};
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The receiver in `tests/support/webhook_receiver.py`, stopped when dropped.
struct Receiver {
    child: Child,
    port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Receiver {
    /// Verifies with each of `secrets`; answers 500 to the first `fail`
    /// requests; holds the first one for `delay_first` seconds.
    async fn start(secrets: &[&str], fail: u32, delay_first: f64) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (log, port_file) = (dir.path().join("log.jsonl"), dir.path().join("port"));
        let python = std::env::var("LYCEUM_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
        let mut command = Command::new(python);
        command
            .arg(format!("{}/tests/support/webhook_receiver.py", env!("CARGO_MANIFEST_DIR")))
            .arg(&log)
            .arg(&port_file)
            .args(["--fail", &fail.to_string(), "--delay-first", &delay_first.to_string()]);
        for secret in secrets {
            command.args(["--secret", secret]);
        }
        let child = command.spawn().expect("the webhook receiver starts (scripts/test installs standardwebhooks)");
        for _ in 0..200 {
            if let Ok(text) = std::fs::read_to_string(&port_file) {
                let port = text.trim().parse().unwrap();
                return Self { child, port, log, _dir: dir };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the webhook receiver did not start within 10 s");
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks/lyceum?from=lyceum", self.port)
    }

    /// Every request received so far, in order.
    fn requests(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    async fn wait_for(&self, n: usize) -> Vec<Value> {
        for _ in 0..200 {
            let requests = self.requests();
            if requests.len() >= n {
                return requests;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the receiver got {} requests, not {n}", self.requests().len());
    }

    /// Sends `body` with `headers` to the receiver, as anyone on the
    /// network could; the status it answers.
    async fn post_raw(&self, headers: &Value, body: &str) -> u16 {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.unwrap();
        let mut request =
            format!("POST /hooks/lyceum HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: {}\r\n", body.len());
        for (name, value) in headers.as_object().unwrap() {
            if name.starts_with("webhook-") || name == "content-type" {
                request.push_str(&format!("{name}: {}\r\n", value.as_str().unwrap()));
            }
        }
        request.push_str("connection: close\r\n\r\n");
        request.push_str(body);
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        answer.split(' ').nth(1).unwrap().parse().unwrap()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The demo academy, delivering to loopback (the development setting).
async fn loopback_app() -> TestApp {
    TestApp::demo_with(&[("LYCEUM_WEBHOOKS_ALLOW_LOOPBACK", "true")]).await
}

fn actor<'a>(user: &'a User, client: &'a Client) -> Actor<'a> {
    Actor { user, client }
}

/// Registers an endpoint at `url` for `events`; its id and secret.
async fn register(app: &TestApp, staff: &User, url: &str, events: &[EventType]) -> (i64, String) {
    let form = EndpointForm {
        url: url.into(),
        description: "The partner's CRM".into(),
        events: events.iter().map(|e| e.as_str().to_string()).collect(),
    };
    app.state.webhooks.create(actor(staff, &Client::default()), &form).await.unwrap()
}

/// Points endpoint `id` at `url`, keeping its events.
async fn point(app: &TestApp, staff: &User, id: i64, url: &str) {
    let view = app.state.webhooks.endpoint(staff, id, None).await.unwrap();
    let form = EndpointForm { url: url.into(), description: view.description, events: view.events };
    app.state.webhooks.update(actor(staff, &Client::default()), id, view.version, &form).await.unwrap();
}

/// Runs the delivery jobs until none is left queued, bringing each retry
/// forward to now instead of waiting for it (at most `rounds` times).
async fn deliver(app: &TestApp, rounds: usize) {
    for _ in 0..rounds {
        app.run_jobs(&[DELIVER]).await;
        let waiting = format!("SELECT COUNT(*) FROM jobs WHERE kind = '{DELIVER}' AND status = 'queued'");
        if count(app, &waiting).await == 0 {
            return;
        }
        let now = lyceum::server::jobs::queue::now();
        let mut sql = lyceum::server::sql::Sql::new("UPDATE jobs SET run_at = ");
        sql.bind(lyceum::server::sql::Arg::Time(now)).push(&format!(" WHERE kind = '{DELIVER}' AND status = 'queued'"));
        sql.execute(&app.state.db).await.unwrap();
    }
}

/// Every event body written so far, checked against its event's schema
/// in the OpenAPI document's `webhooks` by jsonschema (PyPI); how many of
/// each type were checked.
async fn bodies_match_the_document(app: &TestApp) -> std::collections::BTreeMap<String, u64> {
    let bodies: Vec<String> =
        lyceum::with_pool!(&app.state.db, |pool| sqlx::query_scalar("SELECT payload FROM webhook_events ORDER BY id")
            .fetch_all(pool)
            .await
            .unwrap());
    let dir = tempfile::tempdir().unwrap();
    let (document, lines) = (dir.path().join("openapi.json"), dir.path().join("bodies.jsonl"));
    std::fs::write(&document, app.get("/api/v1/openapi.json").await.body).unwrap();
    std::fs::write(&lines, bodies.join("\n")).unwrap();
    let args = [document.to_str().unwrap(), "--bodies", lines.to_str().unwrap()];
    let checked = crate::helpers::python_check("check_openapi.py", &args).unwrap_or_else(|e| panic!("{e}"));
    let documented: Vec<&str> = checked["webhooks"].as_array().unwrap().iter().map(|w| w.as_str().unwrap()).collect();
    assert_eq!(documented.len(), EventType::ALL.len(), "every event type is documented: {documented:?}");
    serde_json::from_value(checked["bodies"].clone()).unwrap()
}

fn body_of(request: &Value) -> Value {
    serde_json::from_str(request["body"].as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn deliveries_are_signed_retried_and_verified_by_a_standard_webhooks_receiver() {
    let app = loopback_app().await;
    let (_, first, second) = two_sessions(&app, (1, 3)).await;
    let staff = people(&app, "staff", 1, Role::Staff).await.remove(0);
    let learners = people(&app, "ann", 3, Role::Learner).await;
    let (id, secret) = register(&app, &staff, "http://127.0.0.1:9/not-yet", &EventType::ALL).await;
    assert!(secret.starts_with("whsec_"));
    // Only sealed in the database.
    assert_eq!(holding(&app, &secret).await, Vec::new());
    let receiver = Receiver::start(&[&secret], 1, 0.0).await;
    point(&app, &staff, id, &receiver.url()).await;

    let enrolments = &app.state.enrolments;
    let seat = enrolments.enrol(&learners[0], learners[0].id, first).await.unwrap();
    let waiting = enrolments.enrol(&learners[1], learners[1].id, first).await.unwrap();
    // A refused change writes no event: it is written in the change's own transaction.
    let events = || count(&app, "SELECT COUNT(*) FROM webhook_events");
    assert_eq!(events().await, 2);
    assert!(enrolments.enrol(&learners[0], learners[0].id, first).await.is_err());
    assert_eq!(events().await, 2);

    deliver(&app, 5).await;
    let got = receiver.wait_for(3).await;
    assert_eq!(got.len(), 3, "{got:#?}");
    assert!(got.iter().all(|r| r["verified_with"] == serde_json::json!([0])), "every delivery verifies: {got:#?}");
    // The first was answered 500 and came again, with the same webhook-id.
    assert_eq!(got[0]["status"], 500);
    let again: Vec<&Value> =
        got[1..].iter().filter(|r| r["headers"]["webhook-id"] == got[0]["headers"]["webhook-id"]).collect();
    assert_eq!(again.len(), 1, "one repeat of the failed delivery: {got:#?}");
    assert!(got[1..].iter().all(|r| r["status"] == 204 && r["processed"] == true));
    assert_eq!(got[0]["path"], "/hooks/lyceum?from=lyceum");
    assert_eq!(got[0]["headers"]["content-type"], "application/json");

    // What the events say.
    let by_type = |kind: &str| got.iter().rev().find(|r| body_of(r)["type"] == kind).map(body_of).unwrap();
    let confirmed = by_type("enrollment.confirmed");
    assert_eq!(confirmed["data"]["enrollment"]["id"], seat.id);
    assert_eq!(confirmed["data"]["enrollment"]["status"], "confirmed");
    assert_eq!(confirmed["data"]["session"]["id"], first);
    assert_eq!(confirmed["data"]["learner"]["email"], learners[0].email.as_str());
    chrono::DateTime::parse_from_rfc3339(confirmed["timestamp"].as_str().unwrap()).expect("an RFC 3339 timestamp");
    let waitlisted = by_type("enrollment.waitlisted");
    assert_eq!(waitlisted["data"]["enrollment"]["id"], waiting.id);
    assert_eq!(waitlisted["data"]["enrollment"]["waitlist_position"], 1);
    let attempts = count(
        &app,
        &format!(
            "SELECT COUNT(*) FROM webhook_attempts WHERE delivery_id IN \
        (SELECT id FROM webhook_deliveries WHERE endpoint_id = {id})"
        ),
    )
    .await;
    assert_eq!(attempts, 3);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'delivered'").await, 2);

    // A replay is not processed twice; a tampered body, or a timestamp
    // made fresh, fails its signature.
    let accepted = got.iter().find(|r| r["processed"] == true).unwrap();
    let (headers, body) = (&accepted["headers"], accepted["body"].as_str().unwrap());
    assert_eq!(receiver.post_raw(headers, body).await, 200);
    assert_eq!(receiver.requests().last().unwrap()["processed"], false, "a replay is not processed again");
    let tampered = body.replacen("\"status\":\"", "\"status\":\"x", 1);
    assert_ne!(tampered, body);
    assert_eq!(receiver.post_raw(headers, &tampered).await, 400);
    let mut fresh = headers.clone();
    let later = chrono::Utc::now().timestamp() + 1;
    fresh["webhook-timestamp"] = Value::String(later.to_string());
    fresh["webhook-id"] = Value::String("msg_forged".into());
    assert_eq!(receiver.post_raw(&fresh, body).await, 400);

    // The seat is given up: the waiting learner is promoted. Then a seat
    // moves to the other date.
    enrolments.cancel(&learners[0], seat.id).await.unwrap();
    let moving = enrolments.enrol(&learners[2], learners[2].id, second).await.unwrap();
    enrolments.transfer(&learners[1], waiting.id, second).await.unwrap();
    deliver(&app, 5).await;
    let types: Vec<String> = receiver
        .requests()
        .iter()
        .filter(|r| r["processed"] == true)
        .map(|r| body_of(r)["type"].as_str().unwrap().to_string())
        .collect();
    for kind in ["enrollment.cancelled", "enrollment.promoted", "enrollment.moved"] {
        assert!(types.iter().any(|t| t == kind), "{kind} in {types:?}");
    }
    let moved = receiver.requests().iter().rev().map(body_of).find(|b| b["type"] == "enrollment.moved").unwrap();
    assert_eq!(moved["data"]["enrollment"]["moved_from"], waiting.id);
    assert_eq!(moved["data"]["session"]["id"], second);
    let _ = moving;

    // A rotation: both secrets sign until the previous one's overlap ends.
    let version = app.state.webhooks.endpoint(&staff, id, None).await.unwrap().version;
    let rotated = app.state.webhooks.rotate(actor(&staff, &Client::default()), id, version).await.unwrap();
    assert_ne!(rotated, secret);
    let both = Receiver::start(&[&secret, &rotated], 0, 0.0).await;
    point(&app, &staff, id, &both.url()).await;
    app.state.enrolments.cancel_session(&staff, second).await.unwrap();
    deliver(&app, 5).await;
    let got = both.wait_for(1).await;
    assert_eq!(got[0]["verified_with"], serde_json::json!([0, 1]), "{:#?}", got[0]);
    assert_eq!(got[0]["headers"]["webhook-signature"].as_str().unwrap().matches("v1,").count(), 2);
    assert_eq!(body_of(&got[0])["type"], "session.cancelled");
    assert_eq!(body_of(&got[0])["data"]["session"]["status"], "cancelled");

    // Every body sent is what the API's document says it is.
    let checked = bodies_match_the_document(&app).await;
    let kinds: Vec<&str> = checked.keys().map(String::as_str).collect();
    assert_eq!(
        kinds,
        [
            "enrollment.cancelled",
            "enrollment.confirmed",
            "enrollment.moved",
            "enrollment.promoted",
            "enrollment.waitlisted",
            "session.cancelled"
        ]
    );
}

#[tokio::test]
async fn certificate_events_carry_what_the_document_says() {
    let app = loopback_app().await;
    let staff = people(&app, "hooks", 1, Role::Staff).await.remove(0);
    register(&app, &staff, "http://127.0.0.1:9/", &[EventType::CertificateIssued, EventType::CertificateRevoked]).await;
    let (code, learner, staff) = crate::certificates::issued(&app).await;
    app.state.certificates.revoke(&staff, &code, "Issued in error").await.unwrap();
    let checked = bodies_match_the_document(&app).await;
    assert_eq!(checked.values().sum::<u64>(), 2, "{checked:?}");
    assert_eq!((checked.get("certificate.issued"), checked.get("certificate.revoked")), (Some(&1), Some(&1)));
    let revoked: String = lyceum::with_pool!(&app.state.db, |pool| sqlx::query_scalar(
        "SELECT payload FROM webhook_events WHERE event_type = 'certificate.revoked'"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    let revoked: Value = serde_json::from_str(&revoked).unwrap();
    assert_eq!(revoked["data"]["certificate"]["code"], code.as_str());
    assert_eq!(revoked["data"]["learner"]["id"], learner.id);
    assert!(revoked["data"]["certificate"]["revoked_at"].is_string());
}

#[tokio::test]
async fn a_worker_that_dies_mid_delivery_leaves_one_event_and_a_repeat_with_the_same_id() {
    use lyceum::server::jobs::worker::{Worker, WorkerConfig};
    let app = loopback_app().await;
    let (_, first, _) = two_sessions(&app, (2, 2)).await;
    let staff = people(&app, "staff", 1, Role::Staff).await.remove(0);
    let learner = people(&app, "ann", 1, Role::Learner).await.remove(0);
    let (id, secret) = register(&app, &staff, "http://127.0.0.1:9/", &[EventType::EnrollmentConfirmed]).await;
    // The receiver holds its first request long past the worker's lease.
    let receiver = Receiver::start(&[&secret], 0, 5.0).await;
    point(&app, &staff, id, &receiver.url()).await;
    let seat = app.state.enrolments.enrol(&learner, learner.id, first).await.unwrap();

    // A worker with a one-second lease and no heartbeat in time dies
    // (its task is dropped) while the receiver holds the request.
    let config = WorkerConfig {
        kinds: vec![DELIVER.to_string()],
        lease: Duration::from_secs(1),
        heartbeat: Duration::from_secs(600),
        poll_interval: Duration::from_millis(20),
        ..WorkerConfig::default()
    };
    let registry = app.job_registry(lyceum::server::mail::Mailer::Mailbox);
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    let dying = tokio::spawn(Worker::new(app.state.db.clone(), registry, config).run(stopped));
    receiver.wait_for(1).await;
    dying.abort();
    let _ = dying.await;
    tokio::time::sleep(Duration::from_millis(1500)).await;

    // Another worker takes the job over once the lease has lapsed.
    app.run_jobs(&[DELIVER]).await;
    let got = receiver.wait_for(2).await;
    assert_eq!(got.len(), 2, "{got:#?}");
    assert_eq!(got[0]["headers"]["webhook-id"], got[1]["headers"]["webhook-id"], "a repeat carries the same id");
    assert_eq!(got[0]["body"], got[1]["body"]);
    assert_eq!(got.iter().filter(|r| r["processed"] == true).count(), 1, "the receiver processes it once");
    let about = format!("SELECT COUNT(*) FROM webhook_events WHERE payload LIKE '%\"id\":{},%'", seat.id);
    assert_eq!(count(&app, &about).await, 1, "one event for the change");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'delivered'").await, 1);
}

#[tokio::test]
async fn private_addresses_are_refused_when_registered_and_never_reached() {
    let app = TestApp::demo().await;
    let staff = people(&app, "staff", 1, Role::Staff).await.remove(0);
    let client = Client::default();
    for (url, why) in [
        ("http://203.0.113.9/", "plain http"),
        ("https://127.0.0.1/hook", "loopback"),
        ("https://[::1]/hook", "loopback v6"),
        ("https://10.1.2.3/hook", "private"),
        ("https://169.254.169.254/latest/meta-data", "metadata"),
        ("https://[::ffff:192.168.0.1]/", "mapped private"),
        ("https://localhost/hook", "localhost"),
        ("https://crm.internal/hook", "an internal name"),
        ("https://intranet/hook", "a single-label name"),
        ("https://user:secret@crm.example.com/hook", "credentials"),
        ("ftp://crm.example.com/hook", "another scheme"),
        ("not a url", "not a URL"),
        ("", "nothing"),
    ] {
        let form = EndpointForm { url: url.into(), description: String::new(), events: vec!["course.updated".into()] };
        match app.state.webhooks.create(actor(&staff, &client), &form).await {
            Err(Error::Refused(lyceum::error::AppError::Invalid(problems))) => {
                assert_eq!(problems[0].field, lyceum::model::form::Field::Url, "{why}")
            }
            other => panic!("{why}: {other:?}"),
        }
    }
    let none = EndpointForm { url: "https://crm.example.com/h".into(), description: "\u{7}".into(), events: vec![] };
    assert!(app.state.webhooks.create(actor(&staff, &client), &none).await.is_err());
    let unknown = EndpointForm {
        url: "https://crm.example.com/h".into(),
        description: String::new(),
        events: vec!["user.deleted".into()],
    };
    assert!(app.state.webhooks.create(actor(&staff, &client), &unknown).await.is_err());
    assert_eq!(count(&app, "SELECT COUNT(*) FROM webhook_endpoints").await, 0, "nothing stored");

    // A name that resolves to loopback (localhost, from the hosts file)
    // gets no connection: the address connected to is what is checked.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let _ = stream.write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n").await;
        }
    });
    let policy = client::Policy { allow_loopback: false, timeout: Duration::from_secs(5) };
    for url in [
        format!("http://localhost:{port}/"),
        format!("http://[::ffff:127.0.0.1]:{port}/"),
        format!("http://127.1:{port}/"),
    ] {
        let sent = client::post(&url::Url::parse(&url).unwrap(), &[], bytes::Bytes::new(), policy).await;
        assert!(matches!(sent, Err(client::SendError::Refused { .. })), "{url}: {sent:?}");
    }
    // The same request where loopback is allowed does connect: the
    // refusal above was the policy, not a closed port.
    let allowed = client::Policy { allow_loopback: true, ..policy };
    let sent = client::post(
        &url::Url::parse(&format!("http://localhost:{port}/")).unwrap(),
        &[],
        bytes::Bytes::new(),
        allowed,
    )
    .await;
    assert_eq!(sent.map(|a| a.status), Ok(204));
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 1);

    // An endpoint written straight into the database at a loopback address
    // (as if registered where loopback was allowed) is never reached.
    set(
        &app,
        &format!(
            "INSERT INTO webhook_endpoints (url, secret_sealed, created_at, updated_at) VALUES \
        ('http://localhost:{port}/', '{}', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
            app.state.keys.seal("whsec_AAAA", "webhook signing secret")
        ),
    )
    .await;
    set(&app, "INSERT INTO webhook_subscriptions (endpoint_id, event_type) SELECT id, 'enrollment.confirmed' FROM webhook_endpoints").await;
    let (_, first, _) = two_sessions(&app, (2, 2)).await;
    let learner = people(&app, "ann", 1, Role::Learner).await.remove(0);
    app.state.enrolments.enrol(&learner, learner.id, first).await.unwrap();
    app.run_jobs(&[DELIVER]).await;
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 1, "no new connection");
    let error = count(&app, "SELECT COUNT(*) FROM webhook_attempts WHERE status_code IS NULL AND error LIKE 'refused to connect to %loopback%'").await;
    assert_eq!(error, 1);
}

#[tokio::test]
async fn redirects_are_not_followed_and_an_endpoint_failing_for_a_day_is_disabled() {
    let app = loopback_app().await;
    let staff = people(&app, "staff", 1, Role::Staff).await.remove(0);
    // A receiver that redirects elsewhere, and the elsewhere.
    let elsewhere = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let elsewhere_port = elsewhere.local_addr().unwrap().port();
    let reached = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = reached.clone();
    tokio::spawn(async move {
        while let Ok((_stream, _)) = elsewhere.accept().await {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    });
    let redirector = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = redirector.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = redirector.accept().await {
            let mut buffer = [0u8; 4096];
            let _ = stream.read(&mut buffer).await;
            let answer = format!(
                "HTTP/1.1 307 Temporary Redirect\r\nlocation: http://127.0.0.1:{elsewhere_port}/\r\ncontent-length: 5\r\n\r\nmoved"
            );
            let _ = stream.write_all(answer.as_bytes()).await;
        }
    });
    let (id, _) = register(&app, &staff, &format!("http://127.0.0.1:{port}/"), &[EventType::CourseUpdated]).await;
    let course: i64 = count(&app, "SELECT MIN(id) FROM courses WHERE published").await;
    let (app_ref, staff_ref) = (&app, &staff);
    let edit = |published: bool| async move {
        let client = Client::default();
        app_ref.state.catalogue.set_published(actor(staff_ref, &client), course, published).await.unwrap()
    };
    edit(false).await;
    deliver(&app, 1).await;
    assert_eq!(reached.load(std::sync::atomic::Ordering::SeqCst), 0, "the redirect is not followed");
    let status: i64 = count(&app, "SELECT status_code FROM webhook_attempts").await;
    assert_eq!(status, 307);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM webhook_attempts WHERE response = 'moved'").await, 1);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending'").await,
        1,
        "to be retried"
    );
    let page = app.state.webhooks.endpoint(&staff, id, None).await.unwrap();
    assert!(page.state.starts_with("Failing since"), "{}", page.state);

    // A day later, still failing: the next failure disables it and tells staff.
    let day_ago = chrono::Utc::now() - chrono::Duration::hours(25);
    let mut sql = lyceum::server::sql::Sql::new("UPDATE webhook_endpoints SET failing_since = ");
    sql.bind(lyceum::server::sql::Arg::Time(day_ago));
    sql.execute(&app.state.db).await.unwrap();
    edit(true).await;
    deliver(&app, 3).await;
    let page = app.state.webhooks.endpoint(&staff, id, None).await.unwrap();
    assert!(!page.enabled && page.state.contains("failed for a day"), "{}", page.state);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending'").await,
        0,
        "nothing more is tried"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE event = 'webhook.disabled_failing'").await, 1);
    let told = crate::visitor::mails_to(&app, &app.state.config.contact_email).await;
    assert!(told.iter().any(|m| m.subject == format!("Webhook endpoint #{id} disabled")), "staff are told");
    // Disabled, it is sent nothing: no event is even written.
    let before = count(&app, "SELECT COUNT(*) FROM webhook_events").await;
    edit(false).await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM webhook_events").await, before);
    let checked = bodies_match_the_document(&app).await;
    assert_eq!(checked.get("course.updated"), Some(&2), "{checked:?}");
}

#[tokio::test]
async fn staff_manage_endpoints_in_the_back_office() {
    let app = loopback_app().await;
    let mut staff = person(&app, Role::Staff, 1).await;
    let mut learner = person(&app, Role::Learner, 2).await;
    let hostile = "<script>alert(1)</script> \"CRM\" & co";
    let fields = [
        ("url", "http://127.0.0.1:9/hooks"),
        ("description", hostile),
        ("events[0]", "enrollment.confirmed"),
        ("events[8]", "course.updated"),
    ];
    assert_eq!(learner.call("admin/webhooks/create", &fields).await.status, 403);
    assert_eq!(learner.get("/admin/webhooks").await.status, 403);
    let bad = staff.call("admin/webhooks/create", &[("url", "https://10.0.0.1/"), ("description", "")]).await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("url") && bad.body.contains("events"), "{}", bad.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM webhook_endpoints").await, 0);

    // Without JavaScript: registered, then its page shows the secret once.
    let made = staff.submit("/admin/webhooks", "admin/webhooks/create", &fields).await;
    assert!(matches!(made.status, 302 | 303), "{} {}", made.status, made.body);
    let id = count(&app, "SELECT MAX(id) FROM webhook_endpoints").await;
    assert_eq!(made.header("location"), Some(format!("/admin/webhooks/{id}?notice=webhook-created").as_str()));
    let page = staff.get(&format!("/admin/webhooks/{id}")).await;
    assert_eq!(page.status, 200);
    let html = scraper::Html::parse_document(&page.body);
    let secret = html
        .select(&scraper::Selector::parse(".webhook-secret code.token").unwrap())
        .next()
        .map(|code| code.text().collect::<String>())
        .expect("the secret is shown");
    assert!(secret.starts_with("whsec_"));
    assert!(!staff.get(&format!("/admin/webhooks/{id}")).await.body.contains(&secret), "shown once");
    // The description comes back as text, never as markup.
    let list = staff.get("/admin/webhooks").await;
    let html = scraper::Html::parse_document(&list.body);
    // (The page's data for hydration carries it too, as an escaped string.)
    assert!(html.select(&scraper::Selector::parse("script").unwrap()).all(|s| s.inner_html().trim() != "alert(1)"));
    let shown: String =
        html.select(&scraper::Selector::parse(".webhook-row .muted").unwrap()).next().unwrap().text().collect();
    assert_eq!(shown, hostile);
    let events = count(&app, &format!("SELECT COUNT(*) FROM webhook_subscriptions WHERE endpoint_id = {id}")).await;
    assert_eq!(events, 2);

    // A save over a version someone else changed is refused.
    let update = |version: &'static str| {
        [
            ("id", id.to_string()),
            ("version", version.to_string()),
            ("url", "http://127.0.0.1:9/v2".into()),
            ("description", "v2".into()),
            ("events[0]", "certificate.issued".into()),
        ]
    };
    let stale = update("7");
    let stale: Vec<(&str, &str)> = stale.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(staff.call("admin/webhooks/update", &stale).await.status, 409);
    let fresh = update("1");
    let fresh: Vec<(&str, &str)> = fresh.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert!(staff.call("admin/webhooks/update", &fresh).await.status < 400);
    assert_eq!(count(&app, &format!("SELECT COUNT(*) FROM webhook_subscriptions WHERE endpoint_id = {id}")).await, 1);

    // A delivery sent twice at once goes once; one still pending is not
    // sent again.
    let (_, first, _) = two_sessions(&app, (2, 2)).await;
    set(
        &app,
        &format!("UPDATE webhook_subscriptions SET event_type = 'enrollment.confirmed' WHERE endpoint_id = {id}"),
    )
    .await;
    let ann = people(&app, "ann", 1, Role::Learner).await.remove(0);
    app.state.enrolments.enrol(&ann, ann.id, first).await.unwrap();
    let delivery = count(&app, "SELECT MAX(id) FROM webhook_deliveries").await;
    let again = [("id", id.to_string()), ("delivery_id", delivery.to_string())];
    let again: Vec<(&str, &str)> = again.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(staff.call("admin/webhooks/redeliver", &again).await.status, 409, "pending already");
    set(&app, &format!("UPDATE webhook_deliveries SET status = 'failed' WHERE id = {delivery}")).await;
    let mut other = person(&app, Role::Staff, 3).await;
    let (a, b) =
        tokio::join!(staff.call("admin/webhooks/redeliver", &again), other.call("admin/webhooks/redeliver", &again));
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert!(statuses[0] < 400 && statuses[1] == 409, "{statuses:?}");
    let queued = format!("SELECT COUNT(*) FROM jobs WHERE kind = '{DELIVER}' AND status = 'queued'");
    assert_eq!(count(&app, &queued).await, 2, "the first job and one redelivery");
    let audited = count(&app, "SELECT COUNT(*) FROM audit_log WHERE event LIKE 'webhook.%'").await;
    assert_eq!(audited, 3, "created, updated, redelivered");

    // Pending two hours past its time, with no job left to send it (its
    // job failed every attempt): staff may send it again, once.
    set(&app, "DELETE FROM jobs").await;
    set(
        &app,
        &format!(
            "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = '2000-01-01T00:00:00Z' \
             WHERE id = {delivery}"
        ),
    )
    .await;
    let page = staff.get(&format!("/admin/webhooks/{id}")).await;
    assert!(page.body.contains("Send again"), "offered for the stranded delivery");
    assert!(staff.call("admin/webhooks/redeliver", &again).await.status < 400);
    assert_eq!(staff.call("admin/webhooks/redeliver", &again).await.status, 409, "on its way again");
    assert_eq!(count(&app, &queued).await, 1, "one job sends it");
    let page = staff.get(&format!("/admin/webhooks/{id}")).await;
    assert!(!page.body.contains("Send again"), "not while on its way");
}

#[tokio::test]
async fn a_deleted_accounts_data_leaves_every_queued_delivery() {
    let app = loopback_app().await;
    let (_, first, _) = two_sessions(&app, (2, 2)).await;
    let staff = people(&app, "staff", 1, Role::Staff).await.remove(0);
    // Nothing listens there: every attempt fails, and the delivery waits.
    register(&app, &staff, "http://127.0.0.1:9/", &[EventType::EnrollmentConfirmed]).await;
    let mut ann = crate::visitor::Visitor::new(&app);
    ann.sign_up_and_log_in("Ann Example", "ann.example@example.com", "a learner's long passphrase").await;
    let id = count(&app, "SELECT id FROM users WHERE email = 'ann.example@example.com'").await;
    let user = User {
        id,
        email: "ann.example@example.com".into(),
        name: "Ann Example".into(),
        role: Role::Learner,
        verified: true,
    };
    app.state.enrolments.enrol(&user, id, first).await.unwrap();
    deliver(&app, 1).await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending'").await, 1);
    assert!(!holding(&app, "ann.example@example.com").await.is_empty());

    let res = ann.call("account/delete", &[("password", "a learner's long passphrase")]).await;
    assert!(res.status < 400, "{}", res.body);
    assert_eq!(holding(&app, "ann.example@example.com").await, Vec::new());
    assert_eq!(holding(&app, "Ann Example").await, Vec::new());
    assert_eq!(count(&app, "SELECT COUNT(*) FROM webhook_events").await, 0);
    let queued = format!("SELECT COUNT(*) FROM jobs WHERE kind = '{DELIVER}' AND status = 'queued'");
    assert_eq!(count(&app, &queued).await, 0);
}
