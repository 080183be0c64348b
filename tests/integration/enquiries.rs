//! Enquiries: the contact form (stored once with two mails queued, bad
//! input refused by the field, the trap, the client's limit), the mails
//! as a real mail parser reads them (no typed text in a header, replies
//! threaded under the acknowledgement), the inbox for staff only, a save
//! over someone else's refused, one audit entry per write with nothing
//! personal in clear, hostile names shown as text, and a person's export
//! and deletion.

use crate::helpers::TestApp;
use crate::mail::TlsRelay;
use crate::visitor::{Visitor, count, mails_to};
use lyceum::model::account::Role;
use lyceum::server::client::Client;
use lyceum::server::config::Config;
use lyceum::server::enquiries::commands::EnquiryForm;
use lyceum::server::mail::Mailer;
use scraper::{Html, Selector};
use std::net::{IpAddr, Ipv4Addr};

const PASSWORD: &str = "correct horse battery staple";
const SEND: &str = "enquiries/send";
const MESSAGE: &str = "Do you run Cloud 101 for a team of eight?\nWe are in Sliema.";

fn client(n: u32) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(u32::from(Ipv4Addr::new(10, 1, 0, 1)) + n))
}

/// The slug of a course one can ask about.
async fn a_course(app: &TestApp) -> String {
    lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT slug FROM courses WHERE published AND NOT archived ORDER BY id LIMIT 1")
            .fetch_one(pool)
            .await
            .unwrap()
    })
}

/// A good enquiry's fields, with `changes` on top.
fn fields<'a>(course: &'a str, changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("name", "Ann Borg"),
        ("email", "Ann.Borg@Example.com"),
        ("phone", "+356 2123 4567"),
        ("course", course),
        ("message", MESSAGE),
        ("website", ""),
    ];
    for (name, value) in changes {
        fields.iter_mut().find(|(n, _)| n == name).expect("a field of the form").1 = value;
    }
    fields
}

async fn stored(app: &TestApp) -> i64 {
    count(app, "SELECT COUNT(*) FROM enquiries").await
}

async fn mail_jobs(app: &TestApp) -> i64 {
    count(app, "SELECT COUNT(*) FROM jobs WHERE kind = 'mail.send'").await
}

async fn enquiry_entries(app: &TestApp) -> i64 {
    count(app, "SELECT COUNT(*) FROM audit_log WHERE entity = 'enquiry'").await
}

/// A member of the academy with `role`, signed in from a client of their own.
async fn member<'a>(app: &'a TestApp, n: u32, role: Role) -> (Visitor<'a>, i64) {
    let email = format!("{}{n}@academy.test", role.as_str());
    let name = format!("{} {n}", role.label());
    let id = app.state.accounts.create_confirmed(&email, &name, PASSWORD, role).await.unwrap().unwrap();
    let mut visitor = Visitor::from_ip(app, client(100 + n));
    let res = visitor.call("account/login", &[("email", &email), ("password", PASSWORD)]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    (visitor, id)
}

/// Sends an enquiry straight to the domain, from client `n`.
async fn submit(app: &TestApp, n: u32, name: &str, email: &str, message: &str) {
    let form =
        EnquiryForm { name: name.into(), email: email.into(), message: message.into(), ..EnquiryForm::default() };
    let client = Client { ip: client(n).to_string(), ..Client::default() };
    app.state.enquiries.submit(&client, None, &form).await.unwrap();
}

/// (id, version) of the newest enquiry.
async fn newest(app: &TestApp) -> (i64, i64) {
    lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_as("SELECT id, version FROM enquiries ORDER BY id DESC LIMIT 1").fetch_one(pool).await.unwrap()
    })
}

