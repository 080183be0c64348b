//! `lyceum seed demo`: the demo academy's catalogue, with sessions over the
//! next twelve weeks, in one transaction.

use super::people;
use super::taxonomy::{self, CourseSeed, Taxonomy};
use crate::server::db::{Db, with_pool};
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// One planned session of a demo course.
pub struct PlannedSession {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub mode: &'static str,
    pub location: Option<&'static str>,
    pub seats_taken: i64,
    /// Held in the past: the session is over, its roster waits to be marked.
    pub past: bool,
}

/// Loads the demo catalogue; returns how many courses and sessions it stored.
/// Courses whose slug already exists are left as they are.
pub async fn load(db: &Db, tz: Tz, today: NaiveDate) -> Result<(usize, usize), sqlx::Error> {
    let demo = taxonomy::demo_catalogue();
    let closed = holidays(&demo, today);
    let ids = taxonomy::ensure(db, &demo).await?;
    let now = Utc::now();
    let mut courses = 0;
    let mut sessions = 0;
    // The demo learners, who hold the seats shown as taken.
    let people = people::ensure(db, now).await?;
    with_pool!(db, |pool| {
        let mut tx = pool.begin().await?;
        for (index, course) in demo.courses.iter().enumerate() {
            let inserted: Option<i64> = sqlx::query_scalar(
                "INSERT INTO courses (slug, category_id, title, summary, description, outcomes, prerequisites, level, \
                 duration_hours, price_cents, currency, language, awards_certificate, published, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, TRUE, $14, $14) \
                 ON CONFLICT (slug) DO NOTHING RETURNING id",
            )
            .bind(&course.slug)
            .bind(ids.categories[&course.category])
            .bind(&course.title)
            .bind(&course.summary)
            .bind(&course.description)
            .bind(course.outcomes.join("\n"))
            .bind(&course.prerequisites)
            .bind(&course.level)
            .bind(course.duration_hours)
            .bind(course.price_cents)
            .bind(&course.currency)
            .bind(&course.language)
            .bind(course.certificate)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(course_id) = inserted else { continue };
            courses += 1;
            // A learner holds one seat per course in the dates still to
            // come (the seats of a date that is over are its history).
            let mut holding = std::collections::HashSet::new();
            for (k, session) in plan_sessions(course, index, tz, today, &closed).into_iter().enumerate() {
                // The seats taken are real enrolments, of different people.
                let wanted = usize::try_from(session.seats_taken).unwrap_or(0).min(people.len());
                let first = index * 7 + k * 13;
                let takers: Vec<i64> = (0..people.len())
                    .map(|n| people[(first + n) % people.len()])
                    .filter(|person| session.past || !holding.contains(person))
                    .take(wanted)
                    .collect();
                if !session.past {
                    holding.extend(takers.iter().copied());
                }
                let session_id: i64 = sqlx::query_scalar(
                    "INSERT INTO course_sessions (course_id, starts_at, ends_at, timezone, mode, location_id, \
                     instructor_id, capacity, seats_taken, status, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
                )
                .bind(course_id)
                .bind(session.starts_at)
                .bind(session.ends_at)
                .bind(tz.name())
                .bind(session.mode)
                .bind(session.location.map(|slug| location_id(&ids, slug)))
                .bind(ids.instructors.get(&course.instructor).copied())
                .bind(course.capacity)
                .bind(takers.len() as i64)
                .bind(if session.past { "completed" } else { "scheduled" })
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                if !takers.is_empty() {
                    let mut insert = sqlx::QueryBuilder::new(
                        "INSERT INTO enrolments (session_id, user_id, status, created_at, updated_at) ",
                    );
                    insert.push_values(&takers, |mut row, person| {
                        row.push_bind(session_id).push_bind(*person).push("'confirmed'").push_bind(now).push_bind(now);
                    });
                    insert.build().execute(&mut *tx).await?;
                }
                if !session.past {
                    sqlx::query(
                        "INSERT INTO course_holds (user_id, course_id, enrolment_id, until)
                         SELECT e.user_id, s.course_id, e.id, s.ends_at
                         FROM enrolments e JOIN course_sessions s ON s.id = e.session_id WHERE s.id = $1",
                    )
                    .bind(session_id)
                    .execute(&mut *tx)
                    .await?;
                }
                sessions += 1;
            }
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(())
    })?;
    Ok((courses, sessions))
}

fn location_id(ids: &Taxonomy, slug: &str) -> i64 {
    ids.locations.get(slug).copied().unwrap_or_else(|| *ids.locations.values().min().expect("a campus exists"))
}

/// How a course's days run: how many, and the hours of each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timetable {
    /// Working days in a row, Monday to Friday at most.
    pub days: u32,
    /// Start and end of each day, minutes after midnight (a lunch hour
    /// included in a day of five teaching hours or more).
    pub start: u32,
    pub end: u32,
}

