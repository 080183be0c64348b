//! The SQL of enrolments. Every statement reads the same on both backends;
//! the ones that change a session's seats or waitlist update its row first,
//! which locks it (PostgreSQL) or runs under the writer lock taken up front
//! (SQLite `BEGIN IMMEDIATE`), so what follows in the transaction sees a
//! session nobody else is changing.

use crate::model::enrolment::{Attendance, EnrolmentStatus};
use crate::model::query::Mode;
use crate::server::calendar::SessionEntry;
use crate::server::db::{Db, Tx, with_pool, with_tx};
use crate::server::jobs::queue::{self, NewJob};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The job kind that tells a learner of a new enrolment.
pub const ENROLLED: &str = "enrolment.enrolled";

/// What an `enrolment.enrolled` job was queued for (see `notices`, which
/// runs it). PostgreSQL builds the same object in SQL ([`enrol`]); the
/// tests run both backends.
#[derive(Debug, Serialize, Deserialize)]
pub struct Notice {
    pub enrolment_id: i64,
    pub session_id: i64,
    pub status: EnrolmentStatus,
}

impl Notice {
    pub fn job(&self, user_id: i64) -> NewJob {
        let payload = serde_json::to_value(self).expect("a notice serializes");
        NewJob::new(ENROLLED, payload).about(Some(user_id))
    }
}

/// What the rules need to know of a session and its course.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionFacts {
    pub id: i64,
    pub course_id: i64,
    pub course_slug: String,
    pub course_title: String,
    pub published: bool,
    pub cutoff_hours: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub mode: Mode,
    pub location: Option<String>,
    pub location_address: Option<String>,
    pub location_city: Option<String>,
    pub course_summary: String,
    pub status: String,
    pub revision: i64,
    /// The course's price now, in cents of `currency`.
    pub price_cents: i64,
    pub currency: String,
}

impl SessionFacts {
    /// Where it is held, in full: "Valletta campus, 12 Triq il-Merkanti,
    /// Valletta", or "Online".
    pub fn place_line(&self) -> String {
        match &self.location {
            Some(name) => [Some(name.as_str()), self.location_address.as_deref(), self.location_city.as_deref()]
                .into_iter()
                .flatten()
                .filter(|part| !part.trim().is_empty())
                .collect::<Vec<_>>()
                .join(", "),
            None => self.mode.label().to_string(),
        }
    }

    /// The session as a calendar shows it to a learner whose enrolment
    /// stands at `status`.
    pub fn calendar_entry(&self, status: Option<EnrolmentStatus>) -> SessionEntry {
        SessionEntry {
            id: self.id,
            course_slug: self.course_slug.clone(),
            course_title: self.course_title.clone(),
            course_summary: self.course_summary.clone(),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            status: self.status.clone(),
            revision: self.revision,
            location_name: self.location.clone(),
            location_address: self.location_address.clone(),
            location_city: self.location_city.clone(),
            enrolment_status: status,
        }
    }
}

/// The facts of a session, by id ($1).
const SESSION_FACTS: &str = "SELECT s.id, s.course_id, c.slug AS course_slug, c.title AS course_title, c.published,
            c.cancellation_cutoff_hours AS cutoff_hours, s.starts_at, s.ends_at, s.mode,
            l.name AS location, l.address AS location_address, l.city AS location_city,
            c.summary AS course_summary, s.status, s.revision, c.price_cents, c.currency
     FROM course_sessions s JOIN courses c ON c.id = s.course_id
     LEFT JOIN locations l ON l.id = s.location_id
     WHERE s.id = $1";

#[tracing::instrument(level = "debug", skip_all)]
pub async fn session_facts(tx: &mut Tx, session_id: i64) -> Result<Option<SessionFacts>, sqlx::Error> {
    with_tx!(tx, |conn| sqlx::query_as(SESSION_FACTS).bind(session_id).fetch_optional(conn).await)
}

