//! Enquiries: what visitors ask through `/contact`, and the back office's
//! inbox where staff answer them.
//!
//! Sending one ([`Enquiries::submit`]) counts against the client's limit,
//! quietly drops what fills in the form's trap field, parses the form into
//! a [`commands::NewEnquiry`], and stores it with the acknowledgement to
//! the sender and the notice to staff queued in the same transaction. The
//! sender's phone number is sealed at rest like an account's.
//!
//! Staff read and change enquiries through [`inbox`]: each function checks
//! the caller is staff before anything else, and each change is written to
//! the audit trail in its own transaction, naming the version it read.
//! An account's export and deletion take in the enquiries sent from it or
//! from its address ([`Enquiries::export`], [`Enquiries::forget_in`]).

pub mod commands;
pub mod data;
mod emails;
mod inbox;
pub mod store;

use crate::model::account::User;
use crate::server::accounts::limits::{Limit, Limits};
use crate::server::client::Client;
use crate::server::crypto::{Keyring, new_token, token_hash};
use crate::server::db::{Db, Tx};
use crate::server::error::Error;
use crate::server::mail;
use chrono::Utc;
use commands::{EnquiryForm, NewEnquiry};
use serde_json::json;
use std::sync::Arc;
use store::{EnquiryRow, Offered};

#[derive(Clone)]
pub struct Enquiries {
    db: Db,
    keys: Arc<Keyring>,
    limits: Arc<Limits>,
    public_url: Arc<str>,
    /// Where staff are told of a new enquiry: the academy's own address.
    staff_address: Arc<str>,
}

/// The context a phone number is sealed under: bound to its enquiry (by
/// the enquiry's random thread token), so a sealed value copied to another
/// row does not open.
fn phone_context(thread_token: &str) -> String {
    format!("enquiries.phone:{thread_token}")
}

/// A fresh thread token: the local part of the acknowledgement's
/// `Message-ID`, random, in characters any mail header takes.
fn new_thread_token() -> String {
    format!("enquiry.{}", &token_hash(&new_token())[..32])
}

impl Enquiries {
    pub fn new(db: Db, keys: Arc<Keyring>, limits: Arc<Limits>, public_url: &str, staff_address: &str) -> Self {
        Self { db, keys, limits, public_url: public_url.into(), staff_address: staff_address.into() }
    }

    fn phone_of(&self, row: &EnquiryRow) -> Option<String> {
        let sealed = row.phone_enc.as_ref()?;
        match self.keys.open(sealed, &phone_context(&row.thread_token)) {
            Ok(phone) => Some(phone),
            Err(error) => {
                tracing::error!(enquiry_id = row.id, %error, "stored phone number does not open");
                None
            }
        }
    }

    /// The courses an enquiry can be about.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn offered(&self) -> Result<Vec<Offered>, Error> {
        Ok(store::offered_courses(&self.db).await?)
    }

    /// Receives an enquiry from `client` (signed in as `sender`, if they
    /// are). A form whose trap field is filled in gets the same answer as
    /// any other and leaves nothing behind.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn submit(&self, client: &Client, sender: Option<&User>, form: &EnquiryForm) -> Result<(), Error> {
        self.limits.enforce(Limit::ContactPerIp, &client.ip).await?;
        if form.is_trap() {
            tracing::info!("an enquiry filled in the trap field: answered, not kept");
            return Ok(());
        }
        let offered = store::offered_courses(&self.db).await?;
        let enquiry = NewEnquiry::parse(form, &offered)?;
        let thread_token = new_thread_token();
        let phone_enc =
            enquiry.phone.as_ref().map(|phone| self.keys.seal(phone.as_str(), &phone_context(&thread_token)));
        let email = enquiry.email.as_str();
        let now = Utc::now();
        let mut tx = self.db.begin_write().await?;
        let user_id = match sender {
            Some(user) => Some(user.id),
            None => store::account_with(&mut tx, email).await?,
        };
        let new = store::NewRow {
            name: enquiry.name.as_str(),
            email,
            phone_enc: phone_enc.as_deref(),
            course_id: enquiry.course,
            message: enquiry.message.as_str(),
            user_id,
            thread_token: &thread_token,
        };
        let id = store::insert(&mut tx, &new, now).await?;
        let ack = emails::acknowledgement(email, &thread_token, &self.public_url);
        mail::queue(&mut tx, &self.keys, user_id, &ack).await?;
        let course = enquiry.course.and_then(|id| offered.iter().find(|c| c.id == id)).map(|c| c.title.as_str());
        let notice = emails::staff_notice(&self.staff_address, id, course, &self.public_url);
        mail::queue(&mut tx, &self.keys, None, &notice).await?;
        tx.commit().await?;
        tracing::info!(enquiry_id = id, "enquiry received");
        Ok(())
    }

    /// The enquiries sent from the account `user_id` or its address
    /// `email`, for the account's data export.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id))]
    pub async fn export(&self, user_id: i64, email: &str) -> Result<serde_json::Value, Error> {
        let mut exported = Vec::new();
        for row in store::of_person(&self.db, user_id, email).await? {
            let notes = store::notes(&self.db, row.id).await?;
            exported.push(json!({
                "received_at": row.created_at,
                "name": row.name,
                "email": row.email,
                "phone": self.phone_of(&row).unwrap_or_default(),
                "course": row.course_title,
                "message": row.message,
                "status": row.status.as_str(),
                "notes": notes.iter().map(|note| json!({
                    "kind": note.kind.as_str(),
                    "at": note.created_at,
                    "text": note.body,
                })).collect::<Vec<_>>(),
            }));
        }
        Ok(serde_json::Value::Array(exported))
    }

    /// Removes the enquiries sent from the account `user_id` or its address
    /// `email`, with their notes, in the transaction that deletes the account.
    pub async fn forget_in(&self, tx: &mut Tx, user_id: i64, email: &str) -> Result<(), Error> {
        store::forget_in(tx, user_id, email).await?;
        Ok(())
    }
}
