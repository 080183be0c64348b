//! Operator commands run as the real binary against the test's database.

use crate::helpers::{PROCESS_SECRET, TestApp, lyceum_command};
use crate::visitor::{Visitor, count};
use std::io::Write;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

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

/// Runs `lyceum serve` and waits until it is serving (`Ok`: still running,
/// with what it said so far, log and terminal alike) or has stopped
/// (`Err`: all it said).
async fn serving(command: &mut Command) -> Result<(Child, String), String> {
    let mut child = command
        .arg("serve")
        .env("LYCEUM_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the lyceum binary starts");
    let (lines, mut said) = tokio::sync::mpsc::unbounded_channel();
    // Each stream read to its end, so a server left running never blocks
    // on a full pipe; the channel closes when both have ended.
    let read = |stream: Box<dyn std::io::Read + Send>, lines: tokio::sync::mpsc::UnboundedSender<String>| {
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        })
    };
    read(Box::new(child.stdout.take().unwrap()), lines.clone());
    read(Box::new(child.stderr.take().unwrap()), lines);
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(240);
    loop {
        match tokio::time::timeout_at(deadline, said.recv()).await {
            Ok(Some(line)) => {
                text.push_str(&line);
                text.push('\n');
                if line.contains("Lyceum is serving") {
                    return Ok((child, text));
                }
            }
            Ok(None) => {
                let status = child.wait().unwrap();
                assert!(!status.success(), "a server that stops by itself failed: {text}");
                return Err(text);
            }
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("lyceum neither served nor stopped: {text}");
            }
        }
    }
}

fn stop(mut child: Child) {
    child.kill().unwrap();
    child.wait().unwrap();
}

async fn courses(app: &TestApp) -> i64 {
    count(app, "SELECT COUNT(*) FROM courses").await
}

#[tokio::test]
async fn production_loads_no_demo_data_unless_asked_and_development_says_loudly_that_it_did() {
    let app = TestApp::empty().await;
    let url = &app.state.config.database_url;
    let dir = tempfile::tempdir().unwrap();
    let production = |url: &str| {
        let mut command = lyceum_command(url, dir.path());
        command.env_remove("LYCEUM_DEMO_DATA").env("LYCEUM_MODE", "production").env("SMTP_URL", "smtps://relay.test");
        command
    };

    // Production, not told: an empty database stays empty.
    let (server, said) = serving(&mut production(url)).await.expect("production serves");
    stop(server);
    assert_eq!(courses(&app).await, 0, "no demo catalogue in production: {said}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users").await, 0, "and no demo accounts");
    assert!(!said.contains("DEMO DATA"), "{said}");

    // Development, not told: the demo academy, and a notice that says so.
    let mut development = lyceum_command(url, dir.path());
    development.env_remove("LYCEUM_DEMO_DATA");
    let (server, said) = serving(&mut development).await.expect("development serves");
    stop(server);
    assert!(courses(&app).await > 0, "{said}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE email = 'staff@lyceum.example'").await, 1);
    for words in ["DEMO DATA", "staff@lyceum.example", "learner@lyceum.example", "LYCEUM_DEMO_DATA=false"] {
        assert!(said.contains(words), "the notice says {words:?}: {said}");
    }
    assert!(said.lines().filter(|line| line.starts_with("  ")).count() >= 3, "a notice of several lines: {said}");

    // Production, told in so many words: loaded, and announced the same way.
    let asked = TestApp::empty().await;
    let mut told = production(&asked.state.config.database_url);
    told.env("LYCEUM_DEMO_DATA", "true");
    let (server, said) = serving(&mut told).await.expect("production serves");
    stop(server);
    assert!(courses(&asked).await > 0, "{said}");
    assert!(said.contains("DEMO DATA"), "{said}");
}

