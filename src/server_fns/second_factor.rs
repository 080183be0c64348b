//! The second step of signing in, and an account's second factor: an
//! authenticator app set up, confirmed, removed; recovery codes made again
//! (each set shown once).

use crate::error::AppError;
use crate::model::account::SecondFactorView;
use leptos::prelude::*;

/// What new recovery codes are sealed with in the session until shown.
#[cfg(feature = "ssr")]
const SEAL_CONTEXT: &str = "new recovery codes";

/// The account's second factor, for `/account/security`.
#[server(prefix = "/rpc", endpoint = "account/second-factor")]
pub async fn get_second_factor() -> Result<SecondFactorView, AppError> {
    use crate::server::auth;
    let (state, _, user) = auth::signed_in_to_set_up().await?;
    view_of(&state, &user, None, None).await
}

/// The account's second factors as its pages show them.
#[cfg(feature = "ssr")]
async fn view_of(
    state: &crate::server::AppState,
    user: &crate::model::account::User,
    new_codes: Option<Vec<String>>,
    setup: Option<crate::model::account::AuthenticatorSetupView>,
) -> Result<SecondFactorView, AppError> {
    let factors = state.accounts.second_factor_state(user).await?;
    Ok(SecondFactorView {
        authenticator: factors.authenticator,
        passkeys: crate::server::present::Presenter::of(&state.config).passkeys(factors.passkeys),
        passkey_origin: state.accounts.passkey_origin().map(str::to_string),
        required: factors.required,
        recovery_codes_left: factors.recovery_codes_left,
        new_codes,
        setup,
    })
}

/// `/account/security/authenticator`: the account's second factor with
/// the recovery codes just made (once: reading them takes them out of the
/// session), or, without one, the authenticator being set up.
#[server(prefix = "/rpc", endpoint = "account/authenticator")]
pub async fn get_authenticator() -> Result<SecondFactorView, AppError> {
    use crate::server::{auth, error::Error, session_store::keys};
    let (state, session, user) = auth::signed_in_to_set_up().await?;
    let sealed: Option<String> = session.remove(keys::NEW_RECOVERY_CODES).await.map_err(Error::from)?;
    let new_codes = sealed
        .and_then(|sealed| state.keys.open(&sealed, SEAL_CONTEXT).ok())
        .map(|codes| codes.split('\n').map(str::to_string).collect());
    let setup = match state.accounts.start_authenticator(&user).await {
        Ok(setup) => Some(crate::model::account::AuthenticatorSetupView { secret: setup.secret, uri: setup.uri }),
        Err(Error::Refused(AppError::SecondFactorExists)) => None,
        Err(error) => return Err(error.into()),
    };
    view_of(&state, &user, new_codes, setup).await
}

/// Confirms the authenticator with a code it shows; the recovery codes
/// made with it are shown once on the page this leads back to.
#[server(prefix = "/rpc", endpoint = "account/authenticator/confirm")]
pub async fn confirm_authenticator(code: String) -> Result<(), AppError> {
    use crate::server::auth;
    let (state, session, user) = auth::signed_in_to_set_up().await?;
    let codes = state.accounts.confirm_authenticator(&user, &code, &crate::server::request::client()).await?;
    leptos_axum::redirect(&show_once(&state, &session, codes, "second-factor-added").await?);
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "account/authenticator/remove")]
pub async fn remove_authenticator(password: String) -> Result<(), AppError> {
    use crate::server::auth;
    let (state, _, user) = auth::signed_in_to_set_up().await?;
    let left = state.accounts.remove_authenticator(&user, &password, &crate::server::request::client()).await?;
    leptos_axum::redirect(&after_removal(&state, &user, left, "second-factor-removed"));
    Ok(())
}

/// Where a removed second factor leads: staff left without one set up
/// another at once; anyone else back to their security page.
#[cfg(feature = "ssr")]
pub(super) fn after_removal(
    state: &crate::server::AppState,
    user: &crate::model::account::User,
    left: bool,
    notice: &str,
) -> String {
    match !left && state.accounts.requires_second_factor(user.role) {
        true => format!("/account/security/authenticator?notice={notice}"),
        false => format!("/account/security?notice={notice}#second-factor"),
    }
}

#[server(prefix = "/rpc", endpoint = "account/recovery-codes")]
pub async fn new_recovery_codes(current_password: String) -> Result<(), AppError> {
    use crate::server::auth;
    let (state, session, user) = auth::signed_in_to_set_up().await?;
    let client = crate::server::request::client();
    let codes = state.accounts.new_recovery_codes(&user, &current_password, &client).await?;
    leptos_axum::redirect(&show_once(&state, &session, Some(codes), "recovery-codes").await?);
    Ok(())
}

/// Keeps new recovery codes, if any, sealed in the session: the address
/// returned (with `notice`) shows them, once.
#[cfg(feature = "ssr")]
pub(super) async fn show_once(
    state: &crate::server::AppState,
    session: &tower_sessions::Session,
    codes: Option<Vec<String>>,
    notice: &str,
) -> Result<String, AppError> {
    use crate::server::{error::Error, session_store::keys};
    if let Some(codes) = codes {
        let sealed = state.keys.seal(&codes.join("\n"), SEAL_CONTEXT);
        session.insert(keys::NEW_RECOVERY_CODES, sealed).await.map_err(Error::from)?;
    }
    Ok(format!("/account/security/authenticator?notice={notice}"))
}

/// The second step of signing in: a code from the authenticator app or a
/// recovery code, for the account whose password was just given here.
#[server(prefix = "/rpc", endpoint = "account/login/code")]
pub async fn login_code(code: String) -> Result<(), AppError> {
    use crate::server::{auth, request};
    let state = request::state();
    let client = request::client();
    let session = request::session().await?;
    let (user_id, next) = auth::second_step(&session).await?;
    let (user, _) = state.accounts.check_second_factor(user_id, &code, &client).await?;
    auth::sign_in(&session, &user, &client).await?;
    leptos_axum::redirect(&next.unwrap_or_else(|| auth::home_of(&user).to_string()));
    Ok(())
}
