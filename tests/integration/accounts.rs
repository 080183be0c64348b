//! Accounts end to end through the router: signup, confirmation, login,
//! logout, lockout, password reset, and every bad input on the way.

use crate::helpers::TestApp;
use crate::visitor::{Visitor, count, form_body, last_mail_to, link_in, mails_to};
use axum::{body::Body, http::Request};

const PASSWORD: &str = "correct horse battery staple";

#[tokio::test]
async fn sign_up_confirm_log_in_and_out() {
    let app = TestApp::demo().await;
    let mut ann = Visitor::new(&app);
    let res = ann
        .call("account/signup", &[("name", "Ann Borg"), ("email", " Ann@Example.com "), ("password", PASSWORD)])
        .await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    assert_eq!(ann.call("account/viewer", &[]).await.body, "null", "signing up does not sign in");
    // The page it leads to names the address the link went to.
    let page = ann.get("/check-email").await;
    let text = page.body.replace("<!>", "");
    assert!(text.contains("We have sent a link to <strong>ann@example.com</strong>"), "{text}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE email = 'ann@example.com'").await, 1);
    let hash: String = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT password_hash FROM users WHERE email NOT LIKE '%@learners.lyceum.example'")
            .fetch_one(pool)
            .await
            .unwrap()
    });
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");

    // Not confirmed yet: the right password is told to confirm first, and
    // nothing is sent, so the link already sent keeps working.
    let res = ann.call("account/login", &[("email", "ann@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(res.status, 403, "{}", res.body);
    assert!(res.body.contains("Unverified"), "{}", res.body);
    assert_eq!(ann.call("account/viewer", &[]).await.body, "null");
    let mails = mails_to(&app, "ann@example.com").await;
    assert_eq!(mails.len(), 1, "the first link only");
    assert_eq!(mails[0].subject, "Confirm your e-mail address");

    // The link works, once.
    let new = link_in(&mails[0].text, "/verify-email?token=");
    let token = |link: &str| link.split("token=").nth(1).unwrap().to_string();
    let res = ann.call("account/verify-email", &[("token", &token(&new))]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    let res = ann.call("account/verify-email", &[("token", &token(&new))]).await;
    assert_eq!(res.status, 410, "a link works once: {}", res.body);

    let res = ann.call("account/login", &[("email", "ANN@example.com"), ("password", PASSWORD)]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    let set_cookie = res.header("set-cookie").unwrap().to_string();
    assert!(set_cookie.starts_with("__Host-lyceum_session="), "{set_cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/", "Max-Age="] {
        assert!(set_cookie.contains(attribute), "{attribute} in {set_cookie}");
    }
    let page = ann.get("/account/profile").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Signed in as ann@example.com"), "{}", page.body);
    assert!(page.body.contains(r#"value="Ann Borg""#));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sessions WHERE user_id IS NOT NULL").await, 1);

    let cookie = ann.cookie().unwrap().to_string();
    // The table holds the id's hash, never the id the cookie carries.
    let session_id = cookie.split_once('=').unwrap().1.to_string();
    let stored: Vec<String> = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT id FROM sessions").fetch_all(pool).await.unwrap()
    });
    assert_eq!(stored, [lyceum::server::crypto::token_hash(&session_id)]);
    let res = ann.call("account/logout", &[]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    assert_eq!(ann.cookie(), None, "the cookie is cleared");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sessions").await, 0, "the session ends on the server");
    // The old cookie, replayed, opens nothing.
    let mut replay = Visitor::new(&app);
    replay.set_cookie(Some(cookie));
    let page = replay.get("/account/profile").await;
    assert_eq!(page.status, 302);
    assert_eq!(page.header("location"), Some("/login?next=/account/profile"));

    let events: Vec<String> = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT event FROM audit_log ORDER BY id").fetch_all(pool).await.unwrap()
    });
    assert_eq!(events, ["signup", "email_verified", "login_succeeded", "logout"]);
    let (ip, agent): (String, String) = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_as("SELECT ip, user_agent FROM audit_log WHERE event = 'login_succeeded'")
            .fetch_one(pool)
            .await
            .unwrap()
    });
    assert_eq!(ip, "192.0.2.10");
    assert!(agent.contains("Firefox"));
}

#[tokio::test]
async fn a_new_confirmation_link_can_be_asked_for_without_telling_who_has_an_account() {
    let app = TestApp::empty().await;
    let page = app.get("/verify-email").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Send a new link"), "without a token the page offers a new link: {}", page.body);

    let mut ann = Visitor::new(&app);
    ann.call("account/signup", &[("name", "Ann"), ("email", "ann@example.com"), ("password", PASSWORD)]).await;
    let first = link_in(&last_mail_to(&app, "ann@example.com").await.text, "/verify-email?token=");
    let unconfirmed = ann.call("account/resend-verification", &[("email", " ANN@example.com")]).await;
    assert!(unconfirmed.status < 400, "{} {}", unconfirmed.status, unconfirmed.body);
    let mut other = Visitor::from_ip(&app, "203.0.113.30".parse().unwrap());
    let unknown = other.call("account/resend-verification", &[("email", "nobody@example.com")]).await;
    assert_eq!((unknown.status, unknown.header("location")), (unconfirmed.status, unconfirmed.header("location")));
    assert!(mails_to(&app, "nobody@example.com").await.is_empty());

    // The new link works and the first one is retired with it.
    let mails = mails_to(&app, "ann@example.com").await;
    assert_eq!(mails.len(), 2);
    let token = |link: &str| link.split("token=").nth(1).unwrap().to_string();
    let newest = link_in(&mails[1].text, "/verify-email?token=");
    assert_eq!(ann.call("account/verify-email", &[("token", &token(&first))]).await.status, 410);
    assert!(ann.call("account/verify-email", &[("token", &token(&newest))]).await.status < 400);

    // A confirmed address gets the same answer and no mail.
    let confirmed = ann.call("account/resend-verification", &[("email", "ann@example.com")]).await;
    assert_eq!(confirmed.status, unconfirmed.status);
    assert_eq!(mails_to(&app, "ann@example.com").await.len(), 2);

    // Bad input names the field; asking too often for one address is refused.
    let jobs_before = count(&app, "SELECT COUNT(*) FROM jobs").await;
    let oversized = format!("{}@example.com", "a".repeat(10_000));
    for bad in ["not an address", "", "   ", oversized.as_str()] {
        let res = other.call("account/resend-verification", &[("email", bad)]).await;
        assert_eq!(res.status, 422, "{bad:?}: {}", res.body);
        assert!(res.body.contains(r#""field":"email""#), "{}", res.body);
    }
    // No form ever sends a NUL: it is refused before any function sees it.
    let res = other.call("account/resend-verification", &[("email", "ann\u{0}@example.com")]).await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM jobs").await, jobs_before, "bad input queues nothing");
    for _ in 0..2 {
        assert!(other.call("account/resend-verification", &[("email", "nobody@example.com")]).await.status < 400);
    }
    let limited = other.call("account/resend-verification", &[("email", "nobody@example.com")]).await;
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert!(limited.header("retry-after").unwrap().parse::<u64>().unwrap() > 0);
}

#[tokio::test]
async fn bad_signups_store_nothing_and_name_the_field() {
    let app = TestApp::empty().await;
    let long = "x".repeat(101);
    let oversized = "y".repeat(10_000);
    let cases: [(&str, &str, &str, &str); 9] = [
        ("", "ann@example.com", PASSWORD, "name"),
        (&long, "ann@example.com", PASSWORD, "name"),
        ("Ann\u{7}", "ann@example.com", PASSWORD, "name"),
        ("Ann", "", PASSWORD, "email"),
        ("Ann", "ann@", PASSWORD, "email"),
        ("Ann", "ann@example.com", "short", "password"),
        ("Ann", "ann@example.com", "Password12345!", "password"),
        ("Ann", "annabel@example.com", "my name is annabel, hello", "password"),
        ("Ann", "ann@example.com", &oversized, "password"),
    ];
    for (i, (name, email, password, field)) in cases.into_iter().enumerate() {
        let mut visitor = Visitor::from_ip(&app, format!("198.51.100.{i}").parse().unwrap());
        let res = visitor.call("account/signup", &[("name", name), ("email", email), ("password", password)]).await;
        assert_eq!(res.status, 422, "case {i}: {}", res.body);
        assert!(res.body.contains(&format!(r#""field":"{field}""#)), "case {i}: {}", res.body);
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE email NOT LIKE '%@learners.lyceum.example'").await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM jobs").await, 0);
}

#[tokio::test]
async fn a_taken_address_gets_the_same_answer_and_its_owner_is_told() {
    let app = TestApp::empty().await;
    let mut first = Visitor::new(&app);
    let res =
        first.call("account/signup", &[("name", "Ann"), ("email", "ann@example.com"), ("password", PASSWORD)]).await;
    let mut second = Visitor::from_ip(&app, "203.0.113.9".parse().unwrap());
    let again = second
        .call(
            "account/signup",
            &[("name", "Mallory"), ("email", "ann@example.com"), ("password", "another long passphrase")],
        )
        .await;
    assert_eq!((res.status, &res.body), (again.status, &again.body), "no difference to see");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE email NOT LIKE '%@learners.lyceum.example'").await, 1);
    let mails = mails_to(&app, "ann@example.com").await;
    assert_eq!(mails.len(), 2);
    assert_eq!(mails[1].subject, "Someone tried to sign up with your address");
    assert!(!mails[1].text.contains("token="));
}

#[tokio::test]
async fn failed_logins_read_alike_and_lock_the_address_out() {
    let app = TestApp::empty().await;
    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ann", "ann@example.com", PASSWORD).await;
    let mut mallory = Visitor::from_ip(&app, "203.0.113.7".parse().unwrap());
    let unknown = mallory.call("account/login", &[("email", "nobody@example.com"), ("password", PASSWORD)]).await;
    let wrong = mallory.call("account/login", &[("email", "ann@example.com"), ("password", "not the password")]).await;
    assert_eq!(unknown.status, 401);
    assert_eq!((unknown.status, &unknown.body), (wrong.status, &wrong.body), "no user enumeration");
    for _ in 0..3 {
        let res = mallory.call("account/login", &[("email", "ann@example.com"), ("password", "still wrong")]).await;
        assert_eq!(res.status, 401);
    }
    // The fifth failure locks the address; now even the right password waits.
    let locked = mallory.call("account/login", &[("email", "ann@example.com"), ("password", "wrong again")]).await;
    assert_eq!(locked.status, 401);
    let res = mallory.call("account/login", &[("email", "ann@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(res.status, 429, "{}", res.body);
    let wait: u64 = res.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert!(res.body.contains("TooManyRequests"));
    assert_eq!(mallory.cookie(), None);
    // An unknown address locks the same way.
    for _ in 0..5 {
        mallory.call("account/login", &[("email", "ghost@example.com"), ("password", "guess")]).await;
    }
    let res = mallory.call("account/login", &[("email", "ghost@example.com"), ("password", "guess")]).await;
    assert_eq!(res.status, 429);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE event = 'locked_out'").await, 2);
    assert!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE event = 'login_failed'").await >= 10);

    // A password reset lifts the lockout.
    mallory.call("account/forgot-password", &[("email", "ann@example.com")]).await;
    let link = link_in(&last_mail_to(&app, "ann@example.com").await.text, "/reset-password?token=");
    let token = link.split("token=").nth(1).unwrap();
    let res =
        mallory.call("account/reset-password", &[("token", token), ("new_password", "a brand new passphrase")]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    let res =
        mallory.call("account/login", &[("email", "ann@example.com"), ("password", "a brand new passphrase")]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
}

#[tokio::test]
async fn password_reset_links_work_once_within_the_hour_and_end_every_session() {
    let app = TestApp::empty().await;
    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ann", "ann@example.com", PASSWORD).await;
    let mut other = Visitor::from_ip(&app, "203.0.113.20".parse().unwrap());

    let unknown = other.call("account/forgot-password", &[("email", "nobody@example.com")]).await;
    let known = other.call("account/forgot-password", &[("email", "ann@example.com")]).await;
    assert_eq!((unknown.status, &unknown.body), (known.status, &known.body), "same answer either way");
    let bad = other.call("account/forgot-password", &[("email", "not an address")]).await;
    assert_eq!(bad.status, 422);

    let mail = last_mail_to(&app, "ann@example.com").await;
    assert_eq!(mail.subject, "Choose a new password");
    let link = link_in(&mail.text, "/reset-password?token=");
    let token = link.split("token=").nth(1).unwrap().to_string();
    let page = other.get(&format!("/reset-password?token={token}")).await;
    assert!(page.body.contains("Set the new password"), "a live link shows the form");
    let dead = other.get("/reset-password?token=tampered").await;
    assert!(dead.body.contains("This link is not valid any more"));

    // A weak password is refused and the link stays usable.
    let res = other.call("account/reset-password", &[("token", &token), ("new_password", "password123456")]).await;
    assert_eq!(res.status, 422, "{}", res.body);
    let tampered = format!("{}x", &token[..token.len() - 1]);
    let res =
        other.call("account/reset-password", &[("token", &tampered), ("new_password", "a brand new passphrase")]).await;
    assert_eq!(res.status, 410);
    let res =
        other.call("account/reset-password", &[("token", &token), ("new_password", "a brand new passphrase")]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    let res =
        other.call("account/reset-password", &[("token", &token), ("new_password", "yet another passphrase")]).await;
    assert_eq!(res.status, 410, "used once");

    assert_eq!(ann.get("/account/profile").await.status, 302, "every session ended");
    assert_eq!(last_mail_to(&app, "ann@example.com").await.subject, "Your password was changed");
    let res = other.call("account/login", &[("email", "ann@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(res.status, 401, "the old password is gone");

    // An expired link is refused.
    other.call("account/forgot-password", &[("email", "ann@example.com")]).await;
    let link = link_in(&last_mail_to(&app, "ann@example.com").await.text, "/reset-password?token=");
    let token = link.split("token=").nth(1).unwrap().to_string();
    lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query("UPDATE user_tokens SET expires_at = $1 WHERE used_at IS NULL")
            .bind(chrono::Utc::now() - chrono::Duration::minutes(1))
            .execute(pool)
            .await
            .map(|_| ())
            .unwrap()
    });
    let res =
        other.call("account/reset-password", &[("token", &token), ("new_password", "a third long passphrase")]).await;
    assert_eq!(res.status, 410);
}

#[tokio::test]
async fn forms_work_without_javascript() {
    let app = TestApp::empty().await;
    let mut ann = Visitor::new(&app);
    // A refused form comes back to its page, at its own address, with the
    // errors next to the fields and what was typed (not the password)...
    let fields = [("name", "Ann <Borg> \"&\""), ("email", "ann at example"), ("password", "short-secret")];
    let res = ann.submit("/signup", "account/signup", &fields).await;
    assert_eq!((res.status, res.header("location")), (303, Some("/signup")));
    let page = ann.get("/signup").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Enter an e-mail address such as name@example.com."), "{}", page.body);
    assert!(page.body.contains(r#"aria-invalid="true""#));
    assert!(page.body.contains(r#"value="ann at example""#), "the e-mail typed");
    assert!(page.body.contains(r#"value="Ann &lt;Borg&gt; &quot;&amp;&quot;""#), "the name typed, as text");
    assert!(!page.body.contains("short-secret"), "never the password");
    assert!(!ann.has_cookie("lyceum_returned"), "taken");
    // ...once: a reload starts afresh.
    let again = ann.get("/signup").await;
    assert!(!again.body.contains("ann at example") && !again.body.contains(r#"aria-invalid="true""#));
    // A form that comes back to another page than the one asked for next
    // is dropped, not shown there.
    ann.submit("/signup", "account/signup", &[("name", ""), ("email", "x"), ("password", "y")]).await;
    assert!(!ann.get("/login").await.body.contains(r#"aria-invalid="true""#));
    assert!(!ann.get("/signup").await.body.contains(r#"aria-invalid="true""#));
    // ...and a successful one goes where the function says.
    let res = ann
        .submit("/signup", "account/signup", &[("name", "Ann"), ("email", "ann@example.com"), ("password", PASSWORD)])
        .await;
    assert_eq!(res.status, 302);
    assert_eq!(res.header("location"), Some("/check-email"));
    let page = ann.get("/check-email").await;
    assert!(page.body.contains("Check your e-mail"));
    let text = page.body.replace("<!>", "");
    assert!(text.contains("We have sent a link to <strong>ann@example.com</strong>"), "{text}");
    assert!(page.body.contains(r#"value="ann@example.com""#), "the resend form holds the address");
    // Logging in before confirming explains, next to nothing else.
    let res = ann
        .submit("/login?notice=verified", "account/login", &[("email", "ann@example.com"), ("password", PASSWORD)])
        .await;
    assert_eq!((res.status, res.header("location")), (303, Some("/login")), "no success notice beside the error");
    let page = ann.get("/login").await;
    assert!(page.body.contains("Please confirm your e-mail address first"), "{}", page.body);
    assert!(page.body.contains("Send me a new confirmation link"));
    assert!(!page.body.contains("form-notice"));
}

#[tokio::test]
async fn cross_site_requests_are_refused_and_change_nothing() {
    let app = TestApp::empty().await;
    let body = form_body(&[("name", "Ann"), ("email", "ann@example.com"), ("password", PASSWORD)]);
    let post = |origin: Option<&str>, referer: Option<&str>, cookie: Option<&str>| {
        let mut builder =
            Request::post("/rpc/account/signup").header("content-type", "application/x-www-form-urlencoded");
        for (name, value) in [("origin", origin), ("referer", referer), ("cookie", cookie)] {
            if let Some(value) = value {
                builder = builder.header(name, value);
            }
        }
        builder.body(Body::from(body.clone())).unwrap()
    };
    let foreign = app.request(post(Some("https://evil.test"), None, None)).await;
    assert_eq!(foreign.status, 403);
    assert!(foreign.body.contains("CrossSite"), "{}", foreign.body);
    let foreign_referer = app.request(post(None, Some("https://evil.test/page"), None)).await;
    assert_eq!(foreign_referer.status, 403);
    let cookie_only = app.request(post(None, None, Some("__Host-lyceum_session=abc"))).await;
    assert_eq!(cookie_only.status, 403);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE email NOT LIKE '%@learners.lyceum.example'").await, 0);
    let own_referer = app.request(post(None, Some("https://academy.test/signup"), None)).await;
    assert!(own_referer.status < 400, "{} {}", own_referer.status, own_referer.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE email NOT LIKE '%@learners.lyceum.example'").await, 1);
}

#[tokio::test]
async fn signups_from_one_address_are_rate_limited() {
    let app = TestApp::empty().await;
    let mut visitor = Visitor::new(&app);
    for i in 0..10 {
        let email = format!("learner{i}@example.com");
        let res =
            visitor.call("account/signup", &[("name", "Learner"), ("email", &email), ("password", PASSWORD)]).await;
        assert!(res.status < 400, "{i}: {} {}", res.status, res.body);
    }
    let res = visitor
        .call("account/signup", &[("name", "Learner"), ("email", "one@example.com"), ("password", PASSWORD)])
        .await;
    assert_eq!(res.status, 429);
    let wait: u64 = res.header("retry-after").unwrap().parse().unwrap();
    assert!(wait > 60, "{wait}");
    let mut elsewhere = Visitor::from_ip(&app, "203.0.113.50".parse().unwrap());
    let res = elsewhere
        .call("account/signup", &[("name", "Learner"), ("email", "two@example.com"), ("password", PASSWORD)])
        .await;
    assert!(res.status < 400, "another address is not limited");
}

#[tokio::test]
async fn pages_carry_the_security_headers_with_their_scripts_allowed() {
    let app = TestApp::demo().await;
    // Anonymous pages (which shared caches keep) allow their scripts by
    // hash; a page with a session by its render's nonce.
    let mut signed_in = Visitor::new(&app);
    signed_in.sign_up_and_log_in("Ann", "ann@example.com", PASSWORD).await;
    for path in ["/", "/login", "/courses"] {
        for res in [app.get(path).await, signed_in.get(path).await] {
            let policy = res.header("content-security-policy").unwrap().to_string();
            assert!(!policy.contains("unsafe-inline"), "{policy}");
            assert!(policy.contains("frame-ancestors 'none'"));
            let scripts = res.body.matches("<script").count();
            assert!(scripts > 0);
            match policy.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()) {
                Some(nonce) => {
                    assert!(policy.contains("script-src 'self' 'nonce-"));
                    assert_eq!(
                        res.body.matches(&format!("nonce=\"{nonce}\"")).count(),
                        scripts,
                        "every script carries it"
                    );
                    // Never kept by any cache, so never shared.
                    assert!(res.header("cache-control").is_some_and(|c| c.contains("no-store")), "{path}");
                }
                None => {
                    assert!(policy.contains("script-src 'self' 'sha256-"), "{policy}");
                    assert_eq!(policy.matches("'sha256-").count(), scripts, "a hash for every script: {policy}");
                    assert!(!res.body.contains("nonce="));
                }
            }
            assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
            assert_eq!(res.header("referrer-policy"), Some("strict-origin-when-cross-origin"));
            assert!(res.header("strict-transport-security").unwrap().starts_with("max-age="), "served over https");
        }
    }
    let json = app.get("/healthz").await;
    assert!(json.header("content-security-policy").unwrap().starts_with("default-src 'none'"));
}
