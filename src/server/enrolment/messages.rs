//! Staff writing to a session's learners from its roster: joining details
//! for an online session, a room change. One e-mail per learner, queued
//! in the transaction that records the message in the audit trail, so
//! the two happen together or not at all.
//!
//! What staff type goes only into the body: the subject is made of the
//! course's title and the session's day, so no typed text can reach a
//! header. The trail records how many were written to, never the text.

use super::{Enrolments, conflict, emails, staff_only, store};
use crate::error::AppError;
use crate::model::enrolment::{EnrolmentStatus, MESSAGE_MAX, Refusal};
use crate::model::form::{Field, FieldError, Problem, check_text};
use crate::server::audit::{Acting, Change, Diff};
use crate::server::error::Error;
use chrono::Utc;
use std::collections::BTreeSet;

/// What staff send a session's learners.
#[derive(Clone, Debug, Default)]
pub struct MessageToSession {
    /// As typed.
    pub body: String,
    /// Whether those on the waitlist get it too (confirmed seats always do).
    pub waitlist: bool,
}

/// A message's text that holds: trimmed, not empty, at most
/// [`MESSAGE_MAX`] characters, every line break a `\n`.
#[derive(Debug, PartialEq, Eq)]
struct Body(String);

impl Body {
    fn parse(text: &str) -> Result<Self, Problem> {
        // Browsers send line breaks as CRLF; one kind keeps the paragraphs
        // the mail is split into the ones that were typed.
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        let text = text.trim();
        if text.is_empty() {
            return Err(Problem::Required);
        }
        check_text(text, MESSAGE_MAX)?;
        Ok(Self(text.to_string()))
    }
}

impl Enrolments {
    /// Sends staff's `message` to everyone with a confirmed seat in the
    /// session, and to its waitlist when asked: how many were written to.
    /// Refused for a cancelled session (its learners were told), one that
    /// is over, and when nobody would get it. Each learner gets one mail,
    /// however their enrolments read.
    #[tracing::instrument(level = "debug", skip_all, fields(session_id))]
    pub async fn message_session(
        &self,
        actor: impl Into<Acting<'_>>,
        session_id: i64,
        message: MessageToSession,
    ) -> Result<usize, Error> {
        let acting = actor.into();
        staff_only(acting.user)?;
        let body = Body::parse(&message.body)
            .map_err(|problem| Error::Refused(AppError::Invalid(vec![FieldError { field: Field::Body, problem }])))?;
        let now = Utc::now();
        let mut write = self.catalogue.begin_write().await?;
        let tx = write.tx();
        // Under the session's lock, as every change to its places is made:
        // who holds one is read as the last change left it.
        let session = store::lock_session(tx, session_id).await?.ok_or(Error::NotFound)?;
        if session.status == "cancelled" {
            return Err(conflict(Refusal::MessageCancelled));
        }
        if session.status != "scheduled" || session.ends_at <= now {
            return Err(conflict(Refusal::MessageOver));
        }
        let mut told = BTreeSet::new();
        for enrolment in store::live_in_session(tx, session_id).await? {
            let wanted = match enrolment.status {
                EnrolmentStatus::Confirmed => true,
                EnrolmentStatus::Waitlisted => message.waitlist,
                EnrolmentStatus::Cancelled => false,
            };
            if !wanted || told.contains(&enrolment.user_id) {
                continue;
            }
            // A deleted account is not written to.
            let Some(learner) = store::recipient(tx, enrolment.user_id).await? else { continue };
            let mail = emails::message(&learner, &session, &body.0, self.tz, &self.public_url);
            self.send(tx, enrolment.user_id, mail).await?;
            told.insert(enrolment.user_id);
        }
        if told.is_empty() {
            return Err(conflict(Refusal::NobodyToMessage));
        }
        let mut diff = Diff::default();
        diff.field("messaged", 0, told.len())
            .field("waitlist", false, message.waitlist)
            .personal("message", "", &body.0);
        let change =
            Change { action: "session.messaged", entity: "session", entity_id: session_id, about: None, diff: &diff };
        acting.record_in(tx, change).await?;
        write.commit().await?;
        Ok(told.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_trimmed_required_and_bounded() {
        assert_eq!(Body::parse("  \r\n "), Err(Problem::Required));
        assert_eq!(
            Body::parse(" Room 4B\r\nsecond floor\r\n\r\nSee you "),
            Ok(Body("Room 4B\nsecond floor\n\nSee you".into()))
        );
        assert_eq!(Body::parse(&"x".repeat(MESSAGE_MAX)).map(|b| b.0.len()), Ok(MESSAGE_MAX));
        assert_eq!(Body::parse(&"x".repeat(MESSAGE_MAX + 1)), Err(Problem::TooLong { max: MESSAGE_MAX as u16 }));
        assert_eq!(Body::parse("bell\u{7}"), Err(Problem::BadCharacters));
    }
}