#[tokio::test]
async fn an_enquiry_is_stored_once_and_both_mails_are_queued() {
    let app = TestApp::demo().await;
    let course = a_course(&app).await;
    let mut ann = Visitor::from_ip(&app, client(1));
    let res = ann.call(SEND, &fields(&course, &[])).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    assert_eq!(stored(&app).await, 1);
    let (email, phone_enc, course_id, user_id, status, version): (
        String,
        String,
        Option<i64>,
        Option<i64>,
        String,
        i64,
    ) = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_as("SELECT email, phone_enc, course_id, user_id, status, version FROM enquiries")
            .fetch_one(pool)
            .await
            .unwrap()
    });
    assert_eq!((email.as_str(), status.as_str(), version, user_id), ("ann.borg@example.com", "new", 1, None));
    assert!(course_id.is_some(), "the course asked about");
    assert!(!phone_enc.contains("2123") && phone_enc.starts_with("v1."), "sealed at rest: {phone_enc}");

    assert_eq!(mail_jobs(&app).await, 2);
    let ack = mails_to(&app, "ann.borg@example.com").await;
    let staff = mails_to(&app, &app.state.config.contact_email).await;
    assert_eq!((ack.len(), staff.len()), (1, 1));
    assert!(ack[0].thread.id.as_deref().is_some_and(|id| id.starts_with("enquiry.")));
    assert!(!ack[0].text.contains("Ann") && !ack[0].text.contains("Cloud 101 for a team"), "{}", ack[0].text);
    assert!(staff[0].text.contains("/admin/enquiries/"), "{}", staff[0].text);
    assert!(!staff[0].text.contains("ann.borg") && !staff[0].text.contains("team of eight"), "{}", staff[0].text);
}

#[tokio::test]
async fn no_typed_text_reaches_a_header_and_replies_thread_under_the_acknowledgement() {
    let relay = TlsRelay::start();
    let app = TestApp::demo().await;
    let course = a_course(&app).await;
    let url = format!("smtp://localhost:{}", relay.port);
    let ca = relay.ca_file.display().to_string();
    let config = Config::from_lookup(|name| match name {
        "SMTP_URL" => Some(url.clone()),
        "LYCEUM_SMTP_CA_FILE" => Some(ca.clone()),
        "LYCEUM_MAIL_FROM" => Some("Lyceum <no-reply@academy.test>".into()),
        _ => None,
    })
    .unwrap();
    let send_all = || async {
        let mailer = Mailer::from_config(&config).unwrap();
        crate::jobs::worker(&app.state.db, app.job_registry(mailer)).run_until_idle().await
    };

    // Line breaks are refused in a name or an address...
    let mut ann = Visitor::from_ip(&app, client(2));
    for (field, value) in [("name", "Ann\r\nBcc: everyone@evil.test"), ("email", "ann@example.com\r\nBcc: x@evil.test")]
    {
        let res = ann.call(SEND, &fields(&course, &[(field, value)])).await;
        assert_eq!(res.status, 422, "{field}: {}", res.body);
    }
    assert_eq!(stored(&app).await, 0);
    // ...and what passes (a name that reads like an address, a message
    // with header lines in it) stays in the body.
    let name = "Ann <boss@evil.test>, Bcc: everyone@evil.test";
    let message = "Hello\r\nBcc: everyone@evil.test\r\nSubject: free\r\n\r\n<b>seats</b>";
    let res = ann.call(SEND, &fields(&course, &[("name", name), ("message", message)])).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    assert_eq!(send_all().await, 2);

    let received = relay.received();
    assert_eq!(received.len(), 2);
    let contact = app.state.config.contact_email.clone();
    for mail in &received {
        assert_eq!(mail["defects"], serde_json::json!([]), "{mail}");
        let headers = mail["headers"].as_array().unwrap();
        let names: Vec<String> = headers.iter().map(|h| h[0].as_str().unwrap().to_ascii_lowercase()).collect();
        assert!(!names.iter().any(|n| n == "bcc" || n == "cc" || n == "reply-to"), "{names:?}");
        assert_eq!(names.iter().filter(|n| *n == "subject").count(), 1);
        for header in headers {
            let value = header[1].as_str().unwrap();
            assert!(!value.contains("evil") && !value.contains("Ann") && !value.contains("free"), "{header}");
        }
    }
    let ack = received.iter().find(|m| m["rcpt_tos"] == serde_json::json!(["ann.borg@example.com"])).expect("ack");
    let notice = received.iter().find(|m| m["rcpt_tos"] == serde_json::json!([contact])).expect("staff notice");
    assert_eq!(ack["subject"], "Your enquiry to the academy");
    assert!(notice["subject"].as_str().unwrap().starts_with("New enquiry #"));
    let token: String = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT thread_token FROM enquiries").fetch_one(pool).await.unwrap()
    });
    let ack_id = format!("<{token}@academy.test>");
    assert_eq!(ack["message_id"], ack_id.as_str());

    // Staff reply from the page: the reply answers the acknowledgement.
    let (mut staff, _) = member(&app, 1, Role::Staff).await;
    let (id, version) = newest(&app).await;
    let (id, version) = (id.to_string(), version.to_string());
    let reply = [("id", id.as_str()), ("version", version.as_str()), ("reply", "Yes, we do.\n\nSee you soon.")];
    let res = staff.call("admin/enquiries/reply", &reply).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    assert_eq!(send_all().await, 1);
    let received = relay.received();
    let answer = &received[2];
    assert_eq!(answer["rcpt_tos"], serde_json::json!(["ann.borg@example.com"]));
    assert_eq!(answer["subject"], "Re: Your enquiry to the academy");
    let header = |name: &str| {
        answer["headers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h[0].as_str().unwrap().eq_ignore_ascii_case(name))
            .map(|h| h[1].as_str().unwrap().to_string())
    };
    assert_eq!(header("In-Reply-To").as_deref(), Some(ack_id.as_str()));
    assert_eq!(header("References").as_deref(), Some(ack_id.as_str()));
    assert_ne!(answer["message_id"], ack_id.as_str(), "a message of its own");
    assert!(answer["text"].as_str().unwrap().contains("Yes, we do."));
}

