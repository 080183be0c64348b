//! The enrolment race harness. Every pair of operations that touch one
//! enrolment or one session (enrol, book through an order, cancel, move,
//! promote, leave the waitlist, staff cancelling and moving seats,
//! enrolling someone by address, cancelling or moving the whole session,
//! an account's deletion, an administrator deactivating it and handing its
//! seats on, the REST API's booking, cancel and staff move) runs at the same instant, many times, against the same rows;
//! after each round every rule is checked with SQL of the test's own,
//! billing's too: each seat an order pays for is invoiced once while it is
//! held in a session still to run, credited once when it is not, and the
//! documents are numbered without a gap. A double click, two
//! tabs, or a learner and staff at once must leave the rules intact and get
//! one success and a clear refusal, never a second release of one seat.
//!
//! `LYCEUM_RACE_ROUNDS` sets the rounds per pair (default 3).

use crate::enrolment::{people, set, standing};
use crate::helpers::TestApp;
use crate::visitor::count;
use lyceum::error::AppError;
use lyceum::model::account::{Role, User};
use lyceum::model::enrolment::EnrolmentStatus;
use lyceum::server::accounts::store::{NewUser, insert_user};
use lyceum::server::error::Error;
use std::sync::Arc;
use tokio::sync::Barrier;

/// The password of every learner the harness may delete.
const PASSWORD: &str = "a long enough password for the races";

/// The operations raced against each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    /// A newcomer enrols in the full session (and joins its waitlist).
    Enrol,
    /// The learner holding seat A gives it up.
    Cancel,
    /// Staff give up seat A for the learner.
    StaffCancel,
    /// The learner moves seat A to the second date.
    Move,
    /// Staff move seat A to the third date.
    StaffMove,
    /// The first on the waitlist leaves it.
    Leave,
    /// Staff take the first on the waitlist off it.
    StaffLeave,
    /// Staff give the session's free seats to the waitlist.
    Promote,
    /// The learner holding seat A deletes their account.
    Delete,
    /// Staff enrol the newcomer in the full session by e-mail address.
    StaffEnrol,
    /// Staff cancel the whole first session.
    CancelSession,
    /// Staff move the whole first session to other times.
    MoveSession,
    /// An administrator deactivates the account holding seat A and hands
    /// its seats on.
    Deactivate,
    /// A newcomer books the full session through an order (a waitlist place).
    Order,
    /// The learner holding seat A books the second date through an order:
    /// one live seat per course, so refused while seat A stands.
    Book,
    /// The learner holding a seat on the second date asks to move it to the
    /// full first date: a place on its waitlist, the seat kept meanwhile.
    WaitFor,
    /// The learner holding seat A gives it up through the REST API, with a
    /// token.
    ApiCancel,
    /// The newcomer books the full first date through the REST API (a
    /// waitlist place), with the round's idempotency key: raced against
    /// itself, it is a retry arriving while the first is being answered.
    ApiEnrol,
    /// Staff move seat A to the third date through the REST API, with an
    /// `enrollments:manage` token.
    ApiMove,
    /// Staff call the whole first session off through the REST API, with a
    /// `catalogue:write` token, naming the version they read just before.
    ApiCancelSession,
}

const OPS: [Op; 20] = [
    Op::Enrol,
    Op::Cancel,
    Op::StaffCancel,
    Op::Move,
    Op::StaffMove,
    Op::Leave,
    Op::StaffLeave,
    Op::Promote,
    Op::Delete,
    Op::StaffEnrol,
    Op::CancelSession,
    Op::MoveSession,
    Op::Deactivate,
    Op::Order,
    Op::Book,
    Op::WaitFor,
    Op::ApiCancel,
    Op::ApiEnrol,
    Op::ApiMove,
    Op::ApiCancelSession,
];

