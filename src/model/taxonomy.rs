//! The academy's own data as the back office edits it: categories,
//! campuses and instructors (the records courses and sessions point at),
//! and the settings every page reads (contact details, opening hours,
//! public holidays). List queries come from GET forms, so a list is a
//! link; the views are what the server fills in.

use super::url::{encode_pairs, parse_pairs};
use serde::{Deserialize, Serialize};

// Limits of the fields, for the forms and for the checks.
pub const NAME_MAX: usize = 120;
pub const KEYWORDS_MAX: usize = 300;
pub const CATEGORY_DESCRIPTION_MAX: usize = 2_000;
/// Categories are listed by position, from 0.
pub const POSITION_MAX: i64 = 1_000;
pub const ADDRESS_MAX: usize = 200;
pub const CITY_MAX: usize = 80;
pub const INSTRUCTOR_TITLE_MAX: usize = 120;
pub const INSTRUCTOR_BIO_MAX: usize = 4_000;
pub const OPENING_HOURS_MAX: usize = 200;
pub const HOLIDAY_NAME_MAX: usize = 100;

/// Longest search text kept from a list's query.
const Q_MAX: usize = 100;
/// Deeper pages than this are never useful.
const PAGE_MAX: u32 = 10_000;

/// A kind of record of the academy's own data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Taxon {
    Category,
    Campus,
    Instructor,
}

impl Taxon {
    pub const ALL: [Taxon; 3] = [Taxon::Category, Taxon::Campus, Taxon::Instructor];

    /// Its name in the audit trail and in requests.
    pub fn as_str(self) -> &'static str {
        match self {
            Taxon::Category => "category",
            Taxon::Campus => "campus",
            Taxon::Instructor => "instructor",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }

    /// The list's address; a record's is under it.
    pub fn path(self) -> &'static str {
        match self {
            Taxon::Category => "/admin/categories",
            Taxon::Campus => "/admin/campuses",
            Taxon::Instructor => "/admin/instructors",
        }
    }

    /// The list's title.
    pub fn plural(self) -> &'static str {
        match self {
            Taxon::Category => "Categories",
            Taxon::Campus => "Campuses",
            Taxon::Instructor => "Instructors",
        }
    }

    /// The third column of the list.
    pub fn detail_heading(self) -> &'static str {
        match self {
            Taxon::Category => "Kind",
            Taxon::Campus => "City",
            Taxon::Instructor => "Title",
        }
    }

    /// What the list counts for each record: what keeps it from being deleted.
    pub fn uses_heading(self) -> &'static str {
        match self {
            Taxon::Category => "Courses",
            Taxon::Campus | Taxon::Instructor => "Sessions",
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortTaxa {
    /// Categories in the order the catalogue shows them; the others by name.
    #[default]
    Order,
    Name,
    /// Most courses or sessions first.
    Uses,
}

impl SortTaxa {
    pub const ALL: [SortTaxa; 3] = [SortTaxa::Order, SortTaxa::Name, SortTaxa::Uses];

    pub fn as_str(self) -> &'static str {
        match self {
            SortTaxa::Order => "order",
            SortTaxa::Name => "name",
            SortTaxa::Uses => "uses",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SortTaxa::Order => "Catalogue order",
            SortTaxa::Name => "Name",
            SortTaxa::Uses => "Most used",
        }
    }
}

/// `/admin/categories?q=&sort=&page=` (and the same for campuses and
/// instructors). Anything unknown is left out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxonListQuery {
    pub q: String,
    pub sort: SortTaxa,
    pub page: u32,
}

impl TaxonListQuery {
    pub const PER_PAGE: i64 = 25;

    pub fn parse(raw: &str) -> Self {
        let mut query = TaxonListQuery { page: 1, ..Self::default() };
        for (name, value) in parse_pairs(raw) {
            let value = value.trim();
            match name.as_str() {
                "q" => query.q = value.chars().filter(|c| !c.is_control()).take(Q_MAX).collect(),
                "sort" => query.sort = SortTaxa::ALL.into_iter().find(|s| s.as_str() == value).unwrap_or_default(),
                "page" => query.page = value.parse::<u32>().unwrap_or(1).clamp(1, PAGE_MAX),
                _ => {}
            }
        }
        query
    }

    /// The list's address for another page of the same query.
    pub fn href(&self, taxon: Taxon, page: u32) -> String {
        let page = page.to_string();
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        if !self.q.is_empty() {
            pairs.push(("q", &self.q));
        }
        if self.sort != SortTaxa::Order {
            pairs.push(("sort", self.sort.as_str()));
        }
        if page != "1" {
            pairs.push(("page", &page));
        }
        match encode_pairs(pairs) {
            query if query.is_empty() => taxon.path().into(),
            query => format!("{}?{query}", taxon.path()),
        }
    }
}

/// A record in its list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxonLine {
    pub id: i64,
    pub slug: String,
    pub name: String,
    /// The category's kind, the campus's city, the instructor's title.
    pub detail: String,
    /// Courses in the category; sessions at the campus or with the instructor.
    pub uses: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxonListView {
    pub taxon: Taxon,
    pub query: TaxonListQuery,
    pub lines: Vec<TaxonLine>,
    pub total: i64,
}

impl TaxonListView {
    pub fn pages(&self) -> u32 {
        u32::try_from((self.total + TaxonListQuery::PER_PAGE - 1) / TaxonListQuery::PER_PAGE).unwrap_or(1).max(1)
    }
}

/// A record in its edit form: each field's value by its form name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxonEdit {
    pub taxon: Taxon,
    /// `None` for a new record.
    pub id: Option<i64>,
    pub version: i64,
    /// (field's name, value as the form shows it).
    pub values: Vec<(String, String)>,
    /// What keeps it from being deleted (see [`Taxon::uses_heading`]).
    pub uses: i64,
    /// (value, label) of each kind of category.
    pub kinds: Vec<(String, String)>,
}

impl TaxonEdit {
    /// The value of the field `name`, empty when it has none.
    pub fn value(&self, name: &str) -> String {
        self.values.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone()).unwrap_or_default()
    }

    /// What the page calls the record.
    pub fn title(&self) -> String {
        match self.value("name") {
            name if name.is_empty() => format!("New {}", self.taxon.as_str()),
            name => name,
        }
    }
}

/// `/admin/settings`: the contact details and the public holidays.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsView {
    pub version: i64,
    pub phone: String,
    pub email: String,
    pub opening_hours: String,
    /// Soonest first; past ones are not listed.
    pub holidays: Vec<HolidayLine>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolidayLine {
    pub id: i64,
    /// "Fri 1 Jan 2027".
    pub day: String,
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_query_round_trips_through_its_link() {
        let query = TaxonListQuery::parse("q=sliema+%26+co&sort=uses&page=3");
        assert_eq!(query.q, "sliema & co");
        assert_eq!(query.sort, SortTaxa::Uses);
        let href = query.href(Taxon::Campus, 3);
        assert_eq!(TaxonListQuery::parse(href.trim_start_matches("/admin/campuses?")), query);
        let junk = TaxonListQuery::parse("sort=<x>&page=-4");
        assert_eq!(junk, TaxonListQuery { page: 1, ..TaxonListQuery::default() });
        assert_eq!(junk.href(Taxon::Category, 1), "/admin/categories");
        for taxon in Taxon::ALL {
            assert_eq!(Taxon::parse(taxon.as_str()), Some(taxon));
        }
    }
}
