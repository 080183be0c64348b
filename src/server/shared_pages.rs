//! Anonymous pages, made fit for shared caches: the page cache in this
//! process, and a CDN or proxy in front of it.
//!
//! A page is rendered with a fresh CSP nonce on every script, which is
//! right for one answer and wrong for a copy served to many: whoever reads
//! the copy knows the nonce every other reader's page trusts, for as long
//! as the copy lives. So an anonymous page's scripts are allowed by their
//! hashes instead: each script carrying this render's nonce is hashed
//! (SHA-256, as CSP Level 2 defines), the nonce leaves the page and its
//! policy, and the hashes take its place. Markup that slipped into a page
//! unescaped carries no nonce, so it is neither hashed nor allowed to run.
//!
//! Each such page also says how long a shared cache may keep it
//! (`s-maxage`, from `LYCEUM_SHARED_CACHE_SECS`; browsers ask again every
//! time), carries a weak `ETag` of its bytes (the same page compressed
//! differently is the same page), answers `If-None-Match` with `304`, and
//! names in `Vary` the request headers it depends on.

use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::time::Duration;

/// Largest page made shareable; bigger answers are left as they are.
const MAX_PAGE_BYTES: usize = 2 * 1024 * 1024;

/// What a shareable page's headers say.
#[derive(Clone)]
pub struct SharedPolicy {
    cache_control: HeaderValue,
}

impl SharedPolicy {
    /// `lifetime` zero: shared caches must ask every time (they may still
    /// revalidate with the `ETag`).
    pub fn new(lifetime: Duration) -> Self {
        let text = match lifetime.as_secs() {
            0 => "public, no-cache".to_string(),
            secs => format!("public, max-age=0, s-maxage={secs}"),
        };
        Self { cache_control: HeaderValue::from_str(&text).expect("ASCII") }
    }
}

/// Middleware, inside compression (it reads the page's own bytes): makes
/// an anonymous page shareable, and answers a conditional request for it.
pub async fn share(State(policy): State<SharedPolicy>, request: Request, next: Next) -> Response {
    let anonymous = matches!(*request.method(), Method::GET | Method::HEAD)
        && !request.headers().contains_key(header::COOKIE)
        && !request.headers().contains_key(header::AUTHORIZATION);
    if !anonymous {
        return next.run(request).await;
    }
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).cloned();
    let response = next.run(request).await;
    if !shareable(&response) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_PAGE_BYTES).await {
        Ok(bytes) => bytes,
        // Over 2 MiB (no page is) or a failed render: part of the body is
        // gone, so answer as an error rather than a truncated page.
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    let bytes = match nonce_of(&parts.headers) {
        Some(nonce) => {
            let (page, hashes) = hash_scripts(&bytes, &nonce);
            let policy = policy_with_hashes(&parts.headers, &nonce, &hashes);
            match HeaderValue::from_str(&policy) {
                Ok(value) => {
                    parts.headers.insert(header::CONTENT_SECURITY_POLICY, value);
                    Bytes::from(page)
                }
                // Cannot happen (hashes are base64), but never send a page
                // whose policy no longer matches it.
                Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            }
        }
        None => bytes,
    };
    let etag = etag_of(&bytes);
    parts.headers.insert(header::ETAG, etag.clone());
    parts.headers.insert(header::CACHE_CONTROL, policy.cache_control.clone());
    // A request with a cookie is answered privately; compression adds
    // Accept-Encoding itself.
    parts.headers.append(header::VARY, HeaderValue::from_static("cookie"));
    parts.headers.remove(header::CONTENT_LENGTH);
    if parts.status == StatusCode::OK && matches(if_none_match.as_ref(), &etag) {
        return not_modified(&parts.headers);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// An HTML page answered 200 or 404 that nothing marked private.
fn shareable(response: &Response) -> bool {
    let headers = response.headers();
    let html =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"));
    html && matches!(response.status(), StatusCode::OK | StatusCode::NOT_FOUND)
        && !headers.contains_key(header::SET_COOKIE)
        && !headers.contains_key(header::CACHE_CONTROL)
}

/// Whether `If-None-Match` names `etag` (or is `*`), compared weakly as
/// RFC 9110 asks for it.
pub fn matches(if_none_match: Option<&HeaderValue>, etag: &HeaderValue) -> bool {
    let Some(text) = if_none_match.and_then(|v| v.to_str().ok()) else { return false };
    let ours = etag.to_str().unwrap_or_default().trim_start_matches("W/");
    text.split(',').map(str::trim).any(|tag| tag == "*" || tag.trim_start_matches("W/") == ours)
}

/// `304 Not Modified` carrying the validators and caching headers of the
/// full answer, as a cache needs them to refresh its copy.
pub fn not_modified(headers: &HeaderMap) -> Response {
    let mut response = StatusCode::NOT_MODIFIED.into_response();
    for name in [header::ETAG, header::CACHE_CONTROL, header::VARY, header::CONTENT_SECURITY_POLICY] {
        for value in headers.get_all(&name) {
            response.headers_mut().append(name.clone(), value.clone());
        }
    }
    response
}

/// A weak validator from the page's bytes.
fn etag_of(page: &[u8]) -> HeaderValue {
    let digest = Sha256::digest(page);
    let tag = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..18]);
    HeaderValue::from_str(&format!("W/\"{tag}\"")).expect("base64 is ASCII")
}

