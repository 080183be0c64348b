//! The links Lyceum e-mails: confirming an address, and resetting a
//! forgotten password. Each is a random token whose SHA-256 alone is kept,
//! works once, expires, and is retired by a newer one; a reset link also
//! dies with the password (or address) it was issued against.

use super::limits::Limit;
use super::store::{self, UserRow};
use super::{Accounts, Client, Event, NewPassword, emails, invalid, refused};
use super::{RESET_LINK_LIFETIME, VERIFY_LINK_LIFETIME};
use crate::error::AppError;
use crate::model::account::Email;
use crate::model::form::{Field, FieldError};
use crate::server::crypto;
use crate::server::error::Error;
use chrono::{DateTime, Utc};

/// What a reset link is issued against: the account's address and password
/// as they are now. Changing either retires the link.
fn link_stamp(user: &UserRow) -> String {
    crypto::token_hash(&format!("{}\n{}", user.email, user.password_hash))
}

impl Accounts {
    pub(super) async fn queue_verification(
        &self,
        tx: &mut crate::server::db::Tx,
        user_id: i64,
        name: &str,
        email: &str,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let token = crypto::new_token();
        store::retire_tokens(tx, user_id, "verify-email", now).await?;
        let link = store::NewToken {
            user_id,
            purpose: "verify-email",
            hash: &crypto::token_hash(&token),
            stamp: "",
            expires_at: now + VERIFY_LINK_LIFETIME,
        };
        store::insert_token(tx, &link, now).await?;
        let link = format!("{}/verify-email?token={token}", self.public_url);
        self.send(tx, user_id, emails::verify_email(name, email, &link)).await?;
        Ok(())
    }

    /// Confirms the address of the link's account. Single use.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn verify_email(&self, token: &str, client: &Client) -> Result<(), Error> {
        let now = Utc::now();
        let mut tx = self.db.begin().await?;
        let user_id = store::consume_token(&mut tx, "verify-email", &crypto::token_hash(token.trim()), now)
            .await?
            .ok_or(refused(AppError::InvalidLink))?;
        store::mark_verified(&mut tx, user_id, now).await?;
        tx.commit().await?;
        self.audit(Event::EmailVerified, Some(user_id), client, "").await;
        Ok(())
    }

    /// The first steps of a request for a link by e-mail: the address is
    /// checked, the request counted against the client's and the address's
    /// limits (known or not, so a refusal tells nothing), and its account
    /// looked up.
    async fn link_request(
        &self,
        email: &str,
        per_client: Limit,
        per_address: Limit,
        client: &Client,
    ) -> Result<Option<UserRow>, Error> {
        let email =
            Email::parse(email).map_err(|problem| invalid(vec![FieldError { field: Field::Email, problem }]))?;
        self.limit(per_client, &client.ip).await?;
        self.limit(per_address, email.as_str()).await?;
        Ok(store::user_by_email(&self.db, email.as_str()).await?)
    }

    /// Sends a fresh confirmation link to an address whose account is not
    /// confirmed yet. The answer is the same for every address: confirmed,
    /// unconfirmed or unknown.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn resend_verification(&self, email: &str, client: &Client) -> Result<(), Error> {
        let user = self.link_request(email, Limit::ResendPerIp, Limit::ResendPerAccount, client).await?;
        let Some(user) = user.filter(|user| user.email_verified_at.is_none()) else {
            return Ok(());
        };
        let mut tx = self.db.begin().await?;
        self.queue_verification(&mut tx, user.id, &user.name, &user.email, Utc::now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// E-mails a reset link when the address has an account. The answer is
    /// the same either way.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn forgot_password(&self, email: &str, client: &Client) -> Result<(), Error> {
        let user = self.link_request(email, Limit::ForgotPerIp, Limit::ForgotPerAccount, client).await?;
        let Some(user) = user else {
            return Ok(());
        };
        let now = Utc::now();
        let token = crypto::new_token();
        let mut tx = self.db.begin().await?;
        store::retire_tokens(&mut tx, user.id, "reset-password", now).await?;
        let link = store::NewToken {
            user_id: user.id,
            purpose: "reset-password",
            hash: &crypto::token_hash(&token),
            stamp: &link_stamp(&user),
            expires_at: now + RESET_LINK_LIFETIME,
        };
        store::insert_token(&mut tx, &link, now).await?;
        let link = format!("{}/reset-password?token={token}", self.public_url);
        self.send(&mut tx, user.id, emails::reset_password(&user.name, &user.email, &link)).await?;
        tx.commit().await?;
        self.audit(Event::PasswordResetRequested, Some(user.id), client, "").await;
        Ok(())
    }

    /// Sets a new password from a reset link: single use, ends every
    /// session of the account and lifts any lockout.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn reset_password(&self, token: &str, new_password: &str, client: &Client) -> Result<(), Error> {
        let token_hash = crypto::token_hash(token.trim());
        let now = Utc::now();
        // Look first (the password's rules need the account's address),
        // consume only once the password passes.
        let user = self.reset_link_user(&token_hash, now).await?.ok_or(refused(AppError::InvalidLink))?;
        let new_password = NewPassword::parse(new_password, &user.email)
            .map_err(|problem| invalid(vec![FieldError { field: Field::NewPassword, problem }]))?;
        let hash = self.passwords.hash(new_password.expose()).await?;
        let mut tx = self.db.begin().await?;
        if store::consume_token(&mut tx, "reset-password", &token_hash, now).await? != Some(user.id) {
            return Err(refused(AppError::InvalidLink));
        }
        // Only over the password the link was checked against: of two links
        // used at once, one wins and the other is refused.
        if !store::replace_password(&mut tx, user.id, &user.password_hash, &hash, now).await? {
            return Err(refused(AppError::InvalidLink));
        }
        store::end_other_sessions(&mut tx, user.id, None).await?;
        // Following the link proves the address too.
        store::mark_verified(&mut tx, user.id, now).await?;
        self.send(&mut tx, user.id, emails::password_changed(&user.name, &user.email, &self.public_url)).await?;
        tx.commit().await?;
        store::clear_throttle(&self.db, &crypto::token_hash(&user.email)).await?;
        self.audit(Event::PasswordReset, Some(user.id), client, "").await;
        Ok(())
    }

    /// Whether a reset link is live, for the page that asks for the new password.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn reset_link_is_live(&self, token: &str) -> Result<bool, Error> {
        Ok(self.reset_link_user(&crypto::token_hash(token.trim()), Utc::now()).await?.is_some())
    }

    /// The account of a live reset link, if the link is still good for it:
    /// unused, unexpired, and issued against the account's current address
    /// and password (its stamp).
    async fn reset_link_user(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<UserRow>, Error> {
        let link: Option<(i64, String)> = crate::server::db::with_pool!(&self.db, |pool| {
            sqlx::query_as(
                "SELECT user_id, stamp FROM user_tokens
                 WHERE token_hash = $1 AND purpose = 'reset-password' AND used_at IS NULL AND expires_at > $2",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await
        })?;
        let Some((id, stamp)) = link else { return Ok(None) };
        let user = store::user_by_id(&self.db, id).await?;
        Ok(user.filter(|user| stamp == link_stamp(user)))
    }
}
