//! Calendars and reminders: every calendar Lyceum writes is read back by
//! Python's `icalendar` (tests/support/check_calendar.py), times are
//! checked against the file's own VTIMEZONE and against zoneinfo, and
//! reminders are queued for the lead time and stay silent once stale.

use crate::enrolment::{people, set, two_sessions};
use crate::helpers::{TestApp, python_check};
use crate::visitor::{count, mails_to};
use chrono::{DateTime, Duration, Utc};
use lyceum::model::account::Role;
use serde_json::Value;

fn iso(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The calendar as the independent parser reads it; panics with its reason
/// when it refuses the file.
fn read_back(text: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("calendar.ics");
    std::fs::write(&path, text).unwrap();
    python_check("check_calendar.py", &[path.to_str().unwrap()]).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

async fn times(app: &TestApp, session: i64) -> (DateTime<Utc>, DateTime<Utc>) {
    lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_as("SELECT starts_at, ends_at FROM course_sessions WHERE id = $1")
            .bind(session)
            .fetch_one(pool)
            .await
            .unwrap()
    })
}

#[tokio::test]
async fn a_session_calendar_reads_back_with_its_times_and_follows_every_change() {
    let app = TestApp::demo().await;
    let (course, session, _) = two_sessions(&app, (5, 5)).await;
    // Hostile text in the course's title: CR/LF, separators, a fake END.
    set(
        &app,
        &format!("UPDATE courses SET title = 'Ethics; risk, and\r\nEND:VEVENT\r\nBEGIN:VALARM' WHERE id = {course}"),
    )
    .await;
    // One day in summer time, and then one in winter: both round-trip.
    let staff = people(&app, "staff", 1, Role::Staff).await.remove(0);
    let summer: DateTime<Utc> = "2027-06-08T07:00:00Z".parse().unwrap();
    app.state.enrolments.move_session(&staff, session, summer, summer + Duration::hours(7)).await.unwrap();
    let first = app.get(&format!("/sessions/{session}.ics")).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.header("content-type"), Some("text/calendar; charset=utf-8"));
    let calendar = read_back(&first.body);
    assert_eq!(calendar["timezones"], serde_json::json!(["Europe/Malta"]));
    let event = &calendar["events"][0];
    // A line break is text too: iCalendar writes it as `\n`.
    assert_eq!(
        event["summary"], "Ethics; risk, and\nEND:VEVENT\nBEGIN:VALARM (Lyceum Academy)",
        "text survives as text"
    );
    assert_eq!(calendar["events"].as_array().unwrap().len(), 1, "no event was injected");
    assert_eq!(
        (event["tzid"].as_str(), event["start_utc"].as_str()),
        (Some("Europe/Malta"), Some("2027-06-08T07:00:00Z"))
    );
    assert_eq!(event["start_utc_zoneinfo"], event["start_utc"], "the VTIMEZONE agrees with the IANA zone");
    assert_eq!(event["end_utc"], "2027-06-08T14:00:00Z");
    assert_eq!((event["status"].as_str(), event["sequence"].as_i64()), (Some("CONFIRMED"), Some(1)));
    let uid = event["uid"].as_str().unwrap().to_string();
    assert_eq!(uid, format!("session-{session}@academy.test"));

    // Staff move it into winter time: same UID, SEQUENCE 2, new times.
    let winter: DateTime<Utc> = "2028-01-20T08:00:00Z".parse().unwrap();
    app.state.enrolments.move_session(&staff, session, winter, winter + Duration::hours(6)).await.unwrap();
    let moved = read_back(&app.get(&format!("/sessions/{session}.ics")).await.body);
    let event = &moved["events"][0];
    assert_eq!((event["uid"].as_str(), event["sequence"].as_i64()), (Some(uid.as_str()), Some(2)));
    assert_eq!(event["start_utc"].as_str(), Some(iso(winter).as_str()));
    assert_eq!(event["start_utc_zoneinfo"], event["start_utc"]);

    // Cancelled: STATUS:CANCELLED, SEQUENCE 3.
    app.state.enrolments.cancel_session(&staff, session).await.unwrap();
    let cancelled = read_back(&app.get(&format!("/sessions/{session}.ics")).await.body);
    let event = &cancelled["events"][0];
    assert_eq!((event["status"].as_str(), event["sequence"].as_i64()), (Some("CANCELLED"), Some(3)));

    // Nothing else is a session calendar.
    for path in ["/sessions/999999.ics", "/sessions/abc.ics", &format!("/sessions/{session}"), "/sessions/.ics"] {
        assert_eq!(app.get(path).await.status, 404, "{path}");
    }
    set(&app, &format!("UPDATE courses SET published = FALSE WHERE id = {course}")).await;
    assert_eq!(app.get(&format!("/sessions/{session}.ics")).await.status, 404, "a draft course's session");
}

