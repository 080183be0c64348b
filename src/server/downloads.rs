//! Files a signed-in user downloads: for now, everything stored about them.

use super::AppState;
use super::auth::MaybeUser;
use super::error::Error;
use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Redirect, Response},
};

/// `GET /account/data/export`: the account's data as a JSON attachment; a
/// visitor who is not signed in is sent to log in first.
pub async fn my_data(State(state): State<AppState>, MaybeUser(user): MaybeUser) -> Result<Response, Error> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login?next=/account/data").into_response());
    };
    let data = state.accounts.export(&user).await?;
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
