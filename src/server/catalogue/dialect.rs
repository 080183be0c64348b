//! Full-text search SQL, the part of the catalogue that differs by backend:
//! FTS5 with bm25 on SQLite, a weighted tsvector with a GIN index on
//! PostgreSQL. Another backend adds its arm here.

use crate::server::db::Backend;
use crate::server::sql::{Arg, Sql};

/// bm25 on SQLite (lower is better). Column weights: title, summary,
/// description, outcomes, category.
const SQLITE_BM25: &str = "bm25(course_search, 10.0, 5.0, 1.0, 2.0, 6.0)";

/// How much one word found in a title or a category outweighs the text
/// rank: more than any bm25 or ts_rank a course description reaches, so
/// such courses always come first, the more of the words the better, and
/// the text rank orders courses that tie.
const STRONG: &str = "1000.0";

/// A search as the backend's full-text engine reads it, built from search
/// words (letters and digits only): the query that finds the matches, and
/// one query per word that finds it in a title or a category.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fts {
    pub matches: String,
    pub strong: Vec<String>,
}

/// How a search's words must match, from the narrowest: a search tries
/// each in turn until one finds something.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Matching {
    /// Every word, as a word (stemmed: "securing" finds "security").
    Words,
    /// Every word, as a word or the start of one ("kube", "secu"). Not
    /// first: both engines stem a prefix too, so "aws" would also find
    /// "award" and "excel" "excellence".
    Prefixes,
    /// Any of the words, as a word or the start of one.
    AnyPrefix,
}

/// The search for `terms`, matched as `matching` says.
pub fn fts(backend: Backend, terms: &[String], matching: Matching) -> Fts {
    let prefix = matching != Matching::Words;
    let any = matching == Matching::AnyPrefix;
    match backend {
        // `"word"*`: a quoted string is never parsed as an operator.
        Backend::Sqlite => {
            let star = if prefix { "*" } else { "" };
            let words: Vec<String> = terms.iter().map(|t| format!("\"{t}\"{star}")).collect();
            Fts {
                strong: words.iter().map(|w| format!("{{title category}} : {w}")).collect(),
                matches: words.join(if any { " OR " } else { " " }),
            }
        }
        // to_tsquery stems each word; `:*` a prefix, `A` only where the
        // document weighs it A (title and category).
        Backend::Postgres => {
            let star = if prefix { ":*" } else { "" };
            Fts {
                matches: terms.iter().map(|t| format!("{t}{star}")).collect::<Vec<_>>().join(if any {
                    " | "
                } else {
                    " & "
                }),
                strong: terms.iter().map(|t| format!("{t}{}", if prefix { ":*A" } else { ":A" })).collect(),
            }
        }
    }
}

/// The rank of a match. On SQLite, inside a query of `course_search`
/// (lower is better); on PostgreSQL, of course `c` against `tsq` (higher
/// is better).
pub fn push_rank(sql: &mut Sql, backend: Backend, fts: &Fts) {
    match backend {
        Backend::Sqlite => {
            sql.push(SQLITE_BM25);
            for strong in &fts.strong {
                sql.push(" - ")
                    .push(STRONG)
                    .push(" * (rowid IN (SELECT rowid FROM course_search WHERE course_search MATCH ")
                    .bind(Arg::Text(strong.clone()))
                    .push("))");
            }
        }
        Backend::Postgres => {
            sql.push("ts_rank(c.search, tsq)");
            for strong in &fts.strong {
                sql.push(" + ")
                    .push(STRONG)
                    .push(" * (c.search @@ to_tsquery('english', ")
                    .bind(Arg::Text(strong.clone()))
                    .push("))::int");
            }
        }
    }
}

/// Joins the search index to `courses c`: only matches with an id of at
/// least `from_id`, and with `ranked`, their rank too.
pub fn push_fts_join(sql: &mut Sql, backend: Backend, fts: &Fts, ranked: bool, from_id: Option<i64>) {
    match backend {
        Backend::Sqlite => {
            // bm25 reads every match's sizes: skip it when it is not needed,
            // and let FTS5 skip older rows by rowid before computing it.
            sql.push("JOIN (SELECT rowid AS id");
            if ranked {
                sql.push(", ");
                push_rank(sql, backend, fts);
                sql.push(" AS rank");
            }
            sql.push(" FROM course_search WHERE course_search MATCH ").bind(Arg::Text(fts.matches.clone()));
            if let Some(from_id) = from_id {
                sql.push(" AND rowid >= ").bind(Arg::Int(from_id));
            }
            sql.push(") fts ON fts.id = c.id ");
        }
        Backend::Postgres => {
            sql.push("CROSS JOIN to_tsquery('english', ").bind(Arg::Text(fts.matches.clone())).push(") tsq ");
        }
    }
}

/// SQLite's index holds exactly the published courses, so a search with no
/// other filter needs no course row to find its newest `limit` matches.
/// `None` where the backend has no such index.
pub fn newest_in_index(backend: Backend, fts: &Fts, limit: i64) -> Option<Sql> {
    match backend {
        Backend::Sqlite => {
            let mut sql = Sql::new("SELECT rowid FROM course_search WHERE course_search MATCH ");
            sql.bind(Arg::Text(fts.matches.clone())).push(" ORDER BY rowid DESC LIMIT ").bind(Arg::Int(limit));
            Some(sql)
        }
        Backend::Postgres => None,
    }
}

/// Whether the page of an unfiltered search by relevance can be ranked
/// inside the search index ([`push_index_page`]): SQLite's index holds
/// exactly the published courses.
pub fn ranks_in_index(backend: Backend) -> bool {
    matches!(backend, Backend::Sqlite)
}

