//! Personal access tokens as plain data: what a token may do (its scopes),
//! the form that creates one, and a token as its owner's list shows it.

use serde::{Deserialize, Serialize};

/// The longest name of a token, in characters.
pub const TOKEN_NAME_MAX: usize = 80;
/// How many days a token may live, at most.
pub const TOKEN_DAYS_MAX: i64 = 366;
/// The lifetimes the form offers, in days.
pub const TOKEN_DAYS: [i64; 4] = [7, 30, 90, 366];

/// What a token lets its bearer do, on top of reading what anyone may.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Scope {
    /// Read one's own enrolments.
    EnrollmentsRead,
    /// Enrol oneself, and cancel one's own enrolments.
    EnrollmentsWrite,
    /// Staff: enrol, move and cancel any learner.
    EnrollmentsManage,
    /// Staff: write the catalogue.
    CatalogueWrite,
}

impl Scope {
    pub const ALL: [Scope; 4] =
        [Scope::EnrollmentsRead, Scope::EnrollmentsWrite, Scope::EnrollmentsManage, Scope::CatalogueWrite];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::EnrollmentsRead => "enrollments:read",
            Scope::EnrollmentsWrite => "enrollments:write",
            Scope::EnrollmentsManage => "enrollments:manage",
            Scope::CatalogueWrite => "catalogue:write",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == text)
    }

    /// Only staff (and administrators) may hold it; a token keeps it only
    /// while its owner's role does.
    pub fn staff_only(self) -> bool {
        matches!(self, Scope::EnrollmentsManage | Scope::CatalogueWrite)
    }

    pub fn label(self) -> &'static str {
        match self {
            Scope::EnrollmentsRead => "Read my enrolments",
            Scope::EnrollmentsWrite => "Book and cancel my own seats",
            Scope::EnrollmentsManage => "Enrol, move and cancel any learner (staff)",
            Scope::CatalogueWrite => "Change the catalogue (staff)",
        }
    }
}

/// Scopes as a token keeps them: space-separated, in a fixed order.
pub fn scopes_text(scopes: &[Scope]) -> String {
    let mut sorted = scopes.to_vec();
    sorted.sort();
    sorted.dedup();
    sorted.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
}

/// Scopes read back from [`scopes_text`]; unknown words are dropped.
pub fn scopes_of(text: &str) -> Vec<Scope> {
    text.split_whitespace().filter_map(Scope::parse).collect()
}

/// A token as its owner's list shows it: never the token itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    /// The token's first characters, to recognise it: "lyc_3kQx…".
    pub hint: String,
    pub scopes: Vec<String>,
    pub created_on: String,
    pub expires_on: String,
    /// "Never used", or when it was last used.
    pub last_used: String,
    /// "Active", "Expired" or "Revoked".
    pub state: String,
    pub active: bool,
}

/// The account's tokens, and the one just created, shown once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenList {
    pub tokens: Vec<TokenView>,
    /// The token created a moment ago, in full: shown on this page once.
    pub created: Option<String>,
    /// The scopes this account may give a token.
    pub offered: Vec<(String, String)>,
}

/// Why a bearer token was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenRefusal {
    /// Not a Lyceum token, or mistyped: its checksum does not agree.
    Malformed,
    /// Well formed, but no live token is this one: revoked, or never issued
    /// (or its account is gone or deactivated).
    Unknown,
    Expired,
    /// Tokens go in the `Authorization` header, never in an address,
    /// where logs and browser histories keep them.
    InQuery,
}

impl TokenRefusal {
    pub fn message(self) -> &'static str {
        match self {
            TokenRefusal::Malformed => "This is not a Lyceum access token: check it for a typo.",
            TokenRefusal::Unknown => "This access token is revoked or unknown.",
            TokenRefusal::Expired => "This access token has expired: create a new one.",
            TokenRefusal::InQuery => {
                "Access tokens are sent in the Authorization header (Bearer), never in the address."
            }
        }
    }
}
