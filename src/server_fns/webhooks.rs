//! The back office's webhook endpoints (`/admin/webhooks`): listed,
//! registered, changed, enabled and disabled, their secret rotated, and
//! their deliveries sent again. The domain (`server::webhooks`) checks the
//! caller is staff; a new secret is shown once, on the endpoint's page,
//! and kept only sealed in the session until then.

use crate::error::AppError;
use crate::model::webhook::{EndpointSummary, EndpointView};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    model::webhook::WEBHOOKS_PATH,
    server::{audit::Actor, auth, request},
};

/// What a new secret is sealed for in the session.
#[cfg(feature = "ssr")]
const SEAL_CONTEXT: &str = "new webhook secret";

/// Keeps `secret`, sealed, for endpoint `id`'s page to show once.
#[cfg(feature = "ssr")]
async fn keep_secret(
    state: &crate::server::AppState,
    session: &tower_sessions::Session,
    id: i64,
    secret: &str,
) -> Result<(), AppError> {
    use crate::server::{error::Error, session_store::keys};
    let sealed = state.keys.seal(&format!("{id}:{secret}"), SEAL_CONTEXT);
    session.insert(keys::NEW_WEBHOOK_SECRET, sealed).await.map_err(Error::from)?;
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "admin/webhooks/list")]
pub async fn get_webhooks() -> Result<Vec<EndpointSummary>, AppError> {
    let (state, _, user) = auth::signed_in().await?;
    Ok(state.webhooks.list(&user).await?)
}

/// One endpoint with its deliveries, and its secret if it was just made.
#[server(prefix = "/rpc", endpoint = "admin/webhooks/one")]
pub async fn get_webhook(id: i64) -> Result<EndpointView, AppError> {
    use crate::server::{error::Error, session_store::keys};
    let (state, session, user) = auth::signed_in().await?;
    let mut secret = None;
    // Taken out of the session only on its own endpoint's page.
    let sealed: Option<String> = session.get(keys::NEW_WEBHOOK_SECRET).await.map_err(Error::from)?;
    if let Some(opened) = sealed.and_then(|sealed| state.keys.open(&sealed, SEAL_CONTEXT).ok())
        && let Some((of, text)) = opened.split_once(':')
        && of == id.to_string()
    {
        let _: Option<String> = session.remove(keys::NEW_WEBHOOK_SECRET).await.map_err(Error::from)?;
        secret = Some(text.to_string());
    }
    Ok(state.webhooks.endpoint(&user, id, secret).await?)
}

#[server(prefix = "/rpc", endpoint = "admin/webhooks/create")]
pub async fn create_webhook(url: String, description: String, events: Option<Vec<String>>) -> Result<(), AppError> {
    let (state, session, user) = auth::signed_in().await?;
    let client = request::client();
    let form = crate::server::webhooks::EndpointForm { url, description, events: events.unwrap_or_default() };
    let (id, secret) = state.webhooks.create(Actor { user: &user, client: &client }, &form).await?;
    keep_secret(&state, &session, id, &secret).await?;
    leptos_axum::redirect(&format!("{WEBHOOKS_PATH}/{id}?notice=webhook-created"));
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "admin/webhooks/update")]
pub async fn update_webhook(
    id: i64,
    version: i64,
    url: String,
    description: String,
    events: Option<Vec<String>>,
) -> Result<(), AppError> {
    let (state, _, user) = auth::signed_in().await?;
    let client = request::client();
    let form = crate::server::webhooks::EndpointForm { url, description, events: events.unwrap_or_default() };
    state.webhooks.update(Actor { user: &user, client: &client }, id, version, &form).await?;
    leptos_axum::redirect(&format!("{WEBHOOKS_PATH}/{id}?notice=saved"));
    Ok(())
}

/// Enables (`enabled` = "true") or disables an endpoint.
#[server(prefix = "/rpc", endpoint = "admin/webhooks/enable")]
pub async fn set_webhook_enabled(id: i64, version: i64, enabled: String) -> Result<(), AppError> {
    let (state, _, user) = auth::signed_in().await?;
    let client = request::client();
    let on = enabled == "true";
    state.webhooks.set_enabled(Actor { user: &user, client: &client }, id, version, on).await?;
    let notice = if on { "webhook-enabled" } else { "webhook-disabled" };
    leptos_axum::redirect(&format!("{WEBHOOKS_PATH}/{id}?notice={notice}"));
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "admin/webhooks/rotate")]
pub async fn rotate_webhook_secret(id: i64, version: i64) -> Result<(), AppError> {
    let (state, session, user) = auth::signed_in().await?;
    let client = request::client();
    let secret = state.webhooks.rotate(Actor { user: &user, client: &client }, id, version).await?;
    keep_secret(&state, &session, id, &secret).await?;
    leptos_axum::redirect(&format!("{WEBHOOKS_PATH}/{id}?notice=webhook-rotated"));
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "admin/webhooks/delete")]
pub async fn delete_webhook(id: i64, version: i64) -> Result<(), AppError> {
    let (state, _, user) = auth::signed_in().await?;
    let client = request::client();
    state.webhooks.delete(Actor { user: &user, client: &client }, id, version).await?;
    leptos_axum::redirect(&format!("{WEBHOOKS_PATH}?notice=webhook-deleted"));
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "admin/webhooks/redeliver")]
pub async fn redeliver_webhook(id: i64, delivery_id: i64) -> Result<(), AppError> {
    let (state, _, user) = auth::signed_in().await?;
    let client = request::client();
    state.webhooks.redeliver(Actor { user: &user, client: &client }, id, delivery_id).await?;
    leptos_axum::redirect(&format!("{WEBHOOKS_PATH}/{id}?notice=webhook-redelivered#deliveries"));
    Ok(())
}
