//! The error a visitor can be shown, shared by the server and the browser.
//! It carries no internal detail: the server logs that where it happens and
//! sends only the kind of failure (see `server::error`). Every message is
//! Lyceum's own: an error can arrive through a URL (forms without
//! JavaScript), so none of them carries text from outside.

use crate::model::form::{Field, FieldError};
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("We could not find that page.")]
    NotFound,
    /// Some fields of a form are not acceptable; nothing was stored.
    #[error("Please correct the fields marked below.")]
    Invalid(Vec<FieldError>),
    #[error("Please log in to continue.")]
    Unauthorized,
    #[error("You do not have access to this.")]
    Forbidden,
    /// Deliberately the same whether the e-mail is unknown or the password wrong.
    #[error("The e-mail address or password is not right.")]
    LoginFailed,
    /// The password was right, but the address has not been confirmed yet.
    #[error("Please confirm your e-mail address first: open the link in the e-mail we sent you when you signed up.")]
    Unverified,
    /// The password was right, but an administrator has deactivated the
    /// account: said plainly, since only its owner can get this far.
    #[error(
        "This account has been deactivated, so it cannot sign in. Please contact the academy if you think this is a mistake."
    )]
    Deactivated,
    /// A staff or administrator account without a second factor: it must
    /// set one up before anything else (see `accounts::second_factor`).
    #[error(
        "Staff accounts sign in with a second factor. Please add a passkey or set up an authenticator app to continue."
    )]
    SecondFactorRequired,
    /// An authenticator is set up already: remove it before another.
    #[error("Two-step sign-in is already on for this account.")]
    SecondFactorExists,
    /// Past the password, the second step of signing in was not taken in
    /// time (or not at all): start again.
    #[error("Please sign in again: the code was not entered in time.")]
    SecondStepExpired,
    #[error("This link is not valid any more. It may have been used already or have expired; ask for a new one.")]
    InvalidLink,
    #[error("Too many attempts. Please wait {} and try again.", wait_text(*retry_after_secs))]
    TooManyRequests { retry_after_secs: u64 },
    /// The server is too busy to answer now (every database connection
    /// taken for longer than a request waits): nothing was done, and the
    /// same request may be sent again after the wait.
    #[error("Lyceum is very busy at the moment, and nothing was changed. Please try again in {}.", wait_text(*retry_after_secs))]
    Unavailable { retry_after_secs: u64 },
    /// A request about an enrolment that cannot be done as asked.
    #[error("{}", .0.message())]
    Conflict(crate::model::enrolment::Refusal),
    /// Someone else saved the record after this form was opened: nothing
    /// was saved. `changes` are the fields they changed (name, what they
    /// saved) and `version` the record's version now, for the form to
    /// send when it is saved again.
    #[error(
        "Someone else saved this record after you opened it, so your changes are not saved. Compare them with what was saved, then save again."
    )]
    Stale { version: i64, changes: Vec<(String, String)> },
    /// The request itself could not be read (a malformed body, a missing or
    /// repeated field, a character no form sends). The text is always one
    /// of Lyceum's own, never a parser's.
    #[error("{0}")]
    BadRequest(String),
    #[error("This request is too large.")]
    TooLarge,
    /// The API's bearer token was refused, and why: mistyped, unknown or
    /// revoked, expired, or sent where a token must not go.
    #[error("{}", .0.message())]
    TokenRefused(crate::model::token::TokenRefusal),
    /// The API's bearer token lacks the scope the request needs.
    #[error("This token does not have the scope {0}, which this request needs.")]
    MissingScope(String),
    /// A body in an encoding Lyceum does not read (only forms and JSON).
    #[error("This kind of request is not accepted. Send the form from Lyceum's page.")]
    UnsupportedBody,
    /// The request did not come from one of Lyceum's own pages.
    #[error("This request did not come from a Lyceum page. Reload the page and try again.")]
    CrossSite,
    /// A failure on the server, logged there. `reference` is the request's
    /// id, which the log lines carry: a person can quote it to the academy.
    #[error("Something went wrong on our side. Please try again in a moment.{}", reference_text(reference))]
    Internal { reference: Option<String> },
    /// The request never reached the function, or its answer was unreadable.
    #[error("We could not reach Lyceum. Check your connection and try again.")]
    Transport(String),
}

