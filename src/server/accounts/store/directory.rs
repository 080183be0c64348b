//! The SQL of the administrators' directory of accounts: finding people,
//! and the writes of a role change, a deactivation and a reactivation.
//! Every statement reads the same on both backends.

use crate::model::account::Role;
use crate::server::db::{Conn, Tx, with_tx};
use crate::server::sql::like_pattern;
use crate::server::sql::{Arg, Sql};
use chrono::{DateTime, Utc};

/// An account as the directory lists it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DirectoryRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub deactivated_at: Option<DateTime<Utc>>,
}

/// The filter of the list: words of a name or address, and a role.
pub struct Search<'a> {
    pub q: &'a str,
    pub role: Option<Role>,
    pub offset: i64,
    pub limit: i64,
}

/// A page of the live accounts matching `search`, by name, and how many
/// match in all. The search is a substring match on the name and the
/// address (`LIKE '%…%'`, which no index serves): the academy's accounts
/// are few enough for a scan, and people search by any part of either.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn search(conn: &mut Conn, search: &Search<'_>) -> Result<(Vec<DirectoryRow>, i64), sqlx::Error> {
    let filter = |sql: &mut Sql| {
        sql.push(" FROM users WHERE deleted_at IS NULL");
        if !search.q.trim().is_empty() {
            let pattern = like_pattern(search.q);
            sql.push(" AND (lower(name) LIKE ").bind(Arg::Text(pattern.clone())).push(" ESCAPE '\\'");
            sql.push(" OR email LIKE ").bind(Arg::Text(pattern)).push(" ESCAPE '\\')");
        }
        if let Some(role) = search.role {
            sql.push(" AND role = ").bind(Arg::Text(role.as_str().into()));
        }
    };
    let mut count = Sql::new("SELECT COUNT(*)");
    filter(&mut count);
    let mut list = Sql::new("SELECT id, name, email, role, deactivated_at");
    filter(&mut list);
    list.push(&format!(" ORDER BY lower(name), id LIMIT {} OFFSET {}", search.limit, search.offset.max(0)));
    let total = count.fetch_count_on(conn).await?;
    let rows = list.fetch_all_on(conn).await?;
    Ok((rows, total))
}

/// Locks the rows of every active administrator and counts them. Every
/// write that could take the academy's last administrator away starts
/// here, so two of them queue (PostgreSQL locks the rows; SQLite's writer
/// lock is taken already), and the second counts after the first's change.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn lock_active_admins(tx: &mut Tx) -> Result<u64, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE users SET role = role
             WHERE role = 'admin' AND deleted_at IS NULL AND deactivated_at IS NULL",
        )
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })
}

/// The role and state of a live account, read in the write's transaction.
#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
pub async fn standing(tx: &mut Tx, user_id: i64) -> Result<Option<DirectoryRow>, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query_as("SELECT id, name, email, role, deactivated_at FROM users WHERE id = $1 AND deleted_at IS NULL")
            .bind(user_id)
            .fetch_optional(conn)
            .await
    })
}

#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
pub async fn set_role(tx: &mut Tx, user_id: i64, role: Role, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query("UPDATE users SET role = $1, updated_at = $2 WHERE id = $3 AND deleted_at IS NULL")
            .bind(role)
            .bind(now)
            .bind(user_id)
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
    })
}

/// Deactivates a live, active account, or reactivates a deactivated one
/// (`at` `None`); whether it did. Of two at once, the second finds the
/// account changed and does nothing.
#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
pub async fn set_deactivated(
    tx: &mut Tx,
    user_id: i64,
    at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let sql = match at {
        Some(_) => {
            "UPDATE users SET deactivated_at = $1, updated_at = $2
             WHERE id = $3 AND deleted_at IS NULL AND deactivated_at IS NULL"
        }
        None => {
            "UPDATE users SET deactivated_at = $1, updated_at = $2
             WHERE id = $3 AND deleted_at IS NULL AND deactivated_at IS NOT NULL"
        }
    };
    with_tx!(tx, |conn| {
        sqlx::query(sql).bind(at).bind(now).bind(user_id).execute(conn).await.map(|done| done.rows_affected() == 1)
    })
}

/// Ends every session of the account, wherever it was opened.
#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
pub async fn end_sessions(tx: &mut Tx, user_id: i64) -> Result<u64, sqlx::Error> {
    super::end_other_sessions(tx, user_id, None).await
}

/// How many seats and waitlist places the account holds in sessions not
/// yet over.
#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
pub async fn live_enrolments(conn: &mut Conn, user_id: i64, now: DateTime<Utc>) -> Result<i64, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT COUNT(*) FROM enrolments e JOIN course_sessions s ON s.id = e.session_id
         WHERE e.status <> 'cancelled' AND e.user_id = ",
    );
    sql.bind(Arg::Int(user_id)).push(" AND s.ends_at > ").bind(Arg::Time(now));
    sql.fetch_count_on(conn).await
}
