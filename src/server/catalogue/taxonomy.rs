//! Staff change the records courses and sessions point at here, and only
//! here: categories (with the words search knows them by), campuses and
//! instructors. Like a course's, each write
//! - checks the caller is staff before it reads anything,
//! - runs in one [`Catalogue::begin_write`] transaction, whose commit
//!   forgets the cached catalogue (a renamed category is in the filter and
//!   on the course pages at once),
//! - names the version it read (`UPDATE … WHERE version = $n`): of two
//!   people saving the same record, the second is refused and shown what
//!   the first saved ([`AppError::Stale`]),
//! - and writes its audit entry in the same transaction.
//!
//! A record is deleted only when nothing points at it: a category with
//! courses, or a campus or instructor named by any session, stays.
//!
//! The three kinds differ only in their columns, so one set of statements
//! serves them all, each built from its [`Table`]: the columns a form
//! edits, what the list shows, and what keeps a record from going.

use super::staff::like_pattern;
use super::taxonomy_changes::{CampusChange, CategoryChange, InstructorChange};
use super::{Catalogue, Write};
use crate::error::AppError;
use crate::model::account::{Role, User};
use crate::model::enrolment::Refusal;
use crate::model::form::{Field, FieldError, Problem};
use crate::model::taxonomy::{SortTaxa, Taxon, TaxonListQuery};
use crate::server::audit::{self, Actor, Change, Diff};
use crate::server::auth::must_be;
use crate::server::db::{Tx, Unique, with_tx};
use crate::server::error::Error;
use crate::server::sql::{Arg, Sql};

/// How one kind of record is stored. Every name here is this module's
/// own, never input.
struct Table {
    name: &'static str,
    /// (field, SQL giving its value as text), as the form and the audit
    /// trail name them.
    fields: &'static [(&'static str, &'static str)],
    /// Fields holding personal data: the trail says only that they changed.
    personal: &'static [&'static str],
    /// What the list shows beside the name.
    detail: &'static str,
    /// What points at a record `t`: while it counts any, the record stays.
    uses: &'static str,
    /// The columns its search looks in.
    searched: &'static [&'static str],
    /// Its natural order.
    order: &'static str,
    slug: Unique,
    in_use: Refusal,
}

const CATEGORIES: Table = Table {
    name: "categories",
    fields: &[
        ("slug", "t.slug"),
        ("name", "t.name"),
        ("kind", "t.kind"),
        ("description", "t.description"),
        ("position", "CAST(t.position AS TEXT)"),
        ("keywords", "t.keywords"),
    ],
    personal: &[],
    detail: "t.kind",
    uses: "SELECT COUNT(*) FROM courses u WHERE u.category_id = t.id",
    searched: &["t.name", "t.slug", "t.keywords"],
    order: "t.kind, t.position, lower(t.name), t.id",
    slug: Unique { postgres: "categories_slug_key", sqlite: "categories.slug" },
    in_use: Refusal::CategoryHasCourses,
};

const CAMPUSES: Table = Table {
    name: "locations",
    fields: &[
        ("slug", "t.slug"),
        ("name", "t.name"),
        ("address", "t.address"),
        ("city", "t.city"),
        ("timezone", "t.timezone"),
    ],
    personal: &[],
    detail: "t.city",
    uses: "SELECT COUNT(*) FROM course_sessions u WHERE u.location_id = t.id",
    searched: &["t.name", "t.slug", "t.address", "t.city"],
    order: "lower(t.name), t.id",
    slug: Unique { postgres: "locations_slug_key", sqlite: "locations.slug" },
    in_use: Refusal::CampusHasSessions,
};

const INSTRUCTORS: Table = Table {
    name: "instructors",
    fields: &[
        ("slug", "t.slug"),
        ("name", "t.name"),
        ("title", "t.title"),
        ("bio", "t.bio"),
        // The account is shown (and compared) by its address; `user_id` is
        // what is stored.
        ("email", "(SELECT a.email FROM users a WHERE a.id = t.user_id)"),
    ],
    personal: &["email"],
    detail: "t.title",
    uses: "SELECT COUNT(*) FROM course_sessions u WHERE u.instructor_id = t.id",
    searched: &["t.name", "t.slug", "t.title"],
    order: "lower(t.name), t.id",
    slug: Unique { postgres: "instructors_slug_key", sqlite: "instructors.slug" },
    in_use: Refusal::InstructorHasSessions,
};

/// An account is an instructor's at most once.
pub(super) const INSTRUCTOR_ACCOUNT: Unique = Unique { postgres: "instructors_user", sqlite: "instructors.user_id" };

fn table(taxon: Taxon) -> &'static Table {
    match taxon {
        Taxon::Category => &CATEGORIES,
        Taxon::Campus => &CAMPUSES,
        Taxon::Instructor => &INSTRUCTORS,
    }
}

