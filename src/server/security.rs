//! Protections every request passes through: who the client is, the
//! same-origin check on every state-changing request, and the security
//! headers of every answer.

use crate::error::AppError;
use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use std::sync::Arc;

/// The largest request body accepted: forms and JSON are far smaller.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Whether an incoming `X-Request-Id` may be kept (see `is_plain_reference`).
pub fn is_plain_request_id(id: &[u8]) -> bool {
    crate::error::is_plain_reference(id)
}

/// Middleware, before the request id is set: drops an incoming request id
/// that is not a plain token, so a new one is made in its place.
pub async fn plain_request_id(mut request: Request, next: Next) -> Response {
    let plain = request.headers().get_all(REQUEST_ID).iter().count() <= 1
        && request.headers().get(REQUEST_ID).is_none_or(|id| is_plain_request_id(id.as_bytes()));
    if !plain {
        request.headers_mut().remove(REQUEST_ID);
    }
    next.run(request).await
}

pub const REQUEST_ID: header::HeaderName = header::HeaderName::from_static("x-request-id");

/// A refusal of a request before any handler sees it: JSON for server
/// functions (they read their errors so), short text for people.
fn refuse(request_path: &str, status: StatusCode, error: AppError) -> Response {
    if request_path.starts_with("/rpc/") {
        let body = serde_json::to_string(&error).unwrap_or_default();
        return (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
    }
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], Body::from(error.to_string())).into_response()
}

/// Middleware: what no handler should ever have to defend against. A body
/// is read whole up to [`MAX_BODY_BYTES`] (413 beyond, whatever the
/// `Content-Length` says); a form body must be UTF-8; and no NUL character
/// reaches the application through a form, since PostgreSQL cannot store
/// one and no person types one. (Query strings are the pages' own to read:
/// they parse what they take, and ignore what does not parse.) Refusals
/// are 4xx with a short message of Lyceum's own.
pub async fn sound_input(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let bad = |what: &'static str| refuse(&path, StatusCode::BAD_REQUEST, AppError::BadRequest(what.into()));
    let declared =
        request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return refuse(&path, StatusCode::PAYLOAD_TOO_LARGE, AppError::TooLarge);
    }
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(error) => {
            // Over the limit while streaming (no or a false Content-Length),
            // or the client went away.
            let too_large =
                std::error::Error::source(&error).is_some_and(|source| source.is::<http_body_util::LengthLimitError>());
            return if too_large {
                refuse(&path, StatusCode::PAYLOAD_TOO_LARGE, AppError::TooLarge)
            } else {
                bad("The request could not be read.")
            };
        }
    };
    if form && (std::str::from_utf8(&bytes).is_err() || has_nul(&bytes)) {
        return bad("The form holds characters that are not allowed.");
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// Whether URL-encoded text holds a NUL, raw or escaped (`%00`).
fn has_nul(text: &[u8]) -> bool {
    text.contains(&0) || text.windows(3).any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0')
}

/// The site's own origin (`https://academy.example`), as browsers write it
/// in `Origin`.
#[derive(Clone, Debug)]
pub struct SiteOrigin(Arc<str>);

impl SiteOrigin {
    pub fn from_public_url(public_url: &str) -> Self {
        Self(origin_of(public_url).unwrap_or(public_url).to_ascii_lowercase().into())
    }
}

/// `scheme://host[:port]` of an absolute URL.
fn origin_of(url: &str) -> Option<&str> {
    let after_scheme = url.find("://")? + 3;
    let end = url[after_scheme..].find(['/', '?', '#']).map_or(url.len(), |i| after_scheme + i);
    Some(&url[..end])
}

/// Whether `origin` is this site: the configured public origin, or the
/// origin of the host the request was sent to (a browser sets `Host`; a
/// page elsewhere cannot make it name this server and also send its own
/// origin as this one).
fn is_own(origin: &str, site: &SiteOrigin, headers: &HeaderMap) -> bool {
    let origin = origin.to_ascii_lowercase();
    if origin == *site.0 {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).map(str::to_ascii_lowercase);
    match (host, origin.split_once("://")) {
        (Some(host), Some((_, authority))) => authority == host,
        _ => false,
    }
}

/// What a state-changing request's headers say about where it came from.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    Refused,
}

