//! Enrolment: taking a seat in a session, or a place on its waitlist;
//! cancelling, which promotes the first on the waitlist; and moving a seat
//! to another date of the same course. Staff also write to a session's
//! learners from its roster (`messages`).
//!
//! Every change of an enrolment is a checked transition, made in one fixed
//! order whatever the operation (enrol, cancel, move, promote, leave the
//! waitlist, staff acting for a learner, an account's deletion): the
//! session's row is locked first ([`store::lock_session`], or the claim's
//! UPDATE on enrolment), then the enrolment is read, then moved from the
//! state it was read in by an UPDATE that names that state. A second
//! request finds the transition made and is refused with a 409, never
//! released twice. Sessions locked together are locked in ascending id
//! order.
//!
//! The rules hold whatever the concurrency, on both backends:
//! - A seat is taken by one conditional UPDATE of the session row
//!   (`seats_taken < capacity`), which the column's CHECK backs up: a
//!   session never has more confirmed seats than its capacity.
//! - A learner has at most one live enrolment per session: a unique index
//!   refuses a second, however simultaneous.
//! - The waitlist is numbered 1..N without gaps: joining takes N+1 from the
//!   session row, leaving moves everyone behind up one, in the same
//!   transaction, under the session's lock; each waitlisted enrolment's
//!   position is unique in its session (a constraint). A seat or a
//!   waitlist place is claimed by one statement on the session row, and
//!   nobody takes a seat ahead of those waiting.
//! - A seat moves once: the new enrolment names the one it came from, and
//!   a unique index refuses a second.
//! - A cancelled seat goes to the first on the waitlist in the same
//!   transaction, and the mails that tell people are queued in it too
//!   (a new enrolment's as a job that writes it: see [`notices`]).
//!
//! Every function takes the person asking (`actor`). Learners act on their
//! own enrolments; staff may act on anyone's (the back office), through the
//! same functions and so the same rules.

mod attendance;
pub mod check;
pub mod cutoff;
pub mod data;
mod emails;
pub mod holds;
mod messages;
pub use messages::MessageToSession;
pub mod notices;
pub mod reminders;
pub use attendance::{RosterMark, session_days};
mod roster;
pub use roster::RosterFilter;
pub mod store;
mod timetable;

use crate::error::AppError;
use crate::model::account::{Role, User};
use crate::model::enrolment::{EnrolmentStatus, MyPlace, Refusal};
use crate::model::webhook::EventType;
use crate::server::audit::{Acting, Change, Diff};
use crate::server::calendar::Calendars;
use crate::server::catalogue::{Catalogue, Write};
use crate::server::certificates::Certificates;
use crate::server::crypto::Keyring;
use crate::server::db::{Db, Tx, Unique};
use crate::server::error::Error;
use crate::server::mail::{self, Mail};
use crate::server::orders::billing::Billing;
use crate::server::webhooks::events;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
pub use data::{Dates, LearnerEnrolment, Place};
use std::sync::Arc;
use store::{EnrolmentRow, NewEnrolment, SessionFacts};

/// One live enrolment per learner and session.
const LIVE_ENROLMENT: Unique =
    Unique { postgres: "enrolments_live", sqlite: "enrolments.session_id, enrolments.user_id" };
/// An enrolment's seat moves to another date once.
const MOVED_ONCE: Unique = Unique { postgres: "enrolments_moved_from", sqlite: "enrolments.moved_from" };

/// What became of a request to move a seat, met by a free seat.
enum MoveIn {
    Moved,
    /// No seat is free after all (the session is no longer open).
    NoSeat,
    /// Nothing was promoted yet: look at the waitlist again.
    Again,
}

/// Where an enrolment stands after a request.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Enrolment {
    pub id: i64,
    pub session_id: i64,
    pub status: EnrolmentStatus,
    /// 1..N on the waitlist; `None` when confirmed.
    pub waitlist_position: Option<i64>,
}

/// Runs a change of enrolments again when PostgreSQL aborted it to break
/// a deadlock: a seat moving in from another date locks that date out of
/// ascending order ([`Enrolments::promote`]), and two such moves crossing
/// can wait for each other. Every attempt is a transaction of its own that
/// left nothing behind; after a few, the error stands (a 503, "try again").
async fn retrying<T, F, Fut>(mut attempt: F) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, Error>>,
{
    let mut tries = 0;
    loop {
        match attempt().await {
            Err(Error::Database(error)) if crate::server::error::is_deadlock(&error) && tries < 3 => {
                tries += 1;
                tracing::debug!(tries, "deadlock broken; trying again");
            }
            other => return other,
        }
    }
}

fn conflict(refusal: Refusal) -> Error {
    Error::Refused(AppError::Conflict(refusal))
}

/// A refusal as the one acting hears it: staff acting for a learner hear
/// of "this learner", the learner of "you".
fn refused(actor: &User, learner_id: i64, refusal: Refusal) -> Error {
    conflict(if actor.id == learner_id { refusal } else { refusal.for_staff() })
}

/// Records, in the change's transaction, what staff did to a learner's
/// enrolment (a learner's own actions are theirs, not the back office's).
async fn on_behalf(
    tx: &mut Tx,
    acting: Acting<'_>,
    action: &str,
    id: i64,
    learner: i64,
    diff: &Diff,
) -> Result<(), Error> {
    let change = Change { action, entity: "enrolment", entity_id: id, about: Some(learner), diff };
    acting.record_in(tx, change).await?;
    Ok(())
}

