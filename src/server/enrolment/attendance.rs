//! Attendance: who came, day by day, and who completed the course.
//!
//! A session may run over several days (a three-day course); each of its
//! calendar days in the academy's zone is marked on its own, once that day
//! has begun. The enrolment's `attendance` is the summary that completion
//! and certificates read: attended on any day, a no-show when every day
//! marked was missed, unmarked otherwise. Completing a course that awards
//! a certificate issues it in the same transaction as the completion.
//!
//! Marks take the same lock order as every change of an enrolment: the
//! session's row first, then its enrolments.

use super::{Enrolments, conflict, store};
use crate::error::AppError;
use crate::model::account::{Role, User};
use crate::model::enrolment::{Attendance, EnrolmentStatus, Refusal};
use crate::server::audit::{Acting, Change, Diff};
use crate::server::db::{Tx, with_tx};
use crate::server::error::Error;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use std::collections::HashMap;

/// The most days one session is marked over: longer runs are marked as one.
const MOST_DAYS: usize = 31;

/// The calendar days, in the academy's zone, that a session runs over:
/// from the day it starts to the day it ends (a session ending at midnight
/// does not run on the next day).
pub fn session_days(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>, tz: Tz) -> Vec<NaiveDate> {
    let first = starts_at.with_timezone(&tz).date_naive();
    let last = (ends_at - Duration::seconds(1)).max(starts_at).with_timezone(&tz).date_naive();
    let days: Vec<NaiveDate> = first.iter_days().take_while(|d| *d <= last).take(MOST_DAYS).collect();
    if days.len() == MOST_DAYS { vec![first] } else { days }
}

/// When `day` of a session begins: the session's starting time of day on
/// that day, in the academy's zone (the first day: the session's start).
pub fn day_begins(day: NaiveDate, starts_at: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    let time = starts_at.with_timezone(&tz).time();
    match day.and_time(time).and_local_timezone(tz).earliest() {
        Some(local) => local.with_timezone(&Utc).max(starts_at),
        // A start time that does not exist that day (the clocks went forward).
        None => day.and_time(time).and_utc().max(starts_at),
    }
}

/// The summary of a learner's days: attended on any day, a no-show when
/// every marked day was missed, nothing when no day is marked.
pub fn summary(days: impl IntoIterator<Item = Option<Attendance>>) -> Option<Attendance> {
    let marked: Vec<Attendance> = days.into_iter().flatten().collect();
    if marked.contains(&Attendance::Attended) { Some(Attendance::Attended) } else { marked.first().copied() }
}

/// One learner's row of a roster as staff or the instructor save it: the
/// attendance of each day (`None`: not marked), and completion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RosterMark {
    pub enrolment_id: i64,
    pub days: Vec<(NaiveDate, Option<Attendance>)>,
    pub completed: bool,
}

/// The days marked of each enrolment of a session.
pub(super) async fn day_marks(
    tx: &mut Tx,
    session_id: i64,
) -> Result<HashMap<i64, HashMap<NaiveDate, Attendance>>, sqlx::Error> {
    let rows: Vec<(i64, String, Attendance)> = with_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT d.enrolment_id, d.day, d.attendance FROM attendance_days d
             JOIN enrolments e ON e.id = d.enrolment_id WHERE e.session_id = $1",
        )
        .bind(session_id)
        .fetch_all(conn)
        .await
    })?;
    let mut marks: HashMap<i64, HashMap<NaiveDate, Attendance>> = HashMap::new();
    for (enrolment_id, day, attendance) in rows {
        if let Ok(day) = day.parse() {
            marks.entry(enrolment_id).or_default().insert(day, attendance);
        }
    }
    Ok(marks)
}

/// Each day's mark of one enrolment, in the session's day order. An
/// enrolment marked before days were kept has its summary on every day
/// begun.
pub(super) fn marks_of(
    days: &[NaiveDate],
    kept: Option<&HashMap<NaiveDate, Attendance>>,
    summary: Option<Attendance>,
) -> Vec<Option<Attendance>> {
    match kept {
        Some(kept) if !kept.is_empty() => days.iter().map(|d| kept.get(d).copied()).collect(),
        _ => days.iter().map(|_| summary).collect(),
    }
}