/// The session's facts, with its row locked until the transaction ends.
///
/// This is the first step of every change to a session's seats, its
/// waitlist or one of its enrolments: whoever holds the lock changes the
/// session alone, and reads (after taking it) what the one before them
/// committed. Under PostgreSQL's READ COMMITTED a plain read would not do:
/// two requests would both see a seat as confirmed and both give it up.
/// When several sessions are locked (a move, an account's deletion), they
/// are locked in ascending id order, so two such requests cannot deadlock.
///
/// Backends differ here: PostgreSQL locks the row (`FOR UPDATE`); SQLite
/// has one writer at a time, whose lock every write transaction takes
/// when it begins (`BEGIN IMMEDIATE`), so the read alone is enough.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn lock_session(tx: &mut Tx, session_id: i64) -> Result<Option<SessionFacts>, sqlx::Error> {
    match tx {
        Tx::Postgres(conn) => {
            let sql = format!("{SESSION_FACTS} FOR UPDATE OF s");
            sqlx::query_as(&sql).bind(session_id).fetch_optional(&mut **conn).await
        }
        Tx::Sqlite(conn) => sqlx::query_as(SESSION_FACTS).bind(session_id).fetch_optional(&mut **conn).await,
    }
}

/// Two sessions locked ([`lock_session`]) in ascending id order, whatever
/// the order asked, so two requests locking the same pair cannot deadlock;
/// their facts in the order asked.
pub async fn lock_sessions(
    tx: &mut Tx,
    first: i64,
    second: i64,
) -> Result<(Option<SessionFacts>, Option<SessionFacts>), sqlx::Error> {
    if first <= second {
        let first = lock_session(tx, first).await?;
        Ok((first, lock_session(tx, second).await?))
    } else {
        let second = lock_session(tx, second).await?;
        Ok((lock_session(tx, first).await?, second))
    }
}

/// Takes one confirmed seat if one is free and the session is still open:
/// one conditional statement, which the seats' CHECK backs up.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn take_seat(tx: &mut Tx, session_id: i64, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE course_sessions SET seats_taken = seats_taken + 1, updated_at = $2
             WHERE id = $1 AND seats_taken < capacity AND status = 'scheduled' AND starts_at > $2",
        )
        .bind(session_id)
        .bind(now)
        .execute(conn)
        .await
        .map(|done| done.rows_affected() == 1)
    })
}

/// Takes a seat when one is free and nobody waits for it, otherwise a
/// place at the end of the waitlist, in one statement on the session row
/// ($1, at $2), so a rush on one session waits for its row once per
/// enrolment, not twice. Returns the waitlist's new length: 0 for a
/// confirmed seat, `n` for position `n`; no row when the session is no
/// longer open. Nobody takes a seat ahead of those waiting for one.
const CLAIM_PLACE: &str = "UPDATE course_sessions
     SET seats_taken = seats_taken
             + CASE WHEN seats_taken < capacity AND waitlist_length = 0 THEN 1 ELSE 0 END,
         waitlist_length = waitlist_length
             + CASE WHEN seats_taken < capacity AND waitlist_length = 0 THEN 0 ELSE 1 END,
         updated_at = $2
     WHERE id = $1 AND status = 'scheduled' AND starts_at > $2
     RETURNING waitlist_length";

/// [`CLAIM_PLACE`]: `Some(0)` a confirmed seat, `Some(n)` position `n` on
/// the waitlist, `None` the session is no longer open.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn claim_place(tx: &mut Tx, session_id: i64, now: DateTime<Utc>) -> Result<Option<i64>, sqlx::Error> {
    with_tx!(tx, |conn| sqlx::query_scalar(CLAIM_PLACE).bind(session_id).bind(now).fetch_optional(conn).await)
}

