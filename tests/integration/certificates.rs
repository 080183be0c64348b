//! Rosters, attendance and certificates: who may see and mark a roster,
//! the rules of marking, a certificate issued on completion with its mail,
//! the public verification page (parsed as HTML), revocation (on the
//! printed sheet too), the rate limit on lookups, the form that takes a
//! typed number to its certificate, and the signed credential verified by
//! PyJWT against the JWKS the app serves.

use crate::enrolment::{people, refused_with, set, two_sessions};
use crate::helpers::{TestApp, python_check};
use crate::visitor::{count, mails_to};
use lyceum::error::AppError;
use lyceum::model::account::{Role, User};
use lyceum::model::enrolment::{Attendance, EnrolmentStatus, Refusal};
use lyceum::server::error::Error;
use scraper::{Html, Selector};

/// A session that started yesterday, with an instructor account linked to
/// its instructor; (session, instructor, another instructor).
pub(crate) async fn running_session(app: &TestApp) -> (i64, User, User) {
    let (_, session, _) = two_sessions(app, (3, 3)).await;
    let [teacher, other]: [User; 2] = people(app, "teacher", 2, Role::Instructor).await.try_into().unwrap();
    set(app, &format!(
        "UPDATE instructors SET user_id = {} WHERE id = (SELECT instructor_id FROM course_sessions WHERE id = {session})",
        teacher.id
    ))
    .await;
    (session, teacher, other)
}

async fn start_now(app: &TestApp, session: i64) {
    let now = chrono::Utc::now();
    place_session(app, session, now - chrono::Duration::days(1), now + chrono::Duration::hours(2)).await;
}

/// Puts a session at `starts`..`ends`, past or not (the domain refuses to).
pub(crate) async fn place_session(
    app: &TestApp,
    session: i64,
    starts: chrono::DateTime<chrono::Utc>,
    ends: chrono::DateTime<chrono::Utc>,
) {
    lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query("UPDATE course_sessions SET starts_at = $2, ends_at = $3 WHERE id = $1")
            .bind(session)
            .bind(starts)
            .bind(ends)
            .execute(pool)
            .await
            .map(|_| ())
            .unwrap()
    });
}

fn select<'a>(html: &'a Html, css: &str) -> Vec<String> {
    html.select(&Selector::parse(css).unwrap()).map(|e| e.text().collect::<String>().trim().to_string()).collect()
}

