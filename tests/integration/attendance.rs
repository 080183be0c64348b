//! Attendance on a busy day: a whole roster saved in one form, day by day
//! for a course over several days (a day not begun cannot be marked), all
//! or nothing; marking everyone present without undoing a no-show; the
//! sign-in sheet parsed as HTML; the roster's CSV with a column a day, read
//! back by Python's csv module.

use crate::certificates::{account, place_session, running_session};
use crate::csv::read_back;
use crate::enrolment::{people, set};
use crate::helpers::TestApp;
use crate::visitor::{Visitor, count};
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use lyceum::model::account::Role;
use lyceum::model::enrolment::Attendance;
use scraper::{Html, Selector};

/// A session of four days in the academy's zone, from two days ago to
/// tomorrow, each day from midnight (so today's has begun, tomorrow's not);
/// its learners and their enrolments, and a signed-in staff member.
struct Course {
    app: TestApp,
    session: i64,
    days: Vec<NaiveDate>,
    seats: Vec<i64>,
}

async fn four_days(learners: usize) -> Course {
    let app = TestApp::demo().await;
    let (session, _, _) = running_session(&app).await;
    let people = people(&app, "class", learners, Role::Learner).await;
    let mut seats = Vec::new();
    for learner in &people {
        seats.push(app.state.enrolments.enrol(learner, learner.id, session).await.unwrap().id);
    }
    let tz = app.state.config.timezone;
    let today = Utc::now().with_timezone(&tz).date_naive();
    let days: Vec<NaiveDate> = (-2..=1).map(|n| today + Duration::days(n)).collect();
    let local = |day: NaiveDate, h: u32| {
        tz.from_local_datetime(&day.and_hms_opt(h, 0, 0).unwrap()).unwrap().with_timezone(&Utc)
    };
    let (starts, ends) = (local(days[0], 0), local(days[3], 23));
    place_session(&app, session, starts, ends).await;
    Course { app, session, days, seats }
}

/// A member of staff, signed in.
async fn staff(app: &TestApp) -> Visitor<'_> {
    let mut staff = Visitor::new(app);
    staff.sign_up_and_log_in("Sam Staff", "sam@example.com", "a staff member's passphrase").await;
    set(app, "UPDATE users SET role = 'staff' WHERE email = 'sam@example.com'").await;
    staff
}

async fn day_rows(app: &TestApp, enrolment: i64) -> Vec<(String, String)> {
    lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_as("SELECT day, attendance FROM attendance_days WHERE enrolment_id = $1 ORDER BY day")
            .bind(enrolment)
            .fetch_all(pool)
            .await
            .unwrap()
    })
}

async fn summary(app: &TestApp, enrolment: i64) -> (Option<String>, bool) {
    lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_as::<_, (Option<String>, bool)>(
            "SELECT attendance, completed_at IS NOT NULL FROM enrolments WHERE id = $1",
        )
        .bind(enrolment)
        .fetch_one(pool)
        .await
        .unwrap()
    })
}

fn day_key(row: usize, day: NaiveDate) -> String {
    format!("marks[{row}][d][on-{day}]")
}

