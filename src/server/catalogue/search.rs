//! The catalogue search, built from a checked [`CatalogueQuery`]: browsing
//! counts the matches and fetches a page; a text search first finds its
//! window of newest matches, then ranks and fetches a page within it. Search text
//! only ever reaches the database as a bound value made of letters and
//! digits (see [`CatalogueQuery::terms`]).

use super::data::Session;
use super::dialect::{self, Fts, Matching};
use crate::model::query::{CatalogueQuery, Kind, Level, Mode, Sort};
use crate::server::db::{Backend, Conn};
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

#[derive(Debug, sqlx::FromRow)]
pub struct CourseRow {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub category: String,
    pub category_slug: String,
    pub kind: Kind,
    pub level: Level,
    pub duration_hours: i64,
    pub price_cents: i64,
    pub currency: String,
    #[sqlx(flatten)]
    pub next: NextSessionRow,
}

/// The course's next session that passes the query's session filters and
/// has a seat left (the next of them when all are full), as columns that
/// are all NULL when there is none.
#[derive(Debug, sqlx::FromRow)]
pub struct NextSessionRow {
    next_id: Option<i64>,
    next_starts_at: Option<DateTime<Utc>>,
    next_ends_at: Option<DateTime<Utc>>,
    next_mode: Option<Mode>,
    next_location: Option<String>,
    next_location_address: Option<String>,
    next_instructor: Option<String>,
    next_capacity: Option<i64>,
    next_seats_taken: Option<i64>,
}

impl NextSessionRow {
    pub fn into_session(self) -> Option<Session> {
        let (capacity, seats_taken) = (self.next_capacity?, self.next_seats_taken?);
        Some(Session {
            id: self.next_id?,
            starts_at: self.next_starts_at?,
            ends_at: self.next_ends_at?,
            mode: self.next_mode?,
            location: self.next_location,
            location_address: self.next_location_address,
            instructor: self.next_instructor,
            capacity,
            seats_taken,
            seats_left: Session::seats_left_of(capacity, seats_taken),
            // A card says "Full" or the seats left, never the waitlist.
            waitlist_length: 0,
        })
    }
}

/// The columns of a [`CourseRow`], over `courses c` and the joins of
/// [`push_card_joins`].
const CARD_COLUMNS: &str = "SELECT c.slug, c.title, c.summary, cat.name AS category, \
     cat.slug AS category_slug, cat.kind, c.level, c.duration_hours, c.price_cents, c.currency, \
     ns.id AS next_id, ns.starts_at AS next_starts_at, ns.ends_at AS next_ends_at, ns.mode AS next_mode, \
     nl.name AS next_location, nl.address AS next_location_address, ni.name AS next_instructor, \
     ns.capacity AS next_capacity, ns.seats_taken AS next_seats_taken ";

/// A text search considers at most this many matches, the newest. Ranking
/// by relevance (bm25, ts_rank) reads every candidate it orders, so the
/// window bounds a search's work on a catalogue of any size; an academy's
/// whole catalogue fits in it.
pub const SEARCH_WINDOW: usize = 500;

/// One page of matching courses and how many match in all.
pub struct Found {
    pub rows: Vec<CourseRow>,
    /// All matches, or the window's size when there are more.
    pub total: u64,
    /// More courses match than the window holds.
    pub more: bool,
    /// No course has every word, so these have some of them.
    pub some_words: bool,
}

/// The text part of a query: the search expression, whether its rank is
/// needed, and the oldest course id of the window.
#[derive(Clone, Copy)]
struct Text<'a> {
    fts: &'a Fts,
    ranked: bool,
    from_id: Option<i64>,
}

/// The page of courses `plan` asks for. A search finds the courses with
/// every word, as words; when there are none, those with every word as a
/// word or the start of one; when there are still none, those with any.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn search(conn: &mut Conn, plan: &Plan<'_>) -> Result<Found, sqlx::Error> {
    let terms = plan.query.terms();
    if terms.is_empty() {
        let limit = i64::from(plan.query.per_page);
        return browse(conn, plan, limit, i64::from(plan.query.page - 1) * limit).await;
    }
    let backend = conn.backend();
    let mut found = search_text(conn, plan, &dialect::fts(backend, &terms, Matching::Words)).await?;
    if found.total == 0 {
        found = search_text(conn, plan, &dialect::fts(backend, &terms, Matching::Prefixes)).await?;
    }
    if found.total > 0 || terms.len() == 1 {
        return Ok(found);
    }
    let some = search_text(conn, plan, &dialect::fts(backend, &terms, Matching::AnyPrefix)).await?;
    Ok(Found { some_words: some.total > 0, ..some })
}

