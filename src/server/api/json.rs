//! A JSON request body, read strictly: sent as `application/json` (else
//! `415`), no larger than the server reads (else `413`), well-formed
//! (else `400`), and of the request's shape (else `422` naming each field
//! at fault: a wrong type, a missing field, a field the request does not
//! have). The details are Lyceum's own words; the parser's wording, which
//! can quote the body back, is not passed on.

use crate::error::AppError;
use crate::server::AppState;
use crate::server::error::{ApiProblem, Error, FieldProblem, Problem};
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

/// A body of type `T`, and the same body as a JSON value (for the
/// idempotency key's request hash).
pub struct Body<T> {
    pub value: T,
    pub json: serde_json::Value,
}

impl<T: DeserializeOwned> FromRequest<AppState> for Body<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let json_typed = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|kind| kind.trim().to_ascii_lowercase())
            .is_some_and(|kind| kind == "application/json" || kind.ends_with("+json"));
        if !json_typed {
            return Err(ApiProblem(Error::Refused(AppError::UnsupportedBody)).into_response());
        }
        let bytes = match Bytes::from_request(request, state).await {
            Ok(bytes) => bytes,
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(ApiProblem(Error::Refused(AppError::TooLarge)).into_response());
            }
            Err(_) => return Err(unreadable()),
        };
        let json: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| unreadable())?;
        // serde would read a struct from an array, field by field in order:
        // every request body is an object.
        if !json.is_object() {
            return Err(not_an_object());
        }
        match serde_path_to_error::deserialize::<_, T>(&json) {
            Ok(value) => Ok(Body { value, json }),
            Err(error) => Err(refused(&error)),
        }
    }
}

fn unreadable() -> Response {
    ApiProblem(Error::Refused(AppError::BadRequest("The body is not well-formed JSON.".into()))).into_response()
}

fn not_an_object() -> Response {
    Problem::invalid(vec![FieldProblem { field: "body".into(), detail: "Expected a JSON object.".into() }])
        .into_response()
}

/// A `422` naming the field the body's shape failed at.
fn refused(error: &serde_path_to_error::Error<serde_json::Error>) -> Response {
    let path = error.path().to_string();
    let message = error.inner().to_string();
    let within = |name: &str| match path.as_str() {
        "." | "" => name.to_string(),
        parent => format!("{parent}.{name}"),
    };
    let quoted = |text: &str| text.split('`').nth(1).map(str::to_string);
    let (field, detail) = if message.starts_with("unknown field") {
        // The path ends at the unknown field itself.
        (path.clone(), "This request has no such field.".to_string())
    } else if message.starts_with("missing field") {
        let name = quoted(&message).unwrap_or_default();
        (within(&name), "This field is required.".to_string())
    } else {
        // "invalid type: …, expected …": what was expected is the type's
        // own description, never the value sent.
        let expected = message.split_once(", expected ").map(|(_, e)| e.trim().to_string());
        let detail = match expected {
            Some(expected) => format!("Expected {expected}."),
            None => "This value is not acceptable here.".to_string(),
        };
        let field = match path.as_str() {
            "." | "" => "body".to_string(),
            path => path.to_string(),
        };
        (field, detail)
    };
    Problem::invalid(vec![FieldProblem { field, detail }]).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Order {
        billing: Kind,
        count: u8,
        #[serde(default)]
        lines: Vec<Line>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Line {
        name: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Private,
        Company,
    }

    async fn problem_of(body: serde_json::Value) -> (String, String) {
        let error = serde_path_to_error::deserialize::<_, Order>(&body).expect_err("refused");
        let response = refused(&error);
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let bytes = axum::body::to_bytes(response.into_body(), 4096).await.unwrap();
        let problem: Problem = serde_json::from_slice(&bytes).unwrap();
        let first = problem.errors.into_iter().next().expect("a field");
        (first.field, first.detail)
    }

    #[tokio::test]
    async fn each_refusal_names_the_field_in_the_bodys_own_terms_and_never_echoes_it() {
        let (field, detail) = problem_of(serde_json::json!({ "billing": "private", "count": 1, "<b>x</b>": 1 })).await;
        assert_eq!((field.as_str(), detail.as_str()), ("<b>x</b>", "This request has no such field."));
        let (field, detail) = problem_of(serde_json::json!({ "billing": "private" })).await;
        assert_eq!((field.as_str(), detail.as_str()), ("count", "This field is required."));
        let (field, detail) = problem_of(serde_json::json!({ "billing": "<script>", "count": 1 })).await;
        assert_eq!(field, "billing");
        assert!(detail.contains("`private`") && !detail.contains("script"), "{detail}");
        let (field, detail) = problem_of(serde_json::json!({ "billing": "company", "count": "seven" })).await;
        assert_eq!(field, "count");
        assert!(detail.starts_with("Expected") && !detail.contains("seven"), "{detail}");
        let (field, _) =
            problem_of(serde_json::json!({ "billing": "company", "count": 1, "lines": [{ "name": "a", "x": 1 }] }))
                .await;
        assert_eq!(field, "lines[0].x");
        let (field, detail) = problem_of(serde_json::json!("text")).await;
        assert_eq!((field.as_str(), detail.as_str()), ("body", "Expected struct Order."));
    }
}
