//! Enrolment, through its domain functions (no HTTP): seats never sold
//! twice whatever the concurrency, a gapless waitlist, promotion on
//! cancellation with its mail, moves between dates, and every refusal.

use crate::helpers::TestApp;
use crate::visitor::{count, mails_to};
use lyceum::error::AppError;
use lyceum::model::account::{Role, User};
use lyceum::model::enrolment::{EnrolmentStatus, Refusal};
use lyceum::server::accounts::store::{NewUser, insert_user};
use lyceum::server::error::Error;
use lyceum::server::sql::{Arg, Sql};

/// `n` confirmed learners (and, for `role`, other people), made directly.
pub async fn people(app: &TestApp, prefix: &str, n: usize, role: Role) -> Vec<User> {
    let now = chrono::Utc::now();
    let mut users = Vec::new();
    let mut tx = app.state.db.begin().await.unwrap();
    for i in 0..n {
        let email = format!("{prefix}{i}@example.com");
        let name = format!("{prefix} {i}");
        let new = NewUser { email: &email, name: &name, password_hash: "!", role, verified_at: Some(now) };
        let id = insert_user(&mut tx, &new, now).await.unwrap();
        users.push(User { id, email, name, role, verified: true });
    }
    tx.commit().await.unwrap();
    users
}

/// Two upcoming sessions of one published course, emptied and given
/// these capacities; (course id, first session, second session).
pub async fn two_sessions(app: &TestApp, capacities: (i64, i64)) -> (i64, i64, i64) {
    let now = chrono::Utc::now();
    let rows: Vec<(i64, i64)> = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_as(
            "SELECT s.course_id, s.id FROM course_sessions s JOIN courses c ON c.id = s.course_id
             WHERE c.published AND s.status = 'scheduled' AND s.starts_at > $1
             AND s.course_id IN (SELECT course_id FROM course_sessions WHERE status = 'scheduled' AND starts_at > $1
                                 GROUP BY course_id HAVING COUNT(*) >= 2)
             ORDER BY s.course_id, s.starts_at LIMIT 2",
        )
        .bind(now)
        .fetch_all(pool)
        .await
        .unwrap()
    });
    let (course, first, second) = (rows[0].0, rows[0].1, rows[1].1);
    for (session, capacity) in [(first, capacities.0), (second, capacities.1)] {
        set(app, &format!("DELETE FROM enrolments WHERE session_id = {session}")).await;
        set(app, &format!("UPDATE course_sessions SET seats_taken = 0, capacity = {capacity} WHERE id = {session}"))
            .await;
    }
    (course, first, second)
}

/// A new scheduled date of the course of session `template`, three hours
/// from `starts`, with `capacity` seats and nobody on it.
pub async fn new_date(app: &TestApp, template: i64, starts: chrono::DateTime<chrono::Utc>, capacity: i64) -> i64 {
    lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar(
            "INSERT INTO course_sessions (course_id, starts_at, ends_at, timezone, mode, location_id, instructor_id,
                 capacity, seats_taken, waitlist_length, status, created_at, updated_at)
             SELECT course_id, $2, $3, timezone, mode, location_id, instructor_id, $4, 0, 0, 'scheduled', $5, $5
             FROM course_sessions WHERE id = $1 RETURNING id",
        )
        .bind(template)
        .bind(starts)
        .bind(starts + chrono::Duration::hours(3))
        .bind(capacity)
        .bind(chrono::Utc::now())
        .fetch_one(pool)
        .await
        .unwrap()
    })
}

pub async fn set(app: &TestApp, sql: &str) {
    Sql::new(sql).execute(&app.state.db).await.unwrap();
}

pub fn refused_with(result: Result<impl std::fmt::Debug, Error>, refusal: Refusal) {
    match result {
        Err(Error::Refused(AppError::Conflict(got))) => assert_eq!(got, refusal),
        other => panic!("expected {refusal:?}, got {other:?}"),
    }
}

