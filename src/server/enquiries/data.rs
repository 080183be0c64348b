//! Enquiries as the domain answers them to staff: typed values, nothing
//! formatted for people (see `server::present::enquiry`).

use super::store::{InboxRow, NoteRow, Offered};
use crate::model::enquiry::EnquiryStatus;
use chrono::{DateTime, Utc};

/// One enquiry, its phone number opened, with its notes and replies.
#[derive(Clone, Debug)]
pub struct Enquiry {
    pub id: i64,
    pub version: i64,
    pub name: String,
    pub email: String,
    /// `None` when none was given (or it no longer opens, which the
    /// operator is told of).
    pub phone: Option<String>,
    /// (slug, title) of the course asked about.
    pub course: Option<(String, String)>,
    pub message: String,
    pub status: EnquiryStatus,
    pub assignee_id: Option<i64>,
    /// The sender's account, if they have one.
    pub user_id: Option<i64>,
    pub received_at: DateTime<Utc>,
    pub notes: Vec<NoteRow>,
}

/// A page of the inbox, and what its filters offer.
#[derive(Clone, Debug)]
pub struct InboxPage {
    pub rows: Vec<InboxRow>,
    /// How many enquiries the filters let through, on every page.
    pub total: i64,
    /// (account id, name) of each member of staff.
    pub staff: Vec<(i64, String)>,
    pub courses: Vec<Offered>,
}
