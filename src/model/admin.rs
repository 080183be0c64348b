//! What the back office's pages ask for and show: list queries parsed from
//! their GET forms (so a filtered list is a link, and works without
//! JavaScript), and the views the server fills in.

use super::url::{encode_pairs, parse_pairs};
use serde::{Deserialize, Serialize};

// Limits of a course's fields, for its form and for the checks.
pub const TITLE_MAX: usize = 120;
pub const SLUG_MAX: usize = 80;
pub const SUMMARY_MAX: usize = 300;
pub const DESCRIPTION_MAX: usize = 20_000;
pub const OUTCOMES_MAX: usize = 4_000;
pub const PREREQUISITES_MAX: usize = 2_000;
/// The dearest course, in minor units (a million euros).
pub const PRICE_MAX_CENTS: i64 = 100_000_000;
pub const DURATION_MAX_HOURS: i64 = 1_000;
pub const CAPACITY_MAX: i64 = 500;
/// The longest weekly series one form schedules.
pub const WEEKS_MAX: i64 = 52;

/// The languages a course can be taught in, as (code, name).
pub const LANGUAGES: [(&str, &str); 5] =
    [("en", "English"), ("mt", "Maltese"), ("it", "Italian"), ("fr", "French"), ("de", "German")];

/// Longest search text kept from a list's query.
const Q_MAX: usize = 100;
/// Deeper pages than this are never useful.
const PAGE_MAX: u32 = 10_000;

/// Which courses a list shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CourseState {
    Published,
    Draft,
    Archived,
}

impl CourseState {
    pub const ALL: [CourseState; 3] = [CourseState::Published, CourseState::Draft, CourseState::Archived];

    pub fn as_str(self) -> &'static str {
        match self {
            CourseState::Published => "published",
            CourseState::Draft => "draft",
            CourseState::Archived => "archived",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CourseState::Published => "Published",
            CourseState::Draft => "Draft",
            CourseState::Archived => "Archived",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortCourses {
    #[default]
    Title,
    Updated,
    Price,
}

impl SortCourses {
    pub const ALL: [SortCourses; 3] = [SortCourses::Title, SortCourses::Updated, SortCourses::Price];

    pub fn as_str(self) -> &'static str {
        match self {
            SortCourses::Title => "title",
            SortCourses::Updated => "updated",
            SortCourses::Price => "price",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SortCourses::Title => "Title",
            SortCourses::Updated => "Last changed",
            SortCourses::Price => "Price",
        }
    }
}

/// `/admin/courses?q=&state=&category=&sort=&page=`. Anything unknown is
/// left out: a list's link always shows something.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseListQuery {
    pub q: String,
    pub state: Option<CourseState>,
    pub category: Option<String>,
    pub sort: SortCourses,
    pub page: u32,
}

impl CourseListQuery {
    pub const PER_PAGE: i64 = 25;

    pub fn parse(raw: &str) -> Self {
        let mut query = CourseListQuery { page: 1, ..Self::default() };
        for (name, value) in parse_pairs(raw) {
            let value = value.trim();
            match name.as_str() {
                "q" => query.q = value.chars().filter(|c| !c.is_control()).take(Q_MAX).collect(),
                "state" => query.state = CourseState::parse(value),
                "category" => {
                    query.category = Some(value.to_string()).filter(|v| super::query::is_slug(v));
                }
                "sort" => {
                    query.sort = SortCourses::ALL.into_iter().find(|s| s.as_str() == value).unwrap_or_default();
                }
                "page" => query.page = value.parse::<u32>().unwrap_or(1).clamp(1, PAGE_MAX),
                _ => {}
            }
        }
        query
    }

    /// The list's address for another page of the same query.
    pub fn href(&self, page: u32) -> String {
        let page = page.to_string();
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        if !self.q.is_empty() {
            pairs.push(("q", &self.q));
        }
        if let Some(state) = self.state {
            pairs.push(("state", state.as_str()));
        }
        if let Some(category) = &self.category {
            pairs.push(("category", category));
        }
        if self.sort != SortCourses::Title {
            pairs.push(("sort", self.sort.as_str()));
        }
        if page != "1" {
            pairs.push(("page", &page));
        }
        match encode_pairs(pairs) {
            query if query.is_empty() => "/admin/courses".into(),
            query => format!("/admin/courses?{query}"),
        }
    }
}