async fn search_text(conn: &mut Conn, plan: &Plan<'_>, fts: &Fts) -> Result<Found, sqlx::Error> {
    let backend = conn.backend();
    let query = plan.query;
    let limit = i64::from(query.per_page);
    let offset = i64::from(query.page - 1) * limit;
    let unfiltered =
        query.category.is_none() && query.kind.is_none() && query.level.is_none() && !query.filters_sessions();

    let ranked = query.effective_sort() == Sort::Relevance;
    if ranked
        && dialect::ranks_while_walking(backend)
        && let Some(found) = ranked_in_one_pass(conn, plan, fts, limit, offset).await?
    {
        return Ok(found);
    }

    // The newest matches, one more than the window holds to tell whether
    // there are more.
    let newest = match dialect::newest_in_index(backend, fts, SEARCH_WINDOW as i64 + 1) {
        Some(sql) if unfiltered => sql,
        _ => {
            let mut sql = Sql::new("SELECT c.id ");
            push_newest(&mut sql, backend, plan, fts);
            sql
        }
    };
    let newest: Vec<(i64,)> = newest.fetch_all_on(conn).await?;
    let more = newest.len() > SEARCH_WINDOW;
    let window = &newest[..newest.len().min(SEARCH_WINDOW)];
    let total = window.len() as u64;
    let Some(&(from_id,)) = window.last() else {
        return Ok(Found { rows: Vec::new(), total: 0, more: false, some_words: false });
    };
    if offset as u64 >= total {
        return Ok(Found { rows: Vec::new(), total, more, some_words: false });
    }

    let rows = if unfiltered && ranked && dialect::ranks_in_index(backend) {
        let mut page = Sql::new(CARD_COLUMNS);
        page.push("FROM ");
        dialect::push_index_page(&mut page, backend, fts, from_id, limit, offset);
        page.push("JOIN courses c ON c.id = fts.id ");
        push_card_joins(&mut page, backend, plan);
        page.push("ORDER BY fts.rank, fts.id");
        page.fetch_all_on(conn).await?
    } else {
        let text = Text { fts, ranked, from_id: Some(from_id) };
        page(plan, backend, Some(text), limit, offset).fetch_all_on(conn).await?
    };
    Ok(Found { rows, total, more, some_words: false })
}

/// Finds the window, ranks it and fetches the page in one statement, where
/// the rank is cheap to compute while walking the matches. `None` when the
/// page is empty, which leaves nothing to carry the count.
async fn ranked_in_one_pass(
    conn: &mut Conn,
    plan: &Plan<'_>,
    fts: &Fts,
    limit: i64,
    offset: i64,
) -> Result<Option<Found>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Ranked {
        #[sqlx(flatten)]
        card: CourseRow,
        matches: i64,
    }
    let mut sql = Sql::new("WITH hits AS (SELECT c.id, ");
    dialect::push_rank(&mut sql, conn.backend(), fts);
    sql.push(" AS rank ");
    push_newest(&mut sql, conn.backend(), plan, fts);
    sql.push("), win AS (SELECT id, rank FROM hits ORDER BY id DESC LIMIT ")
        .bind(Arg::Int(SEARCH_WINDOW as i64))
        .push(") ")
        .push(CARD_COLUMNS)
        .push(", (SELECT COUNT(*) FROM hits) AS matches FROM (SELECT id, rank FROM win ORDER BY rank DESC, id LIMIT ")
        .bind(Arg::Int(limit))
        .push(" OFFSET ")
        .bind(Arg::Int(offset))
        .push(") p JOIN courses c ON c.id = p.id ");
    push_card_joins(&mut sql, conn.backend(), plan);
    sql.push("ORDER BY p.rank DESC, p.id");
    let rows: Vec<Ranked> = sql.fetch_all_on(conn).await?;
    let Some(matches) = rows.first().map(|r| r.matches.max(0) as usize) else {
        return Ok(None);
    };
    Ok(Some(Found {
        total: matches.min(SEARCH_WINDOW) as u64,
        more: matches > SEARCH_WINDOW,
        rows: rows.into_iter().map(|r| r.card).collect(),
        some_words: false,
    }))
}

