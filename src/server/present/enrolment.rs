//! Enrolments as pages show them: the learner's dashboard, and the rosters
//! staff and instructors open. Times are shown in the academy's zone; a
//! session without a campus is named by how it is held.

use super::{Presenter, place, when};
use crate::model::enrolment::{MyEnrolment, Roster, RosterDay, RosterSummary};
use crate::server::enrolment::data;
use chrono::{DateTime, SecondsFormat, Utc};

impl Presenter<'_> {
    /// One of the learner's enrolments on their dashboard, as of `now`.
    pub fn my_enrolment(&self, e: data::LearnerEnrolment, now: DateTime<Utc>) -> MyEnrolment {
        let tz = self.tz;
        MyEnrolment {
            id: e.enrolment.id,
            session_id: e.enrolment.session_id,
            status: e.enrolment.status,
            waitlist_position: e.enrolment.waitlist_position,
            course_slug: e.course_slug,
            course_title: e.course_title,
            starts_at: e.starts_at.with_timezone(&tz).to_rfc3339_opts(SecondsFormat::Secs, false),
            when: when(e.starts_at, e.ends_at, tz),
            // The dashboard has always said "Online" for a session without a campus.
            place: e.location.unwrap_or_else(|| "Online".to_string()),
            upcoming: e.starts_at > now,
            attendance: e.attendance,
            completed: e.completed,
            other_dates: e
                .other_dates
                .into_iter()
                .map(|d| (d.id, when(d.starts_at, d.ends_at, tz), place(d.location, d.mode)))
                .collect(),
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