/// A course in the back office's list, formatted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseLineView {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub category: String,
    pub price: String,
    pub state: CourseState,
    pub upcoming: i64,
    pub updated: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseListView {
    pub query: CourseListQuery,
    pub lines: Vec<CourseLineView>,
    pub total: i64,
    /// (slug, name) of every category, for the filter.
    pub categories: Vec<(String, String)>,
}

impl CourseListView {
    pub fn pages(&self) -> u32 {
        u32::try_from((self.total + CourseListQuery::PER_PAGE - 1) / CourseListQuery::PER_PAGE).unwrap_or(1).max(1)
    }
}

/// A course in its edit form: every field as the form shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseEdit {
    /// `None` for a new course.
    pub id: Option<i64>,
    pub version: i64,
    pub slug: String,
    pub title: String,
    pub category: String,
    pub summary: String,
    pub description: String,
    pub outcomes: String,
    pub prerequisites: String,
    pub level: String,
    pub duration_hours: String,
    pub price: String,
    pub language: String,
    pub awards_certificate: bool,
    pub state: Option<CourseState>,
    /// (value, label) of each choice.
    pub categories: Vec<(String, String)>,
    pub levels: Vec<(String, String)>,
    pub languages: Vec<(String, String)>,
    /// The course's sessions, newest last.
    pub sessions: Vec<SessionLineView>,
    /// (slug, name) of every location and instructor, for the schedule form.
    pub locations: Vec<(String, String)>,
    pub instructors: Vec<(String, String)>,
}

/// A session in a course's list, formatted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionLineView {
    pub id: i64,
    pub when: String,
    pub place: String,
    pub seats: String,
    pub status: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_query_round_trips_through_its_link() {
        let query = CourseListQuery::parse("q=python+%26+co&state=draft&category=programming&sort=price&page=3");
        assert_eq!(query.q, "python & co");
        assert_eq!(query.state, Some(CourseState::Draft));
        assert_eq!(query.sort, SortCourses::Price);
        assert_eq!(CourseListQuery::parse(query.href(3).trim_start_matches("/admin/courses?")), query);
        let junk = CourseListQuery::parse("state=<x>&category=%3Cscript%3E&page=-4&sort=drop");
        assert_eq!(junk, CourseListQuery { page: 1, ..CourseListQuery::default() });
        assert_eq!(junk.href(1), "/admin/courses");
    }
}

/// The back office's first page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardView {
    pub this_week: i64,
    pub last_week: i64,
    /// (Monday as "7 Dec", enrolments), oldest first.
    pub weeks: Vec<(String, i64)>,
    pub sessions: Vec<FillLine>,
    /// Seats taken over seats offered in the coming sessions, in percent.
    pub fill_percent: i64,
    pub certificates_last_30_days: i64,
    pub certificates: i64,
    pub open_enquiries: i64,
}

/// How full a coming session is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FillLine {
    pub session_id: i64,
    pub course_title: String,
    pub when: String,
    pub capacity: i64,
    pub seats_taken: i64,
    pub waitlisted: i64,
    pub percent: i64,
    /// "Full" or "Under-filled", when it is either.
    pub flag: Option<String>,
}

/// Below this share of seats taken a coming session is under-filled.
pub const UNDER_FILLED_PERCENT: i64 = 50;

/// `/admin/audit?person=&entity=&action=&from=&to=&page=`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    /// Part of the name or e-mail address of who did it or whom it is about.
    pub person: String,
    /// The kind of record: `course`, `session`, `enquiry`...
    pub entity: String,
    pub entity_id: Option<i64>,
    /// What was done, or its start (`course.` finds every course action).
    pub action: String,
    pub from: Option<super::date::Date>,
    pub to: Option<super::date::Date>,
    pub page: u32,
}

impl AuditQuery {
    pub const PER_PAGE: i64 = 50;