/// One round's rows: three new dates of one course. The first is full (A
/// and B hold its two seats) with three on its waitlist, the first of whom
/// (W1) holds a seat on the second date and waits to move it: any seat
/// freed on the first moves W1's, and frees one on the second in turn. The
/// second has one seat free of three (X and W1 hold the others); the third
/// is empty.
struct Round {
    first: i64,
    second: i64,
    third: i64,
    /// Holds seat A of the first date.
    a: User,
    a_seat: i64,
    /// First on the waitlist.
    w1: User,
    w1_place: i64,
    /// The five places of the first date, in the order they were taken.
    places: Vec<i64>,
    newcomer: User,
    /// A's API token, with the write scope.
    a_token: String,
    /// The newcomer's, with the write scope.
    newcomer_token: String,
    /// Holds a seat on the second date.
    x: User,
    x_seat: i64,
    /// Everyone of the round, for the per-learner rules.
    everyone: Vec<i64>,
}

struct Harness {
    app: TestApp,
    staff: User,
    /// The staff member's API token, with `enrollments:manage`.
    staff_token: String,
    admin: User,
    template: i64,
    password_hash: String,
    made: std::sync::atomic::AtomicUsize,
}

impl Harness {
    async fn new() -> Self {
        let app = TestApp::demo().await;
        let staff = people(&app, "race-staff", 1, Role::Staff).await.remove(0);
        let admin = people(&app, "race-admin", 1, Role::Admin).await.remove(0);
        // A date of a published course that can be cancelled until it starts.
        let template: i64 = lyceum::with_pool!(&app.state.db, |pool| {
            sqlx::query_scalar(
                "SELECT s.id FROM course_sessions s JOIN courses c ON c.id = s.course_id
                 WHERE c.published AND c.cancellation_cutoff_hours = 0 ORDER BY s.id LIMIT 1",
            )
            .fetch_one(pool)
            .await
            .unwrap()
        });
        let password_hash = lyceum::server::accounts::password::Passwords::new(1).hash(PASSWORD).await.unwrap();
        let staff_token = app
            .state
            .tokens
            .create(
                &staff,
                &Default::default(),
                "races",
                &["enrollments:manage".into(), "catalogue:write".into()],
                "30",
            )
            .await
            .unwrap();
        Self { app, staff, staff_token, admin, template, password_hash, made: Default::default() }
    }

    /// A new scheduled date of the harness's course, `days` ahead, empty.
    async fn session(&self, days: i64, capacity: i64) -> i64 {
        let starts = chrono::Utc::now() + chrono::Duration::days(days);
        crate::enrolment::new_date(&self.app, self.template, starts, capacity).await
    }

    /// `n` confirmed learners who can sign in with [`PASSWORD`].
    async fn learners(&self, n: usize) -> Vec<User> {
        let now = chrono::Utc::now();
        let mut users = Vec::new();
        let mut tx = self.app.state.db.begin().await.unwrap();
        for _ in 0..n {
            let i = self.made.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let (email, name) = (format!("racer{i}@example.com"), format!("Racer {i}"));
            let new = NewUser {
                email: &email,
                name: &name,
                password_hash: &self.password_hash,
                role: Role::Learner,
                verified_at: Some(now),
            };
            let id = insert_user(&mut tx, &new, now).await.unwrap();
            users.push(User { id, email, name, role: Role::Learner, verified: true });
        }
        tx.commit().await.unwrap();
        users
    }