#[tokio::test]
async fn a_roster_is_for_staff_and_its_instructor_and_completion_issues_a_certificate() {
    let app = TestApp::demo().await;
    let (session, teacher, other_teacher) = running_session(&app).await;
    let learners = people(&app, "class", 4, Role::Learner).await;
    let enrolments = &app.state.enrolments;
    let mut seats = Vec::new();
    for learner in &learners {
        seats.push(enrolments.enrol(learner, learner.id, session).await.unwrap());
    }
    assert_eq!(seats[3].status, EnrolmentStatus::Waitlisted);

    // Before the start nothing can be marked.
    refused_with(enrolments.mark(&teacher, seats[0].id, Some(Attendance::Attended), false).await, Refusal::NotStarted);
    start_now(&app, session).await;

    // Who may see it.
    assert!(matches!(enrolments.roster(&learners[0], session).await, Err(Error::Refused(AppError::Forbidden))));
    assert!(matches!(enrolments.roster(&other_teacher, session).await, Err(Error::NotFound)));
    assert!(matches!(
        enrolments.mark(&other_teacher, seats[0].id, Some(Attendance::Attended), false).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        enrolments.mark(&learners[0], seats[0].id, Some(Attendance::Attended), true).await,
        Err(Error::Refused(AppError::Forbidden))
    ));
    let roster = enrolments.roster(&teacher, session).await.unwrap();
    let order: Vec<_> = roster.entries.iter().map(|e| (e.status, e.waitlist_position)).collect();
    use EnrolmentStatus::*;
    assert_eq!(order, [(Confirmed, None), (Confirmed, None), (Confirmed, None), (Waitlisted, Some(1))]);
    let staff = people(&app, "staff", 1, Role::Staff).await.remove(0);
    let staff_roster = enrolments.roster(&staff, session).await.unwrap();
    assert_eq!(staff_roster.entries, roster.entries, "the same learners, whoever reads it");
    assert!(staff_roster.manage && !roster.manage, "staff act for learners; the instructor marks attendance");
    assert!(roster.other_dates.is_empty(), "the instructor is not offered other dates");

    // The rules of marking.
    refused_with(enrolments.mark(&teacher, seats[0].id, None, true).await, Refusal::NotAttended);
    refused_with(enrolments.mark(&teacher, seats[3].id, Some(Attendance::Attended), false).await, Refusal::NotOnRoster);
    assert_eq!(enrolments.mark(&teacher, seats[1].id, Some(Attendance::NoShow), false).await.unwrap(), None);
    let code = enrolments.mark(&teacher, seats[0].id, Some(Attendance::Attended), true).await.unwrap().unwrap();
    assert_eq!(code.len(), 26);
    assert_eq!(
        enrolments.mark(&staff, seats[0].id, Some(Attendance::Attended), true).await.unwrap().as_deref(),
        Some(code.as_str()),
        "completing again keeps the one certificate"
    );
    refused_with(
        enrolments.mark(&teacher, seats[0].id, Some(Attendance::Attended), false).await,
        Refusal::CompletionFinal,
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM certificates").await, 1);
    let mail = mails_to(&app, &learners[0].email).await.pop().unwrap();
    assert!(mail.subject.starts_with("Your certificate"), "{}", mail.subject);
    assert!(mail.text.contains(&format!("https://academy.test/certificates/{code}")));

    // The learner's dashboard lists it.
    let mine = app.state.certificates.of_learner(&learners[0]).await.unwrap();
    assert_eq!((mine.len(), mine[0].code.as_str(), mine[0].revoked), (1, code.as_str(), false));
}

// Several threads: the app serves the JWKS while the checker runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_verification_page_says_valid_or_revoked_and_the_credential_verifies_independently() {
    let app = TestApp::demo().await;
    let (session, teacher, _) = running_session(&app).await;
    let learner = people(&app, "graduate", 1, Role::Learner).await.remove(0);
    // A name that must stay text wherever it lands.
    set(&app, &format!("UPDATE users SET name = 'Zoë <b onmouseover=alert(1)>&amp; Co' WHERE id = {}", learner.id))
        .await;
    let seat = app.state.enrolments.enrol(&learner, learner.id, session).await.unwrap();
    start_now(&app, session).await;
    let code = app.state.enrolments.mark(&teacher, seat.id, Some(Attendance::Attended), true).await.unwrap().unwrap();

    let page = app.get(&format!("/certificates/{code}")).await;
    assert_eq!(page.status, 200);
    let html = Html::parse_document(&page.body);
    assert_eq!(select(&html, ".certificate-name"), ["Zoë <b onmouseover=alert(1)>&amp; Co"]);
    assert!(select(&html, ".verdict").concat().starts_with("Valid."));
    assert_eq!(html.select(&Selector::parse(".certificate-qr svg path").unwrap()).count(), 1, "an inline QR code");
    assert!(html.select(&Selector::parse("b").unwrap()).next().is_none(), "no markup from the name");
    assert_eq!(select(&html, ".certificate-code"), [lyceum::model::certificate::grouped_code(&code)]);

    // The credential, verified by PyJWT against the JWKS served over HTTP.
    let addr = app.serve().await;
    let credential = app.get(&format!("/certificates/{code}/credential.jwt")).await;
    assert_eq!(credential.status, 200);
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("credential.jwt");
    std::fs::write(&token_file, &credential.body).unwrap();
    let jwks = format!("http://{addr}/.well-known/jwks.json");
    let payload = python_check("verify_credential.py", &[&jwks, token_file.to_str().unwrap(), "https://academy.test"])
        .unwrap_or_else(|e| panic!("the credential does not verify: {e}"));
    assert_eq!(payload["id"], format!("https://academy.test/certificates/{code}"));
    assert_eq!(payload["credentialSubject"]["identifier"][1]["identityHash"], "Zoë <b onmouseover=alert(1)>&amp; Co");
    assert_eq!(payload["issuer"]["name"], "Lyceum Academy");

    // A tampered credential does not verify.
    let mut parts: Vec<String> = credential.body.split('.').map(str::to_string).collect();
    let mut claims: serde_json::Value = serde_json::from_slice(&base64_url_decode(&parts[1])).unwrap();
    claims["credentialSubject"]["achievement"]["name"] = "Something else".into();
    parts[1] = base64_url_encode(claims.to_string().as_bytes());
    std::fs::write(&token_file, parts.join(".")).unwrap();
    assert!(
        python_check("verify_credential.py", &[&jwks, token_file.to_str().unwrap(), "https://academy.test"]).is_err()
    );

    // Revoked: the page says so and why; the learner cannot revoke, staff can.
    assert!(matches!(
        app.state.certificates.revoke(&learner, &code, "no").await,
        Err(Error::Refused(AppError::Forbidden))
    ));
    let staff = people(&app, "staff", 1, Role::Staff).await.remove(0);
    assert!(matches!(
        app.state.certificates.revoke(&staff, &code, "  ").await,
        Err(Error::Refused(AppError::Invalid(_)))
    ));
    app.state.certificates.revoke(&staff, &code, "Issued in error: <script>alert(1)</script>").await.unwrap();
    refused_with(app.state.certificates.revoke(&staff, &code, "again").await, Refusal::AlreadyRevoked);
    let html = Html::parse_document(&app.get(&format!("/certificates/{code}")).await.body);
    let verdict = select(&html, ".verdict").concat();
    assert!(
        verdict.starts_with("Revoked.") && verdict.contains("Issued in error: <script>alert(1)</script>"),
        "{verdict}"
    );

    // Unknown, malformed and tampered codes are not found.
    let mut tampered = code.clone();
    tampered.replace_range(0..1, if code.starts_with('0') { "1" } else { "0" });
    for path in [
        format!("/certificates/{tampered}"),
        "/certificates/0123456789abcdefghjkmnpqrs".to_string(),
        "/certificates/not-a-code".to_string(),
        format!("/certificates/{tampered}/credential.jwt"),
    ] {
        assert_eq!(app.get(&path).await.status, 404, "{path}");
    }
}

