//! Rosters: who holds a seat in a session (and who waits, in order), and
//! marking each learner attended or no-show, and completed. Staff see every
//! roster; an instructor sees the rosters of the sessions they teach, and
//! no other (a session not theirs is not found, as for anyone's data).
//!
//! Completing a course that awards a certificate issues it, in the same
//! transaction as the completion.

use super::attendance;
use super::data::{Roster, RosterDay, RosterSummary};
use super::{Enrolments, store};
use crate::error::AppError;
use crate::model::account::{Role, User};
use crate::model::enrolment::{Attendance, EnrolmentStatus, RosterEntry};
use crate::model::query::Mode;
use crate::server::db::{Tx, with_tx};
use crate::server::error::Error;
use chrono::{DateTime, Utc};

/// What the roster needs of its session, beyond `SessionFacts`.
#[derive(sqlx::FromRow)]
pub(super) struct RosterSession {
    capacity: i64,
    seats_taken: i64,
    awards_certificate: bool,
    instructor_user_id: Option<i64>,
}

async fn roster_session(tx: &mut Tx, session_id: i64) -> Result<Option<RosterSession>, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT s.capacity, s.seats_taken, c.awards_certificate, i.user_id AS instructor_user_id
             FROM course_sessions s JOIN courses c ON c.id = s.course_id
             LEFT JOIN instructors i ON i.id = s.instructor_id WHERE s.id = $1",
        )
        .bind(session_id)
        .fetch_optional(conn)
        .await
    })
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: i64,
    name: String,
    email: String,
    status: EnrolmentStatus,
    waitlist_position: Option<i64>,
    attendance: Option<Attendance>,
    completed_at: Option<DateTime<Utc>>,
    code: Option<String>,
    revoked_at: Option<DateTime<Utc>>,
}

async fn entries(tx: &mut Tx, session_id: i64) -> Result<Vec<EntryRow>, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT e.id, u.name, u.email, e.status, e.waitlist_position, e.attendance, e.completed_at,
                    k.code, k.revoked_at
             FROM enrolments e JOIN users u ON u.id = e.user_id
             LEFT JOIN certificates k ON k.enrolment_id = e.id
             WHERE e.session_id = $1 AND e.status <> 'cancelled'
             ORDER BY CASE WHEN e.status = 'confirmed' THEN 0 ELSE 1 END, e.waitlist_position, u.name, e.id",
        )
        .bind(session_id)
        .fetch_all(conn)
        .await
    })
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: i64,
    course_title: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    location: Option<String>,
    mode: Mode,
    seats_taken: i64,
    capacity: i64,
}

/// How far back and ahead the list of rosters reaches, in days.
const ROSTERS_BACK: i64 = 60;
const ROSTERS_AHEAD: i64 = 90;

/// Which rosters a list shows (instants in UTC; `None` for the default
/// window) and which page of them.
#[derive(Clone, Debug, Default)]
pub struct RosterFilter {
    pub q: String,
    /// A campus's slug, or `online`.
    pub campus: Option<String>,
    pub from: Option<chrono::DateTime<Utc>>,
    pub until: Option<chrono::DateTime<Utc>>,
    pub offset: i64,
    pub limit: i64,
}

