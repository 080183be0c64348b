//! One live seat per learner and course: another date is reached by moving
//! the seat, never by booking a second one, through any path (booking for
//! oneself or for a colleague, staff at the front desk, a promotion from
//! the waitlist, a move); a waitlist place on another date is a request to
//! move, and the seat moves when one frees up there, handing the seat it
//! leaves to whoever waits for it. A seat whose date is over, or was called
//! off, no longer holds the course.

use crate::enrolment::{people, refused_with, set, standing};
use crate::helpers::TestApp;
use crate::visitor::{count, mails_to};
use lyceum::model::account::{Role, User};
use lyceum::model::billing::{Attendees, ColleagueForm};
use lyceum::model::enrolment::{EnrolmentStatus, Refusal};
use lyceum::server::enrolment::check::check_seats;
use std::sync::Arc;
use tokio::sync::Barrier;

/// `n` new dates of one published course, `capacity` seats each, days
/// apart, in ascending id order.
async fn dates(app: &TestApp, n: usize, capacity: i64) -> Vec<i64> {
    let template: i64 = count(
        app,
        "SELECT MIN(s.id) FROM course_sessions s JOIN courses c ON c.id = s.course_id
         WHERE c.published AND c.cancellation_cutoff_hours = 0",
    )
    .await;
    let mut ids = Vec::new();
    for k in 0..n {
        let starts = chrono::Utc::now() + chrono::Duration::days(60 + k as i64);
        ids.push(crate::enrolment::new_date(app, template, starts, capacity).await);
    }
    ids
}

/// The learner's confirmed seats in `sessions`.
async fn seats(app: &TestApp, learner: &User, sessions: &[i64]) -> Vec<i64> {
    let list = sessions.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar(&format!(
            "SELECT session_id FROM enrolments WHERE user_id = $1 AND status = 'confirmed'
             AND session_id IN ({list}) ORDER BY session_id"
        ))
        .bind(learner.id)
        .fetch_all(pool)
        .await
        .unwrap()
    })
}