/// Whether `actor` may act for the learner `user_id`: themselves, or staff.
fn may_act_for(actor: &User, user_id: i64) -> bool {
    actor.id == user_id || actor.role.includes(Role::Staff)
}

/// `Forbidden` unless `actor` is staff: checked before anything is looked
/// up, so the answer tells nothing of what exists.
fn staff_only(actor: &User) -> Result<(), Error> {
    match actor.role.includes(Role::Staff) {
        true => Ok(()),
        false => Err(Error::Refused(AppError::Forbidden)),
    }
}

#[derive(Clone)]
pub struct Enrolments {
    db: Db,
    catalogue: Catalogue,
    keys: Arc<Keyring>,
    calendars: Calendars,
    certificates: Certificates,
    billing: Billing,
    tz: Tz,
    public_url: Arc<str>,
}

/// What enrolment works with besides the database.
pub struct Parts {
    pub catalogue: Catalogue,
    pub keys: Arc<Keyring>,
    pub calendars: Calendars,
    pub certificates: Certificates,
    /// Invoices and credit notes for seats that orders pay for.
    pub billing: Billing,
    pub tz: Tz,
    pub public_url: String,
}

impl Enrolments {
    pub fn new(db: Db, parts: Parts) -> Self {
        let Parts { catalogue, keys, calendars, certificates, billing, tz, public_url } = parts;
        Self { db, catalogue, keys, calendars, certificates, billing, tz, public_url: public_url.into() }
    }

    /// The session's `.ics`, as a learner whose enrolment is confirmed sees it.
    fn calendar_file(&self, session: &SessionFacts) -> mail::Attachment {
        self.calendars.attachment(&session.calendar_entry(Some(EnrolmentStatus::Confirmed)))
    }

    async fn send(&self, tx: &mut Tx, user_id: i64, mail: Mail) -> Result<(), Error> {
        mail::queue(tx, &self.keys, Some(user_id), &mail).await?;
        Ok(())
    }

    /// The session's facts, if it can be enrolled in at `now`.
    async fn open_session(tx: &mut Tx, session_id: i64, now: DateTime<Utc>) -> Result<SessionFacts, Error> {
        let session = store::session_facts(tx, session_id).await?.filter(|s| s.published).ok_or(Error::NotFound)?;
        Self::open(session, now)
    }

    /// `session`, if it can be enrolled in at `now`.
    fn open(session: SessionFacts, now: DateTime<Utc>) -> Result<SessionFacts, Error> {
        if session.status == "cancelled" {
            return Err(conflict(Refusal::SessionCancelled));
        }
        if session.status != "scheduled" || session.starts_at <= now {
            return Err(conflict(Refusal::SessionStarted));
        }
        Ok(session)
    }

    /// Enrols the learner `learner_id` (the actor, or anyone when staff ask)
    /// in a session: a confirmed seat when one is free, otherwise a place
    /// at the end of its waitlist.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = tracing::field::Empty, session_id))]
    pub async fn enrol(
        &self,
        actor: impl Into<Acting<'_>>,
        learner_id: i64,
        session_id: i64,
    ) -> Result<Enrolment, Error> {
        let mut write = self.catalogue.begin_write().await?;
        let enrolment = self.enrol_in(write.tx(), actor, learner_id, session_id, Utc::now()).await?;
        write.commit().await?;
        Ok(enrolment)
    }

