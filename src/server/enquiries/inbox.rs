//! The back office's inbox: staff list and search enquiries, read one,
//! set its status and assignee, add internal notes and reply by e-mail.
//!
//! Every function checks that the caller is staff before it looks
//! anything up. Every change runs in one write transaction with its entry
//! in the audit trail (who, from where, which enquiry, each field before
//! and after; the text of notes and replies never in clear), and a change
//! to the enquiry's own row names the version the page read: if someone
//! saved meanwhile, nothing is written and the page is told to reload.

use super::commands::{StateChange, StateForm, note_text};
use super::data::{Enquiry, InboxPage};
use super::{Enquiries, emails, store};
use crate::error::AppError;
use crate::model::account::{Role, User};
use crate::model::enquiry::{Assigned, EnquiryStatus, INBOX_PER_PAGE, InboxQuery, NoteKind};
use crate::model::form::Field;
use crate::server::audit::{self, Actor, Change, Diff};
use crate::server::db::Tx;
use crate::server::error::Error;
use crate::server::mail;
use chrono::Utc;

/// What the trail calls an enquiry.
const ENTITY: &str = "enquiry";

/// `Forbidden` unless `actor` is staff: checked before anything is looked
/// up, so the answer tells nothing of what exists.
fn staff_only(actor: &User) -> Result<(), Error> {
    crate::server::auth::must_be(actor, Role::Staff)
}

/// The refusal of a change made to a version that is no longer current,
/// showing what the enquiry holds now and the version to save over.
async fn stale(tx: &mut Tx, id: i64) -> Error {
    let now = match store::enquiry_in(tx, id).await {
        Ok(Some(row)) => row,
        Ok(None) => return Error::NotFound,
        Err(error) => return error.into(),
    };
    let assignee: Option<String> = match now.assignee_id {
        None => None,
        Some(user_id) => crate::server::db::with_tx!(tx, |conn| {
            sqlx::query_scalar("SELECT name FROM users WHERE id = $1").bind(user_id).fetch_optional(conn).await
        })
        .ok()
        .flatten(),
    };
    let changes = vec![
        ("Status".to_string(), now.status.label().to_string()),
        ("Assigned to".to_string(), assignee.unwrap_or_else(|| "Nobody".to_string())),
    ];
    Error::Refused(AppError::Stale { version: now.version, changes })
}

/// An assignee as the trail records it: the account's id, or empty.
fn assignee_text(id: Option<i64>) -> String {
    id.map(|id| id.to_string()).unwrap_or_default()
}

impl Enquiries {
    /// The enquiries `query` asks for, a page at a time, newest first.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = actor.id))]
    pub async fn inbox(&self, actor: &User, query: &InboxQuery) -> Result<InboxPage, Error> {
        staff_only(actor)?;
        let filter = store::Filter {
            status: query.status,
            assignee: match query.assignee {
                Assigned::Anyone => None,
                Assigned::Nobody => Some(None),
                Assigned::Me => Some(Some(actor.id)),
                Assigned::To(id) => Some(Some(id)),
            },
            course: query.course.as_deref(),
            words: query.q.split_whitespace().map(str::to_string).collect(),
        };
        let per_page = i64::from(INBOX_PER_PAGE);
        let offset = i64::from(query.page.saturating_sub(1)) * per_page;
        let (rows, total) = store::list(&self.db, &filter, per_page, offset).await?;
        let staff = store::staff(&self.db).await?;
        let courses = store::offered_courses(&self.db).await?;
        Ok(InboxPage { rows, total, staff, courses })
    }

