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
