//! Enrolments through the API: a learner cancelling their own, and staff
//! (`enrollments:manage`) enrolling, moving and cancelling anyone's by the
//! back office's own functions, under the same rules and mails.

use super::json::Body;
use super::me::Enrollment;
use super::{ApiResult, Caller, id, note};
use crate::model::token::Scope;
use crate::server::AppState;
use crate::server::audit::Acting;
use crate::server::client::Client;
use crate::server::error::{ApiProblem, Error};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Deserialize;

/// The enrolment as the API gives it, with its date's course and times.
async fn answer(state: &AppState, enrolment: &crate::server::enrolment::Enrolment) -> Result<Enrollment, Error> {
    let (session, _) = state.catalogue.session(enrolment.session_id).await?.ok_or(Error::NotFound)?;
    Ok(Enrollment::of(enrolment, session))
}

/// `DELETE /api/v1/enrollments/{id}`.
#[utoipa::path(
    delete,
    path = "/enrollments/{id}",
    tag = "enrollments",
    operation_id = "cancelEnrollment",
    summary = "Cancel an enrolment",
    description = "As the page's cancel button: a seat goes to the first on the waitlist (who is told by \
        e-mail); a seat an invoice was issued for is credited. Cancelling online closes some hours before \
        the date starts (`409`, naming how many). With `enrollments:write`, the caller's own enrolments \
        only (another learner's is not found); staff with `enrollments:manage` cancel anyone's, as the \
        back office does.",
    params(("id" = i64, Path, description = "The enrolment's id.")),
    responses(
        (status = 204, description = "Cancelled."),
        (status = 409, description = "Cannot be cancelled: cancelled already, started, or too close to the start.", body = crate::server::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["enrollments:write"]), ("bearer" = ["enrollments:manage"]))
)]
pub async fn cancel(
    State(state): State<AppState>,
    Extension(client): Extension<Client>,
    Caller(credentials): Caller,
    Path(enrolment): Path<String>,
) -> ApiResult<StatusCode> {
    let manages = credentials.holds(Scope::EnrollmentsManage);
    let user = match (manages, credentials.user()) {
        (true, Some(user)) => user,
        _ => credentials.require(Scope::EnrollmentsWrite)?,
    };
    let enrolment = id(&enrolment)?;
    if !manages {
        // Someone else's enrolment is not found: managing others' takes
        // the staff scope.
        state.enrolments.booking(user, enrolment).await?;
    }
    state.enrolments.cancel(Acting { user, client: Some(&client) }, enrolment).await?;
    note(&state, &credentials, &client, &format!("enrolment {enrolment} cancelled")).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Staff enrolling a learner, as at the back office's front desk.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "email": "maria.borg@example.com", "session_id": 42 }))]
pub struct NewEnrollment {
    /// The learner's account, by its e-mail address.
    pub email: String,
    pub session_id: i64,
}

/// `POST /api/v1/enrollments`.
#[utoipa::path(
    post,
    path = "/enrollments",
    tag = "enrollments",
    operation_id = "enrolLearner",
    summary = "Enrol a learner by e-mail (staff)",
    description = "As the back office's front desk: a seat while there is one, otherwise a waitlist place; the \
        learner is told by e-mail. One seat per course: a learner holding a seat in another date is refused \
        (`409`; move that seat instead). An address with no account is a `422` on `email`.",
    request_body(content = NewEnrollment, content_type = "application/json"),
    responses(
        (status = 201, description = "Enrolled: `status` says whether a seat or a waitlist place.", body = Enrollment),
        (status = 404, description = "No such date.", body = crate::server::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Cannot be enrolled as asked.", body = crate::server::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["enrollments:manage"]))
)]
pub async fn enrol(
    State(state): State<AppState>,
    Extension(client): Extension<Client>,
    Caller(credentials): Caller,
    body: Body<NewEnrollment>,
) -> Result<(StatusCode, Json<Enrollment>), ApiProblem> {
    let staff = credentials.require(Scope::EnrollmentsManage)?;
    let request = body.value;
    let acting = Acting { user: staff, client: Some(&client) };
    let enrolment = state.enrolments.enrol_address(acting, &request.email, request.session_id).await?;
    note(&state, &credentials, &client, &format!("enrolment {} made", enrolment.id)).await;
    Ok((StatusCode::CREATED, Json(answer(&state, &enrolment).await?)))
}

/// Staff moving a seat to another date of its course.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "session_id": 43, "wait": false }))]
pub struct MoveEnrollment {
    /// The date to move to, of the same course.
    pub session_id: i64,
    /// When that date is full: `false` refuses (`409`, the seat kept);
    /// `true` joins its waitlist as a request to move, the seat kept until
    /// one frees up there.
    #[serde(default)]
    pub wait: bool,
}

/// `PATCH /api/v1/enrollments/{id}`.
#[utoipa::path(
    patch,
    path = "/enrollments/{id}",
    tag = "enrollments",
    operation_id = "moveEnrollment",
    summary = "Move a seat to another date (staff)",
    description = "As the back office does: a confirmed seat moves to another date of the same course in one \
        step, its order and invoice with it; the seat it leaves goes to the first waiting there. The learner \
        is told by e-mail.",
    params(("id" = i64, Path, description = "The enrolment's id.")),
    request_body(content = MoveEnrollment, content_type = "application/json"),
    responses(
        (status = 200, description = "Moved (or waiting to move, with `wait`): the enrolment on the new date.", body = Enrollment),
        (status = 409, description = "Cannot be moved as asked: not a confirmed seat, another course, the same date, or full.", body = crate::server::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["enrollments:manage"]))
)]
pub async fn relocate(
    State(state): State<AppState>,
    Extension(client): Extension<Client>,
    Caller(credentials): Caller,
    Path(enrolment): Path<String>,
    body: Body<MoveEnrollment>,
) -> ApiResult<Json<Enrollment>> {
    let staff = credentials.require(Scope::EnrollmentsManage)?;
    let enrolment = id(&enrolment)?;
    let request = body.value;
    let acting = Acting { user: staff, client: Some(&client) };
    let moved = match request.wait {
        true => state.enrolments.move_or_wait(acting, enrolment, request.session_id).await?,
        false => state.enrolments.transfer(acting, enrolment, request.session_id).await?,
    };
    note(&state, &credentials, &client, &format!("enrolment {enrolment} moved to session {}", request.session_id))
        .await;
    Ok(Json(answer(&state, &moved).await?))
}