    /// The people an enquiry can be assigned to, as (account id, name).
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = actor.id))]
    pub async fn staff(&self, actor: &User) -> Result<Vec<(i64, String)>, Error> {
        staff_only(actor)?;
        Ok(store::staff(&self.db).await?)
    }

    /// One enquiry with its notes and replies.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = actor.id, enquiry_id = id))]
    pub async fn enquiry(&self, actor: &User, id: i64) -> Result<Enquiry, Error> {
        staff_only(actor)?;
        let row = store::enquiry(&self.db, id).await?.ok_or(Error::NotFound)?;
        let notes = store::notes(&self.db, id).await?;
        Ok(Enquiry {
            phone: self.phone_of(&row),
            course: row.course_slug.zip(row.course_title),
            id: row.id,
            version: row.version,
            name: row.name,
            email: row.email,
            message: row.message,
            status: row.status,
            assignee_id: row.assignee_id,
            user_id: row.user_id,
            received_at: row.created_at,
            notes,
        })
    }

    /// The enquiry `id` in a write transaction, refused if the page read
    /// another version than the one stored.
    async fn current(tx: &mut Tx, id: i64, version: i64) -> Result<store::EnquiryRow, Error> {
        let row = store::enquiry_in(tx, id).await?.ok_or(Error::NotFound)?;
        if row.version != version {
            return Err(stale(tx, id).await);
        }
        Ok(row)
    }

    /// Sets the status and the assignee of an enquiry. A form that changes
    /// neither writes nothing.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = actor.user.id, enquiry_id = id))]
    pub async fn set_state(&self, actor: Actor<'_>, id: i64, form: &StateForm) -> Result<(), Error> {
        staff_only(actor.user)?;
        let staff: Vec<i64> = store::staff(&self.db).await?.into_iter().map(|(id, _)| id).collect();
        let change = StateChange::parse(form, &staff)?;
        let mut tx = self.db.begin_write().await?;
        let before = Self::current(&mut tx, id, change.version).await?;
        let mut diff = Diff::default();
        diff.field("status", before.status.as_str(), change.status.as_str());
        diff.field("assignee", assignee_text(before.assignee_id), assignee_text(change.assignee));
        if diff.is_empty() {
            return Ok(());
        }
        let now = Utc::now();
        if !store::set_state(&mut tx, id, change.version, change.status, change.assignee, now).await? {
            return Err(stale(&mut tx, id).await);
        }
        let change =
            Change { action: "enquiry.updated", entity: ENTITY, entity_id: id, about: before.user_id, diff: &diff };
        audit::change_in(&mut tx, actor, change).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds an internal note, which only staff see.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = actor.user.id, enquiry_id = id))]
    pub async fn add_note(&self, actor: Actor<'_>, id: i64, text: &str) -> Result<(), Error> {
        staff_only(actor.user)?;
        let body = note_text(text, Field::Note)?;
        let mut tx = self.db.begin_write().await?;
        let enquiry = store::enquiry_in(&mut tx, id).await?.ok_or(Error::NotFound)?;
        store::add_note(&mut tx, id, NoteKind::Note, actor.user.id, body.as_str(), Utc::now()).await?;
        let mut diff = Diff::default();
        diff.personal("note", "", body.as_str());
        let change =
            Change { action: "enquiry.noted", entity: ENTITY, entity_id: id, about: enquiry.user_id, diff: &diff };
        audit::change_in(&mut tx, actor, change).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replies to the sender by e-mail, in the thread of the
    /// acknowledgement they were sent, and marks the enquiry answered; the
    /// reply is kept with the notes. `version` is the one the page read.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = actor.user.id, enquiry_id = id))]
    pub async fn reply(&self, actor: Actor<'_>, id: i64, version: i64, text: &str) -> Result<(), Error> {
        staff_only(actor.user)?;
        let body = note_text(text, Field::Reply)?;
        let mut tx = self.db.begin_write().await?;
        let before = Self::current(&mut tx, id, version).await?;
        let now = Utc::now();
        if !store::set_state(&mut tx, id, version, EnquiryStatus::Answered, before.assignee_id, now).await? {
            return Err(stale(&mut tx, id).await);
        }
        store::add_note(&mut tx, id, NoteKind::Reply, actor.user.id, body.as_str(), now).await?;
        let reply = emails::reply(&before.email, &before.name, body.as_str(), &before.thread_token);
        mail::queue(&mut tx, &self.keys, before.user_id, &reply).await?;
        let mut diff = Diff::default();
        diff.field("status", before.status.as_str(), EnquiryStatus::Answered.as_str());
        diff.personal("reply", "", body.as_str());
        let change =
            Change { action: "enquiry.replied", entity: ENTITY, entity_id: id, about: before.user_id, diff: &diff };
        audit::change_in(&mut tx, actor, change).await?;
        tx.commit().await?;
        Ok(())
    }
}
