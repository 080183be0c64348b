//! The REST API, `/api/v1`: an edge beside the pages, not a second domain.
//! Handlers read who is calling once ([`Credentials`]), parse the request
//! into the same typed values the pages use, call the same domain
//! functions, and answer JSON; every error is `application/problem+json`
//! ([`ApiProblem`]), with the request's id.

pub mod answers;
mod catalogue;
mod certificates;
mod course_edits;
pub mod doc;
mod enrollments;
pub mod idempotency;
mod json;
pub mod limits;
mod me;
mod page;
pub mod reference;
mod session_edits;
mod sessions;

use super::AppState;
use super::auth::Credentials;
use super::error::{ApiProblem, Error, Problem};
use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::OnceLock;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// What a handler answers: JSON, or a problem.
pub type ApiResult<T> = Result<T, ApiProblem>;

/// Where the API is served.
pub const BASE: &str = "/api/v1";
/// The largest body the API reads: an order with twenty colleagues is
/// well under it.
pub const BODY_MAX_BYTES: usize = 64 * 1024;

/// The API's routes under `/api/v1`, and the document describing them:
/// each route is registered with its description, so none is served
/// undocumented.
fn parts() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let v1 = OpenApiRouter::new()
        .routes(routes!(catalogue::courses, course_edits::create))
        .routes(routes!(catalogue::course, course_edits::update, course_edits::delete))
        .routes(routes!(sessions::list, session_edits::schedule))
        .routes(routes!(catalogue::session, session_edits::update, session_edits::cancel))
        .routes(routes!(sessions::enrol))
        .routes(routes!(certificates::verify))
        .routes(routes!(me::me))
        .routes(routes!(me::enrollments))
        .routes(routes!(enrollments::enrol))
        .routes(routes!(enrollments::cancel, enrollments::relocate))
        .routes(routes!(doc::openapi_json))
        .fallback(not_found);
    let (router, document) = OpenApiRouter::with_openapi(doc::Frame::openapi()).nest(BASE, v1).split_for_parts();
    (router, doc::finish(document))
}

/// The API's routes, with `/api/v1` in their paths; innermost first: the
/// body's limit, the request limits, every error made a problem with the
/// request's id, and CORS for the origins configured.
pub fn router(state: &AppState) -> Router<AppState> {
    let router = parts()
        .0
        .layer(axum::extract::DefaultBodyLimit::max(BODY_MAX_BYTES))
        .layer(axum::middleware::from_fn_with_state(state.clone(), limits::limit))
        .layer(axum::middleware::from_fn(with_request_id));
    match cors(&state.config.api_cors_origins) {
        Some(cors) => router.layer(cors),
        None => router,
    }
}

/// CORS for the configured origins: what a partner's page may send and
/// read; none when no origin is configured.
fn cors(origins: &[String]) -> Option<tower_http::cors::CorsLayer> {
    use axum::http::Method;
    use tower_http::cors::{AllowOrigin, CorsLayer};
    let origins: Vec<HeaderValue> = origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    if origins.is_empty() {
        return None;
    }
    let name = |n: &'static str| header::HeaderName::from_static(n);
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::IF_NONE_MATCH,
                name(idempotency::HEADER),
            ])
            .expose_headers([
                header::ETAG,
                header::LINK,
                header::RETRY_AFTER,
                header::LOCATION,
                name("ratelimit"),
                name("ratelimit-policy"),
                name("idempotent-replayed"),
                name("x-request-id"),
            ])
            .max_age(std::time::Duration::from_secs(600)),
    )
}

/// The OpenAPI document of the API, made once.
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOCUMENT: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOCUMENT.get_or_init(|| parts().1)
}

/// A path the API does not have: a type of its own, so a typo in a path
/// is told apart from an id that names nothing.
async fn not_found() -> Response {
    Problem::new("no-such-endpoint", "The API has no such path: see /api/v1/openapi.json.", StatusCode::NOT_FOUND)
        .into_response()
}