    /// [`Enrolments::enrol`] inside `tx`, a catalogue write, for a change
    /// that enrols as part of its own (an order, for each attendee).
    pub async fn enrol_in(
        &self,
        tx: &mut Tx,
        actor: impl Into<Acting<'_>>,
        learner_id: i64,
        session_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Enrolment, Error> {
        let acting = actor.into();
        let actor = acting.user;
        tracing::Span::current().record("user_id", actor.id);
        if !may_act_for(actor, learner_id) {
            return Err(Error::Refused(AppError::Forbidden));
        }
        // The learner is usually the one asking, whose account this request
        // has just read; staff enrolling someone else read theirs.
        let verified = match actor.id == learner_id {
            true => actor.verified,
            false => store::recipient(tx, learner_id).await?.ok_or(Error::NotFound)?.verified,
        };
        if !verified {
            return Err(conflict(Refusal::Unconfirmed));
        }
        let (enrolled, held) = match actor.id == learner_id {
            true => (Refusal::AlreadyEnrolled, Refusal::CourseHeld),
            false => (Refusal::LearnerEnrolled, Refusal::LearnerHoldsCourse),
        };
        let enrolment = Self::claim(tx, learner_id, session_id, now, enrolled, held).await?;
        if actor.id != learner_id {
            let mut diff = Diff::default();
            diff.created("session_id", session_id).created("status", enrolment.status.as_str());
            on_behalf(tx, acting, "enrolment.enrolled", enrolment.id, learner_id, &diff).await?;
        }
        Ok(enrolment)
    }

    /// Enrols a colleague the booker names on an order, inside the order's
    /// transaction: the same claim as anyone's own enrolment, under the
    /// same rules, for someone the booker books and pays for. The booker's
    /// own address must be confirmed; the colleague hears of their place
    /// by mail, at the address the booker gave.
    pub async fn enrol_colleague_in(
        &self,
        tx: &mut Tx,
        booker: &User,
        colleague_id: i64,
        session_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Enrolment, Error> {
        if !booker.verified {
            return Err(conflict(Refusal::Unconfirmed));
        }
        Self::claim(tx, colleague_id, session_id, now, Refusal::AttendeeBooked, Refusal::AttendeeHoldsCourse).await
    }

    /// A seat for `learner_id`, or else a place at the end of the waitlist,
    /// in an open session; `already` when they hold a place there, `held`
    /// when they hold a seat in another date of the course (one live seat
    /// per course: they move it instead, from their bookings).
    async fn claim(
        tx: &mut Tx,
        learner_id: i64,
        session_id: i64,
        now: DateTime<Utc>,
        already: Refusal,
        held: Refusal,
    ) -> Result<Enrolment, Error> {
        let session = Self::open_session(tx, session_id, now).await?;
        // Booking a waitlist place while holding a seat would make a move
        // request without asking for one: refused here, and asked for
        // from the seat's own page ([`Enrolments::transfer`]). A seat
        // taken at this moment in another date is not seen by this read;
        // the hold taken below refuses the second seat, and a waitlist
        // place beside it is a request to move, as it would be anyway.
        match holds::holder(tx, learner_id, session.course_id, now).await? {
            Some((_, held_in)) if held_in == session_id => return Err(conflict(already)),
            Some(_) => return Err(conflict(held)),
            None => {}
        }
        // A second live enrolment in the session is refused by the unique
        // index when the row goes in (and the place claimed is rolled
        // back): no query beforehand, whose answer could be stale anyway.
        let (id, position) = match store::enrol(tx, session_id, learner_id, now).await {
            Ok(Some(enrolled)) => enrolled,
            // Started or cancelled since it was read above.
            Ok(None) => return Err(conflict(Refusal::SessionStarted)),
            // Enrolled already (or at this very moment, and won).
            Err(error) if LIVE_ENROLMENT.violated_by(&error) => return Err(conflict(already)),
            Err(error) => return Err(error.into()),
        };
        let status = if position.is_some() { EnrolmentStatus::Waitlisted } else { EnrolmentStatus::Confirmed };
        if position.is_none() {
            if !holds::acquire(tx, learner_id, session.course_id, id, session.ends_at, now).await? {
                // A seat in another date, taken at the same moment, won.
                return Err(conflict(held));
            }
            reminders::schedule_in(tx, id, now).await?;
        }
        let event = if position.is_some() { EventType::EnrollmentWaitlisted } else { EventType::EnrollmentConfirmed };
        events::enrolment(tx, event, id, None, now).await?;
        Ok(Enrolment { id, session_id, status, waitlist_position: position })
    }

    /// Enrols the person with this e-mail address (staff, at the front
    /// desk): the same rules as their own enrolment.
    pub async fn enrol_address(
        &self,
        actor: impl Into<Acting<'_>>,
        email: &str,
        session_id: i64,
    ) -> Result<Enrolment, Error> {
        use crate::model::form::{Field, FieldError, Problem};
        let acting = actor.into();
        staff_only(acting.user)?;
        let email = crate::model::account::normalize_email(email);
        let learner = {
            let mut tx = self.db.begin().await?;
            store::user_id_by_email(&mut tx, &email).await?
        };
        let Some(learner) = learner else {
            let problem = FieldError { field: Field::Email, problem: Problem::NoAccount };
            return Err(Error::Refused(AppError::Invalid(vec![problem])));
        };
        self.enrol(acting, learner, session_id).await
    }

    /// The enrolment `id` and its session, read in the order every change
    /// of an enrolment follows: the session's row is locked first
    /// ([`store::lock_session`]), then the enrolment is read, so what is
    /// read is what the request before this one left, and stays so until
    /// this one commits. `NotFound` unless `actor` may act on it (someone
    /// else's enrolment is not theirs to know of).
    async fn locked(tx: &mut Tx, actor: &User, id: i64) -> Result<(EnrolmentRow, SessionFacts), Error> {
        // Whose it is and which session it is in never change: read first,
        // they say which row to lock.
        let seen = Self::own(tx, actor, id).await?;
        let session = store::lock_session(tx, seen.session_id).await?.ok_or(Error::NotFound)?;
        let enrolment = store::enrolment(tx, id).await?.ok_or(Error::NotFound)?;
        Ok((enrolment, session))
    }

    /// Why a cancelled enrolment cannot change again: moved, or cancelled.
    async fn gone(tx: &mut Tx, enrolment: &EnrolmentRow) -> Result<Error, Error> {
        Ok(match store::has_moved(tx, enrolment.id).await? {
            true => conflict(Refusal::AlreadyMoved),
            false => conflict(Refusal::AlreadyCancelled),
        })
    }

    /// Gives up a confirmed seat (and hands it to the first on the
    /// waitlist) or a waitlist place (and moves those behind up), under the
    /// session's lock. The enrolment goes from the state it was read in to
    /// cancelled in one conditional UPDATE: if it is no longer in that
    /// state, nothing changes and the request is refused. The
    /// cancellation's own mail is the caller's to send.
    async fn release(
        &self,
        tx: &mut Tx,
        enrolment: &EnrolmentRow,
        session: &SessionFacts,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        if !store::mark_cancelled(tx, enrolment.id, enrolment.status, now).await? {
            return Err(Self::gone(tx, enrolment).await?);
        }
        match (enrolment.status, enrolment.waitlist_position) {
            (EnrolmentStatus::Confirmed, _) => {
                Self::give_back(tx, enrolment, now).await?;
                self.promote(tx, session, now).await?;
            }
            (EnrolmentStatus::Waitlisted, Some(position)) => {
                store::close_gap(tx, enrolment.session_id, position, now).await?;
            }
            (status, position) => {
                return Err(Error::Internal(format!("enrolment {} was {status:?} at {position:?}", enrolment.id)));
            }
        }
        Ok(())
    }

    /// Gives back a confirmed seat's place in its session and its hold on
    /// the course, once the enrolment is marked cancelled.
    async fn give_back(tx: &mut Tx, enrolment: &EnrolmentRow, now: DateTime<Utc>) -> Result<(), Error> {
        if !store::free_seat(tx, enrolment.session_id, now).await? {
            return Err(Error::Internal(format!("session {} counts no seat to give back", enrolment.session_id)));
        }
        holds::release(tx, enrolment.id).await?;
        Ok(())
    }

    /// Hands a free seat of the session to the first on its waitlist, and
    /// queues the mail that tells them; whether anyone was promoted. Runs
    /// under the session's lock.
    ///
    /// Someone waiting who holds a seat in another date of the course asked
    /// to move it (one live seat per course): that seat moves here, and the
    /// seat it leaves goes in turn to the first waiting there. That date's
    /// lock is taken while this one's is held, out of ascending order: two
    /// such moves crossing may deadlock on PostgreSQL, which aborts one of
    /// them, and the request is tried again ([`retrying`]).
    fn promote<'a>(
        &'a self,
        tx: &'a mut Tx,
        session: &'a SessionFacts,
        now: DateTime<Utc>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<bool, Error>> + Send + 'a>> {
        Box::pin(async move {
            loop {
                let session_id = session.id;
                let Some(first) = store::first_waitlisted(tx, session_id).await? else { return Ok(false) };
                match holds::holder(tx, first.user_id, session.course_id, now).await? {
                    Some((seat, held_in)) => match self.move_in(tx, &first, seat, held_in, session, now).await? {
                        MoveIn::Moved => return Ok(true),
                        MoveIn::NoSeat => return Ok(false),
                        // The first's place was withdrawn, or the seat
                        // changed while its date was being locked: look
                        // at the waitlist again.
                        MoveIn::Again => continue,
                    },
                    None => {
                        if !store::take_seat(tx, session_id, now).await? {
                            // No seat is free, or the session has started
                            // (or is no longer scheduled): no one is
                            // promoted into it.
                            return Ok(false);
                        }
                        if !holds::acquire(tx, first.user_id, session.course_id, first.id, session.ends_at, now).await?
                        {
                            // They took a seat in another date at this very
                            // moment: their place here is now a request to
                            // move it.
                            if !store::free_seat(tx, session_id, now).await? {
                                return Err(Error::Internal(format!("session {session_id} lost the seat it took")));
                            }
                            continue;
                        }
                        self.confirm(tx, &first, session, now).await?;
                        events::enrolment(tx, EventType::EnrollmentPromoted, first.id, None, now).await?;
                        if let Some(order_id) = first.order_id {
                            // The seat is paid for now: its order's booker
                            // gets the invoice.
                            self.billing.invoice_if_unbilled(tx, order_id, session, first.user_id, now).await?;
                        }
                        if let Some(learner) = store::recipient(tx, first.user_id).await? {
                            let mail = emails::promoted(&learner, session, self.tz, &self.public_url)
                                .attach(self.calendar_file(session));
                            self.send(tx, first.user_id, mail).await?;
                        }
                        return Ok(true);
                    }
                }
            }
        })
    }

    /// Confirms the first on the session's waitlist in a seat already
    /// taken for them, and closes the waitlist up behind them.
    async fn confirm(
        &self,
        tx: &mut Tx,
        first: &EnrolmentRow,
        session: &SessionFacts,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        if !store::mark_confirmed(tx, first.id, now).await? {
            return Err(Error::Internal(format!("the first on session {}'s waitlist was not waitlisted", session.id)));
        }
        store::close_gap(tx, session.id, first.waitlist_position.unwrap_or(1), now).await?;
        reminders::schedule_in(tx, first.id, now).await?;
        Ok(())
    }

    /// Moves the seat `seat` (in session `held_in`) of the first on
    /// `session`'s waitlist into `session`, whose lock is held: their
    /// waitlist place was a request to move it. The seat keeps its order
    /// (nothing is invoiced or credited), and the seat it leaves goes to
    /// the first waiting for it. A seat whose date has begun cannot move:
    /// the request lapses, and the place is withdrawn.
    async fn move_in(
        &self,
        tx: &mut Tx,
        first: &EnrolmentRow,
        seat: i64,
        held_in: i64,
        session: &SessionFacts,
        now: DateTime<Utc>,
    ) -> Result<MoveIn, Error> {
        let from = store::lock_session(tx, held_in).await?.ok_or(Error::NotFound)?;
        let Some(held) = store::enrolment(tx, seat).await?.filter(|e| e.status == EnrolmentStatus::Confirmed) else {
            // Cancelled or moved while its date was being locked (and its
            // hold went with it; a hold left behind by anything else is
            // dropped here, so the waitlist always moves on).
            holds::release(tx, seat).await?;
            return Ok(MoveIn::Again);
        };
        if from.starts_at <= now {
            self.lapse(tx, first, session, now).await?;
            return Ok(MoveIn::Again);
        }
        if !store::take_seat(tx, session.id, now).await? {
            return Ok(MoveIn::NoSeat);
        }
        if !store::mark_cancelled(tx, held.id, EnrolmentStatus::Confirmed, now).await? {
            return Err(Error::Internal(format!("seat {} was read confirmed under its lock", held.id)));
        }
        Self::give_back(tx, &held, now).await?;
        if !holds::acquire(tx, first.user_id, session.course_id, first.id, session.ends_at, now).await? {
            return Err(Error::Internal(format!(
                "learner {} kept a hold on course {}",
                first.user_id, session.course_id
            )));
        }
        self.confirm(tx, first, session, now).await?;
        match store::moved_in(tx, first.id, held.id, held.order_id).await {
            Ok(()) => {}
            Err(error) if MOVED_ONCE.violated_by(&error) => return Err(conflict(Refusal::AlreadyMoved)),
            Err(error) => return Err(error.into()),
        }
        events::enrolment(tx, EventType::EnrollmentMoved, first.id, Some(held.id), now).await?;
        if let Some(learner) = store::recipient(tx, first.user_id).await? {
            let mail =
                emails::moved(&learner, &from, session, self.tz, &self.public_url).attach(self.calendar_file(session));
            self.send(tx, first.user_id, mail).await?;
        }
        // The seat left behind goes to whoever waits for it.
        self.promote(tx, &from, now).await?;
        Ok(MoveIn::Moved)
    }

    /// Withdraws the requests to move `seat`, just cancelled: its
    /// learner's places on the waitlists of the course's other dates. Left
    /// there, a place would later confirm a seat nobody asked for any
    /// more, paid by an order whose seat was credited. Each date is locked
    /// while the cancelled seat's is held, out of ascending order: two such
    /// crossing may deadlock on PostgreSQL, which aborts one, and the
    /// request is tried again ([`retrying`]).
    async fn withdraw_requests(
        &self,
        tx: &mut Tx,
        seat: &EnrolmentRow,
        session: &SessionFacts,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        for seen in store::waiting_in_course(tx, seat.user_id, session.course_id).await? {
            let date = store::lock_session(tx, seen.session_id).await?.ok_or(Error::NotFound)?;
            let place = store::enrolment(tx, seen.id).await?.ok_or(Error::NotFound)?;
            if place.status != EnrolmentStatus::Waitlisted
                || !store::mark_cancelled(tx, place.id, EnrolmentStatus::Waitlisted, now).await?
            {
                // Promoted or withdrawn while its date was being locked.
                continue;
            }
            store::close_gap(tx, date.id, place.waitlist_position.unwrap_or(1), now).await?;
            events::enrolment(tx, EventType::EnrollmentCancelled, place.id, None, now).await?;
            if let Some(learner) = store::recipient(tx, place.user_id).await? {
                let mail = emails::request_withdrawn(&learner, &date, self.tz, &self.public_url);
                self.send(tx, place.user_id, mail).await?;
            }
        }
        Ok(())
    }

    /// Withdraws the first on the session's waitlist, whose request to move
    /// a seat lapsed (that seat's date has begun), and tells them.
    async fn lapse(
        &self,
        tx: &mut Tx,
        first: &EnrolmentRow,
        session: &SessionFacts,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        if !store::mark_cancelled(tx, first.id, EnrolmentStatus::Waitlisted, now).await? {
            return Err(Error::Internal(format!("the first on session {}'s waitlist was not waitlisted", session.id)));
        }
        store::close_gap(tx, session.id, first.waitlist_position.unwrap_or(1), now).await?;
        events::enrolment(tx, EventType::EnrollmentCancelled, first.id, None, now).await?;
        if let Some(learner) = store::recipient(tx, first.user_id).await? {
            let mail = emails::request_lapsed(&learner, session, self.tz, &self.public_url);
            self.send(tx, first.user_id, mail).await?;
        }
        Ok(())
    }

    /// Gives the session's free seats to those first on its waitlist, for
    /// staff (after the capacity was raised, say): how many were promoted,
    /// each told as on a cancellation. Refused when nobody could be.
    #[tracing::instrument(level = "debug", skip_all, fields(session_id))]
    pub async fn promote_waitlisted(&self, actor: impl Into<Acting<'_>>, session_id: i64) -> Result<usize, Error> {
        let acting = actor.into();
        staff_only(acting.user)?;
        retrying(|| self.promote_waitlisted_once(acting, session_id)).await
    }

    async fn promote_waitlisted_once(&self, acting: Acting<'_>, session_id: i64) -> Result<usize, Error> {
        let now = Utc::now();
        let mut write = self.catalogue.begin_write().await?;
        let tx = write.tx();
        let session = store::lock_session(tx, session_id).await?.ok_or(Error::NotFound)?;
        let mut promoted = 0;
        while self.promote(tx, &session, now).await? {
            promoted += 1;
        }
        if promoted == 0 {
            return Err(conflict(Refusal::NobodyToPromote));
        }
        let mut diff = Diff::default();
        diff.field("promoted", 0, promoted);
        let change =
            Change { action: "session.promoted", entity: "session", entity_id: session_id, about: None, diff: &diff };
        acting.record_in(tx, change).await?;
        write.commit().await?;
        Ok(promoted)
    }

    /// Whether the enrolment may still be given up at `now`: a waitlist
    /// place until the start, a confirmed seat until the course's cutoff
    /// ([`cutoff`]).
    fn check_cutoff(enrolment: &EnrolmentRow, session: &SessionFacts, now: DateTime<Utc>) -> Result<(), Error> {
        cutoff::open_until(enrolment.status, session.starts_at, session.cutoff_hours, now).map(drop).map_err(conflict)
    }

    /// A cancelled seat that an order paid for is credited to the order:
    /// a credit note for what was invoiced for it, never an edited invoice.
    /// A waitlist place was never invoiced, and gets none.
    async fn credit(&self, tx: &mut Tx, enrolment: &EnrolmentRow, now: DateTime<Utc>) -> Result<(), Error> {
        if let (Some(order_id), EnrolmentStatus::Confirmed) = (enrolment.order_id, enrolment.status) {
            self.billing.credit_seat(tx, order_id, enrolment.user_id, now).await?;
        }
        Ok(())
    }

    /// Cancels an enrolment: a confirmed seat (the first on the waitlist
    /// is promoted) or a place on the waitlist (those behind move up).
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = tracing::field::Empty, enrolment_id))]
    pub async fn cancel(&self, actor: impl Into<Acting<'_>>, enrolment_id: i64) -> Result<(), Error> {
        let acting = actor.into();
        retrying(|| self.cancel_once(acting, enrolment_id)).await
    }

    async fn cancel_once(&self, acting: Acting<'_>, enrolment_id: i64) -> Result<(), Error> {
        let actor = acting.user;
        tracing::Span::current().record("user_id", actor.id);
        let now = Utc::now();
        let mut write = self.catalogue.begin_write().await?;
        let tx = write.tx();
        let (enrolment, session) = Self::locked(tx, actor, enrolment_id).await?;
        if enrolment.status == EnrolmentStatus::Cancelled {
            return Err(Self::gone(tx, &enrolment).await?);
        }
        Self::check_cutoff(&enrolment, &session, now)?;
        self.release(tx, &enrolment, &session, now).await?;
        self.credit(tx, &enrolment, now).await?;
        events::enrolment(tx, EventType::EnrollmentCancelled, enrolment.id, None, now).await?;
        if enrolment.status == EnrolmentStatus::Confirmed {
            self.withdraw_requests(tx, &enrolment, &session, now).await?;
        }
        if let Some(learner) = store::recipient(tx, enrolment.user_id).await? {
            let mail = emails::cancelled(&learner, &session, self.tz, &self.public_url);
            self.send(tx, enrolment.user_id, mail).await?;
        }
        if actor.id != enrolment.user_id {
            let mut diff = Diff::default();
            diff.field("status", enrolment.status.as_str(), EnrolmentStatus::Cancelled.as_str());
            on_behalf(tx, acting, "enrolment.cancelled", enrolment.id, enrolment.user_id, &diff).await?;
        }
        write.commit().await?;
        Ok(())
    }

    /// Moves a confirmed seat to another upcoming session of the same
    /// course, in one step: confirmed there if a seat is free, otherwise
    /// refused and the seat held is kept. Both sessions are locked, in
    /// ascending id order, before the enrolment is read.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = tracing::field::Empty, enrolment_id, to_session_id))]
    pub async fn transfer(
        &self,
        actor: impl Into<Acting<'_>>,
        enrolment_id: i64,
        to_session_id: i64,
    ) -> Result<Enrolment, Error> {
        let acting = actor.into();
        retrying(|| self.relocate(acting, enrolment_id, to_session_id, false)).await
    }

    /// Moves a confirmed seat to another date as [`Self::transfer`] does
    /// when a seat is free there; when none is, joins that date's waitlist
    /// as a request to move: the seat is kept until one frees up, and then
    /// moves at once ([`Self::promote`]).
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = tracing::field::Empty, enrolment_id, to_session_id))]
    pub async fn move_or_wait(
        &self,
        actor: impl Into<Acting<'_>>,
        enrolment_id: i64,
        to_session_id: i64,
    ) -> Result<Enrolment, Error> {
        let acting = actor.into();
        retrying(|| self.relocate(acting, enrolment_id, to_session_id, true)).await
    }

    async fn relocate(
        &self,
        acting: Acting<'_>,
        enrolment_id: i64,
        to_session_id: i64,
        wait: bool,
    ) -> Result<Enrolment, Error> {
        let actor = acting.user;
        tracing::Span::current().record("user_id", actor.id);
        let now = Utc::now();
        let mut write: Write<'_> = self.catalogue.begin_write().await?;
        let tx = write.tx();
        let seen = Self::own(tx, actor, enrolment_id).await?;
        if seen.session_id == to_session_id {
            return Err(conflict(Refusal::SameSession));
        }
        let (from, to) = store::lock_sessions(tx, seen.session_id, to_session_id).await?;
        let from = from.ok_or(Error::NotFound)?;
        let enrolment = store::enrolment(tx, enrolment_id).await?.ok_or(Error::NotFound)?;
        match enrolment.status {
            EnrolmentStatus::Confirmed => {}
            EnrolmentStatus::Waitlisted => return Err(conflict(Refusal::NotConfirmed)),
            EnrolmentStatus::Cancelled => return Err(Self::gone(tx, &enrolment).await?),
        }
        Self::check_cutoff(&enrolment, &from, now)?;
        let to = Self::open(to.filter(|s| s.published).ok_or(Error::NotFound)?, now)?;
        if to.course_id != from.course_id {
            return Err(conflict(Refusal::OtherCourse));
        }
        let learner = enrolment.user_id;
        if store::live_enrolment(tx, to_session_id, learner).await?.is_some() {
            return Err(refused(actor, learner, Refusal::AlreadyEnrolled));
        }
        if !store::take_seat(tx, to_session_id, now).await? {
            if !wait {
                return Err(refused(actor, learner, Refusal::TargetFull));
            }
            let waiting = self.request_move(tx, actor, &enrolment, &from, &to, now).await?;
            if actor.id != enrolment.user_id {
                let mut diff = Diff::default();
                diff.created("waiting_for_session_id", to_session_id).created("enrolment_id", waiting.id);
                on_behalf(tx, acting, "enrolment.move_requested", enrolment.id, enrolment.user_id, &diff).await?;
            }
            write.commit().await?;
            return Ok(waiting);
        }
        self.release(tx, &enrolment, &from, now).await?;
        let new = NewEnrolment {
            session_id: to_session_id,
            user_id: enrolment.user_id,
            status: EnrolmentStatus::Confirmed,
            waitlist_position: None,
            moved_from: Some(enrolment.id),
            order_id: enrolment.order_id,
        };
        let id = match store::insert(tx, &new, now).await {
            Ok(id) => id,
            Err(error) if LIVE_ENROLMENT.violated_by(&error) => {
                return Err(refused(actor, learner, Refusal::AlreadyEnrolled));
            }
            Err(error) if MOVED_ONCE.violated_by(&error) => return Err(conflict(Refusal::AlreadyMoved)),
            Err(error) => return Err(error.into()),
        };
        if !holds::acquire(tx, enrolment.user_id, to.course_id, id, to.ends_at, now).await? {
            // Another seat of theirs holds the course (one in a date the
            // academy called off moves out; a second live one does not).
            return Err(refused(actor, learner, Refusal::CourseHeld));
        }
        reminders::schedule_in(tx, id, now).await?;
        events::enrolment(tx, EventType::EnrollmentMoved, id, Some(enrolment.id), now).await?;
        if let Some(order_id) = enrolment.order_id {
            // Moved out of a date the academy called off (and credited).
            self.billing.invoice_if_unbilled(tx, order_id, &to, enrolment.user_id, now).await?;
        }
        if let Some(learner) = store::recipient(tx, enrolment.user_id).await? {
            let mail = emails::moved(&learner, &from, &to, self.tz, &self.public_url).attach(self.calendar_file(&to));
            self.send(tx, enrolment.user_id, mail).await?;
        }
        if actor.id != enrolment.user_id {
            let mut diff = Diff::default();
            diff.field("session_id", enrolment.session_id, to_session_id).field("enrolment_id", enrolment.id, id);
            on_behalf(tx, acting, "enrolment.moved", enrolment.id, enrolment.user_id, &diff).await?;
        }
        write.commit().await?;
        Ok(Enrolment { id, session_id: to_session_id, status: EnrolmentStatus::Confirmed, waitlist_position: None })
    }

    /// A place at the end of `to`'s waitlist for the learner of the seat
    /// `seat`, as a request to move it there; both sessions are locked.
    /// The place is paid by the seat's order when it moves, as the seat is.
    async fn request_move(
        &self,
        tx: &mut Tx,
        actor: &User,
        seat: &EnrolmentRow,
        from: &SessionFacts,
        to: &SessionFacts,
        now: DateTime<Utc>,
    ) -> Result<Enrolment, Error> {
        let position = store::join_waitlist(tx, to.id, now).await?.ok_or(conflict(Refusal::SessionStarted))?;
        let new = NewEnrolment {
            session_id: to.id,
            user_id: seat.user_id,
            status: EnrolmentStatus::Waitlisted,
            waitlist_position: Some(position),
            moved_from: None,
            order_id: seat.order_id,
        };
        let id = match store::insert(tx, &new, now).await {
            Ok(id) => id,
            Err(error) if LIVE_ENROLMENT.violated_by(&error) => {
                return Err(refused(actor, seat.user_id, Refusal::AlreadyEnrolled));
            }
            Err(error) => return Err(error.into()),
        };
        events::enrolment(tx, EventType::EnrollmentWaitlisted, id, None, now).await?;
        if let Some(learner) = store::recipient(tx, seat.user_id).await? {
            let mail = emails::move_requested(&learner, from, to, position, self.tz, &self.public_url);
            self.send(tx, seat.user_id, mail).await?;
        }
        Ok(Enrolment { id, session_id: to.id, status: EnrolmentStatus::Waitlisted, waitlist_position: Some(position) })
    }

    /// The enrolment `id`, if `actor` may act on it; `NotFound` otherwise.
    /// A plain read: what may change (its status) is read again under the
    /// session's lock.
    async fn own(tx: &mut Tx, actor: &User, id: i64) -> Result<EnrolmentRow, Error> {
        store::enrolment(tx, id).await?.filter(|e| may_act_for(actor, e.user_id)).ok_or(Error::NotFound)
    }

    /// A catalogue write (seats change), for callers that give up
    /// enrolments as part of a change of their own (deleting an account).
    pub async fn begin_write(&self) -> Result<Write<'_>, Error> {
        self.catalogue.begin_write().await
    }

    /// Gives up every live enrolment of `user_id` inside `tx`: seats go to
    /// the first on each waitlist (who are told), waitlist places close up.
    /// The learner is not mailed: their account is going. Sessions are
    /// locked one by one in ascending id order (see
    /// [`store::lock_session`]); an enrolment given up meanwhile by someone
    /// else is left as it is.
    pub async fn release_all_in(&self, tx: &mut Tx, user_id: i64, now: DateTime<Utc>) -> Result<(), Error> {
        for seen in store::live_of(tx, user_id).await? {
            let session = store::lock_session(tx, seen.session_id).await?.ok_or(Error::NotFound)?;
            let enrolment = store::enrolment(tx, seen.id).await?.ok_or(Error::NotFound)?;
            if enrolment.status != EnrolmentStatus::Cancelled {
                self.release(tx, &enrolment, &session, now).await?;
                self.credit(tx, &enrolment, now).await?;
            }
        }
        Ok(())
    }

    /// Where the learner stands in each date of the course `slug` they hold
    /// a place in, for the course page: "You're booked", "You're number 3
    /// on the waitlist".
    pub async fn places_in_course(&self, learner: &User, slug: &str) -> Result<Vec<MyPlace>, Error> {
        let places = store::places_in_course(&self.db, learner.id, slug).await?;
        // A waitlist place beside a seat is a request to move that seat.
        let seated = places.iter().any(|(_, status, _)| *status == EnrolmentStatus::Confirmed);
        Ok(places
            .into_iter()
            .map(|(session_id, status, position)| MyPlace {
                session_id,
                text: match (status, position, seated) {
                    (EnrolmentStatus::Waitlisted, Some(position), true) => {
                        format!("You're number {position} on the waitlist, to move your seat here")
                    }
                    (EnrolmentStatus::Waitlisted, Some(position), false) => {
                        format!("You're number {position} on the waitlist")
                    }
                    _ => "You're booked".to_string(),
                },
            })
            .collect())
    }

    /// Every enrolment of the learner (cancelled and moved ones too) with
    /// its attendance day by day, for their data export.
    pub async fn export(&self, learner: &User) -> Result<serde_json::Value, Error> {
        let days = store::days_of(&self.db, learner.id).await?;
        let rows = store::all_of(&self.db, learner.id).await?;
        Ok(serde_json::Value::Array(
            rows.into_iter()
                .map(|row| {
                    let marked: Vec<_> = days
                        .iter()
                        .filter(|(id, _, _)| *id == row.id)
                        .map(|(_, day, attendance)| serde_json::json!({ "day": day, "attendance": attendance }))
                        .collect();
                    let mut value = serde_json::to_value(&row).expect("an enrolment serializes");
                    value["attendance_days"] = serde_json::Value::Array(marked);
                    value
                })
                .collect(),
        ))
    }

    /// Every enrolment of the learner, soonest session first: upcoming
    /// and past, live and given up (cancelled, or moved to another date),
    /// each with until when it may be given up (or why not) and, for a
    /// confirmed seat that still may, the other dates it could move to.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = learner.id))]
    pub async fn of_learner(&self, learner: &User) -> Result<Vec<LearnerEnrolment>, Error> {
        let now = Utc::now();
        let rows = store::of_learner(&self.db, learner.id).await?;
        let others = store::other_dates(&self.db, learner.id, now).await?;
        Ok(rows.into_iter().map(|row| Self::learner_enrolment(row, &others, now)).collect())
    }

    /// One of the learner's own enrolments, as [`Self::of_learner`] lists
    /// it; `NotFound` for anyone else's.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = learner.id, enrolment_id))]
    pub async fn booking(&self, learner: &User, enrolment_id: i64) -> Result<LearnerEnrolment, Error> {
        let now = Utc::now();
        let row = store::learner_enrolment(&self.db, learner.id, enrolment_id).await?.ok_or(Error::NotFound)?;
        let others = match row.status {
            EnrolmentStatus::Confirmed => store::other_dates(&self.db, learner.id, now).await?,
            _ => Vec::new(),
        };
        Ok(Self::learner_enrolment(row, &others, now))
    }

    /// A row of the learner's enrolments, read at `now`, with the dates
    /// among `others` its seat could move to.
    fn learner_enrolment(row: store::LearnerRow, others: &[store::OtherDate], now: DateTime<Utc>) -> LearnerEnrolment {
        let moved_to = row.moved_to_starts_at.zip(row.moved_to_ends_at);
        let open = match (row.status, row.session_status.as_str()) {
            (EnrolmentStatus::Cancelled, _) if moved_to.is_some() => Err(Refusal::AlreadyMoved),
            (EnrolmentStatus::Cancelled, _) => Err(Refusal::AlreadyCancelled),
            (_, "cancelled") => Err(Refusal::SessionCancelled),
            (status, _) => cutoff::open_until(status, row.starts_at, row.cutoff_hours, now).map(drop),
        };
        let movable = row.status == EnrolmentStatus::Confirmed && open.is_ok();
        LearnerEnrolment {
            other_dates: match movable {
                true => others
                    .iter()
                    .filter(|other| other.course_id == row.course_id && other.id != row.session_id)
                    .cloned()
                    .collect(),
                false => Vec::new(),
            },
            deadline: cutoff::deadline(row.status, row.starts_at, row.cutoff_hours),
            open,
            attendance: row.attendance,
            completed: row.completed_at.is_some(),
            enrolment: Enrolment {
                id: row.id,
                session_id: row.session_id,
                status: row.status,
                waitlist_position: row.waitlist_position,
            },
            course_slug: row.course_slug,
            course_title: row.course_title,
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            mode: row.mode,
            place: Place::of(row.location, row.location_address, row.location_city),
            session_cancelled: row.session_status == "cancelled",
            cancelled_at: row.cancelled_at.filter(|_| row.status == EnrolmentStatus::Cancelled),
            moved_to: moved_to.map(|(starts_at, ends_at)| Dates { starts_at, ends_at }),
        }
    }
}
