//! A form sent without JavaScript that fails comes back to its page with
//! what was typed and the errors next to the fields, and nothing in the
//! address.
//!
//! leptos answers such a post by redirecting to the page it came from
//! with the error in the query (`?__path=…&__err=…`), where a reload or a
//! shared link shows it again, and the typed values are lost. Here the
//! error and the fields (without passwords or tokens) go into the session
//! instead, the redirect goes to the clean address, and the page's next
//! request takes them out again for the page to render (see
//! `components::form`). A marker cookie says there is something to take,
//! so other requests never load the session for it.

use crate::error::AppError;
use crate::model::returned::Returned;
use crate::model::url::{encode_pairs, parse_pairs};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use tower_sessions::Session;

const KEY: &str = "returned_form";
/// Says the session holds a returned form; carries nothing itself.
const MARKER: &str = "lyceum_returned";

/// The marker cookie, `Secure` when the site is served over https, like
/// the session cookie it stands beside.
#[derive(Clone, Copy, Debug)]
pub struct Marker {
    pub secure: bool,
}

impl Marker {
    fn set(self) -> Option<HeaderValue> {
        self.cookie("1", "")
    }

    fn clear(self) -> Option<HeaderValue> {
        self.cookie("", "; Max-Age=0")
    }

    fn cookie(self, value: &str, expiry: &str) -> Option<HeaderValue> {
        let secure = if self.secure { "; Secure" } else { "" };
        HeaderValue::from_str(&format!("{MARKER}={value}; Path=/{expiry}; HttpOnly; SameSite=Lax{secure}")).ok()
    }
}

/// Around server functions and pages, inside the session layer.
pub async fn keep(State(marker): State<Marker>, request: Request, next: Next) -> Response {
    let Some(session) = request.extensions().get::<Session>().cloned() else {
        return next.run(request).await;
    };
    if request.method() == Method::POST && request.uri().path().starts_with("/rpc/") && is_form(&request) {
        return post(request, next, session, marker).await;
    }
    if request.method() == Method::GET && has_marker(&request) {
        return page(request, next, session, marker).await;
    }
    next.run(request).await
}

fn is_form(request: &Request) -> bool {
    super::security::body_type(request.headers()) == super::security::BodyType::Form
}

fn has_marker(request: &Request) -> bool {
    request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .any(|pair| pair.trim().split('=').next() == Some(MARKER))
}

/// A form post: when leptos sends it back with its error, keep the error
/// and the fields in the session and send it back to the clean address.
async fn post(request: Request, next: Next, session: Session, marker: Marker) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, super::security::MAX_BODY_BYTES).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "").into_response();
    };
    let fields = form_fields(&bytes);
    let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    if !response.status().is_redirection() || !response.headers().contains_key("serverfnerror") {
        return response;
    }
    let Some(location) = response.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()) else {
        return response;
    };
    let Some((page, action, error)) = split_location(location) else { return response };
    if matches!(error, AppError::BadRequest(_)) {
        return response;
    }
    let returned = Returned { action, page: page.clone(), error, fields };
    if session.insert(KEY, &returned).await.is_err() {
        return response;
    }
    let mut back = (StatusCode::SEE_OTHER, [(header::LOCATION, page)]).into_response();
    if let Some(cookie) = marker.set() {
        back.headers_mut().append(header::SET_COOKIE, cookie);
    }
    back
}

/// The typed fields of a form body, passwords and tokens left out.
fn form_fields(body: &Bytes) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(body);
    parse_pairs(&text).into_iter().filter(|(name, _)| !Returned::is_secret(name)).collect()
}

/// The page of leptos's redirect (path and query, without its own
/// parameters), the server function and the error it names.
fn split_location(location: &str) -> Option<(String, String, AppError)> {
    let uri: axum::http::Uri = location.parse().ok()?;
    let pairs = parse_pairs(uri.query().unwrap_or_default());
    let action = pairs.iter().find(|(name, _)| name == "__path")?.1.clone();
    let encoded = &pairs.iter().find(|(name, _)| name == "__err")?.1;
    let json = base64::engine::general_purpose::URL_SAFE.decode(encoded).ok()?;
    let error: AppError = serde_json::from_slice(&json).ok()?;
    let rest: Vec<(&str, &str)> = pairs
        .iter()
        // A success notice from before would stand beside the error.
        .filter(|(name, _)| name != "__path" && name != "__err" && name != "notice")
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let path = uri.path();
    // Only ever a path on this site.
    if !path.starts_with('/') || path.starts_with("//") {
        return None;
    }
    let page = match encode_pairs(rest) {
        query if query.is_empty() => path.to_string(),
        query => format!("{path}?{query}"),
    };
    Some((page, action, error))
}

/// A page asked for with the marker: take the returned form out of the
/// session, hand it to the page it belongs to, and drop the marker.
async fn page(mut request: Request, next: Next, session: Session, marker: Marker) -> Response {
    let returned: Option<Returned> = session.remove(KEY).await.ok().flatten();
    let here = match request.uri().query() {
        Some(query) => format!("{}?{query}", request.uri().path()),
        None => request.uri().path().to_string(),
    };
    if let Some(returned) = returned.filter(|r| r.page == here) {
        request.extensions_mut().insert(returned);
    }
    let mut response = next.run(request).await;
    if let Some(cookie) = marker.clear() {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::form::{Field, FieldError, Problem};

    #[test]
    fn leptos_redirect_splits_into_the_page_and_the_error() {
        let error = AppError::Invalid(vec![FieldError { field: Field::Email, problem: Problem::MalformedEmail }]);
        let encoded = base64::engine::general_purpose::URL_SAFE.encode(serde_json::to_vec(&error).unwrap());
        let location = format!(
            "http://127.0.0.1:3000/login?notice=verified&next=%2Faccount&__path=%2Frpc%2Faccount%2Flogin&__err={encoded}"
        );
        let (page, action, found) = split_location(&location).unwrap();
        assert_eq!((page.as_str(), action.as_str()), ("/login?next=%2Faccount", "/rpc/account/login"));
        assert_eq!(found, error);
        assert_eq!(split_location("/login?next=x"), None, "nothing to split");
    }

    #[test]
    fn the_marker_is_secure_over_https_only() {
        let set = |secure| Marker { secure }.set().unwrap().to_str().unwrap().to_string();
        assert_eq!(set(false), "lyceum_returned=1; Path=/; HttpOnly; SameSite=Lax");
        assert_eq!(set(true), "lyceum_returned=1; Path=/; HttpOnly; SameSite=Lax; Secure");
        let clear = Marker { secure: true }.clear().unwrap();
        assert_eq!(clear.to_str().unwrap(), "lyceum_returned=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure");
    }

    #[test]
    fn passwords_and_tokens_are_never_kept() {
        let fields = form_fields(&Bytes::from_static(
            b"name=Ann+Borg&email=ann%40example.com&password=hunter2hunter2&new_password=x&token=abc",
        ));
        assert_eq!(fields, [("name".to_string(), "Ann Borg".to_string()), ("email".into(), "ann@example.com".into())]);
    }
}
