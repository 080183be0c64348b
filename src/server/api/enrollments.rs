//! Enrolments through the API: the same domain functions as the pages,
//! under the same rules and mails.

use super::{ApiResult, Caller, id};
use crate::model::token::Scope;
use crate::server::AppState;
use crate::server::audit::Acting;
use crate::server::auth::Credentials;
use crate::server::client::Client;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;

/// `DELETE /api/v1/enrollments/{id}`: cancels one of the caller's own
/// enrolments (a seat goes to the first on the waitlist; a seat an order
/// paid for is credited), as the page's cancel button does.
#[utoipa::path(
    delete,
    path = "/enrollments/{id}",
    tag = "enrollments",
    operation_id = "cancelEnrollment",
    summary = "Cancel one of the caller's enrolments",
    description = "As the page's cancel button: a seat goes to the first on the waitlist (who is told by \
        e-mail); a seat an invoice was issued for is credited. Cancelling online closes some hours before \
        the date starts (`409`, naming how many). Another learner's enrolment is not found.",
    params(("id" = i64, Path, description = "The enrolment's id.")),
    responses(
        (status = 204, description = "Cancelled."),
        (status = 409, description = "Cannot be cancelled: cancelled already, started, or too close to the start.", body = crate::server::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["enrollments:write"]))
)]
pub async fn cancel(
    State(state): State<AppState>,
    Extension(client): Extension<Client>,
    Caller(credentials): Caller,
    Path(enrolment): Path<String>,
) -> ApiResult<StatusCode> {
    let user = credentials.require(Scope::EnrollmentsWrite)?;
    let enrolment = id(&enrolment)?;
    // Someone else's enrolment is not found, even for staff: managing
    // others' takes the staff endpoints and their scope.
    let own = state.enrolments.booking(user, enrolment).await?;
    state.enrolments.cancel(Acting { user, client: Some(&client) }, own.enrolment.id).await?;
    if let Credentials::Token(bearer) = &credentials {
        state.tokens.record_change(bearer, &client, &format!("enrolment {} cancelled", own.enrolment.id)).await;
    }
    Ok(StatusCode::NO_CONTENT)
}
