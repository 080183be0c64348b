//! Enquiries as the contact form and the back office's inbox show them:
//! their statuses, the inbox's query (all of it in the address, so a
//! filtered page can be shared, reloaded and used without JavaScript), and
//! what each page is given to show.

use super::url::{encode_pairs, parse_pairs};
use serde::{Deserialize, Serialize};

/// Longest message a sender may write, in characters.
pub const MESSAGE_MAX: usize = 5000;
/// Longest internal note or reply, in characters.
pub const NOTE_MAX: usize = 5000;
/// Enquiries on one page of the inbox.
pub const INBOX_PER_PAGE: u32 = 25;
/// Deeper pages are never useful and only cost the database.
const MAX_PAGE: u32 = 10_000;
/// Longest search text kept, in characters.
pub const SEARCH_MAX: usize = 100;

/// Where an enquiry stands: nobody has answered it yet, it was answered,
/// or there is nothing more to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnquiryStatus {
    New,
    Answered,
    Closed,
}

impl EnquiryStatus {
    pub const ALL: [EnquiryStatus; 3] = [EnquiryStatus::New, EnquiryStatus::Answered, EnquiryStatus::Closed];

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == text)
    }

    /// The value in URLs and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            EnquiryStatus::New => "new",
            EnquiryStatus::Answered => "answered",
            EnquiryStatus::Closed => "closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EnquiryStatus::New => "New",
            EnquiryStatus::Answered => "Answered",
            EnquiryStatus::Closed => "Closed",
        }
    }

    /// (value, label) of every status, for a choice.
    pub fn choices() -> Vec<(String, String)> {
        Self::ALL.iter().map(|s| (s.as_str().to_string(), s.label().to_string())).collect()
    }
}

/// Whose enquiries the inbox shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Assigned {
    #[default]
    Anyone,
    /// Nobody has taken them yet.
    Nobody,
    /// The member of staff looking.
    Me,
    /// One member of staff, by account id.
    To(i64),
}

impl Assigned {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "" => Some(Assigned::Anyone),
            "none" => Some(Assigned::Nobody),
            "me" => Some(Assigned::Me),
            id => id.parse::<i64>().ok().filter(|id| *id > 0).map(Assigned::To),
        }
    }

    pub fn as_string(self) -> String {
        match self {
            Assigned::Anyone => String::new(),
            Assigned::Nobody => "none".into(),
            Assigned::Me => "me".into(),
            Assigned::To(id) => id.to_string(),
        }
    }
}

/// What the inbox is asked for: `/admin/enquiries?status=new&assignee=me&q=…`.
/// Anything malformed is left out: a filter that does not parse filters nothing.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct InboxQuery {
    pub status: Option<EnquiryStatus>,
    pub assignee: Assigned,
    /// A course's slug.
    pub course: Option<String>,
    /// Words looked for in the name, the address and the message.
    pub q: String,
    pub page: u32,
}

impl Default for InboxQuery {
    fn default() -> Self {
        Self { status: None, assignee: Assigned::Anyone, course: None, q: String::new(), page: 1 }
    }
}

impl InboxQuery {
    pub fn from_query_string(raw: &str) -> Self {
        let mut query = Self::default();
        for (name, value) in parse_pairs(raw) {
            let value = value.trim();
            match name.as_str() {
                "status" => query.status = EnquiryStatus::parse(value),
                "assignee" => query.assignee = Assigned::parse(value).unwrap_or_default(),
                "course" => {
                    let slug = !value.is_empty()
                        && value.len() <= 80
                        && value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
                    query.course = slug.then(|| value.to_string());
                }
                "q" => {
                    let words: Vec<&str> = value.split(|c: char| c.is_whitespace() || c.is_control()).collect();
                    query.q = words.into_iter().filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
                    query.q = query.q.chars().take(SEARCH_MAX).collect();
                }
                "page" => query.page = value.parse::<u32>().ok().filter(|p| *p >= 1).unwrap_or(1).min(MAX_PAGE),
                _ => {}
            }
        }
        query
    }

    pub fn with_page(&self, page: u32) -> Self {
        Self { page, ..self.clone() }
    }

