//! What each event's `data` holds: the types the bodies are built from,
//! and the schemas the OpenAPI document's `webhooks` describe them with,
//! so the two cannot drift apart. Instants are RFC 3339 in UTC, to the
//! second; ids are the API's. A field that may be empty is sent as `null`,
//! never left out: each is required.

use crate::model::webhook::EventType;
use serde::Serialize;
use utoipa::ToSchema;

/// A course, as an event names it.
#[derive(Serialize, ToSchema)]
#[schema(as = WebhookCourse)]
pub struct Course {
    pub slug: String,
    pub title: String,
}

/// The date an enrolment is for.
#[derive(Serialize, ToSchema)]
#[schema(as = WebhookSession)]
pub struct Session {
    pub id: i64,
    #[schema(format = DateTime)]
    pub starts_at: String,
    #[schema(format = DateTime)]
    pub ends_at: String,
    pub course: Course,
}

/// An enrolment as it stands after the change.
#[derive(Serialize, ToSchema)]
#[schema(as = WebhookEnrollment)]
pub struct Enrollment {
    pub id: i64,
    /// `confirmed`, `waitlisted` or `cancelled`.
    pub status: String,
    /// Its place on the waitlist (1 is next), while it waits.
    #[schema(required = true)]
    pub waitlist_position: Option<i64>,
    /// The enrolment this seat moved from (`enrollment.moved`).
    #[schema(required = true)]
    pub moved_from: Option<i64>,
    /// The order that paid for it, if one did.
    #[schema(required = true)]
    pub order_reference: Option<String>,
}

/// The learner an event is about.
#[derive(Serialize, ToSchema)]
#[schema(as = WebhookLearner)]
pub struct Learner {
    pub id: i64,
    pub name: String,
    pub email: String,
}

/// `enrollment.confirmed`, `.waitlisted`, `.promoted`, `.cancelled` and
/// `.moved`: the enrolment, its date and course, and its learner.
#[derive(Serialize, ToSchema)]
pub struct EnrollmentEvent {
    pub enrollment: Enrollment,
    pub session: Session,
    pub learner: Learner,
}

/// A date the academy called off, with what it held when it did.
#[derive(Serialize, ToSchema)]
#[schema(as = WebhookCancelledSession)]
pub struct CancelledSession {
    pub id: i64,
    /// `cancelled`.
    pub status: String,
    #[schema(format = DateTime)]
    pub starts_at: String,
    #[schema(format = DateTime)]
    pub ends_at: String,
    pub course: Course,
    /// Seats it held.
    pub confirmed: i64,
    /// Waitlist places it held.
    pub waitlisted: i64,
}

/// `session.cancelled`.
#[derive(Serialize, ToSchema)]
pub struct SessionEvent {
    pub session: CancelledSession,
}

/// A certificate, as `/certificates/{code}` shows it.
#[derive(Serialize, ToSchema)]
#[schema(as = WebhookCertificate)]
pub struct Certificate {
    pub code: String,
    #[schema(format = DateTime)]
    pub issued_at: String,
    #[schema(format = DateTime, required = true)]
    pub revoked_at: Option<String>,
    pub course: Course,
}

/// `certificate.issued` and `certificate.revoked`: the certificate and
/// its holder.
#[derive(Serialize, ToSchema)]
pub struct CertificateEvent {
    pub certificate: Certificate,
    pub learner: Learner,
}

/// A course as it stands after a change.
#[derive(Serialize, ToSchema)]
#[schema(as = WebhookCourseState)]
pub struct CourseState {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub published: bool,
    pub archived: bool,
    /// Its version, which every change raises.
    pub version: i64,
}

/// `course.updated`: the course, and the names of the fields changed.
#[derive(Serialize, ToSchema)]
pub struct CourseEvent {
    pub course: CourseState,
    pub changed: Vec<String>,
}

/// The schema of `kind`'s `data`, by its name in the document.
pub fn data_schema(kind: EventType) -> String {
    match kind {
        EventType::EnrollmentConfirmed
        | EventType::EnrollmentWaitlisted
        | EventType::EnrollmentPromoted
        | EventType::EnrollmentCancelled
        | EventType::EnrollmentMoved => EnrollmentEvent::name(),
        EventType::SessionCancelled => SessionEvent::name(),
        EventType::CertificateIssued | EventType::CertificateRevoked => CertificateEvent::name(),
        EventType::CourseUpdated => CourseEvent::name(),
    }
    .into_owned()
}