async fn set_day(
    tx: &mut Tx,
    enrolment_id: i64,
    day: NaiveDate,
    attendance: Option<Attendance>,
) -> Result<(), sqlx::Error> {
    let day = day.to_string();
    with_tx!(tx, |conn| {
        match attendance {
            None => sqlx::query("DELETE FROM attendance_days WHERE enrolment_id = $1 AND day = $2")
                .bind(enrolment_id)
                .bind(&day)
                .execute(conn)
                .await
                .map(|_| ()),
            Some(attendance) => sqlx::query(
                "INSERT INTO attendance_days (enrolment_id, day, attendance) VALUES ($1, $2, $3)
                 ON CONFLICT (enrolment_id, day) DO UPDATE SET attendance = excluded.attendance",
            )
            .bind(enrolment_id)
            .bind(&day)
            .bind(attendance)
            .execute(conn)
            .await
            .map(|_| ()),
        }
    })
}

async fn set_marks(
    tx: &mut Tx,
    enrolment_id: i64,
    attendance: Option<Attendance>,
    completed_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE enrolments SET attendance = $2, completed_at = $3, updated_at = $4
             WHERE id = $1 AND status = 'confirmed'",
        )
        .bind(enrolment_id)
        .bind(attendance)
        .bind(completed_at)
        .bind(now)
        .execute(conn)
        .await
        .map(|done| done.rows_affected() == 1)
    })
}

/// What one enrolment holds before it is marked.
#[derive(sqlx::FromRow)]
struct Marked {
    session_id: i64,
    user_id: i64,
    status: EnrolmentStatus,
    attendance: Option<Attendance>,
    completed_at: Option<DateTime<Utc>>,
    code: Option<String>,
}

async fn marked(tx: &mut Tx, enrolment_id: i64) -> Result<Option<Marked>, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT e.session_id, e.user_id, e.status, e.attendance, e.completed_at, k.code
             FROM enrolments e LEFT JOIN certificates k ON k.enrolment_id = e.id WHERE e.id = $1",
        )
        .bind(enrolment_id)
        .fetch_optional(conn)
        .await
    })
}

fn label(attendance: Option<Attendance>) -> &'static str {
    attendance.map(|a| a.as_str()).unwrap_or("")
}

impl Enrolments {
    /// Marks a learner attended or no-show (or neither) on every day of
    /// the session begun so far, and completed or not. Returns the code of
    /// the certificate, when the completion earned one.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = actor.id, enrolment_id))]
    pub async fn mark(
        &self,
        actor: &User,
        enrolment_id: i64,
        attendance: Option<Attendance>,
        completed: bool,
    ) -> Result<Option<String>, Error> {
        // The role first, before anything is looked up: a learner learns
        // nothing of which enrolments exist.
        if !actor.role.includes(Role::Instructor) {
            return Err(Error::Refused(AppError::Forbidden));
        }
        let now = Utc::now();
        let mut tx = self.db.begin_write().await?;
        // Someone else's enrolment (another instructor's session) is not found.
        let seen = store::enrolment(&mut tx, enrolment_id).await?.ok_or(Error::NotFound)?;
        Self::roster_access(&mut tx, actor, seen.session_id).await?;
        let session = store::lock_session(&mut tx, seen.session_id).await?.ok_or(Error::NotFound)?;
        let days = session_days(session.starts_at, session.ends_at, self.tz)
            .into_iter()
            .filter(|d| day_begins(*d, session.starts_at, self.tz) <= now)
            .map(|d| (d, attendance))
            .collect();
        let mark = RosterMark { enrolment_id, days, completed };
        let (_, code) = self.mark_in(&mut tx, actor, &session, mark, now).await?;
        tx.commit().await?;
        Ok(code)
    }

