//! The SQL of webhook endpoints, deliveries and attempts.

use crate::server::db::{Db, Tx, with_pool, with_tx};
use chrono::{DateTime, Utc};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EndpointRow {
    pub id: i64,
    pub url: String,
    pub description: String,
    pub secret_sealed: String,
    pub previous_sealed: Option<String>,
    pub previous_until: Option<DateTime<Utc>>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub failing_since: Option<DateTime<Utc>>,
    pub version: i64,
}

const ENDPOINT: &str = "SELECT id, url, description, secret_sealed, previous_sealed, previous_until, enabled, \
     disabled_reason, disabled_at, failing_since, version FROM webhook_endpoints";

pub async fn endpoints(db: &Db) -> Result<Vec<EndpointRow>, sqlx::Error> {
    let sql = format!("{ENDPOINT} ORDER BY id");
    with_pool!(db, |pool| sqlx::query_as(&sql).fetch_all(pool).await)
}

pub async fn endpoint(db: &Db, id: i64) -> Result<Option<EndpointRow>, sqlx::Error> {
    let sql = format!("{ENDPOINT} WHERE id = $1");
    with_pool!(db, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)
}

pub async fn endpoint_in(tx: &mut Tx, id: i64) -> Result<Option<EndpointRow>, sqlx::Error> {
    let sql = format!("{ENDPOINT} WHERE id = $1");
    with_tx!(tx, |c| sqlx::query_as(&sql).bind(id).fetch_optional(c).await)
}

/// Every endpoint's event types, as (endpoint, type), in a fixed order.
pub async fn subscriptions(db: &Db) -> Result<Vec<(i64, String)>, sqlx::Error> {
    with_pool!(db, |pool| sqlx::query_as(
        "SELECT endpoint_id, event_type FROM webhook_subscriptions ORDER BY endpoint_id, event_type"
    )
    .fetch_all(pool)
    .await)
}

/// The event types of endpoint `id`, in order.
pub async fn events(db: &Db, id: i64) -> Result<Vec<String>, sqlx::Error> {
    with_pool!(db, |pool| sqlx::query_scalar(
        "SELECT event_type FROM webhook_subscriptions WHERE endpoint_id = $1 ORDER BY event_type"
    )
    .bind(id)
    .fetch_all(pool)
    .await)
}

/// The event types of endpoint `id`, in order, read in `tx`.
pub async fn events_in(tx: &mut Tx, id: i64) -> Result<Vec<String>, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query_scalar(
        "SELECT event_type FROM webhook_subscriptions WHERE endpoint_id = $1 ORDER BY event_type"
    )
    .bind(id)
    .fetch_all(c)
    .await)
}

pub async fn insert(
    tx: &mut Tx,
    url: &str,
    description: &str,
    secret_sealed: &str,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query_scalar(
        "INSERT INTO webhook_endpoints (url, description, secret_sealed, enabled, created_at, updated_at) \
         VALUES ($1, $2, $3, TRUE, $4, $4) RETURNING id"
    )
    .bind(url)
    .bind(description)
    .bind(secret_sealed)
    .bind(now)
    .fetch_one(c)
    .await)
}

/// Replaces the endpoint's event types with `events`.
pub async fn subscribe(tx: &mut Tx, id: i64, events: &[&str]) -> Result<(), sqlx::Error> {
    with_tx!(tx, |c| {
        sqlx::query("DELETE FROM webhook_subscriptions WHERE endpoint_id = $1").bind(id).execute(&mut *c).await?;
        for event in events {
            sqlx::query("INSERT INTO webhook_subscriptions (endpoint_id, event_type) VALUES ($1, $2)")
                .bind(id)
                .bind(*event)
                .execute(&mut *c)
                .await?;
        }
        Ok(())
    })
}

