//! Whole-page cache for anonymous visitors: a public page rendered once is
//! served from memory, already compressed, until the catalogue changes or
//! the entry expires.
//!
//! Only `GET` requests without cookies are served from it, and only HTML
//! answers without `Set-Cookie` are kept, so nothing personal is ever
//! cached; nor is an answer marked `Cache-Control: no-store` (a page that
//! changes by itself, such as the development mailbox). The key holds the
//! [`Epoch`]: bumping it (on any catalogue write) makes every older entry
//! unreachable at once.
//!
//! A page is kept the second time it is asked for (see [`SeenOnce`]):
//! searches and crawls that never repeat an address then cost the cache
//! nothing, where keeping each would copy it and evict an entry that might
//! be asked for again.

use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use moka::future::Cache;
use std::hash::{BuildHasher, RandomState};
use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};
use std::time::Duration;

/// Largest page kept; bigger answers are rare and served fresh.
const MAX_PAGE_BYTES: usize = 2 * 1024 * 1024;

/// How many recent first requests [`SeenOnce`] remembers (512 KiB).
const SEEN_SLOTS: usize = 1 << 16;

/// The addresses asked for once lately, as hashes in a fixed table: a
/// slot holds the last hash that fell into it, so a newer address may push
/// an older one out (it is then kept on its next request instead). Bounded
/// memory, no locks.
struct SeenOnce {
    slots: Box<[AtomicU64]>,
    hasher: RandomState,
}

impl SeenOnce {
    fn new(slots: usize) -> Self {
        assert!(slots.is_power_of_two());
        Self { slots: (0..slots).map(|_| AtomicU64::new(0)).collect(), hasher: RandomState::new() }
    }

    /// Whether `key` was asked for before; remembers that it now was.
    fn check(&self, key: &Key) -> bool {
        // Zero marks an empty slot.
        let hash = self.hasher.hash_one(key).max(1);
        let slot = &self.slots[(hash as usize) & (self.slots.len() - 1)];
        slot.swap(hash, Ordering::Relaxed) == hash
    }
}

/// A version number for cached public content, shared by every cache that
/// must forget together.
#[derive(Clone, Default)]
pub struct Epoch(Arc<AtomicU64>);

impl Epoch {
    pub fn current(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }

    pub fn bump(&self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }
}

#[derive(Clone, Hash, PartialEq, Eq)]
struct Key {
    epoch: u64,
    /// The request's Accept-Encoding as sent: the compression layer's choice
    /// depends on it alone, and browsers send only a handful of values.
    accept_encoding: String,
    uri: String,
}

struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

/// Cloned for every request by the middleware that holds it, hence the `Arc`.
#[derive(Clone)]
pub struct PageCache(Arc<Pages>);

struct Pages {
    epoch: Epoch,
    pages: Option<Cache<Key, Arc<Page>>>,
    seen: SeenOnce,
}

impl PageCache {
    /// `ttl` zero turns the cache off.
    pub fn new(epoch: Epoch, ttl: Duration, max_bytes: u64) -> Self {
        let pages = (!ttl.is_zero()).then(|| {
            Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|key: &Key, page: &Arc<Page>| (key.uri.len() + page.body.len()).try_into().unwrap_or(u32::MAX))
                .time_to_live(ttl)
                .build()
        });
        Self(Arc::new(Pages { epoch, pages, seen: SeenOnce::new(SEEN_SLOTS) }))
    }
}

impl PageCache {
    /// (entries, bytes) kept now, for `/metrics`.
    pub async fn gauges(&self) -> (u64, u64) {
        let Some(pages) = &self.0.pages else { return (0, 0) };
        // The counts lag the last writes until the cache's upkeep runs.
        pages.run_pending_tasks().await;
        (pages.entry_count(), pages.weighted_size())
    }
}

/// An answer to a request that carried cookies may have been rendered for
/// a signed-in person (their name in the header, their address in a form):
/// no cache on the way may keep it, unless the answer says otherwise
/// (hashed static files do).
fn keep_private(mut response: Response) -> Response {
    if !response.headers().contains_key(header::CACHE_CONTROL) {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    }
    response
}