/// A public answer (the same for everyone), `build` when it is not kept
/// already ([`answers`]): a shared cache may keep it for
/// `LYCEUM_API_CACHE_SECS`; it carries an `ETag` (a hash of its body), and
/// a request whose `If-None-Match` names it is answered `304` with no body.
/// `uri` is the request's path and query, which the answer depends on alone.
pub async fn public<F, Fut>(state: &AppState, request: &axum::http::HeaderMap, uri: &str, build: F) -> Response
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Response>,
{
    let cache = HeaderValue::from_str(&format!("public, max-age={}", state.config.api_cache.as_secs()))
        .expect("a cache policy is a header value");
    let key = state.api_answers.key(uri);
    if let Some(kept) = state.api_answers.get(&key) {
        return kept.answer(request, cache);
    }
    let response = build().await;
    if response.status() != StatusCode::OK {
        return response;
    }
    match answers::Kept::of(response).await {
        Some(kept) => {
            let kept = std::sync::Arc::new(kept);
            state.api_answers.keep(key, kept.clone());
            kept.answer(request, cache)
        }
        None => ApiProblem(Error::Internal("an answer over 1 MiB".into())).into_response(),
    }
}

/// An answer with an `ETag` and the `Cache-Control` given, `304` when the
/// request's `If-None-Match` names its tag.
pub async fn conditional(request: &axum::http::HeaderMap, response: Response, cache: &'static str) -> Response {
    if response.status() != StatusCode::OK {
        return response;
    }
    match answers::Kept::of(response).await {
        Some(kept) => kept.answer(request, HeaderValue::from_static(cache)),
        None => ApiProblem(Error::Internal("an answer over 1 MiB".into())).into_response(),
    }
}

/// Who is calling ([`Credentials`]), refused as a problem when their token
/// is.
pub struct Caller(pub Credentials);

impl axum::extract::FromRequestParts<AppState> for Caller {
    type Rejection = ApiProblem;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &AppState) -> Result<Self, ApiProblem> {
        Ok(Caller(Credentials::from_request_parts(parts, state).await?))
    }
}

/// The problem of a write that names no version (or not a number).
pub(super) fn missing_version() -> ApiProblem {
    use crate::model::form::{Field, FieldError, Problem as Why};
    ApiProblem(Error::Refused(crate::error::AppError::Invalid(vec![FieldError {
        field: Field::Version,
        problem: Why::MalformedNumber,
    }])))
}

/// Notes in the audit trail what a token changed (a session's changes are
/// the pages' own to note).
pub(super) async fn note(state: &AppState, credentials: &Credentials, client: &super::client::Client, change: &str) {
    if let Credentials::Token(bearer) = credentials {
        state.tokens.record_change(bearer, client, change).await;
    }
}

/// A path parameter that must be an id: a 404 problem otherwise, as an
/// unknown id is.
pub fn id(text: &str) -> Result<i64, ApiProblem> {
    text.parse::<i64>().ok().filter(|id| *id > 0).ok_or(ApiProblem(Error::NotFound))
}

/// A problem for an error answered before a handler ran (the router's
/// 405, with its `Allow`; an extractor's refusal): its kind and title.
fn framework_problem(status: StatusCode) -> (&'static str, &'static str) {
    match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            ("method-not-allowed", "This method is not allowed here: see the Allow header.")
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported-media-type", "Send JSON (Content-Type: application/json)."),
        StatusCode::PAYLOAD_TOO_LARGE => ("too-large", "This request is too large."),
        StatusCode::NOT_FOUND => ("not-found", "We could not find that."),
        StatusCode::UNPROCESSABLE_ENTITY => ("invalid", "The request's fields are not acceptable."),
        _ => ("bad-request", "This request could not be read."),
    }
}

/// Every error the API answers is a problem, with the request's id for
/// the caller to quote: the handlers' own, and those answered before a
/// handler ran, which are rewritten here.
async fn with_request_id(request: Request, next: Next) -> Response {
    let id = request.headers().get(super::security::REQUEST_ID).and_then(|v| v.to_str().ok()).map(str::to_string);
    let response = next.run(request).await;
    let status = response.status();
    if !status.is_client_error() && !status.is_server_error() {
        return response;
    }
    let problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|kind| kind.as_bytes().starts_with(b"application/problem+json"));
    let (mut parts, body) = response.into_parts();
    let ours = match problem {
        true => match axum::body::to_bytes(body, 64 * 1024).await {
            Ok(bytes) => serde_json::from_slice::<Problem>(&bytes).ok(),
            Err(_) => None,
        },
        false => None,
    };
    let mut problem = ours.unwrap_or_else(|| {
        let (kind, title) = framework_problem(status);
        Problem::new(kind, title, status)
    });
    problem.request_id = id;
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = serde_json::to_string(&problem).expect("a problem serialises");
    Response::from_parts(parts, Body::from(body))
}