    async fn round(&self, index: i64) -> Round {
        let days = 30 + index;
        let (first, second, third) =
            (self.session(days, 2).await, self.session(days + 1, 3).await, { self.session(days + 2, 2).await });
        let people = self.learners(7).await;
        let enrolments = &self.app.state.enrolments;
        let x_seat = enrolments.enrol(&people[5], people[5].id, second).await.unwrap().id;
        let w1_seat = enrolments.enrol(&people[2], people[2].id, second).await.unwrap().id;
        let mut ids = Vec::new();
        // The first date's places are booked and paid through orders, but
        // W1's, who waits there to move their seat on the second.
        for (n, learner) in people[..5].iter().enumerate() {
            let id = match n {
                2 => enrolments.move_or_wait(learner, w1_seat, first).await.unwrap().id,
                _ => {
                    let billing = crate::orders::private(&learner.name);
                    self.app.state.orders.place(learner, first, &billing).await.unwrap().enrolment.id
                }
            };
            ids.push(id);
        }
        Round {
            first,
            second,
            third,
            a: people[0].clone(),
            a_seat: ids[0],
            w1: people[2].clone(),
            w1_place: ids[2],
            places: ids.clone(),
            newcomer: people[6].clone(),
            a_token: self
                .app
                .state
                .tokens
                .create(&people[0], &Default::default(), "races", &["enrollments:write".into()], "30")
                .await
                .unwrap(),
            newcomer_token: self
                .app
                .state
                .tokens
                .create(&people[6], &Default::default(), "races", &["enrollments:write".into()], "30")
                .await
                .unwrap(),
            x: people[5].clone(),
            x_seat,
            everyone: people.iter().map(|p| p.id).collect(),
        }
    }

    async fn run(&self, op: Op, round: &Round) -> Result<(), Error> {
        let enrolments = &self.app.state.enrolments;
        match op {
            Op::Enrol => enrolments.enrol(&round.newcomer, round.newcomer.id, round.first).await.map(drop),
            Op::Cancel => enrolments.cancel(&round.a, round.a_seat).await,
            Op::StaffCancel => enrolments.cancel(&self.staff, round.a_seat).await,
            Op::Move => enrolments.transfer(&round.a, round.a_seat, round.second).await.map(drop),
            Op::StaffMove => enrolments.transfer(&self.staff, round.a_seat, round.third).await.map(drop),
            Op::Leave => enrolments.cancel(&round.w1, round.w1_place).await,
            Op::StaffLeave => enrolments.cancel(&self.staff, round.w1_place).await,
            Op::Promote => enrolments.promote_waitlisted(&self.staff, round.first).await.map(drop),
            Op::Delete => self.app.state.accounts.delete_account(&round.a, PASSWORD).await,
            Op::StaffEnrol => enrolments.enrol_address(&self.staff, &round.newcomer.email, round.first).await.map(drop),
            Op::CancelSession => enrolments.cancel_session(&self.staff, round.first).await,
            Op::MoveSession => {
                let starts = chrono::Utc::now() + chrono::Duration::days(300);
                enrolments.move_session(&self.staff, round.first, starts, starts + chrono::Duration::hours(3)).await
            }
            Op::Deactivate => {
                let client = lyceum::server::client::Client::default();
                let actor = lyceum::server::audit::Actor { user: &self.admin, client: &client };
                self.app.state.accounts.deactivate(actor, round.a.id, true).await
            }
            Op::Order => {
                let billing = crate::orders::private(&round.newcomer.name);
                self.app.state.orders.place(&round.newcomer, round.first, &billing).await.map(drop)
            }
            Op::Book => {
                let billing = crate::orders::private(&round.a.name);
                self.app.state.orders.place(&round.a, round.second, &billing).await.map(drop)
            }
            Op::WaitFor => enrolments.move_or_wait(&round.x, round.x_seat, round.first).await.map(drop),
            Op::ApiCancel => {
                let request = axum::http::Request::delete(format!("/api/v1/enrollments/{}", round.a_seat))
                    .header("authorization", format!("Bearer {}", round.a_token))
                    .body(axum::body::Body::empty())
                    .unwrap();
                let res = self.app.request(request).await;
                // The API's answer, read back as the domain's: a refusal
                // by its type, anything else as it came.
                match res.status {
                    204 => Ok(()),
                    404 => Err(Error::NotFound),
                    409 => Err(Error::Refused(AppError::Conflict(lyceum::model::enrolment::Refusal::AlreadyCancelled))),
                    401 => Err(Error::Refused(AppError::Unauthorized)),
                    _ => Err(Error::Internal(format!("{} {}", res.status, res.body))),
                }
            }
            Op::ApiEnrol => {
                let body = serde_json::json!({
                    "billing": "private", "billing_name": round.newcomer.name, "address": "1 Main Street",
                    "postcode": "VLT 1000", "city": "Valletta", "country": "MT", "payment": "transfer",
                    "accept_terms": true
                });
                let request = axum::http::Request::post(format!("/api/v1/sessions/{}/enrollments", round.first))
                    .header("authorization", format!("Bearer {}", round.newcomer_token))
                    .header("content-type", "application/json")
                    .header("idempotency-key", format!("round-{}", round.first))
                    .body(axum::body::Body::from(body.to_string()))
                    .unwrap();
                let res = self.app.request(request).await;
                match res.status {
                    201 => Ok(()),
                    409 => Err(Error::Refused(AppError::Conflict(lyceum::model::enrolment::Refusal::AlreadyEnrolled))),
                    _ => Err(Error::Internal(format!("{} {}", res.status, res.body))),
                }
            }
            Op::ApiMove => {
                let body = serde_json::json!({ "session_id": round.third });
                let request = axum::http::Request::patch(format!("/api/v1/enrollments/{}", round.a_seat))
                    .header("authorization", format!("Bearer {}", self.staff_token))
                    .header("content-type", "application/json")
                    .body(axum::body::Body::from(body.to_string()))
                    .unwrap();
                let res = self.app.request(request).await;
                match res.status {
                    200 => Ok(()),
                    404 => Err(Error::NotFound),
                    409 => Err(Error::Refused(AppError::Conflict(lyceum::model::enrolment::Refusal::NotConfirmed))),
                    _ => Err(Error::Internal(format!("{} {}", res.status, res.body))),
                }
            }
            Op::ApiCancelSession => {
                let version =
                    count(&self.app, &format!("SELECT revision FROM course_sessions WHERE id = {}", round.first)).await;
                let request =
                    axum::http::Request::delete(format!("/api/v1/sessions/{}?version={version}", round.first))
                        .header("authorization", format!("Bearer {}", self.staff_token))
                        .body(axum::body::Body::empty())
                        .unwrap();
                let res = self.app.request(request).await;
                match res.status {
                    204 => Ok(()),
                    // Called off already, or moved since its version was read.
                    404 => Err(Error::NotFound),
                    409 => Err(Error::Refused(AppError::Stale { version, changes: Vec::new() })),
                    _ => Err(Error::Internal(format!("{} {}", res.status, res.body))),
                }
            }
        }
    }

