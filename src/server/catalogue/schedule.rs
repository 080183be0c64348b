//! Staff open dates for a course: one session, or a weekly series from one
//! form. Dates and times are the academy's wall clock (what staff type and
//! read); each is turned into an instant in the academy's zone on its own
//! day, so a series keeps its 09:00 across the change to or from summer
//! time, and is stored in UTC. A date on a public holiday is refused
//! unless staff say otherwise; a time the clocks skip is refused.

use super::changes::ScheduleChange;
use super::{Catalogue, Write};
use crate::error::AppError;
use crate::model::account::{Role, User};
use crate::model::enrolment::Refusal;
use crate::model::form::{Field, FieldError, Problem};
use crate::model::query::Mode;
use crate::server::audit::{self, Actor, Change, Diff};
use crate::server::auth::must_be;
use crate::server::db::{Tx, with_pool, with_tx};
use crate::server::error::Error;
use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// A session as the back office lists it under its course.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionLine {
    pub id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub mode: Mode,
    pub location: Option<String>,
    pub capacity: i64,
    pub seats_taken: i64,
    pub waitlisted: i64,
    pub status: String,
}

/// Where a new session is held, as ids: its course, its campus and its
/// instructor, each looked up from the slug staff gave.
#[derive(Clone, Copy, Debug)]
pub(super) struct Place {
    pub course_id: i64,
    pub location: Option<i64>,
    pub instructor: Option<i64>,
}

/// The days of a series: one a week from the first.
pub fn series_dates(first: NaiveDate, weeks: i64) -> Vec<NaiveDate> {
    (0..weeks.max(1)).filter_map(|week| first.checked_add_days(Days::new(7 * u64::try_from(week).ok()?))).collect()
}

/// `time` on `date` in `tz`, as an instant: the earlier of the two when
/// the clocks go back over it, `None` when they go forward over it.
pub fn instant(tz: Tz, date: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    tz.from_local_datetime(&date.and_time(time)).earliest().map(|t| t.with_timezone(&Utc))
}

/// The instants new times of a session stand for in `tz`; refused on the
/// start or end field when the clocks skip that time on that day.
pub fn instants(tz: Tz, times: &super::changes::NewTimes) -> Result<(DateTime<Utc>, DateTime<Utc>), Error> {
    let skipped = |field| Error::Refused(AppError::Invalid(vec![FieldError { field, problem: Problem::SkippedTime }]));
    let starts_at = instant(tz, times.date, times.start).ok_or_else(|| skipped(Field::StartTime))?;
    let ends_at = instant(tz, times.date, times.end).ok_or_else(|| skipped(Field::EndTime))?;
    Ok((starts_at, ends_at))
}

/// The instants of each date of a schedule, or the fields that cannot be
/// scheduled as typed.
pub fn plan(
    change: &ScheduleChange,
    tz: Tz,
    now: DateTime<Utc>,
    closed: &[NaiveDate],
) -> Result<Vec<(DateTime<Utc>, DateTime<Utc>)>, Vec<FieldError>> {
    let dates = series_dates(change.start_date, change.weeks);
    let mut problems = Vec::new();
    let holidays = dates.iter().filter(|d| closed.contains(d)).count();
    if holidays > 0 && !change.allow_holidays {
        let dates = u16::try_from(holidays).unwrap_or(u16::MAX);
        problems.push(FieldError { field: Field::StartDate, problem: Problem::Holiday { dates } });
    }
    let mut planned = Vec::with_capacity(dates.len());
    for date in dates {
        match (instant(tz, date, change.start_time), instant(tz, date, change.end_time)) {
            (Some(starts), Some(ends)) => planned.push((starts, ends)),
            (starts, _) => {
                let field = if starts.is_none() { Field::StartTime } else { Field::EndTime };
                if !problems.iter().any(|p| p.field == field) {
                    problems.push(FieldError { field, problem: Problem::SkippedTime });
                }
            }
        }
    }
    if planned.first().is_some_and(|(starts, _)| *starts <= now) {
        problems.push(FieldError { field: Field::StartDate, problem: Problem::InThePast });
    }
    if problems.is_empty() { Ok(planned) } else { Err(problems) }
}

fn unknown(field: Field) -> Error {
    Error::Refused(AppError::Invalid(vec![FieldError { field, problem: Problem::UnknownChoice }]))
}