/// `(SELECT id, rank ...) fts`: the page of an unfiltered search by
/// relevance, ranked inside SQLite's index over the matches from `from_id`
/// on, so only the page's few courses are read. Only where
/// [`ranks_in_index`].
pub fn push_index_page(sql: &mut Sql, backend: Backend, fts: &Fts, from_id: i64, limit: i64, offset: i64) {
    debug_assert!(ranks_in_index(backend));
    sql.push("(SELECT rowid AS id, ");
    push_rank(sql, backend, fts);
    sql.push(" AS rank FROM course_search WHERE course_search MATCH ")
        .bind(Arg::Text(fts.matches.clone()))
        .push(" AND rowid >= ")
        .bind(Arg::Int(from_id))
        .push(" ORDER BY rank, rowid LIMIT ")
        .bind(Arg::Int(limit))
        .push(" OFFSET ")
        .bind(Arg::Int(offset))
        .push(") fts ");
}

/// Joins `ns`, the first session of course `c` among those `filter`
/// pushes as `FROM course_sessions s WHERE ...` that has a seat left, or
/// the first of them when every one is full (by start, then id), or NULLs.
/// So a course shows as full only when all its dates are. A course has a
/// handful of upcoming sessions: ordering them is cheap.
/// SQLite has no LATERAL; its planner looks the subquery's id up by key.
pub fn push_first_session_join(sql: &mut Sql, backend: Backend, filter: impl FnOnce(&mut Sql)) {
    const ORDER: &str = " ORDER BY s.seats_taken >= s.capacity, s.starts_at, s.id LIMIT 1";
    match backend {
        Backend::Sqlite => {
            sql.push("LEFT JOIN course_sessions ns ON ns.id = (SELECT s.id ");
            filter(sql);
            sql.push(ORDER).push(") ");
        }
        Backend::Postgres => {
            sql.push("LEFT JOIN LATERAL (SELECT s.* ");
            filter(sql);
            sql.push(ORDER).push(") ns ON true ");
        }
    }
}

/// Whether the rank ([`push_rank`]) of course `c` is cheap enough to
/// compute for every course in the window while finding it: PostgreSQL's
/// ranks read only the row's own tsvector. SQLite's bm25 is computed by the
/// index for every match it returns, so it ranks after the window is known
/// ([`push_index_page`], [`push_fts_join`] with a lower bound).
pub fn ranks_while_walking(backend: Backend) -> bool {
    matches!(backend, Backend::Postgres)
}

/// The condition that keeps only matching courses, where the join alone does not.
pub fn fts_condition(backend: Backend) -> Option<&'static str> {
    match backend {
        Backend::Sqlite => None,
        // In WHERE, so the planner can answer it from the GIN index.
        Backend::Postgres => Some(" AND c.search @@ tsq"),
    }
}

/// Pushes the ORDER BY expression for relevance, best first.
pub fn push_rank_order(sql: &mut Sql, backend: Backend, fts: &Fts) {
    match backend {
        Backend::Sqlite => {
            sql.push("fts.rank");
        }
        Backend::Postgres => {
            sql.push("(");
            push_rank(sql, backend, fts);
            sql.push(") DESC");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_term_is_a_quoted_prefix_on_sqlite() {
        let terms = ["cloud".to_string(), "near".to_string()];
        let words = fts(Backend::Sqlite, &terms, Matching::Words);
        assert_eq!(words.matches, "\"cloud\" \"near\"");
        assert_eq!(words.strong, ["{title category} : \"cloud\"", "{title category} : \"near\""]);
        let every = fts(Backend::Sqlite, &terms, Matching::Prefixes);
        assert_eq!(every.matches, "\"cloud\"* \"near\"*");
        assert_eq!(every.strong, ["{title category} : \"cloud\"*", "{title category} : \"near\"*"]);
        assert_eq!(fts(Backend::Sqlite, &terms, Matching::AnyPrefix).matches, "\"cloud\"* OR \"near\"*");
    }

    #[test]
    fn every_term_is_a_prefix_on_postgres() {
        let terms = ["cloud".to_string(), "sec".to_string()];
        let words = fts(Backend::Postgres, &terms, Matching::Words);
        assert_eq!(
            (words.matches.as_str(), words.strong),
            ("cloud & sec", vec!["cloud:A".to_string(), "sec:A".into()])
        );
        let every = fts(Backend::Postgres, &terms, Matching::Prefixes);
        assert_eq!(every.matches, "cloud:* & sec:*");
        assert_eq!(every.strong, ["cloud:*A", "sec:*A"]);
        assert_eq!(fts(Backend::Postgres, &terms, Matching::AnyPrefix).matches, "cloud:* | sec:*");
    }

    #[test]
    fn each_word_in_a_title_or_category_is_bound_not_written() {
        let terms = ["cloud".to_string(), "sec".to_string()];
        let mut sqlite = Sql::new("");
        push_index_page(&mut sqlite, Backend::Sqlite, &fts(Backend::Sqlite, &terms, Matching::Prefixes), 1, 10, 0);
        // The words twice (in title or category), the match, the lower bound, limit and offset.
        assert_eq!(sqlite.text().matches('$').count(), 6, "{}", sqlite.text());
        let mut postgres = Sql::new("");
        push_rank_order(&mut postgres, Backend::Postgres, &fts(Backend::Postgres, &terms, Matching::Prefixes));
        assert_eq!(postgres.text().matches('$').count(), 2, "{}", postgres.text());
        for sql in [sqlite, postgres] {
            assert!(!sql.text().contains("cloud") && !sql.text().contains("sec"), "{}", sql.text());
        }
    }
}
