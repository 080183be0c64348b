//! Staff change courses here, and only here: the back office, the CSV
//! import and the REST API call these functions, and so does nothing else
//! write a course. Each write
//! - checks the caller is staff before it reads anything,
//! - runs in one [`Catalogue::begin_write`] transaction, whose commit
//!   forgets the cached catalogue,
//! - names the version it read: `UPDATE … WHERE version = $n`, so that of
//!   two people saving the same course the second is refused and shown what
//!   the first saved ([`AppError::Stale`]), never silently overwritten,
//! - and writes its audit entry in the same transaction.

use super::changes::CourseChange;
use super::{Catalogue, Write};
use crate::error::AppError;
use crate::model::account::{Role, User};
use crate::model::enrolment::Refusal;
use crate::model::form::{Field, FieldError, Problem};
use crate::model::query::Level;
use crate::server::audit::{self, Actor, Change, Diff};
use crate::server::auth::must_be;
use crate::server::db::{Tx, Unique, with_pool, with_tx};
use crate::server::error::Error;
use chrono::{DateTime, Utc};

const COURSE_SLUG: Unique = Unique { postgres: "courses_slug_key", sqlite: "courses.slug" };

/// A course as staff edit it: every field, its state and its version.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct CourseRecord {
    pub id: i64,
    pub version: i64,
    pub slug: String,
    pub title: String,
    /// The category's slug.
    pub category: String,
    pub summary: String,
    pub description: String,
    pub outcomes: String,
    pub prerequisites: String,
    pub level: Level,
    pub duration_hours: i64,
    pub price_cents: i64,
    pub currency: String,
    pub language: String,
    pub awards_certificate: bool,
    pub published: bool,
    pub archived: bool,
    pub updated_at: DateTime<Utc>,
}

const RECORD: &str = "SELECT c.id, c.version, c.slug, c.title, k.slug AS category, c.summary, c.description, \
     c.outcomes, c.prerequisites, c.level, c.duration_hours, c.price_cents, c.currency, c.language, \
     c.awards_certificate, c.published, c.archived, c.updated_at \
     FROM courses c JOIN categories k ON k.id = c.category_id WHERE c.id = $1";

impl CourseRecord {
    /// The fields of `change` that differ from this record, as (field,
    /// before, after).
    fn diff(&self, change: &CourseChange) -> Diff {
        let mut diff = Diff::default();
        diff.field("slug", &self.slug, &change.slug)
            .field("title", &self.title, &change.title)
            .field("category", &self.category, &change.category)
            .field("summary", &self.summary, &change.summary)
            .field("description", &self.description, &change.description)
            .field("outcomes", &self.outcomes, &change.outcomes)
            .field("prerequisites", &self.prerequisites, &change.prerequisites)
            .field("level", self.level.as_str(), change.level.as_str())
            .field("duration_hours", self.duration_hours, change.duration_hours)
            .field("price_cents", self.price_cents, change.price_cents)
            .field("language", &self.language, &change.language)
            .field("awards_certificate", self.awards_certificate, change.awards_certificate);
        diff
    }

    /// What this record holds where `change` differs, as (field, value)
    /// for a person to compare with what they typed.
    fn differences(&self, change: &CourseChange) -> Vec<(String, String)> {
        self.diff(change).changes().iter().map(|c| (c.field.clone(), c.before.clone().unwrap_or_default())).collect()
    }
}

fn created(change: &CourseChange) -> Diff {
    let mut diff = Diff::default();
    diff.created("slug", &change.slug)
        .created("title", &change.title)
        .created("category", &change.category)
        .created("summary", &change.summary)
        .created("description", &change.description)
        .created("outcomes", &change.outcomes)
        .created("prerequisites", &change.prerequisites)
        .created("level", change.level.as_str())
        .created("duration_hours", change.duration_hours)
        .created("price_cents", change.price_cents)
        .created("language", &change.language)
        .created("awards_certificate", change.awards_certificate);
    diff
}

