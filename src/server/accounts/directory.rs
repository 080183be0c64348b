//! Administrators manage people here: find an account by name or address,
//! change its role, deactivate it and make it active again.
//!
//! Every write
//! - checks that the caller is an administrator before it reads anything,
//!   and refuses their own account (another administrator changes it);
//! - never leaves the academy without an active administrator: it starts
//!   by locking the active administrators' rows
//!   ([`store::directory::lock_active_admins`]), so two such writes queue
//!   and the second counts what the first left;
//! - ends the account's sessions in its own transaction, so the person's
//!   next request is signed out whichever instance serves it;
//! - and writes its audit entry in that transaction too.
//!
//! A deactivated account keeps everything: it cannot sign in (see
//! `Accounts::login` and `auth::current`), and its seats stay its own
//! unless the administrator asks for them to be handed on, which gives
//! them up exactly as a deletion does ([`Enrolments::release_all_in`]).
//!
//! [`Enrolments::release_all_in`]: crate::server::enrolment::Enrolments::release_all_in

use super::store::{self, directory as sql};
use super::{Accounts, Client, Event, refused};
use crate::error::AppError;
use crate::model::account::{Role, User};
use crate::model::enrolment::Refusal;
use crate::model::users::UserListQuery;
use crate::server::audit::{self, Actor, Change, Diff};
use crate::server::auth::must_be;
use crate::server::db::Tx;
use crate::server::error::Error;
use chrono::Utc;

pub use sql::DirectoryRow;

fn conflict(refusal: Refusal) -> Error {
    refused(AppError::Conflict(refusal))
}

/// One account as its page in the back office shows it.
pub struct Person {
    pub account: store::UserRow,
    /// Its seats and waitlist places in sessions not yet over.
    pub live_enrolments: i64,
}

/// Who asks for a role change: an administrator, or the operator at the
/// command line (who is trusted, and traced as such).
#[derive(Clone, Copy)]
pub enum RoleSetter<'a> {
    Admin(Actor<'a>),
    Operator,
}

impl Accounts {
    /// A page of the accounts matching `query`, by name, and how many
    /// match in all.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = actor.id))]
    pub async fn directory(&self, actor: &User, query: &UserListQuery) -> Result<(Vec<DirectoryRow>, i64), Error> {
        must_be(actor, Role::Admin)?;
        let search =
            sql::Search { q: &query.q, role: query.role, offset: query.offset(), limit: UserListQuery::PER_PAGE };
        let mut conn = self.db.acquire().await?;
        Ok(sql::search(&mut conn, &search).await?)
    }

    /// One live account, deactivated or not.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = actor.id, user_id))]
    pub async fn person(&self, actor: &User, user_id: i64) -> Result<Person, Error> {
        must_be(actor, Role::Admin)?;
        let account = store::user_by_id(&self.db, user_id).await?.ok_or(Error::NotFound)?;
        let mut conn = self.db.acquire().await?;
        let live_enrolments = sql::live_enrolments(&mut conn, user_id, Utc::now()).await?;
        Ok(Person { account, live_enrolments })
    }