#[tokio::test]
async fn certificate_lookups_are_rate_limited_per_client() {
    let app = TestApp::demo().await;
    let mut statuses = Vec::new();
    for _ in 0..32 {
        let res = app.get("/certificates/0123456789abcdefghjkmnpqrs").await;
        if res.status == 429 {
            // Thirty a minute, one back every two seconds: the page says when.
            let wait = res.header("retry-after").and_then(|v| v.parse::<u64>().ok());
            assert!(wait.is_some_and(|secs| (1..=2).contains(&secs)), "Retry-After on the page: {wait:?}");
            assert!(res.body.contains("Too many attempts"), "{}", res.body);
        }
        statuses.push(res.status);
    }
    assert_eq!(statuses.iter().filter(|s| **s == 404).count(), 30, "{statuses:?}");
    assert_eq!(statuses[30..], [429, 429]);
}

/// A certificate issued to a new learner of a session that ran; (its
/// code, the learner, a staff member who may revoke it).
pub(crate) async fn issued(app: &TestApp) -> (String, User, User) {
    let (session, teacher, _) = running_session(app).await;
    let learner = people(app, "graduate", 1, Role::Learner).await.remove(0);
    let seat = app.state.enrolments.enrol(&learner, learner.id, session).await.unwrap();
    start_now(app, session).await;
    let code = app.state.enrolments.mark(&teacher, seat.id, Some(Attendance::Attended), true).await.unwrap().unwrap();
    let staff = people(app, "staff", 1, Role::Staff).await.remove(0);
    (code, learner, staff)
}

