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

/// The largest request body accepted: forms and JSON are far smaller. (The
/// CSV import's file has a limit of its own: see [`upload`].)
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

/// Where a refused request was going, which decides the refusal's form.
struct Refusing {
    path: String,
    request_id: Option<String>,
}

impl Refusing {
    fn of(request: &Request) -> Self {
        let request_id = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).map(str::to_string);
        Refusing { path: request.uri().path().to_string(), request_id }
    }
}

/// A refusal of a request before any handler sees it, in the form its
/// caller reads: a problem (`application/problem+json`, with the request's
/// id) for the REST API, JSON for server functions (they read their errors
/// so), short text for people.
fn refuse(to: &Refusing, status: StatusCode, error: AppError) -> Response {
    if to.path.starts_with("/api/v1/") {
        let title = match error {
            AppError::UnsupportedBody => "Send the body as JSON (Content-Type: application/json).".to_string(),
            _ => error.to_string(),
        };
        let mut problem = super::problem::Problem::new(error.kind(), title, status);
        problem.request_id = to.request_id.clone();
        return problem.into_response();
    }
    if to.path.starts_with("/rpc/") {
        let body = serde_json::to_string(&error).unwrap_or_default();
        return (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
    }
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], Body::from(error.to_string())).into_response()
}

/// The encoding a request's body declares in `Content-Type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyType {
    /// No `Content-Type` at all.
    Undeclared,
    /// `application/x-www-form-urlencoded`: what every server function reads.
    Form,
    /// `application/json`.
    Json,
    /// Anything else, or more than one `Content-Type`.
    Other,
}

/// What `headers` declare the body to be. Media types are case-insensitive
/// and may carry parameters (`; charset=utf-8`), which are ignored.
pub fn body_type(headers: &HeaderMap) -> BodyType {
    let mut declared = headers.get_all(header::CONTENT_TYPE).iter();
    let (Some(value), None) = (declared.next(), declared.next()) else {
        return if headers.contains_key(header::CONTENT_TYPE) { BodyType::Other } else { BodyType::Undeclared };
    };
    let Ok(text) = value.to_str() else { return BodyType::Other };
    let essence = text.split(';').next().unwrap_or_default().trim();
    if essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        BodyType::Form
    } else if essence.eq_ignore_ascii_case("application/json") {
        BodyType::Json
    } else {
        BodyType::Other
    }
}

/// Middleware: what no handler should ever have to defend against. A body
/// is read whole up to [`MAX_BODY_BYTES`] (413 beyond, whatever the
/// `Content-Length` says); a body must be a form or JSON (415 otherwise);
/// it must be UTF-8; and no NUL character reaches the application through
/// it, since PostgreSQL cannot store one and no person types one.
///
/// The checks go by the bytes, not by the declared type alone: server
/// functions decode any body as a form whatever its `Content-Type` says, so
/// `%00` is refused in JSON too, and JSON is parsed as well because it can
/// write a NUL as `\u0000`. (Query strings are the pages' own to read: they
/// parse what they take, and ignore what does not parse.) Refusals are 4xx
/// with a short message of Lyceum's own.
pub async fn sound_input(request: Request, next: Next) -> Response {
    let path = Refusing::of(&request);
    if path.path == super::csv_files::IMPORT_PATH && request.method() == Method::POST {
        return upload(request, next).await;
    }
    let bad = |what: &'static str| refuse(&path, StatusCode::BAD_REQUEST, AppError::BadRequest(what.into()));
    let declared =
        request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return refuse(&path, StatusCode::PAYLOAD_TOO_LARGE, AppError::TooLarge);
    }
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let kind = body_type(request.headers());
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
    if !bytes.is_empty() {
        match check_body(kind, &bytes) {
            BodyVerdict::Sound => {}
            BodyVerdict::Unsupported => {
                return refuse(&path, StatusCode::UNSUPPORTED_MEDIA_TYPE, AppError::UnsupportedBody);
            }
            BodyVerdict::Unreadable => return bad("The request could not be read."),
            BodyVerdict::Forbidden => {
                let what = match kind {
                    BodyType::Json => "The request holds characters that are not allowed.",
                    _ => "The form holds characters that are not allowed.",
                };
                return bad(what);
            }
        }
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// The one request that carries a file: the back office's CSV import, a
/// `multipart/form-data` form of up to [`super::csv_files::IMPORT_MAX_BYTES`]
/// (413 beyond, whatever the `Content-Length` says). Its file's text is
/// the import's to check (UTF-8, no NUL), so that a file in another
/// encoding gets a message about the file, not about the request.
async fn upload(request: Request, next: Next) -> Response {
    let path = Refusing::of(&request);
    let limit = super::csv_files::IMPORT_MAX_BYTES;
    let declared =
        request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return refuse(&path, StatusCode::PAYLOAD_TOO_LARGE, AppError::TooLarge);
    }
    let multipart =
        request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| {
            v.split(';').next().unwrap_or_default().trim().eq_ignore_ascii_case("multipart/form-data")
        });
    if !multipart {
        return refuse(&path, StatusCode::UNSUPPORTED_MEDIA_TYPE, AppError::UnsupportedBody);
    }
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
        Err(error) => {
            let too_large =
                std::error::Error::source(&error).is_some_and(|source| source.is::<http_body_util::LengthLimitError>());
            if too_large {
                refuse(&path, StatusCode::PAYLOAD_TOO_LARGE, AppError::TooLarge)
            } else {
                refuse(&path, StatusCode::BAD_REQUEST, AppError::BadRequest("The request could not be read.".into()))
            }
        }
    }
}

