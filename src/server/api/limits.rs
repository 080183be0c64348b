//! The REST API's request limits: each token, and each client address
//! calling without one, may make `LYCEUM_API_REQUESTS_PER_MINUTE` requests
//! a minute: that many at once, coming back evenly over the minute (GCRA).
//! Every answer says where the caller stands (`RateLimit-Policy` and
//! `RateLimit`, as the IETF's draft spells them); over the limit, a `429`
//! problem with `Retry-After`.
//!
//! The limits are kept in each instance's memory, not in the database as
//! the sign-in limits are: they are checked on every API request, and a
//! write per request would cost more than most requests. Behind a balancer
//! of N instances a caller may therefore make up to N times the limit; the
//! limit guards each instance, and the database-kept limits still guard
//! what must hold across instances (sign-in, certificates).

use crate::error::AppError;
use crate::server::AppState;
use crate::server::client::Client;
use crate::server::error::{ApiProblem, Error};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

type Keyed = RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock, StateInformationMiddleware>;

/// Forget callers idle long enough to be back at a full allowance, every
/// this many requests, so the keys kept stay as few as the callers of the
/// last minute.
const SWEEP_EVERY: u64 = 4096;

pub struct ApiLimits {
    per_minute: NonZeroU32,
    keyed: Keyed,
    enabled: bool,
    counted: AtomicU64,
}

/// Where a caller stands after a request was counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Standing {
    /// Requests left right now.
    pub remaining: u32,
    /// Seconds until the whole allowance is back.
    pub reset_secs: u64,
}

impl ApiLimits {
    pub fn new(per_minute: u32, enabled: bool) -> Self {
        let per_minute = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
        let keyed = RateLimiter::keyed(Quota::per_minute(per_minute)).with_middleware::<StateInformationMiddleware>();
        Self { per_minute, keyed, enabled, counted: AtomicU64::new(0) }
    }

    /// Counts one request of `key`: where it stands, or how long to wait.
    pub fn count(&self, key: &str) -> Result<Standing, Duration> {
        if self.counted.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.keyed.retain_recent();
            self.keyed.shrink_to_fit();
        }
        let refill = Duration::from_secs(60) / self.per_minute.get();
        match self.keyed.check_key(&key.to_string()) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                let spent = self.per_minute.get().saturating_sub(remaining);
                Ok(Standing { remaining, reset_secs: (refill * spent).as_secs_f64().ceil() as u64 })
            }
            Err(not_until) => Err(not_until.wait_time_from(DefaultClock::default().now())),
        }
    }

    /// `RateLimit-Policy`: the allowance a minute.
    fn policy(&self) -> HeaderValue {
        HeaderValue::from_str(&format!("\"per-caller\";q={};w=60", self.per_minute)).expect("digits are a header value")
    }
}

/// Who a request counts against: its bearer token (by a hash, so no token
/// sits in memory in clear), or else its client's address.
fn caller(request: &Request) -> String {
    let bearer = request.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    match bearer {
        Some(text) => format!("token:{}", &crate::server::crypto::token_hash(text)[..32]),
        None => {
            let ip = request.extensions().get::<Client>().map(|c| c.ip.as_str()).unwrap_or("unknown");
            format!("client:{ip}")
        }
    }
}

/// Middleware on the API's routes: counts the request, refuses it with
/// `429` when over, and tells every answer where its caller stands.
pub async fn limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limits = &state.api_limits;
    if !limits.enabled {
        return next.run(request).await;
    }
    let (mut response, standing) = match limits.count(&caller(&request)) {
        Ok(standing) => (next.run(request).await, standing),
        Err(wait) => {
            let retry_after_secs = wait.as_secs_f64().ceil().max(1.0) as u64;
            let refused = ApiProblem(Error::Refused(AppError::TooManyRequests { retry_after_secs })).into_response();
            (refused, Standing { remaining: 0, reset_secs: retry_after_secs })
        }
    };
    let headers = response.headers_mut();
    headers.insert("ratelimit-policy", limits.policy());
    let now = format!("\"per-caller\";r={};t={}", standing.remaining, standing.reset_secs);
    headers.insert("ratelimit", HeaderValue::from_str(&now).expect("digits are a header value"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_caller_spends_its_own_allowance_and_is_told_how_long_to_wait() {
        let limits = ApiLimits::new(3, true);
        let first = limits.count("token:a").unwrap();
        assert_eq!(first.remaining, 2);
        assert!(first.reset_secs >= 19 && first.reset_secs <= 20, "{first:?}");
        assert_eq!(limits.count("token:a").unwrap().remaining, 1);
        assert_eq!(limits.count("token:a").unwrap().remaining, 0);
        let wait = limits.count("token:a").expect_err("over the limit");
        assert!(wait > Duration::from_secs(15) && wait <= Duration::from_secs(20), "{wait:?}");
        assert_eq!(limits.count("client:127.0.0.1").unwrap().remaining, 2, "another caller is not affected");
    }
}
