//! Enrolment over HTTP against the real server: the `lyceum` binary, on
//! the test's database, driven by many clients at once on loopback. Every
//! run is bounded in count and time and stops by itself.
//!
//! Learners are signed in by writing their sessions straight into the
//! session store: hashing 500 passwords would test argon2, not enrolment.

use crate::enrolment::{people, standing, two_sessions};
use crate::helpers::{PROCESS_SECRET, TestApp, lyceum_command};
use crate::visitor::count;
use lyceum::model::account::{Role, User};
use lyceum::server::session_store::DbSessionStore;
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The demo academy, with the secret the binary runs with, so the test
/// can open the mail the server queues.
async fn academy() -> TestApp {
    let app = TestApp::with_settings(&[("LYCEUM_SECRET", PROCESS_SECRET)]).await;
    let tz = app.state.config.timezone;
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    lyceum::server::seed::demo::load(&app.state.db, tz, today).await.expect("demo data loads");
    app
}

/// A signed-in session for each user, written into the store; their
/// cookie values.
async fn sign_in(app: &TestApp, users: &[User]) -> Vec<String> {
    let store = DbSessionStore::new(app.state.db.clone());
    let mut cookies = Vec::with_capacity(users.len());
    for user in users {
        cookies.push(store.open_signed_in(user.id, time::Duration::hours(2)).await.expect("a session is stored"));
    }
    cookies
}

/// The `lyceum serve` process, on a port of its own; killed with SIGKILL
/// when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    async fn start(app: &TestApp, dir: &std::path::Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = lyceum_command(&app.state.config.database_url, dir)
            .env("LYCEUM_ADDR", format!("127.0.0.1:{port}"))
            .env("LYCEUM_RATE_LIMITS", "false")
            // Mail stays queued, for the test to count.
            .env("LYCEUM_RUN_WORKER", "false")
            .arg("serve")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the lyceum binary starts");
        let server = Self { child, port };
        for _ in 0..240 {
            if matches!(server.client().request("GET", "/readyz", None, "").await, Ok(200)) {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        panic!("the server did not become ready within a minute");
    }

    fn client(&self) -> Client {
        Client { port: self.port }
    }
}

/// Speaks HTTP to the server, whether or not it is still there.
#[derive(Clone, Copy)]
struct Client {
    port: u16,
}

impl Client {
    /// One HTTP/1.1 request on a connection of its own, as a browser with
    /// JavaScript sends a form; the answer's status.
    async fn request(&self, method: &str, path: &str, cookie: Option<&str>, body: &str) -> std::io::Result<u16> {
        self.exchange(method, path, cookie, body).await.map(|(status, _)| status)
    }