/// Claims a seat or a waitlist place ([`CLAIM_PLACE`]), records the
/// learner's enrolment there and queues the job that tells them
/// ([`Notice`]): its id and waitlist position, or `None` when the session
/// is no longer open. A second live enrolment of the learner breaks the
/// unique index (`enrolments_live`).
///
/// Backends differ here. PostgreSQL does all three in one statement, so
/// the session row, locked by the claim, is held for that statement and
/// the commit only in a rush on one session; SQLite, whose writer runs
/// alone anyway, does them one after the other.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn enrol(
    tx: &mut Tx,
    session_id: i64,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<Option<(i64, Option<i64>)>, sqlx::Error> {
    if let Tx::Postgres(conn) = tx {
        let notice = queue::insert_rows(&format!(
            "SELECT '{ENROLLED}' AS kind, \
                    json_build_object('enrolment_id', id, 'session_id', session_id, 'status', status)::text AS payload, \
                    created_at, user_id AS subject_user_id \
             FROM enrolled"
        ));
        let sql = format!(
            "WITH claimed AS ({CLAIM_PLACE}),
             enrolled AS (
                 INSERT INTO enrolments (session_id, user_id, status, waitlist_position, created_at, updated_at)
                 SELECT $1, $3, CASE WHEN waitlist_length = 0 THEN 'confirmed' ELSE 'waitlisted' END,
                        NULLIF(waitlist_length, 0), $2, $2
                 FROM claimed
                 RETURNING id, session_id, user_id, status, waitlist_position, created_at),
             noticed AS ({notice})
             SELECT id, waitlist_position FROM enrolled"
        );
        return sqlx::query_as(&sql).bind(session_id).bind(now).bind(user_id).fetch_optional(&mut **conn).await;
    }
    let Some(length) = claim_place(tx, session_id, now).await? else { return Ok(None) };
    let position = (length > 0).then_some(length);
    let status = if position.is_some() { EnrolmentStatus::Waitlisted } else { EnrolmentStatus::Confirmed };
    let new =
        NewEnrolment { session_id, user_id, status, waitlist_position: position, moved_from: None, order_id: None };
    let id = insert(tx, &new, now).await?;
    queue::enqueue_in(tx, Notice { enrolment_id: id, session_id, status }.job(user_id)).await?;
    Ok(Some((id, position)))
}

/// Puts the enrolment `id` on the order `order_id` that pays for it.
pub async fn set_order(tx: &mut Tx, id: i64, order_id: i64) -> Result<(), sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query("UPDATE enrolments SET order_id = $2 WHERE id = $1")
            .bind(id)
            .bind(order_id)
            .execute(conn)
            .await
            .map(|_| ())
    })?;
    Ok(())
}

/// Gives back one confirmed seat; `false` if the session counts none (its
/// counts disagree with its enrolments, which `check-seats` reports).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn free_seat(tx: &mut Tx, session_id: i64, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE course_sessions SET seats_taken = seats_taken - 1, updated_at = $2
             WHERE id = $1 AND seats_taken > 0",
        )
        .bind(session_id)
        .bind(now)
        .execute(conn)
        .await
        .map(|done| done.rows_affected() == 1)
    })
}

/// Where the rows behind a gap go first when SQLite closes it: above any
/// position a waitlist reaches, so no row lands on another's number.
const SHIFT_ASIDE: i64 = 1 << 40;