#[tokio::test]
async fn bad_input_is_refused_by_the_field_and_stores_nothing() {
    let app = TestApp::demo().await;
    let course = a_course(&app).await;
    let long = "x".repeat(5001);
    let cases = [
        ("name", ""),
        ("name", "Ann\nBorg"),
        ("email", ""),
        ("email", "ann@"),
        ("phone", "call me"),
        ("course", "no-such-course"),
        ("message", "  "),
        ("message", long.as_str()),
        ("message", "a bell \u{7}"),
    ];
    let mut ann = Visitor::from_ip(&app, client(3));
    for (n, (field, value)) in cases.into_iter().enumerate() {
        // From a client of its own each time, clear of the limit.
        let mut ann = Visitor::from_ip(&app, client(10 + n as u32));
        let res = ann.call(SEND, &fields(&course, &[(field, value)])).await;
        assert_eq!(res.status, 422, "{field}={value:?}: {}", res.body);
        let error: serde_json::Value = serde_json::from_str(&res.body).unwrap();
        let named: Vec<&str> =
            error["Invalid"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(named, [field], "{field}={value:?}");
    }
    assert_eq!((stored(&app).await, mail_jobs(&app).await), (0, 0), "nothing stored, nothing sent");

    // Without JavaScript: back to the form, the error by its field and
    // everything typed still there.
    let typed = fields(&course, &[("email", "ann@"), ("message", "Line one\n</textarea><b>two</b>")]);
    let res = ann.submit("/contact", SEND, &typed).await;
    assert_eq!(res.status, 303, "{}", res.body);
    let back = res.header("location").unwrap_or_default().to_string();
    let page = ann.get(&back).await;
    assert_eq!(page.status, 200);
    let html = Html::parse_document(&page.body);
    let one = |css: &str| html.select(&Selector::parse(css).unwrap()).next().unwrap_or_else(|| panic!("{css}"));
    let email = one("input#f-email").value();
    assert_eq!((email.attr("value"), email.attr("aria-invalid")), (Some("ann@"), Some("true")));
    assert!(one("#f-email-error").text().collect::<String>().contains("e-mail address"));
    assert_eq!(one("input#f-name").value().attr("value"), Some("Ann Borg"));
    assert_eq!(one("input#f-name").value().attr("aria-invalid"), None);
    assert_eq!(one("textarea#f-message").text().collect::<String>(), "Line one\n</textarea><b>two</b>");
    assert_eq!(one("#f-course option[selected]").value().attr("value"), Some(course.as_str()));
    assert_eq!(stored(&app).await, 0);
}

#[tokio::test]
async fn the_trap_field_is_answered_as_accepted_and_stores_nothing() {
    let app = TestApp::demo().await;
    let course = a_course(&app).await;
    let mut program = Visitor::from_ip(&app, client(4));
    let trapped = program.call(SEND, &fields(&course, &[("website", "https://cheap-pills.test")])).await;
    let mut ann = Visitor::from_ip(&app, client(5));
    let person = ann.call(SEND, &fields(&course, &[])).await;
    assert_eq!((trapped.status, trapped.header("location")), (person.status, person.header("location")));
    assert_eq!(trapped.body, person.body, "the same answer");
    assert_eq!(stored(&app).await, 1, "the person's only");
    assert_eq!(mail_jobs(&app).await, 2, "the person's only");
    // Even a trapped form with bad fields reads as accepted.
    let res = program.call(SEND, &fields(&course, &[("website", "x"), ("email", "nope")])).await;
    assert_eq!(res.status, person.status);
    assert_eq!(stored(&app).await, 1);
}

#[tokio::test]
async fn a_client_over_its_limit_is_answered_429() {
    let app = TestApp::demo().await;
    let course = a_course(&app).await;
    let mut busy = Visitor::from_ip(&app, client(6));
    for n in 0..10 {
        let res = busy.call(SEND, &fields(&course, &[])).await;
        assert!(res.status < 400, "enquiry {n}: {} {}", res.status, res.body);
    }
    let res = busy.call(SEND, &fields(&course, &[])).await;
    assert_eq!(res.status, 429, "{}", res.body);
    assert!(res.header("retry-after").is_some_and(|secs| secs.parse::<u64>().unwrap() >= 1));
    assert_eq!(stored(&app).await, 10);
    let mut other = Visitor::from_ip(&app, client(7));
    assert!(other.call(SEND, &fields(&course, &[])).await.status < 400, "another client is not held back");
}

#[tokio::test]
async fn only_staff_reach_the_inbox_and_nothing_changes_for_anyone_else() {
    let app = TestApp::demo().await;
    submit(&app, 1, "Ann Borg", "ann@example.com", MESSAGE).await;
    let (id, version) = newest(&app).await;
    let (id, version) = (id.to_string(), version.to_string());
    let calls: [(&str, Vec<(&str, &str)>); 5] = [
        ("admin/enquiries/list", vec![("query", "")]),
        ("admin/enquiries/one", vec![("id", &id)]),
        ("admin/enquiries/state", vec![("id", &id), ("version", &version), ("status", "closed"), ("assignee", "")]),
        ("admin/enquiries/note", vec![("id", &id), ("note", "A note")]),
        ("admin/enquiries/reply", vec![("id", &id), ("version", &version), ("reply", "A reply")]),
    ];
    let jobs_before = mail_jobs(&app).await;
    let mut learner = Visitor::from_ip(&app, client(8));
    learner.sign_up_and_log_in("Lea", "lea@example.com", PASSWORD).await;
    let (mut instructor, _) = member(&app, 1, Role::Instructor).await;
    let mut anonymous = Visitor::from_ip(&app, client(9));
    for (endpoint, fields) in &calls {
        for (who, visitor, status) in
            [("learner", &mut learner, 403), ("instructor", &mut instructor, 403), ("anonymous", &mut anonymous, 401)]
        {
            let res = visitor.call(endpoint, fields).await;
            assert_eq!(res.status, status, "{who} on {endpoint}: {}", res.body);
            assert!(!res.body.contains("Ann Borg") && !res.body.contains("ann@example.com"), "{}", res.body);
        }
    }
    for page in ["/admin/enquiries", &format!("/admin/enquiries/{id}")] {
        let res = learner.get(page).await;
        assert_eq!(res.status, 403, "{page}");
        assert!(!res.body.contains("Ann Borg"), "{page}");
    }
    let (status, version_now): (String, i64) = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_as("SELECT status, version FROM enquiries").fetch_one(pool).await.unwrap()
    });
    assert_eq!((status.as_str(), version_now), ("new", 1));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM enquiry_notes").await, 0);
    assert_eq!(enquiry_entries(&app).await, 0);
    assert_eq!(mail_jobs(&app).await, jobs_before + 1, "only the learner's confirmation link");

    // Staff are let in, and an unknown enquiry is not found.
    let (mut staff, _) = member(&app, 2, Role::Staff).await;
    assert_eq!(staff.call("admin/enquiries/one", &[("id", &id)]).await.status, 200);
    assert_eq!(staff.call("admin/enquiries/one", &[("id", "999999")]).await.status, 404);
    let note = staff.call("admin/enquiries/note", &[("id", "999999"), ("note", "x")]).await;
    assert_eq!(note.status, 404);
}

