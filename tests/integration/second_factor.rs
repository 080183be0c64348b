//! A second factor at sign-in: an authenticator app (TOTP codes computed
//! here by pyotp, an implementation Lyceum does not share, from the
//! otpauth:// address the page gives) and single-use recovery codes.
//! Required of staff before any back-office page, optional for learners;
//! every change audited and mailed; a code works once, for its own account.

use crate::back_office::PASSWORD;
use crate::helpers::{TestApp, TestResponse, python_check};
use crate::visitor::{Visitor, count, mails_to};
use lyceum::model::account::Role;
use scraper::{Html, Selector};
use serde_json::Value;

/// The app's settings with the rule as an academy has it by default.
const REQUIRED: &[(&str, &str)] = &[("LYCEUM_STAFF_SECOND_FACTOR", "required")];

fn select(page: &TestResponse, css: &str) -> Vec<String> {
    let html = Html::parse_document(&page.body);
    html.select(&Selector::parse(css).unwrap()).map(|e| e.text().collect::<String>().trim().to_string()).collect()
}

fn attribute(page: &TestResponse, css: &str, name: &str) -> Option<String> {
    let html = Html::parse_document(&page.body);
    html.select(&Selector::parse(css).unwrap()).next().and_then(|e| e.value().attr(name)).map(str::to_string)
}

/// The authenticator's setup page read as an app would: the otpauth://
/// address, and what pyotp reads in it (the secret, its codes).
async fn read_setup(visitor: &mut Visitor<'_>) -> (String, Value) {
    let page = visitor.get("/account/security/authenticator").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let uri = attribute(&page, "a[href^='otpauth://']", "href").expect("an otpauth:// link");
    let read = codes_of(&uri);
    let key = select(&page, "#authenticator-key").remove(0).replace(' ', "");
    assert_eq!(read["secret"].as_str(), Some(key.as_str()), "the typed key is the address's secret");
    (uri, read)
}

/// Sets up an authenticator for a signed-in visitor: its otpauth://
/// address, and the recovery codes shown once.
async fn set_up(visitor: &mut Visitor<'_>) -> (String, Vec<String>) {
    let (uri, read) = read_setup(visitor).await;
    let code = read["now"].as_str().unwrap().to_string();
    let res =
        visitor.submit("/account/security/authenticator", "account/authenticator/confirm", &[("code", &code)]).await;
    assert_eq!(res.status, 302, "{}", res.body);
    let page = visitor.get("/account/security/authenticator?notice=second-factor-added").await;
    let codes = select(&page, ".recovery-codes code");
    assert_eq!(codes.len(), 10, "ten recovery codes, shown once: {}", page.body);
    let again = visitor.get("/account/security/authenticator").await;
    assert!(select(&again, ".recovery-codes code").is_empty(), "not shown a second time");
    (uri, codes)
}

/// pyotp's reading of `uri`, with its codes now and a step either side.
fn codes_of(uri: &str) -> Value {
    python_check("totp.py", &[uri]).expect("pyotp reads the address")
}

/// A six-digit code that is none of `read`'s.
fn not_a_code(read: &Value) -> &'static str {
    let taken = |code: &str| ["now", "next", "previous"].iter().any(|k| read[*k] == code);
    if taken("000000") { "111111" } else { "000000" }
}

