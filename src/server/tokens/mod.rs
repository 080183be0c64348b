//! Personal access tokens: created by their owner on `/account/security`
//! with a name, scopes and a lifetime, shown once, kept only as a hash;
//! listed with their last use; revoked at once. A token cannot create
//! tokens (that takes a signed-in session), and its staff scopes hold only
//! while its owner's role does: a role change or a deactivation ends them
//! on the next request, with nothing to update.

pub mod format;
pub mod store;

use crate::error::AppError;
use crate::model::account::{Role, User};
use crate::model::form::{Field, FieldError, Problem};
use crate::model::token::{
    Scope, TOKEN_DAYS_MAX, TOKEN_NAME_MAX, TokenList, TokenRefusal, TokenView, scopes_of, scopes_text,
};
use crate::server::accounts::store::user_by_id;
use crate::server::audit::{self, Event};
use crate::server::client::Client;
use crate::server::crypto::token_hash;
use crate::server::db::Db;
use crate::server::error::Error;
use crate::server::present::day_in_full;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Who calls the API with a token, and what the token lets them do.
#[derive(Clone, Debug)]
pub struct Bearer {
    pub user: User,
    pub token_id: i64,
    /// The token's scopes that its owner's role allows now.
    pub scopes: Vec<Scope>,
}

impl Bearer {
    /// `MissingScope` unless the token has `scope`.
    pub fn must_have(&self, scope: Scope) -> Result<(), Error> {
        match self.scopes.contains(&scope) {
            true => Ok(()),
            false => Err(Error::Refused(AppError::MissingScope(scope.as_str().to_string()))),
        }
    }
}

fn refused(why: TokenRefusal) -> Error {
    Error::Refused(AppError::TokenRefused(why))
}

/// The scopes `role` may hold.
fn allowed(role: Role, scope: Scope) -> bool {
    !scope.staff_only() || role.includes(Role::Staff)
}

#[derive(Clone)]
pub struct Tokens {
    db: Db,
    tz: Tz,
    uses: Arc<Uses>,
}

/// Tokens used since the last uses were written: a token's last use is
/// written in batches, at most every [`USES_EVERY`] (and before a list
/// shows them), not by a transaction of its own on every request, which
/// cost a write per API call and halved the API's bookings on SQLite's
/// one writer.
#[derive(Default)]
struct Uses {
    pending: Mutex<(HashMap<i64, DateTime<Utc>>, Option<std::time::Instant>)>,
}

/// How often the last uses of tokens are written, at most.
const USES_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

impl Tokens {
    pub fn new(db: Db, tz: Tz) -> Self {
        Self { db, tz, uses: Arc::default() }
    }

    /// Notes that token `id` (last used at `last`) is used `now`; writes
    /// the uses noted when the last write is old enough, in the background.
    fn used(&self, id: i64, last: Option<DateTime<Utc>>, now: DateTime<Utc>) {
        // Within a minute of the use already written: nothing to change.
        if last.is_some_and(|last| now - last < Duration::seconds(60)) {
            return;
        }
        let due = {
            let mut pending = self.uses.pending.lock().unwrap_or_else(|e| e.into_inner());
            pending.0.insert(id, now);
            let started = *pending.1.get_or_insert_with(std::time::Instant::now);
            if started.elapsed() < USES_EVERY && pending.0.len() < 1000 {
                return;
            }
            pending.1 = None;
            std::mem::take(&mut pending.0)
        };
        let db = self.db.clone();
        tokio::spawn(async move {
            if let Err(error) = store::touch_all(&db, &due).await {
                tracing::warn!(%error, tokens = due.len(), "the tokens' last uses could not be written");
            }
        });
    }

    /// Writes every use noted and not written yet.
    async fn write_uses(&self) -> Result<(), sqlx::Error> {
        let due = {
            let mut pending = self.uses.pending.lock().unwrap_or_else(|e| e.into_inner());
            pending.1 = None;
            std::mem::take(&mut pending.0)
        };
        if due.is_empty() {
            return Ok(());
        }
        store::touch_all(&self.db, &due).await
    }