#[tokio::test]
async fn a_save_over_someone_elses_is_refused_and_nothing_is_stored() {
    let app = TestApp::demo().await;
    submit(&app, 1, "Ann Borg", "ann@example.com", MESSAGE).await;
    let (id, version) = newest(&app).await;
    let (id, version) = (id.to_string(), version.to_string());
    let (mut sam, _) = member(&app, 1, Role::Staff).await;
    let (mut tess, tess_id) = member(&app, 2, Role::Staff).await;
    let tess_id = tess_id.to_string();
    let jobs_before = mail_jobs(&app).await;

    // Both opened version 1; Sam saves first.
    let close = [("id", id.as_str()), ("version", version.as_str()), ("status", "closed"), ("assignee", "")];
    let res = sam.call("admin/enquiries/state", &close).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    let take = [("id", id.as_str()), ("version", version.as_str()), ("status", "new"), ("assignee", &tess_id)];
    let res = tess.call("admin/enquiries/state", &take).await;
    assert_eq!(res.status, 409, "{}", res.body);
    // It shows what Sam saved, and the version to save over now.
    let refusal: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    assert_eq!(refusal["Stale"]["changes"][0], serde_json::json!(["Status", "Closed"]), "{}", res.body);
    assert_eq!(refusal["Stale"]["changes"][1], serde_json::json!(["Assigned to", "Nobody"]));
    assert_eq!(refusal["Stale"]["version"].as_i64(), Some(version.parse::<i64>().unwrap() + 1));
    let reply = [("id", id.as_str()), ("version", version.as_str()), ("reply", "On it.")];
    assert_eq!(tess.call("admin/enquiries/reply", &reply).await.status, 409);

    let (status, assignee, version_now): (String, Option<i64>, i64) = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_as("SELECT status, assignee_id, version FROM enquiries").fetch_one(pool).await.unwrap()
    });
    assert_eq!((status.as_str(), assignee, version_now), ("closed", None, 2), "Sam's save stands");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM enquiry_notes").await, 0, "the refused reply is not kept");
    assert_eq!(mail_jobs(&app).await, jobs_before, "nor sent");
    assert_eq!(enquiry_entries(&app).await, 1, "only Sam's save is in the trail");

    // Without JavaScript, the refusal comes back to the page.
    let res = tess.submit(&format!("/admin/enquiries/{id}"), "admin/enquiries/state", &take).await;
    assert_eq!(res.status, 303);
    let page = tess.get(res.header("location").unwrap()).await;
    let html = scraper::Html::parse_document(&page.body);
    let alert = html
        .select(&scraper::Selector::parse(".form-alert").unwrap())
        .map(|e| e.text().collect::<String>())
        .collect::<String>();
    assert!(alert.contains("Someone else saved this record"), "{alert}");
    let saved = html
        .select(&scraper::Selector::parse(".saved-meanwhile dd").unwrap())
        .map(|e| e.text().collect::<String>())
        .collect::<Vec<_>>();
    assert_eq!(saved, ["Closed", "Nobody"], "what Sam saved, beside the form");

    // Bad input is refused by its field, and stores nothing either.
    let version = "2";
    let bad = [("id", id.as_str()), ("version", version), ("status", "lost"), ("assignee", "424242")];
    let res = tess.call("admin/enquiries/state", &bad).await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains(r#""field":"status""#) && res.body.contains(r#""field":"assignee""#), "{}", res.body);
    let empty = [("id", id.as_str()), ("version", version), ("reply", " ")];
    assert_eq!(tess.call("admin/enquiries/reply", &empty).await.status, 422);
    assert_eq!(tess.call("admin/enquiries/note", &[("id", id.as_str()), ("note", "")]).await.status, 422);
    let malformed = [("id", id.as_str()), ("version", "two"), ("status", "new"), ("assignee", "")];
    assert_eq!(tess.call("admin/enquiries/state", &malformed).await.status, 400);
    assert_eq!(enquiry_entries(&app).await, 1);
    assert_eq!(count(&app, "SELECT version FROM enquiries").await, 2);
}

