//! Delivering an event to an endpoint: the `webhook.deliver` job. Each
//! run makes one attempt and records it, with what became of the delivery,
//! in one transaction that also marks the job done ([`Outcome::Commit`]):
//! - an answer of 2xx delivers it, and the endpoint is no longer failing;
//! - anything else (another status, a redirect, no answer) is a failure:
//!   the next attempt is queued after the next wait of the schedule
//!   (Standard Webhooks' own: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h,
//!   with jitter), or, past its end, the delivery has failed;
//! - an endpoint whose every delivery has failed for a day is disabled,
//!   and staff are told by mail.
//!
//! The request goes out before that transaction commits, so a worker that
//! dies between the two sends it again when the job is taken over: with
//! the same `webhook-id`, which is how a receiver recognises a repeat.

use super::{Webhooks, client, emails, events, store};
use crate::server::db::Db;
use crate::server::jobs::{Handler, Job, JobError, Outcome, queue};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::time::Instant;

/// The waits before each retry, as Standard Webhooks recommends.
pub const SCHEDULE_SECS: [u64; 7] = [5, 300, 1800, 7200, 18_000, 36_000, 36_000];

#[derive(serde::Deserialize)]
struct Payload {
    delivery_id: i64,
}

/// Runs `webhook.deliver` jobs.
pub struct Deliver {
    webhooks: Webhooks,
}

impl Deliver {
    pub fn new(webhooks: Webhooks) -> Self {
        Self { webhooks }
    }
}

/// What one attempt came to.
struct Tried {
    status: Option<u16>,
    error: Option<String>,
    response: String,
}

impl Tried {
    fn delivered(&self) -> bool {
        self.status.is_some_and(|status| (200..300).contains(&status))
    }
}

#[async_trait]
impl Handler for Deliver {
    async fn run(&self, job: &Job, db: &Db) -> Result<Outcome, JobError> {
        let Payload { delivery_id } = job.payload_as()?;
        let hooks = &self.webhooks;
        let (delivery, endpoint) = {
            let mut tx = db.begin().await?;
            // Gone with its endpoint, or with the account it was about.
            let Some(delivery) = store::delivery_in(&mut tx, delivery_id).await? else { return Ok(Outcome::Done) };
            // Settled already: this job is a repeat of a finished one.
            if delivery.status != "pending" {
                return Ok(Outcome::Done);
            }
            let Some(endpoint) = store::endpoint_in(&mut tx, delivery.endpoint_id).await? else {
                return Ok(Outcome::Done);
            };
            (delivery, endpoint)
        };
        let started = Instant::now();
        let now = queue::now();
        let tried = if !endpoint.enabled {
            Tried { status: None, error: Some("not sent: the endpoint is disabled".into()), response: String::new() }
        } else {
            let secrets = hooks.secrets(&endpoint, now).map_err(|e| JobError::permanent(e.to_string()))?;
            let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
            let body = delivery.payload.clone().into_bytes();
            let timestamp = now.timestamp();
            let headers = [
                ("webhook-id", delivery.webhook_id.clone()),
                ("webhook-timestamp", timestamp.to_string()),
                ("webhook-signature", super::signing::header(&secrets, &delivery.webhook_id, timestamp, &body)),
            ];
            let policy =
                client::Policy { allow_loopback: hooks.settings.allow_loopback, timeout: hooks.settings.timeout };
            match url::Url::parse(&endpoint.url) {
                Err(_) => {
                    Tried { status: None, error: Some(client::SendError::BadUrl.to_string()), response: String::new() }
                }
                Ok(url) => match client::post(&url, &headers, body.into(), policy).await {
                    Ok(answer) => {
                        let error = (!(200..300).contains(&answer.status))
                            .then(|| format!("answered {}, not 2xx", answer.status));
                        Tried { status: Some(answer.status), error, response: answer.body }
                    }
                    Err(error) => Tried { status: None, error: Some(error.to_string()), response: String::new() },
                },
            }
        };
        let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let mut tx = db.begin_write().await?;
        let attempt = store::Attempt {
            delivery_id,
            at: now,
            status_code: tried.status,
            error: tried.error.as_deref(),
            response: &tried.response,
            duration_ms,
        };
        store::record_attempt(&mut tx, &attempt).await?;
        let settled = if tried.delivered() {
            store::succeeded(&mut tx, endpoint.id).await?;
            store::settle(&mut tx, delivery_id, "delivered", None, now).await?
        } else {
            let mut enabled = endpoint.enabled;
            if enabled && let Some(since) = store::failed(&mut tx, endpoint.id, now).await? {
                if since <= now - hooks.settings.disable_after {
                    enabled = false;
                    if store::disable_failing(&mut tx, endpoint.id, now).await? {
                        store::audit_system(&mut tx, "webhook.disabled_failing", endpoint.id, now).await?;
                        let mail =
                            emails::endpoint_disabled(&hooks.settings.staff_email, endpoint.id, &hooks.public_url);
                        crate::server::mail::queue(&mut tx, &hooks.keys, None, &mail).await?;
                    }
                }
            }
            let attempt_number = usize::try_from(delivery.attempts).unwrap_or(usize::MAX);
            match hooks.settings.retries.get(attempt_number).filter(|_| enabled) {
                Some(wait) => {
                    let next = next_attempt(now, *wait, rand::random::<f64>());
                    let queued = store::settle(&mut tx, delivery_id, "pending", Some(next), now).await?;
                    if queued {
                        queue::enqueue_in(&mut tx, events::job(delivery_id, delivery.subject_user_id).run_at(next))
                            .await?;
                    }
                    queued
                }
                None => store::settle(&mut tx, delivery_id, "failed", None, now).await?,
            }
        };
        // Settled meanwhile by another run: this one's record is dropped.
        if !settled {
            return Ok(Outcome::Done);
        }
        Ok(Outcome::Commit(tx))
    }
}

/// When the retry after a wait of `wait` runs: the wait scaled by 0.8 to
/// 1.2 (`jitter` from 0 to 1), so endpoints failing together do not all
/// retry at the same moment.
fn next_attempt(now: DateTime<Utc>, wait: std::time::Duration, jitter: f64) -> DateTime<Utc> {
    let scaled = wait.mul_f64(0.8 + 0.4 * jitter.clamp(0.0, 1.0));
    now + chrono::Duration::from_std(scaled).unwrap_or(chrono::Duration::hours(12))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_within_a_fifth_of_the_schedule() {
        let now = Utc::now();
        let wait = std::time::Duration::from_secs(300);
        assert_eq!(next_attempt(now, wait, 0.0), now + chrono::Duration::seconds(240));
        assert_eq!(next_attempt(now, wait, 1.0), now + chrono::Duration::seconds(360));
        assert_eq!(next_attempt(now, wait, 9.0), now + chrono::Duration::seconds(360));
        let total: u64 = SCHEDULE_SECS.iter().sum();
        assert!(total > 24 * 3600, "retries outlast the day after which an endpoint is disabled");
    }
}
