//! Which account signs in for an instructor profile (to see its rosters
//! and mark attendance), as administrators set it from an account's page.
//! It is a change to the profile like any other (see `taxonomy`): over
//! the version the page showed, refused as stale after someone else's
//! save, audited as `instructor.updated` with the address as personal
//! data, in one catalogue write. An account signs in for one profile at
//! most (the `instructors_user` index), and a profile is never taken from
//! the account it has unseen: it is unlinked first.

use super::Catalogue;
use super::taxonomy::{INSTRUCTOR_ACCOUNT, read, record, stale};
use crate::error::AppError;
use crate::model::account::{Role, User};
use crate::model::form::{Field, FieldError, Problem};
use crate::model::taxonomy::Taxon;
use crate::model::users::{InstructorChoice, ProfilePick};
use crate::server::audit::Actor;
use crate::server::auth::must_be;
use crate::server::db::with_pool;
use crate::server::db::with_tx;
use crate::server::error::Error;

fn field_error(problem: Problem) -> Error {
    Error::Refused(AppError::Invalid(vec![FieldError { field: Field::Instructor, problem }]))
}

#[derive(sqlx::FromRow)]
struct ChoiceRow {
    id: i64,
    version: i64,
    name: String,
    user_id: Option<i64>,
}

impl Catalogue {
    /// The profile `user_id` signs in for, if any, and the profiles no
    /// account signs in for, by name.
    pub async fn instructor_profiles(
        &self,
        actor: &User,
        user_id: i64,
    ) -> Result<(Option<InstructorChoice>, Vec<InstructorChoice>), Error> {
        must_be(actor, Role::Admin)?;
        let rows: Vec<ChoiceRow> = with_pool!(&self.db, |pool| {
            sqlx::query_as(
                "SELECT id, version, name, user_id FROM instructors
                 WHERE user_id IS NULL OR user_id = $1 ORDER BY lower(name), id",
            )
            .bind(user_id)
            .fetch_all(pool)
            .await
        })?;
        let (mut linked, mut free) = (None, Vec::new());
        for row in rows {
            let choice = InstructorChoice { id: row.id, version: row.version, name: row.name };
            match row.user_id {
                Some(_) => linked = Some(choice),
                None => free.push(choice),
            }
        }
        Ok((linked, free))
    }

    /// Makes `user_id` the account of the profile `pick`.
    pub async fn link_instructor(&self, actor: Actor<'_>, pick: ProfilePick, user_id: i64) -> Result<(), Error> {
        self.set_instructor_account(actor, pick, user_id, true).await
    }

    /// Takes `user_id` off the profile `pick`, which must be its own.
    pub async fn unlink_instructor(&self, actor: Actor<'_>, pick: ProfilePick, user_id: i64) -> Result<(), Error> {
        self.set_instructor_account(actor, pick, user_id, false).await
    }

    async fn set_instructor_account(
        &self,
        actor: Actor<'_>,
        pick: ProfilePick,
        user_id: i64,
        link: bool,
    ) -> Result<(), Error> {
        must_be(actor.user, Role::Admin)?;
        let mut write = self.begin_write().await?;
        let email: String = with_tx!(write.tx(), |c| {
            sqlx::query_scalar("SELECT email FROM users WHERE id = $1 AND deleted_at IS NULL")
                .bind(user_id)
                .fetch_optional(c)
                .await
        })?
        .ok_or(Error::NotFound)?;
        let before = read(write.tx(), Taxon::Instructor, pick.id).await?.ok_or(Error::NotFound)?;
        let linked_now = before.values.iter().find(|(field, _)| *field == "email").map(|(_, v)| v.clone());
        let linked_now = linked_now.unwrap_or_default();
        let after_email = if link { email.clone() } else { String::new() };
        let shown: Vec<(&'static str, String)> = before
            .values
            .iter()
            .map(|(field, value)| (*field, if *field == "email" { after_email.clone() } else { value.clone() }))
            .collect();
        if before.version != pick.version {
            return Err(stale(&before, &shown));
        }
        match link {
            true if !linked_now.is_empty() && linked_now != email => return Err(field_error(Problem::ProfileLinked)),
            // Only the account's own profile is taken from it.
            false if linked_now != email => return Err(Error::NotFound),
            _ => {}
        }
        let diff = before.diff(&shown);
        if diff.is_empty() {
            return Ok(());
        }
        let updated = with_tx!(write.tx(), |c| {
            sqlx::query("UPDATE instructors SET user_id = $1, version = version + 1 WHERE id = $2 AND version = $3")
                .bind(link.then_some(user_id))
                .bind(pick.id)
                .bind(pick.version)
                .execute(c)
                .await
                .map(|done| done.rows_affected())
        });
        let updated = match updated {
            Err(error) if INSTRUCTOR_ACCOUNT.violated_by(&error) => return Err(field_error(Problem::AccountLinked)),
            other => other?,
        };
        // Another save committed between the read and the UPDATE.
        if updated != 1 {
            drop(write);
            let now = self.taxon_record(actor.user, Taxon::Instructor, pick.id).await?;
            return Err(stale(&now, &shown));
        }
        record(&mut write, actor, Taxon::Instructor, "updated", pick.id, &diff).await?;
        write.commit().await
    }
}