    /// Every rule, read back with the test's own SQL; `Err` says which broke.
    async fn check(&self, round: &Round) -> Result<(), String> {
        for session in [round.first, round.second, round.third] {
            let capacity =
                count(&self.app, &format!("SELECT capacity FROM course_sessions WHERE id = {session}")).await;
            let (confirmed, positions, taken, length) = standing(&self.app, session).await;
            if confirmed != taken || taken > capacity {
                return Err(format!("session {session}: {confirmed} confirmed, {taken} taken of {capacity}"));
            }
            if positions != (1..=length).collect::<Vec<_>>() {
                return Err(format!("session {session}: waitlist {positions:?}, length {length}"));
            }
            // Nobody waits while a seat is free, in a session still to run
            // (one the academy called off keeps its learners as they were).
            let scheduled = count(
                &self.app,
                &format!("SELECT COUNT(*) FROM course_sessions WHERE id = {session} AND status = 'scheduled'"),
            )
            .await
                == 1;
            if scheduled && taken < capacity && length > 0 {
                return Err(format!("session {session}: {taken} of {capacity} taken with {length} waiting"));
            }
        }
        // One live place per learner in a date (a retry never books twice).
        let twice = count(
            &self.app,
            &format!(
                "SELECT COUNT(*) FROM (SELECT user_id, session_id FROM enrolments
                 WHERE session_id IN ({}, {}, {}) AND status <> 'cancelled'
                 GROUP BY user_id, session_id HAVING COUNT(*) > 1) AS doubled",
                round.first, round.second, round.third
            ),
        )
        .await;
        if twice > 0 {
            return Err(format!("{twice} learners hold two places in one date"));
        }
        // One confirmed seat per learner in this course's dates still to
        // run (a waitlist place beside it is a request to move it).
        let sessions = format!("{}, {}, {}", round.first, round.second, round.third);
        for learner in &round.everyone {
            let seats = count(
                &self.app,
                &format!(
                    "SELECT COUNT(*) FROM enrolments e JOIN course_sessions s ON s.id = e.session_id
                     WHERE e.user_id = {learner} AND e.session_id IN ({sessions})
                       AND e.status = 'confirmed' AND s.status = 'scheduled'"
                ),
            )
            .await;
            if seats > 1 {
                return Err(format!("learner {learner} holds {seats} seats of one course"));
            }
        }
        // Each of those seats holds the course for its learner (check-seats
        // reads the rest once, after every round).
        let unheld = count(
            &self.app,
            &format!(
                "SELECT COUNT(*) FROM enrolments e JOIN course_sessions s ON s.id = e.session_id
                 WHERE e.session_id IN ({sessions}) AND e.status = 'confirmed' AND s.status = 'scheduled'
                   AND NOT EXISTS (SELECT 1 FROM course_holds h WHERE h.enrolment_id = e.id)"
            ),
        )
        .await;
        if unheld > 0 {
            return Err(format!("{unheld} seats hold no course"));
        }
        // Billing: for each order and attendee, what is invoiced and not
        // credited is one seat exactly while a confirmed seat of the order
        // is held in a date still to run, and nothing otherwise.
        let billed: Vec<(i64, i64, i64, i64)> = lyceum::with_pool!(&self.app.state.db, |pool| {
            sqlx::query_as(&format!(
                "SELECT o.id, e.user_id,
                        CAST(COALESCE((SELECT SUM(CASE WHEN i.kind = 'invoice' THEN 1 ELSE -1 END)
                                       FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
                                       WHERE i.order_id = o.id AND l.attendee_id = e.user_id), 0) AS BIGINT),
                        CAST((SELECT COUNT(*) FROM enrolments held JOIN course_sessions s ON s.id = held.session_id
                              WHERE held.order_id = o.id AND held.user_id = e.user_id
                                AND held.status = 'confirmed' AND s.status = 'scheduled') AS BIGINT)
                 FROM orders o JOIN enrolments e ON e.order_id = o.id
                 WHERE o.session_id IN ({sessions})
                 GROUP BY o.id, e.user_id"
            ))
            .fetch_all(pool)
            .await
            .unwrap()
        });
        for (order, attendee, open, held) in billed {
            if open != held {
                return Err(format!("order {order}, attendee {attendee}: {open} seats invoiced, {held} held"));
            }
        }
        Ok(())
    }
}