/// `FROM ... WHERE ... ORDER BY ... LIMIT` of the newest text matches that
/// pass the filters: one more than the window holds, to tell whether there
/// are more.
fn push_newest(sql: &mut Sql, backend: Backend, plan: &Plan<'_>, fts: &Fts) {
    push_from_where(sql, backend, plan, Some(Text { fts, ranked: false, from_id: None }), false);
    sql.push(" ORDER BY c.id DESC LIMIT ").bind(Arg::Int(SEARCH_WINDOW as i64 + 1));
}

/// Without search words: every published course that passes the filters.
async fn browse(conn: &mut Conn, plan: &Plan<'_>, limit: i64, offset: i64) -> Result<Found, sqlx::Error> {
    let backend = conn.backend();
    let mut count = Sql::new("SELECT COUNT(*) ");
    push_from_where(&mut count, backend, plan, None, false);
    let total = count.fetch_count_on(conn).await?.max(0) as u64;
    if offset as u64 >= total {
        return Ok(Found { rows: Vec::new(), total, more: false, some_words: false });
    }
    let rows = page(plan, backend, None, limit, offset).fetch_all_on(conn).await?;
    Ok(Found { rows, total, more: false, some_words: false })
}

/// The statement for one page of cards in the query's order.
fn page(plan: &Plan<'_>, backend: Backend, text: Option<Text<'_>>, limit: i64, offset: i64) -> Sql {
    let mut page = Sql::new(CARD_COLUMNS);
    push_from_where(&mut page, backend, plan, text, true);
    page.push(" ORDER BY ");
    match (plan.query.effective_sort(), text) {
        (Sort::Relevance, Some(text)) => dialect::push_rank_order(&mut page, backend, text.fts),
        (Sort::Relevance | Sort::Date, _) => {
            page.push("ns.starts_at IS NULL, ns.starts_at");
        }
        (Sort::Title, _) => {
            page.push("c.title");
        }
        (Sort::Price, _) => {
            page.push("c.price_cents");
        }
        (Sort::PriceDesc, _) => {
            page.push("c.price_cents DESC");
        }
    }
    // A unique last key keeps pages stable when earlier keys tie.
    page.push(", c.title, c.id LIMIT ").bind(Arg::Int(limit)).push(" OFFSET ").bind(Arg::Int(offset));
    page
}

/// `FROM ... WHERE ...` of every statement; `cards` when it selects
/// [`CARD_COLUMNS`]. Categories are joined only when needed: the join can
/// turn PostgreSQL away from walking the primary key for the newest matches.
fn push_from_where(sql: &mut Sql, backend: Backend, plan: &Plan<'_>, text: Option<Text<'_>>, cards: bool) {
    let query = plan.query;
    sql.push("FROM courses c ");
    if let Some(text) = text {
        dialect::push_fts_join(sql, backend, text.fts, text.ranked, text.from_id);
    }
    if cards {
        push_card_joins(sql, backend, plan);
    } else if query.category.is_some() || query.kind.is_some() {
        sql.push("JOIN categories cat ON cat.id = c.category_id ");
    }
    // Written exactly as the partial indexes' predicate, so they apply.
    sql.push("WHERE c.published");
    if let Some(text) = text {
        if let Some(condition) = dialect::fts_condition(backend) {
            sql.push(condition);
        }
        if let Some(from_id) = text.from_id {
            sql.push(" AND c.id >= ").bind(Arg::Int(from_id));
        }
    }
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

/// Joins what a card shows beside course `c`: its category, and its next
/// session that passes the session filters and has a seat, else its next
/// full one (`ns`, with its campus `nl` and instructor `ni`), in the
/// statement that fetches the page.
fn push_card_joins(sql: &mut Sql, backend: Backend, plan: &Plan<'_>) {
    sql.push("JOIN categories cat ON cat.id = c.category_id ");
    dialect::push_first_session_join(sql, backend, |sql| push_session_filter(sql, plan));
    sql.push("LEFT JOIN locations nl ON nl.id = ns.location_id LEFT JOIN instructors ni ON ni.id = ns.instructor_id ");
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
