//! Staff writing courses through the API (`catalogue:write`): the back
//! office's own functions (`server/catalogue/edit.rs`), so the same checks
//! (a course's fields parsed by [`CourseChange::parse`], as the form's
//! are), the same audit entries and the same `course.updated` events. A
//! change names the version it read: a write over a version someone else
//! moved on is refused (`409`, type `stale`), never applied over theirs.

use super::json::Body;
use super::{ApiResult, Caller, note};
use crate::error::AppError;
use crate::model::query::Level;
use crate::model::token::Scope;
use crate::server::AppState;
use crate::server::audit::Actor;
use crate::server::catalogue::changes::{CourseChange, CourseForm};
use crate::server::catalogue::edit::CourseRecord;
use crate::server::client::Client;
use crate::server::error::Error;
use crate::server::present::admin::price_field;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::{Extension, Json};
use serde::Deserialize;

/// A new course, unpublished until published.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "Kubernetes Fundamentals", "category": "cloud", "summary": "Run containers in production.",
    "description": "Three days of **hands-on** work.", "outcomes": "Deploy an app\nScale it",
    "level": "intermediate", "duration_hours": 21, "price_cents": 149500, "language": "en",
    "awards_certificate": true
}))]
pub struct NewCourse {
    /// Lowercase letters, digits and single hyphens; made from the title when left out.
    #[serde(default)]
    pub slug: Option<String>,
    pub title: String,
    /// The category's slug.
    pub category: String,
    pub summary: String,
    /// Markdown.
    pub description: String,
    /// One outcome per line.
    #[serde(default)]
    pub outcomes: String,
    #[serde(default)]
    pub prerequisites: String,
    pub level: Level,
    pub duration_hours: u32,
    /// The price in cents of the academy's currency.
    pub price_cents: u32,
    /// A language code the academy teaches in, such as `en`.
    pub language: String,
    #[serde(default)]
    pub awards_certificate: bool,
}

/// A change of a course: its `version` as last read, and only the fields
/// that change. `published` and `archived` change its state after its
/// content (an archived course stays out of the catalogue for good).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "version": 3, "price_cents": 129500, "published": true }))]
pub struct CourseChanges {
    pub version: i64,
    pub slug: Option<String>,
    pub title: Option<String>,
    pub category: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub outcomes: Option<String>,
    pub prerequisites: Option<String>,
    pub level: Option<Level>,
    pub duration_hours: Option<u32>,
    pub price_cents: Option<u32>,
    pub language: Option<String>,
    pub awards_certificate: Option<bool>,
    pub published: Option<bool>,
    /// Only `true`: archiving is for good.
    pub archived: Option<bool>,
}

impl NewCourse {
    fn form(self) -> CourseForm {
        CourseForm {
            slug: self.slug.unwrap_or_default(),
            title: self.title,
            category: self.category,
            summary: self.summary,
            description: self.description,
            outcomes: self.outcomes,
            prerequisites: self.prerequisites,
            level: self.level.as_str().to_string(),
            duration_hours: self.duration_hours.to_string(),
            price: price_field(i64::from(self.price_cents)),
            language: self.language,
            awards_certificate: self.awards_certificate,
        }
    }
}

impl CourseChanges {
    /// The course's form as it stands, with these changes over it; `None`
    /// when no field of its content changes.
    fn form(&self, now: &CourseRecord) -> Option<CourseForm> {
        let content = [
            self.slug.is_some(),
            self.title.is_some(),
            self.category.is_some(),
            self.summary.is_some(),
            self.description.is_some(),
            self.outcomes.is_some(),
            self.prerequisites.is_some(),
            self.level.is_some(),
            self.duration_hours.is_some(),
            self.price_cents.is_some(),
            self.language.is_some(),
            self.awards_certificate.is_some(),
        ];
        if !content.contains(&true) {
            return None;
        }
        let or = |new: &Option<String>, old: &str| new.clone().unwrap_or_else(|| old.to_string());
        Some(CourseForm {
            slug: or(&self.slug, &now.slug),
            title: or(&self.title, &now.title),
            category: or(&self.category, &now.category),
            summary: or(&self.summary, &now.summary),
            description: or(&self.description, &now.description),
            outcomes: or(&self.outcomes, &now.outcomes),
            prerequisites: or(&self.prerequisites, &now.prerequisites),
            level: self.level.unwrap_or(now.level).as_str().to_string(),
            duration_hours: self.duration_hours.map_or(now.duration_hours.to_string(), |h| h.to_string()),
            // As the form's field holds it, so that one parser checks both.
            price: price_field(self.price_cents.map_or(now.price_cents, i64::from)),
            language: or(&self.language, &now.language),
            awards_certificate: self.awards_certificate.unwrap_or(now.awards_certificate),
        })
    }
}

fn parsed(form: &CourseForm) -> Result<CourseChange, Error> {
    CourseChange::parse(form).map_err(|problems| Error::Refused(AppError::Invalid(problems)))
}