#[tokio::test]
async fn a_week_long_course_is_one_event_a_working_day_and_the_mail_carries_it() {
    let app = TestApp::demo().await;
    let (_, session, _) = two_sessions(&app, (5, 5)).await;
    // Monday 09:00 to Friday 16:00, Malta time, a year ahead.
    let tz: chrono_tz::Tz = "Europe/Malta".parse().unwrap();
    let mut day = (Utc::now() + Duration::days(365)).with_timezone(&tz).date_naive();
    while chrono::Datelike::weekday(&day) != chrono::Weekday::Mon {
        day = day.succ_opt().unwrap();
    }
    let at =
        |date: chrono::NaiveDate, hour| date.and_hms_opt(hour, 0, 0).unwrap().and_local_timezone(tz).unwrap().to_utc();
    let (starts, ends) = (at(day, 9), at(day + Duration::days(4), 16));
    let staff = people(&app, "staff", 1, Role::Staff).await.remove(0);
    app.state.enrolments.move_session(&staff, session, starts, ends).await.unwrap();
    assert_eq!(times(&app, session).await, (starts, ends));

    let learner = people(&app, "week", 1, Role::Learner).await.remove(0);
    app.state.enrolments.enrol(&learner, learner.id, session).await.unwrap();
    let mail = mails_to(&app, &learner.email).await.pop().unwrap();
    assert!(mail.subject.starts_with("Your seat is confirmed"));
    let file = mail.attachments.first().expect("the confirmation carries the session's calendar");
    assert!(file.filename.ends_with(".ics") && file.content_type.starts_with("text/calendar"));
    let calendar = read_back(&file.body);
    let event = &calendar["events"][0];
    let expected: Vec<String> = (0..5).map(|d| iso(at(day + Duration::days(d), 9))).collect();
    assert_eq!(event["occurrences"], serde_json::json!(expected), "Monday to Friday at 09:00");
    assert_eq!(event["end_utc"].as_str(), Some(iso(at(day, 16)).as_str()), "each day ends at 16:00");
}

