//! Staff writing to a session's learners from its roster: one mail per
//! learner with the text in its body, the waitlist only when asked, and an
//! audit entry without the text; typed text never in a header and escaped
//! in the HTML part, as Python's `email` parser reads the mail a relay
//! received; bad text refused by its field with nothing queued or
//! recorded; staff only; a session cancelled, over or empty refused; and
//! the form posted without JavaScript, a refused one keeping what was
//! typed.

use crate::helpers::TestApp;
use crate::mail::TlsRelay;
use crate::visitor::{Visitor, count, mails_to, run_notices};
use lyceum::model::account::{Role, User};
use lyceum::server::config::Config;
use lyceum::server::mail::{Mail, Mailer};
use scraper::{Html, Selector};

const PASSWORD: &str = "correct horse battery staple";
const MESSAGE: &str = "admin/sessions/message";
const SUBJECT: &str = "About your session: ";

/// A signed-in visitor of `role`, from an address of their own.
async fn person<'a>(app: &'a TestApp, role: Role, n: u8) -> Visitor<'a> {
    let email = format!("{}{n}@academy.test", role.as_str());
    app.state.accounts.create_confirmed(&email, &format!("{} {n}", role.label()), PASSWORD, role).await.unwrap();
    let mut visitor = Visitor::from_ip(app, format!("203.0.113.{}", 100 + n).parse().unwrap());
    let res = visitor.call("account/login", &[("email", &email), ("password", PASSWORD)]).await;
    assert!(res.status < 400, "login: {} {}", res.status, res.body);
    visitor
}

/// Two upcoming sessions of one course, the first with `seats` seats and
/// `learners` enrolled in it in turn (those past the seats on its
/// waitlist); (first, second, the learners).
async fn sessions_with(app: &TestApp, seats: i64, learners: usize, prefix: &str) -> (i64, i64, Vec<User>) {
    let (_, first, second) = crate::enrolment::two_sessions(app, (seats, 2)).await;
    let people = crate::enrolment::people(app, prefix, learners, Role::Learner).await;
    for learner in &people {
        app.state.enrolments.enrol(learner, learner.id, first).await.unwrap();
    }
    (first, second, people)
}

/// Every mail queued so far, once the jobs that queue mail have run.
async fn queued(app: &TestApp) -> i64 {
    run_notices(app).await;
    count(app, "SELECT COUNT(*) FROM jobs WHERE kind = 'mail.send'").await
}

/// The audit entries of messages to `session`.
async fn recorded(app: &TestApp, session: i64) -> i64 {
    count(
        app,
        &format!(
            "SELECT COUNT(*) FROM audit_log WHERE event = 'session.messaged' AND entity = 'session' \
             AND entity_id = {session}"
        ),
    )
    .await
}

/// The messages from staff among `to`'s mail.
async fn messages_to(app: &TestApp, to: &str) -> Vec<Mail> {
    mails_to(app, to).await.into_iter().filter(|m| m.subject.starts_with(SUBJECT)).collect()
}

/// The subject a message about `session` has: its course and local day.
async fn subject_of(app: &TestApp, session: i64) -> String {
    let (title, starts_at): (String, chrono::DateTime<chrono::Utc>) = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_as(
            "SELECT c.title, s.starts_at FROM course_sessions s JOIN courses c ON c.id = s.course_id WHERE s.id = $1",
        )
        .bind(session)
        .fetch_one(pool)
        .await
        .unwrap()
    });
    let day = starts_at.with_timezone(&app.state.config.timezone).format("%a %-d %b %Y");
    format!("{SUBJECT}{title}, {day}")
}

#[tokio::test]
async fn each_learner_gets_one_mail_with_the_text_and_the_waitlist_only_when_asked() {
    let app = TestApp::demo().await;
    let (session, _, learners) = sessions_with(&app, 2, 3, "told").await;
    let (seated, waiting) = learners.split_at(2);
    let mut staff = person(&app, Role::Staff, 1).await;
    let id = session.to_string();
    let subject = subject_of(&app, session).await;

    let first = "We are in room 4B today.\r\n\r\nThe lift is out of order: please take the stairs.";
    let res = staff.call(MESSAGE, &[("session_id", &id), ("body", first)]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    for learner in seated {
        let mails = messages_to(&app, &learner.email).await;
        assert_eq!(mails.len(), 1, "{} hears once", learner.email);
        assert_eq!(mails[0].subject, subject);
        assert!(mails[0].text.contains(&format!("Hello {},", learner.name)), "{}", mails[0].text);
        assert!(
            mails[0].text.contains("We are in room 4B today.\n\nThe lift is out of order: please take the stairs."),
            "{}",
            mails[0].text
        );
    }
    assert!(messages_to(&app, &waiting[0].email).await.is_empty(), "the waitlist only when asked");
    assert_eq!(recorded(&app, session).await, 1);
    let changes: String = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT changes FROM audit_log WHERE event = 'session.messaged'")
            .fetch_one(pool)
            .await
            .unwrap()
    });
    assert!(changes.contains("\"messaged\"") && changes.contains("\"2\""), "how many: {changes}");
    assert!(!changes.contains("4B") && !changes.contains("stairs"), "never the text: {changes}");

    // With the waitlist: everyone, once each.
    let second = "Bring a laptop.";
    let res = staff.call(MESSAGE, &[("session_id", &id), ("body", second), ("waitlist", "on")]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    for (learner, before) in seated.iter().map(|l| (l, 1)).chain(waiting.iter().map(|l| (l, 0))) {
        let mails = messages_to(&app, &learner.email).await;
        assert_eq!(mails.len(), before + 1, "{} hears once more", learner.email);
        assert!(mails.last().unwrap().text.contains(second));
    }
    assert_eq!(recorded(&app, session).await, 2);
}