impl AppError {
    /// The HTTP status a page or function answering with this error uses.
    pub fn status(&self) -> u16 {
        match self {
            AppError::NotFound => 404,
            AppError::Invalid(_) => 422,
            AppError::Unauthorized | AppError::LoginFailed | AppError::TokenRefused(_) => 401,
            AppError::MissingScope(_) => 403,
            AppError::Forbidden | AppError::CrossSite | AppError::Unverified | AppError::Deactivated => 403,
            AppError::SecondFactorRequired => 403,
            AppError::SecondFactorExists => 409,
            AppError::SecondStepExpired => 401,
            AppError::InvalidLink => 410,
            AppError::BadRequest(_) => 400,
            AppError::Conflict(_) | AppError::Stale { .. } => 409,
            AppError::TooLarge => 413,
            AppError::UnsupportedBody => 415,
            AppError::TooManyRequests { .. } => 429,
            AppError::Unavailable { .. } => 503,
            AppError::Internal { .. } | AppError::Transport(_) => 500,
        }
    }

    /// A stable name for the kind of error, for machines (the `type` of an
    /// API problem): it never changes when the wording does.
    pub fn kind(&self) -> &'static str {
        match self {
            AppError::NotFound => "not-found",
            AppError::Invalid(_) => "invalid",
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden => "forbidden",
            AppError::LoginFailed => "login-failed",
            AppError::Unverified => "unverified",
            AppError::Deactivated => "deactivated",
            AppError::SecondFactorRequired => "second-factor-required",
            AppError::SecondFactorExists => "second-factor-exists",
            AppError::SecondStepExpired => "second-step-expired",
            AppError::InvalidLink => "invalid-link",
            AppError::TooManyRequests { .. } => "too-many-requests",
            AppError::Unavailable { .. } => "unavailable",
            AppError::BadRequest(_) => "bad-request",
            AppError::Conflict(_) => "conflict",
            AppError::Stale { .. } => "stale",
            AppError::TooLarge => "too-large",
            AppError::TokenRefused(_) => "invalid-token",
            AppError::MissingScope(_) => "insufficient-scope",
            AppError::UnsupportedBody => "unsupported-media-type",
            AppError::CrossSite => "cross-site",
            AppError::Internal { .. } => "internal",
            AppError::Transport(_) => "unreachable",
        }
    }

    /// The message for one field, when this error names it.
    pub fn field_message(&self, field: Field) -> Option<String> {
        match self {
            AppError::Invalid(errors) => {
                errors.iter().find(|error| error.field == field).map(|error| error.problem.message())
            }
            _ => None,
        }
    }
}

/// Whether a request id is a plain token (1 to 64 letters, digits, `-`,
/// `_`, `.`): the only kind the server keeps from a client or proxy, and
/// the only kind a message quotes, so neither a log line nor an error page
/// can be made to say anything else.
pub fn is_plain_reference(id: &[u8]) -> bool {
    (1..=64).contains(&id.len()) && id.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The sentence that quotes a reference. Only a plain token is quoted: an
/// error can arrive through a URL, which anyone can write.
fn reference_text(reference: &Option<String>) -> String {
    reference
        .as_ref()
        .filter(|id| is_plain_reference(id.as_bytes()))
        .map(|id| format!(" If it happens again, quote this reference: {id}."))
        .unwrap_or_default()
}

/// "30 seconds", "1 minute", "5 minutes", "2 hours".
pub fn wait_text(secs: u64) -> String {
    let plural = |n: u64, unit: &str| if n == 1 { format!("1 {unit}") } else { format!("{n} {unit}s") };
    match secs {
        0..=59 => plural(secs.max(1), "second"),
        60..=3599 => plural(secs.div_ceil(60), "minute"),
        _ => plural(secs.div_ceil(3600), "hour"),
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    /// On the server, the errors server_fn makes itself are a request it
    /// could not decode: a 400 that quotes nothing of the parser's. In the
    /// browser, they are a request that did not get through.
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        #[cfg(feature = "ssr")]
        {
            let _ = value;
            AppError::BadRequest("The request could not be read. Reload the page and try again.".into())
        }
        #[cfg(not(feature = "ssr"))]
        AppError::Transport(value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_read_naturally() {
        assert_eq!(wait_text(0), "1 second");
        assert_eq!(wait_text(45), "45 seconds");
        assert_eq!(wait_text(60), "1 minute");
        assert_eq!(wait_text(61), "2 minutes");
        assert_eq!(wait_text(7200), "2 hours");
        let error = AppError::TooManyRequests { retry_after_secs: 300 };
        assert_eq!(error.to_string(), "Too many attempts. Please wait 5 minutes and try again.");
    }
}
