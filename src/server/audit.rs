//! The audit trail: what happened to whom, when, and from where (the
//! client's address and browser).
//!
//! Two kinds of entry share it. Security events (sign-ins, password
//! changes) are written by [`record`], and a failure to write one is logged
//! while the request goes on. A change to a record (a course edited, a
//! seat cancelled by staff) is written by [`change_in`] inside the
//! change's own transaction: the two commit together or not at all, and
//! the entry names the record and each field's value before and after.
//! The database refuses to change or remove an entry (see the migration
//! `back_office`).

use crate::model::account::User;
use crate::server::client::Client;
use crate::server::db::{Db, Tx, with_pool, with_tx};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An event, as the trail names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    Signup,
    EmailVerified,
    /// Signed in: with the password alone, or with the second step after it.
    LoginSucceeded,
    /// The password of an account with a second factor: not signed in
    /// until the second step passes.
    PasswordAccepted,
    LoginFailed,
    LockedOut,
    Logout,
    PasswordChanged,
    PasswordResetRequested,
    PasswordReset,
    SessionEnded,
    RoleChanged,
    AccountDeleted,
    /// A personal access token was created, or revoked.
    TokenCreated,
    TokenRevoked,
    /// A request with a token changed something (the request and the token
    /// in its detail).
    ApiChange,
    /// A second factor set up or removed, recovery codes replaced; the
    /// second step of a sign-in passed or failed.
    SecondFactorAdded,
    SecondFactorRemoved,
    RecoveryCodesReplaced,
    SecondFactorPassed,
    SecondFactorFailed,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Signup => "signup",
            Event::EmailVerified => "email_verified",
            Event::LoginSucceeded => "login_succeeded",
            Event::PasswordAccepted => "password_accepted",
            Event::LoginFailed => "login_failed",
            Event::LockedOut => "locked_out",
            Event::Logout => "logout",
            Event::PasswordChanged => "password_changed",
            Event::PasswordResetRequested => "password_reset_requested",
            Event::PasswordReset => "password_reset",
            Event::SessionEnded => "session_ended",
            Event::RoleChanged => "role_changed",
            Event::AccountDeleted => "account_deleted",
            Event::TokenCreated => "api_token_created",
            Event::TokenRevoked => "api_token_revoked",
            Event::ApiChange => "api_change",
            Event::SecondFactorAdded => "second_factor_added",
            Event::SecondFactorRemoved => "second_factor_removed",
            Event::RecoveryCodesReplaced => "recovery_codes_replaced",
            Event::SecondFactorPassed => "second_factor_passed",
            Event::SecondFactorFailed => "second_factor_failed",
        }
    }
}

const INSERT: &str =
    "INSERT INTO audit_log (at, event, user_id, ip, user_agent, detail) VALUES ($1, $2, $3, $4, $5, $6)";

/// Writes one entry of the trail, in a transaction of its own.
#[tracing::instrument(skip(db, client, detail), fields(event = event.as_str()))]
pub async fn record(db: &Db, event: Event, user_id: Option<i64>, client: &Client, detail: &str) {
    let written = async {
        let mut tx = db.begin().await?;
        record_in(&mut tx, event, user_id, client, detail).await?;
        tx.commit().await
    };
    if let Err(error) = written.await {
        tracing::error!(%error, event = event.as_str(), "audit entry could not be written");
    }
}

/// Writes one entry in the transaction of the change it records, for work
/// that must happen exactly once with its entry (a job's, which may run
/// again if it fails): a failure here fails the change.
#[tracing::instrument(skip(tx, client, detail), fields(event = event.as_str()))]
pub async fn record_in(
    tx: &mut Tx,
    event: Event,
    user_id: Option<i64>,
    client: &Client,
    detail: &str,
) -> Result<(), sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query(INSERT)
            .bind(Utc::now())
            .bind(event.as_str())
            .bind(user_id)
            .bind(&client.ip)
            .bind(&client.user_agent)
            .bind(detail)
            .execute(conn)
            .await
            .map(|_| ())
    })
}

