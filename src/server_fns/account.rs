//! Accounts: entry (signup, login, confirmation, password reset) and the
//! signed-in user's own pages. Forms post here; without JavaScript, leptos
//! answers a form post with a redirect back to the form, the error (if any)
//! in the URL, and every success below redirects on purpose.

use crate::error::AppError;
use crate::model::account::{ProfileView, SessionInfo, SettingsView, Viewer};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::server::{
    accounts::SignupForm,
    auth::{self, User},
    request,
};

#[cfg(feature = "ssr")]
fn viewer_of(user: &User) -> Viewer {
    Viewer { name: user.name.clone(), email: user.email.clone(), role: user.role, verified: user.verified }
}

/// The signed-in user, if any, for the header and the account pages.
#[server(prefix = "/rpc", endpoint = "account/viewer")]
pub async fn get_viewer() -> Result<Option<Viewer>, AppError> {
    Ok(auth::maybe_signed_in().await?.as_ref().map(viewer_of))
}

/// Creates an account; `next`, the page the visitor signed up from (the
/// order step of a date), is kept in this browser's session and leads back
/// there once the address is confirmed and they log in.
#[server(prefix = "/rpc", endpoint = "account/signup")]
pub async fn signup(name: String, email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::model::account::safe_next;
    use crate::server::session_store::keys;
    let state = request::state();
    state.accounts.signup(SignupForm { name, email: email.clone(), password }, &request::client()).await?;
    remember_check_email(&email).await?;
    if let Some(next) = next.as_deref().and_then(safe_next) {
        let session = request::session().await?;
        session.insert(keys::AFTER_CONFIRM, next).await.map_err(crate::server::error::Error::from)?;
    }
    leptos_axum::redirect("/check-email");
    Ok(())
}

/// Keeps the address a link went to in this browser's session, for the
/// page that asks to check it (never in the address bar).
#[cfg(feature = "ssr")]
async fn remember_check_email(email: &str) -> Result<(), AppError> {
    use crate::model::account::Email;
    use crate::server::session_store::keys;
    if let Ok(email) = Email::parse(email) {
        let session = request::session().await?;
        session.insert(keys::CHECK_EMAIL, email.as_str()).await.map_err(crate::server::error::Error::from)?;
    }
    Ok(())
}

/// The address the last confirmation link from this browser went to.
#[server(prefix = "/rpc", endpoint = "account/check-email")]
pub async fn get_check_email() -> Result<Option<String>, AppError> {
    use crate::server::session_store::keys;
    let session = request::session().await?;
    Ok(session.get::<String>(keys::CHECK_EMAIL).await.map_err(crate::server::error::Error::from)?)
}

#[server(prefix = "/rpc", endpoint = "account/login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::model::account::safe_next;
    let state = request::state();
    let client = request::client();
    let user = state.accounts.login(&email, &password, &client).await?;
    let session = request::session().await?;
    let next = next.as_deref().and_then(safe_next);
    // With a second factor, the password is only the first step.
    if state.accounts.has_second_factor(user.id).await? {
        auth::begin_second_step(&session, &user, next).await?;
        leptos_axum::redirect("/login/code");
        return Ok(());
    }
    auth::sign_in(&session, &user, &client).await?;
    // Staff start their day in the back office, or setting up the second
    // factor it requires.
    let home = match auth::must_have_second_factor(&state.accounts, &user).await {
        Err(crate::server::error::Error::Refused(AppError::SecondFactorRequired)) => "/account/security/authenticator",
        Err(other) => return Err(other.into()),
        Ok(()) => next.unwrap_or(auth::home_of(&user)),
    };
    leptos_axum::redirect(home);
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "account/logout")]
pub async fn logout() -> Result<(), AppError> {
    let state = request::state();
    auth::sign_out(&state.accounts, &request::session().await?, &request::client()).await?;
    leptos_axum::redirect("/login?notice=logged-out");
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "account/verify-email")]
pub async fn verify_email(token: String) -> Result<(), AppError> {
    use crate::server::session_store::keys;
    let state = request::state();
    state.accounts.verify_email(&token, &request::client()).await?;
    // Confirmed in the browser that signed up from the order step: back
    // there after logging in.
    let session = request::session().await?;
    let next: Option<String> = session.remove(keys::AFTER_CONFIRM).await.map_err(crate::server::error::Error::from)?;
    let next = next
        .as_deref()
        .and_then(crate::model::account::safe_next)
        .map(|next| url::form_urlencoded::Serializer::new(String::new()).append_pair("next", next).finish());
    match next {
        Some(next) => leptos_axum::redirect(&format!("/login?notice=verified&{next}")),
        None => leptos_axum::redirect("/login?notice=verified"),
    }
    Ok(())
}

