//! What a server function knows of the request it answers, through the
//! leptos context: the app's state, the request's parts, its session and
//! its client. Who is signed in is `auth`'s to say.

use super::AppState;
use super::client::Client;
use super::error::Error;
use axum::http::request::Parts;
use leptos::prelude::{expect_context, use_context};
use tower_sessions::Session;

pub fn state() -> AppState {
    expect_context::<AppState>()
}

/// The parts of the request being answered.
pub fn parts() -> Result<Parts, Error> {
    use_context::<Parts>().ok_or_else(|| Error::Internal("no request around a server function".into()))
}

pub fn client() -> Client {
    use_context::<Parts>().and_then(|parts| parts.extensions.get::<Client>().cloned()).unwrap_or_default()
}

pub async fn session() -> Result<Session, Error> {
    session_of(&parts()?)
}

/// The session of a request: the session layer puts it there.
pub fn session_of(parts: &Parts) -> Result<Session, Error> {
    parts
        .extensions
        .get::<Session>()
        .cloned()
        .ok_or_else(|| Error::Internal("no session layer around this handler".into()))
}
