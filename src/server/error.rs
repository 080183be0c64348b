//! The server's error: what went wrong, in full, for the log. It becomes an
//! [`AppError`] (what the visitor sees) in exactly one place, here, which
//! also sets the answer's status when a server function is answering.

use crate::error::AppError;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
    /// The request cannot be done, for a reason the visitor is told as is
    /// (a field that does not pass, a wrong password, a rate limit).
    #[error("refused: {0:?}")]
    Refused(AppError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Internal(String),
    #[error("{0}")]
    Shared(Arc<Error>),
}

impl Error {
    /// Unwraps the error a cache shares between the callers it coalesced.
    pub fn from_shared(error: Arc<Error>) -> Self {
        match Arc::try_unwrap(error) {
            Ok(error) => error,
            Err(shared) => Error::Shared(shared),
        }
    }

    /// The visitor's error, when it is one the visitor is told as is.
    fn visible(&self) -> Option<AppError> {
        match self {
            Error::NotFound => Some(AppError::NotFound),
            Error::Refused(error) => Some(error.clone()),
            Error::Shared(inner) => inner.visible(),
            _ => None,
        }
    }
}

impl From<AppError> for Error {
    fn from(error: AppError) -> Self {
        Error::Refused(error)
    }
}

impl From<super::accounts::password::HashError> for Error {
    fn from(error: super::accounts::password::HashError) -> Self {
        match error {
            // Every hashing slot stayed taken: ask the visitor to come back shortly.
            super::accounts::password::HashError::Busy => {
                Error::Refused(AppError::TooManyRequests { retry_after_secs: 5 })
            }
            other => Error::Internal(other.to_string()),
        }
    }
}

impl From<tower_sessions::session::Error> for Error {
    fn from(error: tower_sessions::session::Error) -> Self {
        Error::Internal(format!("session: {error}"))
    }
}

impl From<Error> for AppError {
    fn from(error: Error) -> Self {
        let visible = error.visible().unwrap_or_else(|| {
            // Logged once, here; the visitor only learns that it failed.
            tracing::error!(error = %error, "request failed");
            AppError::Internal { reference: request_id() }
        });
        answer_with(&visible);
        visible
    }
}

/// Gives a server function's answer the error's status (and `Retry-After`
/// for rate limits). Not for plain form posts: leptos answers those with a
/// redirect back to the form, the error in its URL, and a status would
/// break the redirect. Not for page renders either: the page sets its own.
pub fn answer_with(error: &AppError) {
    use axum::http::{HeaderValue, StatusCode, header};
    use leptos::prelude::use_context;
    let Some(options) = use_context::<leptos_axum::ResponseOptions>() else { return };
    let Some(parts) = use_context::<axum::http::request::Parts>() else { return };
    let wants_html = parts
        .headers
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    // A request that could not be read never gets as far as a form that
    // could show its error: it is answered 400 for browsers too.
    if wants_html && !matches!(error, AppError::BadRequest(_)) {
        return;
    }
    if let Ok(status) = StatusCode::from_u16(error.status()) {
        options.set_status(status);
    }
    if let AppError::TooManyRequests { retry_after_secs } = error {
        options.insert_header(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
    }
}

/// The id of the request being answered, if there is one (it was checked
/// to be a plain token, or made here).
fn request_id() -> Option<String> {
    let parts = leptos::prelude::use_context::<axum::http::request::Parts>()?;
    let id = parts.headers.get(super::security::REQUEST_ID)?.to_str().ok()?;
    Some(id.to_string())
}
