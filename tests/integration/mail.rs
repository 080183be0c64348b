//! E-mail: delivery into the mailbox (exactly once per job), delivery by
//! SMTP (both bodies; a refused recipient is not retried), and the
//! development mailbox page, which production does not have.

use crate::helpers::TestApp;
use crate::jobs::{job, mail_to, mailbox_job_ids, worker};
use axum::{body::Body, http::Request};
use chrono::{Offset, TimeZone};
use lyceum::server::config::Config;
use lyceum::server::jobs::{self, queue::Status};
use lyceum::server::mail::{self, Mail, Mailer};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_reaches_the_mailbox_exactly_once_per_job() {
    let app = TestApp::empty().await;
    let db = &app.state.db;
    let mut ids = Vec::new();
    for n in 0..30 {
        ids.push(mail::queue_db(db, app.state.accounts.keys(), None, &mail_to(n)).await.unwrap());
    }
    let mut tx = db.begin().await.unwrap();
    ids.push(mail::queue(&mut tx, app.state.accounts.keys(), None, &mail_to(30)).await.unwrap());
    tx.commit().await.unwrap();

    let first = worker(db, app.job_registry(Mailer::Mailbox));
    let second = worker(db, app.job_registry(Mailer::Mailbox));
    let (a, b) = tokio::join!(first.run_until_idle(), second.run_until_idle());
    assert_eq!(a + b, ids.len());
    assert_eq!(first.run_until_idle().await, 0);

    assert_eq!(mailbox_job_ids(db).await, ids);
    let tz = app.state.config.timezone;
    let listed = mail::mailbox(db, 100, tz).await.unwrap();
    assert_eq!(listed.len(), ids.len());
    assert!(listed.windows(2).all(|pair| pair[0].id > pair[1].id), "newest first");
    assert_eq!(mail::mailbox(db, 2, tz).await.unwrap(), listed[..2]);
    let message = listed.iter().find(|m| m.to == "learner30@academy.test").expect("the message to learner 30");
    assert_eq!((message.subject.as_str(), message.text.as_str()), ("Message 30", "Hello, learner 30."));
    // In the academy's zone, as the mail speaks of times.
    let sent = chrono::DateTime::parse_from_rfc3339(&message.sent_at).unwrap();
    let offset = tz.offset_from_utc_datetime(&sent.naive_utc()).fix();
    assert_eq!(*sent.offset(), offset, "{}", message.sent_at);
    assert!(message.sent_at_text.ends_with(" (Malta time)"), "{}", message.sent_at_text);
}

const SECRET_LINK: &str = "https://academy.test/verify-email?token=tok123";

fn verification_mail() -> Mail {
    Mail {
        to: "ada@academy.test".into(),
        subject: "Confirm your e-mail address".into(),
        text: format!("Welcome to Lyceum.\n\nConfirm your address: {SECRET_LINK}\n</script><script>alert(1)</script>"),
        html: "<p>Welcome</p><script>alert(2)</script>".into(),
        attachments: Vec::new(),
        thread: Default::default(),
    }
}

