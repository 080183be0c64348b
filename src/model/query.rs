//! The catalogue query: what a visitor asks for in `/courses?...`, parsed once
//! into typed values. Anything malformed is dropped or clamped and explained by
//! a [`Notice`], never an error page: a shared link must always show something.

use super::date::Date;
use super::url::{encode_pairs, parse_pairs};
use serde::{Deserialize, Serialize};

/// Longest search text kept, in characters; the rest is cut with a notice.
pub const MAX_Q_CHARS: usize = 200;
/// At most this many words take part in a search.
pub const MAX_TERMS: usize = 10;
pub const DEFAULT_PER_PAGE: u32 = 12;
pub const MAX_PER_PAGE: u32 = 100;
/// Deeper pages than this are never useful and only cost the database.
pub const MAX_PAGE: u32 = 10_000;

macro_rules! slug_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $slug:literal, $label:literal;)+ }) => {
        $(#[$meta])*
        // Serialised as its slug (each slug is its name in kebab case), as
        // URLs and the database spell it, so the API's values are the ones
        // its filters take.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
        #[serde(rename_all = "kebab-case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn parse(input: &str) -> Option<Self> {
                match input { $($slug => Some($name::$variant),)+ _ => None }
            }

            /// The value used in URLs and in the database.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $slug),+ }
            }

            /// The words shown to a visitor.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }
        }
    };
}

slug_enum!(
    /// The two families of courses the academy teaches.
    Kind { It => "it", "IT"; SoftSkills => "soft-skills", "Soft skills"; }
);
slug_enum!(
    /// How a session is delivered.
    Mode { Online => "online", "Online"; InPerson => "in-person", "In person"; }
);
slug_enum!(
    Level {
        Beginner => "beginner", "Beginner";
        Intermediate => "intermediate", "Intermediate";
        Advanced => "advanced", "Advanced";
    }
);
slug_enum!(
    /// Result order. `Relevance` only applies when there is search text.
    Sort {
        Relevance => "relevance", "Best match";
        Date => "date", "Next date";
        Title => "title", "Title (A to Z)";
        Price => "price", "Price (low to high)";
        PriceDesc => "price-desc", "Price (high to low)";
    }
);

/// Why part of a query was not used as given, shown above the results.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub field: String,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CatalogueQuery {
    pub q: String,
    pub category: Option<String>,
    pub kind: Option<Kind>,
    pub mode: Option<Mode>,
    pub location: Option<String>,
    pub level: Option<Level>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    /// `None` means the default: relevance with search text, next date without.
    pub sort: Option<Sort>,
    pub page: u32,
    pub per_page: u32,
}