impl Enrolments {
    /// The sessions whose rosters `actor` may open, soonest first: every
    /// session for staff, their own for an instructor; by default from two
    /// months back to three ahead, else between the filter's instants,
    /// narrowed by course title and campus, a page at a time.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = actor.id))]
    pub async fn rosters(&self, actor: &User, filter: &RosterFilter) -> Result<Vec<RosterSummary>, Error> {
        use crate::server::sql::{Arg, Sql};
        if !actor.role.includes(Role::Instructor) {
            return Err(Error::Refused(AppError::Forbidden));
        }
        let now = Utc::now();
        let mut sql = Sql::new(
            "SELECT s.id, c.title AS course_title, s.starts_at, s.ends_at, l.name AS location, s.mode,
                    s.seats_taken, s.capacity
             FROM course_sessions s JOIN courses c ON c.id = s.course_id
             LEFT JOIN locations l ON l.id = s.location_id LEFT JOIN instructors i ON i.id = s.instructor_id
             WHERE s.status <> 'cancelled' AND s.starts_at > ",
        );
        sql.bind(Arg::Time(filter.from.unwrap_or(now - chrono::Duration::days(ROSTERS_BACK))));
        sql.push(" AND s.starts_at < ")
            .bind(Arg::Time(filter.until.unwrap_or(now + chrono::Duration::days(ROSTERS_AHEAD))));
        if !actor.role.includes(Role::Staff) {
            sql.push(" AND i.user_id = ").bind(Arg::Int(actor.id));
        }
        if !filter.q.trim().is_empty() {
            let pattern = crate::server::sql::like_pattern(&filter.q);
            sql.push(" AND lower(c.title) LIKE ").bind(Arg::Text(pattern)).push(" ESCAPE '\\'");
        }
        match filter.campus.as_deref() {
            None => {}
            Some("online") => {
                sql.push(" AND s.location_id IS NULL");
            }
            Some(slug) => {
                sql.push(" AND l.slug = ").bind(Arg::Text(slug.to_string()));
            }
        }
        sql.push(&format!(
            " ORDER BY s.starts_at, s.id LIMIT {} OFFSET {}",
            filter.limit.clamp(1, 500),
            filter.offset.max(0)
        ));
        let rows: Vec<SummaryRow> = sql.fetch_all(&self.db).await?;
        Ok(rows
            .into_iter()
            .map(|row| RosterSummary {
                session_id: row.id,
                course_title: row.course_title,
                starts_at: row.starts_at,
                ends_at: row.ends_at,
                mode: row.mode,
                location: row.location,
                seats_taken: row.seats_taken,
                capacity: row.capacity,
            })
            .collect())
    }

    /// Whether `actor` may see and mark the roster of `session_id`:
    /// staff, or the session's own instructor. A learner is refused; an
    /// instructor of other sessions is told there is no such session.
    pub(super) async fn roster_access(tx: &mut Tx, actor: &User, session_id: i64) -> Result<RosterSession, Error> {
        if !actor.role.includes(Role::Instructor) {
            return Err(Error::Refused(AppError::Forbidden));
        }
        let session = roster_session(tx, session_id).await?.ok_or(Error::NotFound)?;
        if actor.role.includes(Role::Staff) || session.instructor_user_id == Some(actor.id) {
            Ok(session)
        } else {
            Err(Error::NotFound)
        }
    }

    /// The roster of a session: confirmed seats by name, then the waitlist
    /// in order.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = actor.id, session_id))]
    pub async fn roster(&self, actor: &User, session_id: i64) -> Result<Roster, Error> {
        let mut tx = self.db.begin().await?;
        let access = Self::roster_access(&mut tx, actor, session_id).await?;
        let session = store::session_facts(&mut tx, session_id).await?.ok_or(Error::NotFound)?;
        let rows = entries(&mut tx, session_id).await?;
        let days = attendance::session_days(session.starts_at, session.ends_at, self.tz);
        let mut marked = attendance::day_marks(&mut tx, session_id).await?;
        let manage = actor.role.includes(Role::Staff);
        let other_dates = match manage {
            true => store::dates_of_course(&mut tx, session.course_id, session_id, chrono::Utc::now()).await?,
            false => Vec::new(),
        };
        tx.commit().await?;
        Ok(Roster {
            status: session.status.clone(),
            manage,
            other_dates,
            session_id,
            course_title: session.course_title,
            course_slug: session.course_slug,
            starts_at: session.starts_at,
            ends_at: session.ends_at,
            mode: session.mode,
            location: session.location,
            capacity: access.capacity,
            seats_taken: access.seats_taken,
            awards_certificate: access.awards_certificate,
            days: days
                .iter()
                .map(|day| RosterDay { day: *day, begins_at: attendance::day_begins(*day, session.starts_at, self.tz) })
                .collect(),
            entries: rows
                .into_iter()
                .map(|row| RosterEntry {
                    enrolment_id: row.id,
                    learner_name: row.name,
                    learner_email: row.email,
                    status: row.status,
                    waitlist_position: row.waitlist_position,
                    days: attendance::marks_of(&days, marked.remove(&row.id).as_ref(), row.attendance),
                    attendance: row.attendance,
                    completed: row.completed_at.is_some(),
                    certificate_revoked: row.revoked_at.is_some(),
                    certificate: row.code,
                })
                .collect(),
        })
    }
}
