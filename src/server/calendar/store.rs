//! The SQL of calendars: the sessions a calendar shows and the learners'
//! feed tokens.

use crate::model::enrolment::EnrolmentStatus;
use crate::server::db::{Db, with_pool};
use chrono::{DateTime, Utc};

/// A session as a calendar shows it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionEntry {
    pub id: i64,
    pub course_slug: String,
    pub course_title: String,
    pub course_summary: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub status: String,
    pub revision: i64,
    pub location_name: Option<String>,
    pub location_address: Option<String>,
    pub location_city: Option<String>,
    /// The learner's enrolment, in a learner's feed.
    pub enrolment_status: Option<EnrolmentStatus>,
}

const SELECT: &str = "SELECT s.id, c.slug AS course_slug, c.title AS course_title, c.summary AS course_summary,
        s.starts_at, s.ends_at, s.status, s.revision,
        l.name AS location_name, l.address AS location_address, l.city AS location_city";
const FROM: &str = " FROM course_sessions s JOIN courses c ON c.id = s.course_id
        LEFT JOIN locations l ON l.id = s.location_id";

/// A session of a published course.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn published_session(db: &Db, session_id: i64) -> Result<Option<SessionEntry>, sqlx::Error> {
    let sql = format!("{SELECT}, CAST(NULL AS TEXT) AS enrolment_status{FROM} WHERE s.id = $1 AND c.published");
    with_pool!(db, |pool| sqlx::query_as(&sql).bind(session_id).fetch_optional(pool).await)
}

/// The sessions in which the learner holds a seat or a waitlist place.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn of_learner(db: &Db, user_id: i64) -> Result<Vec<SessionEntry>, sqlx::Error> {
    let sql = format!(
        "{SELECT}, e.status AS enrolment_status{FROM} JOIN enrolments e ON e.session_id = s.id
         WHERE e.user_id = $1 AND e.status <> 'cancelled' ORDER BY s.starts_at, s.id"
    );
    with_pool!(db, |pool| sqlx::query_as(&sql).bind(user_id).fetch_all(pool).await)
}

/// The live, active account a feed token belongs to: a deactivated
/// account's feed answers as an unknown one until it is reactivated.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn feed_owner(db: &Db, token_hash: &str) -> Result<Option<i64>, sqlx::Error> {
    with_pool!(db, |pool| {
        sqlx::query_scalar(
            "SELECT u.id FROM calendar_feeds f JOIN users u ON u.id = f.user_id
             WHERE f.token_hash = $1 AND u.deleted_at IS NULL AND u.deactivated_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(pool)
        .await
    })
}

/// The sealed token of the learner's feed, if they have one.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn sealed_token(db: &Db, user_id: i64) -> Result<Option<String>, sqlx::Error> {
    with_pool!(db, |pool| {
        sqlx::query_scalar("SELECT token_sealed FROM calendar_feeds WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(pool)
            .await
    })
}

/// Gives the learner a feed token, replacing any earlier one.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn replace_token(
    db: &Db,
    user_id: i64,
    token_hash: &str,
    token_sealed: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    with_pool!(db, |pool| {
        sqlx::query(
            "INSERT INTO calendar_feeds (user_id, token_hash, token_sealed, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (user_id) DO UPDATE
             SET token_hash = excluded.token_hash, token_sealed = excluded.token_sealed, created_at = excluded.created_at",
        )
        .bind(user_id)
        .bind(token_hash)
        .bind(token_sealed)
        .bind(now)
        .execute(pool)
        .await
        .map(|_| ())
    })
}
