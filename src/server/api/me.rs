//! `GET /api/v1/me` and `GET /api/v1/me/enrollments`: the caller, and
//! their own enrolments.

use super::page::{PageQuery, Paged};
use super::{ApiProblem, ApiResult, Caller};
use crate::model::enrolment::EnrolmentStatus;
use crate::model::token::Scope;
use crate::server::AppState;
use crate::server::error::Error;
use axum::Json;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// The caller's account, as the API gives it.
#[derive(Debug, Serialize)]
pub struct Me {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: &'static str,
}

pub async fn me(Caller(credentials): Caller) -> ApiResult<Json<Me>> {
    let user = credentials.user().ok_or(ApiProblem(Error::Refused(crate::error::AppError::Unauthorized)))?;
    Ok(Json(Me { id: user.id, email: user.email.clone(), name: user.name.clone(), role: user.role.as_str() }))
}

/// One of the caller's enrolments.
#[derive(Debug, Serialize)]
pub struct Enrollment {
    pub id: i64,
    pub session_id: i64,
    pub course: String,
    pub course_title: String,
    pub status: EnrolmentStatus,
    pub waitlist_position: Option<i64>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

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