#[tokio::test]
async fn every_staff_write_leaves_one_audit_entry_with_nothing_personal_in_clear() {
    let app = TestApp::demo().await;
    let course = a_course(&app).await;
    let mut ann = Visitor::from_ip(&app, client(1));
    ann.sign_up_and_log_in("Ann Borg", "ann@example.com", PASSWORD).await;
    let ann_id = count(&app, "SELECT id FROM users WHERE email = 'ann@example.com'").await;
    let res = ann.call(SEND, &fields(&course, &[("email", "ann@example.com")])).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    let (id, _) = newest(&app).await;
    assert_eq!(count(&app, "SELECT user_id FROM enquiries").await, ann_id, "sent from her account");
    let (mut sam, sam_id) = member(&app, 1, Role::Staff).await;
    let id_text = id.to_string();
    let sam_text = sam_id.to_string();
    const NOTE: &str = "Rang her back on 7712 3456; wants the team rate";
    const REPLY: &str = "Dear Ann, the team rate is yours.";
    let writes: [(&str, Vec<(&str, &str)>); 4] = [
        ("admin/enquiries/state", vec![("id", &id_text), ("version", "1"), ("status", "new"), ("assignee", &sam_text)]),
        ("admin/enquiries/note", vec![("id", &id_text), ("note", NOTE)]),
        ("admin/enquiries/reply", vec![("id", &id_text), ("version", "2"), ("reply", REPLY)]),
        ("admin/enquiries/state", vec![("id", &id_text), ("version", "3"), ("status", "closed"), ("assignee", "")]),
    ];
    for (n, (endpoint, fields)) in writes.iter().enumerate() {
        let res = sam.call(endpoint, fields).await;
        assert!(res.status < 400, "{endpoint}: {} {}", res.status, res.body);
        assert_eq!(enquiry_entries(&app).await, n as i64 + 1, "{endpoint}: one entry per write");
    }
    // Saving what is already there changes nothing, and records nothing.
    let same = [("id", id_text.as_str()), ("version", "4"), ("status", "closed"), ("assignee", "")];
    assert!(sam.call("admin/enquiries/state", &same).await.status < 400);
    assert_eq!(enquiry_entries(&app).await, 4);

    let entries: Vec<(String, Option<i64>, Option<i64>, Option<i64>, String, String)> =
        lyceum::with_pool!(&app.state.db, |pool| {
            sqlx::query_as(
                "SELECT event, actor_id, entity_id, user_id, ip, changes FROM audit_log WHERE entity = 'enquiry'
                 ORDER BY id",
            )
            .fetch_all(pool)
            .await
            .unwrap()
        });
    let actions: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(actions, ["enquiry.updated", "enquiry.noted", "enquiry.replied", "enquiry.updated"]);
    for (_, actor, entity, about, ip, _) in &entries {
        assert_eq!((*actor, *entity, *about), (Some(sam_id), Some(id), Some(ann_id)));
        assert_eq!(ip, &client(101).to_string(), "from Sam's address");
    }
    let changes: Vec<serde_json::Value> = entries.iter().map(|e| serde_json::from_str(&e.5).unwrap()).collect();
    assert_eq!(
        changes[0],
        serde_json::json!([{ "field": "assignee", "before": "", "after": sam_text }]),
        "only what changed"
    );
    assert_eq!(changes[1][0]["field"], "note");
    assert_eq!(changes[1][0]["after"], lyceum::server::audit::HIDDEN);
    assert_eq!(changes[2][0], serde_json::json!({ "field": "status", "before": "new", "after": "answered" }));
    assert_eq!(changes[2][1]["after"], lyceum::server::audit::HIDDEN);
    assert_eq!(changes[3][0], serde_json::json!({ "field": "status", "before": "answered", "after": "closed" }));

    // Nothing anyone typed is in the trail, in any column.
    let trail: Vec<String> = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT event || ' ' || detail || ' ' || entity || ' ' || changes FROM audit_log")
            .fetch_all(pool)
            .await
            .unwrap()
    });
    for text in ["team of eight", "2123", "7712", "team rate", "Dear Ann", "ann@example.com", "Ann Borg"] {
        assert!(!trail.iter().any(|entry| entry.contains(text)), "{text:?} in the trail: {trail:?}");
    }
}