    /// Gives an account another role (a privilege change: its sessions end,
    /// so its next request signs in afresh with the new role). The last
    /// active administrator keeps the role.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id))]
    pub async fn change_role(&self, by: RoleSetter<'_>, user_id: i64, role: Role) -> Result<(), Error> {
        if let RoleSetter::Admin(actor) = by {
            self.may_manage(actor.user, user_id)?;
        }
        let now = Utc::now();
        let mut tx = self.db.begin_write().await?;
        let admins = sql::lock_active_admins(&mut tx).await?;
        let before = sql::standing(&mut tx, user_id).await?.ok_or(Error::NotFound)?;
        if before.role == role {
            return Ok(());
        }
        if is_active_admin(&before) && admins <= 1 {
            return Err(conflict(Refusal::LastAdmin));
        }
        if sql::set_role(&mut tx, user_id, role, now).await? == 0 {
            return Err(Error::NotFound);
        }
        sql::end_sessions(&mut tx, user_id).await?;
        match by {
            RoleSetter::Admin(actor) => {
                let mut diff = Diff::default();
                diff.field("role", before.role.as_str(), role.as_str());
                record(&mut tx, actor, "user.role_changed", user_id, &diff).await?;
            }
            RoleSetter::Operator => {
                let detail = format!("role {} set by the operator", role.as_str());
                audit::record_in(&mut tx, Event::RoleChanged, Some(user_id), &Client::default(), &detail).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Deactivates an account: its sessions end at once, its reset links
    /// stop working, and it can no longer sign in. With `hand_on`, its
    /// seats and waitlist places are given up as for a deletion (the
    /// waitlists promoted, and told); without, they stay its own.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id, hand_on))]
    pub async fn deactivate(&self, actor: Actor<'_>, user_id: i64, hand_on: bool) -> Result<(), Error> {
        self.may_manage(actor.user, user_id)?;
        // A plain refusal before any seat is touched; the transaction
        // below decides for certain.
        let seen = store::user_by_id(&self.db, user_id).await?.ok_or(Error::NotFound)?;
        if seen.deactivated_at.is_some() {
            return Err(conflict(Refusal::AlreadyDeactivated));
        }
        let now = Utc::now();
        // Seats may change, so the catalogue's write (which forgets the
        // cached seat counts when it commits). The seats are released
        // first, as a deletion does: both lock the sessions, then the
        // account's row, and in that order two of them never deadlock.
        let mut write = self.enrolments.begin_write().await?;
        if hand_on {
            self.enrolments.release_all_in(write.tx(), user_id, now).await?;
        }
        let tx = write.tx();
        let admins = sql::lock_active_admins(tx).await?;
        let before = sql::standing(tx, user_id).await?.ok_or(Error::NotFound)?;
        if is_active_admin(&before) && admins <= 1 {
            return Err(conflict(Refusal::LastAdmin));
        }
        if !sql::set_deactivated(tx, user_id, Some(now), now).await? {
            return Err(conflict(Refusal::AlreadyDeactivated));
        }
        sql::end_sessions(tx, user_id).await?;
        store::retire_tokens(tx, user_id, "reset-password", now).await?;
        let mut diff = Diff::default();
        diff.field("active", "yes", "no");
        diff.field("seats", "held", if hand_on { "handed on" } else { "held" });
        record(tx, actor, "user.deactivated", user_id, &diff).await?;
        write.commit().await
    }

    /// Makes a deactivated account active again: its owner can sign in,
    /// and finds what it held (seats handed on stay with their new holders).
    #[tracing::instrument(level = "debug", skip_all, fields(user_id))]
    pub async fn reactivate(&self, actor: Actor<'_>, user_id: i64) -> Result<(), Error> {
        self.may_manage(actor.user, user_id)?;
        let now = Utc::now();
        let mut tx = self.db.begin_write().await?;
        if !sql::set_deactivated(&mut tx, user_id, None, now).await? {
            return Err(match sql::standing(&mut tx, user_id).await? {
                Some(_) => conflict(Refusal::NotDeactivated),
                None => Error::NotFound,
            });
        }
        let mut diff = Diff::default();
        diff.field("active", "no", "yes");
        record(&mut tx, actor, "user.reactivated", user_id, &diff).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Administrators only, and not on their own account.
    fn may_manage(&self, actor: &User, user_id: i64) -> Result<(), Error> {
        must_be(actor, Role::Admin)?;
        if actor.id == user_id {
            return Err(conflict(Refusal::OwnAccount));
        }
        Ok(())
    }
}

fn is_active_admin(row: &DirectoryRow) -> bool {
    row.role == Role::Admin && row.deactivated_at.is_none()
}

async fn record(tx: &mut Tx, actor: Actor<'_>, action: &str, user_id: i64, diff: &Diff) -> Result<(), Error> {
    // The entry is about the person too, so it is in their own export.
    let change = Change { action, entity: "user", entity_id: user_id, about: Some(user_id), diff };
    audit::change_in(tx, actor, change).await?;
    Ok(())
}
