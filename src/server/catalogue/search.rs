//! The catalogue search: one SQL statement for the page of results and one
//! for their count, built from a checked [`CatalogueQuery`]. Search text
//! only ever reaches the database as a bound value made of letters and
//! digits (see [`CatalogueQuery::terms`]).

use super::dialect;
use crate::model::query::{CatalogueQuery, Sort};
use crate::server::db::{Backend, Db};
use crate::server::sql::{Arg, Sql};
use chrono::{DateTime, Utc};

/// A query with every name resolved and every date turned into an instant.
pub struct Plan<'a> {
    pub query: &'a CatalogueQuery,
    pub now: DateTime<Utc>,
    /// Sessions starting at or after this instant (start of `from` in the academy's zone).
    pub from: Option<DateTime<Utc>>,
    /// Sessions starting before this instant (the day after `to`).
    pub until: Option<DateTime<Utc>>,
}

/// The columns of a [`CourseRow`], over `courses c` and `categories cat`.
pub const CARD_COLUMNS: &str = "SELECT c.id, c.slug, c.title, c.summary, cat.name AS category, \
     cat.slug AS category_slug, cat.kind, c.level, c.duration_hours, c.price_cents, c.currency ";

#[derive(Debug, sqlx::FromRow)]
pub struct CourseRow {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub category: String,
    pub category_slug: String,
    pub kind: String,
    pub level: String,
    pub duration_hours: i64,
    pub price_cents: i64,
    pub currency: String,
}

/// One page of matching courses and the number of all matches.
pub async fn search(db: &Db, plan: &Plan<'_>) -> Result<(Vec<CourseRow>, u64), sqlx::Error> {
    let backend = db.backend();
    let terms = plan.query.terms();
    let fts = (!terms.is_empty()).then(|| dialect::fts_query(backend, &terms));

    let query = plan.query;
    let offset = u64::from(query.page - 1) * u64::from(query.per_page);
    let filtered =
        query.category.is_some() || query.kind.is_some() || query.level.is_some() || query.filters_sessions();
    if let Some(fts) = fts.as_deref()
        && !filtered
        && query.effective_sort() == Sort::Relevance
        && let Some((count, page)) = dialect::index_only_search(backend, fts, i64::from(query.per_page), offset as i64)
    {
        let total = count.fetch_count(db).await?.max(0) as u64;
        let rows = if offset < total { page.fetch_all(db).await? } else { Vec::new() };
        return Ok((rows, total));
    }

    let mut count = Sql::new("SELECT COUNT(*) ");
    push_from_where(&mut count, backend, plan, fts.as_deref().map(|q| (q, false)));
    let total = count.fetch_count(db).await?;
    if total <= 0 || offset >= total as u64 {
        return Ok((Vec::new(), total.max(0) as u64));
    }

    let mut page = Sql::new(CARD_COLUMNS);
    let ranked = plan.query.effective_sort() == Sort::Relevance;
    push_from_where(&mut page, backend, plan, fts.as_deref().map(|q| (q, ranked)));
    page.push(" ORDER BY ");
    match plan.query.effective_sort() {
        Sort::Relevance if fts.is_some() => page.push(dialect::rank_order(backend)),
        Sort::Relevance | Sort::Date => {
            page.push("(");
            push_next_session(&mut page, plan);
            page.push(") IS NULL, (");
            push_next_session(&mut page, plan);
            page.push(")")
        }
        Sort::Title => page.push("c.title"),
        Sort::Price => page.push("c.price_cents"),
        Sort::PriceDesc => page.push("c.price_cents DESC"),
    };
    // A unique last key keeps pages stable when earlier keys tie.
    page.push(", c.title, c.id LIMIT ")
        .bind(Arg::Int(i64::from(plan.query.per_page)))
        .push(" OFFSET ")
        .bind(Arg::Int(offset as i64));
    let rows = page.fetch_all(db).await?;
    Ok((rows, total as u64))
}

/// `fts` is the search expression and whether its rank is needed.
fn push_from_where(sql: &mut Sql, backend: Backend, plan: &Plan<'_>, fts: Option<(&str, bool)>) {
    sql.push("FROM courses c JOIN categories cat ON cat.id = c.category_id ");
    if let Some((fts, ranked)) = fts {
        dialect::push_fts_join(sql, backend, fts, ranked);
    }
    // Written exactly as the partial indexes' predicate, so they apply.
    sql.push("WHERE c.published");
    if fts.is_some()
        && let Some(condition) = dialect::fts_condition(backend)
    {
        sql.push(condition);
    }
    let query = plan.query;
    if let Some(category) = &query.category {
        sql.push(" AND cat.slug = ").bind(Arg::Text(category.clone()));
    }
    if let Some(kind) = query.kind {
        sql.push(" AND cat.kind = ").bind(Arg::Text(kind.as_str().into()));
    }
    if let Some(level) = query.level {
        sql.push(" AND c.level = ").bind(Arg::Text(level.as_str().into()));
    }
    if query.filters_sessions() {
        sql.push(" AND EXISTS (SELECT 1 ");
        push_session_filter(sql, plan);
        sql.push(")");
    }
}

/// The next matching session's start, as a correlated subquery on `c`.
fn push_next_session(sql: &mut Sql, plan: &Plan<'_>) {
    sql.push("SELECT MIN(s.starts_at) ");
    push_session_filter(sql, plan);
}

/// `FROM course_sessions s WHERE ...`: upcoming, scheduled sessions of
/// course `c` that match the session filters.
fn push_session_filter(sql: &mut Sql, plan: &Plan<'_>) {
    let query = plan.query;
    sql.push("FROM course_sessions s WHERE s.course_id = c.id AND s.status = 'scheduled' AND s.starts_at > ")
        .bind(Arg::Time(plan.now));
    if let Some(mode) = query.mode {
        sql.push(" AND s.mode = ").bind(Arg::Text(mode.as_str().into()));
    }
    if let Some(location) = &query.location {
        sql.push(" AND s.location_id = (SELECT l.id FROM locations l WHERE l.slug = ")
            .bind(Arg::Text(location.clone()))
            .push(")");
    }
    if let Some(from) = plan.from {
        sql.push(" AND s.starts_at >= ").bind(Arg::Time(from));
    }
    if let Some(until) = plan.until {
        sql.push(" AND s.starts_at < ").bind(Arg::Time(until));
    }
}