#[tokio::test]
async fn the_inbox_shows_hostile_names_as_text() {
    let app = TestApp::demo().await;
    let hostile = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(2)>"];
    for (n, name) in hostile.iter().enumerate() {
        submit(&app, n as u32, name, &format!("sender{n}@example.com"), "Hello <b>there</b>").await;
    }
    let (mut staff, _) = member(&app, 1, Role::Staff).await;
    let page = staff.get("/admin/enquiries").await;
    assert_eq!(page.status, 200);
    let html = Html::parse_document(&page.body);
    let names: Vec<String> =
        html.select(&Selector::parse("a.enquiry-name").unwrap()).map(|a| a.text().collect::<String>()).collect();
    assert_eq!(names, [hostile[1], hostile[0]], "newest first, as typed");
    assert!(html.select(&Selector::parse("img[onerror]").unwrap()).next().is_none(), "no element from a name");
    let script = Selector::parse("script").unwrap();
    assert!(html.select(&script).all(|s| s.inner_html().trim() != "alert(1)"), "no script from a name");

    let (id, _) = newest(&app).await;
    let page = staff.get(&format!("/admin/enquiries/{id}")).await;
    assert_eq!(page.status, 200);
    let html = Html::parse_document(&page.body);
    let heading = html.select(&Selector::parse("article.enquiry h2").unwrap()).next().unwrap();
    assert_eq!(heading.text().collect::<String>(), format!("From {}", hostile[1]));
    assert!(html.select(&Selector::parse("img[onerror], .enquiry-message b").unwrap()).next().is_none());
    let message = html.select(&Selector::parse(".enquiry-message").unwrap()).next().unwrap();
    assert_eq!(message.text().collect::<String>(), "Hello <b>there</b>");
}

