//! Enrolments as plain data: where a learner stands in a session, and why
//! a request about one can be refused.

use serde::{Deserialize, Serialize};

/// The longest message staff send a session's learners, in characters:
/// a page of joining details or directions, not a newsletter.
pub const MESSAGE_MAX: usize = 5_000;

/// Where an enrolment stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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

/// Whether a learner came.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Attendance {
    Attended,
    NoShow,
}

impl Attendance {
    pub fn as_str(self) -> &'static str {
        match self {
            Attendance::Attended => "attended",
            Attendance::NoShow => "no_show",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Attendance::Attended, Attendance::NoShow].into_iter().find(|a| a.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Attendance::Attended => "Attended",
            Attendance::NoShow => "No-show",
        }
    }
}

/// One learner on a session's roster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterEntry {
    pub enrolment_id: i64,
    pub learner_name: String,
    pub learner_email: String,
    pub status: EnrolmentStatus,
    pub waitlist_position: Option<i64>,
    /// The summary of the days: attended on any, or a no-show on all marked.
    pub attendance: Option<Attendance>,
    /// Each day's mark, in the order of the roster's days.
    pub days: Vec<Option<Attendance>>,
    pub completed: bool,
    pub certificate: Option<String>,
    pub certificate_revoked: bool,
}

/// A session's roster: confirmed seats, then the waitlist in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roster {
    pub session_id: i64,
    pub course_title: String,
    pub course_slug: String,
    pub when: String,
    pub place: String,
    /// Held online, with no campus: joining details go to its learners.
    pub online: bool,
    pub capacity: i64,
    pub seats_taken: i64,
    /// Attendance can be marked: the session has started.
    pub started: bool,
    /// The session's days: each marked on its own once it has begun.
    pub days: Vec<RosterDay>,
    pub awards_certificate: bool,
    pub entries: Vec<RosterEntry>,
    /// The academy called the session off.
    pub cancelled: bool,
    /// The reader is staff, who act for the session's learners.
    pub manage: bool,
    /// (session id, when and where) of the course's other upcoming dates.
    pub other_dates: Vec<(i64, String)>,
}

/// One learner's row of the roster form, as the browser sends it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterMarkForm {
    pub enrolment_id: i64,
    /// Each day's mark by `on-YYYY-MM-DD` (a key that starts with a digit
    /// would be read as a list's index): `attended`, `no_show` or empty.
    #[serde(default)]
    pub d: std::collections::BTreeMap<String, String>,
    /// The checkbox: present when ticked.
    #[serde(default)]
    pub completed: Option<String>,
}

impl RosterMarkForm {
    /// The days and their marks; `None` when a day or a mark is not one
    /// the form offers.
    #[cfg(feature = "ssr")]
    pub fn parse_days(&self) -> Option<Vec<(chrono::NaiveDate, Option<Attendance>)>> {
        self.d
            .iter()
            .map(|(day, mark)| {
                let day = chrono::NaiveDate::parse_from_str(day.strip_prefix("on-")?, "%Y-%m-%d").ok()?;
                match mark.as_str() {
                    "" => Some((day, None)),
                    mark => Some((day, Some(Attendance::parse(mark)?))),
                }
            })
            .collect()
    }
}

/// A day of a session on its roster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterDay {
    /// `YYYY-MM-DD`, as the roster form sends it back.
    pub date: String,
    /// As people read it: "Mon 7 Dec".
    pub label: String,
    pub begun: bool,
}

/// A session in the list of rosters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterSummary {
    pub session_id: i64,
    pub course_title: String,
    pub when: String,
    pub place: String,
    pub seats_taken: i64,
    pub capacity: i64,
    pub started: bool,
}