/// Signs in with the password: the answer's redirect.
async fn password(visitor: &mut Visitor<'_>, email: &str) -> Option<String> {
    let res = visitor.submit("/login", "account/login", &[("email", email), ("password", PASSWORD)]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    res.header("location").map(str::to_string)
}

async fn code(visitor: &mut Visitor<'_>, code: &str) -> TestResponse {
    visitor.submit("/login/code", "account/login/code", &[("code", code)]).await
}

async fn events(app: &TestApp, user_email: &str) -> Vec<String> {
    lyceum::with_pool!(&app.state.db, |pool| sqlx::query_scalar(
        "SELECT a.event FROM audit_log a JOIN users u ON u.id = a.user_id WHERE u.email = $1 ORDER BY a.id"
    )
    .bind(user_email)
    .fetch_all(pool)
    .await
    .unwrap())
}

#[tokio::test]
async fn a_learner_turns_on_an_authenticator_and_signs_in_with_its_codes_once_each() {
    let app = TestApp::demo_with(REQUIRED).await;
    let email = "ann@example.com";
    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ann", email, PASSWORD).await;
    let security = ann.get("/account/security").await;
    assert!(security.body.contains("Set up two-step sign-in"), "optional for a learner: offered");

    let (_, read) = read_setup(&mut ann).await;
    assert_eq!(read["issuer"].as_str(), Some("Lyceum Academy"));
    assert_eq!(read["name"].as_str(), Some(email));
    assert_eq!((read["digits"].as_i64(), read["interval"].as_i64()), (Some(6), Some(30)));
    // A wrong code confirms nothing.
    let wrong = ann.call("account/authenticator/confirm", &[("code", not_a_code(&read))]).await;
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert!(!app.state.accounts.has_second_factor(user_id(&app, email).await).await.unwrap());
    let (uri, recovery) = set_up(&mut ann).await;
    assert!(app.state.accounts.has_second_factor(user_id(&app, email).await).await.unwrap());
    let mails = mails_to(&app, email).await;
    assert!(mails.iter().any(|m| m.subject == "A second factor was added to your account"), "the owner is told");
    // Nothing of the secret or the codes is kept in clear.
    let kept: Vec<String> = lyceum::with_pool!(&app.state.db, |pool| sqlx::query_scalar(
        "SELECT secret_sealed FROM totp_factors UNION ALL SELECT code_hash FROM recovery_codes"
    )
    .fetch_all(pool)
    .await
    .unwrap());
    let secret = codes_of(&uri)["secret"].as_str().unwrap().to_string();
    assert_eq!(kept.len(), 11);
    for value in &kept {
        assert!(!value.contains(&secret) && recovery.iter().all(|code| !value.contains(code.as_str())));
    }

    // Signing in now takes the password, then a code.
    ann.call("account/logout", &[]).await;
    assert_eq!(password(&mut ann, email).await.as_deref(), Some("/login/code"));
    assert_eq!(ann.get("/account").await.status, 302, "not signed in yet");
    let bad = code(&mut ann, not_a_code(&codes_of(&uri))).await;
    assert!(bad.header("location").is_some_and(|l| l.starts_with("/login/code")), "back to the code page");
    // The next time step's code (the one that confirmed the app was used).
    let next = codes_of(&uri)["next"].as_str().unwrap().to_string();
    let res = code(&mut ann, &next).await;
    assert_eq!(res.header("location"), Some("/account"), "{}", res.body);
    assert_eq!(ann.get("/account").await.status, 200);

    // The same code again, in another sign-in: refused.
    ann.call("account/logout", &[]).await;
    password(&mut ann, email).await;
    let replayed = ann.call("account/login/code", &[("code", &next)]).await;
    assert_eq!(replayed.status, 422, "a code works once: {}", replayed.body);
    // A recovery code works once, and the owner hears of it.
    let res = code(&mut ann, &recovery[3].to_uppercase().replace('-', " ")).await;
    assert_eq!(res.header("location"), Some("/account"), "typed in capitals with spaces: {}", res.body);
    ann.call("account/logout", &[]).await;
    password(&mut ann, email).await;
    assert_eq!(ann.call("account/login/code", &[("code", &recovery[3])]).await.status, 422, "used already");
    let mails = mails_to(&app, email).await;
    assert!(mails.iter().any(|m| m.subject == "A recovery code was used to sign in" && m.text.contains("9 are left")));

    let events = events(&app, email).await;
    for expected in ["second_factor_added", "second_factor_failed", "second_factor_passed"] {
        assert!(events.iter().any(|e| e == expected), "{expected} in {events:?}");
    }
    // From the app on, each password is only a first step (three given),
    // and a sign-in is recorded once its second step passes (two did).
    let added = events.iter().position(|e| e == "second_factor_added").unwrap();
    let count = |event: &str| events[added..].iter().filter(|e| *e == event).count();
    assert_eq!((count("password_accepted"), count("login_succeeded")), (3, 2), "{events:?}");
}

async fn user_id(app: &TestApp, email: &str) -> i64 {
    lyceum::with_pool!(&app.state.db, |pool| sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(pool)
        .await
        .unwrap())
}

#[tokio::test]
async fn a_code_from_another_account_is_refused() {
    let app = TestApp::demo_with(REQUIRED).await;
    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ann", "ann@example.com", PASSWORD).await;
    let mut bob = Visitor::from_ip(&app, "198.51.100.7".parse().unwrap());
    bob.sign_up_and_log_in("Bob", "bob@example.com", PASSWORD).await;
    let (_, ann_codes) = set_up(&mut ann).await;
    let (bob_uri, _) = set_up(&mut bob).await;
    ann.call("account/logout", &[]).await;
    password(&mut ann, "ann@example.com").await;
    let bobs = codes_of(&bob_uri);
    for code in [&bobs["now"], &bobs["next"], &bobs["previous"]] {
        let res = ann.call("account/login/code", &[("code", code.as_str().unwrap())]).await;
        assert_eq!(res.status, 422, "Bob's code does not open Ann's account");
    }
    bob.call("account/logout", &[]).await;
    password(&mut bob, "bob@example.com").await;
    assert_eq!(bob.call("account/login/code", &[("code", &ann_codes[0])]).await.status, 422, "nor her recovery codes");
}

#[tokio::test]
async fn two_sign_ins_racing_with_one_code_get_one_session() {
    let app = TestApp::demo_with(REQUIRED).await;
    let email = "ann@example.com";
    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ann", email, PASSWORD).await;
    let (uri, recovery) = set_up(&mut ann).await;
    for code in [codes_of(&uri)["next"].as_str().unwrap().to_string(), recovery[0].clone()] {
        let mut one = Visitor::from_ip(&app, "198.51.100.1".parse().unwrap());
        let mut two = Visitor::from_ip(&app, "198.51.100.2".parse().unwrap());
        password(&mut one, email).await;
        password(&mut two, email).await;
        let fields = [("code", code.as_str())];
        let (a, b) = tokio::join!(one.call("account/login/code", &fields), two.call("account/login/code", &fields));
        let passed = [a.status, b.status].iter().filter(|s| **s < 400).count();
        assert_eq!(passed, 1, "one of two: {} {} / {} {}", a.status, a.body, b.status, b.body);
    }
}

#[tokio::test]
async fn staff_set_up_a_second_factor_before_any_back_office_page() {
    let app = TestApp::demo_with(REQUIRED).await;
    let email = "sam@academy.test";
    app.state.accounts.create_confirmed(email, "Sam Staff", PASSWORD, Role::Staff).await.unwrap();
    let mut sam = Visitor::new(&app);
    assert_eq!(password(&mut sam, email).await.as_deref(), Some("/account/security/authenticator"));
    // Every back-office page, and its functions, send them there first.
    for path in ["/admin", "/admin/courses", "/admin/users"] {
        let page = sam.get(path).await;
        assert_eq!((page.status, page.header("location")), (302, Some("/account/security/authenticator")), "{path}");
    }
    let refused = sam.call("admin/dashboard", &[]).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.body.contains("second-factor-required") || refused.body.contains("SecondFactorRequired"));
    assert_eq!(sam.get("/admin/export/courses.csv").await.status, 403, "plain handlers too");
    let setup = sam.get("/account/security/authenticator").await;
    assert!(setup.body.contains("Staff accounts sign in with a passkey or"), "{}", setup.body);

    let (uri, _) = set_up(&mut sam).await;
    assert_eq!(sam.get("/admin").await.status, 200, "set up: the back office opens");
    // Next time: password, then code.
    sam.call("account/logout", &[]).await;
    assert_eq!(password(&mut sam, email).await.as_deref(), Some("/login/code"));
    let res = code(&mut sam, codes_of(&uri)["next"].as_str().unwrap()).await;
    assert_eq!(res.header("location"), Some("/admin"));
    // A new phone: staff replace the app, and the back office waits for the new one.
    let page = sam.get("/account/security/authenticator").await;
    assert!(page.body.contains("after removing the app you set up another"), "{}", page.body);
    let res =
        sam.submit("/account/security/authenticator", "account/authenticator/remove", &[("password", PASSWORD)]).await;
    assert_eq!(res.header("location"), Some("/account/security/authenticator?notice=second-factor-removed"));
    assert_eq!(sam.get("/admin").await.header("location"), Some("/account/security/authenticator"));
    set_up(&mut sam).await;
    assert_eq!(sam.get("/admin").await.status, 200);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE event = 'second_factor_added'").await, 2);
}