#[tokio::test]
async fn a_private_feed_lists_the_learners_sessions_until_its_address_is_replaced() {
    let app = TestApp::demo().await;
    let (_, seat, full) = two_sessions(&app, (5, 1)).await;
    let [ann, bob]: [_; 2] = people(&app, "feed", 2, Role::Learner).await.try_into().unwrap();
    let enrolments = &app.state.enrolments;
    let held = enrolments.enrol(&ann, ann.id, seat).await.unwrap();
    enrolments.enrol(&bob, bob.id, full).await.unwrap();
    // Ann waits for the full date, to move her seat there.
    let waiting = enrolments.move_or_wait(&ann, held.id, full).await.unwrap();
    assert_eq!(waiting.waitlist_position, Some(1));

    assert_eq!(app.state.calendars.feed_address(&ann).await.unwrap(), None);
    let address = app.state.calendars.replace_feed(&ann).await.unwrap();
    assert_eq!(app.state.calendars.feed_address(&ann).await.unwrap().as_deref(), Some(address.as_str()));
    let path = address.strip_prefix("https://academy.test").unwrap().to_string();
    let token = path.trim_start_matches("/calendar/").trim_end_matches(".ics").to_string();
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT COUNT(*) FROM calendar_feeds WHERE token_hash LIKE '%{token}%' OR token_sealed LIKE '%{token}%'"
            )
        )
        .await,
        0,
        "the token is never stored in clear"
    );
    let response = app.get(&path).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.header("cache-control"), Some("private, no-store"));
    let feed = read_back(&response.body);
    let statuses: std::collections::BTreeSet<(String, String)> = feed["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["uid"].as_str().unwrap().to_string(), e["status"].as_str().unwrap().to_string()))
        .collect();
    let expected = [
        (format!("session-{seat}@academy.test"), "CONFIRMED".to_string()),
        (format!("session-{full}@academy.test"), "TENTATIVE".to_string()),
    ];
    assert_eq!(statuses, expected.into_iter().collect());
    assert_eq!(feed["events"].as_array().unwrap().len(), 2, "Ann's seat and her waitlist place, nobody else's");

    // Replacing the address ends the old one at once.
    let replaced = app.state.calendars.replace_feed(&ann).await.unwrap();
    assert_ne!(replaced, address);
    assert_eq!(app.get(&path).await.status, 404);
    assert_eq!(app.get(replaced.strip_prefix("https://academy.test").unwrap()).await.status, 200);
    assert_eq!(app.get("/calendar/not-a-token.ics").await.status, 404);
}

/// Makes every queued reminder due now, runs the worker, and returns the
/// reminders delivered to `email`.
async fn run_reminders(app: &TestApp, email: &str) -> usize {
    set(app, "UPDATE jobs SET run_at = '2000-01-01T00:00:00Z' WHERE kind = 'enrolment.remind' AND status = 'queued'")
        .await;
    app.run_jobs(&[]).await;
    let delivered = format!("SELECT COUNT(*) FROM mailbox WHERE recipient = '{email}' AND subject LIKE 'Reminder:%'");
    count(app, &delivered).await as usize
}

#[tokio::test]
async fn a_reminder_comes_at_the_lead_time_once_and_only_while_it_still_stands() {
    let app = TestApp::demo().await;
    let (_, session, other) = two_sessions(&app, (5, 5)).await;
    let learner = people(&app, "remind", 1, Role::Learner).await.remove(0);
    let enrolments = &app.state.enrolments;
    let seat = enrolments.enrol(&learner, learner.id, session).await.unwrap();
    let (starts, _) = times(&app, session).await;
    let due: Vec<DateTime<Utc>> = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT run_at FROM jobs WHERE kind = 'enrolment.remind' ORDER BY id")
            .fetch_all(pool)
            .await
            .unwrap()
    });
    assert_eq!(due, vec![starts - Duration::hours(24)], "queued for 24 hours before the start");

    // The session moves: the old reminder is stale, the new one is sent once.
    let staff = people(&app, "staff", 1, Role::Staff).await.remove(0);
    let later = starts + Duration::days(7);
    enrolments.move_session(&staff, session, later, later + Duration::hours(7)).await.unwrap();
    assert_eq!(count(&app, "SELECT COUNT(*) FROM jobs WHERE kind = 'enrolment.remind'").await, 2);
    assert_eq!(run_reminders(&app, &learner.email).await, 1, "one reminder, for the new time");
    assert_eq!(run_reminders(&app, &learner.email).await, 1, "and never again");

    // Cancelled: no reminder. Turned off: none either. (Another date of
    // the course, once the first seat is given up: one seat per course.)
    enrolments.cancel(&learner, seat.id).await.unwrap();
    let second = enrolments.enrol(&learner, learner.id, other).await.unwrap();
    enrolments.cancel(&learner, second.id).await.unwrap();
    assert_eq!(run_reminders(&app, &learner.email).await, 1);
    let third = enrolments.enrol(&learner, learner.id, other).await.unwrap();
    set(&app, &format!("UPDATE users SET notify_reminders = FALSE WHERE id = {}", learner.id)).await;
    assert_eq!(run_reminders(&app, &learner.email).await, 1, "the learner turned reminders off");
    let _ = third;
}