#[tokio::test]
async fn a_second_seat_in_a_course_is_refused_by_every_way_of_booking() {
    let app = TestApp::demo().await;
    let [first, second, full] = dates(&app, 3, 2).await[..] else { unreachable!() };
    let ann = people(&app, "ann", 1, Role::Learner).await.remove(0);
    let staff = people(&app, "desk", 1, Role::Staff).await.remove(0);
    let booker = people(&app, "coordinator", 1, Role::Learner).await.remove(0);
    let crowd = people(&app, "full", 2, Role::Learner).await;
    let enrolments = &app.state.enrolments;
    for learner in &crowd {
        enrolments.enrol(learner, learner.id, full).await.unwrap();
    }
    let billing = crate::orders::private("Ann Borg");
    app.state.orders.place(&ann, first, &billing).await.unwrap();

    refused_with(enrolments.enrol(&ann, ann.id, second).await, Refusal::CourseHeld);
    refused_with(app.state.orders.place(&ann, second, &billing).await, Refusal::CourseHeld);
    // A waitlist place booked beside the seat would be a move nobody asked
    // for: it is asked for from the seat's own page instead.
    refused_with(app.state.orders.place(&ann, full, &billing).await, Refusal::CourseHeld);
    // Staff at the front desk hear of "this learner", not "you".
    refused_with(enrolments.enrol_address(&staff, &ann.email, second).await, Refusal::LearnerHoldsCourse);
    assert!(Refusal::LearnerHoldsCourse.message().starts_with("This learner already has a seat"));
    // The same date again is the same refusal as before.
    refused_with(enrolments.enrol(&ann, ann.id, first).await, Refusal::AlreadyEnrolled);
    refused_with(enrolments.enrol_address(&staff, &ann.email, first).await, Refusal::LearnerEnrolled);
    let rows = [ColleagueForm { name: "Ann Borg".into(), email: ann.email.clone() }];
    let colleagues = Attendees::parse(true, &rows, &booker.email).unwrap();
    refused_with(
        app.state.orders.place_for(&booker, second, &crate::orders::private("Coordinator"), &colleagues).await,
        Refusal::AttendeeHoldsCourse,
    );
    // Nothing of the refused orders stays: the coordinator's own seat went
    // with the order that named Ann.
    assert_eq!(seats(&app, &booker, &[first, second, full]).await, Vec::<i64>::new());
    assert_eq!(seats(&app, &ann, &[first, second, full]).await, [first]);
    assert_eq!(count(&app, &format!("SELECT COUNT(*) FROM orders WHERE booker_id = {}", booker.id)).await, 0);
    assert_eq!(check_seats(&app.state.db).await.unwrap(), []);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_learner_booking_two_dates_at_once_gets_one_seat() {
    let app = TestApp::demo().await;
    let ids = dates(&app, 2, 30).await;
    for round in 0..5 {
        let learner = people(&app, &format!("both{round}-"), 1, Role::Learner).await.remove(0);
        let gate = Arc::new(Barrier::new(20));
        let tasks: Vec<_> = (0..20)
            .map(|i| {
                let (enrolments, learner, gate) = (app.state.enrolments.clone(), learner.clone(), gate.clone());
                let session = ids[i % 2];
                tokio::spawn(async move {
                    gate.wait().await;
                    enrolments.enrol(&learner, learner.id, session).await
                })
            })
            .collect();
        let mut booked = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(enrolment) => {
                    assert_eq!(enrolment.status, EnrolmentStatus::Confirmed);
                    booked += 1;
                }
                Err(error) => assert!(
                    matches!(
                        error,
                        lyceum::server::error::Error::Refused(lyceum::error::AppError::Conflict(
                            Refusal::AlreadyEnrolled | Refusal::CourseHeld
                        ))
                    ),
                    "{error:?}"
                ),
            }
        }
        assert_eq!(booked, 1, "one seat of twenty tries over two dates");
        assert_eq!(seats(&app, &learner, &ids).await.len(), 1);
    }
    assert_eq!(check_seats(&app.state.db).await.unwrap(), []);
}