/// `text` as a URL query value.
fn query_value(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            b' ' => "+".to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

fn attr(html: &Html, css: &str, name: &str) -> Option<String> {
    html.select(&Selector::parse(css).unwrap()).next().and_then(|e| e.value().attr(name)).map(str::to_string)
}

#[tokio::test]
async fn an_unknown_number_says_so_with_a_404_and_offers_to_try_another() {
    let app = TestApp::demo().await;
    let (code, _, _) = issued(&app).await;
    let mut unknown = code.clone();
    unknown.replace_range(25..26, if code.ends_with('0') { "1" } else { "0" });
    for path in [
        format!("/certificates/{unknown}"),
        "/certificates/not-a-code".to_string(),
        format!("/certificates/{}", query_value("<script>alert(\"x\")</script>")),
    ] {
        let page = app.get(&path).await;
        assert_eq!(page.status, 404, "{path}");
        let html = Html::parse_document(&page.body);
        assert_eq!(select(&html, ".certificate-missing"), ["No certificate has this number."], "{path}");
        assert_eq!(select(&html, "h1"), ["Certificate not found"]);
        assert!(attr(&html, "form.verify-form", "method").is_some_and(|m| m == "get"));
        assert_eq!(attr(&html, "form.verify-form", "action").as_deref(), Some("/certificates"));
        assert_eq!(html.select(&Selector::parse("form.verify-form input[name=code]").unwrap()).count(), 1);
        assert!(!page.body.contains("<script>alert"), "no markup from the address");
    }
}

#[tokio::test]
async fn the_verify_form_takes_a_number_typed_any_way_to_its_certificate_and_names_a_bad_one() {
    let app = TestApp::demo().await;
    let (code, _, _) = issued(&app).await;

    // The entry point, from every page's footer.
    let home = Html::parse_document(&app.get("/").await.body);
    assert_eq!(select(&home, "footer a[href='/certificates']"), ["Verify a certificate"]);
    let form = app.get("/certificates").await;
    assert_eq!(form.status, 200);
    let html = Html::parse_document(&form.body);
    assert_eq!(select(&html, "h1"), ["Verify a certificate"]);
    assert_eq!(select(&html, "label[for=f-code]"), ["Certificate number"]);
    assert!(select(&html, ".field-error").is_empty());

    // Grouped, upper case, hyphens, spaces around: the same certificate,
    // reached by a redirect a browser (asking for HTML) follows.
    let mut browser = crate::visitor::Visitor::new(&app);
    let grouped = lyceum::model::certificate::grouped_code(&code);
    for typed in [grouped.clone(), grouped.to_uppercase().replace(' ', "-"), format!("  {} ", grouped.to_uppercase())] {
        let answer = browser.get(&format!("/certificates?code={}", query_value(&typed))).await;
        assert!(matches!(answer.status, 302 | 303), "{typed}: {}", answer.status);
        let location = answer.header("location").unwrap_or_default().to_string();
        assert_eq!(location, format!("/certificates/{code}"), "{typed}");
        let page = app.get(&location).await;
        assert_eq!(page.status, 200);
        assert!(select(&Html::parse_document(&page.body), ".verdict").concat().starts_with("Valid."));
    }

    // Not a number: the problem beside the field, what was typed kept, as text.
    let hostile = "<script>alert(\"x\")</script>' \" onfocus=alert(1)";
    for (typed, message) in [
        ("1234 5678", "A certificate number has 26 letters and digits"),
        ("", "This field is required."),
        (hostile, "A certificate number has 26 letters and digits"),
        (&format!("{code}u"), "A certificate number has 26 letters and digits"),
    ] {
        let answer = app.get(&format!("/certificates?code={}", query_value(typed))).await;
        assert_eq!(answer.status, 422, "{typed}");
        let html = Html::parse_document(&answer.body);
        let errors = select(&html, "#f-code-error");
        assert!(errors.len() == 1 && errors[0].starts_with(message), "{typed}: {errors:?}");
        assert_eq!(attr(&html, "#f-code", "aria-invalid").as_deref(), Some("true"));
        assert!(attr(&html, "#f-code", "aria-describedby").is_some_and(|ids| ids.contains("f-code-error")));
        assert_eq!(attr(&html, "#f-code", "value").as_deref(), Some(typed), "kept as typed, as text");
        assert!(attr(&html, "#f-code", "onfocus").is_none());
        assert!(!answer.body.contains("<script>alert"), "no markup from the query");
    }
}

#[tokio::test]
async fn a_revoked_certificate_says_so_on_its_sheet_and_the_number_reads_in_groups() {
    let app = TestApp::demo().await;
    let (code, learner, staff) = issued(&app).await;

    let html = Html::parse_document(&app.get(&format!("/certificates/{code}")).await.body);
    let shown = select(&html, ".certificate-sheet .certificate-code");
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].replace(' ', ""), code, "the grouped number is the code");
    assert!(shown[0].split(' ').all(|group| (1..=4).contains(&group.len())), "{}", shown[0]);
    let spoken = attr(&html, ".certificate-code", "aria-label").unwrap();
    assert_eq!(spoken.replace([' ', ','], ""), code.to_uppercase(), "spelled out for a screen reader");
    assert!(select(&html, ".certificate-revoked").is_empty(), "a valid one carries no band");
    assert_eq!(html.select(&Selector::parse(".certificate-sheet.is-revoked").unwrap()).count(), 0);
    let mail = mails_to(&app, &learner.email).await.pop().unwrap();
    assert!(mail.text.contains(&lyceum::model::certificate::grouped_code(&code)), "{}", mail.text);

    app.state.certificates.revoke(&staff, &code, "Issued in error: <b>wrong</b> \"course\"").await.unwrap();
    let page = app.get(&format!("/certificates/{code}")).await;
    assert_eq!(page.status, 200);
    let html = Html::parse_document(&page.body);
    let band = select(&html, ".certificate-sheet.is-revoked .certificate-revoked");
    assert_eq!(band.len(), 1, "the revocation is on the sheet that prints");
    assert!(
        band[0].starts_with("Revoked on ") && band[0].ends_with(": Issued in error: <b>wrong</b> \"course\""),
        "{}",
        band[0]
    );
    assert!(html.select(&Selector::parse(".certificate-sheet b").unwrap()).next().is_none(), "the reason stays text");
}

