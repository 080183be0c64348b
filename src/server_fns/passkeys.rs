//! Passkeys from the browser. Each ceremony is two calls: the options for
//! `navigator.credentials` (the session keeps the ceremony's handle), then
//! the authenticator's answer, which returns the address to go to next.

use crate::error::AppError;
use crate::model::account::SecondStepView;
use leptos::prelude::*;

/// The options to register a passkey for the signed-in account (JSON).
#[server(prefix = "/rpc", endpoint = "account/passkeys/options")]
pub async fn passkey_options() -> Result<String, AppError> {
    use crate::server::{auth, error::Error, session_store::keys};
    let (state, session, user) = auth::signed_in_to_set_up().await?;
    let ceremony = state.accounts.start_passkey(&user).await?;
    session.insert(keys::PASSKEY_CEREMONY, ceremony.handle).await.map_err(Error::from)?;
    Ok(ceremony.options)
}

/// Registers the passkey that answered (`credential`, the browser's JSON
/// of it) as `name`; the recovery codes made with a first second factor
/// are shown once on the page whose address is returned.
#[server(prefix = "/rpc", endpoint = "account/passkeys/add")]
pub async fn add_passkey(name: String, credential: String) -> Result<String, AppError> {
    use crate::server::{auth, error::Error, request, session_store::keys};
    let (state, session, user) = auth::signed_in_to_set_up().await?;
    let handle: String = session.get(keys::PASSKEY_CEREMONY).await.map_err(Error::from)?.unwrap_or_default();
    let codes = state.accounts.add_passkey(&user, &handle, &name, &credential, &request::client()).await?;
    super::second_factor::show_once(&state, &session, codes, "passkey-added").await
}

#[server(prefix = "/rpc", endpoint = "account/passkeys/remove")]
pub async fn remove_passkey(passkey: i64, passkey_password: String) -> Result<(), AppError> {
    use crate::server::{auth, request};
    let (state, _, user) = auth::signed_in_to_set_up().await?;
    let left = state.accounts.remove_passkey(&user, passkey, &passkey_password, &request::client()).await?;
    leptos_axum::redirect(&super::second_factor::after_removal(&state, &user, left, "passkey-removed"));
    Ok(())
}

/// What the second step of the sign-in under way offers.
#[server(prefix = "/rpc", endpoint = "account/login/second-step")]
pub async fn get_second_step() -> Result<SecondStepView, AppError> {
    use crate::server::{auth, request};
    let state = request::state();
    let session = request::session().await?;
    let (authenticator, passkey) = match auth::second_step(&session).await {
        Ok((user_id, _)) => state.accounts.second_factor_kinds(user_id).await?,
        Err(_) => (true, false),
    };
    let passkey_origin = state.accounts.passkey_origin().map(str::to_string);
    Ok(SecondStepView { passkey: passkey && passkey_origin.is_some(), authenticator, passkey_origin })
}

/// The options to sign in with a passkey, for the account whose password
/// was just given here (JSON).
#[server(prefix = "/rpc", endpoint = "account/login/passkey/options")]
pub async fn login_passkey_options() -> Result<String, AppError> {
    use crate::server::{auth, error::Error, request, session_store::keys};
    let state = request::state();
    let session = request::session().await?;
    let (user_id, _) = auth::second_step(&session).await?;
    let ceremony = state.accounts.start_passkey_sign_in(user_id).await?;
    session.insert(keys::PASSKEY_CEREMONY, ceremony.handle).await.map_err(Error::from)?;
    Ok(ceremony.options)
}

/// The second step of signing in with a passkey's answer; returns where
/// to go, signed in.
#[server(prefix = "/rpc", endpoint = "account/login/passkey")]
pub async fn login_passkey(credential: String) -> Result<String, AppError> {
    use crate::server::{auth, error::Error, request, session_store::keys};
    let state = request::state();
    let client = request::client();
    let session = request::session().await?;
    let (user_id, next) = auth::second_step(&session).await?;
    let handle: String = session.get(keys::PASSKEY_CEREMONY).await.map_err(Error::from)?.unwrap_or_default();
    let (user, _) = state.accounts.check_passkey(user_id, &handle, &credential, &client).await?;
    auth::sign_in(&session, &user, &client).await?;
    Ok(next.unwrap_or_else(|| auth::home_of(&user).to_string()))
}