    /// Creates a token for `user`: the token itself, to show once. Every
    /// problem with the form is named at once.
    pub async fn create(
        &self,
        user: &User,
        client: &Client,
        name: &str,
        scopes: &[String],
        days: &str,
    ) -> Result<String, Error> {
        let mut problems = Vec::new();
        let name = name.trim();
        if name.is_empty() {
            problems.push(FieldError { field: Field::Name, problem: Problem::Required });
        } else if name.chars().count() > TOKEN_NAME_MAX || name.chars().any(char::is_control) {
            problems.push(FieldError { field: Field::Name, problem: Problem::TooLong { max: TOKEN_NAME_MAX as u16 } });
        }
        let chosen: Option<Vec<Scope>> = scopes.iter().map(|s| Scope::parse(s)).collect();
        match &chosen {
            Some(chosen) if !chosen.is_empty() && chosen.iter().all(|s| allowed(user.role, *s)) => {}
            _ => problems.push(FieldError { field: Field::Scopes, problem: Problem::Required }),
        }
        let days = days.trim().parse::<i64>().ok().filter(|d| (1..=TOKEN_DAYS_MAX).contains(d));
        if days.is_none() {
            problems.push(FieldError {
                field: Field::Expiry,
                problem: Problem::OutOfRange { min: 1, max: TOKEN_DAYS_MAX as u16 },
            });
        }
        let (Some(chosen), Some(days), true) = (chosen, days, problems.is_empty()) else {
            return Err(Error::Refused(AppError::Invalid(problems)));
        };
        let now = Utc::now();
        let token = format::mint();
        let hint = format!("{}…", &token[..format::HINT]);
        let new = store::NewToken {
            user_id: user.id,
            name,
            hint: &hint,
            token_hash: &token_hash(&token),
            scopes: &scopes_text(&chosen),
            expires_at: now + Duration::days(days),
        };
        let id = store::insert(&self.db, &new, now).await?;
        let detail = format!("token {id} ({}), {}, {days} days", new.hint, new.scopes);
        audit::record(&self.db, Event::TokenCreated, Some(user.id), client, &detail).await;
        Ok(token)
    }

    /// Who the token in an `Authorization: Bearer` header is, and what it
    /// may do now; why not, when it may not.
    pub async fn authenticate(&self, token: &str) -> Result<Bearer, Error> {
        if !format::well_formed(token) {
            return Err(refused(TokenRefusal::Malformed));
        }
        let now = Utc::now();
        let row = store::by_hash(&self.db, &token_hash(token)).await?.ok_or(refused(TokenRefusal::Unknown))?;
        if row.revoked_at.is_some() {
            return Err(refused(TokenRefusal::Unknown));
        }
        if row.expires_at <= now {
            return Err(refused(TokenRefusal::Expired));
        }
        let account = user_by_id(&self.db, row.user_id).await?;
        let Some(account) = account.filter(|a| a.deactivated_at.is_none()) else {
            return Err(refused(TokenRefusal::Unknown));
        };
        let user = User::from(&account);
        self.used(row.id, row.last_used_at, now);
        let scopes = scopes_of(&row.scopes).into_iter().filter(|s| allowed(user.role, *s)).collect();
        Ok(Bearer { user, token_id: row.id, scopes })
    }

    /// The account's tokens as its security page lists them, newest first.
    pub async fn list(&self, user: &User, created: Option<String>) -> Result<TokenList, Error> {
        self.write_uses().await?;
        let now = Utc::now();
        let tokens = store::of_user(&self.db, user.id).await?.into_iter().map(|row| self.view(row, now)).collect();
        let offered = Scope::ALL
            .into_iter()
            .filter(|s| allowed(user.role, *s))
            .map(|s| (s.as_str().to_string(), s.label().to_string()))
            .collect();
        Ok(TokenList { tokens, created, offered })
    }

    fn view(&self, row: store::TokenRow, now: DateTime<Utc>) -> TokenView {
        let (state, active) = match (row.revoked_at, row.expires_at <= now) {
            (Some(_), _) => ("Revoked", false),
            (None, true) => ("Expired", false),
            (None, false) => ("Active", true),
        };
        TokenView {
            id: row.id,
            name: row.name,
            hint: row.hint,
            scopes: scopes_of(&row.scopes).into_iter().map(|s| s.as_str().to_string()).collect(),
            created_on: day_in_full(row.created_at, self.tz),
            expires_on: day_in_full(row.expires_at, self.tz),
            last_used: match row.last_used_at {
                Some(at) => format!("Last used {}", day_in_full(at, self.tz)),
                None => "Never used".to_string(),
            },
            state: state.to_string(),
            active,
        }
    }

    /// Revokes the account's token `id`: refused use from the next request
    /// on. `NotFound` for another account's, or one revoked already.
    pub async fn revoke(&self, user: &User, client: &Client, id: i64) -> Result<(), Error> {
        if !store::revoke(&self.db, user.id, id, Utc::now()).await? {
            return Err(Error::NotFound);
        }
        audit::record(&self.db, Event::TokenRevoked, Some(user.id), client, &format!("token {id}")).await;
        Ok(())
    }

    /// Puts a change made with a token in the audit trail: who, from where,
    /// with which token, and what (`change`, the request in Lyceum's words).
    pub async fn record_change(&self, bearer: &Bearer, client: &Client, change: &str) {
        let detail = format!("{change} with token {}", bearer.token_id);
        audit::record(&self.db, Event::ApiChange, Some(bearer.user.id), client, &detail).await;
    }

    /// [`Tokens::record_change`] in the change's own transaction: one
    /// commit for both, and no change without its entry.
    pub async fn record_change_in(
        tx: &mut crate::server::db::Tx,
        bearer: &Bearer,
        client: &Client,
        change: &str,
    ) -> Result<(), sqlx::Error> {
        let detail = format!("{change} with token {}", bearer.token_id);
        audit::record_in(tx, Event::ApiChange, Some(bearer.user.id), client, &detail).await
    }
}
