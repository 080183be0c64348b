//! Whether the enrolment rules hold in the data, session by session: what
//! `lyceum check-seats` reports and the tests assert after every race.
//!
//! It reads the enrolments themselves rather than trusting the counts kept
//! beside them: confirmed rows equal `seats_taken`, which is within the
//! capacity; the waitlist is numbered exactly 1..N with N its
//! `waitlist_length`; a learner holds one live enrolment per session, and
//! one confirmed seat per course in its dates still to run, which holds
//! the course for them (`course_holds`); and a seat that moved left
//! nothing live behind it.

use crate::server::db::{Db, with_pool};
use std::collections::BTreeMap;
use std::fmt;

/// One rule a session's data breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// More confirmed enrolments than the session has seats.
    Oversold { confirmed: i64, capacity: i64 },
    /// `seats_taken` is not the number of confirmed enrolments.
    SeatsMiscounted { seats_taken: i64, confirmed: i64 },
    /// `waitlist_length` is not the number of waitlisted enrolments.
    WaitlistMiscounted { waitlist_length: i64, waitlisted: i64 },
    /// Two or more waitlisted enrolments hold this position.
    PositionRepeated { position: i64, holders: i64 },
    /// No waitlisted enrolment holds this position of 1..N.
    PositionMissing { position: i64 },
    /// A position outside 1..N.
    PositionBeyond { position: i64, waitlisted: i64 },
    /// A learner holds more than one live enrolment in the session.
    TwoLiveEnrolments { user_id: i64, live: i64 },
    /// A learner's seat moved here from `from_session`, where their
    /// enrolment is still live: one move, two seats.
    MovedButKept { user_id: i64, from_session: i64 },
    /// More than one enrolment here came from the same moved seat.
    MovedTwice { moved_from: i64, times: i64 },
    /// A learner holds confirmed seats in several dates of this session's
    /// course still to run (this is the latest of them).
    TwoSeatsInCourse { user_id: i64, seats: i64 },
    /// A confirmed seat here, in a date still to run, does not hold its
    /// course for its learner: another seat could be booked beside it.
    SeatNotHeld { user_id: i64, enrolment_id: i64 },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Oversold { confirmed, capacity } => {
                write!(f, "oversold: {confirmed} confirmed enrolments for {capacity} seats")
            }
            Problem::SeatsMiscounted { seats_taken, confirmed } => {
                write!(f, "seats_taken is {seats_taken} but {confirmed} enrolments are confirmed")
            }
            Problem::WaitlistMiscounted { waitlist_length, waitlisted } => {
                write!(f, "waitlist_length is {waitlist_length} but {waitlisted} enrolments are waitlisted")
            }
            Problem::PositionRepeated { position, holders } => {
                write!(f, "waitlist position {position} is held by {holders} enrolments")
            }
            Problem::PositionMissing { position } => write!(f, "waitlist position {position} is missing (a gap)"),
            Problem::PositionBeyond { position, waitlisted } => {
                write!(f, "waitlist position {position} is outside 1..{waitlisted}")
            }
            Problem::TwoLiveEnrolments { user_id, live } => {
                write!(f, "learner {user_id} holds {live} live enrolments")
            }
            Problem::MovedButKept { user_id, from_session } => {
                write!(f, "learner {user_id} moved here from session {from_session} and still holds a place there")
            }
            Problem::MovedTwice { moved_from, times } => {
                write!(f, "enrolment {moved_from} moved here {times} times")
            }
            Problem::TwoSeatsInCourse { user_id, seats } => {
                write!(f, "learner {user_id} holds {seats} seats in dates of this course still to run")
            }
            Problem::SeatNotHeld { user_id, enrolment_id } => {
                write!(f, "seat {enrolment_id} of learner {user_id} does not hold the course for them")
            }
        }
    }
}

/// A session and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionProblem {
    pub session_id: i64,
    pub problem: Problem,
}

/// A session's counts beside what its enrolments say.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Counts {
    pub session_id: i64,
    pub capacity: i64,
    pub seats_taken: i64,
    pub waitlist_length: i64,
    pub confirmed: i64,
}

/// The problems of one session, from its counts and the positions of its
/// waitlisted enrolments (in any order).
pub fn problems_of(counts: &Counts, positions: &[i64]) -> Vec<Problem> {
    let mut problems = Vec::new();
    // (`seats_taken` itself never passes the capacity: a CHECK holds it.)
    if counts.confirmed > counts.capacity {
        problems.push(Problem::Oversold { confirmed: counts.confirmed, capacity: counts.capacity });
    }
    if counts.seats_taken != counts.confirmed {
        problems.push(Problem::SeatsMiscounted { seats_taken: counts.seats_taken, confirmed: counts.confirmed });
    }
    let waitlisted = positions.len() as i64;
    if counts.waitlist_length != waitlisted {
        problems.push(Problem::WaitlistMiscounted { waitlist_length: counts.waitlist_length, waitlisted });
    }
    let mut held: BTreeMap<i64, i64> = BTreeMap::new();
    for position in positions {
        *held.entry(*position).or_default() += 1;
    }
    for (&position, &holders) in &held {
        if holders > 1 {
            problems.push(Problem::PositionRepeated { position, holders });
        }
        if !(1..=waitlisted).contains(&position) {
            problems.push(Problem::PositionBeyond { position, waitlisted });
        }
    }
    for position in 1..=waitlisted {
        if !held.contains_key(&position) {
            problems.push(Problem::PositionMissing { position });
        }
    }
    problems
}

