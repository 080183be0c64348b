//! Reminders: an e-mail at each learner's chosen lead time before a
//! session starts, as a job scheduled for that moment.
//!
//! A reminder is queued whenever a seat is confirmed (enrolment, promotion,
//! a move), and again for everyone when a session moves or a learner
//! changes their lead time. Rather than hunting down the jobs queued
//! before, each job says what it was queued for (the enrolment, the start
//! it reminds of, the lead time), and when it runs it sends only if all of
//! that still holds: the seat is still confirmed, the session still starts
//! then, the learner still wants reminders at that lead time. A stale job
//! finds something changed and finishes without a word.

use crate::server::crypto::Keyring;
use crate::server::db::{Db, Tx, with_pool, with_tx};
use crate::server::jobs::queue::{self, NewJob};
use crate::server::jobs::{Handler, Job, JobError, Outcome};
use crate::server::mail::{self, message};
use crate::server::present::{when, zone_label};
use async_trait::async_trait;
use chrono::{DateTime, Duration as TimeDelta, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The job kind that sends one reminder.
pub const REMIND: &str = "enrolment.remind";

#[derive(Serialize, Deserialize)]
struct Payload {
    enrolment_id: i64,
    /// The start the reminder is for (RFC 3339).
    starts_at: DateTime<Utc>,
    lead_hours: i64,
}

/// What a reminder needs to know, read when it is queued and again when
/// it runs.
#[derive(sqlx::FromRow)]
struct Due {
    enrolment_id: i64,
    user_id: i64,
    status: String,
    session_status: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    notify_reminders: bool,
    reminder_hours: i64,
    deleted: bool,
    name: String,
    email: String,
    course_title: String,
    course_slug: String,
    location: Option<String>,
}

const DUE: &str =
    "SELECT e.id AS enrolment_id, e.user_id, e.status, s.status AS session_status, s.starts_at, s.ends_at,
        u.notify_reminders, CAST(u.reminder_hours AS BIGINT) AS reminder_hours, u.deleted_at IS NOT NULL AS deleted,
        u.name, u.email, c.title AS course_title, c.slug AS course_slug, l.name AS location
    FROM enrolments e JOIN users u ON u.id = e.user_id JOIN course_sessions s ON s.id = e.session_id
    JOIN courses c ON c.id = s.course_id LEFT JOIN locations l ON l.id = s.location_id";

impl Due {
    /// When the reminder is due, if it should be sent at all.
    fn at(&self) -> Option<DateTime<Utc>> {
        let wanted =
            self.status == "confirmed" && self.session_status == "scheduled" && self.notify_reminders && !self.deleted;
        wanted.then(|| self.starts_at - TimeDelta::hours(self.reminder_hours))
    }

    fn job(&self, now: DateTime<Utc>) -> Option<NewJob> {
        let at = self.at().filter(|at| *at > now)?;
        let payload =
            Payload { enrolment_id: self.enrolment_id, starts_at: self.starts_at, lead_hours: self.reminder_hours };
        let payload = serde_json::to_value(payload).ok()?;
        Some(NewJob::new(REMIND, payload).run_at(at).about(Some(self.user_id)))
    }
}

/// Queues the reminder of a confirmed enrolment, inside the transaction
/// that confirmed it. Nothing when the learner wants none or it is too late.
pub async fn schedule_in(tx: &mut Tx, enrolment_id: i64, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let sql = format!("{DUE} WHERE e.id = $1");
    let due: Option<Due> = with_tx!(tx, |conn| sqlx::query_as(&sql).bind(enrolment_id).fetch_optional(conn).await)?;
    if let Some(job) = due.and_then(|due| due.job(now)) {
        queue::enqueue_in(tx, job).await?;
    }
    Ok(())
}

/// Queues reminders anew for every upcoming confirmed seat of a session
/// (it moved) inside the transaction that moved it.
pub async fn schedule_session_in(tx: &mut Tx, session_id: i64, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let sql = format!("{DUE} WHERE e.session_id = $1 AND e.status = 'confirmed'");
    let due: Vec<Due> = with_tx!(tx, |conn| sqlx::query_as(&sql).bind(session_id).fetch_all(conn).await)?;
    for job in due.iter().filter_map(|due| due.job(now)) {
        queue::enqueue_in(tx, job).await?;
    }
    Ok(())
}

/// Queues reminders anew for every upcoming confirmed seat of a learner
/// (they changed their lead time, or turned reminders back on).
pub async fn schedule_learner(db: &Db, user_id: i64, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let sql = format!("{DUE} WHERE e.user_id = $1 AND e.status = 'confirmed' AND s.starts_at > $2");
    let due: Vec<Due> = with_pool!(db, |pool| sqlx::query_as(&sql).bind(user_id).bind(now).fetch_all(pool).await)?;
    let mut tx = db.begin_write().await?;
    for job in due.iter().filter_map(|due| due.job(now)) {
        queue::enqueue_in(&mut tx, job).await?;
    }
    tx.commit().await
}

/// Runs `enrolment.remind` jobs: queues the reminder mail, in the job's
/// own transaction, if the reminder still stands.
pub struct SendReminder {
    keys: Arc<Keyring>,
    tz: Tz,
    public_url: String,
}

impl SendReminder {
    pub fn new(keys: Arc<Keyring>, tz: Tz, public_url: &str) -> Self {
        Self { keys, tz, public_url: public_url.to_string() }
    }
}

#[async_trait]
impl Handler for SendReminder {
    async fn run(&self, job: &Job, db: &Db) -> Result<Outcome, JobError> {
        let payload: Payload = job.payload_as()?;
        let sql = format!("{DUE} WHERE e.id = $1");
        let due: Option<Due> =
            with_pool!(db, |pool| sqlx::query_as(&sql).bind(payload.enrolment_id).fetch_optional(pool).await)?;
        let Some(due) = due else { return Ok(Outcome::Done) };
        let still =
            due.at().is_some() && due.starts_at == payload.starts_at && due.reminder_hours == payload.lead_hours;
        if !still || due.starts_at <= queue::now() {
            return Ok(Outcome::Done);
        }
        let place = due.location.clone().unwrap_or_else(|| "online".to_string());
        let mail = message(
            &due.email,
            &format!(
                "Reminder: {} starts {}",
                due.course_title,
                due.starts_at.with_timezone(&self.tz).format("%a %-d %b, %H:%M")
            ),
            &due.name,
            &[
                &format!(
                    "A reminder that {} starts soon: {} ({}), {place}.",
                    due.course_title,
                    when(due.starts_at, due.ends_at, self.tz),
                    zone_label(self.tz)
                ),
                "If you can no longer come, please cancel from your account page so someone on the waitlist can have your seat.",
            ],
            Some(("The course", &format!("{}/courses/{}", self.public_url, due.course_slug))),
        );
        let mut tx = db.begin_write().await?;
        mail::queue(&mut tx, &self.keys, Some(due.user_id), &mail).await?;
        Ok(Outcome::Commit(tx))
    }
}
