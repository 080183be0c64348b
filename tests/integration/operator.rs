//! Operator commands run as the real binary against the test's database.

use crate::helpers::{TestApp, lyceum_command};
use crate::visitor::{Visitor, count};
use std::io::Write;
use std::process::{Output, Stdio};

/// `lyceum create-admin --email <email>` with `stdin` piped in.
fn create_admin(app: &TestApp, email: &str, stdin: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut child = lyceum_command(&app.state.config.database_url, dir.path())
        .args(["create-admin", "--email", email, "--name", "Ada Admin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the lyceum binary starts");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn create_admin_takes_the_password_from_standard_input_and_refuses_bad_ones() {
    let app = TestApp::empty().await;
    let password = "lighthouse keeper at grand harbour";

    let weak = create_admin(&app, "ada@academy.test", "password123456\n");
    assert!(!weak.status.success());
    let said = String::from_utf8_lossy(&weak.stderr);
    assert!(said.contains("password: "), "the fault is named: {said}");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM users WHERE email NOT LIKE '%@learners.lyceum.example'").await,
        0,
        "nothing is stored"
    );

    for (email, stdin) in [("not an address", format!("{password}\n")), ("ada@academy.test", String::new())] {
        let refused = create_admin(&app, email, &stdin);
        assert!(!refused.status.success(), "{email:?} with {stdin:?}");
        assert!(String::from_utf8_lossy(&refused.stderr).contains("the account was not created"));
    }
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM users WHERE email NOT LIKE '%@learners.lyceum.example'").await,
        0,
        "nothing is stored"
    );

    let made = create_admin(&app, "Ada@Academy.test", &format!("{password}\n"));
    let out = String::from_utf8_lossy(&made.stdout);
    assert!(made.status.success(), "{out} {}", String::from_utf8_lossy(&made.stderr));
    assert!(out.contains("administrator Ada@Academy.test created"), "{out}");
    assert!(!out.contains(password), "a password that was given is not echoed");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM users WHERE role = 'admin' AND email_verified_at IS NOT NULL").await,
        1
    );

    let again = create_admin(&app, "ada@academy.test", &format!("{password}\n"));
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE email NOT LIKE '%@learners.lyceum.example'").await, 1);

    // The new administrator can log in at once.
    let mut ada = Visitor::new(&app);
    let res = ada.call("account/login", &[("email", "ada@academy.test"), ("password", password)]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
}

#[tokio::test]
async fn production_will_not_start_without_a_mail_relay_and_development_says_what_it_is() {
    let app = TestApp::empty().await;
    let dir = tempfile::tempdir().unwrap();
    let production = lyceum_command(&app.state.config.database_url, dir.path())
        .env("LYCEUM_MODE", "production")
        .arg("serve")
        .output()
        .unwrap();
    assert!(!production.status.success());
    let said = String::from_utf8_lossy(&production.stderr);
    assert!(said.contains("setting SMTP_URL is invalid"), "the missing setting is named: {said}");
    let plaintext = lyceum_command(&app.state.config.database_url, dir.path())
        .env("LYCEUM_MODE", "production")
        .env("SMTP_URL", "smtp://relay.academy.test")
        .env("LYCEUM_SMTP_PLAINTEXT", "true")
        .arg("serve")
        .output()
        .unwrap();
    assert!(!plaintext.status.success());
    assert!(String::from_utf8_lossy(&plaintext.stderr).contains("LYCEUM_SMTP_PLAINTEXT"));

    // Development (the default) announces itself on the terminal.
    let mut development = lyceum_command(&app.state.config.database_url, dir.path())
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = development.stderr.take().unwrap();
    let warned = tokio::task::spawn_blocking(move || {
        use std::io::BufRead;
        std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
            .take(50)
            .any(|line| line.contains("DEVELOPMENT mode"))
    });
    let warned = tokio::time::timeout(std::time::Duration::from_secs(30), warned).await;
    development.kill().unwrap();
    development.wait().unwrap();
    assert!(matches!(warned, Ok(Ok(true))), "the development warning is printed at start-up");
}