/// Closes the gap a waitlisted enrolment at `position` leaves: everyone
/// behind it moves up one, and the waitlist is one shorter. Runs under the
/// session's lock ([`lock_session`]), with `position` read after it.
///
/// Backends differ here: each waitlisted enrolment's position is unique
/// in its session. PostgreSQL checks that at the end of the statement
/// (a deferrable constraint), so one UPDATE moves everyone up; SQLite
/// checks it row by row in an order of its own, so the rows are moved out
/// of the way first and then into place.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn close_gap(tx: &mut Tx, session_id: i64, position: i64, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    const MOVE_UP: &str = "UPDATE enrolments SET waitlist_position = waitlist_position - 1, updated_at = $3
         WHERE session_id = $1 AND status = 'waitlisted' AND waitlist_position > $2";
    const SHORTER: &str = "UPDATE course_sessions SET waitlist_length = waitlist_length - 1 WHERE id = $1";
    match tx {
        Tx::Postgres(conn) => {
            sqlx::query(MOVE_UP).bind(session_id).bind(position).bind(now).execute(&mut **conn).await?;
            sqlx::query(SHORTER).bind(session_id).execute(&mut **conn).await?;
        }
        Tx::Sqlite(conn) => {
            sqlx::query(
                "UPDATE enrolments SET waitlist_position = waitlist_position + $3
                 WHERE session_id = $1 AND status = 'waitlisted' AND waitlist_position > $2",
            )
            .bind(session_id)
            .bind(position)
            .bind(SHIFT_ASIDE)
            .execute(&mut **conn)
            .await?;
            sqlx::query(
                "UPDATE enrolments SET waitlist_position = waitlist_position - $3 - 1, updated_at = $4
                 WHERE session_id = $1 AND status = 'waitlisted' AND waitlist_position > $2",
            )
            .bind(session_id)
            .bind(SHIFT_ASIDE)
            .bind(SHIFT_ASIDE)
            .bind(now)
            .execute(&mut **conn)
            .await?;
            sqlx::query(SHORTER).bind(session_id).execute(&mut **conn).await?;
        }
    }
    Ok(())
}

pub struct NewEnrolment {
    pub session_id: i64,
    pub user_id: i64,
    pub status: EnrolmentStatus,
    pub waitlist_position: Option<i64>,
    /// The enrolment this one's seat moved from; an enrolment moves once
    /// (a unique index, `enrolments_moved_from`).
    pub moved_from: Option<i64>,
    /// The order that pays for the seat (a moved seat keeps its order).
    pub order_id: Option<i64>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert(tx: &mut Tx, new: &NewEnrolment, now: DateTime<Utc>) -> Result<i64, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query_scalar(
            "INSERT INTO enrolments (session_id, user_id, status, waitlist_position, moved_from, order_id, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
        )
        .bind(new.session_id)
        .bind(new.user_id)
        .bind(new.status)
        .bind(new.waitlist_position)
        .bind(new.moved_from)
        .bind(new.order_id)
        .bind(now)
        .fetch_one(conn)
        .await
    })
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EnrolmentRow {
    pub id: i64,
    pub session_id: i64,
    pub user_id: i64,
    pub status: EnrolmentStatus,
    pub waitlist_position: Option<i64>,
    /// The order that pays for the seat, if one does.
    pub order_id: Option<i64>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn enrolment(tx: &mut Tx, id: i64) -> Result<Option<EnrolmentRow>, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT id, session_id, user_id, status, waitlist_position, order_id FROM enrolments WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(conn)
        .await
    })
}

/// The learner's live enrolment in a session, if any.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn live_enrolment(tx: &mut Tx, session_id: i64, user_id: i64) -> Result<Option<EnrolmentRow>, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT id, session_id, user_id, status, waitlist_position, order_id FROM enrolments
             WHERE session_id = $1 AND user_id = $2 AND status <> 'cancelled'",
        )
        .bind(session_id)
        .bind(user_id)
        .fetch_optional(conn)
        .await
    })
}

/// Every live enrolment in a session.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn live_in_session(tx: &mut Tx, session_id: i64) -> Result<Vec<EnrolmentRow>, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT id, session_id, user_id, status, waitlist_position, order_id FROM enrolments
             WHERE session_id = $1 AND status <> 'cancelled' ORDER BY id",
        )
        .bind(session_id)
        .fetch_all(conn)
        .await
    })
}

/// Every live enrolment of a learner.
#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
pub async fn live_of(tx: &mut Tx, user_id: i64) -> Result<Vec<EnrolmentRow>, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT id, session_id, user_id, status, waitlist_position, order_id FROM enrolments
             WHERE user_id = $1 AND status <> 'cancelled' ORDER BY session_id, id",
        )
        .bind(user_id)
        .fetch_all(conn)
        .await
    })
}

