//! The SQL of course holds: which seat holds a course for a learner, so
//! that they have one live seat per course (`course_holds`, whose migration
//! says why a row and not a query). Taken after the session's lock, like
//! everything else in an enrolment's change.

use crate::server::db::{Tx, with_tx};
use chrono::{DateTime, Utc};

/// The seat that holds `course_id` for the learner at `now` (a confirmed
/// seat in a date of the course that has not ended and was not called
/// off): its enrolment and session.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn holder(
    tx: &mut Tx,
    user_id: i64,
    course_id: i64,
    now: DateTime<Utc>,
) -> Result<Option<(i64, i64)>, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT h.enrolment_id, e.session_id FROM course_holds h JOIN enrolments e ON e.id = h.enrolment_id
             WHERE h.user_id = $1 AND h.course_id = $2 AND h.until > $3",
        )
        .bind(user_id)
        .bind(course_id)
        .bind(now)
        .fetch_optional(conn)
        .await
    })
}

/// Makes the seat `enrolment_id` the one that holds the course for the
/// learner until `until`, unless another still does at `now`: `false`
/// then, and nothing changes. One statement whose condition reads only the
/// row it would replace, as it stands when this transaction has it: a seat
/// taken in another date at this very moment waits for that one's
/// transaction and then finds the row taken.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn acquire(
    tx: &mut Tx,
    user_id: i64,
    course_id: i64,
    enrolment_id: i64,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO course_holds (user_id, course_id, enrolment_id, until) VALUES ($1, $2, $3, $4)
             ON CONFLICT (user_id, course_id)
             DO UPDATE SET enrolment_id = excluded.enrolment_id, until = excluded.until
             WHERE course_holds.until <= $5",
        )
        .bind(user_id)
        .bind(course_id)
        .bind(enrolment_id)
        .bind(until)
        .bind(now)
        .execute(conn)
        .await
        .map(|done| done.rows_affected() == 1)
    })
}

/// The seat `enrolment_id` no longer holds its course (cancelled, or moved:
/// the seat it moved to takes the hold).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn release(tx: &mut Tx, enrolment_id: i64) -> Result<(), sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query("DELETE FROM course_holds WHERE enrolment_id = $1").bind(enrolment_id).execute(conn).await.map(drop)
    })
}

/// The seats of the session hold their course until `until`: its new end
/// when it moves to other times, now when the academy calls it off (its
/// learners may then book another date).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn hold_session_until(tx: &mut Tx, session_id: i64, until: DateTime<Utc>) -> Result<(), sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE course_holds SET until = $2
             WHERE enrolment_id IN (SELECT id FROM enrolments WHERE session_id = $1)",
        )
        .bind(session_id)
        .bind(until)
        .execute(conn)
        .await
        .map(drop)
    })
}