async fn id_of(tx: &mut Tx, table: &str, slug: &str) -> Result<Option<i64>, sqlx::Error> {
    // `table` is one of this module's own names, never input.
    let sql = format!("SELECT id FROM {table} WHERE slug = $1");
    with_tx!(tx, |c| sqlx::query_scalar(&sql).bind(slug).fetch_optional(c).await)
}

impl Catalogue {
    /// Schedules one session, or a weekly series, of a course; returns the
    /// new sessions' ids.
    pub async fn schedule(&self, actor: Actor<'_>, course_id: i64, change: ScheduleChange) -> Result<Vec<i64>, Error> {
        must_be(actor.user, Role::Staff)?;
        // The public holidays in the academy's settings (see `settings`).
        let closed = self.closed_days().await?;
        let planned = plan(&change, self.tz, Utc::now(), &closed)
            .map_err(|problems| Error::Refused(AppError::Invalid(problems)))?;
        let mut write = self.begin_write().await?;
        let archived: Option<bool> = with_tx!(write.tx(), |c| {
            sqlx::query_scalar("SELECT archived FROM courses WHERE id = $1").bind(course_id).fetch_optional(c).await
        })?;
        match archived {
            None => return Err(Error::NotFound),
            Some(true) => return Err(Error::Refused(AppError::Conflict(Refusal::Archived))),
            Some(false) => {}
        }
        let location = match &change.location {
            Some(slug) => Some(id_of(write.tx(), "locations", slug).await?.ok_or_else(|| unknown(Field::Location))?),
            None => None,
        };
        let instructor = match &change.instructor {
            Some(slug) => {
                Some(id_of(write.tx(), "instructors", slug).await?.ok_or_else(|| unknown(Field::Instructor))?)
            }
            None => None,
        };
        let now = Utc::now();
        let mut ids = Vec::with_capacity(planned.len());
        let place = Place { course_id, location, instructor };
        for (starts_at, ends_at) in planned {
            ids.push(self.insert_session(&mut write, actor, &change, &place, (starts_at, ends_at), now).await?);
        }
        write.commit().await?;
        Ok(ids)
    }

    /// Inserts one session of `change` at `when`, with its audit entry:
    /// the one `INSERT` of a session, for the form and the CSV import alike.
    pub(super) async fn insert_session(
        &self,
        write: &mut Write<'_>,
        actor: Actor<'_>,
        change: &ScheduleChange,
        place: &Place,
        (starts_at, ends_at): (DateTime<Utc>, DateTime<Utc>),
        now: DateTime<Utc>,
    ) -> Result<i64, Error> {
        let Place { course_id, location, instructor } = *place;
        let id: i64 = with_tx!(write.tx(), |c| {
            sqlx::query_scalar(
                "INSERT INTO course_sessions (course_id, starts_at, ends_at, timezone, mode, location_id, \
                 instructor_id, capacity, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
            )
            .bind(course_id)
            .bind(starts_at)
            .bind(ends_at)
            .bind(self.tz.name())
            .bind(change.mode.as_str())
            .bind(location)
            .bind(instructor)
            .bind(change.capacity)
            .bind(now)
            .fetch_one(c)
            .await
        })?;
        let mut diff = Diff::default();
        diff.created("course_id", course_id)
            .created("starts_at", starts_at.to_rfc3339())
            .created("ends_at", ends_at.to_rfc3339())
            .created("mode", change.mode.as_str())
            .created("location", change.location.as_deref().unwrap_or(""))
            .created("instructor", change.instructor.as_deref().unwrap_or(""))
            .created("capacity", change.capacity);
        record(write, actor, "session.created", id, &diff).await?;
        Ok(id)
    }

    /// Every session of a course, oldest first.
    pub async fn course_sessions(&self, actor: &User, course_id: i64) -> Result<Vec<SessionLine>, Error> {
        must_be(actor, Role::Staff)?;
        Ok(with_pool!(self.db, |pool| {
            sqlx::query_as::<_, SessionLine>(
                "SELECT s.id, s.starts_at, s.ends_at, s.mode, l.name AS location, s.capacity, s.seats_taken, \
                 (SELECT COUNT(*) FROM enrolments e WHERE e.session_id = s.id AND e.status = 'waitlisted') \
                 AS waitlisted, s.status \
                 FROM course_sessions s LEFT JOIN locations l ON l.id = s.location_id \
                 WHERE s.course_id = $1 ORDER BY s.starts_at, s.id",
            )
            .bind(course_id)
            .fetch_all(pool)
            .await
        })?)
    }
}

