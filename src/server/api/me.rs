//! `GET /api/v1/me` and `GET /api/v1/me/enrollments`: the caller, and
//! their own enrolments.

use super::page::{PageQuery, Paged};
use super::{ApiProblem, ApiResult, Caller};
use crate::model::enrolment::EnrolmentStatus;
use crate::model::token::Scope;
use crate::server::AppState;
use crate::server::catalogue::data::UpcomingSession;
use crate::server::error::Error;
use axum::Json;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// The caller's account, as the API gives it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    pub id: i64,
    pub email: String,
    pub name: String,
    /// `learner`, `instructor`, `staff` or `admin`.
    pub role: &'static str,
}

/// `GET /api/v1/me`.
#[utoipa::path(
    get,
    path = "/me",
    tag = "account",
    operation_id = "getMe",
    summary = "The token's account",
    responses((status = 200, description = "The account", body = Me)),
    security(("bearer" = []))
)]
pub async fn me(Caller(credentials): Caller) -> ApiResult<Json<Me>> {
    let user = credentials.user().ok_or(ApiProblem(Error::Refused(crate::error::AppError::Unauthorized)))?;
    Ok(Json(Me { id: user.id, email: user.email.clone(), name: user.name.clone(), role: user.role.as_str() }))
}

/// A seat or a waitlist place.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Enrollment {
    pub id: i64,
    pub session_id: i64,
    pub course: String,
    pub course_title: String,
    pub status: EnrolmentStatus,
    /// The place on the waitlist, from 1, while waiting.
    pub waitlist_position: Option<i64>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl Enrollment {
    /// An enrolment just made or changed, with its date.
    pub fn of(enrolment: &crate::server::enrolment::Enrolment, date: UpcomingSession) -> Self {
        Enrollment {
            id: enrolment.id,
            session_id: enrolment.session_id,
            course: date.course_slug,
            course_title: date.course_title,
            status: enrolment.status,
            waitlist_position: enrolment.waitlist_position,
            starts_at: date.session.starts_at,
            ends_at: date.session.ends_at,
        }
    }
}

/// `GET /api/v1/me/enrollments`.
#[utoipa::path(
    get,
    path = "/me/enrollments",
    tag = "account",
    operation_id = "listMyEnrollments",
    summary = "The caller's own enrolments",
    description = "Every seat and waitlist place of the caller, past and cancelled ones too, soonest first.",
    params(PageQuery),
    responses((status = 200, description = "A page of enrolments", body = Paged<Enrollment>,
        headers(("Link" = String, description = "The next and previous pages (RFC 8288).")))),
    security(("bearer" = ["enrollments:read"]))
)]
pub async fn enrollments(
    State(state): State<AppState>,
    Caller(credentials): Caller,
    Query(query): Query<PageQuery>,
) -> Result<Response, ApiProblem> {
    let user = credentials.require(Scope::EnrollmentsRead)?;
    let request = query.parse()?;
    let all = state.enrolments.of_learner(user).await?;
    let items = all
        .into_iter()
        .map(|e| Enrollment {
            id: e.enrolment.id,
            session_id: e.enrolment.session_id,
            course: e.course_slug,
            course_title: e.course_title,
            status: e.enrolment.status,
            waitlist_position: e.enrolment.waitlist_position,
            starts_at: e.starts_at,
            ends_at: e.ends_at,
        })
        .collect();
    Ok(Paged::of(items, request).answer("/api/v1/me/enrollments"))
}
