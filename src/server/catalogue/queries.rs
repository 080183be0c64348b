//! Named catalogue reads whose SQL is the same on both backends.

use crate::model::query::{Kind, Level, Mode};
use crate::server::db::{Db, with_pool};
use chrono::{DateTime, Utc};

#[derive(Debug, sqlx::FromRow)]
pub struct CategoryRow {
    pub slug: String,
    pub name: String,
    pub kind: Kind,
    pub courses: i64,
}

#[derive(Debug, sqlx::FromRow)]
pub struct LocationRow {
    pub slug: String,
    pub name: String,
    pub address: String,
}

#[derive(Debug, sqlx::FromRow)]
pub struct SessionRow {
    pub id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub mode: Mode,
    pub location: Option<String>,
    pub location_address: Option<String>,
    pub instructor: Option<String>,
    pub capacity: i64,
    pub seats_taken: i64,
    pub waitlist_length: i64,
}

#[derive(Debug, sqlx::FromRow)]
pub struct CourseDetailRow {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub description: String,
    pub outcomes: String,
    pub prerequisites: String,
    pub category: String,
    pub category_slug: String,
    pub kind: Kind,
    pub level: Level,
    pub duration_hours: i64,
    pub price_cents: i64,
    pub currency: String,
    pub language: String,
    pub awards_certificate: bool,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, sqlx::FromRow)]
pub struct InstructorRow {
    pub name: String,
    pub title: String,
    pub bio: String,
}

#[derive(Debug, sqlx::FromRow)]
pub struct UpcomingRow {
    pub course_slug: String,
    pub course_title: String,
    pub price_cents: i64,
    pub currency: String,
    #[sqlx(flatten)]
    pub session: SessionRow,
}

#[derive(Debug, sqlx::FromRow)]
pub struct SitemapRow {
    pub slug: String,
    pub updated_at: DateTime<Utc>,
}

const SESSION_COLUMNS: &str = "s.id, s.starts_at, s.ends_at, s.mode, l.name AS location, \
     l.address AS location_address, \
     i.name AS instructor, s.capacity, s.seats_taken, s.waitlist_length";
const SESSION_JOINS: &str = "LEFT JOIN locations l ON l.id = s.location_id \
     LEFT JOIN instructors i ON i.id = s.instructor_id";

/// Categories in display order with their number of published courses.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn categories(db: &Db) -> Result<Vec<CategoryRow>, sqlx::Error> {
    let sql = "SELECT cat.slug, cat.name, cat.kind, \
               (SELECT COUNT(*) FROM courses c WHERE c.category_id = cat.id AND c.published) AS courses \
               FROM categories cat ORDER BY cat.kind, cat.position, cat.name";
    with_pool!(db, |pool| sqlx::query_as(sql).fetch_all(pool).await)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn locations(db: &Db) -> Result<Vec<LocationRow>, sqlx::Error> {
    let sql = "SELECT slug, name, address FROM locations ORDER BY name";
    with_pool!(db, |pool| sqlx::query_as(sql).fetch_all(pool).await)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn course_by_slug(db: &Db, slug: &str) -> Result<Option<CourseDetailRow>, sqlx::Error> {
    let sql = "SELECT c.id, c.slug, c.title, c.summary, c.description, c.outcomes, c.prerequisites, \
               cat.name AS category, cat.slug AS category_slug, cat.kind, c.level, c.duration_hours, \
               c.price_cents, c.currency, c.language, c.awards_certificate, c.updated_at \
               FROM courses c JOIN categories cat ON cat.id = c.category_id \
               WHERE c.slug = $1 AND c.published";
    with_pool!(db, |pool| sqlx::query_as(sql).bind(slug).fetch_optional(pool).await)
}

/// The instructor who teaches most of the course's upcoming sessions.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn lead_instructor(
    db: &Db,
    course_id: i64,
    now: DateTime<Utc>,
) -> Result<Option<InstructorRow>, sqlx::Error> {
    let sql = "SELECT i.name, i.title, i.bio FROM course_sessions s JOIN instructors i ON i.id = s.instructor_id \
               WHERE s.course_id = $1 AND s.starts_at > $2 \
               GROUP BY i.id, i.name, i.title, i.bio ORDER BY COUNT(*) DESC, i.name LIMIT 1";
    with_pool!(db, |pool| sqlx::query_as(sql).bind(course_id).bind(now).fetch_optional(pool).await)
}