async fn read_record(tx: &mut Tx, id: i64) -> Result<Option<CourseRecord>, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query_as::<_, CourseRecord>(RECORD).bind(id).fetch_optional(c).await)
}

/// The category's id, or the field error of a category that does not exist.
async fn category_id(tx: &mut Tx, slug: &str) -> Result<i64, Error> {
    let id: Option<i64> = with_tx!(tx, |c| sqlx::query_scalar("SELECT id FROM categories WHERE slug = $1")
        .bind(slug)
        .fetch_optional(c)
        .await)?;
    id.ok_or_else(|| {
        Error::Refused(AppError::Invalid(vec![FieldError { field: Field::Category, problem: Problem::UnknownChoice }]))
    })
}

impl Catalogue {
    /// One course as staff edit it, by its slug.
    pub async fn course_record_by_slug(&self, actor: &User, slug: &str) -> Result<CourseRecord, Error> {
        must_be(actor, Role::Staff)?;
        let id: Option<i64> = with_pool!(self.db, |pool| sqlx::query_scalar("SELECT id FROM courses WHERE slug = $1")
            .bind(slug)
            .fetch_optional(pool)
            .await)?;
        self.course_record(actor, id.ok_or(Error::NotFound)?).await
    }

    /// One course as staff edit it.
    pub async fn course_record(&self, actor: &User, id: i64) -> Result<CourseRecord, Error> {
        must_be(actor, Role::Staff)?;
        let record =
            with_pool!(self.db, |pool| sqlx::query_as::<_, CourseRecord>(RECORD).bind(id).fetch_optional(pool).await)?;
        record.ok_or(Error::NotFound)
    }

    /// Creates a course, unpublished, and returns its id.
    pub async fn create_course(&self, actor: Actor<'_>, change: CourseChange) -> Result<i64, Error> {
        must_be(actor.user, Role::Staff)?;
        let mut write = self.begin_write().await?;
        let category = category_id(write.tx(), &change.category).await?;
        let inserted = insert_course(write.tx(), category, &change, Utc::now()).await;
        let id = inserted.map_err(|e| COURSE_SLUG.as_field_error(e, Field::Slug))?;
        record_created(&mut write, actor, id, &change).await?;
        write.commit().await?;
        Ok(id)
    }

    /// Saves a course's content over `version`, the one the editor read;
    /// whether anything changed (and the version moved on by one).
    pub async fn update_course(
        &self,
        actor: Actor<'_>,
        id: i64,
        version: i64,
        change: CourseChange,
    ) -> Result<bool, Error> {
        must_be(actor.user, Role::Staff)?;
        let mut write = self.begin_write().await?;
        let before = read_record(write.tx(), id).await?.ok_or(Error::NotFound)?;
        if before.version != version {
            return Err(stale(&before, &change));
        }
        let diff = before.diff(&change);
        if diff.is_empty() {
            return Ok(false);
        }
        let category = category_id(write.tx(), &change.category).await?;
        let updated: Result<u64, sqlx::Error> = with_tx!(write.tx(), |c| {
            sqlx::query(
                "UPDATE courses SET slug = $1, category_id = $2, title = $3, summary = $4, description = $5, \
                 outcomes = $6, prerequisites = $7, level = $8, duration_hours = $9, price_cents = $10, \
                 language = $11, awards_certificate = $12, updated_at = $13, version = version + 1 \
                 WHERE id = $14 AND version = $15",
            )
            .bind(&change.slug)
            .bind(category)
            .bind(&change.title)
            .bind(&change.summary)
            .bind(&change.description)
            .bind(&change.outcomes)
            .bind(&change.prerequisites)
            .bind(change.level.as_str())
            .bind(change.duration_hours)
            .bind(change.price_cents)
            .bind(&change.language)
            .bind(change.awards_certificate)
            .bind(Utc::now())
            .bind(id)
            .bind(version)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        });
        // Another save committed between the read and this UPDATE (on
        // PostgreSQL the UPDATE waited for it, then found a newer version).
        if updated.map_err(|e| COURSE_SLUG.as_field_error(e, Field::Slug))? != 1 {
            drop(write);
            let now = self.course_record(actor.user, id).await?;
            return Err(stale(&now, &change));
        }
        record(&mut write, actor, "course.updated", id, &diff).await?;
        write.commit().await?;
        Ok(true)
    }

