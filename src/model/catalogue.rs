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
    /// Published courses in the category.
    pub courses: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocationOption {
    pub slug: String,
    pub name: String,
    pub address: String,
}

/// What every page's footer says of the academy: where it is and how to
/// reach it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteInfo {
    pub academy: String,
    pub campuses: Vec<LocationOption>,
    pub phone: String,
    pub email: String,
    pub hours: String,
}

/// The choices offered by the catalogue's filter form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facets {
    pub categories: Vec<CategoryOption>,
    pub locations: Vec<LocationOption>,
}

/// One scheduled session, ready to show.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SessionView {
    pub id: i64,
    /// RFC 3339 with the academy's offset, for `<time datetime>` and JSON-LD.
    pub starts_at: String,
    pub ends_at: String,
    /// For people: "Tue 8 Dec 2026, 09:00–16:00" in the academy's zone.
    pub when: String,
    pub mode: Mode,
    pub location: Option<String>,
    /// The campus's street address, for sessions in person.
    pub address: Option<String>,
    pub instructor: Option<String>,
    pub capacity: i64,
    pub seats_left: i64,
    /// How many wait for a seat (the course page says; cards do not).
    pub waitlist: i64,
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
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
        match pages > 1 && self.query.page <= pages {
            true => format!("{count} · page {} of {pages}", self.query.page),
            false => count,
        }
    }

    fn category_name(&self, slug: &str) -> String {
        self.facets.categories.iter().find(|c| c.slug == slug).map_or_else(|| slug.to_string(), |c| c.name.clone())
    }

    fn location_name(&self, slug: &str) -> String {
        self.facets.locations.iter().find(|l| l.slug == slug).map_or_else(|| slug.to_string(), |l| l.name.clone())
    }

    /// What the results are, in words: "Online beginner cybersecurity
    /// courses at Sliema campus"; "Courses matching “excel”".
    pub fn heading(&self) -> String {
        let query = &self.query;
        let mut words: Vec<String> = Vec::new();
        if let Some(mode) = query.mode {
            words.push(match mode {
                Mode::Online => "online".into(),
                Mode::InPerson => "in-person".into(),
            });
        }
        if let Some(level) = query.level {
            words.push(level.label().to_lowercase());
        }
        match (&query.category, query.kind) {
            (Some(slug), _) => words.push(in_sentence(&self.category_name(slug))),
            (None, Some(Kind::It)) => words.push("IT".into()),
            (None, Some(Kind::SoftSkills)) => words.push("soft-skills".into()),
            (None, None) => {}
        }
        words.push("courses".into());
        if !query.q.is_empty() {
            words.push(format!("matching “{}”", query.q));
        }
        if let Some(slug) = &query.location {
            words.push(format!("at {}", self.location_name(slug)));
        }
        match (query.from, query.to) {
            (Some(from), Some(to)) if from == to => words.push(format!("starting on {}", from.human())),
            (Some(from), Some(to)) => words.push(format!("starting {} to {}", from.human(), to.human())),
            (Some(from), None) => words.push(format!("starting from {}", from.human())),
            (None, Some(to)) => words.push(format!("starting by {}", to.human())),
            (None, None) => {}
        }
        let sentence = words.join(" ");
        let mut chars = sentence.chars();
        chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
    }

    /// The filters in force, each with the address of the results without it.
    pub fn chips(&self) -> Vec<Chip> {
        let query = &self.query;
        let without = |change: &dyn Fn(&mut CatalogueQuery)| {
            let mut next = CatalogueQuery { page: 1, ..query.clone() };
            change(&mut next);
            next.href()
        };
        let mut chips = Vec::new();
        if !query.q.is_empty() {
            chips.push(Chip { label: format!("“{}”", query.q), href: without(&|q| q.q.clear()) });
        }
        if let Some(slug) = &query.category {
            chips.push(Chip { label: self.category_name(slug), href: without(&|q| q.category = None) });
        }
        if let Some(kind) = query.kind {
            chips.push(Chip { label: kind.label().into(), href: without(&|q| q.kind = None) });
        }
        if let Some(mode) = query.mode {
            chips.push(Chip { label: mode.label().into(), href: without(&|q| q.mode = None) });
        }
        if let Some(slug) = &query.location {
            chips.push(Chip { label: self.location_name(slug), href: without(&|q| q.location = None) });
        }
        if let Some(level) = query.level {
            chips.push(Chip { label: level.label().into(), href: without(&|q| q.level = None) });
        }
        if let Some(from) = query.from {
            chips.push(Chip { label: format!("From {}", from.human()), href: without(&|q| q.from = None) });
        }
        if let Some(to) = query.to {
            chips.push(Chip { label: format!("Until {}", to.human()), href: without(&|q| q.to = None) });
        }
        chips
    }

    /// On a page past the last one: the address of the last.
    pub fn past_the_end(&self) -> Option<String> {
        let pages = self.pages();
        (self.items.is_empty() && pages > 0 && self.query.page > pages).then(|| self.query.with_page(pages).href())
    }
}