/// Saves the address and description over `version`: whether it was still
/// the endpoint's version.
pub async fn update(
    tx: &mut Tx,
    id: i64,
    version: i64,
    url: &str,
    description: &str,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query(
        "UPDATE webhook_endpoints SET url = $1, description = $2, updated_at = $3, version = version + 1 \
         WHERE id = $4 AND version = $5"
    )
    .bind(url)
    .bind(description)
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(c)
    .await
    .map(|done| done.rows_affected() == 1))
}

/// Turns the endpoint on (forgetting its failures) or off, by staff, over
/// `version`: whether it was still the endpoint's version.
pub async fn set_enabled(
    tx: &mut Tx,
    id: i64,
    version: i64,
    enabled: bool,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query(
        "UPDATE webhook_endpoints SET enabled = $1, failing_since = NULL, \
         disabled_reason = CASE WHEN $1 THEN NULL ELSE 'staff' END, \
         disabled_at = CASE WHEN $1 THEN NULL ELSE $2 END, updated_at = $2, version = version + 1 \
         WHERE id = $3 AND version = $4"
    )
    .bind(enabled)
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(c)
    .await
    .map(|done| done.rows_affected() == 1))
}

/// A new secret, the current one kept signing until `previous_until`.
pub async fn rotate(
    tx: &mut Tx,
    id: i64,
    version: i64,
    secret_sealed: &str,
    previous_until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query(
        "UPDATE webhook_endpoints SET previous_sealed = secret_sealed, previous_until = $1, secret_sealed = $2, \
         updated_at = $3, version = version + 1 WHERE id = $4 AND version = $5"
    )
    .bind(previous_until)
    .bind(secret_sealed)
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(c)
    .await
    .map(|done| done.rows_affected() == 1))
}

pub async fn delete(tx: &mut Tx, id: i64, version: i64) -> Result<bool, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1 AND version = $2")
        .bind(id)
        .bind(version)
        .execute(c)
        .await
        .map(|done| done.rows_affected() == 1))
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: i64,
    pub endpoint_id: i64,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub webhook_id: String,
    pub event_type: String,
    pub payload: String,
    pub subject_user_id: Option<i64>,
}

const DELIVERY: &str = "SELECT d.id, d.endpoint_id, d.status, d.attempts, d.next_attempt_at, d.created_at, \
     e.webhook_id, e.event_type, e.payload, e.subject_user_id \
     FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id";

pub async fn delivery_in(tx: &mut Tx, id: i64) -> Result<Option<DeliveryRow>, sqlx::Error> {
    let sql = format!("{DELIVERY} WHERE d.id = $1");
    with_tx!(tx, |c| sqlx::query_as(&sql).bind(id).fetch_optional(c).await)
}

/// The endpoint's latest `limit` deliveries, newest first.
pub async fn deliveries(db: &Db, endpoint_id: i64, limit: i64) -> Result<Vec<DeliveryRow>, sqlx::Error> {
    let sql = format!("{DELIVERY} WHERE d.endpoint_id = $1 ORDER BY d.id DESC LIMIT $2");
    with_pool!(db, |pool| sqlx::query_as(&sql).bind(endpoint_id).bind(limit).fetch_all(pool).await)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AttemptRow {
    pub delivery_id: i64,
    pub attempted_at: DateTime<Utc>,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub response: String,
    pub duration_ms: i64,
}

/// The attempts at the endpoint's deliveries from `oldest` on, in order.
pub async fn attempts(db: &Db, endpoint_id: i64, oldest: i64) -> Result<Vec<AttemptRow>, sqlx::Error> {
    with_pool!(db, |pool| sqlx::query_as(
        "SELECT a.delivery_id, a.attempted_at, a.status_code, a.error, a.response, a.duration_ms \
         FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id \
         WHERE d.endpoint_id = $1 AND d.id >= $2 ORDER BY a.id"
    )
    .bind(endpoint_id)
    .bind(oldest)
    .fetch_all(pool)
    .await)
}

/// One attempt's record.
pub struct Attempt<'a> {
    pub delivery_id: i64,
    pub at: DateTime<Utc>,
    pub status_code: Option<u16>,
    pub error: Option<&'a str>,
    pub response: &'a str,
    pub duration_ms: i64,
}