    /// Puts a course in the public catalogue, or takes it out. An
    /// archived course cannot be published.
    pub async fn set_published(&self, actor: Actor<'_>, id: i64, published: bool) -> Result<(), Error> {
        self.set_published_at(actor, id, published, None).await.map(drop)
    }

    /// [`Catalogue::set_published`] over `version` when one is given (the
    /// API's writes name the version they read); whether it changed.
    pub async fn set_published_at(
        &self,
        actor: Actor<'_>,
        id: i64,
        published: bool,
        version: Option<i64>,
    ) -> Result<bool, Error> {
        must_be(actor.user, Role::Staff)?;
        let mut write = self.begin_write().await?;
        let before = read_record(write.tx(), id).await?.ok_or(Error::NotFound)?;
        if version.is_some_and(|version| version != before.version) {
            return Err(stale_state(&before));
        }
        if before.archived && published {
            return Err(Error::Refused(AppError::Conflict(Refusal::Archived)));
        }
        if before.published == published {
            return Ok(false);
        }
        if !set_state(write.tx(), id, published, false, version).await? {
            return Err(stale_state(&before));
        }
        let mut diff = Diff::default();
        diff.field("published", before.published, published);
        let action = if published { "course.published" } else { "course.unpublished" };
        record(&mut write, actor, action, id, &diff).await?;
        write.commit().await?;
        Ok(true)
    }

    /// Takes a course out of the catalogue for good, keeping its sessions,
    /// enrolments and certificates.
    pub async fn archive_course(&self, actor: Actor<'_>, id: i64) -> Result<(), Error> {
        self.archive_course_at(actor, id, None).await.map(drop)
    }

    /// [`Catalogue::archive_course`] over `version` when one is given;
    /// whether it changed.
    pub async fn archive_course_at(&self, actor: Actor<'_>, id: i64, version: Option<i64>) -> Result<bool, Error> {
        must_be(actor.user, Role::Staff)?;
        let mut write = self.begin_write().await?;
        let before = read_record(write.tx(), id).await?.ok_or(Error::NotFound)?;
        if version.is_some_and(|version| version != before.version) {
            return Err(stale_state(&before));
        }
        if before.archived {
            return Ok(false);
        }
        if !set_state(write.tx(), id, false, true, version).await? {
            return Err(stale_state(&before));
        }
        let mut diff = Diff::default();
        diff.field("published", before.published, false).field("archived", false, true);
        record(&mut write, actor, "course.archived", id, &diff).await?;
        write.commit().await?;
        Ok(true)
    }

    /// Deletes a course that never had a learner: one with enrolments or
    /// certificates is refused (archive it instead).
    pub async fn delete_course(&self, actor: Actor<'_>, id: i64) -> Result<(), Error> {
        self.delete_course_at(actor, id, None).await
    }