/// Every session whose data breaks a rule, and how; empty when all hold.
pub async fn check_seats(db: &Db) -> Result<Vec<SessionProblem>, sqlx::Error> {
    let (counts, positions, doubles, kept, twice, seats, unheld) = with_pool!(db, |pool| {
        let counts: Vec<Counts> = sqlx::query_as(
            "SELECT s.id AS session_id, s.capacity, s.seats_taken, s.waitlist_length,
                    (SELECT COUNT(*) FROM enrolments e WHERE e.session_id = s.id AND e.status = 'confirmed')
                        AS confirmed
             FROM course_sessions s ORDER BY s.id",
        )
        .fetch_all(pool)
        .await?;
        let positions: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT session_id, waitlist_position FROM enrolments
             WHERE status = 'waitlisted' AND waitlist_position IS NOT NULL",
        )
        .fetch_all(pool)
        .await?;
        let doubles: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT session_id, user_id, COUNT(*) FROM enrolments WHERE status <> 'cancelled'
             GROUP BY session_id, user_id HAVING COUNT(*) > 1",
        )
        .fetch_all(pool)
        .await?;
        let kept: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT n.session_id, n.user_id, o.session_id FROM enrolments n JOIN enrolments o ON o.id = n.moved_from
             WHERE n.status <> 'cancelled' AND o.status <> 'cancelled'",
        )
        .fetch_all(pool)
        .await?;
        let twice: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT MIN(session_id), moved_from, COUNT(*) FROM enrolments WHERE moved_from IS NOT NULL
             GROUP BY moved_from HAVING COUNT(*) > 1",
        )
        .fetch_all(pool)
        .await?;
        let now = chrono::Utc::now();
        let seats: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT MAX(s.id), e.user_id, COUNT(*) FROM enrolments e JOIN course_sessions s ON s.id = e.session_id
             WHERE e.status = 'confirmed' AND s.status = 'scheduled' AND s.ends_at > $1
             GROUP BY e.user_id, s.course_id HAVING COUNT(*) > 1",
        )
        .bind(now)
        .fetch_all(pool)
        .await?;
        let unheld: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT e.session_id, e.user_id, e.id FROM enrolments e JOIN course_sessions s ON s.id = e.session_id
             WHERE e.status = 'confirmed' AND s.status = 'scheduled' AND s.ends_at > $1
               AND NOT EXISTS (SELECT 1 FROM course_holds h
                               WHERE h.enrolment_id = e.id AND h.user_id = e.user_id AND h.course_id = s.course_id)",
        )
        .bind(now)
        .fetch_all(pool)
        .await?;
        Ok::<_, sqlx::Error>((counts, positions, doubles, kept, twice, seats, unheld))
    })?;
    let mut by_session: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (session_id, position) in positions {
        by_session.entry(session_id).or_default().push(position);
    }
    let mut found = Vec::new();
    for session in &counts {
        let positions = by_session.get(&session.session_id).map(Vec::as_slice).unwrap_or_default();
        found.extend(
            problems_of(session, positions)
                .into_iter()
                .map(|problem| SessionProblem { session_id: session.session_id, problem }),
        );
    }
    for (session_id, user_id, live) in doubles {
        found.push(SessionProblem { session_id, problem: Problem::TwoLiveEnrolments { user_id, live } });
    }
    for (session_id, user_id, from_session) in kept {
        found.push(SessionProblem { session_id, problem: Problem::MovedButKept { user_id, from_session } });
    }
    for (session_id, moved_from, times) in twice {
        found.push(SessionProblem { session_id, problem: Problem::MovedTwice { moved_from, times } });
    }
    for (session_id, user_id, seats) in seats {
        found.push(SessionProblem { session_id, problem: Problem::TwoSeatsInCourse { user_id, seats } });
    }
    for (session_id, user_id, enrolment_id) in unheld {
        found.push(SessionProblem { session_id, problem: Problem::SeatNotHeld { user_id, enrolment_id } });
    }
    found.sort_by_key(|p| p.session_id);
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(capacity: i64, seats_taken: i64, confirmed: i64, waitlist_length: i64) -> Counts {
        Counts { session_id: 1, capacity, seats_taken, waitlist_length, confirmed }
    }

    #[test]
    fn a_sound_session_has_no_problem() {
        assert_eq!(problems_of(&counts(5, 5, 5, 3), &[2, 3, 1]), []);
        assert_eq!(problems_of(&counts(5, 0, 0, 0), &[]), []);
    }

    #[test]
    fn every_broken_rule_is_named() {
        // What a seat released twice leaves: one confirmed too many,
        // while the count says the session is exactly full.
        assert_eq!(
            problems_of(&counts(5, 5, 6, 0), &[]),
            [
                Problem::Oversold { confirmed: 6, capacity: 5 },
                Problem::SeatsMiscounted { seats_taken: 5, confirmed: 6 }
            ]
        );
        // A gap and a repeat: the count and the highest position agree,
        // which the old check took for a sound waitlist.
        assert_eq!(
            problems_of(&counts(1, 1, 1, 3), &[1, 3, 3]),
            [Problem::PositionRepeated { position: 3, holders: 2 }, Problem::PositionMissing { position: 2 }]
        );
        assert_eq!(
            problems_of(&counts(1, 1, 1, 2), &[1, 2, 4]),
            [
                Problem::WaitlistMiscounted { waitlist_length: 2, waitlisted: 3 },
                Problem::PositionBeyond { position: 4, waitlisted: 3 },
                Problem::PositionMissing { position: 3 }
            ]
        );
    }

    #[test]
    fn problems_read_as_sentences() {
        let text = Problem::MovedButKept { user_id: 7, from_session: 3 }.to_string();
        assert_eq!(text, "learner 7 moved here from session 3 and still holds a place there");
        assert!(Problem::PositionMissing { position: 2 }.to_string().contains("gap"));
    }
}
