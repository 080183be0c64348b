//! Being signed in: what a session holds once its user has logged in, and
//! the checks every request makes of it (idle and absolute lifetime, the
//! account still there).

use super::store::{self, UserRow};
use super::{Accounts, Client};
use crate::server::error::Error;
use crate::server::session_store::{keys, row_key};
use chrono::Utc;
use tower_sessions::Session;

/// A session's last-seen time is written at most this often (seconds): each
/// write also pushes its idle expiry back.
const TOUCH_EVERY: i64 = 60;
const USER_AGENT_MAX: usize = 300;

/// Marks the session as `user`'s, under a new id: an id planted before
/// login is worth nothing after it.
pub async fn sign_in(session: &Session, user: &UserRow, client: &Client) -> Result<(), Error> {
    session.cycle_id().await?;
    let now = Utc::now().timestamp();
    let user_agent: String = client.user_agent.chars().take(USER_AGENT_MAX).collect();
    session.insert(keys::USER, user.id).await?;
    session.insert(keys::SIGNED_IN_AT, now).await?;
    session.insert(keys::SEEN_AT, now).await?;
    session.insert(keys::USER_AGENT, user_agent).await?;
    session.insert(keys::IP, &client.ip).await?;
    Ok(())
}

/// Ends the session on the server and clears its cookie.
pub async fn sign_out(session: &Session) -> Result<(), Error> {
    session.flush().await?;
    Ok(())
}

/// The session's user, if it has one that is still signed in.
pub async fn current(accounts: &Accounts, session: &Session) -> Result<Option<UserRow>, Error> {
    let Some(user_id) = session.get::<i64>(keys::USER).await? else {
        return Ok(None);
    };
    let now = Utc::now().timestamp();
    let signed_in_at = session.get::<i64>(keys::SIGNED_IN_AT).await?.unwrap_or(0);
    if now - signed_in_at > accounts.session_lifetime.as_secs() as i64 {
        session.flush().await?;
        return Ok(None);
    }
    let Some(user) = store::user_by_id(accounts.db(), user_id).await? else {
        session.flush().await?;
        return Ok(None);
    };
    let seen_at = session.get::<i64>(keys::SEEN_AT).await?.unwrap_or(0);
    if now - seen_at >= TOUCH_EVERY {
        session.insert(keys::SEEN_AT, now).await?;
    }
    Ok(Some(user))
}

/// The row key of the session in use (see [`row_key`]), to tell it apart
/// from the account's other sessions.
pub fn session_key(session: &Session) -> Option<String> {
    session.id().as_ref().map(row_key)
}