    /// [`Catalogue::delete_course`] of `version` when one is given.
    pub async fn delete_course_at(&self, actor: Actor<'_>, id: i64, version: Option<i64>) -> Result<(), Error> {
        must_be(actor.user, Role::Staff)?;
        let mut write = self.begin_write().await?;
        let before = read_record(write.tx(), id).await?.ok_or(Error::NotFound)?;
        if version.is_some_and(|version| version != before.version) {
            return Err(stale_state(&before));
        }
        let history: i64 = with_tx!(write.tx(), |c| {
            sqlx::query_scalar(
                "SELECT (SELECT COUNT(*) FROM enrolments e JOIN course_sessions s ON s.id = e.session_id \
                 WHERE s.course_id = $1) + (SELECT COUNT(*) FROM certificates WHERE course_id = $1)",
            )
            .bind(id)
            .fetch_one(c)
            .await
        })?;
        if history > 0 {
            return Err(Error::Refused(AppError::Conflict(Refusal::InUse)));
        }
        let deleted = with_tx!(write.tx(), |c| sqlx::query("DELETE FROM courses WHERE id = $1 AND version = $2")
            .bind(id)
            .bind(before.version)
            .execute(c)
            .await
            .map(|done| done.rows_affected()))?;
        if deleted != 1 {
            return Err(stale_state(&before));
        }
        let mut diff = Diff::default();
        diff.field("slug", &before.slug, "").field("title", &before.title, "");
        record(&mut write, actor, "course.deleted", id, &diff).await?;
        write.commit().await
    }
}

/// Inserts a new course, unpublished, in category `category` (an id):
/// the one `INSERT` of a course, for the form and the CSV import alike.
pub(super) async fn insert_course(
    tx: &mut Tx,
    category: i64,
    change: &CourseChange,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    with_tx!(tx, |c| {
        sqlx::query_scalar(
            "INSERT INTO courses (slug, category_id, title, summary, description, outcomes, prerequisites, level, \
             duration_hours, price_cents, language, awards_certificate, published, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, FALSE, $13, $13) RETURNING id",
        )
        .bind(&change.slug)
        .bind(category)
        .bind(&change.title)
        .bind(&change.summary)
        .bind(&change.description)
        .bind(&change.outcomes)
        .bind(&change.prerequisites)
        .bind(change.level.as_str())
        .bind(change.duration_hours)
        .bind(change.price_cents)
        .bind(&change.language)
        .bind(change.awards_certificate)
        .bind(now)
        .fetch_one(c)
        .await
    })
}

/// Whether `error` is a second course with the same slug.
pub(super) fn is_taken_slug(error: &sqlx::Error) -> bool {
    COURSE_SLUG.violated_by(error)
}

/// The audit entry of a course just created, every field as created.
pub(super) async fn record_created(
    write: &mut Write<'_>,
    actor: Actor<'_>,
    id: i64,
    change: &CourseChange,
) -> Result<(), Error> {
    record(write, actor, "course.created", id, &created(change)).await
}

/// Publishes, unpublishes or archives course `id`, at `version` when one
/// is given: whether it was still at it.
async fn set_state(
    tx: &mut Tx,
    id: i64,
    published: bool,
    archived: bool,
    version: Option<i64>,
) -> Result<bool, sqlx::Error> {
    with_tx!(tx, |c| {
        sqlx::query(
            "UPDATE courses SET published = $1, archived = archived OR $2, updated_at = $3, version = version + 1 \
             WHERE id = $4 AND ($5 IS NULL OR version = $5)",
        )
        .bind(published)
        .bind(archived)
        .bind(Utc::now())
        .bind(id)
        .bind(version)
        .execute(c)
        .await
        .map(|done| done.rows_affected() == 1)
    })
}

/// A change of state asked of a version that is no longer the course's.
fn stale_state(now: &CourseRecord) -> Error {
    Error::Refused(AppError::Stale { version: now.version, changes: Vec::new() })
}

fn stale(now: &CourseRecord, change: &CourseChange) -> Error {
    Error::Refused(AppError::Stale { version: now.version, changes: now.differences(change) })
}

/// Writes a change's audit entry and, for a course that stays (changed,
/// published, unpublished or archived), its `course.updated` event.
async fn record(write: &mut Write<'_>, actor: Actor<'_>, action: &str, id: i64, diff: &Diff) -> Result<(), Error> {
    let change = Change { action, entity: "course", entity_id: id, about: None, diff };
    audit::change_in(write.tx(), actor, change).await?;
    if !matches!(action, "course.created" | "course.deleted") {
        crate::server::webhooks::events::course_updated(write.tx(), id, &diff.fields(), Utc::now()).await?;
    }
    Ok(())
}
