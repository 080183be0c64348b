//! The SQL of enquiries. Every statement reads the same on both backends;
//! the inbox's filters are put together with [`Sql`], each one bound.

use crate::model::enquiry::{EnquiryStatus, NoteKind};
use crate::server::db::{Db, Tx, with_pool, with_tx};
use crate::server::sql::{Arg, Sql};
use chrono::{DateTime, Utc};

/// A course one can ask about: published, not archived.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Offered {
    pub id: i64,
    pub slug: String,
    pub title: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn offered_courses(db: &Db) -> Result<Vec<Offered>, sqlx::Error> {
    with_pool!(db, |pool| {
        sqlx::query_as("SELECT id, slug, title FROM courses WHERE published AND NOT archived ORDER BY title, id")
            .fetch_all(pool)
            .await
    })
}

/// The live account with the address `email` (lower-cased), if any.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn account_with(tx: &mut Tx, email: &str) -> Result<Option<i64>, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1 AND deleted_at IS NULL")
            .bind(email)
            .fetch_optional(conn)
            .await
    })
}

pub struct NewRow<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub phone_enc: Option<&'a str>,
    pub course_id: Option<i64>,
    pub message: &'a str,
    pub user_id: Option<i64>,
    pub thread_token: &'a str,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert(tx: &mut Tx, new: &NewRow<'_>, now: DateTime<Utc>) -> Result<i64, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query_scalar(
            "INSERT INTO enquiries (name, email, phone_enc, course_id, message, user_id, thread_token, created_at,
                                    updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
             RETURNING id",
        )
        .bind(new.name)
        .bind(new.email)
        .bind(new.phone_enc)
        .bind(new.course_id)
        .bind(new.message)
        .bind(new.user_id)
        .bind(new.thread_token)
        .bind(now)
        .fetch_one(conn)
        .await
    })
}

/// An enquiry as stored, with the names its ids stand for.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EnquiryRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub phone_enc: Option<String>,
    pub course_slug: Option<String>,
    pub course_title: Option<String>,
    pub message: String,
    pub status: EnquiryStatus,
    pub assignee_id: Option<i64>,
    pub user_id: Option<i64>,
    pub thread_token: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
}

const ENQUIRY: &str = "SELECT e.id, e.name, e.email, e.phone_enc, c.slug AS course_slug, c.title AS course_title,
            e.message, e.status, e.assignee_id, e.user_id, e.thread_token, e.version, e.created_at
     FROM enquiries e LEFT JOIN courses c ON c.id = e.course_id";

#[tracing::instrument(level = "debug", skip_all)]
pub async fn enquiry(db: &Db, id: i64) -> Result<Option<EnquiryRow>, sqlx::Error> {
    let sql = format!("{ENQUIRY} WHERE e.id = $1");
    with_pool!(db, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)
}

/// The enquiry `id`, read inside the transaction that changes it.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn enquiry_in(tx: &mut Tx, id: i64) -> Result<Option<EnquiryRow>, sqlx::Error> {
    let sql = format!("{ENQUIRY} WHERE e.id = $1");
    with_tx!(tx, |conn| sqlx::query_as(&sql).bind(id).fetch_optional(conn).await)
}

/// Every enquiry sent from the account `user_id` or from the address
/// `email`, oldest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn of_person(db: &Db, user_id: i64, email: &str) -> Result<Vec<EnquiryRow>, sqlx::Error> {
    let sql = format!("{ENQUIRY} WHERE e.user_id = $1 OR e.email = $2 ORDER BY e.created_at, e.id");
    with_pool!(db, |pool| sqlx::query_as(&sql).bind(user_id).bind(email).fetch_all(pool).await)
}

/// Sets the status and the assignee of an enquiry, if it is still at
/// `version`; whether it was. The version moves on with every change, so
/// of two people who read the same version, the second to save changes
/// nothing.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_state(
    tx: &mut Tx,
    id: i64,
    version: i64,
    status: EnquiryStatus,
    assignee_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE enquiries SET status = $3, assignee_id = $4, version = version + 1, updated_at = $5
             WHERE id = $1 AND version = $2",
        )
        .bind(id)
        .bind(version)
        .bind(status)
        .bind(assignee_id)
        .bind(now)
        .execute(conn)
        .await
        .map(|done| done.rows_affected() == 1)
    })
}

/// A note or a reply to an enquiry.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct NoteRow {
    pub kind: NoteKind,
    pub author: Option<String>,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn add_note(
    tx: &mut Tx,
    enquiry_id: i64,
    kind: NoteKind,
    author_id: i64,
    body: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO enquiry_notes (enquiry_id, kind, author_id, body, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(enquiry_id)
        .bind(kind)
        .bind(author_id)
        .bind(body)
        .bind(now)
        .execute(conn)
        .await
        .map(|_| ())
    })
}

