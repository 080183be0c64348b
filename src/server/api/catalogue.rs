//! The public catalogue through the API: `GET /api/v1/courses` (the
//! catalogue page's search, with the same parameters) and
//! `GET /api/v1/courses/{slug}`. Anyone may read them; a shared cache may
//! keep them for `LYCEUM_API_CACHE_SECS` (see [`super::public`]).

use super::page::{Paged, without_page};
use super::{ApiProblem, public};
use crate::model::query::{Kind, Level, Mode, Sort};
use crate::server::AppState;
use crate::server::catalogue::data::{Course, CourseSummary, UpcomingSession};
use crate::server::error::{Error, FieldProblem, Problem};
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A search the page would answer with a notice (an unknown category, a
/// page out of range) is a problem here: a program is told, not guessed for.
pub(super) fn refused(notices: &[crate::model::query::Notice]) -> Response {
    Problem::invalid(
        notices.iter().map(|n| FieldProblem { field: n.field.clone(), detail: n.message.clone() }).collect(),
    )
    .into_response()
}

/// `GET /api/v1/courses?q=&category=&kind=&mode=&location=&level=&from=&to=&sort=&page=&per_page=`.
#[utoipa::path(
    get,
    path = "/courses",
    tag = "catalogue",
    operation_id = "listCourses",
    summary = "Search the catalogue",
    description = "The catalogue page's search, with the same parameters: words in `q` (title, summary, \
        description), filters, sort and pages. Each course comes with its next date that matches and has a \
        seat left. A parameter the page would set aside with a notice (an unknown category, a malformed \
        date, a page out of range) is a `422` naming it. A shared cache may keep the answer for a short time.",
    params(
        ("q" = Option<String>, Query, description = "Search words.", example = "kubernetes"),
        ("category" = Option<String>, Query, description = "A category's slug."),
        ("kind" = Option<Kind>, Query, description = "IT or soft skills."),
        ("mode" = Option<Mode>, Query, description = "Courses with a date online, or in person."),
        ("location" = Option<String>, Query, description = "Courses with a date at this campus (its slug)."),
        ("level" = Option<Level>, Query),
        ("from" = Option<chrono::NaiveDate>, Query, description = "With a date starting on this day or later (the academy's time zone)."),
        ("to" = Option<chrono::NaiveDate>, Query, description = "With a date starting on this day or before."),
        ("sort" = Option<Sort>, Query, description = "`relevance` (with search words), `date`, `title`, `price` or `price-desc`."),
        ("page" = Option<u32>, Query, minimum = 1, description = "The page, from 1."),
        ("per_page" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Courses a page holds (12 unless asked)."),
    ),
    responses(
        (status = 200, description = "A page of courses", body = Paged<CourseSummary>,
            headers(
                ("ETag" = String, description = "The answer's tag, for `If-None-Match`."),
                ("Link" = String, description = "The next and previous pages (RFC 8288)."),
                ("Cache-Control" = String, description = "How long a shared cache may keep it."),
            )),
        (status = 304, description = "Not modified since the tag named in `If-None-Match`."),
    )
)]
pub async fn courses(State(state): State<AppState>, RawQuery(raw): RawQuery, headers: HeaderMap) -> Response {
    let raw = raw.unwrap_or_default();
    let uri = format!("/api/v1/courses?{raw}");
    public(&state, &headers, &uri, || async {
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
        listed.answer(&path)
    })
    .await
}

/// `GET /api/v1/courses/{slug}`: one published course with its upcoming
/// sessions and the seats left in each.
#[utoipa::path(
    get,
    path = "/courses/{slug}",
    tag = "catalogue",
    operation_id = "getCourse",
    summary = "One course with its upcoming dates",
    params(("slug" = String, Path, description = "The course's slug.", example = "kubernetes-fundamentals")),
    responses(
        (status = 200, description = "The course", body = Course,
            headers(
                ("ETag" = String, description = "The answer's tag, for `If-None-Match`."),
                ("Cache-Control" = String, description = "How long a shared cache may keep it."),
            )),
        (status = 304, description = "Not modified since the tag named in `If-None-Match`."),
    )
)]
pub async fn course(State(state): State<AppState>, Path(slug): Path<String>, headers: HeaderMap) -> Response {
    let uri = format!("/api/v1/courses/{slug}");
    public(&state, &headers, &uri, || async {
        match state.catalogue.course(&slug).await {
            Ok(Some(course)) => axum::Json(&*course).into_response(),
            Ok(None) => ApiProblem(Error::NotFound).into_response(),
            Err(error) => ApiProblem(error).into_response(),
        }
    })
    .await
}

/// A date of a course, with whether it runs.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScheduledSession {
    #[serde(flatten)]
    pub upcoming: UpcomingSession,
    /// `scheduled`, `cancelled` (called off by the academy) or `completed`.
    pub status: String,
}

/// `GET /api/v1/sessions/{id}`: one date of a published course, with its
/// status and the seats left. Its seats change by the second, so a cache
/// asks again each time (`no-cache`, with an `ETag`).
#[utoipa::path(
    get,
    path = "/sessions/{id}",
    tag = "catalogue",
    operation_id = "getSession",
    summary = "One date, with the seats left",
    description = "Any date of a published course, past or called off too (see `status`). Its seats change \
        by the second, so a cache must ask again each time (`no-cache`); the `ETag` makes that cheap.",
    params(("id" = i64, Path, description = "The session's id.")),
    responses(
        (status = 200, description = "The date", body = ScheduledSession,
            headers(("ETag" = String, description = "The answer's tag, for `If-None-Match`."))),
        (status = 304, description = "Not modified since the tag named in `If-None-Match`."),
    )
)]
pub async fn session(State(state): State<AppState>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let id = match super::id(&id) {
        Ok(id) => id,
        Err(problem) => return problem.into_response(),
    };
    match state.catalogue.session(id).await {
        Ok(Some((upcoming, status))) => {
            let answer = axum::Json(ScheduledSession { upcoming, status }).into_response();
            super::conditional(&headers, answer, "no-cache").await
        }
        Ok(None) => ApiProblem(Error::NotFound).into_response(),
        Err(error) => ApiProblem(error).into_response(),
    }
}
