//! The body of every error the REST API answers: a problem
//! (`application/problem+json`, RFC 9457). Apart from `error.rs`, which
//! maps the server's errors onto it, so the refusals made before any
//! handler runs (`security.rs`) can answer in the same form.

use crate::error::AppError;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The body of every error the REST API answers
/// (`application/problem+json`, RFC 9457).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(example = json!({
    "type": "/api/problems/invalid",
    "title": "Please correct the fields marked below.",
    "status": 422,
    "request_id": "7f3c2a1e-3b0d-4d2b-9a51-2f0c8e6d1b4a",
    "errors": [{ "field": "country", "detail": "Choose one of the options." }]
}))]
pub struct Problem {
    /// A stable name for the kind of problem (`/api/problems/{kind}`); it
    /// never changes when the wording does.
    #[serde(rename = "type")]
    pub kind: String,
    /// What went wrong, for a person.
    pub title: String,
    pub status: u16,
    /// The request's id, to quote to the academy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// For a refused request: each field at fault and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// One field of a request that was not acceptable.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct FieldProblem {
    /// The field's name, as the request spells it (`billing.country`).
    pub field: String,
    pub detail: String,
}

impl Problem {
    pub fn new(kind: &str, title: impl Into<String>, status: StatusCode) -> Self {
        Problem {
            kind: format!("/api/problems/{kind}"),
            title: title.into(),
            status: status.as_u16(),
            request_id: None,
            errors: Vec::new(),
        }
    }

    /// A `422` naming each field at fault.
    pub fn invalid(errors: Vec<FieldProblem>) -> Self {
        let mut problem =
            Problem::new("invalid", AppError::Invalid(Vec::new()).to_string(), StatusCode::UNPROCESSABLE_ENTITY);
        problem.errors = errors;
        problem
    }

    /// As an answer with its status, typed `application/problem+json`.
    pub fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_string(&self).expect("a problem serialises");
        (status, [(header::CONTENT_TYPE, "application/problem+json")], body).into_response()
    }
}
