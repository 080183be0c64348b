//! E-mail. A message is queued as a `mail.send` job, in the transaction of
//! the change it reports when there is one, and a worker delivers it: by
//! SMTP when `SMTP_URL` is set, otherwise into the `mailbox` table, which
//! `/dev/mailbox` shows in development.
//!
//! Delivery into the mailbox is exactly once (the row and the job's
//! completion commit together, and `job_id` is unique). Delivery by SMTP is
//! at least once: a worker that dies after the relay accepted a message and
//! before the job was marked done sends it again.

mod mailbox;
mod mailer;

pub use mailbox::mailbox;
pub use mailer::{Mailer, MailerError, Smtp};

use crate::server::db::{Db, Tx};
use crate::server::jobs::queue::{self, NewJob};
use crate::server::jobs::{Handler, Job, JobError, Outcome};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The job kind that delivers one [`Mail`].
pub const SEND: &str = "mail.send";
/// Attempts a message gets: with the queue's backoff, about an hour of
/// retries, enough to outlast a short outage of the relay.
pub const MAX_ATTEMPTS: i32 = 12;

/// One message, in plain text and HTML. It may hold a link with a token:
/// its `Debug` shows neither body, and it is never logged.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl fmt::Debug for Mail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mail").field("subject", &self.subject).finish_non_exhaustive()
    }
}

impl Mail {
    fn job(&self) -> Result<NewJob, sqlx::Error> {
        let payload = serde_json::to_value(self).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        Ok(NewJob::new(SEND, payload).max_attempts(MAX_ATTEMPTS))
    }
}

/// Queues `mail` inside the caller's transaction: it is sent if and only if
/// the caller's writes commit. Returns the job's id.
pub async fn queue(tx: &mut Tx, mail: Mail) -> Result<i64, sqlx::Error> {
    queue::enqueue_in(tx, mail.job()?).await
}

/// Queues `mail` on its own.
pub async fn queue_db(db: &Db, mail: Mail) -> Result<i64, sqlx::Error> {
    queue::enqueue(db, mail.job()?).await
}

/// Runs `mail.send` jobs.
pub struct SendMail {
    mailer: Mailer,
}

impl SendMail {
    pub fn new(mailer: Mailer) -> Self {
        Self { mailer }
    }
}

#[async_trait]
impl Handler for SendMail {
    async fn run(&self, job: &Job, db: &Db) -> Result<Outcome, JobError> {
        let mail: Mail = job.payload_as()?;
        match &self.mailer {
            Mailer::Smtp(smtp) => {
                smtp.send(&mail).await?;
                Ok(Outcome::Done)
            }
            Mailer::Mailbox => {
                let mut tx = db.begin().await?;
                mailbox::store(&mut tx, job.id, &mail, queue::now()).await?;
                Ok(Outcome::Commit(tx))
            }
        }
    }
}
