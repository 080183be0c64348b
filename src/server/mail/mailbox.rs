//! The development mailbox: mail kept in the database instead of sent.

use super::Mail;
use crate::model::mail::StoredMail;
use crate::server::db::{Db, Tx};
use crate::server::sql::{Arg, Sql};
use chrono::{DateTime, SecondsFormat, Utc};

/// Keeps `mail`, delivered by job `job_id`, inside the job's transaction.
/// A second delivery for the same job is ignored.
pub(super) async fn store(tx: &mut Tx, job_id: i64, mail: &Mail, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let mut sql =
        Sql::new("INSERT INTO mailbox (job_id, recipient, subject, text_body, html_body, created_at) VALUES (");
    sql.bind(Arg::Int(job_id))
        .push(", ")
        .bind(Arg::Text(mail.to.clone()))
        .push(", ")
        .bind(Arg::Text(mail.subject.clone()))
        .push(", ")
        .bind(Arg::Text(mail.text.clone()))
        .push(", ")
        .bind(Arg::Text(mail.html.clone()))
        .push(", ")
        .bind(Arg::Time(now))
        .push(") ON CONFLICT (job_id) DO NOTHING");
    sql.execute_in(tx).await.map(|_| ())
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    recipient: String,
    subject: String,
    text_body: String,
    created_at: DateTime<Utc>,
}

/// The newest `limit` messages, newest first, with their times in the
/// academy's zone `tz` (as the mail itself speaks of times).
pub async fn mailbox(db: &Db, limit: i64, tz: chrono_tz::Tz) -> Result<Vec<StoredMail>, sqlx::Error> {
    let mut sql = Sql::new("SELECT id, recipient, subject, text_body, created_at FROM mailbox ORDER BY id DESC LIMIT ");
    sql.bind(Arg::Int(limit.max(0)));
    let rows: Vec<Row> = sql.fetch_all(db).await?;
    Ok(rows
        .into_iter()
        .map(|row| StoredMail {
            id: row.id,
            to: row.recipient,
            subject: row.subject,
            text: row.text_body,
            sent_at: row.created_at.with_timezone(&tz).to_rfc3339_opts(SecondsFormat::Secs, true),
            sent_at_text: format!(
                "{} ({})",
                row.created_at.with_timezone(&tz).format("%-d %b %Y, %H:%M:%S"),
                crate::server::present::zone_label(tz)
            ),
        })
        .collect())
}
