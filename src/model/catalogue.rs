//! What the catalogue pages show, as plain data shared by the server (which
//! fills it) and the browser (which hydrates from it). Times arrive already
//! written out in the academy's time zone, so the browser needs no zone data.

use super::query::{CatalogueQuery, Kind, Level, Mode, Notice};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryOption {
    pub slug: String,
    pub name: String,
    pub kind: Kind,
    pub description: String,
    /// Published courses in the category.
    pub courses: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocationOption {
    pub slug: String,
    pub name: String,
}

/// The choices offered by the catalogue's filter form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facets {
    pub categories: Vec<CategoryOption>,
    pub locations: Vec<LocationOption>,
}

/// One scheduled session, ready to show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub id: i64,
    /// RFC 3339 with the academy's offset, for `<time datetime>` and JSON-LD.
    pub starts_at: String,
    pub ends_at: String,
    /// For people: "Tue 8 Dec 2026, 09:00–16:00" in the academy's zone.
    pub when: String,
    pub mode: Mode,
    pub location: Option<String>,
    pub instructor: Option<String>,
    pub capacity: i64,
    pub seats_left: i64,
}

impl SessionView {
    pub fn is_full(&self) -> bool {
        self.seats_left <= 0
    }

    pub fn place(&self) -> String {
        match (&self.mode, &self.location) {
            (Mode::InPerson, Some(location)) => location.clone(),
            (mode, _) => mode.label().to_string(),
        }
    }
}

/// A course in a list of results.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseCard {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub category: String,
    pub category_slug: String,
    pub kind: Kind,
    pub level: Level,
    pub duration_hours: i64,
    pub price: String,
    pub next_session: Option<SessionView>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CataloguePage {
    pub query: CatalogueQuery,
    pub notices: Vec<Notice>,
    pub items: Vec<CourseCard>,
    /// Every match, or as many as a text search considers when `more`.
    pub total: u64,
    /// More courses match the search words than it considers: it then
    /// ranks the newest `total` of them.
    pub more: bool,
    /// No course has every search word: these have some of them.
    pub some_words: bool,
    pub facets: Facets,
    /// The site's absolute base URL, for the canonical link.
    pub base_url: String,
}

impl CataloguePage {
    pub fn pages(&self) -> u32 {
        let per_page = u64::from(self.query.per_page.max(1));
        self.total.div_ceil(per_page).min(u64::from(u32::MAX)) as u32
    }

    /// "No courses found", "1 course", "More than 1,000 courses · page 2 of 84".
    pub fn count_text(&self) -> String {
        let pages = self.pages();
        let count = match (self.total, self.more) {
            (0, _) => return "No courses found".to_string(),
            (1, false) => return "1 course".to_string(),
            (n, false) => format!("{} courses", group_digits(n)),
            (n, true) => format!("More than {} courses", group_digits(n)),
        };
        if pages > 1 { format!("{count} · page {} of {pages}", self.query.page) } else { count }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstructorView {
    pub name: String,
    pub title: String,
    pub bio: String,
}

/// Everything on a course page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseDetail {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub description: Vec<String>,
    pub outcomes: Vec<String>,
    pub prerequisites: String,
    pub category: String,
    pub category_slug: String,
    pub kind: Kind,
    pub level: Level,
    pub duration_hours: i64,
    pub price: String,
    pub price_cents: i64,
    pub currency: String,
    pub language: String,
    pub awards_certificate: bool,
    pub instructor: Option<InstructorView>,
    pub sessions: Vec<SessionView>,
    /// Where session times are shown, for people: "Malta time".
    pub zone: String,
    /// Absolute URL of this page, for `<link rel=canonical>` and JSON-LD.
    pub canonical_url: String,
    /// schema.org `Course` JSON-LD, already serialised.
    pub json_ld: String,
}

/// The home page's data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HomeData {
    /// The site's absolute base URL, for the canonical link.
    pub base_url: String,
    pub categories: Vec<CategoryOption>,
    pub upcoming: Vec<UpcomingSession>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpcomingSession {
    pub course_slug: String,
    pub course_title: String,
    pub session: SessionView,
}

/// `12345` as `12,345`.
pub fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

/// Formats minor units as money, e.g. `€1,250` or `€49.50`.
pub fn format_price(cents: i64, currency: &str) -> String {
    let symbol = match currency {
        "EUR" => "€",
        "GBP" => "£",
        "USD" => "$",
        _ => "",
    };
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    let grouped = group_digits(cents / 100);
    let fraction = if cents % 100 == 0 { String::new() } else { format!(".{:02}", cents % 100) };
    if symbol.is_empty() {
        format!("{sign}{grouped}{fraction} {currency}")
    } else {
        format!("{sign}{symbol}{grouped}{fraction}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_are_grouped_and_show_cents_only_when_needed() {
        assert_eq!(format_price(49_500, "EUR"), "€495");
        assert_eq!(format_price(125_050, "EUR"), "€1,250.50");
        assert_eq!(format_price(123_456_789, "EUR"), "€1,234,567.89");
        assert_eq!(format_price(0, "EUR"), "€0");
        assert_eq!(format_price(1_000, "CHF"), "10 CHF");
    }

    #[test]
    fn pages_round_up() {
        let page = |total, per_page| CataloguePage {
            query: CatalogueQuery { per_page, ..CatalogueQuery::default() },
            notices: vec![],
            items: vec![],
            total,
            more: false,
            some_words: false,
            facets: Facets::default(),
            base_url: String::new(),
        };
        assert_eq!(page(0, 12).pages(), 0);
        assert_eq!(page(12, 12).pages(), 1);
        assert_eq!(page(13, 12).pages(), 2);
    }

    #[test]
    fn counts_are_grouped_and_say_when_there_are_more() {
        let page = |total, more, page| CataloguePage {
            query: CatalogueQuery { page, per_page: 12, ..CatalogueQuery::default() },
            notices: vec![],
            items: vec![],
            total,
            more,
            some_words: false,
            facets: Facets::default(),
            base_url: String::new(),
        };
        assert_eq!(page(0, false, 1).count_text(), "No courses found");
        assert_eq!(page(1, false, 1).count_text(), "1 course");
        assert_eq!(page(7, false, 1).count_text(), "7 courses");
        assert_eq!(page(1_234, false, 3).count_text(), "1,234 courses · page 3 of 103");
        assert_eq!(page(1_000, true, 2).count_text(), "More than 1,000 courses · page 2 of 84");
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1_000_000), "1,000,000");
    }
}