/// A new confirmation link, for someone whose first one expired or never came.
#[server(prefix = "/rpc", endpoint = "account/resend-verification")]
pub async fn resend_verification(email: String) -> Result<(), AppError> {
    let state = request::state();
    state.accounts.resend_verification(&email, &request::client()).await?;
    remember_check_email(&email).await?;
    leptos_axum::redirect("/check-email?notice=link-sent");
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "account/forgot-password")]
pub async fn forgot_password(email: String) -> Result<(), AppError> {
    let state = request::state();
    state.accounts.forgot_password(&email, &request::client()).await?;
    leptos_axum::redirect("/login?notice=reset-sent");
    Ok(())
}

/// Whether a reset link can still be used, so its page can say so at once.
#[server(prefix = "/rpc", endpoint = "account/reset-link")]
pub async fn reset_link_is_live(token: String) -> Result<bool, AppError> {
    Ok(request::state().accounts.reset_link_is_live(&token).await?)
}

#[server(prefix = "/rpc", endpoint = "account/reset-password")]
pub async fn reset_password(token: String, new_password: String) -> Result<(), AppError> {
    let state = request::state();
    state.accounts.reset_password(&token, &new_password, &request::client()).await?;
    // A session open in this browser belongs to the old password too.
    auth::forget(&request::session().await?).await?;
    leptos_axum::redirect("/login?notice=password-reset");
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "account/profile")]
pub async fn get_profile() -> Result<ProfileView, AppError> {
    use crate::server::present::account;
    let (state, _, user) = auth::signed_in().await?;
    Ok(account::profile(state.accounts.profile(&user).await?))
}

#[server(prefix = "/rpc", endpoint = "account/profile/save")]
pub async fn save_profile(
    name: String,
    phone: String,
    company: String,
    job_title: String,
    bio: String,
) -> Result<(), AppError> {
    use crate::server::accounts::changes::{ProfileChange, ProfileForm};
    let (state, _, user) = auth::signed_in().await?;
    let change = ProfileChange::parse(&ProfileForm { name, phone, company, job_title, bio })?;
    state.accounts.update_profile(&user, change).await?;
    leptos_axum::redirect("/account/profile?notice=saved");
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "account/settings")]
pub async fn get_settings() -> Result<SettingsView, AppError> {
    use crate::server::present::account;
    let (state, _, user) = auth::signed_in().await?;
    Ok(account::settings(state.accounts.settings(&user).await?, state.config.timezone))
}

/// A checkbox is sent only when ticked, hence the option.
#[server(prefix = "/rpc", endpoint = "account/settings/save")]
pub async fn save_settings(notify_reminders: Option<String>, reminder_hours: String) -> Result<(), AppError> {
    use crate::server::accounts::changes::{SettingsChange, SettingsForm};
    let (state, _, user) = auth::signed_in().await?;
    let form = SettingsForm { notify_reminders: notify_reminders.is_some(), reminder_hours };
    state.accounts.update_settings(&user, SettingsChange::parse(&form)?).await?;
    leptos_axum::redirect("/account/settings?notice=saved");
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "account/sessions")]
pub async fn get_sessions() -> Result<Vec<SessionInfo>, AppError> {
    let (state, session, user) = auth::signed_in().await?;
    let current = auth::session_key(&session);
    let sessions = state.accounts.sessions(&user, current.as_deref()).await?;
    Ok(crate::server::present::Presenter::of(&state.config).sessions(sessions))
}

#[server(prefix = "/rpc", endpoint = "account/sessions/end")]
pub async fn end_session(handle: String) -> Result<(), AppError> {
    let (state, _, user) = auth::signed_in().await?;
    state.accounts.end_session(&user, &handle, &request::client()).await?;
    leptos_axum::redirect("/account/security?notice=session-ended");
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "account/password")]
pub async fn change_password(current_password: String, new_password: String) -> Result<(), AppError> {
    let (state, session, user) = auth::signed_in().await?;
    let client = request::client();
    let keep = auth::session_key(&session);
    state.accounts.change_password(&user, keep.as_deref(), &current_password, &new_password, &client).await?;
    // A privilege change: the session goes on under a new id.
    session.cycle_id().await.map_err(crate::server::error::Error::from)?;
    leptos_axum::redirect("/account/security?notice=password-changed");
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "account/delete")]
pub async fn delete_account(password: String) -> Result<(), AppError> {
    let (state, session, user) = auth::signed_in().await?;
    state.accounts.delete_account(&user, &password).await?;
    auth::forget(&session).await?;
    leptos_axum::redirect("/login?notice=account-deleted");
    Ok(())
}