/// Middleware: answers from the cache, or renders the page and keeps it
/// when it was asked for before.
pub async fn serve(State(cache): State<PageCache>, request: Request, next: Next) -> Response {
    if request.headers().contains_key(header::COOKIE) {
        return keep_private(next.run(request).await);
    }
    let Some(pages) = &cache.0.pages else {
        return next.run(request).await;
    };
    if request.method() != Method::GET {
        return next.run(request).await;
    }
    let accept_encoding = match request.headers().get(header::ACCEPT_ENCODING).map(|v| v.to_str()) {
        None => String::new(),
        Some(Ok(value)) if value.len() <= 100 => value.to_ascii_lowercase(),
        // Unusual or unreadable: not worth a cache entry.
        Some(_) => return next.run(request).await,
    };
    // The catalogue's address as `canonical` understood it; others as asked.
    let uri = match request.extensions().get::<super::canonical::CacheAddress>() {
        Some(address) => address.0.clone(),
        None => request.uri().to_string(),
    };
    let key = Key { epoch: cache.0.epoch.current(), accept_encoding, uri };
    if let Some(page) = pages.get(&key).await {
        super::metrics::page_cache("hit");
        if page.status == StatusCode::OK
            && let Some(etag) = page.headers.get(header::ETAG)
            && super::shared_pages::matches(request.headers().get(header::IF_NONE_MATCH), etag)
        {
            let mut response = super::shared_pages::not_modified(&page.headers);
            response.headers_mut().insert("x-cache", HeaderValue::from_static("hit"));
            return response;
        }
        let mut response = (page.status, Body::from(page.body.clone())).into_response();
        *response.headers_mut() = page.headers.clone();
        response.headers_mut().insert("x-cache", HeaderValue::from_static("hit"));
        return response;
    }
    super::metrics::page_cache("miss");
    let seen = cache.0.seen.check(&key);
    let mut response = next.run(request).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let keep = html
        && matches!(response.status(), StatusCode::OK | StatusCode::NOT_FOUND)
        && !response.headers().contains_key(header::SET_COOKIE)
        && !response
            .headers()
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("no-store"));
    if !keep {
        return response;
    }
    if !seen {
        response.headers_mut().insert("x-cache", HeaderValue::from_static("miss"));
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_PAGE_BYTES).await {
        Ok(bytes) => bytes,
        // Over 2 MiB (no page is) or a failed render: part of the body is
        // already consumed, so answer as an error rather than a truncated page.
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    // A rendered page arrives in the String it was written into, which grew
    // by doubling: keep exactly its length, or the cache would hold up to
    // twice what it weighs.
    let mut body = Vec::from(bytes);
    body.shrink_to_fit();
    let bytes = Bytes::from(body);
    let mut headers = parts.headers.clone();
    headers.remove(header::CONTENT_LENGTH);
    headers.remove("x-request-id");
    pages.insert(key, Arc::new(Page { status: parts.status, headers, body: bytes.clone() })).await;
    let mut response = Response::from_parts(parts, Body::from(bytes));
    response.headers_mut().insert("x-cache", HeaderValue::from_static("miss"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bumping_the_epoch_changes_it() {
        let epoch = Epoch::default();
        let before = epoch.current();
        epoch.bump();
        assert_ne!(before, epoch.current());
    }

    fn key(uri: &str) -> Key {
        Key { epoch: 0, accept_encoding: String::new(), uri: uri.into() }
    }

    #[test]
    fn an_address_is_seen_from_its_second_request() {
        let seen = SeenOnce::new(1 << 10);
        assert!(!seen.check(&key("/courses?q=a")));
        assert!(!seen.check(&key("/courses?q=b")));
        assert!(seen.check(&key("/courses?q=a")));
        assert!(seen.check(&key("/courses?q=b")));
        assert!(!seen.check(&Key { epoch: 1, ..key("/courses?q=a") }), "another epoch is another address");
    }

    #[test]
    fn one_slot_remembers_the_latest_address() {
        let seen = SeenOnce::new(1);
        assert!(!seen.check(&key("/a")));
        assert!(!seen.check(&key("/b")));
        assert!(!seen.check(&key("/a")), "pushed out by /b");
        assert!(seen.check(&key("/a")));
    }
}
