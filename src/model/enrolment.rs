//! Enrolments as plain data: where a learner stands in a session, and why
//! a request about one can be refused.

use serde::{Deserialize, Serialize};

/// Where an enrolment stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EnrolmentStatus {
    Confirmed,
    Waitlisted,
    Cancelled,
}

impl EnrolmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EnrolmentStatus::Confirmed => "confirmed",
            EnrolmentStatus::Waitlisted => "waitlisted",
            EnrolmentStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [EnrolmentStatus::Confirmed, EnrolmentStatus::Waitlisted, EnrolmentStatus::Cancelled]
            .into_iter()
            .find(|status| status.as_str() == text)
    }
}

/// Why an enrolment, a cancellation or a move was refused. Each is told to
/// the learner as it is; nothing was stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// A live enrolment (confirmed or waitlisted) in this session exists.
    AlreadyEnrolled,
    /// The session has started or is over.
    SessionStarted,
    /// The session was cancelled by the academy.
    SessionCancelled,
    /// Cancelling online closes this many hours before the start.
    CancellationClosed { hours: u16 },
    /// The enrolment is already cancelled.
    AlreadyCancelled,
    /// Only a confirmed seat can move to another date.
    NotConfirmed,
    /// A seat moves only to another date of the same course.
    OtherCourse,
    /// The other date is full: the seat held stays as it is.
    TargetFull,
    /// The other date is the one already held.
    SameSession,
    /// The learner's address is not confirmed yet.
    Unconfirmed,
}

impl Refusal {
    pub fn message(self) -> String {
        match self {
            Refusal::AlreadyEnrolled => "You already have a place in this session, or are on its waitlist.".into(),
            Refusal::SessionStarted => "This session has already started, so it no longer takes enrolments.".into(),
            Refusal::SessionCancelled => "This session was cancelled. Please choose another date.".into(),
            Refusal::CancellationClosed { hours } => format!(
                "Cancellations close {hours} hours before the session starts. Please contact us if you cannot attend."
            ),
            Refusal::AlreadyCancelled => "This enrolment is already cancelled.".into(),
            Refusal::NotConfirmed => "Only a confirmed seat can be moved to another date.".into(),
            Refusal::OtherCourse => "A seat can only move to another date of the same course.".into(),
            Refusal::TargetFull => "That date is full, so your seat was not moved: you keep the one you have.".into(),
            Refusal::SameSession => "That is the date you already have.".into(),
            Refusal::Unconfirmed => {
                "Please confirm your e-mail address first: follow the link we sent you, or ask for a new one.".into()
            }
        }
    }
}

/// An enrolment as the learner's dashboard shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyEnrolment {
    pub id: i64,
    pub status: EnrolmentStatus,
    pub waitlist_position: Option<i64>,
    pub course_slug: String,
    pub course_title: String,
    /// RFC 3339 with the academy's offset, for `<time datetime>`.
    pub starts_at: String,
    /// For people, in the academy's zone.
    pub when: String,
    /// The campus, or "Online".
    pub place: String,
    /// Whether the session is still ahead.
    pub upcoming: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_and_refusals_read_as_sentences() {
        for status in [EnrolmentStatus::Confirmed, EnrolmentStatus::Waitlisted, EnrolmentStatus::Cancelled] {
            assert_eq!(EnrolmentStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(EnrolmentStatus::parse("pending"), None);
        assert!(Refusal::CancellationClosed { hours: 48 }.message().contains("48 hours"));
        assert!(Refusal::TargetFull.message().ends_with('.'));
    }
}
