//! `Idempotency-Key`: a request sent again with the same key gets the first
//! answer again and never does its work twice, even while the first is
//! still being answered.
//!
//! A key is claimed by inserting its row before the work starts (the
//! primary key lets one request in); the answer is written into that row in
//! the same transaction as the work it reports ([`Claim::answer_in`]), so
//! a request that dies half-way leaves neither the work nor an answer, and
//! its key may be claimed again once it is clearly abandoned. A refusal
//! (nothing done) is kept as well: the same request would be refused the
//! same way. A failure of ours forgets the key, for the retry to try again.

use crate::error::AppError;
use crate::model::form::{Field, FieldError, Problem};
use crate::server::crypto::token_hash;
use crate::server::db::{Db, Tx, with_pool, with_tx};
use crate::server::error::Error;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use std::time::Duration as Wait;

pub const HEADER: &str = "idempotency-key";
/// How long a key is kept: a retry later than this is a new request.
pub const KEPT_HOURS: i64 = 24;
/// A key still being answered after this long belongs to a request that
/// died (every request answers well within it): it may be claimed again.
const ABANDONED_SECS: i64 = 60;
/// How long a retry waits for the first request's answer before being
/// told to try again later.
const WAIT_FOR_FIRST: Wait = Wait::from_secs(10);
const KEY_MAX: usize = 255;
/// Keeps the answer given to a key's request.
const KEEP_ANSWER: &str = "UPDATE idempotency_keys SET status = $3, body = $4 WHERE user_id = $1 AND key = $2";

/// The key a request carries, checked: 1 to 255 visible ASCII characters.
pub fn key_of(headers: &HeaderMap) -> Result<Option<String>, Error> {
    let Some(value) = headers.get(HEADER) else { return Ok(None) };
    let text = value.to_str().unwrap_or_default();
    let plain = !text.is_empty() && text.len() <= KEY_MAX && text.bytes().all(|b| b.is_ascii_graphic());
    match plain {
        true => Ok(Some(text.to_string())),
        false => Err(Error::Refused(AppError::Invalid(vec![FieldError {
            field: Field::IdempotencyKey,
            problem: Problem::TooLong { max: KEY_MAX as u16 },
        }]))),
    }
}

/// What claiming a key found.
pub enum Claimed {
    /// The key is ours: do the work, then answer through the claim.
    Fresh(Claim),
    /// The request was answered before: this is its answer.
    Replay(Response),
}

/// A key this request holds until it answers.
pub struct Claim {
    db: Db,
    user_id: i64,
    key: String,
}

/// The stable hash of a request: its method, path and body (as JSON
/// values, so spacing and the order of fields do not matter).
pub fn request_hash(method: &str, path: &str, body: &serde_json::Value) -> String {
    token_hash(&format!("{method} {path}\n{body}"))
}

/// Claims `key` for the user's request, or finds its answer, or waits for
/// the request that holds it to answer.
pub async fn claim(db: &Db, user_id: i64, key: &str, hash: &str) -> Result<Claimed, Error> {
    let started = tokio::time::Instant::now();
    loop {
        if started.elapsed() > WAIT_FOR_FIRST {
            return Err(Error::Refused(AppError::Unavailable { retry_after_secs: 1 }));
        }
        let now = Utc::now();
        if insert(db, user_id, key, hash, now).await? {
            return Ok(Claimed::Fresh(Claim { db: db.clone(), user_id, key: key.to_string() }));
        }
        let Some(row) = find(db, user_id, key).await? else { continue };
        let expired = row.created_at < now - Duration::hours(KEPT_HOURS);
        let abandoned = row.status.is_none() && row.created_at < now - Duration::seconds(ABANDONED_SECS);
        if expired || abandoned {
            if take_over(db, user_id, key, hash, now).await? {
                return Ok(Claimed::Fresh(Claim { db: db.clone(), user_id, key: key.to_string() }));
            }
            continue;
        }
        if row.request_hash != hash {
            return Err(Error::Refused(AppError::Invalid(vec![FieldError {
                field: Field::IdempotencyKey,
                problem: Problem::KeyReused,
            }])));
        }
        if let (Some(status), Some(body)) = (row.status, row.body) {
            return Ok(Claimed::Replay(replay(status, body)));
        }
        tokio::time::sleep(Wait::from_millis(50)).await;
    }
}