    /// As [`Client::request`]: the status, and the answer's head.
    async fn exchange(
        &self,
        method: &str,
        path: &str,
        cookie: Option<&str>,
        body: &str,
    ) -> std::io::Result<(u16, String)> {
        let port = self.port;
        let exchange = async {
            let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
            let cookie = cookie.map(|c| format!("Cookie: lyceum_session={c}\r\n")).unwrap_or_default();
            let request = format!(
                "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: http://127.0.0.1:{port}\r\n{cookie}\
                 Content-Type: application/x-www-form-urlencoded\r\nAccept: application/json\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(request.as_bytes()).await?;
            let mut answer = Vec::new();
            stream.read_to_end(&mut answer).await?;
            let text = String::from_utf8_lossy(&answer).into_owned();
            let head = text.split("\r\n\r\n").next().unwrap_or_default().to_ascii_lowercase();
            let status = head.split(' ').nth(1).and_then(|status| status.parse().ok());
            status
                .map(|status| (status, head.clone()))
                .ok_or_else(|| std::io::Error::other(format!("no status line: {head:?}")))
        };
        tokio::time::timeout(Duration::from_secs(60), exchange)
            .await
            .unwrap_or_else(|_| Err(std::io::Error::other("no answer within a minute")))
    }

    /// A booking through the order step, as its form sends it.
    fn order(session: i64) -> String {
        format!(
            "session_id={session}&billing=private&billing_name=Crowd+Learner&address=1+Triq+il-Kbira\
             &postcode=VLT+1000&city=Valletta&country=MT&payment=transfer&accept_terms=on&me=on"
        )
    }

    async fn enrol(&self, cookie: &str, session: i64) -> std::io::Result<u16> {
        self.request("POST", "/rpc/orders/place", Some(cookie), &Self::order(session)).await
    }

    /// An enrolment; its status and whether it says when to try again.
    async fn enrol_told(&self, cookie: &str, session: i64) -> std::io::Result<(u16, bool)> {
        let (status, head) = self.exchange("POST", "/rpc/orders/place", Some(cookie), &Self::order(session)).await?;
        Ok((status, head.contains("\r\nretry-after: ")))
    }

    /// An enrolment by a learner who, told the server is busy (503, with
    /// when to try again), waits that long and tries again, as a person
    /// would, up to five times; the last status, and how often they waited.
    async fn enrol_patiently(&self, cookie: &str, session: i64) -> std::io::Result<(u16, u32)> {
        let mut waited = 0;
        loop {
            let (status, told) = self.enrol_told(cookie, session).await?;
            if status != 503 || waited == 5 {
                return Ok((status, waited));
            }
            assert!(told, "a 503 says when to try again");
            waited += 1;
            let wait = lyceum::server::error::BUSY_RETRY_AFTER_SECS;
            tokio::time::sleep(Duration::from_secs(wait)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Statuses by count.
fn tally(statuses: &[u16]) -> std::collections::BTreeMap<u16, usize> {
    let mut tally = std::collections::BTreeMap::new();
    for status in statuses {
        *tally.entry(*status).or_insert(0) += 1;
    }
    tally
}

async fn ids(app: &TestApp, sql: &str) -> Vec<i64> {
    lyceum::with_pool!(&app.state.db, |pool| sqlx::query_scalar(sql).fetch_all(pool).await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn five_hundred_learners_at_once_over_http_fill_twenty_seats_and_a_gapless_waitlist() {
    let app = academy().await;
    let dir = tempfile::tempdir().unwrap();
    let (_, session, other) = two_sessions(&app, (20, 5)).await;
    let learners = people(&app, "crowd", 500, Role::Learner).await;
    let cookies = Arc::new(sign_in(&app, &learners).await);
    let _server = Server::start(&app, dir.path()).await;
    let server = _server.client();

    // 500 at once. A busy server may tell some to try again (503 with
    // `Retry-After`, having stored nothing for them): they do, and a
    // second try never finds them enrolled by the first.
    let tasks: Vec<_> = (0..learners.len())
        .map(|i| {
            let cookies = cookies.clone();
            tokio::spawn(async move { server.enrol_patiently(&cookies[i], session).await.expect("an answer") })
        })
        .collect();
    let mut statuses = Vec::new();
    let mut waited = 0;
    for task in tasks {
        let (status, waits) = task.await.unwrap();
        statuses.push(status);
        waited += waits;
    }
    println!("500 enrolments at once: {:?}, after {waited} waits told by a 503", tally(&statuses));
    assert!(statuses.iter().all(|s| (200..400).contains(s)), "every enrolment answered: {:?}", tally(&statuses));
    assert_eq!(standing(&app, session).await, (20, (1..=480).collect(), 20, 480));

    // Five confirmed learners cancel at once: the first five waiting are promoted, and told.
    let first_five = ids(&app, &format!(
        "SELECT user_id FROM enrolments WHERE session_id = {session} AND status = 'waitlisted' AND waitlist_position <= 5"
    ))
    .await;
    let seats = ids(
        &app,
        &format!("SELECT id FROM enrolments WHERE session_id = {session} AND status = 'confirmed' ORDER BY id LIMIT 5"),
    )
    .await;
    let cancelling = ids(
        &app,
        &format!(
            "SELECT user_id FROM enrolments WHERE session_id = {session} AND status = 'confirmed' ORDER BY id LIMIT 5"
        ),
    )
    .await;
    let tasks: Vec<_> = seats
        .iter()
        .zip(&cancelling)
        .map(|(seat, user)| {
            let index = learners.iter().position(|l| l.id == *user).unwrap();
            let (cookies, body) = (cookies.clone(), format!("enrolment_id={seat}"));
            tokio::spawn(async move {
                server.request("POST", "/rpc/enrolment/cancel", Some(&cookies[index]), &body).await.expect("an answer")
            })
        })
        .collect();
    for task in tasks {
        let status = task.await.unwrap();
        assert!((200..400).contains(&status), "{status}");
    }
    assert_eq!(standing(&app, session).await, (20, (1..=475).collect(), 20, 475));
    let promoted = ids(
        &app,
        &format!(
            "SELECT user_id FROM enrolments WHERE session_id = {session} AND status = 'confirmed' AND user_id IN ({})",
            first_five.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
        ),
    )
    .await;
    assert_eq!(promoted.len(), 5, "exactly the first five were promoted");
    // Every queued message, opened once: whom the promotions went to.
    let payloads: Vec<String> = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT payload FROM jobs WHERE kind = 'mail.send'").fetch_all(pool).await.unwrap()
    });
    let mut told: Vec<String> = payloads
        .iter()
        .filter_map(|p| lyceum::server::mail::open(app.state.accounts.keys(), p))
        .filter(|m| m.subject.starts_with("A seat freed up"))
        .map(|m| m.to)
        .collect();
    told.sort();
    let mut expected: Vec<String> =
        learners.iter().filter(|l| first_five.contains(&l.id)).map(|l| l.email.clone()).collect();
    expected.sort();
    assert_eq!(told, expected, "exactly five promotion mails, one to each promoted learner");

    // One learner, fifty times at once, in a session they are not in: one
    // enrolment. One still waiting for the first date (a seat there would
    // hold the course, and refuse every attempt): the last in its line.
    let last = ids(
        &app,
        &format!(
            "SELECT user_id FROM enrolments WHERE session_id = {session} AND status = 'waitlisted' \
         ORDER BY waitlist_position DESC LIMIT 1"
        ),
    )
    .await;
    let one = learners.iter().position(|l| l.id == last[0]).expect("a learner who waits");
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let cookies = cookies.clone();
            tokio::spawn(async move { server.enrol_patiently(&cookies[one], other).await.expect("an answer") })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap().0);
    }
    assert_eq!(tally(&statuses).into_iter().filter(|(s, _)| *s >= 500).count(), 0, "{:?}", tally(&statuses));
    assert_eq!(statuses.iter().filter(|s| (200..400).contains(*s)).count(), 1, "{:?}", tally(&statuses));
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 49, "the others are told they are enrolled already");
    let live = count(
        &app,
        &format!(
            "SELECT COUNT(*) FROM enrolments WHERE session_id = {other} AND user_id = {} AND status <> 'cancelled'",
            learners[one].id
        ),
    )
    .await;
    assert_eq!(live, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_server_killed_mid_enrolment_loses_no_answered_enrolment_and_no_seat_count() {
    let app = academy().await;
    let dir = tempfile::tempdir().unwrap();
    let sessions = ids(
        &app,
        "SELECT s.id FROM course_sessions s JOIN courses c ON c.id = s.course_id
         WHERE c.published AND s.status = 'scheduled' ORDER BY s.starts_at DESC, s.id LIMIT 12",
    )
    .await;
    let learners = people(&app, "killed", 400, Role::Learner).await;
    let cookies = Arc::new(sign_in(&app, &learners).await);
    let server = Server::start(&app, dir.path()).await;
    let client = server.client();

    // 32 clients at a time, each learner into one session; the server is
    // killed once 150 enrolments have been answered.
    let answered = Arc::new(std::sync::Mutex::new(Vec::new()));
    let gate = Arc::new(tokio::sync::Semaphore::new(32));
    let tasks: Vec<_> = (0..learners.len())
        .map(|i| {
            let (gate, cookies, answered) = (gate.clone(), cookies.clone(), answered.clone());
            let (session, learner) = (sessions[i % sessions.len()], learners[i].id);
            tokio::spawn(async move {
                let _permit = gate.acquire().await.unwrap();
                if let Ok(status) = client.enrol(&cookies[i], session).await {
                    assert!(status < 500, "a server error: {status}");
                    if (200..400).contains(&status) {
                        answered.lock().unwrap().push((learner, session));
                    }
                }
            })
        })
        .collect();
    for _ in 0..600 {
        if answered.lock().unwrap().len() >= 150 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(server); // SIGKILL, with enrolments in flight
    for task in tasks {
        task.await.unwrap();
    }
    let answered = answered.lock().unwrap().clone();
    assert!(answered.len() >= 150, "{} answered before the kill", answered.len());

    // Started again on the same database: everything answered is there,
    // and every session's counts agree with its enrolments.
    let _again = Server::start(&app, dir.path()).await;
    for (learner, session) in &answered {
        let live = count(&app, &format!(
            "SELECT COUNT(*) FROM enrolments WHERE user_id = {learner} AND session_id = {session} AND status <> 'cancelled'"
        ))
        .await;
        assert_eq!(live, 1, "learner {learner} was told they are in session {session}");
    }
    let problems = lyceum::server::enrolment::check::check_seats(&app.state.db).await.unwrap();
    assert_eq!(problems, [], "seats_taken and waitlist_length equal the enrolments of every session");
    for session in &sessions {
        let (_, positions, _, length) = standing(&app, *session).await;
        assert_eq!(positions, (1..=length).collect::<Vec<_>>(), "session {session}'s waitlist has no gap");
    }
}

/// Every core kept busy (the lowest priority) until dropped or a minute
/// has passed, whichever is first: the machine of a rush is never idle.
struct Busy(Arc<std::sync::atomic::AtomicBool>);

impl Busy {
    fn start() -> Self {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        for _ in 0..cores {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let started = std::time::Instant::now();
                let mut x = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) && started.elapsed() < Duration::from_secs(60) {
                    x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
                }
            });
        }
        Self(stop)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rush_of_a_thousand_on_a_busy_machine_is_answered_honestly() {
    let app = academy().await;
    let dir = tempfile::tempdir().unwrap();
    let (_, session, _) = two_sessions(&app, (50, 5)).await;
    let learners = people(&app, "rush", 1000, Role::Learner).await;
    let cookies = Arc::new(sign_in(&app, &learners).await);
    let server = Server::start(&app, dir.path()).await;
    let client = server.client();

    let busy = Busy::start();
    let started = std::time::Instant::now();
    let tasks: Vec<_> = (0..learners.len())
        .map(|i| {
            let cookies = cookies.clone();
            tokio::spawn(async move { client.enrol_told(&cookies[i], session).await.expect("an answer") })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    let took = started.elapsed();
    drop(busy);
    let statuses: Vec<u16> = answers.iter().map(|(status, _)| *status).collect();
    println!("1,000 enrolments at once on a busy machine: {:?} in {took:.1?}", tally(&statuses));

    // Enrolled, or told honestly to try again: never another error.
    for (status, retry) in &answers {
        assert!((200..400).contains(status) || *status == 503, "{status}: {:?}", tally(&statuses));
        assert!(*status != 503 || *retry, "a 503 says when to try again");
    }
    // Every success is stored, and nothing is stored for a refusal.
    let enrolled: std::collections::BTreeSet<i64> =
        ids(&app, &format!("SELECT user_id FROM enrolments WHERE session_id = {session} AND status <> 'cancelled'"))
            .await
            .into_iter()
            .collect();
    for (learner, (status, _)) in learners.iter().zip(&answers) {
        let stored = enrolled.contains(&learner.id);
        assert_eq!(stored, (200..400).contains(status), "learner {} answered {status}", learner.id);
    }
    let succeeded = statuses.iter().filter(|s| (200..400).contains(*s)).count();
    let (confirmed, positions, taken, length) = standing(&app, session).await;
    assert_eq!((confirmed, taken), (succeeded.min(50) as i64, succeeded.min(50) as i64));
    assert_eq!(positions, (1..=length).collect::<Vec<_>>());
    assert_eq!(length as usize, succeeded.saturating_sub(50));
    let problems = lyceum::server::enrolment::check::check_seats(&app.state.db).await.unwrap();
    assert_eq!(problems, []);
}

#[tokio::test]
async fn a_request_that_finds_every_connection_taken_is_told_to_try_again() {
    use crate::visitor::Visitor;
    let app = TestApp::demo().await;
    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ann Borg", "ann@example.com", "correct horse battery staple").await;
    // Every connection of the requests' pool held, as by a rush.
    let mut held = Vec::new();
    while let Ok(Ok(connection)) = tokio::time::timeout(Duration::from_millis(500), app.state.db.acquire()).await {
        held.push(connection);
    }
    assert!(!held.is_empty());
    let res = ann.call("enrolment/dashboard", &[]).await;
    assert_eq!(res.status, 503, "{}", res.body);
    assert_eq!(res.header("retry-after"), Some("2"));
    assert!(res.body.contains("Unavailable"), "the error says busy, not broken: {}", res.body);
    drop(held);
    let res = ann.call("enrolment/dashboard", &[]).await;
    assert_eq!(res.status, 200, "the same request, once connections are free: {}", res.body);
}