#[tokio::test]
async fn instances_on_one_database_must_share_its_secret() {
    const OTHER: &str = "another secret, long enough, that the database never saw";
    let app = TestApp::empty().await;
    let url = &app.state.config.database_url;
    let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let fingerprint = || async {
        lyceum::with_pool!(&app.state.db, |pool| {
            sqlx::query_scalar::<_, String>("SELECT fingerprint FROM secret_fingerprint").fetch_all(pool).await.unwrap()
        })
    };

    // The first instance records the fingerprint of its secret, not the secret.
    let (first, _) = serving(&mut lyceum_command(url, one.path())).await.expect("the first instance serves");
    let recorded = fingerprint().await;
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].len(), 64);
    assert!(!recorded[0].contains(PROCESS_SECRET) && !PROCESS_SECRET.contains(&recorded[0]));

    // A second one with another secret refuses to start, naming the setting.
    let said = serving(lyceum_command(url, two.path()).env("LYCEUM_SECRET", OTHER)).await.expect_err("refused");
    assert!(said.contains("setting LYCEUM_SECRET does not match the secret this database was written with"), "{said}");
    assert!(said.contains("LYCEUM_PREVIOUS_SECRETS"), "{said}");
    // So does one in development that made its own secret, and it says how to share it.
    let said = serving(lyceum_command(url, two.path()).env_remove("LYCEUM_SECRET")).await.expect_err("refused");
    assert!(said.contains("setting LYCEUM_SECRET does not match"), "{said}");
    assert!(said.contains("needs the first one's data/secret as LYCEUM_SECRET"), "{said}");
    assert!(two.path().join("data/secret").exists());
    assert_eq!(fingerprint().await, recorded, "a refused instance changes nothing");

    // The same secret starts beside the first.
    let (second, _) = serving(&mut lyceum_command(url, two.path())).await.expect("the same secret serves");
    stop(second);
    stop(first);

    // A rotation: the new secret, with the old one among the previous ones.
    let rotated = serving(
        lyceum_command(url, one.path()).env("LYCEUM_SECRET", OTHER).env("LYCEUM_PREVIOUS_SECRETS", PROCESS_SECRET),
    )
    .await;
    let (server, _) = rotated.expect("a rotation starts");
    stop(server);
    let now = fingerprint().await;
    assert_ne!(now, recorded, "the database now records the new secret");
    // From then on the old secret alone is refused, and the new one alone starts.
    let said = serving(&mut lyceum_command(url, two.path())).await.expect_err("the old secret is refused");
    assert!(said.contains("setting LYCEUM_SECRET does not match"), "{said}");
    let (server, _) =
        serving(lyceum_command(url, two.path()).env("LYCEUM_SECRET", OTHER)).await.expect("the new secret serves");
    stop(server);
    assert_eq!(fingerprint().await, now);
}

/// Instances started at the same moment on an empty database take turns
/// under its start-up lock: one migrates and loads the demo academy, the
/// other finds it loaded; both serve.
#[tokio::test]
async fn instances_started_together_on_an_empty_database_all_serve() {
    let app = TestApp::empty().await;
    let dir = tempfile::tempdir().unwrap();
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    std::fs::create_dir_all(&one).unwrap();
    std::fs::create_dir_all(&two).unwrap();
    // On SQLite a file nobody has opened yet, so the migrations race too.
    let url = match app.state.db.backend() {
        lyceum::server::db::Backend::Sqlite => format!("sqlite://{}", dir.path().join("fresh.db").display()),
        lyceum::server::db::Backend::Postgres => app.state.config.database_url.clone(),
    };
    let command = |dir: &std::path::Path| {
        let mut command = lyceum_command(&url, dir);
        command.env("LYCEUM_DEMO_DATA", "true");
        command
    };
    let (mut first, mut second) = (command(&one), command(&two));
    let (first, second) = tokio::join!(serving(&mut first), serving(&mut second));
    // Both stopped before anything is asserted, so a failure leaves no server behind.
    let said = |result: Result<(Child, String), String>| match result {
        Ok((child, said)) => {
            stop(child);
            Ok(said)
        }
        Err(said) => Err(said),
    };
    let (said_first, said_second) = (said(first), said(second));
    let said_first = said_first.expect("the first instance serves");
    let said_second = said_second.expect("the second instance serves");
    let loaded = [&said_first, &said_second].iter().filter(|said| said.contains("DEMO DATA")).count();
    assert_eq!(loaded, 1, "the demo academy is loaded once: {said_first}\n---\n{said_second}");
    let db = lyceum::server::db::Db::connect(&url, 2).await.unwrap();
    let demo = TestApp::demo().await;
    let courses = |db: &lyceum::server::db::Db| {
        let db = db.clone();
        async move {
            lyceum::with_pool!(&db, |pool| sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM courses")
                .fetch_one(pool)
                .await
                .unwrap())
        }
    };
    assert_eq!(courses(&db).await, courses(&demo.state.db).await, "one demo catalogue, not two");
    db.close().await;
}
