//! Dynamic SQL built once for both backends. Placeholders are written `$n`,
//! which PostgreSQL and SQLite (through sqlx) both accept, and the bound
//! values are kept as typed [`Arg`]s until the backend is known.

use super::db::{Conn, Db, Tx, with_conn, with_pool, with_tx};
use chrono::{DateTime, Utc};

/// `text` for a `LIKE` pattern: its own `%`, `_` and `\` match themselves.
pub fn like_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Binds every argument, in order, to a query of any of sqlx's kinds.
macro_rules! bind_all {
    ($query:expr, $args:expr) => {{
        let mut query = $query;
        for arg in $args {
            query = match arg {
                Arg::Text(text) => query.bind(text.as_str()),
                Arg::Int(n) => query.bind(*n),
                Arg::Time(time) => query.bind(*time),
                Arg::NullInt => query.bind(None::<i64>),
            };
        }
        query
    }};
}

#[derive(Clone, Debug)]
pub enum Arg {
    Text(String),
    Int(i64),
    Time(DateTime<Utc>),
    /// An integer column's NULL.
    NullInt,
}

#[derive(Clone, Debug, Default)]
pub struct Sql {
    text: String,
    args: Vec<Arg>,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Self { text: text.to_string(), args: Vec::new() }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `arg`.
    pub fn bind(&mut self, arg: Arg) -> &mut Self {
        self.args.push(arg);
        self.text.push('$');
        self.text.push_str(&self.args.len().to_string());
        self
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Runs the statement and decodes every row as `T`.
    pub async fn fetch_all<T>(&self, db: &Db) -> Result<Vec<T>, sqlx::Error>
    where
        T: Send + Unpin + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>,
        T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    {
        with_pool!(db, |pool| { bind_all!(sqlx::query_as::<_, T>(&self.text), &self.args).fetch_all(pool).await })
    }

    /// Runs a statement for its effect; returns the number of rows changed.
    pub async fn execute(&self, db: &Db) -> Result<u64, sqlx::Error> {
        with_pool!(db, |pool| {
            bind_all!(sqlx::query(&self.text), &self.args).execute(pool).await.map(|done| done.rows_affected())
        })
    }

    /// Like [`Sql::fetch_all`], inside a transaction.
    pub async fn fetch_all_in<T>(&self, tx: &mut Tx) -> Result<Vec<T>, sqlx::Error>
    where
        T: Send + Unpin + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>,
        T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    {
        with_tx!(tx, |c| bind_all!(sqlx::query_as::<_, T>(&self.text), &self.args).fetch_all(c).await)
    }

    /// Like [`Sql::execute`], inside a transaction.
    pub async fn execute_in(&self, tx: &mut Tx) -> Result<u64, sqlx::Error> {
        with_tx!(tx, |c| bind_all!(sqlx::query(&self.text), &self.args)
            .execute(c)
            .await
            .map(|done| done.rows_affected()))
    }

    /// Like [`Sql::fetch_all`], on a connection already taken.
    pub async fn fetch_all_on<T>(&self, conn: &mut Conn) -> Result<Vec<T>, sqlx::Error>
    where
        T: Send + Unpin + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>,
        T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    {
        with_conn!(conn, |c| bind_all!(sqlx::query_as::<_, T>(&self.text), &self.args).fetch_all(c).await)
    }

    /// Runs a statement that returns one row of `n` integers (sums, counts).
    pub async fn fetch_row_of_counts_on(&self, conn: &mut Conn, n: usize) -> Result<Vec<i64>, sqlx::Error> {
        use sqlx::Row;
        with_conn!(conn, |c| {
            let row = bind_all!(sqlx::query(&self.text), &self.args).fetch_one(c).await?;
            (0..n).map(|i| row.try_get::<i64, _>(i)).collect()
        })
    }

    /// Runs a statement that returns one integer, such as `COUNT(*)`.
    pub async fn fetch_count_on(&self, conn: &mut Conn) -> Result<i64, sqlx::Error> {
        with_conn!(conn, |c| bind_all!(sqlx::query_scalar::<_, i64>(&self.text), &self.args).fetch_one(c).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        let mut sql = Sql::new("SELECT 1 WHERE a = ");
        sql.bind(Arg::Int(1)).push(" AND b = ").bind(Arg::Text("x".into()));
        assert_eq!(sql.text(), "SELECT 1 WHERE a = $1 AND b = $2");
        assert_eq!(sql.args.len(), 2);
    }
}
