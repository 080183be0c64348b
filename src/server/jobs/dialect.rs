//! The job SQL that differs by backend: how a batch of due jobs is claimed
//! so that two workers never take the same one. Another backend adds its
//! arm here.

use crate::server::db::Backend;
use crate::server::sql::{Arg, Sql};
use chrono::{DateTime, Utc};

/// Claims up to `limit` jobs due at `now` for `worker` until `until`, in one
/// statement, returning `id, kind, payload, attempts, max_attempts`.
///
/// Jobs under a lapsed lease come first (they are the oldest work), then
/// queued jobs by `run_at`. Each half reads its own partial index in order
/// and stops at `limit`, so a claim costs the same with a long backlog.
///
/// - PostgreSQL: each half locks its rows `FOR UPDATE SKIP LOCKED`, so
///   concurrent claims pass each other's rows by; a row another worker
///   claimed since this statement's snapshot is re-checked against the
///   condition on its new version and dropped.
/// - SQLite: one writer at a time, for the whole statement (it takes the
///   write lock before reading), so no other claim can interleave.
pub fn claim(
    backend: Backend,
    worker: &str,
    kinds: &[String],
    until: DateTime<Utc>,
    now: DateTime<Utc>,
    limit: i64,
) -> Sql {
    let lock = match backend {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let mut sql = Sql::new("UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_by = ");
    sql.bind(Arg::Text(worker.to_string()))
        .push(", locked_until = ")
        .bind(Arg::Time(until))
        .push(
            " WHERE id IN (SELECT id FROM (\
             SELECT id FROM (SELECT id FROM jobs WHERE status = 'running' AND locked_until < ",
        )
        .bind(Arg::Time(now));
    of_kinds(&mut sql, kinds);
    sql.push(" ORDER BY locked_until LIMIT ")
        .bind(Arg::Int(limit))
        .push(lock)
        .push(
            ") lapsed UNION ALL \
             SELECT id FROM (SELECT id FROM jobs WHERE status = 'queued' AND run_at <= ",
        )
        .bind(Arg::Time(now));
    of_kinds(&mut sql, kinds);
    sql.push(" ORDER BY run_at, id LIMIT ")
        .bind(Arg::Int(limit))
        .push(lock)
        .push(") due) picked LIMIT ")
        .bind(Arg::Int(limit))
        .push(") RETURNING id, kind, payload, attempts, max_attempts");
    sql
}

/// ` AND kind IN (...)`, unless every kind is wanted.
fn of_kinds(sql: &mut Sql, kinds: &[String]) {
    if kinds.is_empty() {
        return;
    }
    sql.push(" AND kind IN (");
    for (i, kind) in kinds.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind(Arg::Text(kind.clone()));
    }
    sql.push(")");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_postgres_locks_rows_and_skips_locked_ones() {
        let now = Utc::now();
        let pg = claim(Backend::Postgres, "w", &[], now, now, 8);
        assert_eq!(pg.text().matches("FOR UPDATE SKIP LOCKED").count(), 2);
        let sqlite = claim(Backend::Sqlite, "w", &[], now, now, 8);
        assert!(!sqlite.text().contains("FOR UPDATE"));
        assert_eq!(sqlite.text().matches('$').count(), 7);
        assert!(!sqlite.text().contains("kind IN"));
    }

    #[test]
    fn a_claim_of_some_kinds_names_each_in_both_halves() {
        let now = Utc::now();
        let kinds = ["a".to_string(), "b".to_string()];
        let sql = claim(Backend::Sqlite, "w", &kinds, now, now, 8);
        assert_eq!(sql.text().matches("kind IN ($").count(), 2);
        assert_eq!(sql.text().matches('$').count(), 11);
    }
}