impl Default for CatalogueQuery {
    fn default() -> Self {
        Self {
            q: String::new(),
            category: None,
            kind: None,
            mode: None,
            location: None,
            level: None,
            from: None,
            to: None,
            sort: None,
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

impl CatalogueQuery {
    /// The fields a catalogue address (and the filter form) may hold, but
    /// for the page and its size, in the order of its canonical form.
    pub const FORM_FIELDS: [&'static str; 9] =
        ["q", "category", "kind", "mode", "location", "level", "from", "to", "sort"];

    /// Parses a raw query string such as `q=cloud&mode=online&page=2`.
    pub fn from_query_string(raw: &str) -> (Self, Vec<Notice>) {
        let pairs = parse_pairs(raw);
        Self::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    /// Builds a query from name/value pairs; the first value of a name wins,
    /// unknown names are ignored.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> (Self, Vec<Notice>) {
        let mut query = Self::default();
        let mut notices = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        for (name, value) in pairs {
            if seen.contains(&name) {
                continue;
            }
            seen.push(name);
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            let mut refuse = |message: String| notices.push(Notice { field: name.to_string(), message });
            match name {
                "q" => {
                    let (text, cut) = clean_text(value);
                    if cut {
                        refuse(format!("The search text was shortened to {MAX_Q_CHARS} characters."));
                    }
                    query.q = text;
                }
                "category" => match parse_slug(value) {
                    Some(slug) => query.category = Some(slug),
                    None => refuse("That category does not exist, so it was left out.".into()),
                },
                "location" => match parse_slug(value) {
                    Some(slug) => query.location = Some(slug),
                    None => refuse("That location does not exist, so it was left out.".into()),
                },
                "kind" => match Kind::parse(value) {
                    Some(kind) => query.kind = Some(kind),
                    None => refuse("Choose IT or soft skills; the course type was left out.".into()),
                },
                "mode" => match Mode::parse(value) {
                    Some(mode) => query.mode = Some(mode),
                    None => refuse("Choose online or in person; the mode was left out.".into()),
                },
                "level" => match Level::parse(value) {
                    Some(level) => query.level = Some(level),
                    None => refuse("Choose beginner, intermediate or advanced; the level was left out.".into()),
                },
                "from" | "to" => match Date::parse(value) {
                    Some(date) if name == "from" => query.from = Some(date),
                    Some(date) => query.to = Some(date),
                    None => refuse(format!(
                        "Dates are written like 2026-12-01; the “{}” date was left out.",
                        if name == "from" { "from" } else { "to" }
                    )),
                },
                "sort" => match Sort::parse(value) {
                    Some(sort) => query.sort = Some(sort),
                    None => refuse("That sort order does not exist; the default order is used.".into()),
                },
                "page" => match parse_clamped(value, 1, MAX_PAGE) {
                    Ok(page) => query.page = page,
                    Err(page) => {
                        query.page = page;
                        refuse(format!("Pages are numbered from 1 to {MAX_PAGE}; showing page {page}."));
                    }
                },
                "per_page" => match parse_clamped(value, 1, MAX_PER_PAGE) {
                    Ok(per_page) => query.per_page = per_page,
                    Err(per_page) => {
                        query.per_page = per_page;
                        refuse(format!("A page holds 1 to {MAX_PER_PAGE} courses; showing {per_page}."));
                    }
                },
                _ => {}
            }
        }
        if let (Some(from), Some(to)) = (query.from, query.to)
            && from > to
        {
            query.from = Some(to);
            query.to = Some(from);
            notices.push(Notice {
                field: "to".into(),
                message: "The dates were the wrong way round, so they were swapped.".into(),
            });
        }
        // Relevance needs words; the default order is no choice at all, so
        // that the same results have the same address.
        if query.sort == Some(Sort::Relevance) && query.terms().is_empty() {
            query.sort = None;
        }
        if query.sort.is_some() && query.sort == Some(query.effective_sort_of(None)) {
            query.sort = None;
        }
        (query, notices)
    }

    /// The order actually applied.
    pub fn effective_sort(&self) -> Sort {
        self.effective_sort_of(self.sort)
    }

    /// The order `sort` gives this query: by default, relevance with search
    /// words and the next date without.
    fn effective_sort_of(&self, sort: Option<Sort>) -> Sort {
        match sort {
            Some(sort) => sort,
            None if !self.terms().is_empty() => Sort::Relevance,
            None => Sort::Date,
        }
    }

    /// The words to search for: letters and digits only, lower case, so that
    /// no search syntax (quotes, `*`, `NEAR`, `OR`, `-`, brackets) can reach
    /// the database's query parser.
    pub fn terms(&self) -> Vec<String> {
        self.q
            .split(|c: char| !c.is_alphanumeric())
            .filter(|word| !word.is_empty())
            .map(|word| word.chars().take(40).flat_map(char::to_lowercase).collect())
            .take(MAX_TERMS)
            .collect()
    }

    /// True when only sessions (not courses) are being narrowed down.
    pub fn filters_sessions(&self) -> bool {
        self.mode.is_some() || self.location.is_some() || self.from.is_some() || self.to.is_some()
    }

    pub fn has_filters(&self) -> bool {
        !self.q.is_empty()
            || self.category.is_some()
            || self.kind.is_some()
            || self.level.is_some()
            || self.filters_sessions()
    }

    pub fn with_page(&self, page: u32) -> Self {
        Self { page, ..self.clone() }
    }

    /// The canonical query string (no leading `?`), defaults left out, so
    /// equal queries have equal URLs (and share a cache entry).
    pub fn to_query_string(&self) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if !self.q.is_empty() {
            pairs.push(("q", self.q.clone()));
        }
        let optional = [
            ("category", self.category.clone()),
            ("kind", self.kind.map(|k| k.as_str().to_string())),
            ("mode", self.mode.map(|m| m.as_str().to_string())),
            ("location", self.location.clone()),
            ("level", self.level.map(|l| l.as_str().to_string())),
            ("from", self.from.map(|d| d.to_string())),
            ("to", self.to.map(|d| d.to_string())),
            ("sort", self.sort.map(|s| s.as_str().to_string())),
        ];
        pairs.extend(optional.into_iter().filter_map(|(name, value)| value.map(|v| (name, v))));
        if self.page != 1 {
            pairs.push(("page", self.page.to_string()));
        }
        if self.per_page != DEFAULT_PER_PAGE {
            pairs.push(("per_page", self.per_page.to_string()));
        }
        encode_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())))
    }

