//! The server's error: what went wrong, in full, for the log, and the one
//! place where it becomes an answer.
//!
//! [`Error::visible`] decides what a person may be told (an [`AppError`]);
//! anything else is logged here, once, with its chain of causes, and the
//! person learns only that it failed, with the request's id to quote. The
//! answer is written in the form the caller reads:
//! - HTML, for plain handlers a browser opens (`impl IntoResponse`);
//! - JSON, for server functions: leptos writes the [`AppError`], and
//!   [`server_fn_status`] gives the answer the error's status;
//! - `application/problem+json` (RFC 9457), for the REST API ([`ApiProblem`]).

use crate::error::AppError;
use axum::{
    body::Body,
    extract::Request,
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use std::sync::Arc;

pub use super::problem::{FieldProblem, Problem};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
    /// The request cannot be done, for a reason the visitor is told as is
    /// (a field that does not pass, a wrong password, a rate limit).
    #[error("refused: {0:?}")]
    Refused(AppError),
    #[error("database")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Internal(String),
    #[error("{0}")]
    Shared(Arc<Error>),
    /// The database could not be reached in time (see [`is_busy`]),
    /// where its error was not kept (the session store's).
    #[error("database busy")]
    Busy,
}

/// How long a client told "busy" (`503`) is asked to wait.
pub const BUSY_RETRY_AFTER_SECS: u64 = 2;

/// The session store's word for "the database did not answer in time",
/// which tower-sessions' error type carries only as text.
pub const SESSION_STORE_BUSY: &str = "session store busy";

/// Whether `error` says the database could not answer in time: too busy
/// (no connection free within the pool's acquire timeout, SQLite's lock
/// held past its busy timeout, a deadlock broken) or out of reach (the
/// server down, restarting, or the connection cut). A request refused for
/// it may be tried again once the database is back: it is answered `503`
/// with `Retry-After`, never as a fault of Lyceum's.
pub fn is_busy(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(db) => {
            // SQLITE_BUSY and SQLITE_LOCKED, and their extended codes; or a
            // deadlock PostgreSQL broke by aborting this transaction, when
            // trying again did not get through either.
            let sqlite_busy =
                db.code().and_then(|code| code.parse::<i32>().ok()).is_some_and(|code| matches!(code & 0xff, 5 | 6))
                    && db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some();
            sqlite_busy || is_deadlock(error) || is_postgres_unreachable(db.as_ref())
        }
        _ => false,
    }
}

/// Whether `error` says the database cannot be reached at all (the
/// connection refused or cut, or PostgreSQL shutting down or starting), as
/// opposed to merely slow: what makes requests be answered at once while
/// it lasts (see `lifecycle`). A check that ran out of time says neither.
pub fn is_unreachable(error: &sqlx::Error) -> bool {
    use std::io::ErrorKind;
    match error {
        sqlx::Error::Io(io) => matches!(
            io.kind(),
            ErrorKind::ConnectionRefused
                | ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted
                | ErrorKind::NotConnected
                | ErrorKind::BrokenPipe
                | ErrorKind::UnexpectedEof
        ),
        sqlx::Error::Database(db) => is_postgres_unreachable(db.as_ref()),
        _ => false,
    }
}

/// PostgreSQL's words for "not now": a connection exception (class `08`),
/// the server shutting down or starting (`57P01`..`57P03`), or no
/// connection slot left (`53300`).
fn is_postgres_unreachable(db: &dyn sqlx::error::DatabaseError) -> bool {
    if db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>().is_none() {
        return false;
    }
    db.code().is_some_and(|code| code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03" | "53300"))
}

/// Whether PostgreSQL aborted the transaction to break a deadlock
/// (`40P01`): nothing it did stands, and it may be tried again.
pub fn is_deadlock(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(db) => {
            db.code().as_deref() == Some("40P01") && db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>().is_some()
        }
        _ => false,
    }
}

impl Error {
    /// Unwraps the error a cache shares between the callers it coalesced.
    pub fn from_shared(error: Arc<Error>) -> Self {
        match Arc::try_unwrap(error) {
            Ok(error) => error,
            Err(shared) => Error::Shared(shared),
        }
    }

