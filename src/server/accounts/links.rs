//! The links Lyceum e-mails: confirming an address, and resetting a
//! forgotten password. Each is a random token whose SHA-256 alone is kept,
//! works once, expires, and is retired by a newer one; a reset link also
//! dies with the password (or address) it was issued against. Asking for
//! one by address goes through the job queue (`link_requests`).

use super::store::{self, UserRow};
use super::{Accounts, Client, Event, NewPassword, emails, invalid, refused};
use super::{RESET_LINK_LIFETIME, VERIFY_LINK_LIFETIME};
use crate::error::AppError;
use crate::model::form::{Field, FieldError};
use crate::server::error::Error;
use crate::server::{audit, crypto, mail};
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
    ) -> Result<(), sqlx::Error> {
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
        mail::queue(tx, &self.keys, Some(user_id), &emails::verify_email(name, email, &link)).await?;
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

    /// Writes a reset link for `user` and queues its mail, in `tx`: what a
    /// request for one does (see `link_requests`) once the address turns
    /// out to have an account. `client` asked for it.
    pub(super) async fn queue_reset_link(
        &self,
        tx: &mut crate::server::db::Tx,
        user: &UserRow,
        client: &Client,
        now: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        let token = crypto::new_token();
        store::retire_tokens(tx, user.id, "reset-password", now).await?;
        let link = store::NewToken {
            user_id: user.id,
            purpose: "reset-password",
            hash: &crypto::token_hash(&token),
            stamp: &link_stamp(user),
            expires_at: now + RESET_LINK_LIFETIME,
        };
        store::insert_token(tx, &link, now).await?;
        let link = format!("{}/reset-password?token={token}", self.public_url);
        mail::queue(tx, &self.keys, Some(user.id), &emails::reset_password(&user.name, &user.email, &link)).await?;
        audit::record_in(tx, Event::PasswordResetRequested, Some(user.id), client, "").await
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
        store::clear_throttle(&self.db, &self.throttle_key(&user.email)).await?;
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
        // A deactivated account's links are retired with it; this also
        // refuses one that was being used at that very moment.
        Ok(user.filter(|user| stamp == link_stamp(user) && user.deactivated_at.is_none()))
    }
}