    /// Saves a whole roster at once: each learner's days and completion.
    /// All or nothing: one refused row (a day not begun, completion
    /// without attendance, a learner no longer seated) refuses the lot.
    /// Returns how many learners' marks changed.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = actor.id, session_id))]
    pub async fn mark_roster(&self, actor: &User, session_id: i64, marks: Vec<RosterMark>) -> Result<usize, Error> {
        if !actor.role.includes(Role::Instructor) {
            return Err(Error::Refused(AppError::Forbidden));
        }
        let now = Utc::now();
        let mut tx = self.db.begin_write().await?;
        Self::roster_access(&mut tx, actor, session_id).await?;
        let session = store::lock_session(&mut tx, session_id).await?.ok_or(Error::NotFound)?;
        let mut changed = 0;
        for mark in marks {
            if self.mark_in(&mut tx, actor, &session, mark, now).await?.0 {
                changed += 1;
            }
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// Marks everyone seated and not yet marked on a day begun so far as
    /// attended on it, leaving what was marked (a no-show) as it is.
    /// Returns how many learners it marked.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = actor.id, session_id))]
    pub async fn mark_all_attended(&self, actor: &User, session_id: i64) -> Result<usize, Error> {
        if !actor.role.includes(Role::Instructor) {
            return Err(Error::Refused(AppError::Forbidden));
        }
        let now = Utc::now();
        let mut tx = self.db.begin_write().await?;
        Self::roster_access(&mut tx, actor, session_id).await?;
        let session = store::lock_session(&mut tx, session_id).await?.ok_or(Error::NotFound)?;
        if session.starts_at > now {
            return Err(conflict(Refusal::NotStarted));
        }
        let days: Vec<NaiveDate> = session_days(session.starts_at, session.ends_at, self.tz)
            .into_iter()
            .filter(|d| day_begins(*d, session.starts_at, self.tz) <= now)
            .collect();
        let seated: Vec<(i64, Option<Attendance>, Option<DateTime<Utc>>)> = with_tx!(&mut tx, |conn| {
            sqlx::query_as(
                "SELECT id, attendance, completed_at FROM enrolments
                 WHERE session_id = $1 AND status = 'confirmed' ORDER BY id",
            )
            .bind(session_id)
            .fetch_all(conn)
            .await
        })?;
        let all = day_marks(&mut tx, session_id).await?;
        let mut changed = 0;
        for (enrolment_id, attendance, completed_at) in seated {
            let now_marks = marks_of(&days, all.get(&enrolment_id), attendance);
            if now_marks.iter().all(Option::is_some) {
                continue;
            }
            let days = days.iter().zip(now_marks).map(|(d, a)| (*d, Some(a.unwrap_or(Attendance::Attended)))).collect();
            let mark = RosterMark { enrolment_id, days, completed: completed_at.is_some() };
            if self.mark_in(&mut tx, actor, &session, mark, now).await?.0 {
                changed += 1;
            }
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// One learner's marks, under the session's lock (`session`): each
    /// day's attendance, the summary, completion and its certificate, and
    /// the audit entry of the change. Answers whether anything changed (a
    /// row saved as it was writes nothing) and the certificate's code.
    async fn mark_in(
        &self,
        tx: &mut Tx,
        actor: &User,
        session: &store::SessionFacts,
        mark: RosterMark,
        now: DateTime<Utc>,
    ) -> Result<(bool, Option<String>), Error> {
        let before = marked(tx, mark.enrolment_id).await?.ok_or(Error::NotFound)?;
        if before.session_id != session.id || before.status != EnrolmentStatus::Confirmed {
            return Err(conflict(Refusal::NotOnRoster));
        }
        if session.starts_at > now {
            return Err(conflict(Refusal::NotStarted));
        }
        let days = session_days(session.starts_at, session.ends_at, self.tz);
        let mut kept = day_marks_of(tx, mark.enrolment_id).await?;
        // Nothing kept day by day yet: every day is written, so a summary
        // marked before days were kept becomes days of its own.
        let unkept = kept.is_empty();
        if unkept {
            // Marked before days were kept: its summary held for every day begun.
            if let Some(summary) = before.attendance {
                for day in days.iter().filter(|d| day_begins(**d, session.starts_at, self.tz) <= now) {
                    kept.insert(*day, summary);
                }
            }
        }
        let prior = kept.clone();
        for (day, attendance) in &mark.days {
            if !days.contains(day) {
                return Err(Error::Refused(AppError::BadRequest(format!("The session does not run on {day}."))));
            }
            if attendance.is_some() && day_begins(*day, session.starts_at, self.tz) > now {
                return Err(conflict(Refusal::NotStarted));
            }
            match attendance {
                Some(a) => kept.insert(*day, *a),
                None => kept.remove(day),
            };
        }
        let attendance = summary(days.iter().map(|d| kept.get(d).copied()));
        if mark.completed && attendance != Some(Attendance::Attended) {
            return Err(conflict(Refusal::NotAttended));
        }
        if before.code.is_some() && !mark.completed {
            return Err(conflict(Refusal::CompletionFinal));
        }
        if prior == kept && before.attendance == attendance && before.completed_at.is_some() == mark.completed {
            return Ok((false, before.code));
        }
        for day in days.iter().filter(|d| unkept || prior.get(d) != kept.get(d)) {
            set_day(tx, mark.enrolment_id, *day, kept.get(day).copied()).await?;
        }
        let completed_at = if mark.completed { Some(before.completed_at.unwrap_or(now)) } else { None };
        if !set_marks(tx, mark.enrolment_id, attendance, completed_at, now).await? {
            return Err(conflict(Refusal::NotOnRoster));
        }
        let code = match (mark.completed, before.code) {
            (true, None) => self.certificates.issue_in(tx, mark.enrolment_id, now).await?,
            (_, code) => code,
        };
        let mut diff = Diff::default();
        if before.attendance != attendance {
            diff.field("attendance", label(before.attendance), label(attendance));
        }
        for day in days.iter().filter(|d| unkept || prior.get(d) != kept.get(d)) {
            diff.field(&format!("attendance {day}"), label(prior.get(day).copied()), label(kept.get(day).copied()));
        }
        if before.completed_at.is_some() != mark.completed {
            diff.field("completed", before.completed_at.is_some(), mark.completed);
        }
        let change = Change {
            action: "enrolment.marked",
            entity: "enrolment",
            entity_id: mark.enrolment_id,
            about: Some(before.user_id),
            diff: &diff,
        };
        Acting::from(actor).record_in(tx, change).await?;
        Ok((true, code))
    }
}

/// The days marked of one enrolment.
async fn day_marks_of(tx: &mut Tx, enrolment_id: i64) -> Result<HashMap<NaiveDate, Attendance>, sqlx::Error> {
    let rows: Vec<(String, Attendance)> = with_tx!(tx, |conn| {
        sqlx::query_as("SELECT day, attendance FROM attendance_days WHERE enrolment_id = $1")
            .bind(enrolment_id)
            .fetch_all(conn)
            .await
    })?;
    Ok(rows.into_iter().filter_map(|(day, a)| Some((day.parse().ok()?, a))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(tz: Tz, y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        tz.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_session_runs_over_each_local_day_from_its_start_to_its_end() {
        let tz = chrono_tz::Europe::Berlin;
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
        assert_eq!(session_days(at(tz, 2026, 3, 9, 9), at(tz, 2026, 3, 9, 17), tz), vec![day(9)]);
        assert_eq!(session_days(at(tz, 2026, 3, 9, 9), at(tz, 2026, 3, 11, 17), tz), vec![day(9), day(10), day(11)]);
        // Ending at midnight is not running on the next day.
        assert_eq!(session_days(at(tz, 2026, 3, 9, 18), at(tz, 2026, 3, 10, 0), tz), vec![day(9)]);
        // The days are the academy's, not UTC's: 00:30 in Berlin is the day before in UTC.
        assert_eq!(
            session_days(at(tz, 2026, 3, 10, 0) + Duration::minutes(30), at(tz, 2026, 3, 10, 2), tz),
            vec![day(10)]
        );
    }

    #[test]
    fn each_day_begins_at_the_sessions_local_start_time_across_summer_time() {
        let tz = chrono_tz::Europe::Berlin;
        let starts = at(tz, 2026, 3, 28, 9);
        let sunday = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
        assert_eq!(day_begins(sunday, starts, tz), at(tz, 2026, 3, 29, 9));
        assert_eq!(day_begins(sunday, starts, tz) - starts, Duration::hours(23));
    }

    #[test]
    fn the_summary_is_attended_on_any_day_and_a_no_show_only_when_every_marked_day_was_missed() {
        use Attendance::*;
        assert_eq!(summary([None, None]), None);
        assert_eq!(summary([Some(NoShow), Some(Attended), None]), Some(Attended));
        assert_eq!(summary([Some(NoShow), None]), Some(NoShow));
        assert_eq!(marks_of(&[NaiveDate::MIN, NaiveDate::MAX], None, Some(NoShow)), vec![Some(NoShow), Some(NoShow)]);
    }
}
