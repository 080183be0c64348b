//! The learner's bookings on `/account`: cancelling and moving are asked
//! again on pages of their own, which show the booking in full and until
//! when the change is free; a waitlist place is left, not cancelled; and
//! what was given up or is over stays, as history.

use crate::enrolment::{people, set, standing, two_sessions};
use crate::helpers::{TestApp, TestResponse, decode_entities};
use crate::visitor::{Visitor, count};
use chrono::{DateTime, Utc};
use lyceum::model::account::{Role, User};
use lyceum::model::enrolment::EnrolmentStatus;
use lyceum::server::sql::{Arg, Sql};

const PASSWORD: &str = "correct horse battery staple";

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

/// Gives `session` these times and holds it at the campus `campus`.
async fn schedule(app: &TestApp, session: i64, starts: DateTime<Utc>, ends: DateTime<Utc>, campus: &str) {
    let mut sql = Sql::new("UPDATE course_sessions SET starts_at = ");
    sql.bind(Arg::Time(starts))
        .push(", ends_at = ")
        .bind(Arg::Time(ends))
        .push(&format!(
            ", mode = 'in-person', location_id = (SELECT id FROM locations WHERE slug = '{campus}') WHERE id = "
        ))
        .bind(Arg::Int(session));
    sql.execute(&app.state.db).await.unwrap();
    // Its seats hold the course until its new end, as a move of the
    // session's times by staff would leave them.
    let mut sql = Sql::new("UPDATE course_holds SET until = ");
    sql.bind(Arg::Time(ends)).push(" WHERE enrolment_id IN (SELECT id FROM enrolments WHERE session_id = ");
    sql.bind(Arg::Int(session)).push(")");
    sql.execute(&app.state.db).await.unwrap();
}

/// Ann, signed up and logged in, and her account as the domain sees it.
async fn ann(app: &TestApp) -> (Visitor<'_>, User) {
    let mut ann = Visitor::new(app);
    ann.sign_up_and_log_in("Ann Borg", "ann@example.com", PASSWORD).await;
    let id = count(app, "SELECT id FROM users WHERE email = 'ann@example.com'").await;
    let user =
        User { id, email: "ann@example.com".into(), name: "Ann Borg".into(), role: Role::Learner, verified: true };
    (ann, user)
}

/// Books through the order step's form; the enrolment's id.
async fn enrol(app: &TestApp, visitor: &mut Visitor<'_>, user: &User, session: i64) -> i64 {
    let id = session.to_string();
    let res = visitor.call("orders/place", &crate::enrolment::order_fields(&id)).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    count(
        app,
        &format!(
            "SELECT id FROM enrolments WHERE user_id = {} AND session_id = {session} AND status <> 'cancelled'",
            user.id
        ),
    )
    .await
}

async fn course_title(app: &TestApp, session: i64) -> String {
    lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT c.title FROM courses c JOIN course_sessions s ON s.course_id = c.id WHERE s.id = $1")
            .bind(session)
            .fetch_one(pool)
            .await
            .unwrap()
    })
}

/// The page's text and markup as a browser reads it: entities decoded,
/// without the markers hydration uses.
fn text(res: &TestResponse) -> String {
    decode_entities(&res.body.replace("<!>", ""))
}

/// Today, as the academy's pages name a day.
fn today(app: &TestApp) -> String {
    Utc::now().with_timezone(&app.state.config.timezone).format("%A %-d %B %Y").to_string()
}

