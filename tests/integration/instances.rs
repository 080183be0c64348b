//! Several instances on one PostgreSQL agree on what they cache: a write
//! through one is served by the others within a second (they hear of it
//! through `NOTIFY` in the write's transaction), a rolled-back write tells
//! no one, and a listener that loses its connection forgets everything.
//! On SQLite there is one instance per database file, and these tests
//! only say so.

use crate::helpers::{TestApp, TestResponse};
use crate::visitor::Visitor;
use lyceum::model::account::Role;
use lyceum::server::cache_notices::{self, Listener};
use std::time::{Duration, Instant};

const PASSWORD: &str = "correct horse battery staple";

/// Two instances on one fresh PostgreSQL database with the demo
/// catalogue, each listening; `None` on SQLite.
async fn two_instances() -> Option<(TestApp, TestApp)> {
    if !std::env::var("LYCEUM_TEST_DATABASE_URL").is_ok_and(|url| url.starts_with("postgres")) {
        eprintln!("instances: PostgreSQL only (set LYCEUM_TEST_DATABASE_URL); SQLite has one instance per file");
        return None;
    }
    let first = TestApp::demo().await;
    let second = first.sibling().await;
    Some((first, second))
}

/// `app`'s listener, once it listens.
async fn listen(app: &TestApp) -> Listener {
    let listener = app.state.catalogue.listen(&app.state.db).expect("a listener on PostgreSQL");
    tokio::time::timeout(Duration::from_secs(5), listener.listening(1)).await.expect("listening within 5 s");
    listener
}

/// Reads `path` until the page cache answers it, and returns that answer.
async fn warm(app: &TestApp, path: &str) -> TestResponse {
    for _ in 0..3 {
        let page = app.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        if page.header("x-cache") == Some("hit") {
            return page;
        }
    }
    panic!("{path} is not served from the cache");
}

/// How long until `app` serves `path` with `text` in it, polling every
/// 10 ms up to `limit`; `None` if it never did.
async fn seen_within(app: &TestApp, path: &str, text: &str, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if app.get(path).await.body.contains(text) {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    None
}

/// Waits up to 5 s for `ready`.
async fn eventually(what: &str, ready: impl Fn() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(started.elapsed() < Duration::from_secs(5), "{what} within 5 s");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Sets a course's price in the database, as a person with `psql` would:
/// no instance hears of it.
async fn set_price_by_hand(app: &TestApp, slug: &str, cents: i64) {
    lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query("UPDATE courses SET price_cents = $1 WHERE slug = $2")
            .bind(cents)
            .bind(slug)
            .execute(pool)
            .await
            .map(|done| assert_eq!(done.rows_affected(), 1))
            .unwrap()
    });
}

async fn a_published_course(app: &TestApp) -> String {
    lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT slug FROM courses WHERE published ORDER BY id LIMIT 1")
            .fetch_one(pool)
            .await
            .unwrap()
    })
}

#[tokio::test]
async fn a_course_changed_through_one_instance_is_served_by_the_other_within_a_second() {
    let Some((first, second)) = two_instances().await else { return };
    let (heard_by_first, heard_by_second) = (listen(&first).await, listen(&second).await);
    let email = "staff1@academy.test";
    first.state.accounts.create_confirmed(email, "Staff 1", PASSWORD, Role::Staff).await.unwrap();
    let mut staff = Visitor::from_ip(&first, "203.0.113.101".parse().unwrap());
    let res = staff.call("account/login", &[("email", email), ("password", PASSWORD)]).await;
    assert!(res.status < 400, "login: {} {}", res.status, res.body);
    let category: String = lyceum::with_pool!(&first.state.db, |pool| {
        sqlx::query_scalar("SELECT slug FROM categories ORDER BY id LIMIT 1").fetch_one(pool).await.unwrap()
    });
    let fields = |price: &'static str| {
        vec![
            ("title", "Kubernetes in practice"),
            ("slug", ""),
            ("category", category.as_str()),
            ("summary", "Pods, services and rollouts."),
            ("description", "Two days of clusters."),
            ("outcomes", "Deploy a service"),
            ("prerequisites", ""),
            ("level", "intermediate"),
            ("duration_hours", "14"),
            ("price", price),
            ("language", "en"),
        ]
    };
    let res = staff.call("admin/courses/save", &fields("900")).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    let id: i64 = lyceum::with_pool!(&first.state.db, |pool| {
        sqlx::query_scalar("SELECT id FROM courses WHERE slug = 'kubernetes-in-practice'")
            .fetch_one(pool)
            .await
            .unwrap()
    });
    let id = id.to_string();
    let res = staff.call("admin/courses/publish", &[("id", &id), ("publish", "yes")]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    let path = "/courses/kubernetes-in-practice";
    // The publication is heard too: the second instance finds the course.
    assert!(seen_within(&second, path, "€900", Duration::from_secs(1)).await.is_some(), "published on the second");
    assert!(warm(&second, path).await.body.contains("€900"));

    let mut edit = fields("1,250");
    edit.extend([("id", id.as_str()), ("version", "2")]);
    let res = staff.call("admin/courses/save", &edit).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    let took = seen_within(&second, path, "€1,250", Duration::from_secs(1)).await;
    eprintln!("instances: a price saved on one instance was served by the other after {took:?}");
    assert!(took.is_some(), "the new price on the second instance within 1 s");

    // Three writes (created, published, saved), each heard once by the
    // other instance; the first ignores its own.
    eventually("the first hears its own three notices", || heard_by_first.own() == 3).await;
    eventually("the second hears three notices", || heard_by_second.heard() == 3).await;
    assert_eq!(heard_by_first.heard(), 0, "nobody else wrote");
    assert_eq!(heard_by_second.own(), 0);
    heard_by_first.stop().await;
    heard_by_second.stop().await;
}