/// Upcoming scheduled sessions of one course, soonest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn upcoming_sessions(
    db: &Db,
    course_id: i64,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<SessionRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {SESSION_COLUMNS} FROM course_sessions s {SESSION_JOINS} \
         WHERE s.course_id = $1 AND s.status = 'scheduled' AND s.starts_at > $2 \
         ORDER BY s.starts_at, s.id LIMIT $3"
    );
    with_pool!(db, |pool| sqlx::query_as(&sql).bind(course_id).bind(now).bind(limit).fetch_all(pool).await)
}

/// The next sessions across the whole published catalogue.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn next_sessions(db: &Db, now: DateTime<Utc>, limit: i64) -> Result<Vec<UpcomingRow>, sqlx::Error> {
    let sql = format!(
        "SELECT c.slug AS course_slug, c.title AS course_title, c.price_cents, c.currency, {SESSION_COLUMNS} \
         FROM course_sessions s JOIN courses c ON c.id = s.course_id {SESSION_JOINS} \
         WHERE s.status = 'scheduled' AND s.starts_at > $1 AND c.published \
         ORDER BY s.starts_at, s.id LIMIT $2"
    );
    with_pool!(db, |pool| sqlx::query_as(&sql).bind(now).bind(limit).fetch_all(pool).await)
}

/// What narrows a list of upcoming sessions; `None` narrows nothing.
pub struct SessionFilter<'a> {
    pub course: Option<&'a str>,
    pub mode: Option<Mode>,
    pub location: Option<&'a str>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// A page of upcoming scheduled sessions of published courses, soonest
/// first, as `filter` narrows them; and how many there are in all.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn sessions_listed(
    db: &Db,
    filter: &SessionFilter<'_>,
    now: DateTime<Utc>,
    offset: i64,
    limit: i64,
) -> Result<(Vec<UpcomingRow>, i64), sqlx::Error> {
    let matching = format!(
        "FROM course_sessions s JOIN courses c ON c.id = s.course_id {SESSION_JOINS} \
         WHERE s.status = 'scheduled' AND s.starts_at > $1 AND c.published \
         AND ($2 IS NULL OR c.slug = $2) AND ($3 IS NULL OR s.mode = $3) AND ($4 IS NULL OR l.slug = $4) \
         AND ($5 IS NULL OR s.starts_at >= $5) AND ($6 IS NULL OR s.starts_at < $6)"
    );
    let page = format!(
        "SELECT c.slug AS course_slug, c.title AS course_title, c.price_cents, c.currency, {SESSION_COLUMNS} \
         {matching} ORDER BY s.starts_at, s.id LIMIT $7 OFFSET $8"
    );
    let count = format!("SELECT COUNT(*) {matching}");
    let mode = filter.mode.map(Mode::as_str);
    with_pool!(db, |pool| {
        let rows = sqlx::query_as(&page)
            .bind(now)
            .bind(filter.course)
            .bind(mode)
            .bind(filter.location)
            .bind(filter.from)
            .bind(filter.until)
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await?;
        let total: i64 = sqlx::query_scalar(&count)
            .bind(now)
            .bind(filter.course)
            .bind(mode)
            .bind(filter.location)
            .bind(filter.from)
            .bind(filter.until)
            .fetch_one(pool)
            .await?;
        Ok((rows, total))
    })
}

/// One session of a published course, whatever its status: (the session
/// with its course, its status).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn session_by_id(db: &Db, id: i64) -> Result<Option<(UpcomingRow, String)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        upcoming: UpcomingRow,
        status: String,
    }
    let sql = format!(
        "SELECT c.slug AS course_slug, c.title AS course_title, c.price_cents, c.currency, s.status, \
         {SESSION_COLUMNS} \
         FROM course_sessions s JOIN courses c ON c.id = s.course_id {SESSION_JOINS} \
         WHERE s.id = $1 AND c.published"
    );
    let row: Option<Row> = with_pool!(db, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
    Ok(row.map(|row| (row.upcoming, row.status)))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn published_courses(db: &Db) -> Result<Vec<SitemapRow>, sqlx::Error> {
    let sql = "SELECT slug, updated_at FROM courses WHERE published ORDER BY slug";
    with_pool!(db, |pool| sqlx::query_as(sql).fetch_all(pool).await)
}