impl Timetable {
    /// Seven teaching hours a day, over at most a working week: a longer
    /// course teaches longer days. Days of five hours or more have a
    /// lunch hour; days of eight start at 08:30.
    pub fn of(hours: i64) -> Self {
        let hours = u32::try_from(hours.max(1)).unwrap_or(1);
        let days = hours.div_ceil(7).clamp(1, 5);
        // Each day's teaching, rounded up to the half hour.
        let teaching = (hours * 60).div_ceil(days).div_ceil(30) * 30;
        let lunch = if teaching >= 5 * 60 { 60 } else { 0 };
        let start = if teaching >= 8 * 60 { 8 * 60 + 30 } else { 9 * 60 };
        Timetable { days, start, end: start + teaching + lunch }
    }
}

/// The academy's public holidays around `date`, from the bundled calendar.
pub fn public_holidays(around: NaiveDate) -> Vec<NaiveDate> {
    static CALENDAR: std::sync::LazyLock<taxonomy::DemoCatalogue> = std::sync::LazyLock::new(taxonomy::demo_catalogue);
    holidays(&CALENDAR, around)
}

/// The bundled calendar's public holidays in `years`, with their names,
/// in date order: what the academy's settings start with.
pub fn named_holidays(years: std::ops::RangeInclusive<i32>) -> Vec<(NaiveDate, String)> {
    let demo = taxonomy::demo_catalogue();
    let mut days: Vec<(NaiveDate, String)> = years
        .flat_map(|year| demo.holidays.iter().filter_map(move |h| Some((h.in_year(year)?, h.name.clone()))))
        .collect();
    days.sort();
    days
}

/// The days the academy is closed besides weekends, over the years that
/// `around` and a few months either side touch.
pub fn holidays(demo: &taxonomy::DemoCatalogue, around: NaiveDate) -> Vec<NaiveDate> {
    (around.year() - 1..=around.year() + 1)
        .flat_map(|year| demo.holidays.iter().filter_map(move |h| h.in_year(year)))
        .collect()
}

/// Whether a course of `days` can start on `start`: every day from it is a
/// working day of the same week, and none a public holiday.
fn fits(start: NaiveDate, days: u32, closed: &[NaiveDate]) -> bool {
    start.weekday().num_days_from_monday() + days <= 5
        && (0..days).all(|d| !closed.contains(&(start + chrono::Days::new(u64::from(d)))))
}

/// Two to four sessions per course within twelve weeks of `today`, each on
/// working days in one week (a five-day course runs Monday to Friday),
/// never on a public holiday, with the course's daily timetable.
/// Deterministic in the course's position, so demo data is the same each run.
pub fn plan_sessions(
    course: &CourseSeed,
    index: usize,
    tz: Tz,
    today: NaiveDate,
    closed: &[NaiveDate],
) -> Vec<PlannedSession> {
    let count = 2 + index % 3;
    let timetable = Timetable::of(course.duration_hours);
    let days = timetable.days;
    let campuses = ["valletta", "sliema"];
    let session = |start: NaiveDate| {
        let end = start + chrono::Days::new(u64::from(days - 1));
        (local(tz, start, timetable.start), local(tz, end, timetable.end))
    };
    let mut planned: Vec<PlannedSession> = (0..count)
        .map(|k| {
            // Spread starts over days 3..80 so every session lies in the next 12 weeks.
            let offset = 3 + ((index * 11 + k * 23) % 70) as u64 + (k as u64) * 3;
            let mut start = today + chrono::Days::new(offset);
            while !fits(start, days, closed) {
                start = start.succ_opt().expect("date in range");
            }
            let (starts_at, ends_at) = session(start);
            let mode: &'static str = match (course.modes.iter().any(|m| m == "online"), course.modes.len()) {
                (true, 1) => "online",
                (false, _) => "in-person",
                _ if (index + k) % 2 == 0 => "in-person",
                _ => "online",
            };
            let location = (mode == "in-person").then(|| campuses[(index + k) % 2]);
            // Most sessions part-filled, a few full or down to their last seat,
            // so the demo shows every state.
            let seats_taken = match (index * 7 + k * 5) % 11 {
                0 => course.capacity,
                1 => course.capacity - 1,
                n => (course.capacity * n as i64 / 14).min(course.capacity - 1),
            };
            PlannedSession { starts_at, ends_at, mode, location, seats_taken, past: false }
        })
        .collect();
    // Every fourth course also ran two to five weeks ago, nearly full:
    // a roster waiting for its attendance and completions to be marked.
    if index % 4 == 0 {
        let mut start = today - chrono::Days::new(14 + (index % 4 * 7 + index % 7) as u64);
        while !fits(start, days, closed) {
            start = start.pred_opt().expect("date in range");
        }
        let location = course.modes.iter().any(|m| m == "in-person").then_some(campuses[index % 2]);
        let (starts_at, ends_at) = session(start);
        planned.push(PlannedSession {
            starts_at,
            ends_at,
            mode: if location.is_some() { "in-person" } else { "online" },
            location,
            seats_taken: (course.capacity - 2).max(1),
            past: true,
        });
    }
    planned
}

