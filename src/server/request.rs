//! What a server function knows of the request it answers: the app's
//! state, the session, the client, and the signed-in user with their role.
//! Every function that needs a user goes through [`signed_in`] or
//! [`require`], so the check is made on the server, every time. They
//! return the server's error, so that `?` in a server function maps it (and
//! sets the answer's status) in the one place that does.

use super::AppState;
use super::accounts::{Client, signed_in as session_user, store::UserRow};
use super::error::Error;
use crate::error::AppError;
use crate::model::account::Role;
use leptos::prelude::{expect_context, use_context};
use tower_sessions::Session;

pub fn state() -> AppState {
    expect_context::<AppState>()
}

pub fn client() -> Client {
    use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Client>().cloned())
        .unwrap_or_default()
}

pub async fn session() -> Result<Session, Error> {
    leptos_axum::extract::<Session>()
        .await
        .map_err(|error| Error::Internal(format!("no session layer around a server function: {error}")))
}

/// The signed-in user, or `Unauthorized`.
pub async fn signed_in() -> Result<(AppState, Session, UserRow), Error> {
    let state = state();
    let session = session().await?;
    match session_user::current(&state.accounts, &session).await? {
        Some(user) => Ok((state, session, user)),
        None => Err(Error::Refused(AppError::Unauthorized)),
    }
}

/// The signed-in user if their role includes `role`; `Forbidden` otherwise.
pub async fn require(role: Role) -> Result<(AppState, Session, UserRow), Error> {
    let (state, session, user) = signed_in().await?;
    match Role::parse(&user.role) {
        Some(have) if have.includes(role) => Ok((state, session, user)),
        _ => Err(Error::Refused(AppError::Forbidden)),
    }
}