/// Why an enrolment, a cancellation or a move was refused. Each is told to
/// the learner as it is; nothing was stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// A live enrolment (confirmed or waitlisted) in this session exists.
    AlreadyEnrolled,
    /// Someone named on an order holds a place in the session already.
    AttendeeBooked,
    /// The learner holds a seat in another date of the course still to run:
    /// one live seat per course, which moves rather than doubles.
    CourseHeld,
    /// Someone named on an order holds a seat in another date of the course.
    AttendeeHoldsCourse,
    /// The session has started or is over.
    SessionStarted,
    /// The session was cancelled by the academy.
    SessionCancelled,
    /// Cancelling online closes this many hours before the start.
    CancellationClosed {
        hours: u16,
    },
    /// The enrolment is already cancelled.
    AlreadyCancelled,
    /// Only a confirmed seat can move to another date.
    NotConfirmed,
    /// A seat moves only to another date of the same course.
    OtherCourse,
    /// The other date is full: the seat held stays as it is.
    TargetFull,
    /// `AlreadyEnrolled`, `CourseHeld` and `TargetFull` as staff acting
    /// for a learner hear them: of "this learner", not "you".
    LearnerEnrolled,
    LearnerHoldsCourse,
    LearnerTargetFull,
    /// The other date is the one already held.
    SameSession,
    /// The learner's address is not confirmed yet.
    Unconfirmed,
    /// The certificate was revoked already.
    AlreadyRevoked,
    /// Attendance is marked once the session has started.
    NotStarted,
    /// Only a learner who attended can complete the course.
    NotAttended,
    /// Only a confirmed seat has attendance.
    NotOnRoster,
    /// A completed enrolment with its certificate stays completed.
    CompletionFinal,
    /// The seat moved to another date already.
    AlreadyMoved,
    /// No seat is free, or nobody is on the waitlist.
    NobodyToPromote,
    /// A course with enrolments or certificates keeps its history.
    InUse,
    /// An archived course stays out of the catalogue.
    Archived,
    /// A category keeps its courses: it is deleted only once it has none.
    CategoryHasCourses,
    /// A campus or an instructor named by a session, past or coming, stays.
    CampusHasSessions,
    InstructorHasSessions,
    /// An administrator's own role and activity are not theirs to change:
    /// another administrator does it.
    OwnAccount,
    /// The change would leave the academy without an active administrator.
    LastAdmin,
    /// The account is deactivated already.
    AlreadyDeactivated,
    /// The account is active already.
    NotDeactivated,
    /// A cancelled session's learners were told already; nothing more is sent.
    MessageCancelled,
    /// A session that is over is not messaged from its roster.
    MessageOver,
    /// Nobody holds a place to message (or only on the waitlist, left out).
    NobodyToMessage,
    /// A webhook delivery is on its way already: it is not sent twice at once.
    DeliveryPending,
}

impl Refusal {
    /// This refusal as told to staff acting for a learner.
    pub fn for_staff(self) -> Refusal {
        match self {
            Refusal::AlreadyEnrolled => Refusal::LearnerEnrolled,
            Refusal::CourseHeld => Refusal::LearnerHoldsCourse,
            Refusal::TargetFull => Refusal::LearnerTargetFull,
            other => other,
        }
    }

    pub fn message(self) -> String {
        match self {
            Refusal::AlreadyEnrolled => "You already have a place in this session, or are on its waitlist.".into(),
            Refusal::AttendeeBooked => {
                "One of the colleagues named holds a place in this session already, or is on its waitlist: \
                 book the others without them."
                    .into()
            }
            Refusal::CourseHeld => {
                "You already have a seat on another date of this course. To change date, move that seat \
                 from your bookings (or join this date's waitlist from there)."
                    .into()
            }
            Refusal::AttendeeHoldsCourse => {
                "One of the colleagues named already has a seat on another date of this course: \
                 book the others without them, and move their seat from their own bookings."
                    .into()
            }
            Refusal::SessionStarted => "This session has already started, so it no longer takes enrolments.".into(),
            Refusal::SessionCancelled => "This session was cancelled. Please choose another date.".into(),
            Refusal::CancellationClosed { hours } => format!(
                "Cancellations close {hours} hours before the session starts. Please contact us if you cannot attend."
            ),
            Refusal::AlreadyCancelled => "This enrolment is already cancelled.".into(),
            Refusal::NotConfirmed => "Only a confirmed seat can be moved to another date.".into(),
            Refusal::OtherCourse => "A seat can only move to another date of the same course.".into(),
            Refusal::TargetFull => "That date is full, so your seat was not moved: you keep the one you have.".into(),
            Refusal::LearnerEnrolled => "This learner already has a place in this session, or is on its waitlist.".into(),
            Refusal::LearnerHoldsCourse => {
                "This learner already has a seat on another date of this course: move that seat to this date instead."
                    .into()
            }
            Refusal::LearnerTargetFull => {
                "That date is full, so the seat was not moved: the learner keeps the one they have.".into()
            }
            Refusal::SameSession => "The seat is already on that date.".into(),
            Refusal::AlreadyRevoked => "This certificate is already revoked.".into(),
            Refusal::NotStarted => "Attendance can be marked once the session has started.".into(),
            Refusal::NotAttended => "Mark the learner as attended before marking the course completed.".into(),
            Refusal::NotOnRoster => "Only learners with a confirmed seat have attendance to mark.".into(),
            Refusal::CompletionFinal => {
                "This learner has completed the course and holds its certificate: revoke the certificate instead."
                    .into()
            }
            Refusal::AlreadyMoved => "This seat has already moved to another date.".into(),
            Refusal::NobodyToPromote => "No seat is free in this session, or nobody is on its waitlist.".into(),
            Refusal::Archived => "This course is archived, so it cannot be published again.".into(),
            Refusal::InUse => {
                "This course has enrolments or certificates, so it cannot be deleted: archive it instead.".into()
            }
            Refusal::CategoryHasCourses => {
                "This category has courses, so it cannot be deleted: move them to another category first.".into()
            }
            Refusal::CampusHasSessions => {
                "Sessions are held at this campus, so it cannot be deleted: its history would be lost.".into()
            }
            Refusal::InstructorHasSessions => {
                "This instructor teaches or taught sessions, so they cannot be deleted: their history would be lost."
                    .into()
            }
            Refusal::OwnAccount => {
                "You cannot change your own role or deactivate your own account: ask another administrator.".into()
            }
            Refusal::LastAdmin => {
                "This is the last active administrator, so the academy would be left without one: make someone else an administrator first."
                    .into()
            }
            Refusal::AlreadyDeactivated => "This account is already deactivated.".into(),
            Refusal::NotDeactivated => "This account is active already.".into(),
            Refusal::MessageCancelled => {
                "This session is cancelled and its learners were told, so no message was sent.".into()
            }
            Refusal::MessageOver => "This session is over, so no message was sent.".into(),
            Refusal::DeliveryPending => "This delivery is on its way already: see its attempts below.".into(),
            Refusal::NobodyToMessage => {
                "Nobody holds a seat in this session (nor, if you included it, a place on its waitlist), so no \
                 message was sent."
                    .into()
            }
            Refusal::Unconfirmed => {
                "Please confirm your e-mail address first: follow the link we sent you, or ask for a new one.".into()
            }
        }
    }
}

