//! The server's error: what went wrong, in full, for the log. It becomes an
//! [`AppError`] (what the visitor sees) in exactly one place, here.

use crate::error::AppError;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
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

    fn is_not_found(&self) -> bool {
        match self {
            Error::NotFound => true,
            Error::Shared(inner) => inner.is_not_found(),
            _ => false,
        }
    }
}

impl From<Error> for AppError {
    fn from(error: Error) -> Self {
        if error.is_not_found() {
            return AppError::NotFound;
        }
        // Logged once, here; the visitor only learns that it failed.
        tracing::error!(error = %error, "request failed");
        AppError::Internal
    }
}
