//! The REST API's personal access tokens on `/account/security`: listed,
//! created (and shown once), revoked. Only a signed-in session reaches
//! these, so a token cannot create tokens.

use crate::error::AppError;
use crate::model::token::TokenList;
use leptos::prelude::*;

/// What a sealed new token is bound to in the session: it opens nowhere else.
#[cfg(feature = "ssr")]
const SEAL_CONTEXT: &str = "new api token";

/// The account's tokens, and the one just created (once: reading it
/// takes it out of the session).
#[server(prefix = "/rpc", endpoint = "account/tokens")]
pub async fn get_tokens() -> Result<TokenList, AppError> {
    use crate::server::{auth, error::Error, session_store::keys};
    let (state, session, user) = auth::signed_in().await?;
    let sealed: Option<String> = session.remove(keys::NEW_TOKEN).await.map_err(Error::from)?;
    let created = sealed.and_then(|sealed| state.keys.open(&sealed, SEAL_CONTEXT).ok());
    Ok(state.tokens.list(&user, created).await?)
}

/// Creates a token with the scopes ticked; it is shown once, on the page
/// this leads back to, and kept only sealed in the session until then.
#[server(prefix = "/rpc", endpoint = "account/tokens/create")]
pub async fn create_token(
    name: String,
    expires_in_days: String,
    read: Option<String>,
    write: Option<String>,
    manage: Option<String>,
    catalogue: Option<String>,
) -> Result<(), AppError> {
    use crate::model::token::Scope;
    use crate::server::{auth, error::Error, session_store::keys};
    let (state, session, user) = auth::signed_in().await?;
    let ticked = [
        (read, Scope::EnrollmentsRead),
        (write, Scope::EnrollmentsWrite),
        (manage, Scope::EnrollmentsManage),
        (catalogue, Scope::CatalogueWrite),
    ];
    let scopes: Vec<String> =
        ticked.into_iter().filter(|(on, _)| on.is_some()).map(|(_, scope)| scope.as_str().to_string()).collect();
    let client = crate::server::request::client();
    let token = state.tokens.create(&user, &client, &name, &scopes, &expires_in_days).await?;
    session.insert(keys::NEW_TOKEN, state.keys.seal(&token, SEAL_CONTEXT)).await.map_err(Error::from)?;
    leptos_axum::redirect("/account/security?notice=token-created#tokens");
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "account/tokens/revoke")]
pub async fn revoke_token(id: i64) -> Result<(), AppError> {
    use crate::server::auth;
    let (state, _, user) = auth::signed_in().await?;
    state.tokens.revoke(&user, &crate::server::request::client(), id).await?;
    leptos_axum::redirect("/account/security?notice=token-revoked#tokens");
    Ok(())
}