/// The learner's places on waitlists of the course's dates: with a seat
/// of the course held, each is a request to move it there.
pub async fn waiting_in_course(tx: &mut Tx, user_id: i64, course_id: i64) -> Result<Vec<EnrolmentRow>, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT e.id, e.session_id, e.user_id, e.status, e.waitlist_position, e.order_id
             FROM enrolments e JOIN course_sessions s ON s.id = e.session_id
             WHERE e.user_id = $1 AND s.course_id = $2 AND e.status = 'waitlisted' ORDER BY e.session_id, e.id",
        )
        .bind(user_id)
        .bind(course_id)
        .fetch_all(conn)
        .await
    })
}

/// Cancels the enrolment `id` if it is still `from` (confirmed or
/// waitlisted), as it was read under its session's lock: `false` when it
/// is not, so a transition is made once, never twice.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn mark_cancelled(
    tx: &mut Tx,
    id: i64,
    from: EnrolmentStatus,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE enrolments SET status = 'cancelled', waitlist_position = NULL, cancelled_at = $2, updated_at = $2
             WHERE id = $1 AND status = $3 AND status <> 'cancelled'",
        )
        .bind(id)
        .bind(now)
        .bind(from)
        .execute(conn)
        .await
        .map(|done| done.rows_affected() == 1)
    })
}

/// The first of the session's waitlist, if anyone is on it.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn first_waitlisted(tx: &mut Tx, session_id: i64) -> Result<Option<EnrolmentRow>, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT id, session_id, user_id, status, waitlist_position, order_id FROM enrolments
             WHERE session_id = $1 AND status = 'waitlisted' ORDER BY waitlist_position LIMIT 1",
        )
        .bind(session_id)
        .fetch_optional(conn)
        .await
    })
}

/// Confirms the waitlisted enrolment `id`: `false` if it is no longer
/// waitlisted.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn mark_confirmed(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE enrolments SET status = 'confirmed', waitlist_position = NULL, updated_at = $2
             WHERE id = $1 AND status = 'waitlisted'",
        )
        .bind(id)
        .bind(now)
        .execute(conn)
        .await
        .map(|done| done.rows_affected() == 1)
    })
}

/// Records that the enrolment `id`, promoted from the waitlist, holds the
/// seat moved in from `from` and paid by its order.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn moved_in(tx: &mut Tx, id: i64, from: i64, order_id: Option<i64>) -> Result<(), sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query("UPDATE enrolments SET moved_from = $2, order_id = $3 WHERE id = $1")
            .bind(id)
            .bind(from)
            .bind(order_id)
            .execute(conn)
            .await
            .map(drop)
    })
}

/// Takes the next place on the session's waitlist, if it is open: the
/// position taken.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn join_waitlist(tx: &mut Tx, session_id: i64, now: DateTime<Utc>) -> Result<Option<i64>, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query_scalar(
            "UPDATE course_sessions SET waitlist_length = waitlist_length + 1, updated_at = $2
             WHERE id = $1 AND status = 'scheduled' AND starts_at > $2
             RETURNING waitlist_length",
        )
        .bind(session_id)
        .bind(now)
        .fetch_optional(conn)
        .await
    })
}

/// Whether the enrolment `id` has moved to another date (a newer
/// enrolment names it in `moved_from`).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn has_moved(tx: &mut Tx, id: i64) -> Result<bool, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM enrolments WHERE moved_from = $1)")
            .bind(id)
            .fetch_one(conn)
            .await
    })
}

/// Whom a mail about an enrolment goes to.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Recipient {
    pub name: String,
    pub email: String,
    pub verified: bool,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn recipient(tx: &mut Tx, user_id: i64) -> Result<Option<Recipient>, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT name, email, email_verified_at IS NOT NULL AS verified FROM users
             WHERE id = $1 AND deleted_at IS NULL",
        )
        .bind(user_id)
        .fetch_optional(conn)
        .await
    })
}

