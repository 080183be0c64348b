//! The REST API's public answers (the same for everyone: the catalogue,
//! a course, the list of dates), kept as the bytes sent with their `ETag`
//! until the catalogue changes ([`Epoch`]) or they expire, as the page
//! cache keeps pages. An answer is otherwise built on every request: the
//! search comes from the catalogue's cache, but the JSON is written and
//! hashed for its tag each time, which cost three quarters of a cached
//! answer's time. Kept here, inside the API's own layers, every request
//! is still counted against its caller's allowance and says so.

use crate::server::page_cache::Epoch;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use moka::sync::Cache;
use std::sync::Arc;
use std::time::Duration;

/// Largest answer kept (a page of 100 courses is well under it).
const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// An answer as sent: its body, tag and the headers that go with it.
pub struct Kept {
    body: Bytes,
    etag: HeaderValue,
    content_type: HeaderValue,
    link: Option<HeaderValue>,
}

impl Kept {
    /// The bytes of `response`, a `200`, with its tag (the first 128 bits
    /// of the body's SHA-256); `None` for anything else.
    pub async fn of(response: Response) -> Option<Self> {
        if response.status() != StatusCode::OK {
            return None;
        }
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(body, MAX_ANSWER_BYTES).await.ok()?;
        // The JSON was written into a buffer that grew by doubling: keep
        // exactly its length, or the cache would hold up to twice what it
        // weighs.
        let body = Bytes::copy_from_slice(&body);
        use sha2::Digest;
        let digest = sha2::Sha256::digest(&body);
        let etag = format!("\"{}\"", digest[..16].iter().map(|b| format!("{b:02x}")).collect::<String>());
        Some(Self {
            body,
            etag: HeaderValue::from_str(&etag).ok()?,
            content_type: parts
                .headers
                .get(header::CONTENT_TYPE)
                .cloned()
                .unwrap_or(HeaderValue::from_static("application/json")),
            link: parts.headers.get(header::LINK).cloned(),
        })
    }

    /// The answer to a request with `request`'s headers: `304` when its
    /// `If-None-Match` names the tag, otherwise the bytes; either way with
    /// the tag and `cache` as `Cache-Control`.
    pub fn answer(&self, request: &HeaderMap, cache: HeaderValue) -> Response {
        let etag = self.etag.to_str().unwrap_or_default();
        let matches = request.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|asked| {
            asked.split(',').map(|tag| tag.trim().trim_start_matches("W/")).any(|tag| tag == etag || tag == "*")
        });
        let mut response = match matches {
            true => StatusCode::NOT_MODIFIED.into_response(),
            false => {
                let mut response = Body::from(self.body.clone()).into_response();
                response.headers_mut().insert(header::CONTENT_TYPE, self.content_type.clone());
                if let Some(link) = &self.link {
                    response.headers_mut().insert(header::LINK, link.clone());
                }
                response
            }
        };
        response.headers_mut().insert(header::ETAG, self.etag.clone());
        response.headers_mut().insert(header::CACHE_CONTROL, cache);
        response
    }
}

/// Public answers by the catalogue's epoch and the request's path and query.
pub struct PublicAnswers {
    epoch: Epoch,
    answers: Option<Cache<(u64, String), Arc<Kept>>>,
}

impl PublicAnswers {
    /// `ttl` zero keeps nothing (as it turns the page cache off).
    pub fn new(epoch: Epoch, ttl: Duration, max_bytes: u64) -> Self {
        let answers = (!ttl.is_zero()).then(|| {
            Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|key: &(u64, String), kept: &Arc<Kept>| {
                    (key.1.len() + kept.body.len()).try_into().unwrap_or(u32::MAX)
                })
                .time_to_live(ttl)
                .build()
        });
        Self { epoch, answers }
    }

    /// The key of the answer to `uri` now.
    pub fn key(&self, uri: &str) -> (u64, String) {
        (self.epoch.current(), uri.to_string())
    }

    pub fn get(&self, key: &(u64, String)) -> Option<Arc<Kept>> {
        self.answers.as_ref()?.get(key)
    }

    pub fn keep(&self, key: (u64, String), kept: Arc<Kept>) {
        if let Some(answers) = &self.answers {
            answers.insert(key, kept);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_kept_answer_is_the_same_bytes_and_tag_and_304_when_named() {
        let response = (
            [(header::CONTENT_TYPE, "application/json"), (header::LINK, "</x?page=2>; rel=\"next\"")],
            "{\"items\":[]}",
        )
            .into_response();
        let kept = Kept::of(response).await.unwrap();
        let cache = HeaderValue::from_static("public, max-age=60");
        let first = kept.answer(&HeaderMap::new(), cache.clone());
        assert_eq!(first.status(), StatusCode::OK);
        assert_eq!(first.headers()[header::LINK], "</x?page=2>; rel=\"next\"");
        let etag = first.headers()[header::ETAG].clone();
        let body = axum::body::to_bytes(first.into_body(), 1024).await.unwrap();
        assert_eq!(&body[..], b"{\"items\":[]}");
        let mut asking = HeaderMap::new();
        asking.insert(header::IF_NONE_MATCH, etag.clone());
        let again = kept.answer(&asking, cache);
        assert_eq!((again.status(), again.headers()[header::ETAG].clone()), (StatusCode::NOT_MODIFIED, etag));
        assert!(Kept::of(StatusCode::NOT_FOUND.into_response()).await.is_none(), "only a 200 is kept");
    }

    #[test]
    fn a_new_epoch_is_a_new_key_and_no_ttl_keeps_nothing() {
        let epoch = Epoch::default();
        let answers = PublicAnswers::new(epoch.clone(), Duration::from_secs(30), 1 << 20);
        let before = answers.key("/api/v1/courses");
        epoch.bump();
        assert_ne!(before, answers.key("/api/v1/courses"));
        let off = PublicAnswers::new(epoch, Duration::ZERO, 1 << 20);
        off.keep(
            off.key("/a"),
            Arc::new(Kept {
                body: Bytes::new(),
                etag: HeaderValue::from_static("\"x\""),
                content_type: HeaderValue::from_static("application/json"),
                link: None,
            }),
        );
        assert!(off.get(&off.key("/a")).is_none());
    }
}