#[tokio::test]
async fn a_waitlist_place_on_another_date_moves_the_seat_when_one_frees_up() {
    let app = TestApp::demo().await;
    let [early, wanted] = dates(&app, 2, 1).await[..] else { unreachable!() };
    let [ann, bob, cat, dan] = &people(&app, "mover", 4, Role::Learner).await[..] else { unreachable!() };
    let enrolments = &app.state.enrolments;
    // Ann's seat is on the early date, paid through an order; Bob holds the
    // one seat of the date she wants; Dan waits for the early date.
    let ann_seat = app.state.orders.place(ann, early, &crate::orders::private("Ann")).await.unwrap().enrolment.id;
    let bob_seat = enrolments.enrol(bob, bob.id, wanted).await.unwrap().id;
    let dan_place = enrolments.enrol(dan, dan.id, early).await.unwrap();
    assert_eq!(dan_place.status, EnrolmentStatus::Waitlisted);

    // A move to a full date is refused as before; asking to wait for it
    // keeps the seat and takes the next place on its waitlist.
    refused_with(enrolments.transfer(ann, ann_seat, wanted).await, Refusal::TargetFull);
    let desk = people(&app, "desk", 1, Role::Staff).await.remove(0);
    refused_with(enrolments.transfer(&desk, ann_seat, wanted).await, Refusal::LearnerTargetFull);
    let request = enrolments.move_or_wait(ann, ann_seat, wanted).await.unwrap();
    assert_eq!((request.status, request.waitlist_position), (EnrolmentStatus::Waitlisted, Some(1)));
    refused_with(enrolments.move_or_wait(ann, ann_seat, wanted).await, Refusal::AlreadyEnrolled);
    assert_eq!(seats(&app, ann, &[early, wanted]).await, [early]);
    let asked = mails_to(&app, &ann.email).await;
    assert!(asked.iter().any(|m| m.subject.starts_with("Waiting to move your seat")), "{asked:#?}");
    // Cat, who holds no seat, waits behind her.
    let cat_place = enrolments.enrol(cat, cat.id, wanted).await.unwrap();
    assert_eq!(cat_place.waitlist_position, Some(2));
    let invoices_before = count(&app, "SELECT COUNT(*) FROM invoices").await;

    // Bob gives his seat up: Ann's moves in, and the seat she leaves goes
    // to Dan, who waited for it. Nobody holds two, nobody is billed twice.
    enrolments.cancel(bob, bob_seat).await.unwrap();
    assert_eq!(seats(&app, ann, &[early, wanted]).await, [wanted]);
    assert_eq!(seats(&app, dan, &[early, wanted]).await, [early]);
    assert_eq!(standing(&app, wanted).await, (1, vec![1], 1, 1), "Cat is first now");
    assert_eq!(standing(&app, early).await, (1, vec![], 1, 0));
    let moved: (String, Option<i64>, Option<i64>) = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_as("SELECT status, moved_from, order_id FROM enrolments WHERE id = $1")
            .bind(request.id)
            .fetch_one(pool)
            .await
            .unwrap()
    });
    let ann_order = count(&app, &format!("SELECT order_id FROM enrolments WHERE id = {ann_seat}")).await;
    assert_eq!(moved, ("confirmed".into(), Some(ann_seat), Some(ann_order)), "the seat moved, with its order");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM invoices").await, invoices_before, "no invoice, no credit");
    let told = mails_to(&app, &ann.email).await;
    assert!(told.iter().any(|m| m.subject.starts_with("Moved to another date")), "{told:#?}");
    let dan_told = mails_to(&app, &dan.email).await;
    assert!(dan_told.iter().any(|m| m.subject.starts_with("A seat freed up")), "{dan_told:#?}");
    assert_eq!(check_seats(&app.state.db).await.unwrap(), []);

    // Her old seat is gone as moved, not cancelled by her.
    let booking = enrolments.booking(ann, ann_seat).await.unwrap();
    assert_eq!(booking.open, Err(Refusal::AlreadyMoved));
}

#[tokio::test]
async fn a_request_to_move_lapses_once_the_seats_own_date_has_begun() {
    let app = TestApp::demo().await;
    let [early, wanted] = dates(&app, 2, 1).await[..] else { unreachable!() };
    let [ann, bob] = &people(&app, "lapse", 2, Role::Learner).await[..] else { unreachable!() };
    let enrolments = &app.state.enrolments;
    let ann_seat = enrolments.enrol(ann, ann.id, early).await.unwrap().id;
    let bob_seat = enrolments.enrol(bob, bob.id, wanted).await.unwrap().id;
    enrolments.move_or_wait(ann, ann_seat, wanted).await.unwrap();
    // Ann's date began (it runs this hour).
    let now = chrono::Utc::now();
    let mut sql = lyceum::server::sql::Sql::new("UPDATE course_sessions SET starts_at = ");
    sql.bind(lyceum::server::sql::Arg::Time(now - chrono::Duration::minutes(5))).push(&format!(" WHERE id = {early}"));
    sql.execute(&app.state.db).await.unwrap();

    enrolments.cancel(bob, bob_seat).await.unwrap();
    assert_eq!(seats(&app, ann, &[early, wanted]).await, [early], "her seat stays where it began");
    assert_eq!(standing(&app, wanted).await, (0, vec![], 0, 0), "the request was withdrawn");
    let told = mails_to(&app, &ann.email).await;
    assert!(told.iter().any(|m| m.subject.starts_with("No longer waiting")), "{told:#?}");
}