    /// `/courses` with this query.
    pub fn href(&self) -> String {
        let qs = self.to_query_string();
        if qs.is_empty() { "/courses".to_string() } else { format!("/courses?{qs}") }
    }
}

/// Drops control characters, collapses white space and cuts to
/// [`MAX_Q_CHARS`]; says whether anything was cut.
fn clean_text(input: &str) -> (String, bool) {
    let words = input.split(|c: char| c.is_whitespace() || c.is_control()).filter(|w| !w.is_empty());
    let joined = words.collect::<Vec<_>>().join(" ");
    match joined.char_indices().nth(MAX_Q_CHARS) {
        Some((cut_at, _)) => (joined[..cut_at].trim_end().to_string(), true),
        None => (joined, false),
    }
}

/// Slugs are lower-case ASCII words joined by hyphens.
pub fn is_slug(input: &str) -> bool {
    parse_slug(input).is_some()
}

fn parse_slug(input: &str) -> Option<String> {
    let ok = !input.is_empty()
        && input.len() <= 80
        && !input.starts_with('-')
        && !input.ends_with('-')
        && input.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    ok.then(|| input.to_string())
}

/// `Ok` for an in-range number; `Err` with the nearest allowed value otherwise.
fn parse_clamped(input: &str, min: u32, max: u32) -> Result<u32, u32> {
    match input.parse::<i64>() {
        Ok(n) if n < i64::from(min) => Err(min),
        Ok(n) if n > i64::from(max) => Err(max),
        Ok(n) => Ok(n as u32),
        // Digits only but too long for i64: far above any maximum.
        Err(_) if input.bytes().all(|b| b.is_ascii_digit()) => Err(max),
        Err(_) => Err(min),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_choice_serialises_as_its_slug() {
        fn check<T: Serialize + Copy>(all: &[T], slug: fn(T) -> &'static str) {
            for value in all {
                assert_eq!(serde_json::to_value(value).unwrap(), slug(*value));
            }
        }
        check(Kind::ALL, Kind::as_str);
        check(Mode::ALL, Mode::as_str);
        check(Level::ALL, Level::as_str);
        check(Sort::ALL, Sort::as_str);
        assert_eq!(serde_json::from_str::<Mode>("\"in-person\"").unwrap(), Mode::InPerson);
    }

    fn parse(qs: &str) -> (CatalogueQuery, Vec<Notice>) {
        CatalogueQuery::from_query_string(qs)
    }

    #[test]
    fn empty_query_is_the_default_with_no_notices() {
        assert_eq!(parse(""), (CatalogueQuery::default(), vec![]));
        assert_eq!(CatalogueQuery::default().effective_sort(), Sort::Date);
        assert_eq!(CatalogueQuery::default().href(), "/courses");
    }

    #[test]
    fn parses_every_filter_and_round_trips_the_url() {
        let qs = "q=cloud+security&category=cloud&kind=it&mode=online&location=valletta&level=advanced\
                  &from=2026-12-01&to=2027-01-31&sort=price&page=3&per_page=24";
        let (query, notices) = parse(qs);
        assert!(notices.is_empty(), "{notices:?}");
        assert_eq!(query.q, "cloud security");
        assert_eq!(query.kind, Some(Kind::It));
        assert_eq!(query.mode, Some(Mode::Online));
        assert_eq!(query.level, Some(Level::Advanced));
        assert_eq!(query.from, Date::parse("2026-12-01"));
        assert_eq!(query.sort, Some(Sort::Price));
        assert_eq!((query.page, query.per_page), (3, 24));
        assert_eq!(parse(&query.to_query_string()).0, query);
    }

    #[test]
    fn bad_values_are_dropped_or_clamped_with_a_notice() {
        let (query, notices) = parse(
            "page=-1&per_page=100000&mode=x&from=yesterday&kind=cooking&level=guru&sort=random&category=DROP%20TABLE",
        );
        assert_eq!(query.page, 1);
        assert_eq!(query.per_page, MAX_PER_PAGE);
        assert_eq!((query.mode, query.from, query.kind, query.level, query.sort), (None, None, None, None, None));
        assert_eq!(query.category, None);
        let fields: Vec<&str> = notices.iter().map(|n| n.field.as_str()).collect();
        assert_eq!(fields, ["page", "per_page", "mode", "from", "kind", "level", "sort", "category"]);
    }

    #[test]
    fn huge_numbers_and_words_in_numbers_are_clamped() {
        assert_eq!(parse("page=99999999999999999999999").0.page, MAX_PAGE);
        assert_eq!(parse("page=two").0.page, 1);
        assert_eq!(parse("per_page=0").0.per_page, 1);
    }

    #[test]
    fn long_text_is_cut_and_control_characters_removed() {
        let long = "a".repeat(10_000);
        let (query, notices) = parse(&format!("q={long}"));
        assert_eq!(query.q.chars().count(), MAX_Q_CHARS);
        assert_eq!(notices.len(), 1);
        let (query, _) = parse("q=cloud%00%07%1B%0A%09computing");
        assert_eq!(query.q, "cloud computing");
    }

    #[test]
    fn search_syntax_never_reaches_the_terms() {
        let (query, _) = parse("q=%22security%22+NEAR(a+b)+OR+-cloud*+((+x:y+'");
        assert_eq!(query.terms(), ["security", "near", "a", "b", "or", "cloud", "x", "y"]);
        assert!(parse("q=***+%22%22+()").0.terms().is_empty());
    }

    #[test]
    fn terms_are_bounded_in_number_and_length() {
        let many = (0..50).map(|i| format!("w{i}")).collect::<Vec<_>>().join("+");
        assert_eq!(parse(&format!("q={many}")).0.terms().len(), MAX_TERMS);
        let word = "x".repeat(150);
        assert_eq!(parse(&format!("q={word}")).0.terms()[0].len(), 40);
    }

    #[test]
    fn relevance_is_the_default_only_with_search_text() {
        assert_eq!(parse("q=cloud").0.effective_sort(), Sort::Relevance);
        assert_eq!(parse("sort=relevance").0.effective_sort(), Sort::Date);
        assert_eq!(parse("q=cloud&sort=title").0.effective_sort(), Sort::Title);
    }

    #[test]
    fn reversed_dates_are_swapped() {
        let (query, notices) = parse("from=2027-01-31&to=2026-12-01");
        assert_eq!(query.from, Date::parse("2026-12-01"));
        assert_eq!(query.to, Date::parse("2027-01-31"));
        assert_eq!(notices.len(), 1);
    }

    #[test]
    fn first_value_wins_and_unknown_names_are_ignored() {
        let (query, notices) = parse("mode=online&mode=in-person&utm_source=x");
        assert_eq!(query.mode, Some(Mode::Online));
        assert!(notices.is_empty());
    }

    #[test]
    fn canonical_url_leaves_defaults_out() {
        let (query, _) = parse("page=1&per_page=12&q=+data++science+");
        assert_eq!(query.href(), "/courses?q=data+science");
        assert_eq!(query.with_page(2).href(), "/courses?q=data+science&page=2");
    }
}
