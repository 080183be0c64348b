//! Webhooks as plain data: the events an endpoint may listen for, and
//! endpoints, deliveries and attempts as the back office shows them.

use serde::{Deserialize, Serialize};

/// Where the back office lists the endpoints.
pub const WEBHOOKS_PATH: &str = "/admin/webhooks";
/// The longest description of an endpoint, in characters.
pub const DESCRIPTION_MAX: usize = 200;
/// The longest endpoint address, in characters.
pub const URL_MAX: usize = 2000;

/// A change an endpoint may be told of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EventType {
    EnrollmentConfirmed,
    EnrollmentWaitlisted,
    EnrollmentPromoted,
    EnrollmentCancelled,
    EnrollmentMoved,
    SessionCancelled,
    CertificateIssued,
    CertificateRevoked,
    CourseUpdated,
}

impl EventType {
    pub const ALL: [EventType; 9] = [
        EventType::EnrollmentConfirmed,
        EventType::EnrollmentWaitlisted,
        EventType::EnrollmentPromoted,
        EventType::EnrollmentCancelled,
        EventType::EnrollmentMoved,
        EventType::SessionCancelled,
        EventType::CertificateIssued,
        EventType::CertificateRevoked,
        EventType::CourseUpdated,
    ];

    /// The event's `type`, as sent and as staff tick it.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::EnrollmentConfirmed => "enrollment.confirmed",
            EventType::EnrollmentWaitlisted => "enrollment.waitlisted",
            EventType::EnrollmentPromoted => "enrollment.promoted",
            EventType::EnrollmentCancelled => "enrollment.cancelled",
            EventType::EnrollmentMoved => "enrollment.moved",
            EventType::SessionCancelled => "session.cancelled",
            EventType::CertificateIssued => "certificate.issued",
            EventType::CertificateRevoked => "certificate.revoked",
            EventType::CourseUpdated => "course.updated",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        EventType::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// What happened, for the form's boxes.
    pub fn label(self) -> &'static str {
        match self {
            EventType::EnrollmentConfirmed => "A learner takes a seat",
            EventType::EnrollmentWaitlisted => "A learner joins a waitlist (or asks to move there)",
            EventType::EnrollmentPromoted => "A learner is promoted from a waitlist to a seat",
            EventType::EnrollmentCancelled => "A seat or a waitlist place is given up",
            EventType::EnrollmentMoved => "A seat moves to another date",
            EventType::SessionCancelled => "The academy calls a session off",
            EventType::CertificateIssued => "A certificate is issued",
            EventType::CertificateRevoked => "A certificate is revoked",
            EventType::CourseUpdated => "A course is changed, published, unpublished or archived",
        }
    }
}

/// An endpoint as the list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointSummary {
    pub id: i64,
    pub url: String,
    pub description: String,
    pub events: Vec<String>,
    /// "Active", "Failing since 5 Dec, 21:14", "Disabled: failing for a day" …
    pub state: String,
    pub enabled: bool,
}

/// One attempt at a delivery.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptView {
    pub at: String,
    /// The answer's status, when one came.
    pub status_code: Option<i64>,
    /// Why none came, or why the answer counts as a failure.
    pub error: Option<String>,
    /// The start of the answer's body.
    pub response: String,
    pub duration_ms: i64,
}

/// One event's delivery to the endpoint, with its attempts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryView {
    pub id: i64,
    /// The `webhook-id` every attempt carries.
    pub webhook_id: String,
    pub event_type: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub created: String,
    pub next_attempt: Option<String>,
    /// Whether staff may send it again (not on its way already).
    pub may_send_again: bool,
    pub attempts: Vec<AttemptView>,
    /// The body as sent.
    pub payload: String,
}

/// An endpoint's page: its settings, the secret when just made, and its
/// latest deliveries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointView {
    pub id: i64,
    pub version: i64,
    pub url: String,
    pub description: String,
    pub events: Vec<String>,
    pub enabled: bool,
    pub state: String,
    /// Until when the secret before the last rotation still signs.
    pub previous_until: Option<String>,
    /// The signing secret, shown once after it is made or rotated.
    pub new_secret: Option<String>,
    pub deliveries: Vec<DeliveryView>,
}