/// A kept answer, given again, marked as such.
fn replay(status: i64, body: String) -> Response {
    let status = u16::try_from(status).ok().and_then(|s| StatusCode::from_u16(s).ok()).unwrap_or(StatusCode::OK);
    let kind = match status.is_success() {
        true => "application/json",
        false => "application/problem+json",
    };
    let mut response = (status, [(header::CONTENT_TYPE, kind)], Body::from(body)).into_response();
    response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}

impl Claim {
    /// Keeps the answer to the work done in `tx`, to commit with it.
    pub async fn answer_in(&self, tx: &mut Tx, status: StatusCode, body: &str) -> Result<(), sqlx::Error> {
        with_tx!(tx, |c| sqlx::query(KEEP_ANSWER)
            .bind(self.user_id)
            .bind(&self.key)
            .bind(i64::from(status.as_u16()))
            .bind(body)
            .execute(c)
            .await
            .map(drop))
    }

    /// Answers a request that did nothing: a refusal is kept, as the same
    /// request would be refused again; a failure of ours, or a wait, forgets
    /// the key for the retry to try again.
    pub async fn settle(self, answer: Response) -> Response {
        let status = answer.status();
        let keep = status.is_client_error() && status != StatusCode::TOO_MANY_REQUESTS;
        if !keep {
            let _ = self.forget().await;
            return answer;
        }
        let (parts, body) = answer.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
            let _ = self.forget().await;
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let kept = with_pool!(&self.db, |pool| sqlx::query(KEEP_ANSWER)
            .bind(self.user_id)
            .bind(&self.key)
            .bind(i64::from(status.as_u16()))
            .bind(&text)
            .execute(pool)
            .await
            .map(drop));
        if kept.is_err() {
            let _ = self.forget().await;
        }
        Response::from_parts(parts, Body::from(bytes))
    }

    async fn forget(&self) -> Result<(), sqlx::Error> {
        with_pool!(&self.db, |pool| sqlx::query(
            "DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND status IS NULL"
        )
        .bind(self.user_id)
        .bind(&self.key)
        .execute(pool)
        .await
        .map(drop))
    }
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    request_hash: String,
    status: Option<i64>,
    body: Option<String>,
    created_at: DateTime<Utc>,
}

async fn insert(db: &Db, user_id: i64, key: &str, hash: &str, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    with_pool!(db, |pool| sqlx::query(
        "INSERT INTO idempotency_keys (user_id, key, request_hash, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, key) DO NOTHING"
    )
    .bind(user_id)
    .bind(key)
    .bind(hash)
    .bind(now)
    .execute(pool)
    .await
    .map(|done| done.rows_affected() == 1))
}

async fn find(db: &Db, user_id: i64, key: &str) -> Result<Option<KeyRow>, sqlx::Error> {
    with_pool!(db, |pool| sqlx::query_as(
        "SELECT request_hash, status, body, created_at FROM idempotency_keys WHERE user_id = $1 AND key = $2"
    )
    .bind(user_id)
    .bind(key)
    .fetch_optional(pool)
    .await)
}

/// Claims an expired or abandoned key, if it still is one (another
/// request may have claimed it since it was read).
async fn take_over(db: &Db, user_id: i64, key: &str, hash: &str, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let expired = now - Duration::hours(KEPT_HOURS);
    let abandoned = now - Duration::seconds(ABANDONED_SECS);
    with_pool!(db, |pool| sqlx::query(
        "UPDATE idempotency_keys SET request_hash = $3, status = NULL, body = NULL, created_at = $4 \
         WHERE user_id = $1 AND key = $2 AND (created_at < $5 OR (status IS NULL AND created_at < $6))"
    )
    .bind(user_id)
    .bind(key)
    .bind(hash)
    .bind(now)
    .bind(expired)
    .bind(abandoned)
    .execute(pool)
    .await
    .map(|done| done.rows_affected() == 1))
}