fn base64_url_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text).unwrap()
}

fn base64_url_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The account a visitor signed up with, as the domain sees it.
pub(crate) async fn account(app: &TestApp, email: &str) -> User {
    let (id, name, role): (i64, String, Role) = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_as("SELECT id, name, role FROM users WHERE email = $1").bind(email).fetch_one(pool).await.unwrap()
    });
    User { id, email: email.to_string(), name, role, verified: true }
}

#[tokio::test]
async fn bad_input_to_rosters_certificates_moves_and_calendars_is_a_clear_4xx_and_stores_nothing() {
    use crate::visitor::Visitor;
    let app = TestApp::demo().await;
    let (session, _, _) = running_session(&app).await;
    let (_, _, other) = two_sessions(&app, (3, 3)).await;
    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ann Borg", "ann@example.com", "correct horse battery staple").await;
    let mut sam = Visitor::new(&app);
    sam.sign_up_and_log_in("Sam Staff", "sam@example.com", "a staff member's passphrase").await;
    set(&app, "UPDATE users SET role = 'staff' WHERE email = 'sam@example.com'").await;
    let (ann_user, sam_user) = (account(&app, "ann@example.com").await, account(&app, "sam@example.com").await);
    let graduate = people(&app, "graduate", 1, Role::Learner).await.remove(0);
    let seat = app.state.enrolments.enrol(&ann_user, ann_user.id, other).await.unwrap();
    let done = app.state.enrolments.enrol(&graduate, graduate.id, session).await.unwrap();
    start_now(&app, session).await;
    let code = app.state.enrolments.mark(&sam_user, done.id, Some(Attendance::Attended), true).await.unwrap().unwrap();
    let (seat_id, done_id, session_id) = (seat.id.to_string(), done.id.to_string(), session.to_string());

    let long = "x".repeat(301);
    let staff_cases: Vec<(&str, Vec<(&str, &str)>, u16)> = vec![
        ("admin/sessions/mark", vec![("session_id", &session_id), ("enrolment_id", "abc"), ("attendance", "")], 400),
        ("admin/sessions/mark", vec![("enrolment_id", &done_id), ("attendance", "attended")], 400),
        (
            "admin/sessions/mark",
            vec![("session_id", &session_id), ("enrolment_id", &done_id), ("attendance", "present")],
            422,
        ),
        (
            "admin/sessions/mark",
            vec![("session_id", &session_id), ("enrolment_id", &done_id), ("attendance", "attended\0")],
            400,
        ),
        ("admin/sessions/mark", vec![("session_id", &session_id), ("enrolment_id", "999999"), ("attendance", "")], 404),
        ("admin/sessions/roster", vec![("session_id", "1 OR 1=1")], 400),
        ("admin/sessions/roster", vec![("session_id", "999999")], 404),
        ("certificates/revoke", vec![("code", &code), ("reason", ""), ("session_id", &session_id)], 422),
        ("certificates/revoke", vec![("code", &code), ("reason", &long), ("session_id", &session_id)], 422),
        (
            "certificates/revoke",
            vec![("code", &code), ("reason", "line\r\nBcc: x@evil.test"), ("session_id", &session_id)],
            422,
        ),
        ("certificates/revoke", vec![("code", &code), ("reason", "a\0b"), ("session_id", &session_id)], 400),
        ("certificates/revoke", vec![("code", "../../etc/passwd"), ("reason", "x"), ("session_id", &session_id)], 404),
        ("certificates/get", vec![("code", "<script>")], 404),
    ];
    for (endpoint, fields, status) in staff_cases {
        let res = sam.call(endpoint, &fields).await;
        assert_eq!(res.status, status, "{endpoint} {fields:?}: {}", res.body);
        assert!(res.body.len() < 300 && !res.body.contains("invalid digit"), "our own words: {}", res.body);
    }
    let learner_cases: Vec<(&str, Vec<(&str, &str)>, u16)> = vec![
        ("enrolment/move", vec![("enrolment_id", "x"), ("session_id", "1")], 400),
        ("enrolment/move", vec![("enrolment_id", &seat_id)], 400),
        ("enrolment/move", vec![("enrolment_id", &seat_id), ("session_id", "999999")], 404),
        ("enrolment/move", vec![("enrolment_id", &done_id), ("session_id", &session_id)], 404),
        ("admin/sessions/roster", vec![("session_id", &session_id)], 403),
        (
            "admin/sessions/mark",
            vec![("session_id", &session_id), ("enrolment_id", &done_id), ("attendance", "no_show")],
            403,
        ),
        ("certificates/revoke", vec![("code", &code), ("reason", "mine now"), ("session_id", &session_id)], 403),
    ];
    for (endpoint, fields, status) in learner_cases {
        let res = ann.call(endpoint, &fields).await;
        assert_eq!(res.status, status, "{endpoint} {fields:?}: {}", res.body);
    }
    assert_eq!(Visitor::new(&app).call("calendar/replace", &[]).await.status, 401);

    // Nothing was stored: the certificate stands, the marks and the seat are as they were, no feed.
    assert_eq!(count(&app, "SELECT COUNT(*) FROM certificates WHERE revoked_at IS NOT NULL").await, 0);
    let marks = format!(
        "SELECT COUNT(*) FROM enrolments WHERE id = {done_id} AND attendance = 'attended' AND completed_at IS NOT NULL"
    );
    assert_eq!(count(&app, &marks).await, 1);
    let seat_now = format!(
        "SELECT COUNT(*) FROM enrolments WHERE id = {seat_id} AND session_id = {other} AND status = 'confirmed'"
    );
    assert_eq!(count(&app, &seat_now).await, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM calendar_feeds").await, 0);
}

#[tokio::test]
async fn hostile_names_and_titles_stay_text_on_the_roster_and_the_learners_courses() {
    use crate::visitor::Visitor;
    let app = TestApp::demo().await;
    let (course, session, _) = two_sessions(&app, (3, 3)).await;
    let hostile = "<img src=x onerror=alert(1)>\"' & \r\nBcc: x@evil.test";
    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ann Borg", "ann@example.com", "correct horse battery staple").await;
    let mut sam = Visitor::new(&app);
    sam.sign_up_and_log_in("Sam Staff", "sam@example.com", "a staff member's passphrase").await;
    set(&app, "UPDATE users SET role = 'staff' WHERE email = 'sam@example.com'").await;
    lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query("UPDATE users SET name = $1 WHERE email = 'ann@example.com'")
            .bind(hostile)
            .execute(pool)
            .await
            .map(|_| ())
            .unwrap();
        sqlx::query("UPDATE courses SET title = $1 WHERE id = $2")
            .bind(hostile)
            .bind(course)
            .execute(pool)
            .await
            .map(|_| ())
            .unwrap()
    });
    let ann_user = account(&app, "ann@example.com").await;
    let seat = app.state.enrolments.enrol(&ann_user, ann_user.id, session).await.unwrap();
    start_now(&app, session).await;
    let sam_user = account(&app, "sam@example.com").await;
    app.state.enrolments.mark(&sam_user, seat.id, Some(Attendance::Attended), true).await.unwrap();

    let roster = sam.get(&format!("/admin/sessions/{session}")).await;
    assert_eq!(roster.status, 200);
    let html = Html::parse_document(&roster.body);
    // (HTML parsing reads CR LF as LF, as browsers do.)
    assert_eq!(select(&html, ".roster-name"), [hostile.replace("\r\n", "\n")]);
    assert!(select(&html, ".roster-session a").concat().contains("<img src=x"));
    let courses = ann.get("/account").await;
    let html_account = Html::parse_document(&courses.body);
    assert!(select(&html_account, "#certificates-heading + ul h3").concat().contains("<img src=x onerror"));
    for html in [&html, &html_account] {
        assert!(html.select(&Selector::parse("main img").unwrap()).next().is_none(), "no markup from the text");
        assert!(html.select(&Selector::parse("[onerror]").unwrap()).next().is_none());
    }
}