#[tokio::test]
async fn cancelling_is_asked_again_with_the_booking_in_full_its_deadline_and_its_fee() {
    let app = TestApp::demo().await;
    let (course, first, _) = two_sessions(&app, (5, 5)).await;
    // Thursday 11 March 2027, 09:00–17:00 in Malta (CET), cancellable up to
    // two days before.
    schedule(&app, first, at("2027-03-11T08:00:00Z"), at("2027-03-11T16:00:00Z"), "valletta").await;
    set(&app, &format!("UPDATE courses SET cancellation_cutoff_hours = 48 WHERE id = {course}")).await;
    let title = course_title(&app, first).await;
    let (mut ann, user) = ann(&app).await;
    let id = enrol(&app, &mut ann, &user, first).await;
    let page_path = format!("/account/enrolments/{id}/cancel");

    // The dashboard asks first: a link to the question, never a one-click form.
    let account = ann.get("/account").await;
    assert!(account.body.contains(&format!(r#"href="{page_path}""#)), "{}", account.body);
    assert!(!account.body.contains("/rpc/enrolment/cancel"), "nothing is cancelled in one click");
    assert!(text(&account).contains("Free cancellation until Tuesday 9 March 2027, 09:00 (CET)."));

    let page = ann.get(&page_path).await;
    assert_eq!(page.status, 200);
    assert!(page.header("cache-control").unwrap_or_default().contains("no-store"));
    let body = text(&page);
    for said in [
        title.as_str(),
        "<h1>Cancel your booking</h1>",
        "Thursday 11 March 2027, 09:00–17:00 (CET)",
        "Valletta campus, 42 Merchants Street, Valletta VLT 1171",
        "Free cancellation until Tuesday 9 March 2027, 09:00 (CET)",
        "No fee.",
        "Cancel this booking",
        r#"<a class="button-link button-quiet" href="/account">Keep my booking</a>"#,
    ] {
        assert!(body.contains(said), "{said:?} in {body}");
    }
    assert!(page.body.contains(r#"action="/rpc/enrolment/cancel""#));
    assert!(page.body.contains(&format!(r#"name="enrolment_id" value="{id}""#)));

    // Someone else's booking is not found; a visitor is sent to log in.
    let mut bob = Visitor::from_ip(&app, "192.0.2.80".parse().unwrap());
    bob.sign_up_and_log_in("Bob Zammit", "bob@example.com", PASSWORD).await;
    assert_eq!(bob.get(&page_path).await.status, 404);
    assert_eq!(bob.get(&format!("/account/enrolments/{id}/move")).await.status, 404);
    let mut stranger = Visitor::from_ip(&app, "192.0.2.81".parse().unwrap());
    assert_eq!(stranger.get(&page_path).await.status, 302);

    // Past the cutoff: why, and no button; the dashboard offers none either.
    set(&app, &format!("UPDATE courses SET cancellation_cutoff_hours = 100000 WHERE id = {course}")).await;
    let body = text(&ann.get(&page_path).await);
    assert!(body.contains("This booking can no longer be cancelled."), "{body}");
    assert!(body.contains("Cancellations and moves close 65535 hours before the session starts"), "{body}");
    assert!(!body.contains("Cancel this booking") && !body.contains("/rpc/enrolment/cancel"), "{body}");
    let account = ann.get("/account").await;
    assert!(!account.body.contains(&format!(r#"href="{page_path}""#)), "no way to a refusal");
    assert!(text(&account).contains("Cancellations and moves close 65535 hours before the session starts"));
    let res = ann.call("enrolment/cancel", &[("enrolment_id", &id.to_string())]).await;
    assert_eq!(res.status, 409, "the rule the page shows is the rule enforced: {}", res.body);
    assert_eq!(standing(&app, first).await.0, 1);

    // Before it: cancelled from the page, without JavaScript too.
    set(&app, &format!("UPDATE courses SET cancellation_cutoff_hours = 48 WHERE id = {course}")).await;
    let res = ann.submit(&page_path, "enrolment/cancel", &[("enrolment_id", &id.to_string())]).await;
    assert_eq!(res.header("location"), Some("/account?notice=enrolment-cancelled"), "{} {}", res.status, res.body);
    assert_eq!(standing(&app, first).await.0, 0);
    let body = text(&ann.get(&page_path).await);
    assert!(body.contains(&format!("This booking was cancelled on {}.", today(&app))), "{body}");
    assert!(!body.contains("Cancel this booking"));
}

#[tokio::test]
async fn a_waitlist_place_is_left_with_a_short_question_of_its_own() {
    let app = TestApp::demo().await;
    let (_, first, _) = two_sessions(&app, (1, 1)).await;
    let seated = people(&app, "seated", 1, Role::Learner).await.remove(0);
    app.state.enrolments.enrol(&seated, seated.id, first).await.unwrap();
    let (mut ann, user) = ann(&app).await;
    let id = enrol(&app, &mut ann, &user, first).await;
    let page_path = format!("/account/enrolments/{id}/cancel");

    let account = text(&ann.get("/account").await);
    let link = format!(r#"href="{page_path}""#);
    let at = account.find(&link).expect("a way to leave");
    let anchor = &account[at..at + account[at..].find("</a>").unwrap()];
    assert!(anchor.ends_with(">Leave the waitlist"), "{anchor}");
    assert!(anchor.contains(r#"aria-label="Leave the waitlist for "#), "{anchor}");

    let body = text(&ann.get(&page_path).await);
    for said in ["<h1>Leave the waitlist</h1>", "Position 1", ">Leave the waitlist</button>", "Stay on the waitlist"] {
        assert!(body.contains(said), "{said:?} in {body}");
    }
    assert!(!body.contains("Cancel this booking") && !body.contains("Free cancellation"), "{body}");

    let res = ann.submit(&page_path, "enrolment/cancel", &[("enrolment_id", &id.to_string())]).await;
    assert_eq!(res.header("location"), Some("/account?notice=waitlist-left"), "{} {}", res.status, res.body);
    assert_eq!(standing(&app, first).await, (1, vec![], 1, 0), "the seat held by another stays");
    let account = text(&ann.get("/account?notice=waitlist-left").await);
    assert!(account.contains("You have left the waitlist."), "{account}");
}

#[tokio::test]
async fn a_move_lists_each_date_in_full_and_is_confirmed_before_it_is_made() {
    let app = TestApp::demo().await;
    let (course, first, second) = two_sessions(&app, (5, 5)).await;
    schedule(&app, first, at("2027-03-11T08:00:00Z"), at("2027-03-11T16:00:00Z"), "valletta").await;
    schedule(&app, second, at("2027-03-16T08:00:00Z"), at("2027-03-17T15:00:00Z"), "sliema").await;
    // Only these two dates of the course are open, so the list is known.
    set(
        &app,
        &format!("UPDATE course_sessions SET status = 'cancelled' WHERE course_id = {course} AND id NOT IN ({first}, {second})"),
    )
    .await;
    let (mut ann, user) = ann(&app).await;
    let id = enrol(&app, &mut ann, &user, first).await;
    let second_in_full = "Tuesday 16 March – Wednesday 17 March 2027, 09:00–16:00 each day (CET)";

    // The dashboard lists the other date, each part in full, as a choice
    // that opens the confirmation; nothing moves from it.
    let account = ann.get("/account").await;
    let body = text(&account);
    assert!(account.body.contains(&format!(r#"<form method="get" action="/account/enrolments/{id}/move""#)));
    assert!(account.body.contains(&format!(r#"name="to" value="{second}""#)), "{body}");
    assert!(body.contains(second_in_full), "{body}");
    assert!(body.contains("Sliema campus, 118 Tower Road, Sliema SLM 1605"), "{body}");
    assert!(!account.body.contains("/rpc/enrolment/move"), "nothing moves in one click");

    // The date chosen, to confirm.
    let page = ann.get(&format!("/account/enrolments/{id}/move?to={second}")).await;
    assert_eq!(page.status, 200);
    let body = text(&page);
    for said in [
        "<h1>Move your booking</h1>",
        "Thursday 11 March 2027, 09:00–17:00 (CET)",
        "Valletta campus, 42 Merchants Street, Valletta VLT 1171",
        second_in_full,
        "Sliema campus, 118 Tower Road, Sliema SLM 1605",
        "No fee.",
        "Move my booking",
        "Keep my booking",
    ] {
        assert!(body.contains(said), "{said:?} in {body}");
    }
    assert!(page.body.contains(r#"action="/rpc/enrolment/move""#));
    assert!(page.body.contains(&format!(r#"name="session_id" value="{second}""#)));

    // A date that is not on offer: the list again, and why.
    let body = text(&ann.get(&format!("/account/enrolments/{id}/move?to=999999")).await);
    assert!(body.contains("That date cannot be chosen"), "{body}");
    assert!(body.contains(&format!(r#"name="to" value="{second}""#)) && !body.contains("Move my booking"));

    let res = ann
        .submit(
            &format!("/account/enrolments/{id}/move?to={second}"),
            "enrolment/move",
            &[("enrolment_id", &id.to_string()), ("session_id", &second.to_string())],
        )
        .await;
    assert_eq!(res.header("location"), Some("/account?notice=enrolment-moved"), "{} {}", res.status, res.body);
    assert_eq!((standing(&app, first).await.0, standing(&app, second).await.0), (0, 1));

    // The seat given up stays, as history, saying where it went.
    let body = text(&ann.get("/account").await);
    let history = body.find(">History<").expect("a history");
    assert!(body[history..].contains(&format!("Moved to {second_in_full}")), "{body}");
    assert!(body[..history].contains(second_in_full), "the new date is upcoming");
    let body = text(&ann.get(&format!("/account/enrolments/{id}/move")).await);
    assert!(body.contains(&format!("This booking moved to {second_in_full} already.")), "{body}");
    assert!(!body.contains("Review the move"));
}

#[tokio::test]
async fn past_cancelled_and_called_off_bookings_stay_as_history_without_actions() {
    let app = TestApp::demo().await;
    let (_, first, second) = two_sessions(&app, (5, 5)).await;
    let (mut ann, user) = ann(&app).await;
    let past = enrol(&app, &mut ann, &user, first).await;
    // The first was three days ago and Ann came; she booked the course
    // again (a seat in a date that is over no longer holds it), and the
    // academy called off that date.
    let starts = Utc::now() - chrono::Duration::days(3);
    schedule(&app, first, starts, starts + chrono::Duration::hours(7), "valletta").await;
    let called_off = enrol(&app, &mut ann, &user, second).await;
    set(&app, &format!("UPDATE enrolments SET attendance = 'attended' WHERE id = {past}")).await;
    let staff = people(&app, "staff", 1, Role::Staff).await.remove(0);
    app.state.enrolments.cancel_session(&staff, second).await.unwrap();

    let account = ann.get("/account").await;
    let body = text(&account);
    let (upcoming, history) = (body.find(">Upcoming<").unwrap(), body.find(">History<").expect("a history"));
    assert!(upcoming < history, "upcoming first");
    assert!(body[upcoming..history].contains("No confirmed seats ahead."), "{body}");
    assert!(body[history..].contains("Attended") && body[history..].contains("The academy cancelled this session"));
    for id in [past, called_off] {
        assert!(!account.body.contains(&format!("/account/enrolments/{id}/")), "no actions on history");
    }

    // The domain lists what was given up too, with when.
    app.state.enrolments.cancel(&user, called_off).await.unwrap();
    let mine = app.state.enrolments.of_learner(&user).await.unwrap();
    assert_eq!(mine.len(), 2);
    let gone = mine.iter().find(|e| e.enrolment.id == called_off).unwrap();
    assert_eq!(gone.enrolment.status, EnrolmentStatus::Cancelled);
    assert!(gone.cancelled_at.is_some() && gone.session_cancelled);
}

#[tokio::test]
async fn a_seat_moves_to_a_full_date_by_waiting_for_a_seat_there() {
    let app = TestApp::demo().await;
    let (_, first, second) = two_sessions(&app, (5, 1)).await;
    let seated = people(&app, "seated", 1, Role::Learner).await.remove(0);
    app.state.enrolments.enrol(&seated, seated.id, second).await.unwrap();
    let (mut ann, user) = ann(&app).await;
    let id = enrol(&app, &mut ann, &user, first).await;

    // The order step of the full date offers the move, not a second seat,
    // and leaves the booker free to book colleagues.
    let book = text(&ann.get(&format!("/book/{second}")).await);
    let move_href = format!("/account/enrolments/{id}/move?to={second}");
    assert!(book.contains("You already have a seat on another date of this course"), "{book}");
    assert!(book.contains(&format!(r#"href="{move_href}""#)), "{book}");
    assert!(!book.contains(r#"name="me" value="on" checked"#), "not ticked for her: {book}");

    // The move list names the full date as one to wait for.
    let list = text(&ann.get(&format!("/account/enrolments/{id}/move")).await);
    assert!(list.contains("Full: wait for a seat"), "{list}");
    let page = text(&ann.get(&move_href).await);
    for said in ["<h2>Wait for a seat on</h2>", "keep the seat you hold now", ">Wait for a seat on this date</button>"]
    {
        assert!(page.contains(said), "{said:?} in {page}");
    }
    let fields = [("enrolment_id", id.to_string()), ("session_id", second.to_string()), ("wait", "on".into())];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = ann.submit(&move_href, "enrolment/move", &fields).await;
    assert_eq!(res.header("location"), Some("/account?notice=move-requested"), "{} {}", res.status, res.body);
    assert_eq!(standing(&app, second).await, (1, vec![1], 1, 1));
    assert_eq!(standing(&app, first).await.0, 1, "her seat is kept meanwhile");
    let account = text(&ann.get("/account?notice=move-requested").await);
    assert!(account.contains("You keep your seat until one frees up there"), "{account}");
    let places = app.state.enrolments.places_in_course(&user, &slug_of(&app, second).await).await.unwrap();
    let waiting = places.iter().find(|p| p.session_id == second).expect("her place on the full date");
    assert_eq!(waiting.text, "You're number 1 on the waitlist, to move your seat here");

    // The seat frees up: hers moves in.
    let seat =
        count(&app, &format!("SELECT id FROM enrolments WHERE session_id = {second} AND status = 'confirmed'")).await;
    app.state.enrolments.cancel(&seated, seat).await.unwrap();
    assert_eq!(standing(&app, second).await, (1, vec![], 1, 0));
    assert_eq!(standing(&app, first).await.0, 0);
}

async fn slug_of(app: &TestApp, session: i64) -> String {
    lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT c.slug FROM course_sessions s JOIN courses c ON c.id = s.course_id WHERE s.id = $1")
            .bind(session)
            .fetch_one(pool)
            .await
            .unwrap()
    })
}

#[tokio::test]
async fn signing_up_from_the_order_step_leads_back_to_it_once_the_address_is_confirmed() {
    use crate::visitor::{last_mail_to, link_in};
    let app = TestApp::demo().await;
    let (_, first, _) = two_sessions(&app, (5, 5)).await;
    let here = format!("/book/{first}");
    let mut visitor = Visitor::new(&app);
    // The order step sends a visitor to sign up, and the sign-up page says
    // what they were booking and keeps it (the login link too).
    let book = text(&visitor.get(&here).await);
    assert!(book.contains(&format!(r#"href="/signup?next={here}""#)), "{book}");
    let signup = text(&visitor.get(&format!("/signup?next={here}")).await);
    assert!(signup.contains(&format!(r#"name="next" value="{here}""#)), "{signup}");
    assert!(signup.contains(&format!(r#"href="/login?next={here}""#)), "{signup}");

    let email = "new.learner@example.com";
    let fields = [("name", "New Learner"), ("email", email), ("password", PASSWORD), ("next", here.as_str())];
    let res = visitor.submit(&format!("/signup?next={here}"), "account/signup", &fields).await;
    assert_eq!(res.header("location"), Some("/check-email"), "{} {}", res.status, res.body);
    let link = link_in(&last_mail_to(&app, email).await.text, "/verify-email?token=");
    let token = link.split("token=").nth(1).unwrap().to_string();
    let res = visitor.submit("/verify-email", "account/verify-email", &[("token", &token)]).await;
    let location = res.header("location").unwrap_or_default().to_string();
    assert_eq!(location, format!("/login?notice=verified&next=%2Fbook%2F{first}"), "{}", res.body);
    let login = text(&visitor.get(&location).await);
    assert!(login.contains(&format!(r#"name="next" value="{here}""#)), "{login}");
    let res =
        visitor.submit(&location, "account/login", &[("email", email), ("password", PASSWORD), ("next", &here)]).await;
    assert_eq!(res.header("location"), Some(here.as_str()), "back at the order step");
    let book = text(&visitor.get(&here).await);
    assert!(book.contains("Who attends and who pays"), "the form to book: {book}");

    // A second confirmation from the same browser leads home as usual:
    // the way back was used once.
    let res = visitor.submit("/verify-email", "account/verify-email", &[("token", &token)]).await;
    assert_ne!(res.header("location"), Some(location.as_str()));
}