#[tokio::test]
async fn a_write_that_rolls_back_tells_no_one() {
    let Some((first, second)) = two_instances().await else { return };
    let (heard_by_first, heard_by_second) = (listen(&first).await, listen(&second).await);
    let slug = a_published_course(&first).await;
    let path = format!("/courses/{slug}");
    set_price_by_hand(&first, &slug, 123_400).await;
    assert!(warm(&second, &path).await.body.contains("€1,234"));
    set_price_by_hand(&first, &slug, 432_100).await;

    // A transaction that announced a change and rolled back...
    let mut tx = first.state.db.begin_write().await.unwrap();
    cache_notices::announce_in(&mut tx, first.state.catalogue.instance()).await.unwrap();
    drop(tx);
    // ...and a catalogue write given up before its commit.
    let write = first.state.catalogue.begin_write().await.unwrap();
    drop(write);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let page = second.get(&path).await;
    assert_eq!(page.header("x-cache"), Some("hit"), "the second instance's cache is untouched");
    assert!(page.body.contains("€1,234"), "a change by hand is not seen before the caches' lifetime ends");

    // A change announced on its own arrives; notices come in the order
    // their transactions committed, so one from the rolled-back
    // transaction would have come first.
    cache_notices::announce(&first.state.db, first.state.catalogue.instance()).await.unwrap();
    let took = seen_within(&second, &path, "€4,321", Duration::from_secs(1)).await;
    assert!(took.is_some(), "the announced change within 1 s");
    assert_eq!(heard_by_second.heard(), 1, "only the announced change was heard");
    heard_by_first.stop().await;
    heard_by_second.stop().await;
}

#[tokio::test]
async fn a_listener_that_loses_its_connection_forgets_every_cached_answer() {
    let Some((first, second)) = two_instances().await else { return };
    let listener = listen(&second).await;
    let slug = a_published_course(&first).await;
    let path = format!("/courses/{slug}");
    set_price_by_hand(&first, &slug, 123_400).await;
    assert!(warm(&second, &path).await.body.contains("€1,234"));
    // Categories too: the home page lists them with their counts.
    warm(&second, "/").await;
    set_price_by_hand(&first, &slug, 432_100).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(second.get(&path).await.body.contains("€1,234"), "nothing told the second instance");

    // Its listening connection dies (a restart of PostgreSQL, a proxy
    // that closed it): notices may have been missed meanwhile.
    let name = second.state.catalogue.instance().application_name();
    let killed: Vec<bool> = lyceum::with_pool!(&first.state.db, |pool| {
        sqlx::query_scalar("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1")
            .bind(&name)
            .fetch_all(pool)
            .await
            .unwrap()
    });
    assert_eq!(killed, [true], "the second instance's listening connection, found by its name");
    let took = seen_within(&second, &path, "€4,321", Duration::from_secs(5)).await;
    eprintln!("instances: a listener whose connection was killed forgot its caches after {took:?}");
    assert!(took.is_some(), "the change by hand is served once the listener is back, within 5 s");
    assert_ne!(second.get("/").await.header("x-cache"), Some("hit"), "the cached home page is gone too");
    assert!(listener.connections() >= 2, "listening again: {}", listener.connections());
    listener.stop().await;
}
