//! The back office's first page, as figures: enrolments by week, how full
//! the coming sessions are, certificates issued and enquiries waiting.
//! Weeks are the academy's (Monday to Sunday in its zone).

use crate::model::account::{Role, User};
use crate::server::auth::must_be;
use crate::server::db::Db;
use crate::server::error::Error;
use crate::server::sql::{Arg, Sql};
use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// How many weeks the chart covers.
pub const WEEKS: usize = 12;
/// How far ahead the list of coming sessions looks.
pub const AHEAD_DAYS: u64 = 14;

/// A coming session and how full it is.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionFill {
    pub session_id: i64,
    pub course_title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity: i64,
    pub seats_taken: i64,
    pub waitlisted: i64,
}

#[derive(Clone, Debug)]
pub struct Dashboard {
    /// Monday of each week and the enrolments made in it, oldest first;
    /// the last is this week.
    pub weeks: Vec<(NaiveDate, i64)>,
    pub sessions: Vec<SessionFill>,
    pub certificates_last_30_days: i64,
    pub certificates: i64,
    pub open_enquiries: i64,
}

/// Midnight starting `date` in `tz`, as an instant.
pub fn midnight(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    tz.from_local_datetime(&date.and_time(NaiveTime::MIN))
        .earliest()
        .unwrap_or_else(|| tz.from_utc_datetime(&date.and_time(NaiveTime::MIN)))
        .with_timezone(&Utc)
}

/// The start of a filter's day in `tz`, `days_after` days on (1 for the
/// end of a "to" date): the back office's date filters all read days so.
pub fn day_start(tz: Tz, day: crate::model::date::Date, days_after: u64) -> Option<DateTime<Utc>> {
    let date = NaiveDate::from_ymd_opt(day.year, day.month, day.day)?.checked_add_days(Days::new(days_after))?;
    Some(midnight(tz, date))
}

/// The Mondays of the last `WEEKS` weeks in `tz`, oldest first.
pub fn mondays(tz: Tz, now: DateTime<Utc>) -> Vec<NaiveDate> {
    let today = now.with_timezone(&tz).date_naive();
    let this_monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
    (0..WEEKS as u64).rev().map(|back| this_monday - Days::new(7 * back)).collect()
}

pub async fn load(db: &Db, actor: &User, tz: Tz, now: DateTime<Utc>) -> Result<Dashboard, Error> {
    must_be(actor, Role::Staff)?;
    let mondays = mondays(tz, now);
    // One pass over the enrolments, a sum per week.
    let mut weekly = Sql::new("SELECT ");
    for (i, monday) in mondays.iter().enumerate() {
        let next = *monday + Days::new(7);
        if i > 0 {
            weekly.push(", ");
        }
        weekly.push("COALESCE(SUM(CASE WHEN created_at >= ").bind(Arg::Time(midnight(tz, *monday)));
        weekly.push(" AND created_at < ").bind(Arg::Time(midnight(tz, next))).push(" THEN 1 ELSE 0 END), 0)");
    }
    weekly.push(" FROM enrolments WHERE created_at >= ").bind(Arg::Time(midnight(tz, mondays[0])));
    let mut conn = db.acquire().await?;
    let counts: Vec<i64> = weekly.fetch_row_of_counts_on(&mut conn, WEEKS).await?;
    let mut sessions = Sql::new(
        "SELECT s.id AS session_id, c.title AS course_title, s.starts_at, s.ends_at, s.capacity, s.seats_taken, \
         (SELECT COUNT(*) FROM enrolments e WHERE e.session_id = s.id AND e.status = 'waitlisted') AS waitlisted \
         FROM course_sessions s JOIN courses c ON c.id = s.course_id \
         WHERE s.status = 'scheduled' AND s.starts_at > ",
    );
    sessions.bind(Arg::Time(now)).push(" AND s.starts_at < ").bind(Arg::Time(now + Days::new(AHEAD_DAYS)));
    sessions.push(" ORDER BY s.starts_at, s.id LIMIT 200");
    let sessions = sessions.fetch_all_on::<SessionFill>(&mut conn).await?;
    let mut recent = Sql::new("SELECT COUNT(*) FROM certificates WHERE revoked_at IS NULL AND issued_at >= ");
    recent.bind(Arg::Time(now - chrono::Duration::days(30)));
    let certificates_last_30_days = recent.fetch_count_on(&mut conn).await?;
    let certificates =
        Sql::new("SELECT COUNT(*) FROM certificates WHERE revoked_at IS NULL").fetch_count_on(&mut conn).await?;
    let open_enquiries = open_enquiries(&mut conn).await?;
    Ok(Dashboard {
        weeks: mondays.into_iter().zip(counts).collect(),
        sessions,
        certificates_last_30_days,
        certificates,
        open_enquiries,
    })
}

/// Enquiries not yet closed.
async fn open_enquiries(conn: &mut crate::server::db::Conn) -> Result<i64, sqlx::Error> {
    Sql::new("SELECT COUNT(*) FROM enquiries WHERE status <> 'closed'").fetch_count_on(conn).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_the_academys_monday() {
        let tz = chrono_tz::Europe::Malta;
        // Sunday 6 Dec 2026, 23:30 in Malta is still that Sunday.
        let now = Utc.with_ymd_and_hms(2026, 12, 6, 22, 30, 0).unwrap();
        let mondays = mondays(tz, now);
        assert_eq!(mondays.len(), WEEKS);
        assert_eq!(mondays.last(), NaiveDate::from_ymd_opt(2026, 11, 30).as_ref());
        assert_eq!(mondays[0], NaiveDate::from_ymd_opt(2026, 9, 14).unwrap());
        assert_eq!(midnight(tz, mondays[11]), Utc.with_ymd_and_hms(2026, 11, 29, 23, 0, 0).unwrap());
    }
}