/// One filter in force: its label, and where removing it leads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chip {
    pub label: String,
    pub href: String,
}

/// Subjects with a picture of their own in `public/subjects/`.
const SUBJECT_ART: [&str; 12] = [
    "cloud",
    "cybersecurity",
    "data",
    "programming",
    "networking",
    "service-management",
    "agile-project-management",
    "leadership",
    "communication",
    "negotiation",
    "time-management",
    "presentation-skills",
];

/// The academy's own picture, for a subject without one.
pub const ACADEMY_ART: &str = "/subjects/subject.svg";

/// The picture of a subject (a category's slug): its own, or the
/// academy's for a subject without one.
pub fn subject_art(category_slug: &str) -> String {
    match SUBJECT_ART.contains(&category_slug) {
        true => format!("/subjects/{category_slug}.svg"),
        false => ACADEMY_ART.to_string(),
    }
}

/// A name as it reads inside a sentence: "Cybersecurity" becomes
/// "cybersecurity", "IT service management" and "AWS" stay as they are.
fn in_sentence(name: &str) -> String {
    let mut chars = name.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && !second.is_uppercase() => {
            first.to_lowercase().chain(name.chars().skip(1)).collect()
        }
        _ => name.to_string(),
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
    /// The description as HTML, rendered from Markdown and cleaned on the
    /// server (`server::markdown`): safe to insert as it is.
    pub description_html: String,
    pub outcomes: Vec<String>,
    pub prerequisites: String,
    pub category: String,
    pub category_slug: String,
    pub kind: Kind,
    pub level: Level,
    pub duration_hours: i64,
    /// The amount ("€1,495"), and whether VAT is in it ("incl. VAT").
    pub price: String,
    pub vat: String,
    pub price_cents: i64,
    pub currency: String,
    pub language: String,
    pub awards_certificate: bool,
    pub instructor: Option<InstructorView>,
    pub sessions: Vec<SessionView>,
    /// How the days of a session run: "3 days in a row, 09:00–15:00 each
    /// day (Malta time), with an hour for lunch".
    pub timetable: Option<String>,
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
    /// "€1,495", taxes as the academy's prices say.
    pub price: String,
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

    fn with_query(raw: &str) -> CataloguePage {
        let facets = Facets {
            categories: vec![CategoryOption {
                slug: "cybersecurity".into(),
                name: "Cybersecurity".into(),
                kind: Kind::It,
                courses: 5,
            }],
            locations: vec![LocationOption {
                slug: "sliema".into(),
                name: "Sliema campus".into(),
                address: "118 Tower Road".into(),
            }],
        };
        CataloguePage {
            query: CatalogueQuery::from_query_string(raw).0,
            notices: vec![],
            items: vec![],
            total: 30,
            more: false,
            some_words: false,
            facets,
            base_url: String::new(),
        }
    }

    #[test]
    fn the_heading_says_what_is_shown() {
        assert_eq!(with_query("").heading(), "Courses");
        assert_eq!(with_query("q=excel").heading(), "Courses matching “excel”");
        assert_eq!(
            with_query("mode=online&category=cybersecurity&location=sliema").heading(),
            "Online cybersecurity courses at Sliema campus"
        );
        assert_eq!(with_query("kind=it&level=beginner").heading(), "Beginner IT courses");
        assert_eq!(
            with_query("kind=soft-skills&from=2026-12-01&to=2026-12-31").heading(),
            "Soft-skills courses starting 1 Dec 2026 to 31 Dec 2026"
        );
    }

    #[test]
    fn each_chip_leads_to_the_results_without_its_filter() {
        let page = with_query("q=cloud&category=cybersecurity&mode=online&page=3");
        let chips = page.chips();
        let labels: Vec<&str> = chips.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, ["“cloud”", "Cybersecurity", "Online"]);
        assert_eq!(chips[0].href, "/courses?category=cybersecurity&mode=online");
        assert_eq!(chips[1].href, "/courses?q=cloud&mode=online");
        assert_eq!(chips[2].href, "/courses?q=cloud&category=cybersecurity");
        assert!(with_query("").chips().is_empty());
    }

    #[test]
    fn a_page_past_the_last_links_to_the_last() {
        assert_eq!(with_query("page=99").past_the_end().as_deref(), Some("/courses?page=3"));
        assert_eq!(with_query("page=2").past_the_end(), None);
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