/// A record as staff edit it: each field's value as text, by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaxonRecord {
    pub taxon: Taxon,
    pub id: i64,
    pub version: i64,
    pub values: Vec<(&'static str, String)>,
    /// What points at it (courses or sessions).
    pub uses: i64,
}

impl TaxonRecord {
    /// The fields `after` changes, before and after.
    pub(super) fn diff(&self, after: &[(&'static str, String)]) -> Diff {
        let personal = table(self.taxon).personal;
        let mut diff = Diff::default();
        for (field, before) in &self.values {
            let Some((_, after)) = after.iter().find(|(name, _)| name == field) else { continue };
            if personal.contains(field) {
                diff.personal(field, before, after);
            } else {
                diff.field(field, before, after);
            }
        }
        diff
    }

    /// What this record holds where `after` differs, as (field, value),
    /// for a person to compare with what they typed.
    fn differences(&self, after: &[(&'static str, String)]) -> Vec<(String, String)> {
        self.values
            .iter()
            .filter(|(field, value)| after.iter().any(|(name, typed)| name == field && typed != value))
            .map(|(field, value)| (field.to_string(), value.clone()))
            .collect()
    }
}

/// A record in the back office's list.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TaxonLineRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub detail: String,
    pub uses: i64,
}

/// A write of one kind: the columns it sets, and the same values as the
/// record's fields show them (for the comparison and the trail).
struct Columns {
    set: Vec<(&'static str, Arg)>,
    shown: Vec<(&'static str, String)>,
}

fn category_columns(change: &CategoryChange) -> Columns {
    Columns {
        set: vec![
            ("slug", Arg::Text(change.slug.clone())),
            ("name", Arg::Text(change.name.clone())),
            ("kind", Arg::Text(change.kind.as_str().into())),
            ("description", Arg::Text(change.description.clone())),
            ("position", Arg::Int(change.position)),
            ("keywords", Arg::Text(change.keywords.clone())),
        ],
        shown: vec![
            ("slug", change.slug.clone()),
            ("name", change.name.clone()),
            ("kind", change.kind.as_str().into()),
            ("description", change.description.clone()),
            ("position", change.position.to_string()),
            ("keywords", change.keywords.clone()),
        ],
    }
}

fn campus_columns(change: &CampusChange) -> Columns {
    let texts = [
        ("slug", &change.slug),
        ("name", &change.name),
        ("address", &change.address),
        ("city", &change.city),
        ("timezone", &change.timezone),
    ];
    Columns {
        set: texts.iter().map(|(name, value)| (*name, Arg::Text((*value).clone()))).collect(),
        shown: texts.iter().map(|(name, value)| (*name, (*value).clone())).collect(),
    }
}

fn instructor_columns(change: &InstructorChange, user_id: Option<i64>) -> Columns {
    let texts = [("slug", &change.slug), ("name", &change.name), ("title", &change.title), ("bio", &change.bio)];
    let mut set: Vec<(&'static str, Arg)> =
        texts.iter().map(|(name, value)| (*name, Arg::Text((*value).clone()))).collect();
    set.push(("user_id", user_id.map_or(Arg::NullInt, Arg::Int)));
    let mut shown: Vec<(&'static str, String)> = texts.iter().map(|(name, value)| (*name, (*value).clone())).collect();
    shown.push(("email", change.account.as_ref().map(|e| e.as_str().to_string()).unwrap_or_default()));
    Columns { set, shown }
}

pub(super) async fn read(tx: &mut Tx, taxon: Taxon, id: i64) -> Result<Option<TaxonRecord>, sqlx::Error> {
    let t = table(taxon);
    let fields: Vec<String> = t.fields.iter().map(|(_, sql)| format!("COALESCE({sql}, '')")).collect();
    let sql =
        format!("SELECT t.version, ({}) AS uses, {} FROM {} t WHERE t.id = $1", t.uses, fields.join(", "), t.name);
    with_tx!(tx, |c| {
        use sqlx::Row;
        let Some(row) = sqlx::query(&sql).bind(id).fetch_optional(c).await? else { return Ok(None) };
        let mut values = Vec::with_capacity(t.fields.len());
        for (i, (field, _)) in t.fields.iter().enumerate() {
            values.push((*field, row.try_get::<String, _>(i + 2)?));
        }
        Ok(Some(TaxonRecord { taxon, id, version: row.try_get(0)?, uses: row.try_get(1)?, values }))
    })
}

/// A broken unique index as the field error it is; any other error as it is.
fn unique_error(taxon: Taxon, error: sqlx::Error) -> Error {
    if taxon == Taxon::Instructor && INSTRUCTOR_ACCOUNT.violated_by(&error) {
        return Error::Refused(AppError::Invalid(vec![FieldError { field: Field::Email, problem: Problem::Taken }]));
    }
    table(taxon).slug.as_field_error(error, Field::Slug)
}

/// The id of the account with `email`, or the field error of an address
/// no account has.
async fn account_id(tx: &mut Tx, change: &InstructorChange) -> Result<Option<i64>, Error> {
    let Some(email) = &change.account else { return Ok(None) };
    let id: Option<i64> = with_tx!(tx, |c| {
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email.as_str()).fetch_optional(c).await
    })?;
    match id {
        Some(id) => Ok(Some(id)),
        None => Err(Error::Refused(AppError::Invalid(vec![FieldError {
            field: Field::Email,
            problem: Problem::NoAccount,
        }]))),
    }
}

impl Catalogue {
    /// A page of the records of one kind, and how many match in all.
    pub async fn taxa(
        &self,
        actor: &User,
        taxon: Taxon,
        query: &TaxonListQuery,
    ) -> Result<(Vec<TaxonLineRow>, i64), Error> {
        must_be(actor, Role::Staff)?;
        let t = table(taxon);
        let filter = |sql: &mut Sql| {
            sql.push(&format!(" FROM {} t WHERE 1 = 1", t.name));
            if !query.q.trim().is_empty() {
                let pattern = like_pattern(&query.q);
                for (i, column) in t.searched.iter().enumerate() {
                    sql.push(if i == 0 { " AND (" } else { " OR " });
                    sql.push(&format!("lower({column}) LIKE ")).bind(Arg::Text(pattern.clone())).push(" ESCAPE '\\'");
                }
                sql.push(")");
            }
        };
        let mut count = Sql::new("SELECT COUNT(*)");
        filter(&mut count);
        let mut list = Sql::new(&format!("SELECT t.id, t.slug, t.name, {} AS detail, ({}) AS uses", t.detail, t.uses));
        filter(&mut list);
        list.push(" ORDER BY ").push(match query.sort {
            SortTaxa::Order => t.order,
            SortTaxa::Name => "lower(t.name), t.id",
            SortTaxa::Uses => "uses DESC, lower(t.name), t.id",
        });
        let offset = i64::from(query.page.saturating_sub(1)) * TaxonListQuery::PER_PAGE;
        list.push(&format!(" LIMIT {} OFFSET {offset}", TaxonListQuery::PER_PAGE));
        let mut conn = self.db.acquire().await?;
        let total = count.fetch_count_on(&mut conn).await?;
        let lines = list.fetch_all_on(&mut conn).await?;
        Ok((lines, total))
    }

    /// One record as staff edit it.
    pub async fn taxon_record(&self, actor: &User, taxon: Taxon, id: i64) -> Result<TaxonRecord, Error> {
        must_be(actor, Role::Staff)?;
        // A transaction of reads only: dropped, it ends.
        let mut tx = self.db.begin().await?;
        read(&mut tx, taxon, id).await?.ok_or(Error::NotFound)
    }

    pub async fn create_category(&self, actor: Actor<'_>, change: CategoryChange) -> Result<i64, Error> {
        must_be(actor.user, Role::Staff)?;
        let mut write = self.begin_write().await?;
        let id = insert(&mut write, actor, Taxon::Category, category_columns(&change)).await?;
        write.commit().await?;
        Ok(id)
    }

    /// Saves a category over `version`, the one the editor read.
    pub async fn update_category(
        &self,
        actor: Actor<'_>,
        id: i64,
        version: i64,
        change: CategoryChange,
    ) -> Result<(), Error> {
        must_be(actor.user, Role::Staff)?;
        let write = self.begin_write().await?;
        self.update(write, actor, Taxon::Category, id, version, category_columns(&change)).await
    }

    pub async fn create_campus(&self, actor: Actor<'_>, change: CampusChange) -> Result<i64, Error> {
        must_be(actor.user, Role::Staff)?;
        let mut write = self.begin_write().await?;
        let id = insert(&mut write, actor, Taxon::Campus, campus_columns(&change)).await?;
        write.commit().await?;
        Ok(id)
    }

    pub async fn update_campus(
        &self,
        actor: Actor<'_>,
        id: i64,
        version: i64,
        change: CampusChange,
    ) -> Result<(), Error> {
        must_be(actor.user, Role::Staff)?;
        let write = self.begin_write().await?;
        self.update(write, actor, Taxon::Campus, id, version, campus_columns(&change)).await
    }

    pub async fn create_instructor(&self, actor: Actor<'_>, change: InstructorChange) -> Result<i64, Error> {
        must_be(actor.user, Role::Staff)?;
        let mut write = self.begin_write().await?;
        let user_id = account_id(write.tx(), &change).await?;
        let id = insert(&mut write, actor, Taxon::Instructor, instructor_columns(&change, user_id)).await?;
        write.commit().await?;
        Ok(id)
    }

    pub async fn update_instructor(
        &self,
        actor: Actor<'_>,
        id: i64,
        version: i64,
        change: InstructorChange,
    ) -> Result<(), Error> {
        must_be(actor.user, Role::Staff)?;
        let mut write = self.begin_write().await?;
        let user_id = account_id(write.tx(), &change).await?;
        self.update(write, actor, Taxon::Instructor, id, version, instructor_columns(&change, user_id)).await
    }

    async fn update(
        &self,
        mut write: Write<'_>,
        actor: Actor<'_>,
        taxon: Taxon,
        id: i64,
        version: i64,
        columns: Columns,
    ) -> Result<(), Error> {
        let before = read(write.tx(), taxon, id).await?.ok_or(Error::NotFound)?;
        if before.version != version {
            return Err(stale(&before, &columns.shown));
        }
        let diff = before.diff(&columns.shown);
        if diff.is_empty() {
            return Ok(());
        }
        let mut sql = Sql::new(&format!("UPDATE {} SET ", table(taxon).name));
        for (column, value) in columns.set {
            sql.push(column).push(" = ").bind(value).push(", ");
        }
        sql.push("version = version + 1 WHERE id = ")
            .bind(Arg::Int(id))
            .push(" AND version = ")
            .bind(Arg::Int(version));
        let updated = sql.execute_in(write.tx()).await.map_err(|e| unique_error(taxon, e))?;
        // Another save committed between the read and this UPDATE (on
        // PostgreSQL the UPDATE waited for it, then found a newer version).
        if updated != 1 {
            drop(write);
            let now = self.taxon_record(actor.user, taxon, id).await?;
            return Err(stale(&now, &columns.shown));
        }
        record(&mut write, actor, taxon, "updated", id, &diff).await?;
        write.commit().await
    }

    /// Deletes a record nothing points at; one that a course or a session
    /// names is refused, and stays as it is.
    pub async fn delete_taxon(&self, actor: Actor<'_>, taxon: Taxon, id: i64) -> Result<(), Error> {
        must_be(actor.user, Role::Staff)?;
        let mut write = self.begin_write().await?;
        let before = read(write.tx(), taxon, id).await?.ok_or(Error::NotFound)?;
        let in_use = Error::Refused(AppError::Conflict(table(taxon).in_use));
        if before.uses > 0 {
            return Err(in_use);
        }
        let sql = format!("DELETE FROM {} WHERE id = $1", table(taxon).name);
        let deleted = with_tx!(write.tx(), |c| sqlx::query(&sql).bind(id).execute(c).await.map(|_| ()));
        match deleted {
            // A session or course that named it since it was counted.
            Err(sqlx::Error::Database(e)) if e.is_foreign_key_violation() => return Err(in_use),
            other => other?,
        }
        let gone: Vec<(&'static str, String)> =
            before.values.iter().map(|(field, _)| (*field, String::new())).collect();
        let diff = before.diff(&gone);
        record(&mut write, actor, taxon, "deleted", id, &diff).await?;
        write.commit().await
    }
}

async fn insert(write: &mut Write<'_>, actor: Actor<'_>, taxon: Taxon, columns: Columns) -> Result<i64, Error> {
    let names: Vec<&str> = columns.set.iter().map(|(name, _)| *name).collect();
    let mut sql = Sql::new(&format!("INSERT INTO {} ({}) VALUES (", table(taxon).name, names.join(", ")));
    for (i, (_, value)) in columns.set.into_iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind(value);
    }
    sql.push(") RETURNING id");
    let ids: Vec<(i64,)> = sql.fetch_all_in(write.tx()).await.map_err(|e| unique_error(taxon, e))?;
    let id = ids.first().map(|(id,)| *id).ok_or_else(|| Error::Internal("an INSERT returned no id".into()))?;
    let mut diff = Diff::default();
    let personal = table(taxon).personal;
    for (field, value) in &columns.shown {
        if personal.contains(field) {
            diff.personal(field, "", value);
        } else {
            diff.created(field, value);
        }
    }
    record(write, actor, taxon, "created", id, &diff).await?;
    Ok(id)
}

pub(super) fn stale(now: &TaxonRecord, shown: &[(&'static str, String)]) -> Error {
    Error::Refused(AppError::Stale { version: now.version, changes: now.differences(shown) })
}

pub(super) async fn record(
    write: &mut Write<'_>,
    actor: Actor<'_>,
    taxon: Taxon,
    verb: &str,
    id: i64,
    diff: &Diff,
) -> Result<(), Error> {
    let action = format!("{}.{verb}", taxon.as_str());
    let change = Change { action: &action, entity: taxon.as_str(), entity_id: id, about: None, diff };
    audit::change_in(write.tx(), actor, change).await?;
    Ok(())
}
