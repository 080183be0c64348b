//! What the catalogue answers, as typed values: money in minor units,
//! instants in UTC, enums. Nothing here is formatted for people; pages
//! present it (`server::present`), the API will serialise it as it is.

use crate::model::catalogue::{CategoryOption, Facets};
use crate::model::query::{CatalogueQuery, Kind, Level, Mode, Notice};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::Arc;

/// An amount of money in minor units (cents) of a currency (ISO 4217).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(example = json!({ "cents": 149500, "currency": "EUR" }))]
pub struct Money {
    pub cents: i64,
    pub currency: String,
}

/// A scheduled session of a course.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Session {
    pub id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub mode: Mode,
    /// The campus, for sessions in person, and its street address.
    pub location: Option<String>,
    pub location_address: Option<String>,
    pub instructor: Option<String>,
    pub capacity: i64,
    pub seats_taken: i64,
    /// Seats still free (none once the session is full).
    pub seats_left: i64,
    /// How many wait for a seat.
    pub waitlist_length: i64,
}

impl Session {
    /// The seats free of `capacity` with `taken` confirmed.
    pub fn seats_left_of(capacity: i64, taken: i64) -> i64 {
        (capacity - taken).max(0)
    }
}

/// A course in a list of results, with the next session that matches and
/// has a seat left (the next that matches when every one is full).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CourseSummary {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub category: String,
    pub category_slug: String,
    pub kind: Kind,
    pub level: Level,
    pub duration_hours: i64,
    pub price: Money,
    pub next_session: Option<Session>,
}

/// One page of a catalogue search.
#[derive(Clone, Debug, Serialize)]
pub struct SearchResults {
    /// The query as understood (unknown names dropped, numbers clamped).
    pub query: CatalogueQuery,
    /// What was not used as given, and why.
    pub notices: Vec<Notice>,
    pub items: Vec<CourseSummary>,
    /// Every match, or as many as a text search considers when `more`.
    pub total: u64,
    /// More courses match the search words than a search considers.
    pub more: bool,
    /// No course has every search word: these have some of them.
    pub some_words: bool,
    pub facets: Arc<Facets>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Instructor {
    pub name: String,
    pub title: String,
    pub bio: String,
}

/// A published course with its upcoming sessions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Course {
    pub slug: String,
    pub title: String,
    pub summary: String,
    /// Paragraphs separated by blank lines.
    pub description: String,
    /// One outcome per line.
    pub outcomes: String,
    pub prerequisites: String,
    pub category: String,
    pub category_slug: String,
    pub kind: Kind,
    pub level: Level,
    pub duration_hours: i64,
    pub price: Money,
    pub language: String,
    pub awards_certificate: bool,
    pub instructor: Option<Instructor>,
    pub sessions: Vec<Session>,
    pub updated_at: DateTime<Utc>,
}

/// A session on the home page, with its course.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct UpcomingSession {
    pub course_slug: String,
    pub course_title: String,
    pub price: Money,
    pub session: Session,
}

/// What the home page shows of the catalogue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Home {
    pub categories: Vec<CategoryOption>,
    pub upcoming: Vec<UpcomingSession>,
}
