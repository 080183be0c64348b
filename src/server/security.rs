//! Protections every request passes through: who the client is, the
//! same-origin check on every state-changing request, and the security
//! headers of every answer.

use super::accounts::Client;
use crate::error::AppError;
use axum::{
    body::Body,
    extract::{ConnectInfo, Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use std::net::SocketAddr;
use std::sync::Arc;

/// Records the client's address and browser for the handlers (limits, the
/// audit trail, the list of sessions).
pub async fn client_info(mut request: Request, next: Next) -> Response {
    let ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
        .unwrap_or_else(|| "unknown".into());
    let user_agent = request
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(300)
        .collect();
    request.extensions_mut().insert(Client { ip, user_agent });
    next.run(request).await
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
    let error = AppError::CrossSite;
    // Server functions read their errors as JSON; people read text.
    if request.uri().path().starts_with("/rpc/") {
        let body = serde_json::to_string(&error).unwrap_or_default();
        return (StatusCode::FORBIDDEN, [(header::CONTENT_TYPE, "application/json")], body).into_response();
    }
    (StatusCode::FORBIDDEN, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], Body::from(error.to_string()))
        .into_response()
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
