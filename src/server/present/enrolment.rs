//! Enrolments as pages show them: the learner's dashboard, and the rosters
//! staff and instructors open. Times are shown in the academy's zone; a
//! session without a campus is named by how it is held.

use super::{Presenter, day_in_full, moment_in_full, place, place_in_full, when, when_in_full};
use crate::model::enrolment::{
    Cancellation, DateChoice, EnrolmentStatus, MyEnrolment, Refusal, Roster, RosterDay, RosterSummary,
};
use crate::server::enrolment::{Place, data};
use chrono::{DateTime, SecondsFormat, Utc};

impl Presenter<'_> {
    /// One of the learner's enrolments on their pages, as of `now`.
    pub fn my_enrolment(&self, e: data::LearnerEnrolment, now: DateTime<Utc>) -> MyEnrolment {
        let tz = self.tz;
        let live = e.enrolment.status != EnrolmentStatus::Cancelled && !e.session_cancelled;
        MyEnrolment {
            id: e.enrolment.id,
            session_id: e.enrolment.session_id,
            status: e.enrolment.status,
            waitlist_position: e.enrolment.waitlist_position,
            starts_at: e.starts_at.with_timezone(&tz).to_rfc3339_opts(SecondsFormat::Secs, false),
            when: when(e.starts_at, e.ends_at, tz),
            when_in_full: when_in_full(e.starts_at, e.ends_at, tz),
            // The dashboard has always said "Online" for a session without a campus.
            place: e.place.as_ref().map(|p| p.name.clone()).unwrap_or_else(|| "Online".to_string()),
            place_in_full: place_in_full(e.place.as_ref(), e.mode),
            upcoming: live && e.starts_at > now,
            attendance: e.attendance,
            completed: e.completed,
            session_cancelled: e.session_cancelled,
            cancelled_on: e.cancelled_at.map(|at| day_in_full(at, tz)),
            moved_to: e.moved_to.map(|to| when_in_full(to.starts_at, to.ends_at, tz)),
            cancellation: self.cancellation(e.open, e.deadline),
            other_dates: e
                .other_dates
                .into_iter()
                .map(|d| {
                    let place = Place::of(d.location, d.location_address, d.location_city);
                    DateChoice {
                        session_id: d.id,
                        when_in_full: when_in_full(d.starts_at, d.ends_at, tz),
                        place_in_full: place_in_full(place.as_ref(), d.mode),
                        full: d.full,
                    }
                })
                .collect(),
            course_slug: e.course_slug,
            course_title: e.course_title,
        }
    }

    /// Whether a booking can still be given up, from the rule's answer
    /// (see `enrolment::cutoff`), with its deadline in full.
    fn cancellation(&self, open: Result<(), Refusal>, deadline: DateTime<Utc>) -> Cancellation {
        match open {
            Ok(()) => Cancellation::FreeUntil(moment_in_full(deadline, self.tz)),
            Err(Refusal::CancellationClosed { hours }) => Cancellation::Closed(format!(
                "Cancellations and moves close {hours} hours before the session starts, so they closed on {}. \
                 Please contact us if you cannot attend.",
                moment_in_full(deadline, self.tz)
            )),
            Err(Refusal::SessionStarted) => Cancellation::Closed("The session has already started.".into()),
            Err(Refusal::SessionCancelled) => Cancellation::Closed("The academy cancelled this session.".into()),
            Err(Refusal::AlreadyCancelled) => Cancellation::Closed("This booking is already cancelled.".into()),
            Err(refusal) => Cancellation::Closed(refusal.message()),
        }
    }

    /// A session's roster; attendance can be marked once it has started.
    pub fn roster(&self, roster: data::Roster, now: DateTime<Utc>) -> Roster {
        Roster {
            session_id: roster.session_id,
            course_title: roster.course_title,
            course_slug: roster.course_slug,
            when: when(roster.starts_at, roster.ends_at, self.tz),
            online: roster.mode == crate::model::query::Mode::Online,
            place: place(roster.location, roster.mode),
            capacity: roster.capacity,
            seats_taken: roster.seats_taken,
            started: roster.starts_at <= now,
            days: roster
                .days
                .iter()
                .map(|d| RosterDay {
                    date: d.day.to_string(),
                    label: d.day.format("%a %-d %b").to_string(),
                    begun: d.begins_at <= now,
                })
                .collect(),
            awards_certificate: roster.awards_certificate,
            entries: roster.entries,
            cancelled: roster.status == "cancelled",
            manage: roster.manage,
            other_dates: roster
                .other_dates
                .into_iter()
                .map(|d| (d.id, format!("{} · {}", when(d.starts_at, d.ends_at, self.tz), place(d.location, d.mode))))
                .collect(),
        }
    }

    /// A session in the list of rosters.
    pub fn roster_summary(&self, summary: data::RosterSummary, now: DateTime<Utc>) -> RosterSummary {
        RosterSummary {
            session_id: summary.session_id,
            course_title: summary.course_title,
            when: when(summary.starts_at, summary.ends_at, self.tz),
            place: place(summary.location, summary.mode),
            seats_taken: summary.seats_taken,
            capacity: summary.capacity,
            started: summary.starts_at <= now,
        }
    }
}