    pub fn parse(raw: &str) -> Self {
        let mut query = AuditQuery { page: 1, ..Self::default() };
        let word = |value: &str| -> String {
            value.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')).take(40).collect()
        };
        for (name, value) in parse_pairs(raw) {
            let value = value.trim();
            match name.as_str() {
                "person" => query.person = value.chars().filter(|c| !c.is_control()).take(Q_MAX).collect(),
                "entity" => query.entity = word(value),
                "entity_id" => query.entity_id = value.parse().ok().filter(|id| *id > 0),
                "action" => query.action = word(value),
                "from" => query.from = super::date::Date::parse(value),
                "to" => query.to = super::date::Date::parse(value),
                "page" => query.page = value.parse::<u32>().unwrap_or(1).clamp(1, PAGE_MAX),
                _ => {}
            }
        }
        query
    }

    pub fn href(&self, page: u32) -> String {
        let (entity_id, page, from, to) = (
            self.entity_id.map(|id| id.to_string()).unwrap_or_default(),
            page.to_string(),
            self.from.map(|d| d.to_string()).unwrap_or_default(),
            self.to.map(|d| d.to_string()).unwrap_or_default(),
        );
        let pairs = [
            ("person", self.person.as_str()),
            ("entity", &self.entity),
            ("entity_id", &entity_id),
            ("action", &self.action),
            ("from", &from),
            ("to", &to),
            ("page", if page == "1" { "" } else { &page }),
        ];
        match encode_pairs(pairs.into_iter().filter(|(_, v)| !v.is_empty())) {
            query if query.is_empty() => "/admin/audit".into(),
            query => format!("/admin/audit?{query}"),
        }
    }
}

/// An entry of the audit trail, as its page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLine {
    pub at: String,
    pub action: String,
    /// Who did it: a name and address, or "Lyceum" for the system.
    pub actor: String,
    /// Whom it is about, if anyone.
    pub about: Option<String>,
    /// "course 12", or empty for a security event.
    pub record: String,
    pub record_href: Option<String>,
    pub ip: String,
    /// (field, before, after).
    pub changes: Vec<(String, String, String)>,
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditView {
    pub query: AuditQuery,
    pub lines: Vec<AuditLine>,
    pub more: bool,
}

/// `/admin/sessions?q=&campus=&from=&to=&page=`: the rosters a busy day needs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterQuery {
    /// Part of the course's title.
    pub q: String,
    /// A campus's slug, or `online`.
    pub campus: Option<String>,
    pub from: Option<super::date::Date>,
    pub to: Option<super::date::Date>,
    pub page: u32,
}

impl RosterQuery {
    pub const PER_PAGE: i64 = 25;

    pub fn parse(raw: &str) -> Self {
        let mut query = RosterQuery { page: 1, ..Self::default() };
        for (name, value) in parse_pairs(raw) {
            let value = value.trim();
            match name.as_str() {
                "q" => query.q = value.chars().filter(|c| !c.is_control()).take(Q_MAX).collect(),
                "campus" => query.campus = Some(value.to_string()).filter(|v| super::query::is_slug(v)),
                "from" => query.from = super::date::Date::parse(value),
                "to" => query.to = super::date::Date::parse(value),
                "page" => query.page = value.parse::<u32>().unwrap_or(1).clamp(1, PAGE_MAX),
                _ => {}
            }
        }
        query
    }

    pub fn href(&self, page: u32) -> String {
        let (page, from, to) = (
            page.to_string(),
            self.from.map(|d| d.to_string()).unwrap_or_default(),
            self.to.map(|d| d.to_string()).unwrap_or_default(),
        );
        let pairs = [
            ("q", self.q.as_str()),
            ("campus", self.campus.as_deref().unwrap_or("")),
            ("from", &from),
            ("to", &to),
            ("page", if page == "1" { "" } else { &page }),
        ];
        match encode_pairs(pairs.into_iter().filter(|(_, v)| !v.is_empty())) {
            query if query.is_empty() => "/admin/sessions".into(),
            query => format!("/admin/sessions?{query}"),
        }
    }
}

/// A page of rosters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterListView {
    pub query: RosterQuery,
    pub rosters: Vec<super::enrolment::RosterSummary>,
    pub more: bool,
    /// (slug, name) of every campus, for the filter.
    pub campuses: Vec<(String, String)>,
}