/// The CSRF rule: a request that may change something must come from one of
/// this site's pages, as its `Origin` says (or, when a browser leaves that
/// out, its `Referer`). A request with neither is allowed only without
/// cookies: with no credentials to ride on, it cannot act for anyone.
pub fn judge(method: &Method, headers: &HeaderMap, site: &SiteOrigin) -> Verdict {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE) {
        return Verdict::Allowed;
    }
    let text = |name| headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok());
    let from = match (text(header::ORIGIN), text(header::REFERER)) {
        // Sandboxed frames and some privacy settings send "null".
        (Some(origin), _) if origin != "null" => Some(origin.to_string()),
        (_, Some(referer)) => Some(origin_of(referer).unwrap_or("").to_string()),
        (Some(_), None) => Some(String::new()),
        (None, None) => None,
    };
    match from {
        Some(origin) if is_own(&origin, site, headers) => Verdict::Allowed,
        Some(_) => Verdict::Refused,
        None if headers.contains_key(header::COOKIE) => Verdict::Refused,
        None => Verdict::Allowed,
    }
}

/// Middleware: refuses cross-site state-changing requests with 403.
pub async fn same_origin(State(site): State<SiteOrigin>, request: Request, next: Next) -> Response {
    if judge(request.method(), request.headers(), &site) == Verdict::Allowed {
        return next.run(request).await;
    }
    tracing::warn!(method = %request.method(), "cross-site request refused");
    refuse(request.uri().path(), StatusCode::FORBIDDEN, AppError::CrossSite)
}

/// The Content-Security-Policy of a rendered page: scripts only from this
/// site or inline with this render's nonce (leptos puts it on every script
/// it writes), WebAssembly allowed to compile, nothing framed.
pub fn page_policy(nonce: &str, live_reload: bool) -> String {
    // The development server's reload socket listens on its own port.
    let connect = if live_reload { "'self' ws: wss:" } else { "'self'" };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; font-src 'self'; connect-src {connect}; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// The policy of every other answer (JSON, text, files): nothing runs.
pub const DEFAULT_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(name.clone(), HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn only_plain_request_ids_are_kept() {
        assert!(is_plain_request_id(b"4f1c2a7e-0d3b-4d59-9a5e-0b8f1c2d3e4f"));
        assert!(is_plain_request_id(b"lb.abc_123"));
        for forged in [&b""[..], b"a b", b"x\" level=\"ERROR", b"id=1 admin=true", "é".as_bytes(), &[b'a'; 65]] {
            assert!(!is_plain_request_id(forged), "{:?}", String::from_utf8_lossy(forged));
        }
    }

    #[test]
    fn nul_is_found_raw_or_escaped() {
        assert!(has_nul(b"email=a%00b"));
        assert!(has_nul(b"a\0b"));
        assert!(!has_nul(b"email=a%2500b"), "an escaped percent sign followed by 00 is text");
        assert!(!has_nul(b"q=100%25"));
    }

    #[test]
    fn origins() {
        assert_eq!(origin_of("https://academy.test/a/b?c"), Some("https://academy.test"));
        assert_eq!(origin_of("http://127.0.0.1:3000"), Some("http://127.0.0.1:3000"));
        assert_eq!(origin_of("nonsense"), None);
    }

    #[test]
    fn state_changes_must_come_from_the_site() {
        let site = SiteOrigin::from_public_url("https://academy.test");
        let post = Method::POST;
        let judge = |pairs: &[(header::HeaderName, &str)]| judge(&post, &headers(pairs), &site);
        assert_eq!(judge(&[(header::ORIGIN, "https://academy.test")]), Verdict::Allowed);
        assert_eq!(judge(&[(header::ORIGIN, "https://evil.test")]), Verdict::Refused);
        assert_eq!(judge(&[(header::ORIGIN, "https://academy.test.evil.test")]), Verdict::Refused);
        assert_eq!(judge(&[(header::REFERER, "https://academy.test/login")]), Verdict::Allowed);
        assert_eq!(judge(&[(header::REFERER, "https://evil.test/academy.test")]), Verdict::Refused);
        assert_eq!(judge(&[(header::ORIGIN, "null")]), Verdict::Refused);
        // Served under another name (say http://localhost:3000): Host decides.
        assert_eq!(
            judge(&[(header::ORIGIN, "http://localhost:3000"), (header::HOST, "localhost:3000")]),
            Verdict::Allowed
        );
        assert_eq!(judge(&[(header::COOKIE, "id=abc")]), Verdict::Refused);
        assert_eq!(judge(&[]), Verdict::Allowed, "no cookie, nothing to forge");
        assert_eq!(
            super::judge(&Method::GET, &headers(&[(header::ORIGIN, "https://evil.test")]), &site),
            Verdict::Allowed
        );
    }
}
