//! Events, written in the transaction of the change they tell of: the
//! event exists if and only if the change does. An event is written only
//! when some enabled endpoint listens for its type (one indexed read when
//! none does), with one delivery per such endpoint and a job for each, in
//! the same transaction, so nothing is lost between the change and its
//! deliveries, and a change rolled back sends nothing.
//!
//! The body is built once, here, and kept as sent: every attempt of every
//! delivery carries the same bytes and the same `webhook-id`. It follows
//! the Standard Webhooks shape, `{"type", "timestamp", "data"}`, and
//! names the account it is about so that deleting the account deletes it.

use super::payloads::{
    CancelledSession, Certificate, CertificateEvent, Course, CourseEvent, CourseState, Enrollment, EnrollmentEvent,
    Learner, Session, SessionEvent,
};
use crate::model::webhook::EventType;
use crate::server::db::{Tx, with_tx};
use crate::server::jobs::queue::{self, NewJob};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

/// The job that delivers one event to one endpoint.
pub const DELIVER: &str = "webhook.deliver";

/// Whether an enabled endpoint listens for `kind`.
pub async fn listened(tx: &mut Tx, kind: EventType) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = with_tx!(tx, |c| sqlx::query_scalar(
        "SELECT s.endpoint_id FROM webhook_subscriptions s JOIN webhook_endpoints e ON e.id = s.endpoint_id \
         WHERE s.event_type = $1 AND e.enabled LIMIT 1"
    )
    .bind(kind.as_str())
    .fetch_optional(c)
    .await)?;
    Ok(found.is_some())
}

/// Writes the event `kind` with `data`, about the account `about`, and
/// queues its deliveries; nothing when no endpoint listens for it.
pub async fn write(
    tx: &mut Tx,
    kind: EventType,
    about: Option<i64>,
    data: impl serde::Serialize,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let data: Value = serde_json::to_value(data).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let payload = json!({
        "type": kind.as_str(),
        "timestamp": now.to_rfc3339_opts(SecondsFormat::Millis, true),
        "data": data,
    })
    .to_string();
    let webhook_id = super::signing::new_webhook_id();
    let deliveries: Vec<i64> = with_tx!(tx, |c| {
        let event: Option<i64> = sqlx::query_scalar(
            "INSERT INTO webhook_events (webhook_id, event_type, payload, subject_user_id, created_at) \
             SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM webhook_subscriptions s \
             JOIN webhook_endpoints e ON e.id = s.endpoint_id WHERE s.event_type = $2 AND e.enabled) RETURNING id",
        )
        .bind(&webhook_id)
        .bind(kind.as_str())
        .bind(&payload)
        .bind(about)
        .bind(now)
        .fetch_optional(&mut *c)
        .await?;
        match event {
            None => Ok(Vec::new()),
            Some(event) => {
                sqlx::query_scalar(
                    "INSERT INTO webhook_deliveries (event_id, endpoint_id, status, created_at) \
                     SELECT $1, s.endpoint_id, 'pending', $3 FROM webhook_subscriptions s \
                     JOIN webhook_endpoints e ON e.id = s.endpoint_id WHERE s.event_type = $2 AND e.enabled \
                     RETURNING id",
                )
                .bind(event)
                .bind(kind.as_str())
                .bind(now)
                .fetch_all(&mut *c)
                .await
            }
        }
    })?;
    for delivery in deliveries {
        queue::enqueue_in(tx, job(delivery, about)).await?;
    }
    Ok(())
}

/// The job that makes the next attempt at `delivery`.
pub fn job(delivery: i64, about: Option<i64>) -> NewJob {
    // The job's own retries (the queue's default attempts, with its
    // backoff) are for the database being unwell or a worker dying mid-run,
    // so that neither strands a delivery; the delivery's schedule of
    // attempts at the endpoint is kept by the delivery ([`super::delivery`]).
    NewJob::new(DELIVER, json!({ "delivery_id": delivery })).about(about)
}

/// What an enrolment event says, read in the change's transaction: the
/// enrolment as it now stands, its session and course, and its learner.
#[derive(sqlx::FromRow)]
struct EnrolmentFacts {
    id: i64,
    user_id: i64,
    status: String,
    waitlist_position: Option<i64>,
    moved_from: Option<i64>,
    session_id: i64,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    course_slug: String,
    course_title: String,
    learner_name: String,
    learner_email: String,
    order_reference: Option<String>,
}

