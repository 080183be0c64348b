//! Staff scheduling, moving and calling off dates through the API
//! (`catalogue:write`): the back office's own functions, so the same
//! checks (the schedule parsed by [`ScheduleChange::parse`], public
//! holidays, times the clocks skip), the same mails to learners, the same
//! audit entries and webhook events. A change of a date names the version
//! it read (the date's revision, which every move and cancellation moves
//! on).

use super::course_edits::Version;
use super::json::Body;
use super::{ApiResult, Caller, id, note};
use crate::error::AppError;
use crate::model::query::Mode;
use crate::model::token::Scope;
use crate::server::AppState;
use crate::server::audit::{Acting, Actor};
use crate::server::catalogue::changes::{NewTimes, ScheduleChange, ScheduleForm};
use crate::server::catalogue::schedule::{SessionRecord, instants};
use crate::server::client::Client;
use crate::server::error::Error;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};

/// One date of a course, or a weekly series of them.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "course": "kubernetes-fundamentals", "start_date": "2027-03-29", "start_time": "09:00", "end_time": "17:00",
    "mode": "in-person", "location": "valletta", "capacity": 16, "weeks": 1
}))]
pub struct NewSessions {
    /// The course's slug.
    pub course: String,
    /// The first day, in the academy's time zone.
    pub start_date: chrono::NaiveDate,
    /// `HH:MM`, the academy's wall clock.
    pub start_time: String,
    pub end_time: String,
    pub mode: Mode,
    /// A campus's slug: required in person.
    #[serde(default)]
    pub location: Option<String>,
    /// An instructor's slug.
    #[serde(default)]
    pub instructor: Option<String>,
    pub capacity: u32,
    /// How many weekly dates, the first included (1 unless given).
    #[serde(default)]
    pub weeks: Option<u32>,
    /// Schedule on the academy's public holidays too.
    #[serde(default)]
    pub allow_holidays: bool,
}

/// The dates just scheduled.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Scheduled {
    pub items: Vec<SessionRecord>,
}

/// `POST /api/v1/sessions`.
#[utoipa::path(
    post,
    path = "/sessions",
    tag = "catalogue writes",
    operation_id = "scheduleSessions",
    summary = "Schedule a date, or a weekly series (staff)",
    description = "As the back office's schedule form, with its checks: times are the academy's wall clock \
        on each day (a series keeps its 09:00 across a change of summer time); a date on a public holiday is \
        refused unless `allow_holidays`; a time the clocks skip is refused. An archived course takes no dates.",
    request_body(content = NewSessions, content_type = "application/json"),
    responses(
        (status = 201, description = "Scheduled: each date made.", body = Scheduled),
        (status = 404, description = "No such course.", body = crate::server::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The course is archived.", body = crate::server::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["catalogue:write"]))
)]
pub async fn schedule(
    State(state): State<AppState>,
    Extension(client): Extension<Client>,
    Caller(credentials): Caller,
    body: Body<NewSessions>,
) -> ApiResult<(StatusCode, Json<Scheduled>)> {
    let staff = credentials.require(Scope::CatalogueWrite)?;
    let new = body.value;
    let course = state.catalogue.course_record_by_slug(staff, &new.course).await?;
    let form = ScheduleForm {
        start_date: new.start_date.to_string(),
        start_time: new.start_time,
        end_time: new.end_time,
        mode: new.mode.as_str().to_string(),
        location: new.location.unwrap_or_default(),
        instructor: new.instructor.unwrap_or_default(),
        capacity: new.capacity.to_string(),
        weeks: new.weeks.map(|w| w.to_string()).unwrap_or_default(),
        allow_holidays: new.allow_holidays,
    };
    let change = ScheduleChange::parse(&form).map_err(|problems| Error::Refused(AppError::Invalid(problems)))?;
    let ids = state.catalogue.schedule(Actor { user: staff, client: &client }, course.id, change).await?;
    note(&state, &credentials, &client, &format!("{} dates of course {} scheduled", ids.len(), course.id)).await;
    let mut items = Vec::with_capacity(ids.len());
    for id in ids {
        items.push(state.catalogue.session_record(staff, id).await?);
    }
    Ok((StatusCode::CREATED, Json(Scheduled { items })))
}

/// New times for a date: its day, start and end.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "version": 0, "start_date": "2027-04-05", "start_time": "09:30", "end_time": "17:30" }))]
pub struct SessionChanges {
    /// The date's version as last read.
    pub version: i64,
    pub start_date: chrono::NaiveDate,
    /// `HH:MM`, the academy's wall clock.
    pub start_time: String,
    pub end_time: String,
}

/// `PATCH /api/v1/sessions/{id}`.
#[utoipa::path(
    patch,
    path = "/sessions/{id}",
    tag = "catalogue writes",
    operation_id = "moveSession",
    summary = "Move a date to other times (staff)",
    description = "As the back office does: its learners keep their places and are told, with the new \
        calendar entry; their reminders follow. A date changed since `version` is a `409` of type `stale`.",
    params(("id" = i64, Path, description = "The session's id.")),
    request_body(content = SessionChanges, content_type = "application/json"),
    responses(
        (status = 200, description = "Moved.", body = SessionRecord),
        (status = 409, description = "Changed by someone else since `version`.", body = crate::server::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["catalogue:write"]))
)]
pub async fn update(
    State(state): State<AppState>,
    Extension(client): Extension<Client>,
    Caller(credentials): Caller,
    Path(session): Path<String>,
    body: Body<SessionChanges>,
) -> ApiResult<Json<SessionRecord>> {
    let staff = credentials.require(Scope::CatalogueWrite)?;
    let session = id(&session)?;
    let change = body.value;
    let times = NewTimes::parse(&change.start_date.to_string(), &change.start_time, &change.end_time)
        .map_err(|problems| Error::Refused(AppError::Invalid(problems)))?;
    let when = instants(state.config.timezone, &times)?;
    let acting = Acting { user: staff, client: Some(&client) };
    state.enrolments.move_session_at(acting, session, when, Some(change.version)).await?;
    note(&state, &credentials, &client, &format!("session {session} moved")).await;
    Ok(Json(state.catalogue.session_record(staff, session).await?))
}

/// `DELETE /api/v1/sessions/{id}?version=`.
#[utoipa::path(
    delete,
    path = "/sessions/{id}",
    tag = "catalogue writes",
    operation_id = "cancelSession",
    summary = "Call a date off (staff)",
    description = "As the back office does: the date stays, cancelled, as the record of what the academy \
        called off; its learners are told, every seat an order paid for gets its credit note, and they may \
        book another date.",
    params(("id" = i64, Path, description = "The session's id."), Version),
    responses(
        (status = 204, description = "Called off."),
        (status = 409, description = "Changed by someone else since `version`.", body = crate::server::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["catalogue:write"]))
)]
pub async fn cancel(
    State(state): State<AppState>,
    Extension(client): Extension<Client>,
    Caller(credentials): Caller,
    Path(session): Path<String>,
    version: Result<Query<Version>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<StatusCode> {
    let staff = credentials.require(Scope::CatalogueWrite)?;
    let session = id(&session)?;
    let Query(Version { version }) = version.map_err(|_| super::missing_version())?;
    let acting = Acting { user: staff, client: Some(&client) };
    state.enrolments.cancel_session_at(acting, session, Some(version)).await?;
    note(&state, &credentials, &client, &format!("session {session} cancelled")).await;
    Ok(StatusCode::NO_CONTENT)
}