/// `POST /api/v1/courses`.
#[utoipa::path(
    post,
    path = "/courses",
    tag = "catalogue writes",
    operation_id = "createCourse",
    summary = "Create a course (staff)",
    description = "As the back office's form, with its checks: the course is created unpublished (publish it \
        with `PATCH` once it has dates). A slug another course has is a `422` on `slug`; an unknown \
        category a `422` on `category`.",
    request_body(content = NewCourse, content_type = "application/json"),
    responses(
        (status = 201, description = "Created, unpublished; `Location` is its address for staff.", body = CourseRecord,
            headers(("Location" = String, description = "The course's address in the API."))),
    ),
    security(("bearer" = ["catalogue:write"]))
)]
pub async fn create(
    State(state): State<AppState>,
    Extension(client): Extension<Client>,
    Caller(credentials): Caller,
    body: Body<NewCourse>,
) -> ApiResult<(StatusCode, [(header::HeaderName, String); 1], Json<CourseRecord>)> {
    let staff = credentials.require(Scope::CatalogueWrite)?;
    let change = parsed(&body.value.form())?;
    let id = state.catalogue.create_course(Actor { user: staff, client: &client }, change).await?;
    note(&state, &credentials, &client, &format!("course {id} created")).await;
    let record = state.catalogue.course_record(staff, id).await?;
    let location = format!("/api/v1/courses/{}", record.slug);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(record)))
}

/// `PATCH /api/v1/courses/{slug}`.
#[utoipa::path(
    patch,
    path = "/courses/{slug}",
    tag = "catalogue writes",
    operation_id = "updateCourse",
    summary = "Change, publish or archive a course (staff)",
    description = "Sends `version` as last read and the fields that change; the others keep their values. \
        Content is saved first, then `published`, then `archived`, each moving the version on. A course \
        someone changed since that version is a `409` of type `stale` (read it again). Any course, \
        published or not, by its slug.",
    params(("slug" = String, Path, description = "The course's slug.")),
    request_body(content = CourseChanges, content_type = "application/json"),
    responses(
        (status = 200, description = "The course as saved.", body = CourseRecord),
        (status = 409, description = "Changed by someone else since `version`, or archived (which cannot be published).", body = crate::server::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["catalogue:write"]))
)]
pub async fn update(
    State(state): State<AppState>,
    Extension(client): Extension<Client>,
    Caller(credentials): Caller,
    Path(slug): Path<String>,
    body: Body<CourseChanges>,
) -> ApiResult<Json<CourseRecord>> {
    let staff = credentials.require(Scope::CatalogueWrite)?;
    let changes = body.value;
    let now = state.catalogue.course_record_by_slug(staff, &slug).await?;
    let actor = Actor { user: staff, client: &client };
    let mut version = changes.version;
    if let Some(form) = changes.form(&now) {
        if state.catalogue.update_course(actor, now.id, version, parsed(&form)?).await? {
            version += 1;
        }
    } else if version != now.version {
        return Err(Error::Refused(AppError::Stale { version: now.version, changes: Vec::new() }).into());
    }
    if let Some(published) = changes.published
        && state.catalogue.set_published_at(actor, now.id, published, Some(version)).await?
    {
        version += 1;
    }
    match changes.archived {
        Some(true) => {
            state.catalogue.archive_course_at(actor, now.id, Some(version)).await?;
        }
        Some(false) if now.archived => {
            return Err(Error::Refused(AppError::Conflict(crate::model::enrolment::Refusal::Archived)).into());
        }
        _ => {}
    }
    note(&state, &credentials, &client, &format!("course {} changed", now.id)).await;
    Ok(Json(state.catalogue.course_record(staff, now.id).await?))
}

/// The version a deletion names.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Version {
    /// The version as last read.
    pub version: i64,
}

/// `DELETE /api/v1/courses/{slug}?version=`.
#[utoipa::path(
    delete,
    path = "/courses/{slug}",
    tag = "catalogue writes",
    operation_id = "deleteCourse",
    summary = "Delete a course that never had a learner (staff)",
    description = "A course with enrolments or certificates keeps its history: it is refused (`409`); \
        archive it with `PATCH` instead.",
    params(("slug" = String, Path, description = "The course's slug."), Version),
    responses(
        (status = 204, description = "Deleted."),
        (status = 409, description = "It has had learners, or changed since `version`.", body = crate::server::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["catalogue:write"]))
)]
pub async fn delete(
    State(state): State<AppState>,
    Extension(client): Extension<Client>,
    Caller(credentials): Caller,
    Path(slug): Path<String>,
    version: Result<Query<Version>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<StatusCode> {
    let staff = credentials.require(Scope::CatalogueWrite)?;
    let Query(Version { version }) = version.map_err(|_| super::missing_version())?;
    let now = state.catalogue.course_record_by_slug(staff, &slug).await?;
    state.catalogue.delete_course_at(Actor { user: staff, client: &client }, now.id, Some(version)).await?;
    note(&state, &credentials, &client, &format!("course {} deleted", now.id)).await;
    Ok(StatusCode::NO_CONTENT)
}