/// Whether an operation's failure is an honest refusal: a 409 (the
/// transition was made already, or the rules forbid it) or a 404 (the
/// enrolment is not the asker's any more: their account is gone).
fn refused_honestly(result: &Result<(), Error>) -> bool {
    // A second deletion of one account finds it gone: its owner is no
    // longer signed in to anything. A write naming a version someone
    // moved on meanwhile is told so.
    matches!(
        result,
        Ok(())
            | Err(Error::Refused(AppError::Conflict(_) | AppError::Unauthorized | AppError::Stale { .. }))
            | Err(Error::NotFound)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_pair_of_enrolment_operations_raced_leaves_the_rules_intact() {
    let harness = Arc::new(Harness::new().await);
    let rounds: usize = std::env::var("LYCEUM_RACE_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(3);
    let mut index = 0;
    let mut outcomes = std::collections::BTreeMap::new();
    for (i, first) in OPS.iter().enumerate() {
        for second in &OPS[i..] {
            for _ in 0..rounds {
                index += 1;
                let round = Arc::new(harness.round(index).await);
                let gate = Arc::new(Barrier::new(2));
                let task = |op: Op| {
                    let (harness, round, gate) = (harness.clone(), round.clone(), gate.clone());
                    tokio::spawn(async move {
                        gate.wait().await;
                        harness.run(op, &round).await
                    })
                };
                let (one, two) = (task(*first), task(*second));
                let (one, two) = (one.await.unwrap(), two.await.unwrap());
                for (op, result) in [(first, &one), (second, &two)] {
                    assert!(refused_honestly(result), "{first:?} with {second:?}: {op:?} answered {result:?}");
                }
                if let Err(broken) = harness.check(&round).await {
                    panic!("{first:?} with {second:?} (round {index}): {broken}");
                }
                // Two operations on seat A: at most one may release it. (A
                // deletion or deactivation after a move releases the seat
                // moved to, rightly.)
                let on_a = |op: &Op| {
                    matches!(op, Op::Cancel | Op::StaffCancel | Op::Move | Op::StaffMove | Op::ApiCancel | Op::ApiMove)
                };
                if on_a(first) && on_a(second) {
                    assert!(one.is_err() || two.is_err(), "{first:?} and {second:?} both released seat A");
                }
                let tally = outcomes.entry(format!("{first:?}+{second:?}")).or_insert((0, 0));
                tally.0 += one.is_ok() as usize;
                tally.1 += two.is_ok() as usize;
            }
        }
    }
    let problems = lyceum::server::enrolment::check::check_seats(&harness.app.state.db).await.unwrap();
    assert_eq!(problems, [], "check-seats agrees");
    let numbers: Vec<String> = lyceum::with_pool!(&harness.app.state.db, |pool| {
        sqlx::query_scalar("SELECT number FROM invoices ORDER BY year, seq").fetch_all(pool).await.unwrap()
    });
    assert!(crate::orders::gapless(&numbers), "documents numbered 1..{} without a gap", numbers.len());
    println!("{index} rounds over {} pairs; successes per pair: {outcomes:?}", outcomes.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_leaving_the_waitlist_while_fifty_join_keep_it_numbered() {
    let harness = Harness::new().await;
    let session = harness.session(40, 1).await;
    let holder = harness.learners(1).await.remove(0);
    let enrolments = harness.app.state.enrolments.clone();
    enrolments.enrol(&holder, holder.id, session).await.unwrap();
    let leaving = harness.learners(20).await;
    let mut places = Vec::new();
    for learner in &leaving {
        places.push(enrolments.enrol(learner, learner.id, session).await.unwrap());
    }
    assert!(places.iter().all(|p| p.status == EnrolmentStatus::Waitlisted));
    let joining = harness.learners(50).await;
    let gate = Arc::new(Barrier::new(70));
    let mut tasks = Vec::new();
    for (learner, place) in leaving.into_iter().zip(places) {
        let (enrolments, gate) = (enrolments.clone(), gate.clone());
        tasks.push(tokio::spawn(async move {
            gate.wait().await;
            enrolments.cancel(&learner, place.id).await
        }));
    }
    for learner in joining {
        let (enrolments, gate) = (enrolments.clone(), gate.clone());
        tasks.push(tokio::spawn(async move {
            gate.wait().await;
            enrolments.enrol(&learner, learner.id, session).await.map(drop)
        }));
    }
    for task in tasks {
        task.await.unwrap().expect("every leave and join succeeds");
    }
    let (confirmed, positions, taken, length) = standing(&harness.app, session).await;
    assert_eq!((confirmed, taken, length), (1, 1, 50));
    assert_eq!(positions, (1..=50).collect::<Vec<_>>(), "numbered 1..50, no gap, no repeat");
    let problems = lyceum::server::enrolment::check::check_seats(&harness.app.state.db).await.unwrap();
    assert_eq!(problems, []);
}

/// Plants, with SQL, every kind of broken session `check-seats` must name.
#[tokio::test]
async fn check_seats_names_every_session_that_breaks_a_rule_and_why() {
    use lyceum::server::enrolment::check::{Problem, check_seats};
    let harness = Harness::new().await;
    assert_eq!(check_seats(&harness.app.state.db).await.unwrap(), [], "the demo academy is sound");
    // The database refuses some of what is planted below: a repeated
    // position on PostgreSQL's deferrable constraint, SQLite's unique
    // index. Drop them, as a careless migration would.
    match harness.app.state.db.backend() {
        lyceum::server::db::Backend::Postgres => {
            set(&harness.app, "ALTER TABLE enrolments DROP CONSTRAINT enrolments_waitlist_place").await
        }
        lyceum::server::db::Backend::Sqlite => set(&harness.app, "DROP INDEX enrolments_waitlist_place").await,
    }
    set(&harness.app, "DROP INDEX enrolments_moved_from").await;
    let round = harness.round(1).await;
    let sql = |text: String| {
        let app = &harness.app;
        async move { set(app, &text).await }
    };
    // A duplicate position and a gap: 1, 3, 3 with length 3.
    let [_, _, w1, w2, w3] = round.places[..] else { panic!("five places") };
    sql(format!("UPDATE enrolments SET waitlist_position = 3 WHERE id = {w2}")).await;
    sql(format!("UPDATE enrolments SET waitlist_position = 1 WHERE id = {w3}")).await;
    sql(format!("UPDATE enrolments SET waitlist_position = 3 WHERE id = {w1}")).await;
    // An oversold date: four confirmed in three seats (X and W1 hold two),
    // two of them counted.
    for extra in harness.learners(2).await {
        sql(format!(
            "INSERT INTO enrolments (session_id, user_id, status, created_at, updated_at)
             SELECT {}, {}, 'confirmed', created_at, updated_at FROM enrolments WHERE id = {}",
            round.second, extra.id, round.a_seat
        ))
        .await;
    }
    sql(format!("UPDATE course_sessions SET seats_taken = 2 WHERE id = {}", round.second)).await;
    // A double seat from one move: A's seat moved to the third date, and
    // kept on the first.
    sql(format!(
        "INSERT INTO enrolments (session_id, user_id, status, moved_from, created_at, updated_at)
         SELECT {}, user_id, 'confirmed', id, created_at, updated_at FROM enrolments WHERE id = {}",
        round.third, round.a_seat
    ))
    .await;
    sql(format!("UPDATE course_sessions SET seats_taken = 1 WHERE id = {}", round.third)).await;
    let found = check_seats(&harness.app.state.db).await.unwrap();
    let of =
        |session: i64| found.iter().filter(|p| p.session_id == session).map(|p| p.problem.clone()).collect::<Vec<_>>();
    assert!(of(round.first).contains(&Problem::PositionRepeated { position: 3, holders: 2 }), "{found:?}");
    assert!(of(round.first).contains(&Problem::PositionMissing { position: 2 }), "{found:?}");
    assert!(of(round.second).contains(&Problem::Oversold { confirmed: 4, capacity: 3 }), "{found:?}");
    assert!(
        of(round.third).contains(&Problem::MovedButKept { user_id: round.a.id, from_session: round.first }),
        "{found:?}"
    );
    // Which also gives A two seats of one course, the planted one holding
    // nothing.
    assert!(of(round.third).contains(&Problem::TwoSeatsInCourse { user_id: round.a.id, seats: 2 }), "{found:?}");
    assert!(
        of(round.third).iter().any(|p| matches!(p, Problem::SeatNotHeld { user_id, .. } if *user_id == round.a.id)),
        "{found:?}"
    );
    let sessions: std::collections::BTreeSet<i64> = found.iter().map(|p| p.session_id).collect();
    assert_eq!(sessions, [round.first, round.second, round.third].into(), "only the planted ones: {found:?}");

    // The command names them too, and fails.
    let dir = tempfile::tempdir().unwrap();
    let output = crate::helpers::lyceum_command(&harness.app.state.config.database_url, dir.path())
        .arg("check-seats")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains(&format!("session {}: waitlist position 2 is missing", round.first)), "{stdout}");
    assert!(stdout.contains(&format!("session {}: oversold", round.second)), "{stdout}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("3 sessions break the enrolment rules"));
}
