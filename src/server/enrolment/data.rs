//! What the enrolment domain answers, as typed values: instants in UTC,
//! modes and statuses as enums, a campus only when there is one. Nothing
//! here is formatted for people; pages present it (`server::present`), the
//! back office and the API read it as it is.

use super::{Enrolment, store::OtherDate};
use crate::model::enrolment::{Attendance, Refusal, RosterEntry};
use crate::model::query::Mode;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// An enrolment of the learner's own: upcoming or past, live or given up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LearnerEnrolment {
    pub enrolment: Enrolment,
    pub course_slug: String,
    pub course_title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub mode: Mode,
    /// The campus, when the session has one.
    pub place: Option<Place>,
    pub attendance: Option<Attendance>,
    pub completed: bool,
    /// The academy called the session off.
    pub session_cancelled: bool,
    /// When the learner (or staff for them) gave it up, if it is cancelled.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// The dates its seat moved to, if it moved.
    pub moved_to: Option<Dates>,
    /// Until when it may be given up, free of charge (see `cutoff`).
    pub deadline: DateTime<Utc>,
    /// Whether it may still be cancelled or moved, when it was read; or why
    /// not.
    pub open: Result<(), Refusal>,
    /// Other upcoming dates of the course with a free seat, for a move:
    /// only for a confirmed seat that may still move.
    pub other_dates: Vec<OtherDate>,
}

/// When a session starts and ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Dates {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// A campus and where it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Place {
    pub name: String,
    /// The street address, empty when none is kept.
    pub address: String,
    pub city: String,
}

impl Place {
    /// The campus of a session, if it has one.
    pub fn of(name: Option<String>, address: Option<String>, city: Option<String>) -> Option<Self> {
        Some(Place { name: name?, address: address.unwrap_or_default(), city: city.unwrap_or_default() })
    }
}

/// A session's roster: confirmed seats by name, then the waitlist in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Roster {
    pub session_id: i64,
    pub course_title: String,
    pub course_slug: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub mode: Mode,
    /// The campus, when the session has one.
    pub location: Option<String>,
    pub capacity: i64,
    pub seats_taken: i64,
    pub awards_certificate: bool,
    /// The calendar days the session runs over, each marked on its own
    /// (`RosterEntry::days` follows their order).
    pub days: Vec<RosterDay>,
    pub entries: Vec<RosterEntry>,
    /// `scheduled`, `cancelled` or `completed`.
    pub status: String,
    /// Whether the reader is staff, who act for the session's learners
    /// (an instructor only marks attendance).
    pub manage: bool,
    /// For staff: the course's other upcoming dates, where a seat can move.
    pub other_dates: Vec<super::store::OtherDate>,
}

/// A session whose roster its reader may open.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RosterSummary {
    pub session_id: i64,
    pub course_title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub mode: Mode,
    pub location: Option<String>,
    pub seats_taken: i64,
    pub capacity: i64,
}

/// A day of a session, in the academy's zone, and when it begins: its
/// attendance can be marked from then on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RosterDay {
    pub day: chrono::NaiveDate,
    pub begins_at: DateTime<Utc>,
}