/// (confirmed, waitlist positions in order, seats_taken, waitlist_length) of a session.
pub async fn standing(app: &TestApp, session: i64) -> (i64, Vec<i64>, i64, i64) {
    let confirmed =
        count(app, &format!("SELECT COUNT(*) FROM enrolments WHERE session_id = {session} AND status = 'confirmed'"))
            .await;
    let positions: Vec<i64> = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar(
            "SELECT waitlist_position FROM enrolments WHERE session_id = $1 AND status = 'waitlisted'
             ORDER BY waitlist_position",
        )
        .bind(session)
        .fetch_all(pool)
        .await
        .unwrap()
    });
    let taken = count(app, &format!("SELECT seats_taken FROM course_sessions WHERE id = {session}")).await;
    let length = count(app, &format!("SELECT waitlist_length FROM course_sessions WHERE id = {session}")).await;
    (confirmed, positions, taken, length)
}

/// The subjects of the mail queued to `learner`, up to the first colon.
async fn subjects(app: &TestApp, learner: &User) -> Vec<String> {
    let mails = mails_to(app, &learner.email).await;
    mails.iter().map(|m| m.subject.split(':').next().unwrap_or_default().to_string()).collect()
}

#[tokio::test]
async fn a_new_enrolment_is_told_where_it_stands_when_its_mail_is_written() {
    let app = TestApp::demo().await;
    let (_, session, _) = two_sessions(&app, (1, 1)).await;
    let learners = people(&app, "notice", 4, Role::Learner).await;
    let enrolments = &app.state.enrolments;
    let mut made = Vec::new();
    for learner in &learners {
        made.push(enrolments.enrol(learner, learner.id, session).await.unwrap());
    }
    let queued = "SELECT COUNT(*) FROM jobs WHERE kind = 'enrolment.enrolled' AND status = 'queued'";
    assert_eq!(count(&app, queued).await, 4, "each enrolment queued its notice with it");
    // Before any notice is written, the seat is given up (the first on
    // the waitlist is promoted) and the second on the waitlist leaves.
    enrolments.cancel(&learners[0], made[0].id).await.unwrap();
    enrolments.cancel(&learners[2], made[2].id).await.unwrap();
    assert_eq!(subjects(&app, &learners[0]).await, ["Cancelled"], "no confirmation of a seat given up");
    assert_eq!(subjects(&app, &learners[1]).await, ["A seat freed up"], "the promotion, not a stale waitlist");
    assert_eq!(subjects(&app, &learners[2]).await, ["Cancelled"]);
    assert_eq!(subjects(&app, &learners[3]).await, ["You are on the waitlist"]);
    let told = mails_to(&app, &learners[3].email).await.remove(0);
    assert!(told.text.contains("at position 1."), "the place held now, not the third: {}", told.text);
    assert_eq!(count(&app, queued).await, 0);
    // Written once: running the notices again writes nothing more.
    assert_eq!(crate::visitor::run_notices(&app).await, 0);
    assert_eq!(subjects(&app, &learners[3]).await.len(), 1);
}