/// Who makes a change, and from where: every back-office write takes one.
#[derive(Clone, Copy)]
pub struct Actor<'a> {
    pub user: &'a User,
    pub client: &'a Client,
}

/// Whoever acts on a record, and where from when that is known (a
/// request's client; not a job's). Domain functions that learners and
/// staff share take one: `&User` converts for a learner's own action, an
/// [`Actor`] for a request that must be traced to its address.
#[derive(Clone, Copy)]
pub struct Acting<'a> {
    pub user: &'a User,
    pub client: Option<&'a Client>,
}

impl<'a> From<&'a User> for Acting<'a> {
    fn from(user: &'a User) -> Self {
        Acting { user, client: None }
    }
}

impl<'a> From<Actor<'a>> for Acting<'a> {
    fn from(actor: Actor<'a>) -> Self {
        Acting { user: actor.user, client: Some(actor.client) }
    }
}

impl Acting<'_> {
    /// Writes the entry of a change made by this actor, in its transaction.
    pub async fn record_in(self, tx: &mut Tx, change: Change<'_>) -> Result<(), sqlx::Error> {
        let unknown = Client::default();
        change_in(tx, Actor { user: self.user, client: self.client.unwrap_or(&unknown) }, change).await
    }
}

/// What a field of a record held before a change and holds after it
/// (`None`: the record did not exist, or no longer does).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Stands for a personal value (a phone number, a message) that changed:
/// the trail says that it changed, never what it was.
pub const HIDDEN: &str = "(personal, not recorded)";

/// The fields a change touched, compared one by one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diff(Vec<FieldChange>);

impl Diff {
    /// Records `field` when its value changes.
    pub fn field(&mut self, field: &str, before: impl ToString, after: impl ToString) -> &mut Self {
        let (before, after) = (before.to_string(), after.to_string());
        if before != after {
            self.0.push(FieldChange { field: field.into(), before: Some(before), after: Some(after) });
        }
        self
    }

    /// Records `field` of a new record.
    pub fn created(&mut self, field: &str, after: impl ToString) -> &mut Self {
        self.0.push(FieldChange { field: field.into(), before: None, after: Some(after.to_string()) });
        self
    }

    /// Records that a personal `field` changed, without its values.
    pub fn personal(&mut self, field: &str, before: &str, after: &str) -> &mut Self {
        if before != after {
            let hidden = |value: &str| Some(if value.is_empty() { String::new() } else { HIDDEN.to_string() });
            self.0.push(FieldChange { field: field.into(), before: hidden(before), after: hidden(after) });
        }
        self
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn changes(&self) -> &[FieldChange] {
        &self.0
    }

    /// The names of the fields that changed.
    pub fn fields(&self) -> Vec<String> {
        self.0.iter().map(|c| c.field.clone()).collect()
    }
}

/// A change to one record, for the trail.
pub struct Change<'a> {
    /// What was done, as `entity.verb`: `course.updated`, `session.cancelled`.
    pub action: &'a str,
    /// The kind of record: `course`, `session`, `enrolment`, `enquiry`...
    pub entity: &'a str,
    pub entity_id: i64,
    /// The person the record is about, if any (a learner whose seat staff
    /// moved): the entry then shows in that person's own data export.
    pub about: Option<i64>,
    pub diff: &'a Diff,
}

/// Writes the entry of a change in the change's own transaction: if the
/// change fails, there is no entry, and if the entry cannot be written,
/// the change fails.
#[tracing::instrument(skip_all, fields(action = change.action, entity = change.entity, id = change.entity_id))]
pub async fn change_in(tx: &mut Tx, actor: Actor<'_>, change: Change<'_>) -> Result<(), sqlx::Error> {
    let changes = serde_json::to_string(change.diff.changes()).unwrap_or_else(|_| "[]".into());
    with_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO audit_log (at, event, user_id, ip, user_agent, detail, actor_id, entity, entity_id, changes) \
             VALUES ($1, $2, $3, $4, $5, '', $6, $7, $8, $9)",
        )
        .bind(Utc::now())
        .bind(change.action)
        .bind(change.about)
        .bind(&actor.client.ip)
        .bind(&actor.client.user_agent)
        .bind(actor.user.id)
        .bind(change.entity)
        .bind(change.entity_id)
        .bind(&changes)
        .execute(conn)
        .await
        .map(|_| ())
    })
}

