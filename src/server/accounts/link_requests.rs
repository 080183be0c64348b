//! Asking for a link by address (a password reset, or a new confirmation
//! link from `/verify-email`) without telling whether the address has an
//! account: not by the answer, and not by how long the answer takes.
//!
//! The request does the same work for every address: it checks the
//! address, counts it against the client's and the address's limits, and
//! queues a job holding the address. Only the job, which runs apart from
//! any request, looks the account up and writes the link, its mail and the
//! audit entry in one transaction, or does nothing. So a request for a
//! known address and one for an unknown address leave the same rows: one
//! job of the same kind, about no account (an account id would tell).
//!
//! The address (and the client's address and browser, for the audit
//! trail) is personal data, so the payload holds it sealed with the
//! application's key, like a queued mail; a finished job keeps no payload
//! at all (see `jobs::queue`).

use super::limits::Limit;
use super::{Accounts, Client, invalid, store};
use crate::model::account::Email;
use crate::model::form::{Field, FieldError};
use crate::server::crypto::Keyring;
use crate::server::db::Db;
use crate::server::error::Error;
use crate::server::jobs::queue::{self, NewJob};
use crate::server::jobs::{Handler, Job, JobError, Outcome};
use async_trait::async_trait;
use chrono::Utc;
use serde::{Deserialize, Serialize};

/// The job kind that answers a request for a password reset link.
pub const RESET_LINK: &str = "accounts.reset-link";
/// The job kind that answers a request for a new confirmation link.
pub const CONFIRM_LINK: &str = "accounts.confirm-link";

/// Which link a request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkRequest {
    /// A password reset link, sent if the address has an account.
    Reset,
    /// A new confirmation link, sent if the address has an account that
    /// is not confirmed yet.
    Confirm,
}

impl LinkRequest {
    pub fn kind(self) -> &'static str {
        match self {
            LinkRequest::Reset => RESET_LINK,
            LinkRequest::Confirm => CONFIRM_LINK,
        }
    }

    /// The limits a request counts against: per client, per address.
    fn limits(self) -> (Limit, Limit) {
        match self {
            LinkRequest::Reset => (Limit::ForgotPerIp, Limit::ForgotPerAccount),
            LinkRequest::Confirm => (Limit::ResendPerIp, Limit::ResendPerAccount),
        }
    }

    /// The context the payload is sealed under: it opens only for its kind.
    fn seal_context(self) -> String {
        format!("jobs.{}", self.kind())
    }
}

/// Who asked for a link to which address: what the payload seals.
#[derive(Serialize, Deserialize)]
struct Asked {
    email: String,
    ip: String,
    user_agent: String,
}

/// A link request's payload: [`Asked`], sealed.
#[derive(Serialize, Deserialize)]
struct Payload {
    sealed: String,
}

fn job(keys: &Keyring, request: LinkRequest, asked: &Asked) -> Result<NewJob, sqlx::Error> {
    let json = serde_json::to_string(asked).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let payload = Payload { sealed: keys.seal(&json, &request.seal_context()) };
    let payload = serde_json::to_value(payload).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    Ok(NewJob::new(request.kind(), payload))
}

impl Accounts {
    /// Sends a fresh confirmation link to an address whose account is not
    /// confirmed yet. The answer, and the work done before it, are the
    /// same for every address: confirmed, unconfirmed or unknown.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn resend_verification(&self, email: &str, client: &Client) -> Result<(), Error> {
        self.request_link(LinkRequest::Confirm, email, client).await
    }

    /// E-mails a reset link when the address has an account. The answer,
    /// and the work done before it, are the same either way.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn forgot_password(&self, email: &str, client: &Client) -> Result<(), Error> {
        self.request_link(LinkRequest::Reset, email, client).await
    }

    /// Checks the address, counts the request against the client's and the
    /// address's limits (known or not, so a refusal tells nothing either),
    /// and queues the job that answers it.
    async fn request_link(&self, request: LinkRequest, email: &str, client: &Client) -> Result<(), Error> {
        let email =
            Email::parse(email).map_err(|problem| invalid(vec![FieldError { field: Field::Email, problem }]))?;
        let (per_client, per_address) = request.limits();
        self.limit(per_client, &client.ip).await?;
        self.limit(per_address, email.as_str()).await?;
        let asked =
            Asked { email: email.as_str().to_string(), ip: client.ip.clone(), user_agent: client.user_agent.clone() };
        queue::enqueue(&self.db, job(&self.keys, request, &asked)?).await?;
        Ok(())
    }
}

/// Runs the jobs of one [`LinkRequest`]: looks the address up and, if it
/// has an account the link is for, writes the link, queues its mail (and,
/// for a reset, the audit entry) in the job's own transaction, so they
/// happen once however often the job runs.
pub struct AnswerLinkRequest {
    accounts: Accounts,
    request: LinkRequest,
}

impl AnswerLinkRequest {
    pub fn new(accounts: Accounts, request: LinkRequest) -> Self {
        Self { accounts, request }
    }
}

#[async_trait]
impl Handler for AnswerLinkRequest {
    async fn run(&self, job: &Job, db: &Db) -> Result<Outcome, JobError> {
        let payload: Payload = job.payload_as()?;
        let asked: Asked = self
            .accounts
            .keys
            .open(&payload.sealed, &self.request.seal_context())
            .ok()
            .and_then(|json| serde_json::from_str(&json).ok())
            .ok_or_else(|| JobError::permanent("the request cannot be opened with this server's keys"))?;
        let user = store::user_by_email(db, &asked.email).await?;
        // A new confirmation link for a confirmed address would serve no
        // one, and no link serves a deactivated account, which cannot sign in.
        let Some(user) = user.filter(|user| {
            user.deactivated_at.is_none() && (self.request == LinkRequest::Reset || user.email_verified_at.is_none())
        }) else {
            return Ok(Outcome::Done);
        };
        let client = Client { ip: asked.ip, user_agent: asked.user_agent, local: false };
        let now = Utc::now();
        let mut tx = db.begin_write().await?;
        match self.request {
            LinkRequest::Reset => self.accounts.queue_reset_link(&mut tx, &user, &client, now).await?,
            LinkRequest::Confirm => {
                self.accounts.queue_verification(&mut tx, user.id, &user.name, &user.email, now).await?
            }
        }
        Ok(Outcome::Commit(tx))
    }
}