/// Writes the event `kind` about enrolment `id`, if anyone listens.
/// `moved_from` names the enrolment a moved seat came from when the row
/// does not (a seat moved in from a waitlist place).
pub async fn enrolment(
    tx: &mut Tx,
    kind: EventType,
    id: i64,
    moved_from: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    if !listened(tx, kind).await? {
        return Ok(());
    }
    let facts: Option<EnrolmentFacts> = with_tx!(tx, |c| sqlx::query_as(
        "SELECT e.id, e.user_id, e.status, e.waitlist_position, e.moved_from, s.id AS session_id, s.starts_at, \
         s.ends_at, c.slug AS course_slug, c.title AS course_title, u.name AS learner_name, \
         u.email AS learner_email, o.reference AS order_reference \
         FROM enrolments e JOIN course_sessions s ON s.id = e.session_id JOIN courses c ON c.id = s.course_id \
         JOIN users u ON u.id = e.user_id LEFT JOIN orders o ON o.id = e.order_id WHERE e.id = $1"
    )
    .bind(id)
    .fetch_optional(c)
    .await)?;
    let Some(f) = facts else { return Ok(()) };
    let data = EnrollmentEvent {
        enrollment: Enrollment {
            id: f.id,
            status: f.status,
            waitlist_position: f.waitlist_position,
            moved_from: moved_from.or(f.moved_from),
            order_reference: f.order_reference,
        },
        session: Session {
            id: f.session_id,
            starts_at: instant(f.starts_at),
            ends_at: instant(f.ends_at),
            course: Course { slug: f.course_slug, title: f.course_title },
        },
        learner: Learner { id: f.user_id, name: f.learner_name, email: f.learner_email },
    };
    write(tx, kind, Some(f.user_id), data, now).await
}

#[derive(sqlx::FromRow)]
struct SessionFacts {
    id: i64,
    status: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    course_slug: String,
    course_title: String,
    confirmed: i64,
    waitlisted: i64,
}

/// Writes `session.cancelled` for session `id`, if anyone listens: the
/// session, its course, and how many seats and waitlist places it held.
pub async fn session_cancelled(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let kind = EventType::SessionCancelled;
    if !listened(tx, kind).await? {
        return Ok(());
    }
    let facts: Option<SessionFacts> = with_tx!(tx, |c| sqlx::query_as(
        "SELECT s.id, s.status, s.starts_at, s.ends_at, c.slug AS course_slug, c.title AS course_title, \
         (SELECT COUNT(*) FROM enrolments e WHERE e.session_id = s.id AND e.status = 'confirmed') AS confirmed, \
         (SELECT COUNT(*) FROM enrolments e WHERE e.session_id = s.id AND e.status = 'waitlisted') AS waitlisted \
         FROM course_sessions s JOIN courses c ON c.id = s.course_id WHERE s.id = $1"
    )
    .bind(id)
    .fetch_optional(c)
    .await)?;
    let Some(f) = facts else { return Ok(()) };
    let data = SessionEvent {
        session: CancelledSession {
            id: f.id,
            status: f.status,
            starts_at: instant(f.starts_at),
            ends_at: instant(f.ends_at),
            course: Course { slug: f.course_slug, title: f.course_title },
            confirmed: f.confirmed,
            waitlisted: f.waitlisted,
        },
    };
    write(tx, kind, None, data, now).await
}

#[derive(sqlx::FromRow)]
struct CertificateFacts {
    code: String,
    user_id: i64,
    holder_name: String,
    holder_email: String,
    course_slug: String,
    course_title: String,
    issued_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
}

/// Writes `certificate.issued` or `certificate.revoked` for the
/// certificate `code`, if anyone listens.
pub async fn certificate(tx: &mut Tx, kind: EventType, code: &str, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    if !listened(tx, kind).await? {
        return Ok(());
    }
    let facts: Option<CertificateFacts> = with_tx!(tx, |c| sqlx::query_as(
        "SELECT k.code, k.user_id, k.learner_name AS holder_name, u.email AS holder_email, k.course_slug, \
         k.course_title, k.issued_at, k.revoked_at FROM certificates k JOIN users u ON u.id = k.user_id \
         WHERE k.code = $1"
    )
    .bind(code)
    .fetch_optional(c)
    .await)?;
    let Some(f) = facts else { return Ok(()) };
    let data = CertificateEvent {
        certificate: Certificate {
            code: f.code,
            issued_at: instant(f.issued_at),
            revoked_at: f.revoked_at.map(instant),
            course: Course { slug: f.course_slug, title: f.course_title },
        },
        learner: Learner { id: f.user_id, name: f.holder_name, email: f.holder_email },
    };
    write(tx, kind, Some(f.user_id), data, now).await
}

#[derive(sqlx::FromRow)]
struct CourseFacts {
    id: i64,
    slug: String,
    title: String,
    published: bool,
    archived: bool,
    version: i64,
}

/// Writes `course.updated` for course `id`, if anyone listens, naming the
/// fields that changed.
pub async fn course_updated(tx: &mut Tx, id: i64, fields: &[String], now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let kind = EventType::CourseUpdated;
    if !listened(tx, kind).await? {
        return Ok(());
    }
    let facts: Option<CourseFacts> = with_tx!(tx, |c| sqlx::query_as(
        "SELECT id, slug, title, published, archived, version FROM courses WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(c)
    .await)?;
    let Some(f) = facts else { return Ok(()) };
    let data = CourseEvent {
        course: CourseState {
            id: f.id,
            slug: f.slug,
            title: f.title,
            published: f.published,
            archived: f.archived,
            version: f.version,
        },
        changed: fields.to_vec(),
    };
    write(tx, kind, None, data, now).await
}

/// An instant as events give it: RFC 3339 in UTC, to the second.
fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}
