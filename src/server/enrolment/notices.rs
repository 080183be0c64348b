//! The mail that tells a learner where an enrolment put them: a confirmed
//! seat (with the session's `.ics`) or a place on the waitlist.
//!
//! Enrolling queues a small `enrolment.enrolled` job in its own
//! transaction (it exists if and only if the enrolment does), and the job
//! writes the mail when it runs. Rendering and sealing a message is the
//! slowest part of an enrolment, and on PostgreSQL everything an
//! enrolment does after claiming its place holds the session's row lock,
//! for which a rush on one session queues; the job keeps that part out of
//! the lock, and the enrolment's writes down to one statement there.
//!
//! Like a reminder, the job says what it was queued for (the session and
//! the status) and sends only if that still holds when it runs: someone
//! promoted from the waitlist in the meantime hears of the promotion, not
//! of a waitlist they have left, and a position is the one they hold now.
//! Nothing is sent once the session has started.

use super::Enrolments;
use super::{emails, store};
use crate::model::enrolment::EnrolmentStatus;
use crate::server::db::{Db, Tx};
use crate::server::jobs::{Handler, Job, JobError, Outcome};
use crate::server::orders;
use async_trait::async_trait;

pub use super::store::{ENROLLED, Notice};

/// What a seat an order pays for costs and who is invoiced for it:
/// "€1,495.00 per person (excl. VAT), on order LY-7KQ2-M4XD; the invoice
/// goes to Acme Ltd with how to pay, in an e-mail of its own."
fn paid_by(order: &orders::store::OrderRow, attendee: i64) -> String {
    let vat = match order.prices_include_vat {
        true => "incl. VAT",
        false => "excl. VAT",
    };
    let price = orders::format::money(order.unit_price_cents, &order.currency);
    let to = match order.booker_id == attendee {
        true => "you".to_string(),
        false => order.billing_name.clone(),
    };
    format!(
        "Price: {price} per person ({vat}), on order {}; the invoice goes to {to} with how to pay, in an e-mail of \
         its own.",
        order.reference
    )
}

/// Runs `enrolment.enrolled` jobs: queues the mail, in the job's own
/// transaction, if the enrolment still stands as it was.
pub struct SendNotice {
    enrolments: Enrolments,
}

impl SendNotice {
    pub fn new(enrolments: Enrolments) -> Self {
        Self { enrolments }
    }
}

#[async_trait]
impl Handler for SendNotice {
    async fn run(&self, job: &Job, db: &Db) -> Result<Outcome, JobError> {
        let notice: Notice = job.payload_as()?;
        let mut tx = db.begin_write().await?;
        match self.enrolments.queue_notice(&mut tx, &notice).await? {
            true => Ok(Outcome::Commit(tx)),
            false => Ok(Outcome::Done),
        }
    }
}

impl Enrolments {
    /// Queues the mail of `notice` in `tx` if the enrolment is still in
    /// that session at that status, with a learner to tell; returns
    /// whether it did.
    async fn queue_notice(&self, tx: &mut Tx, notice: &Notice) -> Result<bool, sqlx::Error> {
        let Some(enrolment) = store::enrolment(tx, notice.enrolment_id).await? else { return Ok(false) };
        if enrolment.session_id != notice.session_id || enrolment.status != notice.status {
            return Ok(false);
        }
        let (Some(session), Some(learner)) =
            (store::session_facts(tx, enrolment.session_id).await?, store::recipient(tx, enrolment.user_id).await?)
        else {
            return Ok(false);
        };
        if session.starts_at <= chrono::Utc::now() {
            // Late (the worker was down): the session is under way, or over.
            return Ok(false);
        }
        let paid = match enrolment.order_id {
            Some(order_id) => orders::store::order(tx, order_id).await?.map(|order| paid_by(&order, enrolment.user_id)),
            None => None,
        };
        let mail = match (enrolment.status, enrolment.waitlist_position) {
            (EnrolmentStatus::Confirmed, _) => {
                emails::confirmed(&learner, &session, paid.as_deref(), self.tz, &self.public_url)
                    .attach(self.calendar_file(&session))
            }
            (EnrolmentStatus::Waitlisted, Some(position)) => {
                emails::waitlisted(&learner, &session, position, self.tz, &self.public_url)
            }
            _ => return Ok(false),
        };
        crate::server::mail::queue(tx, &self.keys, Some(enrolment.user_id), &mail).await?;
        Ok(true)
    }
}