/// The server function behind the page, called as the browser would.
fn mailbox_rpc() -> Request<Body> {
    Request::post("/rpc/dev/mailbox")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .header("origin", "https://academy.test")
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn the_development_mailbox_shows_delivered_mail_newest_first() {
    let app = TestApp::empty().await;
    let db = &app.state.db;
    let empty = app.get("/dev/mailbox").await;
    assert_eq!(empty.status, 200);
    assert!(empty.body.contains("No mail yet"), "{}", empty.body);

    let worker = worker(db, app.job_registry(Mailer::Mailbox));
    mail::queue_db(db, app.state.accounts.keys(), None, &mail_to(1)).await.unwrap();
    worker.run_until_idle().await;
    mail::queue_db(db, app.state.accounts.keys(), None, &verification_mail()).await.unwrap();
    worker.run_until_idle().await;

    let page = app.get("/dev/mailbox").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.header("cache-control"), Some("no-store"), "new mail must show at once");
    assert_ne!(page.header("x-cache"), Some("hit"));
    let body = &page.body;
    assert!(body.contains("<title>Mailbox · Lyceum</title>"), "{body}");
    let newest = body.find("Confirm your e-mail address").expect("the newest subject");
    let older = body.find("Message 1").expect("the older subject");
    assert!(newest < older, "newest first");
    assert!(body.contains("ada@academy.test"));
    assert!(body.contains(&format!(r#"<a href="{SECRET_LINK}""#)), "links in the text are clickable: {body}");
    assert!(body.contains("<pre class=\"mail-body\">"));
    assert!(!body.contains("<script>alert"), "neither body is injected as markup: {body}");
    assert!(!body.contains("<p>Welcome</p>"), "the HTML body is not shown");

    let rpc = app.request(mailbox_rpc()).await;
    assert_eq!(rpc.status, 200, "{}", rpc.body);
    let listed: Vec<lyceum::model::mail::StoredMail> = serde_json::from_str(&rpc.body).unwrap();
    assert_eq!(
        listed.iter().map(|m| m.subject.as_str()).collect::<Vec<_>>(),
        ["Confirm your e-mail address", "Message 1"]
    );
}

#[tokio::test]
async fn the_development_mailbox_does_not_exist_in_production() {
    let secret = "s".repeat(40);
    let settings =
        [("LYCEUM_MODE", "production"), ("LYCEUM_SECRET", &secret), ("SMTP_URL", "smtps://relay.academy.test")];
    let app = TestApp::with_settings(&settings).await;
    let db = &app.state.db;
    // Mail in the mailbox (kept from a development run of the same database)...
    mail::queue_db(db, app.state.accounts.keys(), None, &verification_mail()).await.unwrap();
    worker(db, app.job_registry(Mailer::Mailbox)).run_until_idle().await;
    assert_eq!(mailbox_job_ids(db).await.len(), 1);

    // ...but no one can see it.
    let page = app.get("/dev/mailbox").await;
    let unknown = app.get("/no-such-page").await;
    assert_eq!((page.status, unknown.status), (404, 404));
    for body in [&page.body, &unknown.body] {
        assert!(body.contains("<title>Page not found · Lyceum</title>"), "{body}");
        assert!(body.contains("We could not find that page"));
    }
    assert!(!page.body.contains("Confirm your e-mail") && !page.body.contains("tok123"));
    let rpc = app.request(mailbox_rpc()).await;
    assert_eq!(rpc.status, 404, "{}", rpc.body);
    assert!(!rpc.body.contains("tok123"));
}

/// What a relay received: one `(recipients, message)` per accepted message.
type Received = Arc<Mutex<Vec<(Vec<String>, String)>>>;

/// A mail relay on a free local port that accepts every message, except
/// for recipients at `refused.test`, which it rejects for good.
async fn smtp_relay() -> (String, Received) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}", listener.local_addr().unwrap());
    let received = Received::default();
    let kept = received.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let kept = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                let mut recipients = Vec::new();
                let _ = write.write_all(b"220 relay.test ESMTP\r\n").await;
                while let Ok(Some(line)) = lines.next_line().await {
                    let command = line.to_ascii_uppercase();
                    let reply: &[u8] = if command.starts_with("RCPT TO") {
                        if line.contains("refused.test") {
                            b"550 5.1.1 no such mailbox\r\n"
                        } else {
                            recipients.push(line[8..].trim().to_string());
                            b"250 OK\r\n"
                        }
                    } else if command == "DATA" {
                        let _ = write.write_all(b"354 go ahead\r\n").await;
                        let mut message = String::new();
                        while let Ok(Some(line)) = lines.next_line().await {
                            if line == "." {
                                break;
                            }
                            message.push_str(&line);
                            message.push('\n');
                        }
                        kept.lock().unwrap().push((std::mem::take(&mut recipients), message));
                        b"250 queued\r\n"
                    } else if command == "QUIT" {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        break;
                    } else {
                        if command.starts_with("RSET") {
                            recipients.clear();
                        }
                        b"250 relay.test\r\n"
                    };
                    if write.write_all(reply).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    (url, received)
}

#[tokio::test]
async fn smtp_sends_both_bodies_and_a_refused_recipient_is_not_retried() {
    let app = TestApp::empty().await;
    let db = &app.state.db;
    let (url, received) = smtp_relay().await;
    let config = Config::from_lookup(|name| match name {
        "SMTP_URL" => Some(url.clone()),
        // This stand-in relay speaks no TLS.
        "LYCEUM_SMTP_PLAINTEXT" => Some("true".into()),
        "LYCEUM_MAIL_FROM" => Some("Lyceum <no-reply@academy.test>".into()),
        _ => None,
    })
    .unwrap();
    let mailer = Mailer::from_config(&config).unwrap();
    assert!(matches!(mailer, Mailer::Smtp(_)));

    let sent = mail::queue_db(db, app.state.accounts.keys(), None, &verification_mail()).await.unwrap();
    let refused =
        mail::queue_db(db, app.state.accounts.keys(), None, &Mail { to: "nobody@refused.test".into(), ..mail_to(1) })
            .await
            .unwrap();
    let invalid =
        mail::queue_db(db, app.state.accounts.keys(), None, &Mail { to: "not an address".into(), ..mail_to(2) })
            .await
            .unwrap();
    assert_eq!(worker(db, app.job_registry(mailer)).run_until_idle().await, 3);

    assert_eq!(job(db, sent).await.status, Status::Done);
    let received = received.lock().unwrap().clone();
    assert_eq!(received.len(), 1, "{received:?}");
    let (recipients, message) = &received[0];
    assert_eq!(recipients, &["<ada@academy.test>"]);
    assert!(message.contains("From: Lyceum <no-reply@academy.test>"), "{message}");
    assert!(message.contains("Subject: Confirm your e-mail address"));
    assert!(message.contains("multipart/alternative"));
    assert!(message.contains("text/plain") && message.contains("text/html"));
    assert!(mailbox_job_ids(db).await.is_empty(), "nothing goes to the mailbox when SMTP is set");

    let refused = job(db, refused).await;
    assert_eq!((refused.status, refused.attempts), (Status::Failed, 1), "{:?}", refused.last_error);
    assert!(refused.last_error.unwrap().contains("refused"));
    let invalid = job(db, invalid).await;
    assert_eq!(
        (invalid.status, invalid.last_error.as_deref()),
        (Status::Failed, Some("the recipient is not a valid e-mail address"))
    );
}

/// A real SMTP peer (Python's aiosmtpd) on a loopback port that offers
/// STARTTLS and refuses mail before it, with a certificate for `localhost`
/// from a certificate authority made for the test. Stopped when dropped.
pub(crate) struct TlsRelay {
    child: std::process::Child,
    pub(crate) port: u16,
    folder: tempfile::TempDir,
    pub(crate) ca_file: std::path::PathBuf,
}

impl TlsRelay {
    pub(crate) fn start() -> Self {
        use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
        use std::io::BufRead;
        let folder = tempfile::tempdir().unwrap();
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let key = KeyPair::generate().unwrap();
        let issuer = Issuer::from_params(&ca, &ca_key);
        let cert = CertificateParams::new(vec!["localhost".to_string()]).unwrap().signed_by(&key, &issuer).unwrap();
        let path = |name: &str| folder.path().join(name);
        std::fs::write(path("ca.pem"), ca_cert.pem()).unwrap();
        std::fs::write(path("cert.pem"), cert.pem()).unwrap();
        std::fs::write(path("key.pem"), key.serialize_pem()).unwrap();
        std::fs::create_dir(path("mail")).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let python = std::env::var("LYCEUM_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/smtp_peer.py");
        let mut child = std::process::Command::new(&python)
            .arg(script)
            .arg(port.to_string())
            .arg(path("cert.pem"))
            .arg(path("key.pem"))
            .arg(path("mail"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{python} runs the test relay (scripts/test installs aiosmtpd): {e}"));
        let mut ready = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut ready).unwrap();
        assert_eq!(ready.trim(), "ready", "the test relay starts (scripts/test installs aiosmtpd)");
        let ca_file = path("ca.pem");
        Self { child, port, folder, ca_file }
    }

    /// Every message received, as Python's `email` parser read it.
    pub(crate) fn received(&self) -> Vec<serde_json::Value> {
        let mut files: Vec<_> =
            std::fs::read_dir(self.folder.path().join("mail")).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        files.iter().map(|file| serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap()).collect()
    }
}

impl Drop for TlsRelay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn smtp_urls_use_starttls_and_a_resent_message_keeps_its_message_id() {
    use lyceum::server::jobs::Handler;
    let relay = TlsRelay::start();
    let app = TestApp::empty().await;
    let db = &app.state.db;
    let url = format!("smtp://localhost:{}", relay.port);
    let ca = relay.ca_file.display().to_string();
    let config = Config::from_lookup(|name| match name {
        "SMTP_URL" => Some(url.clone()),
        "LYCEUM_SMTP_CA_FILE" => Some(ca.clone()),
        "LYCEUM_MAIL_FROM" => Some("Lyceum <no-reply@academy.test>".into()),
        _ => None,
    })
    .unwrap();
    let keys = app.state.accounts.keys().clone();
    let mailer = Mailer::from_config(&config).unwrap();

    let first = mail::queue_db(db, &keys, None, &verification_mail()).await.unwrap();
    let second = mail::queue_db(db, &keys, None, &mail_to(2)).await.unwrap();
    // Text a person typed (a course title, a name) in the subject and body,
    // with line breaks that would start headers of their own if written raw.
    let hostile_subject = "Your seat: Cloud 101\r\nBcc: everyone@evil.test\r\n\r\n<b>x</b>";
    let hostile = Mail {
        subject: hostile_subject.into(),
        ..mail::message("ada@academy.test", "s", "Ann\r\nX-Evil: 1", &["Body"], None)
    };
    let third = mail::queue_db(db, &keys, None, &hostile).await.unwrap();
    let jobs = jobs::queue::claim(db, "test-worker", 10, std::time::Duration::from_secs(60), jobs::queue::now())
        .await
        .unwrap();
    assert_eq!(jobs.iter().map(|j| j.id).collect::<Vec<_>>(), [first, second, third]);
    let handler = mail::SendMail::new(mailer, keys);
    // The first message twice, as after a crash between sending and
    // marking the job done; then the others.
    for job in [&jobs[0], &jobs[0], &jobs[1], &jobs[2]] {
        assert!(handler.run(job, db).await.is_ok());
    }

    let received = relay.received();
    assert_eq!(received.len(), 4);
    assert!(received.iter().all(|m| m["tls"] == true), "every message went over TLS after STARTTLS");
    let ids: Vec<&str> = received.iter().map(|m| m["message_id"].as_str().expect("a Message-ID")).collect();
    assert_eq!(ids[0], ids[1], "a resend is recognisable");
    assert_ne!(ids[0], ids[2]);
    assert_eq!(ids[0], mail::message_id(&jobs[0], "academy.test"));
    assert!(ids[0].starts_with('<') && ids[0].ends_with("@academy.test>"), "{}", ids[0]);
    assert_eq!(received[0]["subject"], "Confirm your e-mail address");
    let parts: Vec<&str> = received[0]["parts"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    assert_eq!(parts, ["multipart/alternative", "text/plain", "text/html"]);
    assert!(received[0]["text"].as_str().unwrap().contains("verify-email?token=tok123"));

    // The hostile subject is one header, read back whole; nothing was added.
    let hostile = &received[3];
    let names: Vec<String> =
        hostile["headers"].as_array().unwrap().iter().map(|h| h[0].as_str().unwrap().to_ascii_lowercase()).collect();
    assert!(!names.iter().any(|n| n == "bcc" || n == "x-evil"), "{names:?}");
    assert_eq!(names.iter().filter(|n| *n == "subject").count(), 1);
    assert_eq!(hostile["defects"], serde_json::json!([]), "{hostile}");
    assert_eq!(hostile["rcpt_tos"], serde_json::json!(["ada@academy.test"]));
    let subject = hostile["subject"].as_str().unwrap();
    assert!(subject.contains("Bcc: everyone@evil.test") && subject.starts_with("Your seat: Cloud 101"), "{subject:?}");
}

#[tokio::test]
async fn a_relay_without_starttls_gets_no_mail_unless_plain_text_is_allowed() {
    let app = TestApp::empty().await;
    let db = &app.state.db;
    let (url, received) = smtp_relay().await;
    let config = Config::from_lookup(|name| (name == "SMTP_URL").then(|| url.clone())).unwrap();
    let keys = app.state.accounts.keys().clone();
    let id = mail::queue_db(db, &keys, None, &verification_mail()).await.unwrap();
    let registry = app.job_registry(Mailer::from_config(&config).unwrap());
    assert_eq!(worker(db, registry).run_until_idle().await, 1);
    let job = job(db, id).await;
    assert_eq!(job.status, Status::Queued, "retried later, not sent in clear");
    assert!(job.last_error.unwrap_or_default().contains("did not take"), "the relay offered no STARTTLS");
    assert!(received.lock().unwrap().is_empty(), "nothing was sent in clear");
}