#[tokio::test]
async fn the_inbox_filters_searches_and_pages() {
    let app = TestApp::demo().await;
    for n in 0..27 {
        submit(&app, n, &format!("Sender {n}"), &format!("sender{n}@example.com"), "About a course").await;
    }
    submit(&app, 40, "Maria 100% O'Brien", "maria@example.com", "Is the_course in Gozo?").await;
    let (mut staff, staff_id) = member(&app, 1, Role::Staff).await;
    let (id, staff_id) = (newest(&app).await.0.to_string(), staff_id.to_string());
    let assign = [("id", id.as_str()), ("version", "1"), ("status", "answered"), ("assignee", staff_id.as_str())];
    assert!(staff.call("admin/enquiries/state", &assign).await.status < 400);
    let (total, pages, first) = list(&mut staff, "").await;
    assert_eq!((total, pages, first.len()), (28, 2, 25));
    assert_eq!(first[0], "Maria 100% O'Brien", "newest first");
    let (_, _, second) = list(&mut staff, "page=2").await;
    assert_eq!(second, ["Sender 2", "Sender 1", "Sender 0"]);
    let maria = (1, 1, vec!["Maria 100% O'Brien".to_string()]);
    for query in ["q=gozo", "q=o%27brien", "q=100%25", "q=MARIA%40example", "q=the_course", "status=answered"] {
        assert_eq!(list(&mut staff, query).await, maria, "{query}");
    }
    assert_eq!(list(&mut staff, "assignee=me").await, maria);
    assert_eq!(list(&mut staff, &format!("assignee={staff_id}")).await, maria);
    assert_eq!(list(&mut staff, "status=new").await.0, 27);
    assert_eq!(list(&mut staff, "assignee=none").await.0, 27);
    // Every word must be found: "Sender" and "1" (1, 10 to 19, and 21).
    assert_eq!(list(&mut staff, "q=sender+1").await.0, 12);
    assert_eq!(list(&mut staff, "q=nobody-writes-this").await.0, 0);
    assert_eq!(list(&mut staff, "q=100_").await.0, 0, "a `_` is itself, not any character");

    // The page works without JavaScript: a GET form, and links to the next page.
    let page = staff.get("/admin/enquiries?status=new").await;
    let html = Html::parse_document(&page.body);
    let form = html.select(&Selector::parse("form[method=get][action='/admin/enquiries']").unwrap()).next();
    assert!(form.is_some(), "a plain GET form");
    let next = html.select(&Selector::parse("a[rel=next]").unwrap()).next().expect("a next page");
    assert_eq!(next.value().attr("href"), Some("/admin/enquiries?status=new&page=2"));
    let selected = html.select(&Selector::parse("#f-status option[selected]").unwrap()).next().unwrap();
    assert_eq!(selected.value().attr("value"), Some("new"));
}