    /// The error a person is told. Anything that is not theirs to know is
    /// logged here with its causes and becomes `Internal`, with the id of
    /// the request being answered (when there is one) for them to quote.
    pub fn visible(&self, request_id: Option<&str>) -> AppError {
        match self {
            Error::NotFound => AppError::NotFound,
            Error::Refused(error) => error.clone(),
            Error::Shared(inner) => inner.visible(request_id),
            Error::Database(error) if is_busy(error) => {
                tracing::warn!(error = %error, "database busy or unreachable: answered 503");
                AppError::Unavailable { retry_after_secs: BUSY_RETRY_AFTER_SECS }
            }
            Error::Busy => {
                tracing::warn!("session store busy: answered 503");
                AppError::Unavailable { retry_after_secs: BUSY_RETRY_AFTER_SECS }
            }
            Error::Database(_) | Error::Internal(_) => {
                tracing::error!(error = %self, causes = %causes(self), "request failed");
                AppError::Internal { reference: request_id.map(str::to_string) }
            }
        }
    }
}

/// The chain of an error's causes, innermost last: "a: b: c".
fn causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = Vec::new();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push(inner.to_string());
        cause = inner.source();
    }
    text.join(": ")
}

impl From<AppError> for Error {
    fn from(error: AppError) -> Self {
        Error::Refused(error)
    }
}

impl From<tower_sessions::session::Error> for Error {
    fn from(error: tower_sessions::session::Error) -> Self {
        use tower_sessions::{session::Error as Session, session_store::Error as Store};
        match error {
            Session::Store(Store::Backend(text)) if text == SESSION_STORE_BUSY => Error::Busy,
            error => Error::Internal(format!("session: {error}")),
        }
    }
}

/// For server functions: the error as the function's answer. Its status is
/// set on the response by [`server_fn_status`], not here.
impl From<Error> for AppError {
    fn from(error: Error) -> Self {
        error.visible(request_id_in_context().as_deref())
    }
}

/// The id of the request a server function or page is answering.
fn request_id_in_context() -> Option<String> {
    let parts = leptos::prelude::use_context::<axum::http::request::Parts>()?;
    let id = parts.headers.get(super::security::REQUEST_ID)?.to_str().ok()?;
    Some(id.to_string())
}

/// The status and headers of an answer carrying `error`.
fn status_of(error: &AppError) -> (StatusCode, Option<HeaderValue>) {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let retry = match error {
        AppError::TooManyRequests { retry_after_secs } | AppError::Unavailable { retry_after_secs } => {
            Some(HeaderValue::from(*retry_after_secs))
        }
        _ => None,
    };
    (status, retry)
}

/// A plain handler's error, as a short HTML page a browser shows.
impl IntoResponse for Error {
    fn into_response(self) -> Response {
        // Plain handlers run outside leptos: the id is not known here, but
        // the answer carries it in `X-Request-Id` all the same.
        let error = self.visible(None);
        let (status, retry) = status_of(&error);
        let message = crate::components::verbatim::escape_html(&error.to_string());
        let body = format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{message} · Lyceum</title></head>\
             <body><main><h1>{message}</h1><p><a href=\"/\">Lyceum's home page</a></p></main></body></html>"
        );
        let mut response = (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response();
        if let Some(retry) = retry {
            response.headers_mut().insert(header::RETRY_AFTER, retry);
        }
        response
    }
}

/// An error as `application/problem+json` (RFC 9457), for the REST API: a
/// stable `type`, a human `title`, the `status`, and the fields at fault.
pub struct ApiProblem(pub Error);

impl From<Error> for ApiProblem {
    fn from(error: Error) -> Self {
        ApiProblem(error)
    }
}

impl IntoResponse for ApiProblem {
    fn into_response(self) -> Response {
        let error = self.0.visible(None);
        let (status, retry) = status_of(&error);
        let mut problem = Problem::new(error.kind(), error.to_string(), status);
        if let AppError::Invalid(fields) = &error {
            problem.errors = fields
                .iter()
                .map(|f| FieldProblem { field: f.field.key().to_string(), detail: f.problem.message() })
                .collect();
        }
        let mut response = problem.into_response();
        if let Some(retry) = retry {
            response.headers_mut().insert(header::RETRY_AFTER, retry);
        }
        // RFC 6750: how to authenticate, and what was wrong with the token.
        let challenge = match &error {
            AppError::Unauthorized => Some("Bearer realm=\"lyceum\"".to_string()),
            AppError::TokenRefused(_) => Some("Bearer realm=\"lyceum\", error=\"invalid_token\"".to_string()),
            AppError::MissingScope(scope) => {
                Some(format!("Bearer realm=\"lyceum\", error=\"insufficient_scope\", scope=\"{scope}\""))
            }
            _ => None,
        };
        if let Some(value) = challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }
}

