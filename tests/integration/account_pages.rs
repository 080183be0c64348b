//! The signed-in user's own pages and functions: profile (with the phone
//! number sealed at rest), settings, password and sessions, export and
//! deletion; and roles checked on the server.

use crate::helpers::TestApp;
use crate::visitor::{Visitor, count, last_mail_to};
use lyceum::model::account::Role;

const PASSWORD: &str = "correct horse battery staple";

async fn user_id(app: &TestApp, email: &str) -> i64 {
    lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1 AND deleted_at IS NULL")
            .bind(email)
            .fetch_one(pool)
            .await
            .unwrap()
    })
}

#[tokio::test]
async fn the_profile_keeps_the_phone_number_sealed() {
    let app = TestApp::demo().await;
    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ann", "ann@example.com", PASSWORD).await;
    let fields = [
        ("name", "Ann Borg"),
        ("phone", "+356 2123 4567"),
        ("company", "Harbour Tech"),
        ("job_title", "Engineer"),
        ("bio", "Cloud and networks.\nLikes boats."),
    ];
    let res = ann.call("account/profile/save", &fields).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    let stored: String = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT phone_enc FROM users WHERE email NOT LIKE '%@learners.lyceum.example'")
            .fetch_one(pool)
            .await
            .unwrap()
    });
    assert!(!stored.contains("2123") && !stored.contains("356"), "sealed at rest: {stored}");
    assert!(stored.starts_with(&format!("v1.{}.", app.state.accounts.keys().current_key_id())));
    let page = ann.get("/account/profile").await;
    assert!(page.body.contains(r#"value="+356 2123 4567""#), "opened for its owner");
    assert!(page.body.contains("Likes boats."));

    // Bad input: nothing changes.
    let res = ann
        .call(
            "account/profile/save",
            &[("name", ""), ("phone", "call me"), ("company", ""), ("job_title", ""), ("bio", "")],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains(r#""field":"name""#) && res.body.contains(r#""field":"phone""#), "{}", res.body);
    let name: String = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT name FROM users WHERE email NOT LIKE '%@learners.lyceum.example'")
            .fetch_one(pool)
            .await
            .unwrap()
    });
    assert_eq!(name, "Ann Borg");

    // Someone who is not signed in gets nothing.
    let mut stranger = Visitor::from_ip(&app, "203.0.113.1".parse().unwrap());
    let res = stranger.call("account/profile", &[]).await;
    assert_eq!(res.status, 401);
    let res = stranger.call("account/profile/save", &fields).await;
    assert_eq!(res.status, 401);
}

#[tokio::test]
async fn settings_are_saved_and_checked() {
    let app = TestApp::demo().await;
    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ann", "ann@example.com", PASSWORD).await;
    let res = ann.call("account/settings/save", &[("notify_reminders", "on"), ("reminder_hours", "48")]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    let res = ann.call("account/settings", &[]).await;
    let settings: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    assert_eq!(settings["notify_reminders"], true);
    assert_eq!(settings["reminder_hours"], 48);
    assert_eq!(settings["zone"], "Malta time");

    let res = ann.call("account/settings/save", &[("reminder_hours", "0")]).await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains(r#""field":"reminder_hours""#), "{}", res.body);
    let res = ann.call("account/settings", &[]).await;
    let settings: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    assert_eq!(
        (&settings["reminder_hours"], &settings["notify_reminders"]),
        (&48.into(), &true.into()),
        "nothing half-written"
    );

    // An unticked box turns reminders off.
    let res = ann.call("account/settings/save", &[("reminder_hours", "24")]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    let res = ann.call("account/settings", &[]).await;
    let settings: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    assert_eq!(settings["notify_reminders"], false, "unticked boxes are off");
}

#[tokio::test]
async fn the_settings_offer_only_what_works_and_name_the_zone_of_every_time() {
    let app = TestApp::demo().await;
    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ann", "ann@example.com", PASSWORD).await;
    let page = ann.get("/account/settings").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(r#"name="notify_reminders""#) && page.body.contains(r#"name="reminder_hours""#));
    for gone in
        ["timezone", "preferred_location", "preferred_mode", "notify_news", "notify_enrolment", "notify_waitlist"]
    {
        assert!(!page.body.contains(&format!(r#"name="{gone}""#)), "{gone} is no longer offered");
    }
    assert!(
        page.body.contains("in Malta time, the academy&#39;s time zone")
            || page.body.contains("in Malta time, the academy's time zone"),
        "{}",
        page.body
    );
    assert!(page.body.contains("We always e-mail you about your bookings"));
    // Nothing is kept for them either.
    for column in
        ["timezone", "preferred_location_id", "preferred_mode", "notify_news", "notify_enrolment", "notify_waitlist"]
    {
        let kept = lyceum::with_pool!(&app.state.db, |pool| {
            sqlx::query(&format!("SELECT {column} FROM users")).fetch_all(pool).await.map(drop)
        });
        assert!(kept.is_err(), "users.{column} is gone");
    }
}

#[tokio::test]
async fn changing_the_password_ends_every_other_session() {
    let app = TestApp::empty().await;
    let mut laptop = Visitor::new(&app);
    laptop.sign_up_and_log_in("Ann", "ann@example.com", PASSWORD).await;
    let mut phone = Visitor::from_ip(&app, "203.0.113.30".parse().unwrap());
    phone.user_agent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1".into();
    let res = phone.call("account/login", &[("email", "ann@example.com"), ("password", PASSWORD)]).await;
    assert!(res.status < 400);

    let res = laptop.call("account/sessions", &[]).await;
    let sessions: Vec<serde_json::Value> = serde_json::from_str(&res.body).unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions[0]["current"], true, "this browser first");
    assert_eq!(sessions[0]["device"], "Firefox 128 on Linux");
    assert_eq!(sessions[1]["device"], "Safari on iPhone");
    assert_eq!(sessions[1]["ip"], "203.0.113.30");
    let page = laptop.get("/account/security").await;
    assert!(page.body.contains("Safari on iPhone") && page.body.contains("This device"));
    let cookie = laptop.cookie().unwrap().to_string();
    assert!(!page.body.contains(cookie.split('=').nth(1).unwrap()), "session ids never leave the cookie");

    let res = laptop
        .call("account/password", &[("current_password", "wrong"), ("new_password", "a brand new passphrase")])
        .await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains("current_password") && res.body.contains("wrong_password"), "{}", res.body);
    let res = laptop.call("account/password", &[("current_password", PASSWORD), ("new_password", "password")]).await;
    assert_eq!(res.status, 422);
    let res = laptop
        .call("account/password", &[("current_password", PASSWORD), ("new_password", "a brand new passphrase")])
        .await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    assert_ne!(laptop.cookie().unwrap(), cookie, "the session id is cycled");
    assert_eq!(laptop.get("/account/security").await.status, 200, "this session goes on");
    assert_eq!(phone.get("/account/security").await.status, 302, "the other one ended");
    assert_eq!(last_mail_to(&app, "ann@example.com").await.subject, "Your password was changed");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE event = 'password_changed'").await, 1);
}

#[tokio::test]
async fn one_session_can_end_another_but_not_someone_elses() {
    let app = TestApp::empty().await;
    let mut laptop = Visitor::new(&app);
    laptop.sign_up_and_log_in("Ann", "ann@example.com", PASSWORD).await;
    let mut phone = Visitor::from_ip(&app, "203.0.113.31".parse().unwrap());
    phone.call("account/login", &[("email", "ann@example.com"), ("password", PASSWORD)]).await;
    let mut bob = Visitor::from_ip(&app, "203.0.113.32".parse().unwrap());
    bob.sign_up_and_log_in("Bob", "bob@example.com", PASSWORD).await;

    let sessions: Vec<serde_json::Value> =
        serde_json::from_str(&laptop.call("account/sessions", &[]).await.body).unwrap();
    let phone_handle = sessions.iter().find(|s| s["current"] == false).unwrap()["handle"].as_str().unwrap().to_string();
    let res = bob.call("account/sessions/end", &[("handle", &phone_handle)]).await;
    assert_eq!(res.status, 404, "another user's session is not found");
    assert_eq!(phone.get("/account/profile").await.status, 200);
    let res = laptop.call("account/sessions/end", &[("handle", &phone_handle)]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    assert_eq!(phone.get("/account/profile").await.status, 302);
    assert_eq!(laptop.get("/account/profile").await.status, 200);
}

#[tokio::test]
async fn the_export_holds_everything_and_deletion_frees_the_address() {
    let app = TestApp::empty().await;
    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ann", "ann@example.com", PASSWORD).await;
    ann.call(
        "account/profile/save",
        &[("name", "Ann Borg"), ("phone", "+356 7912 3456"), ("company", "Harbour"), ("job_title", ""), ("bio", "")],
    )
    .await;
    let res = ann.get("/account/data/export").await;
    assert_eq!(res.status, 200);
    assert!(res.header("content-disposition").unwrap().starts_with("attachment"));
    let data: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    assert_eq!(data["account"]["email"], "ann@example.com");
    assert_eq!(data["profile"]["phone"], "+356 7912 3456");
    assert_eq!(data["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(
        data["settings"],
        serde_json::json!({ "notify_reminders": true, "reminder_hours": 24 }),
        "the settings kept, and only those"
    );
    assert!(data["security_events"].as_array().unwrap().iter().any(|e| e["event"] == "login_succeeded"));
    assert!(!res.body.contains("argon2"), "no password hash in the export");
    let mut stranger = Visitor::from_ip(&app, "203.0.113.40".parse().unwrap());
    assert_eq!(stranger.get("/account/data/export").await.status, 303);

    let res = ann.call("account/delete", &[("password", "not it")]).await;
    assert_eq!(res.status, 422);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM users WHERE deleted_at IS NULL AND email NOT LIKE '%@learners.lyceum.example'"
        )
        .await,
        1
    );
    let res = ann.call("account/delete", &[("password", PASSWORD)]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    assert_eq!(ann.cookie(), None);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sessions").await, 0);
    let (email, name, phone): (String, String, Option<String>) = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_as("SELECT email, name, phone_enc FROM users WHERE email NOT LIKE '%@learners.lyceum.example'")
            .fetch_one(pool)
            .await
            .unwrap()
    });
    assert!(!email.contains("ann@example.com") && name == "Deleted account" && phone.is_none());
    let res = ann.call("account/login", &[("email", "ann@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(res.status, 401);

    // The address can sign up again.
    let mut again = Visitor::from_ip(&app, "203.0.113.41".parse().unwrap());
    again.sign_up_and_log_in("Ann again", "ann@example.com", "another long passphrase").await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE event = 'account_deleted'").await, 1);
}

#[tokio::test]
async fn roles_are_checked_on_the_server() {
    let app = TestApp::empty().await;
    let accounts = &app.state.accounts;
    accounts.create_confirmed("admin@academy.test", "Ada Admin", PASSWORD, Role::Admin).await.unwrap();
    accounts.create_confirmed("staff@academy.test", "Sam Staff", PASSWORD, Role::Staff).await.unwrap();
    let mut learner = Visitor::new(&app);
    learner.sign_up_and_log_in("Lea", "lea@example.com", PASSWORD).await;
    let lea = user_id(&app, "lea@example.com").await;
    let lea_text = lea.to_string();
    let promote = [("user_id", lea_text.as_str()), ("role", "staff")];

    let mut anonymous = Visitor::from_ip(&app, "203.0.113.60".parse().unwrap());
    assert_eq!(anonymous.call("admin/users/role", &promote).await.status, 401);
    assert_eq!(learner.call("admin/users/role", &promote).await.status, 403);
    let mut staff = Visitor::from_ip(&app, "203.0.113.61".parse().unwrap());
    staff.call("account/login", &[("email", "staff@academy.test"), ("password", PASSWORD)]).await;
    assert_eq!(staff.call("admin/users/role", &promote).await.status, 403, "staff do not manage roles");
    let mut admin = Visitor::from_ip(&app, "203.0.113.62".parse().unwrap());
    admin.call("account/login", &[("email", "admin@academy.test"), ("password", PASSWORD)]).await;
    let bad = admin.call("admin/users/role", &[("user_id", lea_text.as_str()), ("role", "root")]).await;
    assert_eq!(bad.status, 422);
    assert_eq!(admin.call("admin/users/role", &[("user_id", "999999"), ("role", "staff")]).await.status, 404);
    let res = admin.call("admin/users/role", &promote).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    let role: String = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT role FROM users WHERE id = $1").bind(lea).fetch_one(pool).await.unwrap()
    });
    assert_eq!(role, "staff");
    assert_eq!(learner.get("/account/profile").await.status, 302, "a role change ends the user's sessions");
    let changes: String = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT changes FROM audit_log WHERE event = 'user.role_changed' AND entity_id = $1")
            .bind(lea)
            .fetch_one(pool)
            .await
            .unwrap()
    });
    assert!(changes.contains("\"learner\"") && changes.contains("\"staff\""), "{changes}");
}

#[tokio::test]
async fn demo_accounts_are_made_once_with_a_usable_password() {
    use lyceum::server::seed::accounts::{DEMO_ADMIN, DEMO_LEARNER, DEMO_STAFF, demo};
    let app = TestApp::empty().await;
    let staff_password = lyceum::server::config::Secret::new("lighthouse demo passphrase");
    let created = demo(&app.state.accounts, None, Some(&staff_password)).await.unwrap();
    assert_eq!(created.len(), 3);
    assert_eq!((created[0].email, created[0].role), (DEMO_LEARNER, Role::Learner));
    assert_eq!((created[1].email, created[1].role), (DEMO_STAFF, Role::Staff));
    assert_eq!((created[2].email, created[2].role), (DEMO_ADMIN, Role::Admin));
    assert!(created[1].generated_password.is_none(), "given passwords are not shown again");
    assert!(created[2].generated_password.is_none(), "the administrator shares the staff password");
    let generated = created[0].generated_password.clone().expect("a generated password is shown once");
    let mut learner = Visitor::new(&app);
    let res = learner.call("account/login", &[("email", DEMO_LEARNER), ("password", &generated)]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    let mut staff = Visitor::from_ip(&app, "203.0.113.70".parse().unwrap());
    let res = staff.call("account/login", &[("email", DEMO_STAFF), ("password", "lighthouse demo passphrase")]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    assert!(demo(&app.state.accounts, None, None).await.unwrap().is_empty(), "a second run adds nobody");
}

#[tokio::test]
async fn a_settings_form_refused_without_javascript_comes_back_marked_and_as_chosen() {
    use scraper::{Html, Selector};
    let app = TestApp::demo().await;
    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ann", "ann@example.com", PASSWORD).await;
    // Reminders are on by default; the form unticks them and asks for none.
    let res = ann.submit("/account/settings", "account/settings/save", &[("reminder_hours", "0")]).await;
    let back = res.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let page = Html::parse_document(&ann.get(&back).await.body);
    let one = |css: &str| page.select(&Selector::parse(css).unwrap()).next().unwrap_or_else(|| panic!("{css}"));
    let hours = one("input#f-reminder_hours[name=reminder_hours]").value();
    assert_eq!(hours.attr("aria-invalid"), Some("true"));
    assert_eq!(hours.attr("value"), Some("0"), "what was typed comes back");
    assert!(one("#f-reminder_hours-error").text().collect::<String>().contains("Choose a number from 1 to 168."));
    let reminders = one("input#f-notify_reminders").value();
    assert_eq!(reminders.attr("checked"), None, "the box comes back as it was left: unticked");
}