#[tokio::test]
async fn cancelling_a_seat_withdraws_its_requests_to_move() {
    let app = TestApp::demo().await;
    let [early, wanted] = dates(&app, 2, 1).await[..] else { unreachable!() };
    let [ann, bob, cat] = &people(&app, "withdrawn", 3, Role::Learner).await[..] else { unreachable!() };
    let enrolments = &app.state.enrolments;
    // Ann's seat, paid through an order, waits to move to Bob's full date;
    // Cat waits behind her there.
    let ann_seat = app.state.orders.place(ann, early, &crate::orders::private("Ann")).await.unwrap().enrolment.id;
    let bob_seat = enrolments.enrol(bob, bob.id, wanted).await.unwrap().id;
    let request = enrolments.move_or_wait(ann, ann_seat, wanted).await.unwrap();
    assert_eq!(request.waitlist_position, Some(1));
    let cat_place = enrolments.enrol(cat, cat.id, wanted).await.unwrap();
    assert_eq!(cat_place.waitlist_position, Some(2));

    // Ann cancels her seat: there is nothing left to move, so the request
    // goes with it and Cat is first.
    enrolments.cancel(ann, ann_seat).await.unwrap();
    let live = format!("SELECT COUNT(*) FROM enrolments WHERE id = {} AND status <> 'cancelled'", request.id);
    assert_eq!(count(&app, &live).await, 0, "the request is withdrawn");
    assert_eq!(standing(&app, wanted).await, (1, vec![1], 1, 1), "Cat is first now");
    let told = mails_to(&app, &ann.email).await;
    assert!(told.iter().any(|m| m.subject.starts_with("No longer waiting")), "{told:#?}");
    let invoices = count(&app, "SELECT COUNT(*) FROM invoices").await;

    // Bob's seat, given up, goes to Cat; Ann is given nothing she did not ask for.
    enrolments.cancel(bob, bob_seat).await.unwrap();
    assert_eq!(seats(&app, ann, &[early, wanted]).await, Vec::<i64>::new());
    assert_eq!(seats(&app, cat, &[early, wanted]).await, [wanted]);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM invoices").await, invoices, "no invoice for a seat not taken");
    assert_eq!(check_seats(&app.state.db).await.unwrap(), []);
}

#[tokio::test]
async fn a_seat_in_a_date_called_off_or_over_no_longer_holds_the_course() {
    let app = TestApp::demo().await;
    let [first, second, third] = dates(&app, 3, 3).await[..] else { unreachable!() };
    let ann = people(&app, "again", 1, Role::Learner).await.remove(0);
    let staff = people(&app, "planner", 1, Role::Staff).await.remove(0);
    let enrolments = &app.state.enrolments;
    enrolments.enrol(&ann, ann.id, first).await.unwrap();
    refused_with(enrolments.enrol(&ann, ann.id, second).await, Refusal::CourseHeld);

    // The academy calls the first date off: Ann may book another.
    enrolments.cancel_session(&staff, first).await.unwrap();
    enrolments.enrol(&ann, ann.id, second).await.unwrap();
    refused_with(enrolments.enrol(&ann, ann.id, third).await, Refusal::CourseHeld);

    // Once the second date is over she may take the course again.
    set(&app, &format!("UPDATE course_holds SET until = '2000-01-01T00:00:00Z' WHERE user_id = {}", ann.id)).await;
    enrolments.enrol(&ann, ann.id, third).await.unwrap();
    assert_eq!(seats(&app, &ann, &[second, third]).await, [second, third]);
    // Moving the seat of the date called off into a date of her own is
    // refused: she has one.
    let called_off = count(
        &app,
        &format!(
            "SELECT id FROM enrolments WHERE user_id = {} AND session_id = {first} AND status = 'confirmed'",
            ann.id
        ),
    )
    .await;
    refused_with(enrolments.transfer(&ann, called_off, second).await, Refusal::AlreadyEnrolled);
}