#[tokio::test]
async fn a_learner_removes_the_authenticator_and_renews_codes_with_the_password() {
    let app = TestApp::demo_with(REQUIRED).await;
    let email = "ann@example.com";
    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ann", email, PASSWORD).await;
    let (_, first) = set_up(&mut ann).await;
    let wrong = ann.call("account/recovery-codes", &[("current_password", "not my password")]).await;
    assert_eq!(wrong.status, 422);
    let res = ann
        .submit("/account/security/authenticator", "account/recovery-codes", &[("current_password", PASSWORD)])
        .await;
    assert_eq!(res.status, 302);
    let page = ann.get("/account/security/authenticator?notice=recovery-codes").await;
    let second = select(&page, ".recovery-codes code");
    assert_eq!(second.len(), 10);
    assert!(first.iter().all(|code| !second.contains(code)), "all new");
    let res = ann.call("account/authenticator/remove", &[("password", PASSWORD)]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    assert!(!app.state.accounts.has_second_factor(user_id(&app, email).await).await.unwrap());
    assert_eq!(count(&app, "SELECT COUNT(*) FROM recovery_codes").await, 0, "the codes go with it");
    let subjects: Vec<String> = mails_to(&app, email).await.into_iter().map(|m| m.subject).collect();
    for subject in ["New recovery codes for your account", "A second factor of your account was removed"] {
        assert!(subjects.iter().any(|s| s == subject), "{subject} in {subjects:?}");
    }
    ann.call("account/logout", &[]).await;
    assert_eq!(password(&mut ann, email).await.as_deref(), Some("/account"), "the password alone again");
    let events = events(&app, email).await;
    assert!(
        events.iter().any(|e| e == "recovery_codes_replaced") && events.iter().any(|e| e == "second_factor_removed")
    );
}
