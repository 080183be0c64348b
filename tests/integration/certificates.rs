//! Rosters, attendance and certificates: who may see and mark a roster,
//! the rules of marking, a certificate issued on completion with its mail,
//! the public verification page (parsed as HTML), revocation, the rate
//! limit on lookups, and the signed credential verified by PyJWT against
//! the JWKS the app serves.

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
async fn running_session(app: &TestApp) -> (i64, User, User) {
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
    let (starts, ends) = (now - chrono::Duration::days(1), now + chrono::Duration::hours(2));
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
    assert_eq!(enrolments.roster(&staff, session).await.unwrap(), roster);

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
    assert_eq!(select(&html, ".certificate-code"), [code.clone()]);

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
        statuses.push(app.get("/certificates/0123456789abcdefghjkmnpqrs").await.status);
    }
    assert_eq!(statuses.iter().filter(|s| **s == 404).count(), 30, "{statuses:?}");
    assert_eq!(statuses[30..], [429, 429]);
}

fn base64_url_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text).unwrap()
}

fn base64_url_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
