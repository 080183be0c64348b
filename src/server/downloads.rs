//! Files rather than pages: a signed-in user's data, calendars (one
//! session's, and each learner's private feed), certificates' signed
//! credentials and the keys that verify them.

use super::AppState;
use super::auth::MaybeUser;
use super::client::Client;
use super::error::Error;
use axum::{
    Extension,
    extract::{Path, State},
    http::header,
    response::{IntoResponse, Redirect, Response},
};

/// The id in `{id}.ics`, or `None` for any other file name.
fn ics_name(file: &str) -> Option<&str> {
    file.strip_suffix(".ics").filter(|stem| !stem.is_empty())
}

fn calendar(body: String, filename: &str, cache: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
            (header::CACHE_CONTROL, cache.to_string()),
        ],
        body,
    )
        .into_response()
}

/// `GET /sessions/{id}.ics`: one session of a published course.
pub async fn session_calendar(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response, Error> {
    let id = ics_name(&file).and_then(|id| id.parse::<i64>().ok()).ok_or(Error::NotFound)?;
    let body = state.calendars.session(id).await?;
    Ok(calendar(body, &format!("session-{id}.ics"), "public, max-age=300"))
}

/// `GET /calendar/{token}.ics`: a learner's private feed. The token is the
/// only key, so the answer is never cached on the way.
pub async fn calendar_feed(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response, Error> {
    let token = ics_name(&file).ok_or(Error::NotFound)?;
    let body = state.calendars.feed(token).await?;
    Ok(calendar(body, "my-courses.ics", "private, no-store"))
}

/// `GET /.well-known/jwks.json`: the public keys of certificates'
/// credentials, the retired ones included.
pub async fn jwks(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/jwk-set+json"), (header::CACHE_CONTROL, "public, max-age=3600")],
        state.certificates.jwks().to_string(),
    )
        .into_response()
}

/// `GET /certificates/{code}/credential.jwt`: a certificate's signed Open
/// Badges credential, a compact JWS.
pub async fn credential(
    State(state): State<AppState>,
    Extension(client): Extension<Client>,
    Path(code): Path<String>,
) -> Result<Response, Error> {
    let token = state.certificates.credential(&code, &client.ip).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/jwt".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"certificate-{code}.jwt\"")),
        ],
        token,
    )
        .into_response())
}

/// `GET /account/invoices/{number}.pdf` (and the same under `/admin/`): an
/// invoice or credit note, for its order's booker or staff; a visitor who
/// is not signed in is sent to log in first. Someone else's is not found.
pub async fn invoice(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    Path(file): Path<String>,
) -> Result<Response, Error> {
    let Some(user) = user else {
        // Only the path of this very request goes into the way back.
        return Ok(Redirect::to(&format!("/login?next={}", uri.path())).into_response());
    };
    let number = file.strip_suffix(".pdf").filter(|n| !n.is_empty()).ok_or(Error::NotFound)?;
    let (name, bytes) = state.orders.pdf(&user, number).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /account/data/export`: the account's data as a JSON attachment; a
/// visitor who is not signed in is sent to log in first.
pub async fn my_data(State(state): State<AppState>, MaybeUser(user): MaybeUser) -> Result<Response, Error> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login?next=/account/data").into_response());
    };
    let mut data = state.accounts.export(&user).await?;
    // What the other parts of Lyceum keep about the user, each as its own
    // domain reads it.
    data["enrolments"] = state.enrolments.export(&user).await?;
    data["certificates"] = serde_json::to_value(state.certificates.of_learner(&user).await?)
        .map_err(|e| Error::Internal(format!("export: {e}")))?;
    data["calendar_feed"] = serde_json::json!(state.calendars.feed_address(&user).await?);
    data["orders"] = state.orders.export(&user).await?;
    let body = serde_json::to_string_pretty(&data).map_err(|e| Error::Internal(format!("export: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"lyceum-data.json\""),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response())
}
