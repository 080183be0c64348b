//! E-mail. A message is queued as a `mail.send` job, in the transaction of
//! the change it reports when there is one, and a worker delivers it: by
//! SMTP when `SMTP_URL` is set, otherwise into the `mailbox` table, which
//! `/dev/mailbox` shows in development.
//!
//! A message may hold a live link (a password reset), and always holds a
//! person's address and name, so the queue never keeps it in clear: the
//! payload is the message sealed with the application's key, plus the id
//! of the account it is for. The worker opens it when it sends, skips it
//! if that account has been deleted meanwhile, and a finished job keeps no
//! payload at all (see `jobs::queue`).
//!
//! Delivery into the mailbox is exactly once (the row and the job's
//! completion commit together, and `job_id` is unique). Delivery by SMTP is
//! at least once: a worker that dies after the relay accepted a message and
//! before the job was marked done sends it again, with the same
//! `Message-ID`, so the recipient's mail system can tell.

mod mailbox;
mod mailer;

pub use mailbox::mailbox;
pub use mailer::{Mailer, MailerError, Smtp, SmtpSecurity};

use crate::components::verbatim::escape_html as escape;
use crate::server::crypto::Keyring;
use crate::server::db::{Db, Tx, with_pool};
use crate::server::jobs::queue::{self, NewJob};
use crate::server::jobs::{Handler, Job, JobError, Outcome};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// The job kind that delivers one [`Mail`].
pub const SEND: &str = "mail.send";
/// Attempts a message gets: with the queue's backoff, about an hour of
/// retries, enough to outlast a short outage of the relay.
pub const MAX_ATTEMPTS: i32 = 12;
/// The context a message is sealed under: a sealed value opens only for
/// the purpose it was sealed for.
const SEAL_CONTEXT: &str = "jobs.mail.send";

/// One message, in plain text and HTML. It may hold a link with a token:
/// its `Debug` shows neither body, and it is never logged.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Files sent along (a session's `.ics`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    /// The conversation it belongs to, if any.
    #[serde(default, skip_serializing_if = "Thread::is_empty")]
    pub thread: Thread,
}

/// Where a message stands in a conversation, for mail readers that group
/// one (`Message-ID`, `In-Reply-To`, `References`). Each is the local part
/// of an id, which the sending domain completes: a random token Lyceum
/// made, never text anyone typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thread {
    /// The message's own id, when later messages will answer it; without
    /// one, each job makes its own (see [`message_id`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The message this one answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replies_to: Option<String>,
}

impl Thread {
    pub fn is_empty(&self) -> bool {
        self.id.is_none() && self.replies_to.is_none()
    }
}

/// A `Message-ID` of `domain` for the local part `token`.
pub fn thread_id(token: &str, domain: &str) -> String {
    format!("<{token}@{domain}>")
}

/// A file attached to a message.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub filename: String,
    /// A MIME type, parameters included (`text/calendar; charset=utf-8; method=PUBLISH`).
    pub content_type: String,
    /// The file's text; for a binary file (a PDF), its bytes in base64.
    pub body: String,
    /// Whether `body` is base64 of a binary file.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub base64: bool,
}

impl Attachment {
    /// A binary file, such as an invoice's PDF.
    pub fn binary(filename: String, content_type: &str, bytes: &[u8]) -> Self {
        use base64::Engine;
        let body = base64::engine::general_purpose::STANDARD.encode(bytes);
        Self { filename, content_type: content_type.to_string(), body, base64: true }
    }

    /// The file as it is sent.
    pub fn bytes(&self) -> Result<Vec<u8>, base64::DecodeError> {
        use base64::Engine;
        match self.base64 {
            true => base64::engine::general_purpose::STANDARD.decode(&self.body),
            false => Ok(self.body.as_bytes().to_vec()),
        }
    }
}

impl Mail {
    /// The same message with `attachment` added.
    pub fn attach(mut self, attachment: Attachment) -> Self {
        self.attachments.push(attachment);
        self
    }

    /// The same message, in `thread`.
    pub fn in_thread(mut self, thread: Thread) -> Self {
        self.thread = thread;
        self
    }
}

impl fmt::Debug for Mail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mail").field("subject", &self.subject).finish_non_exhaustive()
    }
}

