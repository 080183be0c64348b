//! Until when a learner may give up a booking: cancel it, or move it to
//! another date. One rule, here: [`Enrolments::cancel`] and
//! [`Enrolments::transfer`] enforce it, and the learner's pages show the
//! deadline it gives. Giving a booking up before its deadline is free; no
//! fee is charged at any time.
//!
//! [`Enrolments::cancel`]: super::Enrolments::cancel
//! [`Enrolments::transfer`]: super::Enrolments::transfer

use crate::model::enrolment::{EnrolmentStatus, Refusal};
use chrono::{DateTime, Duration as TimeDelta, Utc};

/// The last moment a booking standing at `status`, in a session that
/// starts at `starts_at`, may be given up: a confirmed seat until the
/// course's cutoff (`cutoff_hours` before the start), a waitlist place
/// until the start.
pub fn deadline(status: EnrolmentStatus, starts_at: DateTime<Utc>, cutoff_hours: i64) -> DateTime<Utc> {
    match status {
        EnrolmentStatus::Confirmed => starts_at - TimeDelta::hours(cutoff_hours),
        EnrolmentStatus::Waitlisted | EnrolmentStatus::Cancelled => starts_at,
    }
}

/// Whether a live booking may still be given up at `now`: until when, or
/// why not. The deadline itself still counts.
pub fn open_until(
    status: EnrolmentStatus,
    starts_at: DateTime<Utc>,
    cutoff_hours: i64,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, Refusal> {
    if starts_at <= now {
        return Err(Refusal::SessionStarted);
    }
    let deadline = deadline(status, starts_at, cutoff_hours);
    if now > deadline {
        let hours = u16::try_from(cutoff_hours).unwrap_or(u16::MAX);
        return Err(Refusal::CancellationClosed { hours });
    }
    Ok(deadline)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_seat_may_be_given_up_until_the_cutoff_and_a_waitlist_place_until_the_start() {
        let starts = Utc.with_ymd_and_hms(2027, 3, 11, 8, 0, 0).unwrap();
        let cutoff = Utc.with_ymd_and_hms(2027, 3, 9, 8, 0, 0).unwrap();
        let seat = EnrolmentStatus::Confirmed;
        let place = EnrolmentStatus::Waitlisted;
        assert_eq!(deadline(seat, starts, 48), cutoff);
        assert_eq!(deadline(place, starts, 48), starts);
        let before = cutoff - TimeDelta::minutes(1);
        assert_eq!(open_until(seat, starts, 48, before), Ok(cutoff));
        assert_eq!(open_until(seat, starts, 48, cutoff), Ok(cutoff), "the deadline itself still counts");
        let after = cutoff + TimeDelta::minutes(1);
        assert_eq!(open_until(seat, starts, 48, after), Err(Refusal::CancellationClosed { hours: 48 }));
        assert_eq!(open_until(place, starts, 48, after), Ok(starts));
        assert_eq!(open_until(place, starts, 48, starts), Err(Refusal::SessionStarted));
        assert_eq!(open_until(seat, starts, 0, starts - TimeDelta::seconds(1)), Ok(starts));
        assert_eq!(
            open_until(seat, starts, 100_000, before),
            Err(Refusal::CancellationClosed { hours: u16::MAX }),
            "a cutoff past what a message can say is said as the most it can"
        );
    }
}
