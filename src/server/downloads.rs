//! Files a signed-in user downloads: for now, everything stored about them.

use super::AppState;
use super::accounts::signed_in;
use axum::{
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use tower_sessions::Session;

/// `GET /account/data/export`: the account's data as a JSON attachment.
pub async fn my_data(State(state): State<AppState>, session: Session) -> Response {
    let user = match signed_in::current(&state.accounts, &session).await {
        Ok(Some(user)) => user,
        Ok(None) => return Redirect::to("/login?next=/account/data").into_response(),
        Err(error) => {
            tracing::error!(%error, "export: session could not be read");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    match state.accounts.export(&user).await {
        Ok(data) => {
            let body = serde_json::to_string_pretty(&data).unwrap_or_default();
            (
                [
                    (header::CONTENT_TYPE, "application/json; charset=utf-8"),
                    (header::CONTENT_DISPOSITION, "attachment; filename=\"lyceum-data.json\""),
                    (header::CACHE_CONTROL, "no-store"),
                ],
                body,
            )
                .into_response()
        }
        Err(error) => {
            tracing::error!(%error, "export failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