#[tokio::test]
async fn a_full_session_keeps_a_waitlist_and_a_cancellation_promotes_its_first() {
    let app = TestApp::demo().await;
    let (_, session, _) = two_sessions(&app, (2, 2)).await;
    let learners = people(&app, "learner", 5, Role::Learner).await;
    let enrolments = &app.state.enrolments;
    let mut made = Vec::new();
    for learner in &learners {
        made.push(enrolments.enrol(learner, learner.id, session).await.unwrap());
    }
    let statuses: Vec<_> = made.iter().map(|e| (e.status, e.waitlist_position)).collect();
    use EnrolmentStatus::*;
    assert_eq!(
        statuses,
        [(Confirmed, None), (Confirmed, None), (Waitlisted, Some(1)), (Waitlisted, Some(2)), (Waitlisted, Some(3))]
    );
    assert_eq!(standing(&app, session).await, (2, vec![1, 2, 3], 2, 3));
    refused_with(enrolments.enrol(&learners[0], learners[0].id, session).await, Refusal::AlreadyEnrolled);
    refused_with(enrolments.enrol(&learners[3], learners[3].id, session).await, Refusal::AlreadyEnrolled);

    // The second on the waitlist leaves: the third moves up, no gap.
    enrolments.cancel(&learners[3], made[3].id).await.unwrap();
    assert_eq!(standing(&app, session).await, (2, vec![1, 2], 2, 2));

    // A confirmed seat is given up: the first on the waitlist gets it, and is told.
    let before = mails_to(&app, &learners[2].email).await.len();
    enrolments.cancel(&learners[0], made[0].id).await.unwrap();
    assert_eq!(standing(&app, session).await, (2, vec![1], 2, 1));
    let mine = enrolments.of_learner(&learners[2]).await.unwrap();
    assert_eq!((mine[0].enrolment.status, mine[0].enrolment.waitlist_position), (Confirmed, None));
    let mails = mails_to(&app, &learners[2].email).await;
    assert_eq!(mails.len(), before + 1);
    assert!(mails.last().unwrap().subject.starts_with("A seat freed up"), "{:?}", mails.last().unwrap().subject);
    assert!(mails_to(&app, &learners[0].email).await.last().unwrap().subject.starts_with("Cancelled"));

    // Someone else's enrolment is not found; staff may cancel anyone's.
    assert!(matches!(enrolments.cancel(&learners[1], made[4].id).await, Err(Error::NotFound)));
    refused_with(enrolments.cancel(&learners[0], made[0].id).await, Refusal::AlreadyCancelled);
    let staff = people(&app, "staff", 1, Role::Staff).await.remove(0);
    enrolments.cancel(&staff, made[4].id).await.unwrap();
    assert_eq!(standing(&app, session).await, (2, vec![], 2, 0));
    // A learner may not enrol someone else.
    assert!(matches!(
        enrolments.enrol(&learners[0], learners[1].id, session).await,
        Err(Error::Refused(AppError::Forbidden))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_enrolments_never_sell_a_seat_twice() {
    let app = TestApp::demo().await;
    let (_, session, other) = two_sessions(&app, (20, 5)).await;
    let learners = people(&app, "crowd", 100, Role::Learner).await;
    let tasks: Vec<_> = learners
        .iter()
        .cloned()
        .map(|learner| {
            let enrolments = app.state.enrolments.clone();
            tokio::spawn(async move { enrolments.enrol(&learner, learner.id, session).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().expect("every enrolment is answered, confirmed or waitlisted");
    }
    let (confirmed, positions, taken, length) = standing(&app, session).await;
    assert_eq!((confirmed, taken, length), (20, 20, 80));
    assert_eq!(positions, (1..=80).collect::<Vec<_>>(), "a waitlist without gaps or repeats");

    // One learner, fifty times at once: one enrolment.
    let one = people(&app, "once", 1, Role::Learner).await.remove(0);
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (enrolments, one) = (app.state.enrolments.clone(), one.clone());
            tokio::spawn(async move { enrolments.enrol(&one, one.id, other).await })
        })
        .collect();
    let mut succeeded = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => succeeded += 1,
            Err(Error::Refused(AppError::Conflict(Refusal::AlreadyEnrolled))) => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(succeeded, 1);
    assert_eq!(standing(&app, other).await, (1, vec![], 1, 0));
}

#[tokio::test]
async fn a_seat_moves_to_another_date_or_stays_where_it_is() {
    let app = TestApp::demo().await;
    let (_, first, second) = two_sessions(&app, (1, 1)).await;
    let [ann, bob, cat]: [User; 3] = people(&app, "mover", 3, Role::Learner).await.try_into().unwrap();
    let enrolments = &app.state.enrolments;
    let ann_seat = enrolments.enrol(&ann, ann.id, first).await.unwrap();
    let bob_wait = enrolments.enrol(&bob, bob.id, first).await.unwrap();
    assert_eq!(bob_wait.waitlist_position, Some(1));

    // Ann moves: confirmed on the second date, and Bob gets her first seat.
    let moved = enrolments.transfer(&ann, ann_seat.id, second).await.unwrap();
    assert_eq!((moved.session_id, moved.status), (second, EnrolmentStatus::Confirmed));
    assert_eq!(standing(&app, first).await, (1, vec![], 1, 0));
    assert_eq!(standing(&app, second).await, (1, vec![], 1, 0));
    assert!(mails_to(&app, &ann.email).await.last().unwrap().subject.starts_with("Moved to another date"));

    // Cat holds nothing to move; Bob cannot move to the full second date,
    // and keeps his seat; a waitlisted place cannot move.
    let cat_wait = enrolments.enrol(&cat, cat.id, first).await.unwrap();
    refused_with(enrolments.transfer(&cat, cat_wait.id, second).await, Refusal::NotConfirmed);
    let bob_seat = enrolments.of_learner(&bob).await.unwrap().remove(0).enrolment;
    refused_with(enrolments.transfer(&bob, bob_seat.id, second).await, Refusal::TargetFull);
    refused_with(enrolments.transfer(&bob, bob_seat.id, first).await, Refusal::SameSession);
    assert_eq!(standing(&app, first).await, (1, vec![1], 1, 1), "nothing changed");

    // Another course's session is not another date.
    let elsewhere = count(
        &app,
        &format!(
            "SELECT MIN(id) FROM course_sessions WHERE status = 'scheduled' AND course_id <> \
             (SELECT course_id FROM course_sessions WHERE id = {first})"
        ),
    )
    .await;
    refused_with(enrolments.transfer(&bob, bob_seat.id, elsewhere).await, Refusal::OtherCourse);
}

#[tokio::test]
async fn enrolments_are_refused_where_the_rules_say_so() {
    let app = TestApp::demo().await;
    let (course, first, second) = two_sessions(&app, (5, 5)).await;
    let learner = people(&app, "rules", 1, Role::Learner).await.remove(0);
    let enrolments = &app.state.enrolments;

    // Unconfirmed address.
    // (The caller's account as a request reads it.)
    set(&app, &format!("UPDATE users SET email_verified_at = NULL WHERE id = {}", learner.id)).await;
    let unconfirmed = User { verified: false, ..learner.clone() };
    refused_with(enrolments.enrol(&unconfirmed, learner.id, first).await, Refusal::Unconfirmed);
    set(&app, &format!("UPDATE users SET email_verified_at = created_at WHERE id = {}", learner.id)).await;

    // Unknown session; cancelled session; a session that has started.
    assert!(matches!(enrolments.enrol(&learner, learner.id, 999_999).await, Err(Error::NotFound)));
    set(&app, &format!("UPDATE course_sessions SET status = 'cancelled' WHERE id = {second}")).await;
    refused_with(enrolments.enrol(&learner, learner.id, second).await, Refusal::SessionCancelled);
    let mut sql = Sql::new("UPDATE course_sessions SET starts_at = ");
    sql.bind(Arg::Time(chrono::Utc::now() - chrono::Duration::hours(1)))
        .push(", status = 'scheduled' WHERE id = ")
        .bind(Arg::Int(second));
    sql.execute(&app.state.db).await.unwrap();
    refused_with(enrolments.enrol(&learner, learner.id, second).await, Refusal::SessionStarted);

    // A cancellation after the course's cutoff is refused; the seat is kept.
    let seat = enrolments.enrol(&learner, learner.id, first).await.unwrap();
    set(&app, &format!("UPDATE courses SET cancellation_cutoff_hours = 100000 WHERE id = {course}")).await;
    refused_with(enrolments.cancel(&learner, seat.id).await, Refusal::CancellationClosed { hours: u16::MAX });
    assert_eq!(standing(&app, first).await.0, 1);

    // An unpublished course has no sessions to enrol in.
    set(&app, &format!("UPDATE courses SET published = FALSE, cancellation_cutoff_hours = 0 WHERE id = {course}"))
        .await;
    let other = people(&app, "late", 1, Role::Learner).await.remove(0);
    assert!(matches!(enrolments.enrol(&other, other.id, first).await, Err(Error::NotFound)));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM enrolments WHERE user_id NOT IN (SELECT id FROM users WHERE email LIKE '%@learners.lyceum.example')").await, 1, "no refusal stored anything");
}

/// The order form's fields for a private booking of `session`.
pub fn order_fields(session: &str) -> Vec<(&str, &str)> {
    vec![
        ("session_id", session),
        ("billing", "private"),
        ("billing_name", "Ann Borg"),
        ("address", "3 Triq San Pawl"),
        ("city", "St Paul's Bay"),
        ("country", "MT"),
        ("payment", "transfer"),
        ("accept_terms", "on"),
        ("me", "on"),
    ]
}

#[tokio::test]
async fn booking_through_the_pages_lists_the_seat_and_only_its_learner_may_cancel_it() {
    use crate::visitor::Visitor;
    let app = TestApp::demo().await;
    let (_, session, _) = two_sessions(&app, (5, 5)).await;
    let slug: String = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT c.slug FROM courses c JOIN course_sessions s ON s.course_id = c.id WHERE s.id = $1")
            .bind(session)
            .fetch_one(pool)
            .await
            .unwrap()
    });
    let id = session.to_string();

    // Signed in: booked, and the account page lists it.
    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ann Borg", "ann@example.com", "correct horse battery staple").await;
    let res = ann.submit(&format!("/book/{id}"), "orders/place", &order_fields(&id)).await;
    let location = res.header("location").unwrap_or_default().to_string();
    assert!(location.ends_with("?notice=enrolled"), "{} {location}", res.status);
    let account = ann.get("/account").await;
    assert_eq!(account.status, 200);
    assert!(account.body.contains(&format!(r#"href="/courses/{slug}""#)), "the enrolment is listed");
    assert!(account.header("cache-control").unwrap_or_default().contains("no-store"));

    // Twice is refused with a clear message; someone else's is not found.
    let res = ann.call("orders/place", &order_fields(&id)).await;
    assert_eq!(res.status, 409, "{}", res.body);
    assert!(res.body.contains("AlreadyEnrolled") || res.body.contains("already_enrolled"), "{}", res.body);
    let mine: i64 = count(&app, "SELECT MIN(id) FROM enrolments WHERE user_id NOT IN (SELECT id FROM users WHERE email LIKE '%@learners.lyceum.example')").await;
    let mut bob = Visitor::from_ip(&app, "192.0.2.77".parse().unwrap());
    bob.sign_up_and_log_in("Bob Zammit", "bob@example.com", "another horse battery staple").await;
    let res = bob.call("enrolment/cancel", &[("enrolment_id", &mine.to_string())]).await;
    assert_eq!(res.status, 404, "{}", res.body);
    let res = ann.call("enrolment/cancel", &[("enrolment_id", &mine.to_string())]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    assert_eq!(standing(&app, session).await, (0, vec![], 0, 0));
}

#[tokio::test]
async fn a_deleted_account_gives_its_seats_and_waitlist_places_to_others() {
    use crate::visitor::Visitor;
    let app = TestApp::demo().await;
    let (_, session, second) = two_sessions(&app, (1, 1)).await;
    let mut ann = Visitor::new(&app);
    let password = "correct horse battery staple";
    ann.sign_up_and_log_in("Ann Borg", "ann@example.com", password).await;
    let ann_id = count(&app, "SELECT id FROM users WHERE email = 'ann@example.com'").await;
    let ann_user = User {
        id: ann_id,
        email: "ann@example.com".into(),
        name: "Ann Borg".into(),
        role: Role::Learner,
        verified: true,
    };
    let others = people(&app, "waiting", 2, Role::Learner).await;
    let enrolments = &app.state.enrolments;
    enrolments.enrol(&ann_user, ann_id, session).await.unwrap();
    enrolments.enrol(&others[0], others[0].id, session).await.unwrap();
    enrolments.enrol(&others[1], others[1].id, second).await.unwrap();
    // Ann waits for a seat on the second date, to move hers there.
    let ann_seat = count(&app, &format!("SELECT id FROM enrolments WHERE user_id = {ann_id}")).await;
    enrolments.move_or_wait(&ann_user, ann_seat, second).await.unwrap();
    assert_eq!(standing(&app, session).await, (1, vec![1], 1, 1));
    assert_eq!(standing(&app, second).await, (1, vec![1], 1, 1));

    let res = ann.call("account/delete", &[("password", password)]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    // Her seat went to the first on the waitlist, who is told; her place in
    // the other waitlist closed up.
    assert_eq!(standing(&app, session).await, (1, vec![], 1, 0));
    assert_eq!(standing(&app, second).await, (1, vec![], 1, 0));
    assert!(mails_to(&app, &others[0].email).await.last().unwrap().subject.starts_with("A seat freed up"));
    assert_eq!(
        count(&app, &format!("SELECT COUNT(*) FROM enrolments WHERE user_id = {ann_id} AND status <> 'cancelled'"))
            .await,
        0
    );
}

#[tokio::test]
async fn bad_input_to_the_enrolment_functions_is_a_clear_4xx_and_stores_nothing() {
    use crate::visitor::Visitor;
    let app = TestApp::demo().await;
    let (_, session, _) = two_sessions(&app, (5, 5)).await;
    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ann Borg", "ann@example.com", "correct horse battery staple").await;
    let id = session.to_string();
    let with = |session: &'static str| order_fields(session);
    let mut control = order_fields(&id);
    control[2] = ("billing_name", "x\0y");
    let cases: [(&str, Vec<(&str, &str)>, u16); 8] = [
        ("orders/place", with("abc"), 400),
        ("orders/place", order_fields("")[1..].to_vec(), 400),
        ("orders/place", with("99999999999999999999999"), 400),
        ("orders/place", with("-5"), 404),
        ("orders/place", with("999999"), 404),
        ("orders/place", control, 400),
        ("enrolment/cancel", vec![("enrolment_id", "1; DROP TABLE enrolments")], 400),
        ("enrolment/cancel", vec![("enrolment_id", "424242")], 404),
    ];
    for (endpoint, fields, status) in cases {
        let res = ann.call(endpoint, &fields).await;
        assert_eq!(res.status, status, "{endpoint} {fields:?}: {}", res.body);
        assert!(res.body.len() < 300 && !res.body.contains("invalid digit"), "our own words: {}", res.body);
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM enrolments WHERE user_id NOT IN (SELECT id FROM users WHERE email LIKE '%@learners.lyceum.example')").await, 0);
    assert_eq!(standing(&app, session).await, (0, vec![], 0, 0));
}

#[tokio::test]
async fn a_learner_calling_staff_functions_is_refused_before_anything_is_looked_up() {
    use crate::visitor::Visitor;
    let app = TestApp::demo().await;
    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ann Borg", "ann@example.com", "correct horse battery staple").await;
    // An enrolment and a session that exist, and ids that do not: the same 403.
    let (enrolment, session) = (
        count(&app, "SELECT MIN(id) FROM enrolments").await,
        count(&app, "SELECT MIN(session_id) FROM enrolments").await,
    );
    for (enrolment, session) in [(enrolment, session), (987_654, 987_654)] {
        let (enrolment, session) = (enrolment.to_string(), session.to_string());
        let fields = [("session_id", session.as_str()), ("enrolment_id", &enrolment), ("attendance", "attended")];
        let res = ann.call("admin/sessions/mark", &fields).await;
        assert_eq!(res.status, 403, "mark {enrolment}: {}", res.body);
        let res = ann.call("admin/sessions/roster", &[("session_id", &session)]).await;
        assert_eq!(res.status, 403, "roster {session}: {}", res.body);
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM enrolments WHERE attendance IS NOT NULL").await, 0);
}
