//! The SQL of certificates.

use crate::server::db::{Db, Tx, with_pool, with_tx};
use chrono::{DateTime, NaiveDate, Utc};

/// A certificate as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CertificateRow {
    pub code: String,
    pub learner_name: String,
    pub course_title: String,
    pub course_slug: String,
    pub hours: i64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub issuer: String,
    pub issued_at: DateTime<Utc>,
    pub credential: String,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_reason: Option<String>,
}

const COLUMNS: &str = "code, learner_name, course_title, course_slug, hours, starts_on, ends_on, \
                       issuer, issued_at, credential, revoked_at, revoked_reason";

#[tracing::instrument(level = "debug", skip_all)]
pub async fn by_code(db: &Db, code: &str) -> Result<Option<CertificateRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM certificates WHERE code = $1");
    with_pool!(db, |pool| sqlx::query_as(&sql).bind(code).fetch_optional(pool).await)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn of_learner(db: &Db, user_id: i64) -> Result<Vec<CertificateRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM certificates WHERE user_id = $1 ORDER BY issued_at DESC, id DESC");
    with_pool!(db, |pool| sqlx::query_as(&sql).bind(user_id).fetch_all(pool).await)
}

/// The code of the certificate an enrolment earned, if any.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn code_of_enrolment(tx: &mut Tx, enrolment_id: i64) -> Result<Option<String>, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query_scalar("SELECT code FROM certificates WHERE enrolment_id = $1")
            .bind(enrolment_id)
            .fetch_optional(conn)
            .await
    })
}

/// What a certificate is issued from: the enrolment, its learner, session
/// and course.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Earned {
    pub enrolment_id: i64,
    pub user_id: i64,
    pub learner_name: String,
    pub learner_email: String,
    pub course_id: i64,
    pub course_slug: String,
    pub course_title: String,
    pub hours: i64,
    pub awards_certificate: bool,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn earned(tx: &mut Tx, enrolment_id: i64) -> Result<Option<Earned>, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT e.id AS enrolment_id, u.id AS user_id, u.name AS learner_name, u.email AS learner_email,
                    c.id AS course_id, c.slug AS course_slug, c.title AS course_title, c.duration_hours AS hours,
                    c.awards_certificate, s.starts_at, s.ends_at
             FROM enrolments e JOIN users u ON u.id = e.user_id
             JOIN course_sessions s ON s.id = e.session_id JOIN courses c ON c.id = s.course_id
             WHERE e.id = $1",
        )
        .bind(enrolment_id)
        .fetch_optional(conn)
        .await
    })
}

pub struct NewCertificate<'a> {
    pub code: &'a str,
    pub earned: &'a Earned,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub issuer: &'a str,
    pub issued_at: DateTime<Utc>,
    pub key_id: &'a str,
    pub credential: &'a str,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert(tx: &mut Tx, new: &NewCertificate<'_>) -> Result<i64, sqlx::Error> {
    let e = new.earned;
    with_tx!(tx, |conn| {
        sqlx::query_scalar(
            "INSERT INTO certificates (code, enrolment_id, user_id, course_id, learner_name, course_title, course_slug,
                                       hours, starts_on, ends_on, issuer, issued_at, key_id, credential)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
        )
        .bind(new.code)
        .bind(e.enrolment_id)
        .bind(e.user_id)
        .bind(e.course_id)
        .bind(&e.learner_name)
        .bind(&e.course_title)
        .bind(&e.course_slug)
        .bind(e.hours)
        .bind(new.starts_on)
        .bind(new.ends_on)
        .bind(new.issuer)
        .bind(new.issued_at)
        .bind(new.key_id)
        .bind(new.credential)
        .fetch_one(conn)
        .await
    })
}

/// Revokes a certificate that is not revoked yet; whether it was.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn revoke(tx: &mut Tx, code: &str, reason: &str, by: i64, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE certificates SET revoked_at = $3, revoked_reason = $2, revoked_by = $4
             WHERE code = $1 AND revoked_at IS NULL",
        )
        .bind(code)
        .bind(reason)
        .bind(now)
        .bind(by)
        .execute(conn)
        .await
        .map(|done| done.rows_affected() == 1)
    })
}
