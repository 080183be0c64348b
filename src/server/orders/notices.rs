//! The job that mails an order's booker: the booking itself, or a document
//! issued later. Queued in the transaction that places the order or
//! issues the document (so it exists if and only if they do); it renders
//! the PDF and writes the mail when it runs, outside the session's lock.

use super::document::InvoiceDocument;
use super::store::{self, OrderRow};
use super::{emails, pdf};
use crate::server::crypto::Keyring;
use crate::server::db::Db;
use crate::server::enrolment::store::{recipient, session_facts};
use crate::server::jobs::queue::NewJob;
use crate::server::jobs::{Handler, Job, JobError, Outcome};
use crate::server::mail::{self, Attachment};
use async_trait::async_trait;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The job kind that mails an order's booker.
pub const DOCUMENT_MAIL: &str = "order.mail";

#[derive(Debug, Serialize, Deserialize)]
pub struct DocumentMail {
    pub order_id: i64,
    pub booker_id: i64,
    /// The document to send, if any.
    pub document_id: Option<i64>,
    /// The booking's own mail, rather than a later document's.
    #[serde(default)]
    pub placed: bool,
}

impl DocumentMail {
    pub fn issued(order: &OrderRow, document_id: i64) -> Self {
        Self { order_id: order.id, booker_id: order.booker_id, document_id: Some(document_id), placed: false }
    }

    pub fn placed(order_id: i64, booker_id: i64, document_id: Option<i64>) -> Self {
        Self { order_id, booker_id, document_id, placed: true }
    }

    pub fn job(&self) -> NewJob {
        let payload = serde_json::to_value(self).expect("a document mail serializes");
        NewJob::new(DOCUMENT_MAIL, payload).about(Some(self.booker_id))
    }
}

/// A document's PDF as a mail attachment, rendered off the async runtime.
pub async fn attachment(document: InvoiceDocument) -> Result<Attachment, JobError> {
    let filename = document.file_name();
    let bytes = tokio::task::spawn_blocking(move || pdf::render(&document))
        .await
        .map_err(|e| JobError::retry(format!("pdf: {e}")))?
        .map_err(|e| JobError::permanent(format!("pdf: {e}")))?;
    Ok(Attachment::binary(filename, "application/pdf", &bytes))
}

pub struct SendDocuments {
    keys: Arc<Keyring>,
    tz: Tz,
    public_url: Arc<str>,
}

impl SendDocuments {
    pub fn new(keys: Arc<Keyring>, tz: Tz, public_url: &str) -> Self {
        Self { keys, tz, public_url: public_url.into() }
    }
}

#[async_trait]
impl Handler for SendDocuments {
    async fn run(&self, job: &Job, db: &Db) -> Result<Outcome, JobError> {
        let notice: DocumentMail = job.payload_as()?;
        let document = match notice.document_id {
            Some(id) => {
                let mut tx = db.begin().await?;
                let row = store::document_in(&mut tx, id).await?;
                tx.commit().await?;
                let row = row.ok_or_else(|| JobError::permanent("the document is gone"))?;
                Some(row.document().map_err(|e| JobError::permanent(format!("document: {e}")))?)
            }
            None => None,
        };
        let file = match document.clone() {
            Some(document) => Some(attachment(document).await?),
            None => None,
        };
        let attendees = store::attendees(db, notice.order_id).await?;
        let mut tx = db.begin_write().await?;
        let Some(order) = store::order(&mut tx, notice.order_id).await? else { return Ok(Outcome::Done) };
        // A booker whose account is deleted is not written to.
        let Some(booker) = recipient(&mut tx, order.booker_id).await? else { return Ok(Outcome::Done) };
        let mail = match (notice.placed, &document) {
            (true, _) => {
                let Some(session) = session_facts(&mut tx, order.session_id).await? else { return Ok(Outcome::Done) };
                emails::placed(&booker, &order, &session, &attendees, document.as_ref(), self.tz, &self.public_url)
            }
            (false, Some(document)) => emails::issued(&booker, &order, document, &self.public_url),
            (false, None) => return Ok(Outcome::Done),
        };
        let mail = match file {
            Some(file) => mail.attach(file),
            None => mail,
        };
        mail::queue(&mut tx, &self.keys, Some(order.booker_id), &mail).await?;
        Ok(Outcome::Commit(tx))
    }
}