pub async fn record_attempt(tx: &mut Tx, attempt: &Attempt<'_>) -> Result<(), sqlx::Error> {
    with_tx!(tx, |c| sqlx::query(
        "INSERT INTO webhook_attempts (delivery_id, attempted_at, status_code, error, response, duration_ms) \
         VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(attempt.delivery_id)
    .bind(attempt.at)
    .bind(attempt.status_code.map(i64::from))
    .bind(attempt.error)
    .bind(attempt.response)
    .bind(attempt.duration_ms)
    .execute(c)
    .await
    .map(|_| ()))
}

/// Moves a pending delivery on after an attempt: to `status` (`pending`
/// with its next attempt's time, `delivered` or `failed`).
pub async fn settle(
    tx: &mut Tx,
    id: i64,
    status: &str,
    next_attempt_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query(
        "UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, next_attempt_at = $2, \
         delivered_at = CASE WHEN $1 = 'delivered' THEN $3 ELSE delivered_at END \
         WHERE id = $4 AND status = 'pending'"
    )
    .bind(status)
    .bind(next_attempt_at)
    .bind(now)
    .bind(id)
    .execute(c)
    .await
    .map(|done| done.rows_affected() == 1))
}

/// Puts a delivered, failed or stranded delivery (see
/// [`super::may_send_again`]) back to pending, due `now`, for staff to
/// send again: whether it was. One on its way already is left as it is,
/// and the second of two clicks finds it due now, not stranded.
pub async fn reopen(tx: &mut Tx, id: i64, endpoint_id: i64, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query(
        "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $1 \
         WHERE id = $2 AND endpoint_id = $3 AND (status <> 'pending' OR next_attempt_at < $4)"
    )
    .bind(now)
    .bind(id)
    .bind(endpoint_id)
    .bind(now - super::STRANDED_AFTER)
    .execute(c)
    .await
    .map(|done| done.rows_affected() == 1))
}

/// A delivery went through: the endpoint is no longer failing.
pub async fn succeeded(tx: &mut Tx, endpoint_id: i64) -> Result<(), sqlx::Error> {
    with_tx!(tx, |c| sqlx::query(
        "UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL"
    )
    .bind(endpoint_id)
    .execute(c)
    .await
    .map(|_| ()))
}

/// An attempt failed: the endpoint is failing since now unless it was
/// already; returns since when.
pub async fn failed(tx: &mut Tx, endpoint_id: i64, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query_scalar(
        "UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, $1) WHERE id = $2 \
         RETURNING failing_since"
    )
    .bind(now)
    .bind(endpoint_id)
    .fetch_optional(c)
    .await)
    .map(Option::flatten)
}

/// Disables an endpoint that has failed for too long: whether this call did.
pub async fn disable_failing(tx: &mut Tx, endpoint_id: i64, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query(
        "UPDATE webhook_endpoints SET enabled = FALSE, disabled_reason = 'failing', disabled_at = $1, \
         updated_at = $1, version = version + 1 WHERE id = $2 AND enabled"
    )
    .bind(now)
    .bind(endpoint_id)
    .execute(c)
    .await
    .map(|done| done.rows_affected() == 1))
}

/// Writes the audit entry of a change nobody made by hand (an endpoint
/// disabled for failing).
pub async fn audit_system(tx: &mut Tx, action: &str, endpoint_id: i64, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    with_tx!(tx, |c| sqlx::query(
        "INSERT INTO audit_log (at, event, user_id, ip, user_agent, detail, actor_id, entity, entity_id, changes) \
         VALUES ($1, $2, NULL, '', '', '', NULL, 'webhook', $3, '[]')"
    )
    .bind(now)
    .bind(action)
    .bind(endpoint_id)
    .execute(c)
    .await
    .map(|_| ()))
}
