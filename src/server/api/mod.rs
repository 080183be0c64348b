//! The REST API, `/api/v1`: an edge beside the pages, not a second domain.
//! Handlers read who is calling once ([`Credentials`]), parse the request
//! into the same typed values the pages use, call the same domain
//! functions, and answer JSON; every error is `application/problem+json`
//! ([`ApiProblem`]), with the request's id.

mod enrollments;
mod me;
mod page;

use super::AppState;
use super::auth::Credentials;
use super::error::{ApiProblem, Error};
use crate::error::AppError;
use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};

/// What a handler answers: JSON, or a problem.
pub type ApiResult<T> = Result<T, ApiProblem>;

/// The API's routes, to be nested under `/api/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me", get(me::me))
        .route("/me/enrollments", get(me::enrollments))
        .route("/enrollments/{id}", delete(enrollments::cancel))
        .fallback(not_found)
        .layer(axum::middleware::from_fn(with_request_id))
}

async fn not_found() -> ApiProblem {
    ApiProblem(Error::NotFound)
}

/// Who is calling ([`Credentials`]), refused as a problem when their token
/// is.
pub struct Caller(pub Credentials);

impl axum::extract::FromRequestParts<AppState> for Caller {
    type Rejection = ApiProblem;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &AppState) -> Result<Self, ApiProblem> {
        Ok(Caller(Credentials::from_request_parts(parts, state).await?))
    }
}

/// A path parameter that must be an id: a 404 problem otherwise, as an
/// unknown id is.
pub fn id(text: &str) -> Result<i64, ApiProblem> {
    text.parse::<i64>().ok().filter(|id| *id > 0).ok_or(ApiProblem(Error::NotFound))
}

/// Adds the request's id to a problem, for the caller to quote.
async fn with_request_id(request: Request, next: Next) -> Response {
    let id = request.headers().get(super::security::REQUEST_ID).and_then(|v| v.to_str().ok()).map(str::to_string);
    let response = next.run(request).await;
    let problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|kind| kind.as_bytes().starts_with(b"application/problem+json"));
    let Some(id) = id.filter(|_| problem) else { return response };
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return ApiProblem(Error::Refused(AppError::Internal { reference: Some(id) })).into_response();
    };
    let mut json: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    json["request_id"] = serde_json::Value::String(id);
    Response::from_parts(parts, Body::from(json.to_string()))
}
