//! Who is calling. One place answers it for every kind of handler: a page's
//! server function, a plain axum handler (the data download), and later the
//! back office and the REST API, whose tokens will resolve to the same
//! [`User`].
//!
//! A session holds its user's id once they sign in; each request checks it
//! again (the absolute lifetime, the account still there and active) and gets a
//! [`User`]: id, address, name and role, never the row with the password
//! hash. Axum handlers take [`CurrentUser`] or [`Require`] as arguments;
//! server functions call [`signed_in`] or [`require`], which run the same
//! extractors on the request leptos is answering.

use super::AppState;
use super::accounts::Accounts;
use super::client::Client;
use super::error::Error;
use super::request::session_of;
use super::session_store::{keys, row_key};
use crate::error::AppError;
use crate::model::account::Role;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::Utc;
use std::marker::PhantomData;
use tower_sessions::Session;

/// A session's last-seen time is written at most this often (seconds): each
/// write also pushes its idle expiry back.
const TOUCH_EVERY: i64 = 60;
const USER_AGENT_MAX: usize = 300;

pub use crate::model::account::User;

/// `Forbidden` unless `user`'s role includes `role`.
pub fn must_be(user: &User, role: Role) -> Result<(), Error> {
    if user.role.includes(role) { Ok(()) } else { Err(Error::Refused(AppError::Forbidden)) }
}

/// Marks the session as `user`'s, under a new id: an id planted before
/// login is worth nothing after it.
pub async fn sign_in(session: &Session, user: &User, client: &Client) -> Result<(), Error> {
    session.cycle_id().await?;
    let now = Utc::now().timestamp();
    let user_agent: String = client.user_agent.chars().take(USER_AGENT_MAX).collect();
    session.insert(keys::USER, user.id).await?;
    session.insert(keys::SIGNED_IN_AT, now).await?;
    session.insert(keys::SEEN_AT, now).await?;
    session.insert(keys::USER_AGENT, user_agent).await?;
    session.insert(keys::IP, &client.ip).await?;
    // A second step taken, or left behind by a sign-in without one.
    for key in [keys::SECOND_STEP_USER, keys::SECOND_STEP_AT, keys::SECOND_STEP_NEXT, keys::PASSKEY_CEREMONY] {
        session.remove_value(key).await?;
    }
    Ok(())
}

/// How long the second step of signing in may wait for its code.
const SECOND_STEP_LIFETIME: i64 = 300;

/// Past the password of an account with a second factor: the session
/// (under a new id) remembers whose password it was and where they were
/// going, but is nobody's until the code is given (see [`second_step`]).
pub async fn begin_second_step(session: &Session, user: &User, next: Option<&str>) -> Result<(), Error> {
    session.cycle_id().await?;
    // Whoever this browser was signed in as before, it is nobody now.
    session.remove_value(keys::USER).await?;
    session.insert(keys::SECOND_STEP_USER, user.id).await?;
    session.insert(keys::SECOND_STEP_AT, Utc::now().timestamp()).await?;
    match next {
        Some(next) => session.insert(keys::SECOND_STEP_NEXT, next).await?,
        None => {
            session.remove::<String>(keys::SECOND_STEP_NEXT).await?;
        }
    }
    Ok(())
}

/// The account whose password this session gave (within five minutes),
/// and where it was going. A wrong code may be corrected (the attempts
/// are limited per account); signing in ends the step.
pub async fn second_step(session: &Session) -> Result<(i64, Option<String>), Error> {
    let user_id = session.get::<i64>(keys::SECOND_STEP_USER).await?;
    let at = session.get::<i64>(keys::SECOND_STEP_AT).await?.unwrap_or(0);
    let next = session.get::<String>(keys::SECOND_STEP_NEXT).await?;
    match user_id {
        Some(user_id) if Utc::now().timestamp() - at <= SECOND_STEP_LIFETIME => Ok((user_id, next)),
        _ => Err(Error::Refused(AppError::SecondStepExpired)),
    }
}

/// Where a person goes once signed in, when they were not going anywhere:
/// staff to the back office, learners to their account.
pub fn home_of(user: &User) -> &'static str {
    if user.role.includes(Role::Staff) { "/admin" } else { "/account" }
}

