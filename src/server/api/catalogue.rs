//! The public catalogue through the API: `GET /api/v1/courses` (the
//! catalogue page's search, with the same parameters) and
//! `GET /api/v1/courses/{slug}`. Anyone may read them; a shared cache may
//! keep them for `LYCEUM_API_CACHE_SECS` (see [`super::public`]).

use super::page::Paged;
use super::{ApiProblem, public};
use crate::error::AppError;
use crate::server::AppState;
use crate::server::catalogue::data::{Course, CourseSummary};
use crate::server::error::Error;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A search the page would answer with a notice (an unknown category, a
/// page out of range) is a problem here: a program is told, not guessed for.
fn refused(notices: &[crate::model::query::Notice]) -> Response {
    let errors: Vec<_> = notices.iter().map(|n| serde_json::json!({ "field": n.field, "detail": n.message })).collect();
    let body = serde_json::json!({
        "type": "/api/problems/invalid",
        "title": AppError::Invalid(Vec::new()).to_string(),
        "status": 422,
        "errors": errors,
    });
    (StatusCode::UNPROCESSABLE_ENTITY, [(header::CONTENT_TYPE, "application/problem+json")], body.to_string())
        .into_response()
}

/// `GET /api/v1/courses?q=&category=&kind=&mode=&location=&level=&from=&to=&sort=&page=&per_page=`.
pub async fn courses(State(state): State<AppState>, RawQuery(raw): RawQuery, headers: HeaderMap) -> Response {
    let raw = raw.unwrap_or_default();
    let results = match state.catalogue.search(&raw).await {
        Ok(results) => results,
        Err(error) => return ApiProblem(error).into_response(),
    };
    if !results.notices.is_empty() {
        return refused(&results.notices);
    }
    let query = &results.query;
    let (page, per_page) = (query.page as usize, query.per_page as usize);
    let total = usize::try_from(results.total).unwrap_or(usize::MAX);
    let listed = Paged::<CourseSummary> { items: results.items, page, per_page, total };
    let rest = without_page(&raw);
    let path = match rest.is_empty() {
        true => "/api/v1/courses".to_string(),
        false => format!("/api/v1/courses?{rest}"),
    };
    public(&state, &headers, listed.answer(&path)).await
}

/// The query string without its `page` and `per_page`, for the `Link`
/// header to add its own.
fn without_page(raw: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(url::form_urlencoded::parse(raw.as_bytes()).filter(|(k, _)| k != "page" && k != "per_page"))
        .finish()
}

/// `GET /api/v1/courses/{slug}`: one published course with its upcoming
/// sessions and the seats left in each.
pub async fn course(State(state): State<AppState>, Path(slug): Path<String>, headers: HeaderMap) -> Response {
    match state.catalogue.course(&slug).await {
        Ok(Some(course)) => public(&state, &headers, axum::Json(answer(&course)).into_response()).await,
        Ok(None) => ApiProblem(Error::NotFound).into_response(),
        Err(error) => ApiProblem(error).into_response(),
    }
}

/// A course as the API gives it: the catalogue's own value, each session
/// with its seats left spelled out.
fn answer(course: &Course) -> serde_json::Value {
    let mut value = serde_json::to_value(course).unwrap_or_default();
    if let Some(sessions) = value["sessions"].as_array_mut() {
        for (json, session) in sessions.iter_mut().zip(&course.sessions) {
            json["seats_left"] = session.seats_left().into();
        }
    }
    value
}

/// `GET /api/v1/sessions/{id}`: one date of a published course, with its
/// status and the seats left. Its seats change by the second, so a cache
/// asks again each time (`no-cache`, with an `ETag`).
pub async fn session(State(state): State<AppState>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let id = match super::id(&id) {
        Ok(id) => id,
        Err(problem) => return problem.into_response(),
    };
    match state.catalogue.session(id).await {
        Ok(Some((found, status))) => {
            let mut value = serde_json::to_value(&found).unwrap_or_default();
            value["status"] = status.into();
            value["session"]["seats_left"] = found.session.seats_left().into();
            super::conditional(&headers, axum::Json(value).into_response(), "no-cache").await
        }
        Ok(None) => ApiProblem(Error::NotFound).into_response(),
        Err(error) => ApiProblem(error).into_response(),
    }
}
