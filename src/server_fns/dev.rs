//! Tools for developing Lyceum, answered in development mode only, and
//! only to a browser on this machine (connected over loopback, through no
//! proxy, to a loopback name; see `server::client`): the mailbox shows
//! everyone's reset links. Anywhere else they do
//! not exist: every call is `NotFound`.

use crate::error::AppError;
use crate::model::mail::StoredMail;
use leptos::prelude::*;

/// Messages the development mailbox shows.
#[cfg(feature = "ssr")]
const MAILBOX_LIMIT: i64 = 100;

/// The newest mail delivered to the development mailbox, newest first.
#[server(prefix = "/rpc", endpoint = "dev/mailbox")]
pub async fn get_mailbox() -> Result<Vec<StoredMail>, AppError> {
    use crate::server::{AppState, config::Mode, error::Error, mail, request};
    let state = expect_context::<AppState>();
    if state.config.mode != Mode::Development || !request::client().local {
        return Err(Error::NotFound.into());
    }
    // New mail arrives at any moment: the page cache must not keep this answer.
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(http::header::CACHE_CONTROL, http::HeaderValue::from_static("no-store"));
    }
    Ok(mail::mailbox(&state.db, MAILBOX_LIMIT, state.config.timezone).await.map_err(Error::from)?)
}