#[tokio::test]
async fn typed_text_never_reaches_a_header_and_is_escaped_in_the_html_part() {
    let relay = TlsRelay::start();
    let app = TestApp::demo().await;
    let (session, _, learners) = sessions_with(&app, 2, 1, "hostile").await;
    let mut staff = person(&app, Role::Staff, 1).await;
    let hostile = "Room change\r\nBcc: everyone@evil.test\r\nSubject: free seats\r\n\r\n\
                   <script>alert('x')</script> & <b>bold</b>";
    let res = staff.call(MESSAGE, &[("session_id", &session.to_string()), ("body", hostile)]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    let url = format!("smtp://localhost:{}", relay.port);
    let ca = relay.ca_file.display().to_string();
    let config = Config::from_lookup(|name| match name {
        "SMTP_URL" => Some(url.clone()),
        "LYCEUM_SMTP_CA_FILE" => Some(ca.clone()),
        "LYCEUM_MAIL_FROM" => Some("Lyceum <no-reply@academy.test>".into()),
        _ => None,
    })
    .unwrap();
    let mailer = Mailer::from_config(&config).unwrap();
    crate::jobs::worker(&app.state.db, app.job_registry(mailer)).run_until_idle().await;

    let received = relay.received();
    let sent: Vec<_> =
        received.iter().filter(|m| m["subject"].as_str().is_some_and(|s| s.starts_with(SUBJECT))).collect();
    assert_eq!(sent.len(), 1, "{received:?}");
    let mail = sent[0];
    assert_eq!(mail["rcpt_tos"], serde_json::json!([learners[0].email]));
    assert_eq!(mail["subject"], subject_of(&app, session).await.as_str());
    assert_eq!(mail["defects"], serde_json::json!([]), "{mail}");
    let headers = mail["headers"].as_array().unwrap();
    let names: Vec<String> = headers.iter().map(|h| h[0].as_str().unwrap().to_ascii_lowercase()).collect();
    assert!(!names.iter().any(|n| n == "bcc" || n == "cc" || n == "reply-to"), "{names:?}");
    assert_eq!(names.iter().filter(|n| *n == "subject").count(), 1);
    for header in headers {
        let value = header[1].as_str().unwrap();
        assert!(!value.contains("evil") && !value.contains("free") && !value.contains("script"), "{header}");
    }
    // The text part holds what was typed, as typed...
    // As the relay received it, lines end in CRLF.
    let text = mail["text"].as_str().unwrap().replace("\r\n", "\n");
    assert!(text.contains("Room change\nBcc: everyone@evil.test\nSubject: free seats\n\n<script>"), "{text}");
    // ...and the HTML part shows it, escaped, never runs it.
    let html = mail["html"].as_str().expect("an HTML part").replace("\r\n", "\n");
    assert!(!html.contains("<script") && !html.contains("<b>bold"), "{html}");
    assert!(html.contains("Room change<br>Bcc: everyone@evil.test<br>Subject: free seats</p>"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"), "{html}");
}

#[tokio::test]
async fn bad_text_other_roles_and_closed_or_empty_sessions_are_refused_with_nothing_sent() {
    let app = TestApp::demo().await;
    let (first, second, _) = sessions_with(&app, 2, 2, "refused").await;
    let mut staff = person(&app, Role::Staff, 1).await;
    let mut learner = person(&app, Role::Learner, 2).await;
    let mut instructor = person(&app, Role::Instructor, 3).await;
    let (first_id, second_id) = (first.to_string(), second.to_string());
    let before = queued(&app).await;

    // Empty and too long: refused next to the field.
    let long = "x".repeat(5_001);
    for body in ["", " \r\n\t ", long.as_str()] {
        let res = staff.call(MESSAGE, &[("session_id", &first_id), ("body", body), ("waitlist", "on")]).await;
        assert_eq!(res.status, 422, "{}", res.body);
        assert!(res.body.contains(r#""field":"body""#), "{}", res.body);
    }
    // Nobody but staff, whatever they send.
    for visitor in [&mut learner, &mut instructor] {
        let res = visitor.call(MESSAGE, &[("session_id", &first_id), ("body", "Free pizza")]).await;
        assert_eq!(res.status, 403, "{}", res.body);
    }
    let res = staff.call(MESSAGE, &[("session_id", "424242"), ("body", "Hello")]).await;
    assert_eq!(res.status, 404, "{}", res.body);
    // A session nobody holds a place in.
    let res = staff.call(MESSAGE, &[("session_id", &second_id), ("body", "Hello"), ("waitlist", "on")]).await;
    assert_eq!(res.status, 409, "{}", res.body);
    assert!(res.body.contains("nobody_to_message"), "{}", res.body);
    assert_eq!(queued(&app).await, before, "nothing queued");
    assert_eq!((recorded(&app, first).await, recorded(&app, second).await), (0, 0), "nothing recorded");

    // A cancelled session: its learners were told, and hear nothing more.
    let late = crate::enrolment::people(&app, "late", 1, Role::Learner).await;
    app.state.enrolments.enrol(&late[0], late[0].id, second).await.unwrap();
    let res = staff.call("admin/sessions/cancel", &[("session_id", &second_id)]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    let before = queued(&app).await;
    let res = staff.call(MESSAGE, &[("session_id", &second_id), ("body", "Hello")]).await;
    assert_eq!(res.status, 409, "{}", res.body);
    assert!(res.body.contains("message_cancelled"), "{}", res.body);

    // A session that is over.
    let now = chrono::Utc::now();
    lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query("UPDATE course_sessions SET starts_at = $1, ends_at = $2 WHERE id = $3")
            .bind(now - chrono::Duration::days(2))
            .bind(now - chrono::Duration::days(1))
            .bind(first)
            .execute(pool)
            .await
            .map(|_| ())
            .unwrap()
    });
    let res = staff.call(MESSAGE, &[("session_id", &first_id), ("body", "Hello")]).await;
    assert_eq!(res.status, 409, "{}", res.body);
    assert!(res.body.contains("message_over"), "{}", res.body);
    assert_eq!(queued(&app).await, before, "nothing queued");
    assert_eq!((recorded(&app, first).await, recorded(&app, second).await), (0, 0), "nothing recorded");
}

#[tokio::test]
async fn without_javascript_the_form_posts_and_a_refused_one_keeps_what_was_typed() {
    let app = TestApp::demo().await;
    let (session, _, learners) = sessions_with(&app, 2, 1, "plain").await;
    let mut staff = person(&app, Role::Staff, 1).await;
    let (page, id) = (format!("/admin/sessions/{session}"), session.to_string());
    let before = queued(&app).await;

    let roster = staff.get(&page).await;
    assert_eq!(roster.status, 200);
    let html = Html::parse_document(&roster.body);
    let form = Selector::parse(r#"form[action="/rpc/admin/sessions/message"][method="post"]"#).unwrap();
    assert_eq!(html.select(&form).count(), 1, "the form posts without JavaScript");
    assert!(roster.body.contains("Message the learners"));

    // Too long, with the box ticked: back to the roster with both kept.
    let long = format!("Line one\n</textarea><b>{}</b>", "x".repeat(5_000));
    let fields = [("session_id", id.as_str()), ("body", long.as_str()), ("waitlist", "on")];
    let res = staff.submit(&page, MESSAGE, &fields).await;
    assert_eq!(res.status, 303, "{}", res.body);
    let back = staff.get(res.header("location").unwrap()).await;
    assert_eq!(back.status, 200);
    let html = Html::parse_document(&back.body);
    let one = |css: &str| html.select(&Selector::parse(css).unwrap()).next().unwrap_or_else(|| panic!("{css}"));
    assert_eq!(one("textarea#f-body").value().attr("aria-invalid"), Some("true"));
    assert_eq!(one("textarea#f-body").text().collect::<String>(), long);
    assert!(one("#f-body-error").text().collect::<String>().contains("at most 5000"));
    assert!(one("input#f-waitlist").value().attr("checked").is_some(), "the box stays ticked");
    assert_eq!(html.select(&Selector::parse("main b").unwrap()).count(), 0, "shown as text");
    assert_eq!((queued(&app).await, recorded(&app, session).await), (before, 0));

    // Sent: back to the roster with the notice, the learner told once.
    let fields = [("session_id", id.as_str()), ("body", "The session starts at 09:30, not 09:00.")];
    let res = staff.submit(&page, MESSAGE, &fields).await;
    assert!(matches!(res.status, 302 | 303), "{} {}", res.status, res.body);
    let location = res.header("location").unwrap().to_string();
    assert_eq!(location, format!("{page}?notice=messaged"));
    let done = staff.get(&location).await;
    assert!(done.body.contains("The message is on its way"), "{}", done.body);
    let mails = messages_to(&app, &learners[0].email).await;
    assert_eq!(mails.len(), 1);
    assert!(mails[0].text.contains("09:30, not 09:00"));
    assert_eq!(recorded(&app, session).await, 1);
}