    /// The query string, defaults left out.
    pub fn to_query_string(&self) -> String {
        let assignee = self.assignee.as_string();
        let page = self.page.to_string();
        let pairs = [
            ("status", self.status.map_or("", EnquiryStatus::as_str)),
            ("assignee", assignee.as_str()),
            ("course", self.course.as_deref().unwrap_or("")),
            ("q", self.q.as_str()),
            ("page", if self.page > 1 { page.as_str() } else { "" }),
        ];
        encode_pairs(pairs.into_iter().filter(|(_, value)| !value.is_empty()))
    }

    pub fn href(&self) -> String {
        match self.to_query_string() {
            qs if qs.is_empty() => "/admin/enquiries".to_string(),
            qs => format!("/admin/enquiries?{qs}"),
        }
    }
}

/// The contact form as its page offers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactForm {
    /// (slug, title) of each course one can ask about.
    pub courses: Vec<(String, String)>,
    /// The course chosen beforehand (`/contact?course=…`), if it is offered.
    pub course: String,
    /// The signed-in visitor's name and address, to start from.
    pub name: String,
    pub email: String,
}

/// One line of the inbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxItem {
    pub id: i64,
    pub name: String,
    pub email: String,
    /// The course's title.
    pub course: Option<String>,
    pub status: EnquiryStatus,
    /// The assignee's name.
    pub assignee: Option<String>,
    /// RFC 3339 with the academy's offset, for `<time datetime>`.
    pub received_at: String,
    /// The same, for people.
    pub received: String,
}

/// A page of the inbox, with what its filters offer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbox {
    pub items: Vec<InboxItem>,
    pub total: i64,
    pub pages: u32,
    pub query: InboxQuery,
    /// (account id, name) of each member of staff, for the assignee filter.
    pub staff: Vec<(String, String)>,
    /// (slug, title) of each course, for the course filter.
    pub courses: Vec<(String, String)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    /// For staff only.
    Note,
    /// Sent to the sender by e-mail.
    Reply,
}

impl NoteKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoteKind::Note => "note",
            NoteKind::Reply => "reply",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [NoteKind::Note, NoteKind::Reply].into_iter().find(|kind| kind.as_str() == text)
    }
}

/// A note or a reply, as the enquiry's page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteView {
    pub kind: NoteKind,
    pub author: String,
    pub body: String,
    pub at: String,
}

/// One enquiry, with everything staff need to answer it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnquiryView {
    pub id: i64,
    /// The version read, for the forms that change it.
    pub version: i64,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    /// (slug, title) of the course asked about.
    pub course: Option<(String, String)>,
    pub message: String,
    pub status: EnquiryStatus,
    /// The assignee's account id, or empty.
    pub assignee: String,
    pub received: String,
    /// Whether the sender has an account here.
    pub has_account: bool,
    pub notes: Vec<NoteView>,
    /// (account id, name) of each member of staff, for the assignee.
    pub staff: Vec<(String, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inbox_query_round_trips_its_address() {
        let query = InboxQuery::from_query_string("status=new&assignee=me&course=cloud-101&q=+team++booking+&page=3");
        assert_eq!(query.status, Some(EnquiryStatus::New));
        assert_eq!(query.assignee, Assigned::Me);
        assert_eq!(query.course.as_deref(), Some("cloud-101"));
        assert_eq!(query.q, "team booking");
        assert_eq!(query.page, 3);
        assert_eq!(query.href(), "/admin/enquiries?status=new&assignee=me&course=cloud-101&q=team+booking&page=3");
        assert_eq!(InboxQuery::from_query_string(&query.to_query_string()), query);
        assert_eq!(InboxQuery::default().href(), "/admin/enquiries");
    }

    #[test]
    fn what_does_not_parse_filters_nothing() {
        let query = InboxQuery::from_query_string("status=lost&assignee=-4&course=%3Cx%3E&page=0&q=%00");
        assert_eq!(query, InboxQuery::default());
        assert_eq!(InboxQuery::from_query_string("assignee=12").assignee, Assigned::To(12));
        assert_eq!(InboxQuery::from_query_string("assignee=none").assignee, Assigned::Nobody);
        assert_eq!(InboxQuery::from_query_string("page=99999999999").page, 1);
        assert_eq!(InboxQuery::from_query_string(&format!("q={}", "x".repeat(300))).q.len(), SEARCH_MAX);
    }

    #[test]
    fn statuses_round_trip() {
        for status in EnquiryStatus::ALL {
            assert_eq!(EnquiryStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(EnquiryStatus::parse("open"), None);
        assert_eq!(NoteKind::parse("reply"), Some(NoteKind::Reply));
    }
}
