//! The back office's CSV files over HTTP: courses, sessions and a
//! session's roster downloaded, and courses or sessions imported.
//!
//! Downloads are plain GETs (a browser saves them as they come); the role
//! is checked by the extractor and again by the domain. The import is a
//! form with a file (`multipart/form-data`, the one body of that kind
//! Lyceum reads, up to [`IMPORT_MAX_BYTES`]: see `security::sound_input`).
//! A file refused is answered with the import page itself, the problems in
//! a table, with a 4xx status; a file imported with a redirect to the page
//! and its counts, so reloading it sends nothing again.

use super::AppState;
use super::audit::Actor;
use super::auth::{CurrentUser, Require, Staff};
use super::client::Client;
use super::csv_files::{Table, file_name};
use super::error::Error;
use crate::app::shell;
use crate::error::AppError;
use crate::model::import::{ImportKind, ImportRefusal};
use crate::server::present::admin::price_field;
use axum::{
    Extension,
    body::Body,
    extract::{FromRequest, Multipart, Path, Query, Request, State},
    http::{Method, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use leptos::prelude::provide_context;

pub use super::csv_files::{IMPORT_MAX_BYTES, IMPORT_PATH};

/// A CSV attachment named `name` (made safe here).
fn attachment(name: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", file_name(name))),
            // Rosters hold personal data; none of them is worth keeping on the way.
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

/// Writes a table off the async runtime: an export may hold many rows.
async fn write_table<T: Send + 'static>(
    rows: Vec<T>,
    write: impl FnOnce(Vec<T>) -> Table + Send + 'static,
) -> Result<Vec<u8>, Error> {
    tokio::task::spawn_blocking(move || write(rows).finish()).await.map_err(|e| Error::Internal(format!("csv: {e}")))
}

fn local(tz: Tz, at: DateTime<Utc>, format: &str) -> String {
    at.with_timezone(&tz).format(format).to_string()
}

fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn yes_no(flag: bool) -> &'static str {
    if flag { "yes" } else { "no" }
}

fn today(tz: Tz) -> String {
    local(tz, Utc::now(), "%Y-%m-%d")
}

/// The headings of the courses export: the columns the import reads, with
/// the course's id and state before them and its last change after.
pub const COURSE_HEADINGS: [&str; 16] = [
    "id",
    "state",
    "slug",
    "title",
    "category",
    "summary",
    "description",
    "outcomes",
    "prerequisites",
    "level",
    "duration_hours",
    "price",
    "currency",
    "language",
    "awards_certificate",
    "updated_at_utc",
];

/// `GET /admin/export/courses.csv`: every course.
pub async fn export_courses(
    State(state): State<AppState>,
    Require(user, _): Require<Staff>,
) -> Result<Response, Error> {
    let courses = state.catalogue.export_courses(&user).await?;
    let body = write_table(courses, |courses| {
        let mut table = Table::new(&COURSE_HEADINGS);
        for c in courses {
            let state = if c.archived {
                "archived"
            } else if c.published {
                "published"
            } else {
                "draft"
            };
            let (id, hours, price, updated) =
                (c.id.to_string(), c.duration_hours.to_string(), price_field(c.price_cents), utc(c.updated_at));
            table.row([
                id.as_str(),
                state,
                &c.slug,
                &c.title,
                &c.category,
                &c.summary,
                &c.description,
                &c.outcomes,
                &c.prerequisites,
                c.level.as_str(),
                &hours,
                &price,
                &c.currency,
                &c.language,
                yes_no(c.awards_certificate),
                &updated,
            ]);
        }
        table
    })
    .await?;
    Ok(attachment(&format!("courses-{}.csv", today(state.config.timezone)), body))
}

/// The headings of the sessions export: the columns the import reads
/// (`date`, `start_time`, `end_time` in the academy's local time), then
/// the same instants in UTC and the session's seats.
pub const SESSION_HEADINGS: [&str; 15] = [
    "id",
    "course",
    "date",
    "start_time",
    "end_time",
    "starts_at_utc",
    "ends_at_utc",
    "timezone",
    "mode",
    "campus",
    "instructor",
    "capacity",
    "seats_taken",
    "waitlisted",
    "status",
];

#[derive(serde::Deserialize)]
pub struct SessionsQuery {
    course: Option<String>,
}

/// `GET /admin/export/sessions.csv[?course={slug}]`: every session, or one course's.
pub async fn export_sessions(
    State(state): State<AppState>,
    Require(user, _): Require<Staff>,
    Query(query): Query<SessionsQuery>,
) -> Result<Response, Error> {
    let course = query.course.filter(|c| !c.is_empty());
    let sessions = state.catalogue.export_sessions(&user, course.as_deref()).await?;
    let tz = state.config.timezone;
    let body = write_table(sessions, move |sessions| {
        let mut table = Table::new(&SESSION_HEADINGS);
        for s in sessions {
            let cells = [
                s.id.to_string(),
                s.course,
                local(tz, s.starts_at, "%Y-%m-%d"),
                local(tz, s.starts_at, "%H:%M"),
                local(tz, s.ends_at, "%H:%M"),
                utc(s.starts_at),
                utc(s.ends_at),
                tz.name().to_string(),
                s.mode.as_str().to_string(),
                s.campus.unwrap_or_default(),
                s.instructor.unwrap_or_default(),
                s.capacity.to_string(),
                s.seats_taken.to_string(),
                s.waitlisted.to_string(),
                s.status,
            ];
            table.row(cells.iter().map(String::as_str));
        }
        table
    })
    .await?;
    let name = match &course {
        Some(course) => format!("sessions-{course}-{}.csv", today(tz)),
        None => format!("sessions-{}.csv", today(tz)),
    };
    Ok(attachment(&name, body))
}

/// `GET /admin/sessions/{id}/roster.csv`: a session's roster, for staff and
/// the session's own instructor (as its page: `Enrolments::roster`).
pub async fn export_roster(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let id: i64 = id.parse().map_err(|_| Error::NotFound)?;
    let roster = state.enrolments.roster(&user, id).await?;
    let tz = state.config.timezone;
    let name = format!("roster-{}-{}.csv", roster.course_slug, local(tz, roster.starts_at, "%Y-%m-%d"));
    // A session over several days has a column for each day's attendance.
    let day_headings: Vec<String> = match roster.days.len() {
        1 => Vec::new(),
        _ => roster.days.iter().map(|d| format!("attendance_{}", d.day)).collect(),
    };
    let body = write_table(roster.entries, move |entries| {
        let mut headings = vec!["name", "email", "status", "waitlist_position", "attendance"];
        headings.extend(day_headings.iter().map(String::as_str));
        headings.extend(["completed", "certificate"]);
        let mut table = Table::new(&headings);
        for e in entries {
            let position = e.waitlist_position.map(|p| p.to_string()).unwrap_or_default();
            let certificate = match (&e.certificate, e.certificate_revoked) {
                (Some(code), false) => code.clone(),
                (Some(code), true) => format!("{code} (revoked)"),
                (None, _) => String::new(),
            };
            let days = e.days.iter().take(day_headings.len()).map(|a| a.map(|a| a.as_str()).unwrap_or(""));
            let mut row = vec![
                e.learner_name.as_str(),
                &e.learner_email,
                e.status.as_str(),
                &position,
                e.attendance.map(|a| a.as_str()).unwrap_or(""),
            ];
            row.extend(days);
            row.extend([yes_no(e.completed), &certificate]);
            table.row(row);
        }
        table
    })
    .await?;
    Ok(attachment(&name, body))
}

/// The kind of file and its bytes, from the import form.
async fn read_form(mut form: Multipart) -> Result<(ImportKind, Vec<u8>), AppError> {
    let bad = |what: &str| AppError::BadRequest(what.into());
    let (mut kind, mut file) = (None, None);
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(AppError::TooLarge),
            Err(_) => return Err(bad("The form could not be read. Reload the page and try again.")),
        };
        let name = field.name().unwrap_or_default().to_string();
        let bytes = match field.bytes().await {
            Ok(bytes) => bytes,
            Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(AppError::TooLarge),
            Err(_) => return Err(bad("The form could not be read. Reload the page and try again.")),
        };
        match name.as_str() {
            "kind" => kind = std::str::from_utf8(&bytes).ok().and_then(ImportKind::parse),
            "file" => file = Some(bytes.to_vec()),
            _ => {}
        }
    }
    let kind = kind.ok_or_else(|| bad("Choose what the file holds: courses or dates."))?;
    let file = file.filter(|f| !f.is_empty()).ok_or_else(|| bad("Choose a CSV file to import."))?;
    Ok((kind, file))
}

