//! A form that failed, kept to be shown again on its page.

use serde::{Deserialize, Serialize};

/// A form sent without JavaScript that failed, as its page shows it again:
/// the error, and what was typed (never a password or a token). It travels
/// in the session from the failed post to the page it returns to, so the
/// address stays clean and a reload starts afresh.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Returned {
    /// The server function the form was sent to (`/rpc/account/signup`).
    pub action: String,
    /// The page it returns to, path and query.
    pub page: String,
    pub error: crate::error::AppError,
    pub fields: Vec<(String, String)>,
}

impl Returned {
    /// Whether a field of this name is never kept: passwords and tokens.
    pub fn is_secret(name: &str) -> bool {
        name.contains("password") || name == "token"
    }

    /// What was typed in the field `name`, if the form had one.
    pub fn typed(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, value)| value.as_str())
    }
}