/// (total, pages, names) of the inbox for a query string, as staff see it.
async fn list(staff: &mut Visitor<'_>, query: &str) -> (i64, u64, Vec<String>) {
    let res = staff.call("admin/enquiries/list", &[("query", query)]).await;
    assert_eq!(res.status, 200, "{query}: {}", res.body);
    let inbox: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    let items = inbox["items"].as_array().unwrap();
    let names = items.iter().map(|i| i["name"].as_str().unwrap().to_string()).collect();
    (inbox["total"].as_i64().unwrap(), inbox["pages"].as_u64().unwrap(), names)
}

#[tokio::test]
async fn a_course_page_asks_about_its_course() {
    let app = TestApp::demo().await;
    let course = a_course(&app).await;
    let page = app.get(&format!("/courses/{course}")).await;
    assert!(page.body.contains(&format!(r#"href="/contact?course={course}""#)), "the link");
    let page = app.get(&format!("/contact?course={course}")).await;
    assert_eq!(page.status, 200);
    let html = Html::parse_document(&page.body);
    let chosen = html.select(&Selector::parse("#f-course option[selected]").unwrap()).next().unwrap();
    assert_eq!(chosen.value().attr("value"), Some(course.as_str()));
    let form = html.select(&Selector::parse("form[action='/rpc/enquiries/send'][method=post]").unwrap()).next();
    assert!(form.is_some(), "a form that posts without JavaScript");
    let page = Html::parse_document(&app.get("/contact?course=no-such-course").await.body);
    let chosen = page.select(&Selector::parse("#f-course option[selected]").unwrap()).next().unwrap();
    assert_eq!(chosen.value().attr("value"), Some(""), "an unknown course chooses none");
}

#[tokio::test]
async fn export_includes_and_deletion_removes_a_persons_enquiries() {
    let app = TestApp::demo().await;
    let course = a_course(&app).await;
    let mut ann = Visitor::from_ip(&app, client(1));
    ann.sign_up_and_log_in("Ann Borg", "ann@example.com", PASSWORD).await;
    // One sent signed in, one sent from another browser with her address.
    let signed_in = fields(&course, &[("email", "ann@example.com"), ("message", "First question")]);
    assert!(ann.call(SEND, &signed_in).await.status < 400);
    submit(&app, 2, "Ann B.", "ANN@example.com", "Second question").await;
    submit(&app, 3, "Bob", "bob@example.com", "Bob's question").await;
    let (mut staff, _) = member(&app, 1, Role::Staff).await;
    let first = count(&app, "SELECT MIN(id) FROM enquiries").await.to_string();
    let reply = [("id", first.as_str()), ("version", "1"), ("reply", "Answered for Ann")];
    assert!(staff.call("admin/enquiries/reply", &reply).await.status < 400);
    let note = [("id", first.as_str()), ("note", "Noted about Ann")];
    assert!(staff.call("admin/enquiries/note", &note).await.status < 400);

    let export = ann.get("/account/data/export").await;
    assert_eq!(export.status, 200, "{}", export.body);
    let data: serde_json::Value = serde_json::from_str(&export.body).unwrap();
    let enquiries = data["enquiries"].as_array().expect("enquiries in the export");
    let messages: Vec<&str> = enquiries.iter().map(|e| e["message"].as_str().unwrap()).collect();
    assert_eq!(messages, ["First question", "Second question"], "hers, by account and by address");
    assert_eq!(enquiries[0]["phone"], "+356 2123 4567", "opened for her");
    let notes: Vec<&str> =
        enquiries[0]["notes"].as_array().unwrap().iter().map(|n| n["text"].as_str().unwrap()).collect();
    assert_eq!(notes, ["Answered for Ann", "Noted about Ann"]);
    assert!(!export.body.contains("Bob's question"));

    let res = ann.call("account/delete", &[("password", PASSWORD)]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    assert_eq!(stored(&app).await, 1, "Bob's stays");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM enquiries WHERE email = 'bob@example.com'").await, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM enquiry_notes").await, 0, "her notes went with them");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM enquiries WHERE email <> 'bob@example.com'").await, 0);
    // The trail keeps that staff acted on an enquiry, not what it said.
    assert_eq!(enquiry_entries(&app).await, 2);
}