/// What [`check_body`] found in a non-empty body.
#[derive(Debug, PartialEq, Eq)]
enum BodyVerdict {
    Sound,
    /// Not a form and not JSON.
    Unsupported,
    /// Declared JSON, but it does not parse.
    Unreadable,
    /// Not UTF-8, or a NUL in it (raw, `%00`, or JSON's `\u0000`).
    Forbidden,
}

fn check_body(kind: BodyType, bytes: &[u8]) -> BodyVerdict {
    if matches!(kind, BodyType::Undeclared | BodyType::Other) {
        return BodyVerdict::Unsupported;
    }
    if std::str::from_utf8(bytes).is_err() || has_nul(bytes) {
        return BodyVerdict::Forbidden;
    }
    if kind == BodyType::Json {
        // serde_json stops at 128 levels of nesting, which bounds the walk.
        return match serde_json::from_slice::<serde_json::Value>(bytes) {
            Ok(value) if json_has_nul(&value) => BodyVerdict::Forbidden,
            Ok(_) => BodyVerdict::Sound,
            Err(_) => BodyVerdict::Unreadable,
        };
    }
    BodyVerdict::Sound
}

/// Whether URL-encoded text holds a NUL, raw or escaped (`%00`).
fn has_nul(text: &[u8]) -> bool {
    text.contains(&0) || text.windows(3).any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0')
}

/// Whether any string or key of a JSON value holds a NUL.
fn json_has_nul(value: &serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::String(text) => text.contains('\0'),
        Value::Array(items) => items.iter().any(json_has_nul),
        Value::Object(fields) => fields.iter().any(|(key, value)| key.contains('\0') || json_has_nul(value)),
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
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

/// Middleware: refuses cross-site state-changing requests with 403. A
/// REST API request carrying a bearer token is not one a browser could be
/// made to send on its own (it never adds the header itself, and the API
/// then reads the token alone, never the cookie), so a partner's page may
/// send it from its own origin, as CORS allows.
pub async fn same_origin(State(site): State<SiteOrigin>, request: Request, next: Next) -> Response {
    let bearer = request.uri().path().starts_with("/api/v1/") && request.headers().contains_key(header::AUTHORIZATION);
    if bearer || judge(request.method(), request.headers(), &site) == Verdict::Allowed {
        return next.run(request).await;
    }
    tracing::warn!(method = %request.method(), "cross-site request refused");
    refuse(&Refusing::of(&request), StatusCode::FORBIDDEN, AppError::CrossSite)
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
    fn body_types_are_read_case_insensitively_with_parameters() {
        let declared = |value: &str| body_type(&headers(&[(header::CONTENT_TYPE, value)]));
        assert_eq!(declared("application/x-www-form-urlencoded"), BodyType::Form);
        assert_eq!(declared("APPLICATION/X-WWW-FORM-URLENCODED"), BodyType::Form);
        assert_eq!(declared("application/x-www-form-urlencoded ; charset=UTF-8"), BodyType::Form);
        assert_eq!(declared("Application/JSON; charset=utf-8"), BodyType::Json);
        assert_eq!(declared("application/x-www-form-urlencodedx"), BodyType::Other);
        assert_eq!(declared("text/plain"), BodyType::Other);
        assert_eq!(declared("multipart/form-data; boundary=x"), BodyType::Other);
        assert_eq!(body_type(&HeaderMap::new()), BodyType::Undeclared);
        let mut twice = headers(&[(header::CONTENT_TYPE, "application/json")]);
        twice.append(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        assert_eq!(body_type(&twice), BodyType::Other, "two types: neither is believed");
    }

    #[test]
    fn bodies_are_forms_or_json_in_utf_8_without_nul() {
        use BodyType::*;
        assert_eq!(check_body(Form, b"email=a%40b.test"), BodyVerdict::Sound);
        assert_eq!(check_body(Json, br#"{"email":"a@b.test","n":[1,{"x":null}]}"#), BodyVerdict::Sound);
        assert_eq!(check_body(Other, b"email=a%40b.test"), BodyVerdict::Unsupported);
        assert_eq!(check_body(Undeclared, b"email=a%40b.test"), BodyVerdict::Unsupported);
        assert_eq!(check_body(Form, b"email=a%00b"), BodyVerdict::Forbidden);
        assert_eq!(check_body(Form, b"email=\xff"), BodyVerdict::Forbidden);
        assert_eq!(check_body(Json, br#"{"email":"a\u0000b"}"#), BodyVerdict::Forbidden);
        assert_eq!(check_body(Json, br#"{"a\u0000":"b"}"#), BodyVerdict::Forbidden, "a key");
        assert_eq!(check_body(Json, br#"[[["\u0000"]]]"#), BodyVerdict::Forbidden, "nested");
        assert_eq!(check_body(Json, br#""x&email=a%00b""#), BodyVerdict::Forbidden, "read as a form, too");
        assert_eq!(check_body(Json, b"{not json"), BodyVerdict::Unreadable);
        let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
        assert_eq!(check_body(Json, deep.as_bytes()), BodyVerdict::Unreadable, "nesting is bounded");
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