/// Middleware around server functions: leptos answers every error with
/// 500; this gives the answer its error's own status (and `Retry-After`).
/// A plain form post keeps leptos's redirect back to its page (the error is
/// in the URL), unless the request itself could not be read.
pub async fn server_fn_status(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let failed = response.headers().contains_key("serverfnerror");
    if !failed {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, super::security::MAX_BODY_BYTES).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "").into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        let redirect = parts.status.is_redirection();
        if !redirect || matches!(error, AppError::BadRequest(_)) {
            let (status, retry) = status_of(&error);
            parts.status = status;
            if let Some(retry) = retry {
                parts.headers.insert(header::RETRY_AFTER, retry);
            }
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::form::{Field, FieldError, Problem};
    use http_body_util::BodyExt;

    async fn read(response: Response) -> (StatusCode, Option<String>, Option<String>, String) {
        let status = response.status();
        let text = |name| response.headers().get(name).and_then(|v: &HeaderValue| v.to_str().ok()).map(str::to_string);
        let (kind, retry) = (text(header::CONTENT_TYPE), text(header::RETRY_AFTER));
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, kind, retry, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn html_answers_name_the_status_and_hide_internals() {
        let (status, kind, _, body) = read(Error::NotFound.into_response()).await;
        assert_eq!((status, kind.as_deref()), (StatusCode::NOT_FOUND, Some("text/html; charset=utf-8")));
        assert!(body.contains("We could not find that page."), "{body}");
        let (status, _, retry, _) =
            read(Error::Refused(AppError::TooManyRequests { retry_after_secs: 90 }).into_response()).await;
        assert_eq!((status, retry.as_deref()), (StatusCode::TOO_MANY_REQUESTS, Some("90")));
        let (status, _, _, body) = read(Error::Internal("disk on fire at /var/secret".into()).into_response()).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!body.contains("disk on fire") && !body.contains("/var/secret"), "{body}");
    }

    #[tokio::test]
    async fn problem_json_has_a_stable_type_and_the_fields_at_fault() {
        let invalid = AppError::Invalid(vec![FieldError { field: Field::Email, problem: Problem::MalformedEmail }]);
        let (status, kind, _, body) = read(ApiProblem(Error::Refused(invalid)).into_response()).await;
        assert_eq!((status, kind.as_deref()), (StatusCode::UNPROCESSABLE_ENTITY, Some("application/problem+json")));
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["type"], "/api/problems/invalid");
        assert_eq!(json["status"], 422);
        assert_eq!(json["errors"][0]["field"], "email");
        let (status, _, retry, body) =
            read(ApiProblem(Error::Refused(AppError::TooManyRequests { retry_after_secs: 5 })).into_response()).await;
        assert_eq!((status, retry.as_deref()), (StatusCode::TOO_MANY_REQUESTS, Some("5")));
        assert!(body.contains("too-many-requests"), "{body}");
        let (status, _, _, body) = read(ApiProblem(Error::Internal("secret detail".into())).into_response()).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!body.contains("secret detail"));
    }

    #[test]
    fn a_database_out_of_reach_is_busy_not_broken() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        for error in [sqlx::Error::Io(refused), sqlx::Error::PoolTimedOut, sqlx::Error::PoolClosed] {
            assert!(is_busy(&error), "{error}");
            assert!(matches!(Error::Database(error).visible(None), AppError::Unavailable { .. }));
        }
        assert!(!is_busy(&sqlx::Error::RowNotFound));
        assert!(!is_busy(&sqlx::Error::ColumnNotFound("x".into())));
    }

    #[test]
    fn internals_become_internal_with_the_request_id() {
        let error = Error::Internal("boom".into());
        assert_eq!(error.visible(Some("abc-1")), AppError::Internal { reference: Some("abc-1".into()) });
        let shared = Error::Shared(Arc::new(Error::NotFound));
        assert_eq!(shared.visible(None), AppError::NotFound);
    }
}