/// A session as staff (and the REST API's catalogue writes) see it, with
/// the version a change of it names.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct SessionRecord {
    pub id: i64,
    /// The course's slug.
    pub course: String,
    /// Moves on with every change of the date (its times, its status).
    pub version: i64,
    /// `scheduled`, `cancelled` or `completed`.
    pub status: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub mode: Mode,
    /// The campus's slug, in person.
    pub location: Option<String>,
    /// The instructor's slug, when one is named.
    pub instructor: Option<String>,
    pub capacity: i64,
    pub seats_taken: i64,
    pub waitlisted: i64,
}

impl Catalogue {
    /// One session as staff see it, whatever its course's state.
    pub async fn session_record(&self, actor: &User, id: i64) -> Result<SessionRecord, Error> {
        must_be(actor, Role::Staff)?;
        let record = with_pool!(self.db, |pool| {
            sqlx::query_as::<_, SessionRecord>(
                "SELECT s.id, c.slug AS course, s.revision AS version, s.status, s.starts_at, s.ends_at, s.mode, \
                 l.slug AS location, i.slug AS instructor, s.capacity, s.seats_taken, \
                 s.waitlist_length AS waitlisted \
                 FROM course_sessions s JOIN courses c ON c.id = s.course_id \
                 LEFT JOIN locations l ON l.id = s.location_id LEFT JOIN instructors i ON i.id = s.instructor_id \
                 WHERE s.id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await
        })?;
        record.ok_or(Error::NotFound)
    }
}

async fn record(write: &mut Write<'_>, actor: Actor<'_>, action: &str, id: i64, diff: &Diff) -> Result<(), Error> {
    let change = Change { action, entity: "session", entity_id: id, about: None, diff };
    audit::change_in(write.tx(), actor, change).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::catalogue::changes::ScheduleChange;

    fn weekly(first: NaiveDate, weeks: i64) -> ScheduleChange {
        ScheduleChange {
            start_date: first,
            start_time: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            end_time: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
            mode: Mode::Online,
            location: None,
            instructor: None,
            capacity: 12,
            weeks,
            allow_holidays: false,
        }
    }

    #[test]
    fn a_weekly_series_keeps_its_wall_clock_across_summer_time() {
        let tz = chrono_tz::Europe::Malta;
        // Mondays 22 March to 5 April 2027: the clocks go forward on 28 March.
        let first = NaiveDate::from_ymd_opt(2027, 3, 22).unwrap();
        let now = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
        let planned = plan(&weekly(first, 3), tz, now, &[]).unwrap();
        let hours: Vec<String> = planned.iter().map(|(s, _)| s.format("%Y-%m-%d %H:%M").to_string()).collect();
        assert_eq!(hours, ["2027-03-22 08:00", "2027-03-29 07:00", "2027-04-05 07:00"]);
        for (starts, ends) in planned {
            assert_eq!(starts.with_timezone(&tz).format("%H:%M").to_string(), "09:00");
            assert_eq!(ends.with_timezone(&tz).format("%H:%M").to_string(), "17:00");
        }
    }

    #[test]
    fn holidays_skipped_times_and_the_past_are_refused() {
        let tz = chrono_tz::Europe::Malta;
        let now = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
        let first = NaiveDate::from_ymd_opt(2027, 3, 22).unwrap();
        let holiday = NaiveDate::from_ymd_opt(2027, 3, 29).unwrap();
        let refused = plan(&weekly(first, 2), tz, now, &[holiday]).unwrap_err();
        assert_eq!(refused, [FieldError { field: Field::StartDate, problem: Problem::Holiday { dates: 1 } }]);
        let mut anyway = weekly(first, 2);
        anyway.allow_holidays = true;
        assert_eq!(plan(&anyway, tz, now, &[holiday]).unwrap().len(), 2);
        // 02:30 on 28 March 2027 does not exist in Malta.
        let mut skipped = weekly(NaiveDate::from_ymd_opt(2027, 3, 28).unwrap(), 1);
        skipped.start_time = NaiveTime::from_hms_opt(2, 30, 0).unwrap();
        assert_eq!(plan(&skipped, tz, now, &[]).unwrap_err()[0].problem, Problem::SkippedTime);
        let past = weekly(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(), 1);
        assert_eq!(plan(&past, tz, now, &[]).unwrap_err()[0].problem, Problem::InThePast);
    }
}