#[tokio::test]
async fn the_api_verifies_a_certificate_and_says_at_once_when_it_is_revoked() {
    let app = TestApp::demo().await;
    let (code, learner, staff) = issued(&app).await;
    let res = app.get(&format!("/api/v1/certificates/{code}")).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let body: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    assert_eq!((body["valid"].as_bool(), body["learner_name"].as_str()), (Some(true), Some(learner.name.as_str())));
    assert_eq!(body["credential_url"], format!("https://academy.test/certificates/{code}/credential.jwt"));
    // Revalidated every time, never kept: a revocation shows at once.
    assert_eq!(res.header("cache-control"), Some("no-cache"));
    let etag = res.header("etag").unwrap().to_string();
    let again = axum::http::Request::get(format!("/api/v1/certificates/{code}")).header("if-none-match", &etag);
    assert_eq!(app.request(again.body(axum::body::Body::empty()).unwrap()).await.status, 304);
    app.state.certificates.revoke(&staff, &code, "Issued in error").await.unwrap();
    let again = axum::http::Request::get(format!("/api/v1/certificates/{code}")).header("if-none-match", &etag);
    let res = app.request(again.body(axum::body::Body::empty()).unwrap()).await;
    assert_eq!(res.status, 200, "a new answer, with a new tag");
    let body: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    assert_eq!((body["valid"].as_bool(), body["revocation_reason"].as_str()), (Some(false), Some("Issued in error")));
    // An unknown number is a problem, as on the page.
    let res = app.get("/api/v1/certificates/not-a-code").await;
    assert_eq!((res.status, res.header("content-type")), (404, Some("application/problem+json")));
}
