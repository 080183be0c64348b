//! What a signed-in user keeps about themselves, as the accounts domain
//! answers it: typed values, nothing formatted for people. The account
//! pages present it (`server::present`); the export, the back office and
//! the API read it as it is.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// The profile: who the user says they are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Profile {
    pub name: String,
    pub email: String,
    /// Opened from its sealed form; `None` when none is kept (or it no
    /// longer opens, which the operator is told of).
    pub phone: Option<String>,
    pub company: String,
    pub job_title: String,
    pub bio: String,
}

/// The user's preferences: the reminder before each session. Every other
/// mail is about a booking itself (a seat confirmed, a place on a
/// waitlist, a seat freed up, a cancellation, a move) and always goes;
/// times are always in the academy's zone, which every page names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Settings {
    pub notify_reminders: bool,
    /// How many hours before a session its reminder is sent.
    pub reminder_hours: u16,
}

/// A campus, as lists of them name it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Location {
    #[serde(skip)]
    pub id: i64,
    pub slug: String,
    pub name: String,
}

/// One live session of the account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccountSession {
    /// The session's public name, used to end it.
    pub handle: String,
    pub user_agent: String,
    pub ip: String,
    pub signed_in_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// Whether it is the session this request came in.
    pub current: bool,
}