/// `minutes` after midnight on `date` in `tz`, as UTC.
pub fn local(tz: Tz, date: NaiveDate, minutes: u32) -> DateTime<Utc> {
    let time = NaiveTime::from_hms_opt(minutes / 60, minutes % 60, 0).expect("a time of day");
    tz.from_local_datetime(&date.and_time(time)).earliest().expect("teaching hours exist every day").with_timezone(&Utc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, Timelike, Weekday};

    #[test]
    fn demo_catalogue_is_large_and_consistent() {
        let demo = taxonomy::demo_catalogue();
        assert!(demo.courses.len() >= 40, "{} courses", demo.courses.len());
        for course in &demo.courses {
            assert!(demo.categories.iter().any(|c| c.slug == course.category), "{}", course.slug);
            assert!(demo.instructors.iter().any(|i| i.slug == course.instructor), "{}", course.slug);
            assert!(!course.modes.is_empty(), "{}", course.slug);
        }
        for kind in ["it", "soft-skills"] {
            assert!(demo.categories.iter().any(|c| c.kind == kind));
        }
    }

    #[test]
    fn easter_and_the_holidays_fall_where_the_calendar_has_them() {
        assert_eq!(taxonomy::easter_sunday(2026), NaiveDate::from_ymd_opt(2026, 4, 5).unwrap());
        assert_eq!(taxonomy::easter_sunday(2027), NaiveDate::from_ymd_opt(2027, 3, 28).unwrap());
        assert_eq!(taxonomy::easter_sunday(2000), NaiveDate::from_ymd_opt(2000, 4, 23).unwrap());
        let demo = taxonomy::demo_catalogue();
        let closed = holidays(&demo, NaiveDate::from_ymd_opt(2026, 12, 2).unwrap());
        for (m, d) in [(12, 25), (1, 1), (12, 8), (12, 13)] {
            assert!(closed.contains(&NaiveDate::from_ymd_opt(2026, m, d).unwrap()), "{m}-{d}");
        }
        assert!(closed.contains(&NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()));
        assert!(closed.contains(&NaiveDate::from_ymd_opt(2027, 3, 26).unwrap()), "Good Friday 2027");
        assert_eq!(demo.holidays.len(), 14, "Malta's fourteen public holidays");
    }

    #[test]
    fn each_course_has_a_working_day_timetable() {
        let hhmm = |t: Timetable| (t.days, t.start / 60, t.start % 60, t.end / 60, t.end % 60);
        assert_eq!(hhmm(Timetable::of(7)), (1, 9, 0, 17, 0));
        assert_eq!(hhmm(Timetable::of(35)), (5, 9, 0, 17, 0));
        assert_eq!(hhmm(Timetable::of(40)), (5, 8, 30, 17, 30), "a longer course, longer days");
        assert_eq!(hhmm(Timetable::of(16)), (3, 9, 0, 15, 30), "five and a half hours a day, and lunch");
        assert_eq!(hhmm(Timetable::of(3)), (1, 9, 0, 12, 0), "no lunch in a morning");
    }

    #[test]
    fn sessions_fall_on_working_days_within_twelve_weeks() {
        let demo = taxonomy::demo_catalogue();
        let tz = chrono_tz::Europe::Malta;
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let closed = holidays(&demo, today);
        let limit = local(tz, today + chrono::Days::new(84), 0);
        for (index, course) in demo.courses.iter().enumerate() {
            let (sessions, past): (Vec<_>, Vec<_>) =
                plan_sessions(course, index, tz, today, &closed).into_iter().partition(|s| !s.past);
            assert!((2..=4).contains(&sessions.len()));
            assert_eq!(past.len(), usize::from(index % 4 == 0));
            assert!(past.iter().all(|s| s.ends_at < local(tz, today, 0)));
            let timetable = Timetable::of(course.duration_hours);
            for s in sessions.iter().chain(&past) {
                let (first, last) = (s.starts_at.with_timezone(&tz), s.ends_at.with_timezone(&tz));
                let days = (last.date_naive() - first.date_naive()).num_days() + 1;
                assert_eq!(days, i64::from(timetable.days), "{}", course.slug);
                for d in 0..days {
                    let day = first.date_naive() + Duration::days(d);
                    assert!(!matches!(day.weekday(), Weekday::Sat | Weekday::Sun), "{} on {day}", course.slug);
                    assert!(!closed.contains(&day), "{} on a holiday, {day}", course.slug);
                }
                assert_eq!(
                    (first.hour() * 60 + first.minute(), last.hour() * 60 + last.minute()),
                    (timetable.start, timetable.end)
                );
            }
            for s in sessions {
                assert!(s.starts_at > local(tz, today, 0) && s.starts_at < limit, "{}", course.slug);
                assert!(s.ends_at > s.starts_at);
                assert!((0..=course.capacity).contains(&s.seats_taken));
                assert_eq!(s.mode == "in-person", s.location.is_some());
                assert!(course.modes.iter().any(|m| m == s.mode), "{} offered {:?}", course.slug, course.modes);
            }
        }
    }
}