/// The nonce the page's policy names (`'nonce-…'` in `script-src`).
fn nonce_of(headers: &HeaderMap) -> Option<String> {
    let policy = headers.get(header::CONTENT_SECURITY_POLICY)?.to_str().ok()?;
    let start = policy.find("'nonce-")? + "'nonce-".len();
    let end = start + policy[start..].find('\'')?;
    let nonce = &policy[start..end];
    (!nonce.is_empty()).then(|| nonce.to_string())
}

/// The page without its nonce attributes, and the CSP hash source of every
/// inline script that carried the nonce, in page order.
fn hash_scripts(page: &[u8], nonce: &str) -> (Vec<u8>, Vec<String>) {
    let attribute = format!(" nonce=\"{nonce}\"");
    let mut out = Vec::with_capacity(page.len());
    let mut hashes = Vec::new();
    let mut rest = page;
    while let Some(at) = find(rest, b"<script") {
        let Some(tag_end) = find(&rest[at..], b">").map(|end| at + end) else { break };
        let tag = &rest[at..tag_end];
        let Some(attribute_at) = find(tag, attribute.as_bytes()) else {
            out.extend_from_slice(&rest[..=tag_end]);
            rest = &rest[tag_end + 1..];
            continue;
        };
        // The tag, less the attribute.
        out.extend_from_slice(&rest[..at + attribute_at]);
        out.extend_from_slice(&rest[at + attribute_at + attribute.len()..=tag_end]);
        let content_start = tag_end + 1;
        let content_end = find(&rest[content_start..], b"</script").map_or(rest.len(), |end| content_start + end);
        let content = &rest[content_start..content_end];
        let digest = Sha256::digest(content);
        hashes.push(format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest)));
        out.extend_from_slice(content);
        rest = &rest[content_end..];
    }
    out.extend_from_slice(rest);
    (out, hashes)
}

/// The page's policy with `'nonce-…'` replaced by `hashes`.
fn policy_with_hashes(headers: &HeaderMap, nonce: &str, hashes: &[String]) -> String {
    let policy = headers.get(header::CONTENT_SECURITY_POLICY).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let source = format!("'nonce-{nonce}'");
    let replacement = hashes.join(" ");
    let policy = policy.replace(&source, &replacement);
    // No script of its own: "script-src 'self'  'wasm-unsafe-eval'" reads the same.
    policy.replace("  ", " ")
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_with_the_nonce_are_hashed_and_lose_it() {
        let page = br#"<head><script type="module" nonce="abc">run()</script></head><body><p>x</p><script nonce="abc">data=1</script><script>evil()</script></body>"#;
        let (out, hashes) = hash_scripts(page, "abc");
        let out = String::from_utf8(out).unwrap();
        assert_eq!(
            out,
            r#"<head><script type="module">run()</script></head><body><p>x</p><script>data=1</script><script>evil()</script></body>"#
        );
        let expected = |text: &str| {
            format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes())))
        };
        assert_eq!(hashes, vec![expected("run()"), expected("data=1")], "the script without the nonce is not allowed");
    }

    #[test]
    fn the_policy_names_hashes_instead_of_the_nonce() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; script-src 'self' 'nonce-abc' 'wasm-unsafe-eval'"),
        );
        assert_eq!(nonce_of(&headers).as_deref(), Some("abc"));
        assert_eq!(
            policy_with_hashes(&headers, "abc", &["'sha256-x'".into(), "'sha256-y'".into()]),
            "default-src 'self'; script-src 'self' 'sha256-x' 'sha256-y' 'wasm-unsafe-eval'"
        );
        assert_eq!(
            policy_with_hashes(&headers, "abc", &[]),
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'"
        );
    }

    #[test]
    fn conditional_requests_compare_weakly() {
        let etag = HeaderValue::from_static("W/\"abc\"");
        let header = |text: &'static str| HeaderValue::from_static(text);
        assert!(matches(Some(&header("W/\"abc\"")), &etag));
        assert!(matches(Some(&header("\"abc\"")), &etag));
        assert!(matches(Some(&header("\"x\", W/\"abc\"")), &etag));
        assert!(matches(Some(&header("*")), &etag));
        assert!(!matches(Some(&header("W/\"abd\"")), &etag));
        assert!(!matches(None, &etag));
    }
}