#[tokio::test]
async fn a_course_over_several_days_is_marked_day_by_day_in_one_form_and_all_or_nothing() {
    let Course { app, session, days, seats } = four_days(3).await;
    let mut staff = staff(&app).await;
    let (s, e0, e1, e2) = (session.to_string(), seats[0].to_string(), seats[1].to_string(), seats[2].to_string());
    let k = |row, n: usize| day_key(row, days[n]);
    let (k00, k01, k02, k10, k03) = (k(0, 0), k(0, 1), k(0, 2), k(1, 0), k(0, 3));

    // The roster page offers a select a day, the last (tomorrow) disabled.
    let page = Html::parse_document(&staff.get(&format!("/admin/sessions/{session}")).await.body);
    let selects = Selector::parse(&format!("select[name^='marks['][form='roster-marks']")).unwrap();
    let names: Vec<(String, bool)> = page
        .select(&selects)
        .map(|e| (e.value().attr("name").unwrap().to_string(), e.value().attr("disabled").is_some()))
        .collect();
    assert_eq!(names.len(), 3 * 4, "a select per learner and day: {names:?}");
    assert_eq!(names.iter().filter(|(_, disabled)| *disabled).count(), 3, "tomorrow cannot be marked yet");
    assert!(names.iter().all(|(name, disabled)| name.ends_with(&format!("[on-{}]", days[3])) == *disabled));

    // A day not begun refuses the whole form: nothing stored for anyone.
    let refused = staff
        .call(
            "admin/sessions/mark-roster",
            &[
                ("session_id", &s),
                ("marks[0][enrolment_id]", &e0),
                (&k00, "attended"),
                ("marks[1][enrolment_id]", &e1),
                (&k10, "attended"),
                (&k03, "attended"),
            ],
        )
        .await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    // Completion without attendance, and a learner of another session, likewise.
    let stranger = crate::enrolment::two_sessions(&app, (3, 3)).await.2;
    let outsider = people(&app, "outsider", 1, Role::Learner).await.remove(0);
    let outside = app.state.enrolments.enrol(&outsider, outsider.id, stranger).await.unwrap().id.to_string();
    for fields in [
        vec![("marks[0][enrolment_id]", e0.as_str()), (k00.as_str(), "no_show"), ("marks[0][completed]", "on")],
        vec![("marks[0][enrolment_id]", e0.as_str()), (k00.as_str(), "attended"), ("marks[1][enrolment_id]", &outside)],
        vec![("marks[0][enrolment_id]", e0.as_str()), (k00.as_str(), "present")],
        vec![("marks[0][enrolment_id]", e0.as_str()), ("marks[0][d][yesterday]", "attended")],
    ] {
        let mut fields = fields;
        fields.insert(0, ("session_id", &s));
        let res = staff.call("admin/sessions/mark-roster", &fields).await;
        assert!((400..500).contains(&res.status), "{fields:?}: {} {}", res.status, res.body);
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM attendance_days").await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM enrolments WHERE attendance IS NOT NULL").await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE event = 'enrolment.marked'").await, 0);

    // One form: the first learner came on two days of three and completed,
    // the second missed the first day, the third is left unmarked.
    let saved = staff
        .call(
            "admin/sessions/mark-roster",
            &[
                ("session_id", &s),
                ("marks[0][enrolment_id]", &e0),
                (&k00, "attended"),
                (&k01, "no_show"),
                (&k02, "attended"),
                ("marks[0][completed]", "on"),
                ("marks[1][enrolment_id]", &e1),
                (&k10, "no_show"),
                ("marks[2][enrolment_id]", &e2),
            ],
        )
        .await;
    assert!(saved.status < 400, "{}", saved.body);
    let d = |n: usize| days[n].to_string();
    assert_eq!(
        day_rows(&app, seats[0]).await,
        vec![(d(0), "attended".into()), (d(1), "no_show".into()), (d(2), "attended".into())]
    );
    assert_eq!(summary(&app, seats[0]).await, (Some("attended".into()), true));
    assert_eq!(day_rows(&app, seats[1]).await, vec![(d(0), "no_show".into())]);
    assert_eq!(summary(&app, seats[1]).await, (Some("no_show".into()), false));
    assert_eq!(summary(&app, seats[2]).await, (None, false));
    assert_eq!(count(&app, &format!("SELECT COUNT(*) FROM certificates WHERE enrolment_id = {e0}")).await, 1);
    // An entry per learner whose marks changed, none for the one left as it was.
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE event = 'enrolment.marked'").await, 2);

    // The same form again changes nothing and writes no entry.
    let again = staff
        .call(
            "admin/sessions/mark-roster",
            &[("session_id", &s), ("marks[0][enrolment_id]", &e0), (&k01, "no_show"), ("marks[0][completed]", "on")],
        )
        .await;
    assert!(again.status < 400, "{}", again.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE event = 'enrolment.marked'").await, 2);

    // The page shows each day's mark as saved.
    let page = Html::parse_document(&staff.get(&format!("/admin/sessions/{session}")).await.body);
    let chosen = |row: usize, n: usize| {
        let css = format!("select[name='{}'] option[selected]", day_key(row, days[n]));
        page.select(&Selector::parse(&css).unwrap()).next().map(|o| o.value().attr("value").unwrap().to_string())
    };
    assert_eq!(chosen(0, 1).as_deref(), Some("no_show"));
    assert_eq!(chosen(0, 2).as_deref(), Some("attended"));
    assert_eq!(chosen(1, 0).as_deref(), Some("no_show"));
}

#[tokio::test]
async fn everyone_is_marked_present_at_once_without_undoing_a_no_show() {
    let Course { app, session, days, seats } = four_days(3).await;
    let mut staff = staff(&app).await;
    let sam = account(&app, "sam@example.com").await;
    app.state
        .enrolments
        .mark_roster(
            &sam,
            session,
            vec![lyceum::server::enrolment::RosterMark {
                enrolment_id: seats[1],
                days: vec![(days[0], Some(Attendance::NoShow))],
                completed: false,
            }],
        )
        .await
        .unwrap();
    let res = staff.call("admin/sessions/mark-all", &[("session_id", &session.to_string())]).await;
    assert!(res.status < 400, "{}", res.body);
    let begun: Vec<String> = days[..3].iter().map(|d| d.to_string()).collect();
    for seat in [seats[0], seats[2]] {
        let rows = day_rows(&app, seat).await;
        assert_eq!(rows.iter().map(|(d, _)| d.clone()).collect::<Vec<_>>(), begun, "every begun day, not tomorrow");
        assert!(rows.iter().all(|(_, a)| a == "attended"));
    }
    let second = day_rows(&app, seats[1]).await;
    assert_eq!(second[0], (begun[0].clone(), "no_show".to_string()), "the no-show stands");
    assert!(second[1..].iter().all(|(_, a)| a == "attended"));
    assert_eq!(summary(&app, seats[1]).await.0.as_deref(), Some("attended"));

    // Once more: nobody is left to mark, nothing written.
    let entries = count(&app, "SELECT COUNT(*) FROM audit_log WHERE event = 'enrolment.marked'").await;
    assert_eq!(app.state.enrolments.mark_all_attended(&sam, session).await.unwrap(), 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE event = 'enrolment.marked'").await, entries);

    // A learner and another session's instructor cannot, and change nothing.
    let learner = people(&app, "nosy", 1, Role::Learner).await.remove(0);
    let other = people(&app, "elsewhere", 1, Role::Instructor).await.remove(0);
    assert!(app.state.enrolments.mark_all_attended(&learner, session).await.is_err());
    assert!(app.state.enrolments.mark_all_attended(&other, session).await.is_err());
    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ann Borg", "ann@example.com", "correct horse battery staple").await;
    let s = session.to_string();
    assert_eq!(ann.call("admin/sessions/mark-all", &[("session_id", &s)]).await.status, 403);
    let e = seats[2].to_string();
    let k = day_key(0, days[0]);
    let fields = [("session_id", s.as_str()), ("marks[0][enrolment_id]", &e), (&k, "no_show")];
    assert_eq!(ann.call("admin/sessions/mark-roster", &fields).await.status, 403);
    assert_eq!(day_rows(&app, seats[2]).await[0].1, "attended");
}

#[tokio::test]
async fn the_sign_in_sheet_and_the_roster_file_have_a_place_for_each_day() {
    let Course { app, session, days, seats } = four_days(2).await;
    let mut staff = staff(&app).await;
    set(&app, &format!(
        "UPDATE users SET name = '<script>alert(1)</script> \"Quote\" O''Neil' WHERE id = (SELECT user_id FROM enrolments WHERE id = {})",
        seats[0]
    ))
    .await;
    let sam = account(&app, "sam@example.com").await;
    let mark = lyceum::server::enrolment::RosterMark {
        enrolment_id: seats[0],
        days: vec![(days[0], Some(Attendance::Attended)), (days[1], Some(Attendance::NoShow))],
        completed: false,
    };
    app.state.enrolments.mark_roster(&sam, session, vec![mark]).await.unwrap();

    let res = staff.get(&format!("/admin/sessions/{session}/sign-in")).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let page = Html::parse_document(&res.body);
    let text = |css: &str| -> Vec<String> {
        page.select(&Selector::parse(css).unwrap()).map(|e| e.text().collect::<String>().trim().to_string()).collect()
    };
    assert_eq!(text(".sign-in-table thead th").len(), 2 + days.len(), "No., name, a column a day");
    let names = text(".sign-in-table tbody th[scope=row]");
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"<script>alert(1)</script> \"Quote\" O'Neil".to_string()), "{names:?}");
    assert_eq!(page.select(&Selector::parse("script:not([src]):not([type]):not([nonce])").unwrap()).count(), 0);
    assert_eq!(text(".sign-in-table td.signature").len(), 2 * days.len());
    // A learner is refused the sheet.
    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ann Borg", "ann@example.com", "correct horse battery staple").await;
    assert_ne!(ann.get(&format!("/admin/sessions/{session}/sign-in")).await.status, 200);

    let file = read_back(&staff.get(&format!("/admin/sessions/{session}/roster.csv")).await);
    let headings: Vec<String> = serde_json::from_value(file["headings"].clone()).unwrap();
    for day in &days {
        assert!(headings.contains(&format!("attendance_{day}")), "{headings:?}");
    }
    let row = file["rows"].as_array().unwrap().iter().find(|r| r["attendance"] == "attended").unwrap();
    assert_eq!(row[format!("attendance_{}", days[0])], "attended");
    assert_eq!(row[format!("attendance_{}", days[1])], "no_show");
    assert_eq!(row[format!("attendance_{}", days[3])], "");
    assert!(row["name"].as_str().unwrap().contains("<script>"), "kept as text: {row}");
}