/// `SecondFactorRequired` for an account whose role requires a second
/// factor and that has none yet: it may set one up, and do nothing else.
pub async fn must_have_second_factor(accounts: &Accounts, user: &User) -> Result<(), Error> {
    if accounts.requires_second_factor(user.role) && !accounts.has_second_factor(user.id).await? {
        return Err(Error::Refused(AppError::SecondFactorRequired));
    }
    Ok(())
}

/// Ends the session on the server and clears its cookie; a signed-in
/// user's logout goes into the audit trail.
pub async fn sign_out(accounts: &Accounts, session: &Session, client: &Client) -> Result<(), Error> {
    if let Some(user) = current(accounts, session).await? {
        accounts.audit(super::audit::Event::Logout, Some(user.id), client, "").await;
    }
    session.flush().await?;
    Ok(())
}

/// Ends the session without a trail entry (the account's password was
/// just reset, or the account deleted: that is what the trail records).
pub async fn forget(session: &Session) -> Result<(), Error> {
    session.flush().await?;
    Ok(())
}

/// The session's user, if it has one that is still signed in.
#[tracing::instrument(skip_all)]
pub async fn current(accounts: &Accounts, session: &Session) -> Result<Option<User>, Error> {
    let Some(user_id) = session.get::<i64>(keys::USER).await? else {
        return Ok(None);
    };
    let now = Utc::now().timestamp();
    let signed_in_at = session.get::<i64>(keys::SIGNED_IN_AT).await?.unwrap_or(0);
    if now - signed_in_at > accounts.session_lifetime.as_secs() as i64 {
        session.flush().await?;
        return Ok(None);
    }
    // A deactivated account's sessions are ended when it is deactivated;
    // one that survived anyway (restored from a backup, written by a
    // request that was under way) is ended here.
    let row = super::accounts::store::user_by_id(accounts.db(), user_id).await?;
    let Some(row) = row.filter(|row| row.deactivated_at.is_none()) else {
        session.flush().await?;
        return Ok(None);
    };
    let seen_at = session.get::<i64>(keys::SEEN_AT).await?.unwrap_or(0);
    if now - seen_at >= TOUCH_EVERY {
        session.insert(keys::SEEN_AT, now).await?;
    }
    Ok(Some(User::from(&row)))
}

/// The row key of the session in use (see [`row_key`]), to tell it apart
/// from the account's other sessions.
pub fn session_key(session: &Session) -> Option<String> {
    session.id().as_ref().map(row_key)
}

/// Extractor: the signed-in user, or `401`; `403` for staff without the
/// second factor their role requires (they may only set one up).
#[derive(Clone, Debug)]
pub struct CurrentUser(pub User);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let session = session_of(parts)?;
        match current(&state.accounts, &session).await? {
            Some(user) => {
                must_have_second_factor(&state.accounts, &user).await?;
                Ok(CurrentUser(user))
            }
            None => Err(Error::Refused(AppError::Unauthorized)),
        }
    }
}

/// Extractor: the signed-in user if there is one; never refuses.
#[derive(Clone, Debug)]
pub struct MaybeUser(pub Option<User>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        Ok(MaybeUser(current(&state.accounts, &session_of(parts)?).await?))
    }
}

/// Who is calling, whichever way they came: a bearer token (the REST
/// API's partners), a signed-in session (a browser), or nobody. A handler
/// asks once; a token's scopes are checked by [`Credentials::require`],
/// while a session (whose writes pass the same-origin check) may do all
/// its user may.
#[derive(Clone, Debug)]
pub enum Credentials {
    Token(super::tokens::Bearer),
    Session(User),
    Anonymous,
}

impl Credentials {
    /// The caller, if anyone.
    pub fn user(&self) -> Option<&User> {
        match self {
            Credentials::Token(bearer) => Some(&bearer.user),
            Credentials::Session(user) => Some(user),
            Credentials::Anonymous => None,
        }
    }

    /// Whether the caller may use `scope`: a token that has it, or a
    /// session whose user's role allows it.
    pub fn holds(&self, scope: crate::model::token::Scope) -> bool {
        match self {
            Credentials::Token(bearer) => bearer.scopes.contains(&scope),
            Credentials::Session(user) => !scope.staff_only() || user.role.includes(crate::model::account::Role::Staff),
            Credentials::Anonymous => false,
        }
    }