/// An enrolment as the learner's own pages show it: the dashboard, and
/// the pages that confirm a cancellation or a move.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyEnrolment {
    pub id: i64,
    pub status: EnrolmentStatus,
    pub waitlist_position: Option<i64>,
    pub course_slug: String,
    pub course_title: String,
    /// RFC 3339 with the academy's offset, for `<time datetime>`.
    pub starts_at: String,
    /// For people, in the academy's zone: "Thu 11 Mar 2027, 09:00–17:00".
    pub when: String,
    /// Days and hours in full, naming the zone: "Thursday 11 March 2027,
    /// 09:00–17:00 (CET)".
    pub when_in_full: String,
    /// The campus, or "Online".
    pub place: String,
    /// The campus and its street address, or "Online".
    pub place_in_full: String,
    /// Live, and the session is still ahead (and not called off).
    pub upcoming: bool,
    pub session_id: i64,
    pub attendance: Option<Attendance>,
    pub completed: bool,
    /// The academy called the session off.
    pub session_cancelled: bool,
    /// When it was cancelled ("Friday 5 March 2027"), if it was.
    pub cancelled_on: Option<String>,
    /// The days and hours in full of the date its seat moved to, if it moved.
    pub moved_to: Option<String>,
    /// Whether it can still be cancelled or moved.
    pub cancellation: Cancellation,
    /// Other upcoming dates of the course with a free seat, for a move.
    pub other_dates: Vec<DateChoice>,
}

/// Whether a booking can still be cancelled (or moved), as a learner reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cancellation {
    /// Free of charge until then: "Tuesday 9 March 2027, 09:00 (CET)".
    FreeUntil(String),
    /// No longer, and why, in a sentence or two.
    Closed(String),
}

/// A date a seat can move to, each part in full for the choice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateChoice {
    pub session_id: i64,
    /// "Tuesday 16 March 2027, 09:00–17:00 (CET)".
    pub when_in_full: String,
    /// "Sliema campus, 118 Tower Road, Sliema SLM 1605", or "Online".
    pub place_in_full: String,
    /// No seat is free: the seat moves there by waiting for one.
    pub full: bool,
}

/// The learner's dashboard: their enrolments, certificates and calendar.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    pub enrolments: Vec<MyEnrolment>,
    pub certificates: Vec<crate::model::certificate::MyCertificate>,
    /// The private calendar feed's address, once the learner has made one.
    pub calendar_feed: Option<String>,
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

/// Where the signed-in learner stands in one date of a course, as its page
/// says beside that date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyPlace {
    pub session_id: i64,
    pub text: String,
}
