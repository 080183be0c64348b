//! Changes to a session's timetable that its learners must hear of:
//! moving it to other times, and cancelling it. Each raises the session's
//! revision (its calendars' SEQUENCE, so calendar clients take the new
//! copy), queues reminders for the new time, and tells every learner
//! holding a seat or a waitlist place, all in one transaction.

use super::{Enrolments, emails, holds, reminders, staff_only, store};
use crate::error::AppError;
use crate::model::form::{Field, FieldError, Problem};
use crate::server::audit::{Acting, Change, Diff};
use crate::server::db::{Tx, with_tx};
use crate::server::error::Error;
use chrono::{DateTime, Utc};

async fn update_session(
    tx: &mut Tx,
    session_id: i64,
    times: Option<(DateTime<Utc>, DateTime<Utc>)>,
    cancel: bool,
    version: Option<i64>,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let (starts_at, ends_at) = times.unzip();
    with_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE course_sessions
             SET starts_at = COALESCE($2, starts_at), ends_at = COALESCE($3, ends_at),
                 status = CASE WHEN $4 THEN 'cancelled' ELSE status END,
                 revision = revision + 1, updated_at = $5
             WHERE id = $1 AND status = 'scheduled' AND ($6 IS NULL OR revision = $6)",
        )
        .bind(session_id)
        .bind(starts_at)
        .bind(ends_at)
        .bind(cancel)
        .bind(now)
        .bind(version)
        .execute(conn)
        .await
        .map(|done| done.rows_affected() == 1)
    })
}

/// Why a session was not changed: it is not scheduled (or not there),
/// or it is no longer at the version the change named.
async fn not_changed(tx: &mut Tx, session_id: i64, version: Option<i64>) -> Result<Error, Error> {
    let now: Option<(String, i64)> = with_tx!(tx, |conn| {
        sqlx::query_as("SELECT status, revision FROM course_sessions WHERE id = $1")
            .bind(session_id)
            .fetch_optional(conn)
            .await
    })?;
    Ok(match (now, version) {
        (Some((status, revision)), Some(version)) if status == "scheduled" && revision != version => {
            Error::Refused(AppError::Stale { version: revision, changes: Vec::new() })
        }
        _ => Error::NotFound,
    })
}

impl Enrolments {
    /// Tells everyone holding a place in the session what changed, with
    /// the session's new calendar entry.
    async fn tell_learners(&self, tx: &mut Tx, session_id: i64, cancelled: bool) -> Result<(), Error> {
        let session = store::session_facts(tx, session_id).await?.ok_or(Error::NotFound)?;
        for enrolment in store::live_in_session(tx, session_id).await? {
            let Some(learner) = store::recipient(tx, enrolment.user_id).await? else { continue };
            let file = self.calendars.attachment(&session.calendar_entry(Some(enrolment.status)));
            let mail = match cancelled {
                true => emails::session_cancelled(&learner, &session, self.tz, &self.public_url),
                false => emails::session_moved(&learner, &session, self.tz, &self.public_url),
            };
            self.send(tx, enrolment.user_id, mail.attach(file)).await?;
        }
        Ok(())
    }

    /// Moves a scheduled session to new times (staff): its learners keep
    /// their places and are told, and their reminders follow it.
    #[tracing::instrument(level = "debug", skip_all, fields(session_id))]
    pub async fn move_session(
        &self,
        actor: impl Into<Acting<'_>>,
        session_id: i64,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
    ) -> Result<(), Error> {
        self.move_session_at(actor, session_id, (starts_at, ends_at), None).await
    }

    /// [`Enrolments::move_session`] of `version` (its revision) when one
    /// is given, as the API's writes name the version they read.
    pub async fn move_session_at(
        &self,
        actor: impl Into<Acting<'_>>,
        session_id: i64,
        (starts_at, ends_at): (DateTime<Utc>, DateTime<Utc>),
        version: Option<i64>,
    ) -> Result<(), Error> {
        let acting = actor.into();
        staff_only(acting.user)?;
        let now = Utc::now();
        if ends_at <= starts_at || starts_at <= now {
            let problem = FieldError { field: Field::Session, problem: Problem::OutOfRange { min: 0, max: 0 } };
            return Err(Error::Refused(AppError::Invalid(vec![problem])));
        }
        let mut write = self.catalogue.begin_write().await?;
        let tx = write.tx();
        let before = store::session_facts(tx, session_id).await?.ok_or(Error::NotFound)?;
        if !update_session(tx, session_id, Some((starts_at, ends_at)), false, version, now).await? {
            return Err(not_changed(tx, session_id, version).await?);
        }
        reminders::schedule_session_in(tx, session_id, now).await?;
        holds::hold_session_until(tx, session_id, ends_at).await?;
        self.tell_learners(tx, session_id, false).await?;
        let mut diff = Diff::default();
        diff.field("starts_at", before.starts_at.to_rfc3339(), starts_at.to_rfc3339()).field(
            "ends_at",
            before.ends_at.to_rfc3339(),
            ends_at.to_rfc3339(),
        );
        let change =
            Change { action: "session.moved", entity: "session", entity_id: session_id, about: None, diff: &diff };
        acting.record_in(tx, change).await?;
        write.commit().await?;
        Ok(())
    }

    /// Cancels a scheduled session (staff). Its learners are told; their
    /// enrolments stay, as the record of a session the academy called off,
    /// and every seat an order paid for gets its credit note.
    #[tracing::instrument(level = "debug", skip_all, fields(session_id))]
    pub async fn cancel_session(&self, actor: impl Into<Acting<'_>>, session_id: i64) -> Result<(), Error> {
        self.cancel_session_at(actor, session_id, None).await
    }

    /// [`Enrolments::cancel_session`] of `version` (its revision) when one is given.
    pub async fn cancel_session_at(
        &self,
        actor: impl Into<Acting<'_>>,
        session_id: i64,
        version: Option<i64>,
    ) -> Result<(), Error> {
        let acting = actor.into();
        staff_only(acting.user)?;
        let now = Utc::now();
        let mut write = self.catalogue.begin_write().await?;
        let tx = write.tx();
        if !update_session(tx, session_id, None, true, version, now).await? {
            return Err(not_changed(tx, session_id, version).await?);
        }
        // The session's row is locked by the update: no seat changes under
        // us. Seats that orders paid for are credited in full.
        for enrolment in store::live_in_session(tx, session_id).await? {
            self.credit(tx, &enrolment, now).await?;
        }
        // Its seats no longer hold the course: their learners may book
        // another date of it (or move there).
        holds::hold_session_until(tx, session_id, now).await?;
        self.tell_learners(tx, session_id, true).await?;
        crate::server::webhooks::events::session_cancelled(tx, session_id, now).await?;
        let mut diff = Diff::default();
        diff.field("status", "scheduled", "cancelled");
        let change =
            Change { action: "session.cancelled", entity: "session", entity_id: session_id, about: None, diff: &diff };
        acting.record_in(tx, change).await?;
        write.commit().await?;
        Ok(())
    }
}