/// `POST /admin/import`: a CSV file of courses or sessions, imported whole
/// or not at all.
pub async fn import(
    State(state): State<AppState>,
    Require(user, _): Require<Staff>,
    Extension(client): Extension<Client>,
    request: Request,
) -> Result<Response, Error> {
    let (parts, body) = request.into_parts();
    let form = Multipart::from_request(Request::from_parts(parts.clone(), body), &state)
        .await
        .map_err(|_| Error::Refused(AppError::BadRequest("Send the file from the import page's form.".into())))?;
    let (kind, file) = read_form(form).await?;
    let actor = Actor { user: &user, client: &client };
    match state.catalogue.import(actor, kind, file).await? {
        Ok(created) => {
            Ok(Redirect::to(&format!("{IMPORT_PATH}?imported={}&count={created}", kind.as_str())).into_response())
        }
        Err(refusal) => Ok(refused_page(state, parts, refusal).await),
    }
}

/// The import page, rendered with `refusal` for it to show.
async fn refused_page(state: AppState, mut parts: axum::http::request::Parts, refusal: ImportRefusal) -> Response {
    let status = StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
    // The page is rendered as its GET would be, with the refusal beside it.
    parts.method = Method::GET;
    let leptos = state.leptos.clone();
    let handler = leptos_axum::render_app_async_with_context(
        {
            let state = state.clone();
            move || {
                provide_context(state.clone());
                provide_context(refusal.clone());
            }
        },
        move || shell(leptos.clone()),
    );
    let mut response = handler(Request::from_parts(parts, Body::empty())).await.into_response();
    *response.status_mut() = status;
    response
}