/// A short message: greeting, paragraphs, an optional button, sign-off.
/// Every text is escaped in the HTML part.
pub fn message(to: &str, subject: &str, name: &str, paragraphs: &[&str], action: Option<(&str, &str)>) -> Mail {
    let mut text = format!("Hello {name},\n\n");
    let mut html = format!(
        "<!DOCTYPE html><html lang=\"en\"><body style=\"font-family: sans-serif; line-height: 1.5\">\
         <p>Hello {},</p>",
        escape(name)
    );
    for paragraph in paragraphs {
        text.push_str(paragraph);
        text.push_str("\n\n");
        // A line break inside a paragraph (an address, joining details)
        // stays one in HTML, where a bare one would run the lines together.
        html.push_str(&format!("<p>{}</p>", escape(paragraph).replace('\n', "<br>")));
    }
    if let Some((label, link)) = action {
        text.push_str(&format!("{label}:\n{link}\n\n"));
        html.push_str(&format!(
            "<p><a href=\"{0}\" style=\"display: inline-block; padding: 0.6em 1.2em; background: #1d4ed8; \
             color: #fff; border-radius: 6px; text-decoration: none\">{1}</a></p>\
             <p style=\"font-size: 0.9em; color: #555\">Or copy this address into your browser:<br>{0}</p>",
            escape(link),
            escape(label)
        ));
    }
    text.push_str("Lyceum\n");
    html.push_str("<p>Lyceum</p></body></html>");
    Mail {
        to: to.to_string(),
        subject: subject.to_string(),
        text,
        html,
        attachments: Vec::new(),
        thread: Thread::default(),
    }
}

/// What a `mail.send` job holds: the account the message is for (if any)
/// and the message, sealed.
#[derive(Serialize, Deserialize)]
struct Payload {
    user_id: Option<i64>,
    sealed: String,
}

fn job(keys: &Keyring, user_id: Option<i64>, mail: &Mail) -> Result<NewJob, sqlx::Error> {
    let json = serde_json::to_string(mail).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let payload = Payload { user_id, sealed: keys.seal(&json, SEAL_CONTEXT) };
    let payload = serde_json::to_value(payload).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    Ok(NewJob::new(SEND, payload).max_attempts(MAX_ATTEMPTS).about(user_id))
}

/// Queues `mail` (to the account `user_id`, when it is for one) inside the
/// caller's transaction: it is sent if and only if the caller's writes
/// commit. Returns the job's id.
pub async fn queue(tx: &mut Tx, keys: &Keyring, user_id: Option<i64>, mail: &Mail) -> Result<i64, sqlx::Error> {
    queue::enqueue_in(tx, job(keys, user_id, mail)?).await
}

/// Queues `mail` on its own.
pub async fn queue_db(db: &Db, keys: &Keyring, user_id: Option<i64>, mail: &Mail) -> Result<i64, sqlx::Error> {
    queue::enqueue(db, job(keys, user_id, mail)?).await
}

/// The message a `mail.send` payload holds, opened with `keys`; `None` when
/// it cannot be read (another key, another shape, or a finished job's
/// emptied payload).
pub fn open(keys: &Keyring, payload: &str) -> Option<Mail> {
    open_payload(keys, &serde_json::from_str(payload).ok()?)
}

fn open_payload(keys: &Keyring, payload: &Payload) -> Option<Mail> {
    serde_json::from_str(&keys.open(&payload.sealed, SEAL_CONTEXT).ok()?).ok()
}

/// A `Message-ID` that stays the same for every attempt of one job, and
/// differs between jobs (and between databases: it hashes the sealed
/// payload, which is random).
pub fn message_id(job: &Job, domain: &str) -> String {
    let digest = crate::server::crypto::token_hash(job.payload());
    format!("<{}.{}@{}>", job.id, &digest[..24], domain)
}

/// The `Message-ID` of `mail`, sent by `job`: the one its thread gives it,
/// or the job's own.
fn message_id_of(mail: &Mail, job: &Job, domain: &str) -> String {
    match &mail.thread.id {
        Some(token) => thread_id(token, domain),
        None => message_id(job, domain),
    }
}

/// Runs `mail.send` jobs.
pub struct SendMail {
    mailer: Mailer,
    keys: Arc<Keyring>,
}

impl SendMail {
    pub fn new(mailer: Mailer, keys: Arc<Keyring>) -> Self {
        Self { mailer, keys }
    }
}

/// Whether the account a message is for still exists.
async fn recipient_exists(db: &Db, user_id: i64) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = with_pool!(db, |pool| {
        sqlx::query_scalar("SELECT id FROM users WHERE id = $1 AND deleted_at IS NULL")
            .bind(user_id)
            .fetch_optional(pool)
            .await
    })?;
    Ok(found.is_some())
}

#[async_trait]
impl Handler for SendMail {
    async fn run(&self, job: &Job, db: &Db) -> Result<Outcome, JobError> {
        let payload: Payload = job.payload_as()?;
        if let Some(user_id) = payload.user_id
            && !recipient_exists(db, user_id).await?
        {
            // The account was deleted after the message was queued.
            return Ok(Outcome::Done);
        }
        let mail = open_payload(&self.keys, &payload)
            .ok_or_else(|| JobError::permanent("the message cannot be opened with this server's keys"))?;
        match &self.mailer {
            Mailer::Smtp(smtp) => {
                smtp.send(&mail, &message_id_of(&mail, job, smtp.domain())).await?;
                Ok(Outcome::Done)
            }
            Mailer::Mailbox => {
                let mut tx = db.begin_write().await?;
                mailbox::store(&mut tx, job.id, &mail, queue::now()).await?;
                Ok(Outcome::Commit(tx))
            }
        }
    }
}