/// The notes and replies of an enquiry, oldest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn notes(db: &Db, enquiry_id: i64) -> Result<Vec<NoteRow>, sqlx::Error> {
    with_pool!(db, |pool| {
        sqlx::query_as(
            "SELECT n.kind, u.name AS author, n.body, n.created_at
             FROM enquiry_notes n LEFT JOIN users u ON u.id = n.author_id
             WHERE n.enquiry_id = $1 ORDER BY n.created_at, n.id",
        )
        .bind(enquiry_id)
        .fetch_all(pool)
        .await
    })
}

/// The people enquiries can be assigned to: staff and admins, by name.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn staff(db: &Db) -> Result<Vec<(i64, String)>, sqlx::Error> {
    with_pool!(db, |pool| {
        sqlx::query_as(
            "SELECT id, name FROM users WHERE role IN ('staff', 'admin') AND deleted_at IS NULL ORDER BY name, id",
        )
        .fetch_all(pool)
        .await
    })
}

/// Removes the enquiries (and with them their notes) sent from the account
/// `user_id` or from the address `email`, in the transaction that deletes
/// the account. Their entries in the audit trail stay: they name the
/// enquiry by its number and hold nothing of what it said.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn forget_in(tx: &mut Tx, user_id: i64, email: &str) -> Result<u64, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query("DELETE FROM enquiries WHERE user_id = $1 OR email = $2")
            .bind(user_id)
            .bind(email)
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
    })
}

/// Which enquiries the inbox lists: each filter that is set narrows it.
#[derive(Debug, Default)]
pub struct Filter<'a> {
    pub status: Option<EnquiryStatus>,
    /// `Some(None)`: assigned to nobody.
    pub assignee: Option<Option<i64>>,
    pub course: Option<&'a str>,
    /// Words each found in the name, the address or the message.
    pub words: Vec<String>,
}

/// One line of the inbox.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct InboxRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub course_title: Option<String>,
    pub status: EnquiryStatus,
    pub assignee_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// `word` as a `LIKE` pattern that finds it anywhere, its own `%`, `_`
/// and `\` taken literally.
fn contains(word: &str) -> String {
    let mut pattern = String::from("%");
    for c in word.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// `WHERE ...` of `filter`, appended to `sql`.
fn push_filter(sql: &mut Sql, filter: &Filter<'_>) {
    sql.push(" WHERE 1 = 1");
    if let Some(status) = filter.status {
        sql.push(" AND e.status = ").bind(Arg::Text(status.as_str().into()));
    }
    match filter.assignee {
        Some(Some(id)) => {
            sql.push(" AND e.assignee_id = ").bind(Arg::Int(id));
        }
        Some(None) => {
            sql.push(" AND e.assignee_id IS NULL");
        }
        None => {}
    }
    if let Some(slug) = filter.course {
        sql.push(" AND c.slug = ").bind(Arg::Text(slug.into()));
    }
    for word in &filter.words {
        let pattern = contains(word);
        sql.push(" AND (LOWER(e.name) LIKE ").bind(Arg::Text(pattern.clone()));
        sql.push(" ESCAPE '\\' OR e.email LIKE ").bind(Arg::Text(pattern.clone()));
        sql.push(" ESCAPE '\\' OR LOWER(e.message) LIKE ").bind(Arg::Text(pattern));
        sql.push(" ESCAPE '\\')");
    }
}

const FROM: &str =
    " FROM enquiries e LEFT JOIN courses c ON c.id = e.course_id LEFT JOIN users a ON a.id = e.assignee_id";

/// One page of the enquiries `filter` lets through, newest first, and how
/// many it lets through in all.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(db: &Db, filter: &Filter<'_>, limit: i64, offset: i64) -> Result<(Vec<InboxRow>, i64), sqlx::Error> {
    let mut page = Sql::new(
        "SELECT e.id, e.name, e.email, c.title AS course_title, e.status, a.name AS assignee_name, e.created_at",
    );
    page.push(FROM);
    push_filter(&mut page, filter);
    page.push(" ORDER BY e.created_at DESC, e.id DESC LIMIT ").bind(Arg::Int(limit));
    page.push(" OFFSET ").bind(Arg::Int(offset));
    let mut total = Sql::new("SELECT COUNT(*)");
    total.push(FROM);
    push_filter(&mut total, filter);
    let mut conn = db.acquire().await?;
    let rows = page.fetch_all_on(&mut conn).await?;
    Ok((rows, total.fetch_count_on(&mut conn).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_words_are_taken_literally() {
        assert_eq!(contains("Ann"), "%ann%");
        assert_eq!(contains("50%_off\\"), "%50\\%\\_off\\\\%");
    }

    #[test]
    fn every_filter_is_bound() {
        let filter = Filter {
            status: Some(EnquiryStatus::New),
            assignee: Some(None),
            course: Some("cloud-101"),
            words: vec!["o'brien".into()],
        };
        let mut sql = Sql::new("SELECT 1");
        push_filter(&mut sql, &filter);
        let text = sql.text();
        assert!(text.contains("e.status = $1") && text.contains("e.assignee_id IS NULL"), "{text}");
        assert!(text.contains("c.slug = $2") && text.contains("LOWER(e.message) LIKE $5"), "{text}");
        assert!(!text.contains("o'brien") && !text.contains("cloud-101"), "{text}");
    }
}