/// An enrolment as its learner's dashboard lists it: live or given up,
/// with where its seat moved, if it did.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LearnerRow {
    pub id: i64,
    pub course_id: i64,
    pub attendance: Option<Attendance>,
    pub completed_at: Option<DateTime<Utc>>,
    pub status: EnrolmentStatus,
    pub waitlist_position: Option<i64>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub session_id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub mode: Mode,
    /// `scheduled`, `cancelled` or `completed`.
    pub session_status: String,
    pub location: Option<String>,
    pub location_address: Option<String>,
    pub location_city: Option<String>,
    pub course_slug: String,
    pub course_title: String,
    pub cutoff_hours: i64,
    /// The session the seat moved to (the enrolment that names this one
    /// in `moved_from`), if it moved.
    pub moved_to_starts_at: Option<DateTime<Utc>>,
    pub moved_to_ends_at: Option<DateTime<Utc>>,
}

/// A learner's enrolments ([`LearnerRow`]), to be narrowed by a WHERE
/// clause on `e` (the enrolment).
const LEARNER_ENROLMENTS: &str =
    "SELECT e.id, s.course_id, e.attendance, e.completed_at, e.status, e.waitlist_position,
            e.cancelled_at, s.id AS session_id, s.starts_at, s.ends_at, s.mode, s.status AS session_status,
            l.name AS location, l.address AS location_address, l.city AS location_city,
            c.slug AS course_slug, c.title AS course_title, c.cancellation_cutoff_hours AS cutoff_hours,
            moved.starts_at AS moved_to_starts_at, moved.ends_at AS moved_to_ends_at
     FROM enrolments e JOIN course_sessions s ON s.id = e.session_id JOIN courses c ON c.id = s.course_id
     LEFT JOIN locations l ON l.id = s.location_id
     LEFT JOIN enrolments successor ON successor.moved_from = e.id
     LEFT JOIN course_sessions moved ON moved.id = successor.session_id";

/// Every enrolment of the learner, soonest session first.
#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
pub async fn of_learner(db: &Db, user_id: i64) -> Result<Vec<LearnerRow>, sqlx::Error> {
    let sql = format!("{LEARNER_ENROLMENTS} WHERE e.user_id = $1 ORDER BY s.starts_at, e.id");
    with_pool!(db, |pool| sqlx::query_as(&sql).bind(user_id).fetch_all(pool).await)
}

/// The enrolment `id`, if it is the learner's.
#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
pub async fn learner_enrolment(db: &Db, user_id: i64, id: i64) -> Result<Option<LearnerRow>, sqlx::Error> {
    let sql = format!("{LEARNER_ENROLMENTS} WHERE e.user_id = $1 AND e.id = $2");
    with_pool!(db, |pool| sqlx::query_as(&sql).bind(user_id).bind(id).fetch_optional(pool).await)
}

/// An upcoming date of a course, with where it is held: where a seat
/// could move.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct OtherDate {
    pub id: i64,
    pub course_id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub mode: Mode,
    pub location: Option<String>,
    pub location_address: Option<String>,
    pub location_city: Option<String>,
    /// No seat is free: a seat moves there by waiting for one.
    pub full: bool,
}

/// The columns of an [`OtherDate`], of `s` (the session) and `l` (its campus).
const OTHER_DATE: &str = "s.id, s.course_id, s.starts_at, s.ends_at, s.mode,
            l.name AS location, l.address AS location_address, l.city AS location_city,
            s.seats_taken >= s.capacity AS full";

/// The upcoming dates of each published course the learner holds an
/// upcoming confirmed seat in, but for those they are already enrolled in
/// (or waiting for): where their seat could move, at once or (a full
/// date) by waiting for a seat there.
#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
pub async fn other_dates(db: &Db, user_id: i64, now: DateTime<Utc>) -> Result<Vec<OtherDate>, sqlx::Error> {
    let sql = format!(
        "SELECT {OTHER_DATE}
         FROM course_sessions s JOIN courses c ON c.id = s.course_id
         LEFT JOIN locations l ON l.id = s.location_id
         WHERE c.published AND s.status = 'scheduled' AND s.starts_at > $2
           AND s.course_id IN (SELECT mine.course_id FROM enrolments e
                               JOIN course_sessions mine ON mine.id = e.session_id
                               WHERE e.user_id = $1 AND e.status = 'confirmed' AND mine.starts_at > $2)
           AND NOT EXISTS (SELECT 1 FROM enrolments held
                           WHERE held.session_id = s.id AND held.user_id = $1 AND held.status <> 'cancelled')
         ORDER BY s.starts_at, s.id"
    );
    with_pool!(db, |pool| sqlx::query_as(&sql).bind(user_id).bind(now).fetch_all(pool).await)
}