/// An entry, as a person's own data export shows it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Entry {
    pub at: DateTime<Utc>,
    pub event: String,
    pub ip: String,
    pub user_agent: String,
    pub detail: String,
}

/// Every entry about `user_id`, newest first.
pub async fn entries_of(db: &Db, user_id: i64) -> Result<Vec<Entry>, sqlx::Error> {
    with_pool!(db, |pool| {
        sqlx::query_as(
            // Where staff acted on the person's records, the staff member's
            // address and browser are theirs, not the person's to export.
            "SELECT at, event, \
             CASE WHEN actor_id IS NULL OR actor_id = $1 THEN ip ELSE '' END AS ip, \
             CASE WHEN actor_id IS NULL OR actor_id = $1 THEN user_agent ELSE '' END AS user_agent, \
             detail FROM audit_log WHERE user_id = $1 ORDER BY at DESC, id DESC",
        )
        .bind(user_id)
        .fetch_all(pool)
        .await
    })
}

/// What the trail's page asks for; instants already in UTC.
#[derive(Clone, Debug, Default)]
pub struct TrailFilter {
    pub person: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub action: String,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub offset: i64,
    pub limit: i64,
}

/// An entry as staff read the trail.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TrailEntry {
    pub at: DateTime<Utc>,
    pub event: String,
    pub actor: Option<String>,
    pub actor_email: Option<String>,
    pub about: Option<String>,
    pub about_email: Option<String>,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub ip: String,
    pub changes: String,
    pub detail: String,
}

impl TrailEntry {
    /// The fields changed, as written.
    pub fn changes(&self) -> Vec<FieldChange> {
        serde_json::from_str(&self.changes).unwrap_or_default()
    }
}

/// Entries matching `filter`, newest first: staff only. Read-only; there
/// is no function that changes or removes an entry.
pub async fn trail(db: &Db, actor: &User, filter: &TrailFilter) -> Result<Vec<TrailEntry>, super::error::Error> {
    use crate::server::sql::like_pattern;
    use crate::server::sql::{Arg, Sql};
    super::auth::must_be(actor, crate::model::account::Role::Staff)?;
    let mut sql = Sql::new(
        "SELECT a.at, a.event, w.name AS actor, w.email AS actor_email, s.name AS about, s.email AS about_email, \
         a.entity, a.entity_id, a.ip, a.changes, a.detail \
         FROM audit_log a LEFT JOIN users w ON w.id = a.actor_id LEFT JOIN users s ON s.id = a.user_id WHERE 1 = 1",
    );
    if !filter.person.trim().is_empty() {
        let pattern = like_pattern(&filter.person);
        for column in ["w.name", "w.email", "s.name", "s.email"] {
            sql.push(if column == "w.name" { " AND (" } else { " OR " });
            sql.push(&format!("lower({column}) LIKE ")).bind(Arg::Text(pattern.clone())).push(" ESCAPE '\\'");
        }
        sql.push(")");
    }
    if !filter.entity.is_empty() {
        sql.push(" AND a.entity = ").bind(Arg::Text(filter.entity.clone()));
    }
    if let Some(id) = filter.entity_id {
        sql.push(" AND a.entity_id = ").bind(Arg::Int(id));
    }
    if !filter.action.is_empty() {
        sql.push(" AND a.event LIKE ").bind(Arg::Text(format!("{}%", filter.action.replace('_', "\\_"))));
        sql.push(" ESCAPE '\\'");
    }
    if let Some(from) = filter.from {
        sql.push(" AND a.at >= ").bind(Arg::Time(from));
    }
    if let Some(until) = filter.until {
        sql.push(" AND a.at < ").bind(Arg::Time(until));
    }
    sql.push(&format!(" ORDER BY a.at DESC, a.id DESC LIMIT {} OFFSET {}", filter.limit, filter.offset));
    Ok(sql.fetch_all(db).await?)
}
