//! The second step of signing in, and an account's second factor: an
//! authenticator app set up, confirmed, removed; recovery codes made again
//! (each set shown once).

use crate::error::AppError;
use crate::model::account::{AuthenticatorSetupView, SecondFactorView};
use leptos::prelude::*;

/// What new recovery codes are sealed with in the session until shown.
#[cfg(feature = "ssr")]
const SEAL_CONTEXT: &str = "new recovery codes";

/// The account's second factor, for `/account/security`.
#[server(prefix = "/rpc", endpoint = "account/second-factor")]
pub async fn get_second_factor() -> Result<SecondFactorView, AppError> {
    use crate::server::auth;
    let (state, _, user) = auth::signed_in_to_set_up().await?;
    let factors = state.accounts.second_factor_state(&user).await?;
    Ok(SecondFactorView {
        authenticator: factors.authenticator,
        required: factors.required,
        recovery_codes_left: factors.recovery_codes_left,
        ..SecondFactorView::default()
    })
}

/// `/account/security/authenticator`: the account's second factor with
/// the recovery codes just made (once: reading them takes them out of the
/// session), or, without one, the authenticator being set up.
#[server(prefix = "/rpc", endpoint = "account/authenticator")]
pub async fn get_authenticator() -> Result<SecondFactorView, AppError> {
    use crate::server::{auth, error::Error, session_store::keys};
    let (state, session, user) = auth::signed_in_to_set_up().await?;
    let factors = state.accounts.second_factor_state(&user).await?;
    let sealed: Option<String> = session.remove(keys::NEW_RECOVERY_CODES).await.map_err(Error::from)?;
    let new_codes = sealed
        .and_then(|sealed| state.keys.open(&sealed, SEAL_CONTEXT).ok())
        .map(|codes| codes.split('\n').map(str::to_string).collect());
    let setup = match factors.authenticator {
        true => None,
        false => {
            let setup = state.accounts.start_authenticator(&user).await?;
            Some(AuthenticatorSetupView { secret: setup.secret, uri: setup.uri })
        }
    };
    Ok(SecondFactorView {
        authenticator: factors.authenticator,
        required: factors.required,
        recovery_codes_left: factors.recovery_codes_left,
        new_codes,
        setup,
    })
}

/// Confirms the authenticator with a code it shows; the recovery codes
/// made with it are shown once on the page this leads back to.
#[server(prefix = "/rpc", endpoint = "account/authenticator/confirm")]
pub async fn confirm_authenticator(code: String) -> Result<(), AppError> {
    use crate::server::auth;
    let (state, session, user) = auth::signed_in_to_set_up().await?;
    let codes = state.accounts.confirm_authenticator(&user, &code, &crate::server::request::client()).await?;
    show_once(&state, &session, &codes, "second-factor-added").await
}

#[server(prefix = "/rpc", endpoint = "account/authenticator/remove")]
pub async fn remove_authenticator(password: String) -> Result<(), AppError> {
    use crate::server::auth;
    let (state, _, user) = auth::signed_in_to_set_up().await?;
    state.accounts.remove_authenticator(&user, &password, &crate::server::request::client()).await?;
    // Staff set up another at once.
    let to = match state.accounts.requires_second_factor(user.role) {
        true => "/account/security/authenticator?notice=second-factor-removed",
        false => "/account/security?notice=second-factor-removed#second-factor",
    };
    leptos_axum::redirect(to);
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "account/recovery-codes")]
pub async fn new_recovery_codes(current_password: String) -> Result<(), AppError> {
    use crate::server::auth;
    let (state, session, user) = auth::signed_in_to_set_up().await?;
    let client = crate::server::request::client();
    let codes = state.accounts.new_recovery_codes(&user, &current_password, &client).await?;
    show_once(&state, &session, &codes, "recovery-codes").await
}

/// Keeps new recovery codes sealed in the session and leads to the page
/// that shows them, once, with `notice`.
#[cfg(feature = "ssr")]
async fn show_once(
    state: &crate::server::AppState,
    session: &tower_sessions::Session,
    codes: &[String],
    notice: &str,
) -> Result<(), AppError> {
    use crate::server::{error::Error, session_store::keys};
    let sealed = state.keys.seal(&codes.join("\n"), SEAL_CONTEXT);
    session.insert(keys::NEW_RECOVERY_CODES, sealed).await.map_err(Error::from)?;
    leptos_axum::redirect(&format!("/account/security/authenticator?notice={notice}"));
    Ok(())
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
