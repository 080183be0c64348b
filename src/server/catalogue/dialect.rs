//! Full-text search SQL, the part of the catalogue that differs by backend:
//! FTS5 with bm25 on SQLite, a weighted tsvector with a GIN index on
//! PostgreSQL. Another backend adds its arm here.

use crate::server::db::Backend;
use crate::server::sql::{Arg, Sql};

/// The columns of a `search::CourseRow`, over `courses c` and `categories cat`.
pub const CARD_COLUMNS: &str = "SELECT c.id, c.slug, c.title, c.summary, cat.name AS category, \
     cat.slug AS category_slug, cat.kind, c.level, c.duration_hours, c.price_cents, c.currency ";

/// Relevance on SQLite (lower is better). Column weights: title, summary,
/// description, outcomes, category.
const SQLITE_RANK: &str = "bm25(course_search, 10.0, 5.0, 1.0, 2.0, 6.0)";

/// Turns search words (letters and digits only) into the backend's query
/// syntax: every word must match, as a whole word or as a prefix.
pub fn fts_query(backend: Backend, terms: &[String]) -> String {
    match backend {
        // `"word"*`: a quoted string is never parsed as an operator.
        Backend::Sqlite => terms.iter().map(|t| format!("\"{t}\"*")).collect::<Vec<_>>().join(" "),
        // `word:*` for to_tsquery, which also stems each word.
        Backend::Postgres => terms.iter().map(|t| format!("{t}:*")).collect::<Vec<_>>().join(" & "),
    }
}

/// Joins the search index to `courses c`: only matches with an id of at
/// least `from_id`, and with `ranked`, their rank too.
pub fn push_fts_join(sql: &mut Sql, backend: Backend, fts: &str, ranked: bool, from_id: Option<i64>) {
    match backend {
        Backend::Sqlite => {
            // bm25 reads every match's sizes: skip it when it is not needed,
            // and let FTS5 skip older rows by rowid before computing it.
            sql.push("JOIN (SELECT rowid AS id");
            if ranked {
                sql.push(", ").push(SQLITE_RANK).push(" AS rank");
            }
            sql.push(" FROM course_search WHERE course_search MATCH ").bind(Arg::Text(fts.to_string()));
            if let Some(from_id) = from_id {
                sql.push(" AND rowid >= ").bind(Arg::Int(from_id));
            }
            sql.push(") fts ON fts.id = c.id ");
        }
        Backend::Postgres => {
            sql.push("CROSS JOIN to_tsquery('english', ").bind(Arg::Text(fts.to_string())).push(") tsq ");
        }
    }
}

/// SQLite's index holds exactly the published courses, so a search with no
/// other filter needs no course row to find its newest `limit` matches.
/// `None` where the backend has no such index.
pub fn newest_in_index(backend: Backend, fts: &str, limit: i64) -> Option<Sql> {
    match backend {
        Backend::Sqlite => {
            let mut sql = Sql::new("SELECT rowid FROM course_search WHERE course_search MATCH ");
            sql.bind(Arg::Text(fts.to_string())).push(" ORDER BY rowid DESC LIMIT ").bind(Arg::Int(limit));
            Some(sql)
        }
        Backend::Postgres => None,
    }
}

/// The page of an unfiltered search by relevance, ranked inside SQLite's
/// index over the matches from `from_id` on: only the page's few courses
/// are read. `None` where the backend has no such index.
pub fn index_only_page(backend: Backend, fts: &str, from_id: i64, limit: i64, offset: i64) -> Option<Sql> {
    match backend {
        Backend::Sqlite => {
            let mut page = Sql::new(CARD_COLUMNS);
            page.push("FROM (SELECT rowid AS id, ")
                .push(SQLITE_RANK)
                .push(" AS rank FROM course_search WHERE course_search MATCH ")
                .bind(Arg::Text(fts.to_string()))
                .push(" AND rowid >= ")
                .bind(Arg::Int(from_id))
                .push(" ORDER BY rank, rowid LIMIT ")
                .bind(Arg::Int(limit))
                .push(" OFFSET ")
                .bind(Arg::Int(offset))
                .push(
                    ") fts JOIN courses c ON c.id = fts.id JOIN categories cat ON cat.id = c.category_id \
                     ORDER BY fts.rank, fts.id",
                );
            Some(page)
        }
        Backend::Postgres => None,
    }
}

/// The rank of course `c`, higher is better, where it is cheap enough to
/// compute for every course in the window while finding it: PostgreSQL's
/// ts_rank reads only the row's own tsvector. SQLite's bm25 is computed by
/// the index for every match it returns, so it ranks after the window is
/// known ([`index_only_page`], [`push_fts_join`] with a lower bound).
pub fn rank_while_walking(backend: Backend) -> Option<&'static str> {
    match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some("ts_rank(c.search, tsq)"),
    }
}

/// The condition that keeps only matching courses, where the join alone does not.
pub fn fts_condition(backend: Backend) -> Option<&'static str> {
    match backend {
        Backend::Sqlite => None,
        // In WHERE, so the planner can answer it from the GIN index.
        Backend::Postgres => Some(" AND c.search @@ tsq"),
    }
}

/// ORDER BY expression for relevance, best first.
pub fn rank_order(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "fts.rank",
        Backend::Postgres => "ts_rank(c.search, tsq) DESC",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_term_is_a_quoted_prefix_on_sqlite() {
        let terms = ["cloud".to_string(), "near".to_string()];
        assert_eq!(fts_query(Backend::Sqlite, &terms), "\"cloud\"* \"near\"*");
    }

    #[test]
    fn every_term_is_a_prefix_on_postgres() {
        let terms = ["cloud".to_string(), "sec".to_string()];
        assert_eq!(fts_query(Backend::Postgres, &terms), "cloud:* & sec:*");
    }
}