/// The course's other upcoming scheduled dates, for staff moving a seat
/// (whether one is free is checked when the seat moves).
pub async fn dates_of_course(
    tx: &mut Tx,
    course_id: i64,
    except: i64,
    now: DateTime<Utc>,
) -> Result<Vec<OtherDate>, sqlx::Error> {
    let sql = format!(
        "SELECT {OTHER_DATE}
         FROM course_sessions s LEFT JOIN locations l ON l.id = s.location_id
         WHERE s.course_id = $1 AND s.id <> $2 AND s.status = 'scheduled' AND s.starts_at > $3
         ORDER BY s.starts_at, s.id LIMIT 100"
    );
    with_tx!(tx, |c| sqlx::query_as(&sql).bind(course_id).bind(except).bind(now).fetch_all(c).await)
}

/// The account with this address, if any.
pub async fn user_id_by_email(tx: &mut Tx, email: &str) -> Result<Option<i64>, sqlx::Error> {
    with_tx!(tx, |c| {
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1 AND deleted_at IS NULL")
            .bind(email)
            .fetch_optional(c)
            .await
    })
}

/// An enrolment of any status, as the learner's data export gives it.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct ExportRow {
    pub id: i64,
    pub course_title: String,
    pub session_id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub status: EnrolmentStatus,
    pub waitlist_position: Option<i64>,
    pub attendance: Option<Attendance>,
    pub completed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub moved_from: Option<i64>,
    pub order_id: Option<i64>,
}

/// Every enrolment of the learner, cancelled and moved ones too.
pub async fn all_of(db: &Db, user_id: i64) -> Result<Vec<ExportRow>, sqlx::Error> {
    with_pool!(db, |pool| {
        sqlx::query_as(
            "SELECT e.id, c.title AS course_title, s.id AS session_id, s.starts_at, s.ends_at, e.status,
                    e.waitlist_position, e.attendance, e.completed_at, e.created_at, e.cancelled_at, e.moved_from,
                    e.order_id
             FROM enrolments e JOIN course_sessions s ON s.id = e.session_id JOIN courses c ON c.id = s.course_id
             WHERE e.user_id = $1 ORDER BY e.id",
        )
        .bind(user_id)
        .fetch_all(pool)
        .await
    })
}

/// The learner's attendance day by day: (enrolment, day, attendance).
pub async fn days_of(db: &Db, user_id: i64) -> Result<Vec<(i64, String, Attendance)>, sqlx::Error> {
    with_pool!(db, |pool| {
        sqlx::query_as(
            "SELECT d.enrolment_id, d.day, d.attendance FROM attendance_days d
             JOIN enrolments e ON e.id = d.enrolment_id WHERE e.user_id = $1 ORDER BY d.enrolment_id, d.day",
        )
        .bind(user_id)
        .fetch_all(pool)
        .await
    })
}

/// The learner's live places in the sessions of the course `slug`:
/// (session, status, waitlist position).
pub async fn places_in_course(
    db: &Db,
    user_id: i64,
    slug: &str,
) -> Result<Vec<(i64, EnrolmentStatus, Option<i64>)>, sqlx::Error> {
    with_pool!(db, |pool| {
        sqlx::query_as(
            "SELECT e.session_id, e.status, e.waitlist_position FROM enrolments e
             JOIN course_sessions s ON s.id = e.session_id JOIN courses c ON c.id = s.course_id
             WHERE e.user_id = $1 AND c.slug = $2 AND e.status <> 'cancelled'",
        )
        .bind(user_id)
        .bind(slug)
        .fetch_all(pool)
        .await
    })
}
