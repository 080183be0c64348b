//! Passkeys as the second factor, against a software authenticator built
//! from python-fido2's WebAuthn structures (`tests/support/passkey.py`):
//! it reads Lyceum's options as a browser would and answers as a browser's
//! `toJSON()` does. An answer works once, for its own account, its own
//! ceremony and its own site; a verified owner and a counter that only
//! goes forwards are required; names are people's text.

use crate::back_office::PASSWORD;
use crate::helpers::{TestApp, TestResponse};
use crate::visitor::{ORIGIN, Visitor, count, mails_to};
use lyceum::model::account::Role;
use scraper::{Html, Selector};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

const REQUIRED: &[(&str, &str)] = &[("LYCEUM_STAFF_SECOND_FACTOR", "required")];

/// What a server function returning a string answered (JSON-encoded).
fn text(res: &TestResponse) -> String {
    assert_eq!(res.status, 200, "{}", res.body);
    serde_json::from_str(&res.body).expect("a JSON string")
}

/// The software authenticator's answer to `options`, or its refusal.
fn authenticator(
    ceremony: &str,
    keyfile: &Path,
    origin: &str,
    options: &str,
    extra: &[&str],
) -> Result<String, String> {
    let python = std::env::var("LYCEUM_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = format!("{}/tests/support/passkey.py", env!("CARGO_MANIFEST_DIR"));
    let mut child = Command::new(&python)
        .arg(&script)
        .arg(ceremony)
        .arg(keyfile)
        .arg(origin)
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{python} runs passkey.py (scripts/test installs fido2): {e}"));
    child.stdin.take().unwrap().write_all(options.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    match output.status.success() {
        true => Ok(String::from_utf8(output.stdout).unwrap()),
        false => Err(String::from_utf8_lossy(&output.stderr).into_owned()),
    }
}

/// Registers a passkey named `name` from `keyfile`'s authenticator; the
/// answer to the add call.
async fn register(visitor: &mut Visitor<'_>, keyfile: &Path, name: &str) -> TestResponse {
    let options = text(&visitor.call("account/passkeys/options", &[]).await);
    let answer = authenticator("create", keyfile, ORIGIN, &options, &[]).expect("the authenticator makes a key");
    visitor.call("account/passkeys/add", &[("name", name), ("credential", &answer)]).await
}

async fn password(visitor: &mut Visitor<'_>, email: &str) -> Option<String> {
    let res = visitor.call("account/login", &[("email", email), ("password", PASSWORD)]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    res.header("location").map(str::to_string)
}

/// The second step's options, for the account whose password was given.
async fn sign_in_options(visitor: &mut Visitor<'_>) -> String {
    text(&visitor.call("account/login/passkey/options", &[]).await)
}

async fn answer(visitor: &mut Visitor<'_>, credential: &str) -> TestResponse {
    visitor.call("account/login/passkey", &[("credential", credential)]).await
}

fn texts(page: &TestResponse, css: &str) -> Vec<String> {
    let html = Html::parse_document(&page.body);
    html.select(&Selector::parse(css).unwrap()).map(|e| e.text().collect::<String>().trim().to_string()).collect()
}

async fn events(app: &TestApp, email: &str) -> Vec<(String, String)> {
    lyceum::with_pool!(&app.state.db, |pool| sqlx::query_as(
        "SELECT a.event, a.detail FROM audit_log a JOIN users u ON u.id = a.user_id WHERE u.email = $1 ORDER BY a.id"
    )
    .bind(email)
    .fetch_all(pool)
    .await
    .unwrap())
}

#[tokio::test]
async fn a_learner_adds_a_passkey_and_signs_in_with_it_once_per_challenge() {
    let app = TestApp::demo_with(REQUIRED).await;
    let keys = tempfile::tempdir().unwrap();
    let laptop = keys.path().join("laptop.json");
    let email = "ann@example.com";
    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ann", email, PASSWORD).await;

    // The options name the site and the account, as python-fido2 reads them.
    let options: serde_json::Value =
        serde_json::from_str(&text(&ann.call("account/passkeys/options", &[]).await)).unwrap();
    assert_eq!(options["publicKey"]["rp"]["id"], "academy.test");
    assert_eq!(options["publicKey"]["user"]["name"], email);
    assert_eq!(options["publicKey"]["authenticatorSelection"]["userVerification"], "required");

    let added = register(&mut ann, &laptop, "Work laptop").await;
    let to = text(&added);
    assert_eq!(to, "/account/security/authenticator?notice=passkey-added");
    let page = ann.get(&to).await;
    assert_eq!(texts(&page, ".passkey-name"), vec!["Work laptop"]);
    assert_eq!(texts(&page, ".recovery-codes code").len(), 10, "a first second factor comes with recovery codes");
    assert!(mails_to(&app, email).await.iter().any(|m| m.subject == "A second factor was added to your account"
        && m.text.contains("A passkey (\u{201c}Work laptop\u{201d})")));
    // Only the public key is kept.
    let kept: String = lyceum::with_pool!(&app.state.db, |pool| sqlx::query_scalar("SELECT credential FROM passkeys")
        .fetch_one(pool)
        .await
        .unwrap());
    let private = std::fs::read_to_string(&laptop).unwrap();
    let key: serde_json::Value = serde_json::from_str(&private).unwrap();
    let pem_body: String = key["key"].as_str().unwrap().lines().filter(|l| !l.starts_with("-----")).collect();
    assert!(!kept.contains(&pem_body[..40]));

    // Signing in: the password, then the passkey.
    ann.call("account/logout", &[]).await;
    assert_eq!(password(&mut ann, email).await.as_deref(), Some("/login/code"));
    let options = sign_in_options(&mut ann).await;
    let signed = authenticator("get", &laptop, ORIGIN, &options, &[]).unwrap();
    assert_eq!(text(&answer(&mut ann, &signed).await), "/account");
    assert_eq!(ann.get("/account").await.status, 200, "signed in");

    // The same answer again, in a later sign-in: its challenge is spent.
    ann.call("account/logout", &[]).await;
    password(&mut ann, email).await;
    sign_in_options(&mut ann).await;
    let replayed = answer(&mut ann, &signed).await;
    assert_eq!(replayed.status, 422, "{}", replayed.body);
    assert_eq!(ann.get("/account").await.status, 302, "still not signed in");

    // An answer made for another site (a look-alike's origin) is refused.
    let options = sign_in_options(&mut ann).await;
    let phished = authenticator("get", &laptop, "https://academy.test.example", &options, &[]).unwrap();
    assert_eq!(answer(&mut ann, &phished).await.status, 422);
    // So is one whose owner was not verified (presence only).
    let options = sign_in_options(&mut ann).await;
    let unverified = authenticator("get", &laptop, ORIGIN, &options, &["--no-uv"]).unwrap();
    assert_eq!(answer(&mut ann, &unverified).await.status, 422);
    // And one whose counter went backwards (a cloned authenticator).
    let options = sign_in_options(&mut ann).await;
    let forwards = authenticator("get", &laptop, ORIGIN, &options, &["--counter", "7"]).unwrap();
    assert_eq!(text(&answer(&mut ann, &forwards).await), "/account");
    ann.call("account/logout", &[]).await;
    password(&mut ann, email).await;
    let options = sign_in_options(&mut ann).await;
    let cloned = authenticator("get", &laptop, ORIGIN, &options, &["--counter", "3"]).unwrap();
    assert_eq!(answer(&mut ann, &cloned).await.status, 422);
    // A body that is no credential at all: refused, nothing breaks.
    sign_in_options(&mut ann).await;
    assert_eq!(answer(&mut ann, "{\"id\": 5}").await.status, 422);
    assert_eq!(answer(&mut ann, "<script>").await.status, 422);

    // Ceremonies left unanswered wait out their five minutes; an answer
    // after them is refused, and the worker's housekeeping deletes them.
    let options = sign_in_options(&mut ann).await;
    let late = authenticator("get", &laptop, ORIGIN, &options, &["--counter", "9"]).unwrap();
    let waiting = "SELECT COUNT(*) FROM passkey_challenges";
    assert!(count(&app, waiting).await >= 2, "the unanswered ceremonies are kept until their time");
    let past = chrono::Utc::now() - chrono::Duration::minutes(1);
    lyceum::with_pool!(&app.state.db, |pool| sqlx::query("UPDATE passkey_challenges SET expires_at = $1")
        .bind(past)
        .execute(pool)
        .await
        .map(|done| done.rows_affected())
        .unwrap());
    assert_eq!(answer(&mut ann, &late).await.status, 422, "a ceremony past its time");
    let live = sign_in_options(&mut ann).await;
    let now = chrono::Utc::now();
    lyceum::server::jobs::queue::sweep_expired(&app.state.db, now - chrono::Duration::days(30), now).await.unwrap();
    assert_eq!(count(&app, waiting).await, 1, "only the ceremony under way is left");
    let signed = authenticator("get", &laptop, ORIGIN, &live, &["--counter", "10"]).unwrap();
    assert_eq!(text(&answer(&mut ann, &signed).await), "/account");

    let trail = events(&app, email).await;
    assert!(trail.contains(&("second_factor_added".into(), "passkey".into())), "{trail:?}");
    assert!(trail.contains(&("second_factor_passed".into(), "passkey".into())), "{trail:?}");
    assert!(trail.iter().filter(|(e, _)| e == "second_factor_failed").count() >= 5, "{trail:?}");
    // Once the account has a passkey, a password alone is no sign-in: the
    // trail says so, and records the sign-in when the passkey passes.
    let added = trail.iter().position(|e| e.0 == "second_factor_added").unwrap();
    let since: Vec<_> = trail[added..].iter().map(|(e, d)| (e.as_str(), d.as_str())).collect();
    assert!(!since.contains(&("login_succeeded", "")), "{since:?}");
    assert!(since.contains(&("password_accepted", "")), "{since:?}");
    let signed_in = since.iter().filter(|e| **e == ("login_succeeded", "passkey")).count();
    let passed = since.iter().filter(|e| **e == ("second_factor_passed", "passkey")).count();
    assert_eq!((signed_in, passed), (3, 3), "{since:?}");
}

#[tokio::test]
async fn a_passkey_of_another_account_is_refused_and_registered_once() {
    let app = TestApp::demo_with(REQUIRED).await;
    let keys = tempfile::tempdir().unwrap();
    let (anns, bobs) = (keys.path().join("ann.json"), keys.path().join("bob.json"));
    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ann", "ann@example.com", PASSWORD).await;
    let mut bob = Visitor::from_ip(&app, "198.51.100.7".parse().unwrap());
    bob.sign_up_and_log_in("Bob", "bob@example.com", PASSWORD).await;
    text(&register(&mut ann, &anns, "Phone").await);
    text(&register(&mut bob, &bobs, "Key").await);

    // Bob's authenticator signs Ann's challenge: not one of her passkeys.
    ann.call("account/logout", &[]).await;
    password(&mut ann, "ann@example.com").await;
    let options = sign_in_options(&mut ann).await;
    assert!(authenticator("get", &bobs, ORIGIN, &options, &[]).is_err(), "the browser offers only hers");
    let forced = authenticator("get", &bobs, ORIGIN, &options, &["--ignore-allowed"]).unwrap();
    assert_eq!(answer(&mut ann, &forced).await.status, 422);
    // An answer to Bob's own ceremony, sent in Ann's sign-in.
    bob.call("account/logout", &[]).await;
    password(&mut bob, "bob@example.com").await;
    let bob_options = sign_in_options(&mut bob).await;
    let bobs_answer = authenticator("get", &bobs, ORIGIN, &bob_options, &[]).unwrap();
    assert_eq!(answer(&mut ann, &bobs_answer).await.status, 422, "another session's ceremony");
    assert_eq!(text(&answer(&mut bob, &bobs_answer).await), "/account", "still good in its own");

    // Signed in with her passkey, Ann cannot add the same authenticator
    // twice: the options exclude it.
    let options = sign_in_options(&mut ann).await;
    text(&answer(&mut ann, &authenticator("get", &anns, ORIGIN, &options, &[]).unwrap()).await);
    let options = text(&ann.call("account/passkeys/options", &[]).await);
    assert!(authenticator("create", &anns, ORIGIN, &options, &[]).is_err(), "excluded");
    // Bob's credential registered again on Ann's account: refused.
    let options = text(&ann.call("account/passkeys/options", &[]).await);
    let again = authenticator("create", &bobs, ORIGIN, &options, &["--reuse"]).unwrap();
    let res = ann.call("account/passkeys/add", &[("name", "Bob's key"), ("credential", &again)]).await;
    assert_eq!(res.status, 422, "{}", res.body);
    assert!(res.body.contains("passkey_taken"), "{}", res.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM passkeys").await, 2);
}

#[tokio::test]
async fn two_sign_ins_racing_with_one_answer_get_one_session() {
    let app = TestApp::demo_with(REQUIRED).await;
    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("key.json");
    let email = "ann@example.com";
    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ann", email, PASSWORD).await;
    text(&register(&mut ann, &key, "Key").await);
    ann.call("account/logout", &[]).await;
    password(&mut ann, email).await;
    let options = sign_in_options(&mut ann).await;
    let signed = authenticator("get", &key, ORIGIN, &options, &[]).unwrap();
    // A double click: one session cookie, two requests at once.
    let mut twin = Visitor::new(&app);
    twin.set_cookie(ann.cookie());
    let fields = [("credential", signed.as_str())];
    let (a, b) = tokio::join!(ann.call("account/login/passkey", &fields), twin.call("account/login/passkey", &fields));
    let passed = [a.status, b.status].iter().filter(|s| **s < 400).count();
    assert_eq!(passed, 1, "one of two: {} {} / {} {}", a.status, a.body, b.status, b.body);
}

#[tokio::test]
async fn a_staff_passkey_opens_the_back_office_and_removing_the_last_factor_sends_them_back() {
    let app = TestApp::demo_with(REQUIRED).await;
    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("key.json");
    let email = "sam@academy.test";
    app.state.accounts.create_confirmed(email, "Sam Staff", PASSWORD, Role::Staff).await.unwrap();
    let mut sam = Visitor::new(&app);
    assert_eq!(password(&mut sam, email).await.as_deref(), Some("/account/security/authenticator"));
    assert_eq!(sam.call("admin/dashboard", &[]).await.status, 403);
    text(&register(&mut sam, &key, "Desk key").await);
    assert_eq!(sam.get("/admin").await.status, 200, "a passkey is a second factor");
    sam.call("account/logout", &[]).await;
    assert_eq!(password(&mut sam, email).await.as_deref(), Some("/login/code"));
    let step = sam.get("/login/code").await;
    assert_eq!(step.status, 200);
    let options = sign_in_options(&mut sam).await;
    let signed = authenticator("get", &key, ORIGIN, &options, &[]).unwrap();
    assert_eq!(text(&answer(&mut sam, &signed).await), "/admin");

    // Removal takes the password; the last factor's removal voids the codes.
    let id: i64 = lyceum::with_pool!(&app.state.db, |pool| sqlx::query_scalar("SELECT id FROM passkeys")
        .fetch_one(pool)
        .await
        .unwrap());
    let wrong =
        sam.call("account/passkeys/remove", &[("passkey", &id.to_string()), ("passkey_password", "nope")]).await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("passkey_password"), "the error names its field: {}", wrong.body);
    let res = sam
        .submit(
            "/account/security/authenticator",
            "account/passkeys/remove",
            &[("passkey", &id.to_string()), ("passkey_password", PASSWORD)],
        )
        .await;
    assert_eq!(res.header("location"), Some("/account/security/authenticator?notice=passkey-removed"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM passkeys").await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM recovery_codes").await, 0, "void with the last factor");
    assert_eq!(sam.get("/admin").await.header("location"), Some("/account/security/authenticator"));
    let mails = mails_to(&app, email).await;
    assert!(mails.iter().any(|m| m.subject == "A second factor of your account was removed"
        && m.text.contains("Desk key")
        && m.text.contains("recovery codes are void")));
}

#[tokio::test]
async fn a_passkey_name_is_text_wherever_it_lands() {
    let app = TestApp::demo_with(REQUIRED).await;
    let keys = tempfile::tempdir().unwrap();
    let email = "ann@example.com";
    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ann", email, PASSWORD).await;
    // Line breaks and NUL have no place in a name: refused, nothing kept,
    // and the ceremony is still there for a corrected name.
    let options = text(&ann.call("account/passkeys/options", &[]).await);
    let answer = authenticator("create", &keys.path().join("a.json"), ORIGIN, &options, &[]).unwrap();
    for bad in ["Laptop\r\nBcc: x@evil.test", "Lap\0top", "", &"x".repeat(61)] {
        let res = ann.call("account/passkeys/add", &[("name", bad), ("credential", &answer)]).await;
        // NUL is no form's character: refused before the name is read (400).
        assert!(matches!(res.status, 400 | 422), "{bad:?}: {} {}", res.status, res.body);
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM passkeys").await, 0);
    let hostile = "<script>alert(1)</script> \"Ann's\" & <b>key</b>";
    let res = ann.call("account/passkeys/add", &[("name", hostile), ("credential", &answer)]).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let page = ann.get("/account/security/authenticator").await;
    assert_eq!(texts(&page, ".passkey-name"), vec![hostile], "read back as text by an HTML parser");
    assert_eq!(texts(&page, "#f-passkey option"), vec![hostile], "in the removal form's choice too");
    let html = Html::parse_document(&page.body);
    assert!(html.select(&Selector::parse(".passkey-name script, .passkey-name b").unwrap()).next().is_none());
    let mail = mails_to(&app, email).await.into_iter().find(|m| m.subject.starts_with("A second factor")).unwrap();
    assert!(mail.text.contains(hostile), "plain text keeps it as typed");
}

#[tokio::test]
async fn hostile_text_in_the_code_field_comes_back_as_text() {
    let app = TestApp::demo_with(REQUIRED).await;
    let email = "ann@example.com";
    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ann", email, PASSWORD).await;
    let page = ann.get("/account/security/authenticator").await;
    assert_eq!(page.status, 200);
    let mut read_back = 0;
    for typed in ["<img src=x onerror=alert(1)>\"'", "12\r\n34", "\u{0}123456", "</textarea><script>x</script>"] {
        // Without JavaScript: the form comes back with what was typed.
        let res =
            ann.submit("/account/security/authenticator", "account/authenticator/confirm", &[("code", typed)]).await;
        assert!(res.status < 500, "{typed:?}: {}", res.status);
        if let Some(back) = res.header("location").map(str::to_string) {
            let page = ann.get(&back).await;
            assert!(page.status < 500);
            let html = Html::parse_document(&page.body);
            let input = html.select(&Selector::parse("#f-code").unwrap()).next().expect("the code field");
            let value = input.value().attr("value").unwrap_or_default();
            // As an HTML parser reads it back: line breaks normalised, NUL replaced.
            let expected = typed.replace("\r\n", "\n").replace('\0', "\u{fffd}");
            assert!(value.is_empty() || value == expected, "{typed:?} came back as {value:?}");
            read_back += usize::from(value == expected);
            assert!(html.select(&Selector::parse("img[onerror], .field script").unwrap()).next().is_none());
        }
        let res = ann.call("account/authenticator/confirm", &[("code", typed)]).await;
        assert!((400..500).contains(&res.status), "{typed:?}: {} {}", res.status, res.body);
    }
    assert!(read_back >= 3, "the page gave back what was typed, as text, {read_back} times of 4");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM totp_factors WHERE confirmed_at IS NOT NULL").await, 0);
}