    /// The caller, who must be someone, holding `scope` when they came
    /// with a token.
    pub fn require(&self, scope: crate::model::token::Scope) -> Result<&User, Error> {
        match self {
            Credentials::Token(bearer) => {
                bearer.must_have(scope)?;
                Ok(&bearer.user)
            }
            Credentials::Session(user) => Ok(user),
            Credentials::Anonymous => Err(Error::Refused(AppError::Unauthorized)),
        }
    }
}

/// Whether a query string carries what looks like a token: refused, so
/// a token never sits in an address, a log line or a browser's history.
fn token_in_query(query: &str) -> bool {
    url::form_urlencoded::parse(query.as_bytes()).any(|(key, value)| {
        matches!(key.as_ref(), "access_token" | "token" | "api_key" | "bearer")
            || value.starts_with(super::tokens::format::PREFIX)
    })
}

impl FromRequestParts<AppState> for Credentials {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        use crate::model::token::TokenRefusal;
        if parts.uri.query().is_some_and(token_in_query) {
            return Err(Error::Refused(AppError::TokenRefused(TokenRefusal::InQuery)));
        }
        if let Some(header) = parts.headers.get(axum::http::header::AUTHORIZATION) {
            let text = header.to_str().unwrap_or_default();
            let token = match text.split_once(' ') {
                Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
                _ => return Err(Error::Refused(AppError::TokenRefused(TokenRefusal::Malformed))),
            };
            return Ok(Credentials::Token(state.tokens.authenticate(token).await?));
        }
        match current(&state.accounts, &session_of(parts)?).await? {
            Some(user) => {
                must_have_second_factor(&state.accounts, &user).await?;
                Ok(Credentials::Session(user))
            }
            None => Ok(Credentials::Anonymous),
        }
    }
}

/// A role a handler requires, as a type: `Require<Staff>`.
pub trait NeededRole: Send + Sync + 'static {
    const ROLE: Role;
}

pub struct Instructor;
pub struct Staff;
pub struct Admin;

impl NeededRole for Instructor {
    const ROLE: Role = Role::Instructor;
}
impl NeededRole for Staff {
    const ROLE: Role = Role::Staff;
}
impl NeededRole for Admin {
    const ROLE: Role = Role::Admin;
}

/// Extractor: the signed-in user, whose role includes `R`'s; `401` for
/// nobody, `403` for a role below it, or for staff without a second factor.
pub struct Require<R: NeededRole>(pub User, pub PhantomData<R>);

impl<R: NeededRole> FromRequestParts<AppState> for Require<R> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let CurrentUser(user) = CurrentUser::from_request_parts(parts, state).await?;
        must_be(&user, R::ROLE)?;
        Ok(Require(user, PhantomData))
    }
}

/// In a server function: the app's state, the session and the signed-in
/// user, or `Unauthorized`.
pub async fn signed_in() -> Result<(AppState, Session, User), Error> {
    let state = super::request::state();
    let mut parts = super::request::parts()?;
    let CurrentUser(user) = CurrentUser::from_request_parts(&mut parts, &state).await?;
    Ok((state, session_of(&parts)?, user))
}

/// In a server function: the signed-in user even without the second
/// factor their role requires, for the pages that set one up.
pub async fn signed_in_to_set_up() -> Result<(AppState, Session, User), Error> {
    let state = super::request::state();
    let parts = super::request::parts()?;
    let session = session_of(&parts)?;
    match current(&state.accounts, &session).await? {
        Some(user) => Ok((state, session, user)),
        None => Err(Error::Refused(AppError::Unauthorized)),
    }
}

/// In a server function: as [`signed_in`], and `Forbidden` unless the
/// user's role includes `role`.
pub async fn require(role: Role) -> Result<(AppState, Session, User), Error> {
    let (state, session, user) = signed_in().await?;
    must_be(&user, role)?;
    Ok((state, session, user))
}

/// In a server function: the signed-in user, if any.
pub async fn maybe_signed_in() -> Result<Option<User>, Error> {
    let state = super::request::state();
    let mut parts = super::request::parts()?;
    let MaybeUser(user) = MaybeUser::from_request_parts(&mut parts, &state).await?;
    Ok(user)
}
