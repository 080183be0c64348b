//! Webhooks: staff register endpoints in the back office for the events
//! they want; each change that some endpoint listens for writes an event
//! in its own transaction ([`events`]), and the job queue delivers it to
//! each endpoint, signed as the Standard Webhooks specification says
//! ([`signing`]), retried on a schedule ([`delivery`]), over connections
//! that reach only the public internet ([`client`], [`address`]).
//!
//! Endpoints are staff's to see and change; every change is audited and
//! names the version it read, so two people saving the same endpoint do
//! not overwrite each other. A secret is shown once, when it is made or
//! rotated, and kept only sealed.

pub mod address;
pub mod client;
pub mod delivery;
mod emails;
pub mod events;
pub mod payloads;
pub mod signing;
pub mod store;

use crate::error::AppError;
use crate::model::account::Role;
use crate::model::form::{Field, FieldError, Problem};
use crate::model::webhook::{
    AttemptView, DESCRIPTION_MAX, DeliveryView, EndpointSummary, EndpointView, EventType, URL_MAX,
};
use crate::server::audit::{self, Actor, Change, Diff};
use crate::server::auth::must_be;
use crate::server::crypto::Keyring;
use crate::server::db::Db;
use crate::server::error::Error;
use crate::server::present::moment_in_full;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use std::sync::Arc;
use store::EndpointRow;

/// What a secret is sealed for: it opens for nothing else.
const SECRET_CONTEXT: &str = "webhook signing secret";
/// How long the secret before a rotation keeps signing beside the new one.
pub const ROTATION_OVERLAP_HOURS: i64 = 24;
/// Deliveries an endpoint's page shows.
const DELIVERIES_SHOWN: i64 = 50;

/// How deliveries are made.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Loopback endpoints (and plain http) are allowed: development and tests only.
    pub allow_loopback: bool,
    /// The longest an attempt may take.
    pub timeout: std::time::Duration,
    /// The waits before each retry after a failed attempt.
    pub retries: Vec<std::time::Duration>,
    /// An endpoint whose deliveries have all failed for this long is disabled.
    pub disable_after: Duration,
    /// Where staff are told of an endpoint disabled for failing.
    pub staff_email: String,
}

/// An endpoint as staff fill it in.
#[derive(Clone, Debug, Default)]
pub struct EndpointForm {
    pub url: String,
    pub description: String,
    pub events: Vec<String>,
}

/// An endpoint form that passed its checks.
struct Checked {
    url: String,
    description: String,
    events: Vec<EventType>,
}

#[derive(Clone)]
pub struct Webhooks {
    db: Db,
    keys: Arc<Keyring>,
    tz: Tz,
    public_url: Arc<str>,
    settings: Arc<Settings>,
}

impl Webhooks {
    pub fn new(db: Db, keys: Arc<Keyring>, tz: Tz, public_url: &str, settings: Settings) -> Self {
        Self { db, keys, tz, public_url: public_url.into(), settings: Arc::new(settings) }
    }

    /// Checks a form: an https address of a public host (http and loopback
    /// too when the development setting allows), a short description, one
    /// event or more, each known.
    fn check(&self, form: &EndpointForm) -> Result<Checked, Error> {
        let mut problems = Vec::new();
        let url = form.url.trim();
        match self.check_url(url) {
            Ok(()) => {}
            Err(problem) => problems.push(FieldError { field: Field::Url, problem }),
        }
        let description = form.description.trim();
        if description.chars().count() > DESCRIPTION_MAX {
            problems.push(FieldError {
                field: Field::Description,
                problem: Problem::TooLong { max: DESCRIPTION_MAX as u16 },
            });
        } else if description.chars().any(char::is_control) {
            problems.push(FieldError { field: Field::Description, problem: Problem::BadCharacters });
        }
        let mut events = Vec::new();
        for text in &form.events {
            match EventType::parse(text.trim()) {
                Some(kind) if !events.contains(&kind) => events.push(kind),
                Some(_) => {}
                None => {
                    problems.push(FieldError { field: Field::Events, problem: Problem::UnknownChoice });
                    break;
                }
            }
        }
        if form.events.is_empty() {
            problems.push(FieldError { field: Field::Events, problem: Problem::Required });
        }
        if !problems.is_empty() {
            return Err(Error::Refused(AppError::Invalid(problems)));
        }
        events.sort();
        Ok(Checked { url: url.to_string(), description: description.to_string(), events })
    }

    fn check_url(&self, text: &str) -> Result<(), Problem> {
        if text.is_empty() {
            return Err(Problem::Required);
        }
        if text.chars().count() > URL_MAX {
            return Err(Problem::TooLong { max: URL_MAX as u16 });
        }
        let url = url::Url::parse(text).map_err(|_| Problem::MalformedWebhookUrl)?;
        let scheme_ok = url.scheme() == "https" || (url.scheme() == "http" && self.settings.allow_loopback);
        if !scheme_ok || !url.username().is_empty() || url.password().is_some() || url.fragment().is_some() {
            return Err(Problem::MalformedWebhookUrl);
        }
        let ip = match url.host() {
            None => return Err(Problem::MalformedWebhookUrl),
            Some(url::Host::Ipv4(ip)) => Some(std::net::IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(std::net::IpAddr::V6(ip)),
            Some(url::Host::Domain(name)) => {
                let name = name.trim_end_matches('.').to_ascii_lowercase();
                let local = name == "localhost" || name.ends_with(".localhost");
                let internal = [".local", ".internal", ".lan", ".home.arpa"].iter().any(|end| name.ends_with(end));
                if internal || (local && !self.settings.allow_loopback) || !name.contains('.') && !local {
                    return Err(Problem::PrivateAddress);
                }
                None
            }
        };
        match ip.and_then(|ip| address::refusal(ip, self.settings.allow_loopback)) {
            Some(_) => Err(Problem::PrivateAddress),
            None => Ok(()),
        }
    }

    /// Every endpoint, for the back office's list.
    pub async fn list(&self, actor: &crate::model::account::User) -> Result<Vec<EndpointSummary>, Error> {
        must_be(actor, Role::Staff)?;
        let endpoints = store::endpoints(&self.db).await?;
        let subscriptions = store::subscriptions(&self.db).await?;
        Ok(endpoints
            .into_iter()
            .map(|row| {
                let events = events_of(&subscriptions, row.id);
                EndpointSummary {
                    id: row.id,
                    state: self.state(&row),
                    enabled: row.enabled,
                    url: row.url,
                    description: row.description,
                    events,
                }
            })
            .collect())
    }

    /// "Active", "Failing since …", or why and since when it is disabled.
    fn state(&self, row: &EndpointRow) -> String {
        let at = |at: Option<DateTime<Utc>>| at.map(|at| moment_in_full(at, self.tz)).unwrap_or_default();
        match (row.enabled, row.disabled_reason.as_deref()) {
            (true, _) if row.failing_since.is_some() => format!("Failing since {}", at(row.failing_since)),
            (true, _) => "Active".to_string(),
            (false, Some("failing")) => {
                format!("Disabled on {}: every delivery failed for a day", at(row.disabled_at))
            }
            (false, _) => format!("Disabled by staff on {}", at(row.disabled_at)),
        }
    }

    /// One endpoint with its latest deliveries and their attempts;
    /// `new_secret` is the secret just made, shown once.
    pub async fn endpoint(
        &self,
        actor: &crate::model::account::User,
        id: i64,
        new_secret: Option<String>,
    ) -> Result<EndpointView, Error> {
        must_be(actor, Role::Staff)?;
        let row = store::endpoint(&self.db, id).await?.ok_or(Error::NotFound)?;
        let events = store::events(&self.db, id).await?;
        let deliveries = store::deliveries(&self.db, id, DELIVERIES_SHOWN).await?;
        let oldest = deliveries.last().map_or(i64::MAX, |d| d.id);
        // Each delivery's attempts, grouped once.
        let mut attempts: std::collections::HashMap<i64, Vec<_>> = std::collections::HashMap::new();
        for attempt in store::attempts(&self.db, id, oldest).await? {
            attempts.entry(attempt.delivery_id).or_default().push(attempt);
        }
        let when = |at: DateTime<Utc>| moment_in_full(at, self.tz);
        let now = Utc::now();
        let deliveries = deliveries
            .into_iter()
            .map(|d| {
                let mine = attempts.remove(&d.id).unwrap_or_default();
                DeliveryView {
                    id: d.id,
                    webhook_id: d.webhook_id,
                    event_type: d.event_type,
                    status: d.status.clone(),
                    created: when(d.created_at),
                    next_attempt: d.next_attempt_at.filter(|_| d.status == "pending").map(when),
                    may_send_again: may_send_again(&d.status, d.next_attempt_at, now),
                    attempts: mine
                        .into_iter()
                        .map(|a| AttemptView {
                            at: when(a.attempted_at),
                            status_code: a.status_code,
                            error: a.error,
                            response: a.response,
                            duration_ms: a.duration_ms,
                        })
                        .collect(),
                    payload: d.payload,
                }
            })
            .collect();
        Ok(EndpointView {
            id: row.id,
            version: row.version,
            state: self.state(&row),
            enabled: row.enabled,
            events,
            previous_until: row.previous_until.filter(|until| *until > now).map(when),
            url: row.url,
            description: row.description,
            new_secret,
            deliveries,
        })
    }

    /// Registers an endpoint, enabled; returns its id and its secret, which
    /// is not kept anywhere in clear: show it once.
    pub async fn create(&self, actor: Actor<'_>, form: &EndpointForm) -> Result<(i64, String), Error> {
        must_be(actor.user, Role::Staff)?;
        let checked = self.check(form)?;
        let secret = signing::new_secret();
        let now = Utc::now();
        let mut tx = self.db.begin_write().await?;
        let id = store::insert(&mut tx, &checked.url, &checked.description, &self.seal(&secret), now).await?;
        let names: Vec<&str> = checked.events.iter().map(|e| e.as_str()).collect();
        store::subscribe(&mut tx, id, &names).await?;
        let mut diff = Diff::default();
        diff.created("url", &checked.url)
            .created("description", &checked.description)
            .created("events", names.join(" "));
        record(&mut tx, actor, "webhook.created", id, &diff).await?;
        tx.commit().await?;
        Ok((id, secret))
    }

    /// Saves an endpoint's address, description and events over `version`.
    pub async fn update(&self, actor: Actor<'_>, id: i64, version: i64, form: &EndpointForm) -> Result<(), Error> {
        must_be(actor.user, Role::Staff)?;
        let checked = self.check(form)?;
        let mut tx = self.db.begin_write().await?;
        let before = store::endpoint_in(&mut tx, id).await?.ok_or(Error::NotFound)?;
        let had = store::events_in(&mut tx, id).await?.join(" ");
        let names: Vec<&str> = checked.events.iter().map(|e| e.as_str()).collect();
        if !store::update(&mut tx, id, version, &checked.url, &checked.description, Utc::now()).await? {
            return Err(stale(&before));
        }
        store::subscribe(&mut tx, id, &names).await?;
        let mut diff = Diff::default();
        diff.field("url", &before.url, &checked.url)
            .field("description", &before.description, &checked.description)
            .field("events", &had, names.join(" "));
        record(&mut tx, actor, "webhook.updated", id, &diff).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Turns an endpoint on (its failures forgotten) or off.
    pub async fn set_enabled(&self, actor: Actor<'_>, id: i64, version: i64, enabled: bool) -> Result<(), Error> {
        must_be(actor.user, Role::Staff)?;
        let mut tx = self.db.begin_write().await?;
        let before = store::endpoint_in(&mut tx, id).await?.ok_or(Error::NotFound)?;
        if !store::set_enabled(&mut tx, id, version, enabled, Utc::now()).await? {
            return Err(stale(&before));
        }
        let mut diff = Diff::default();
        diff.field("enabled", before.enabled, enabled);
        let action = if enabled { "webhook.enabled" } else { "webhook.disabled" };
        record(&mut tx, actor, action, id, &diff).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Makes a new secret; the current one keeps signing beside it for
    /// [`ROTATION_OVERLAP_HOURS`]. Returns the new secret, to show once.
    pub async fn rotate(&self, actor: Actor<'_>, id: i64, version: i64) -> Result<String, Error> {
        must_be(actor.user, Role::Staff)?;
        let secret = signing::new_secret();
        let now = Utc::now();
        let mut tx = self.db.begin_write().await?;
        let before = store::endpoint_in(&mut tx, id).await?.ok_or(Error::NotFound)?;
        let until = now + Duration::hours(ROTATION_OVERLAP_HOURS);
        if !store::rotate(&mut tx, id, version, &self.seal(&secret), until, now).await? {
            return Err(stale(&before));
        }
        let mut diff = Diff::default();
        diff.created("previous_secret_until", until.to_rfc3339());
        record(&mut tx, actor, "webhook.secret_rotated", id, &diff).await?;
        tx.commit().await?;
        Ok(secret)
    }

    /// Deletes an endpoint with its deliveries.
    pub async fn delete(&self, actor: Actor<'_>, id: i64, version: i64) -> Result<(), Error> {
        must_be(actor.user, Role::Staff)?;
        let mut tx = self.db.begin_write().await?;
        let before = store::endpoint_in(&mut tx, id).await?.ok_or(Error::NotFound)?;
        if !store::delete(&mut tx, id, version).await? {
            return Err(stale(&before));
        }
        let mut diff = Diff::default();
        diff.field("url", &before.url, "");
        record(&mut tx, actor, "webhook.deleted", id, &diff).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sends a delivered, failed or stranded delivery again (with the same
    /// `webhook-id`, as a repeat of the same event). Refused while it is
    /// on its way already.
    pub async fn redeliver(&self, actor: Actor<'_>, endpoint_id: i64, delivery_id: i64) -> Result<(), Error> {
        must_be(actor.user, Role::Staff)?;
        let now = Utc::now();
        let mut tx = self.db.begin_write().await?;
        let delivery = store::delivery_in(&mut tx, delivery_id)
            .await?
            .filter(|d| d.endpoint_id == endpoint_id)
            .ok_or(Error::NotFound)?;
        if !store::reopen(&mut tx, delivery_id, endpoint_id, now).await? {
            return Err(Error::Refused(AppError::Conflict(crate::model::enrolment::Refusal::DeliveryPending)));
        }
        crate::server::jobs::queue::enqueue_in(&mut tx, events::job(delivery_id, delivery.subject_user_id)).await?;
        let mut diff = Diff::default();
        diff.created("delivery_id", delivery_id);
        record(&mut tx, actor, "webhook.redelivered", endpoint_id, &diff).await?;
        tx.commit().await?;
        Ok(())
    }

    fn seal(&self, secret: &str) -> String {
        self.keys.seal(secret, SECRET_CONTEXT)
    }

    /// The secrets a delivery is signed with at `now`: the current one,
    /// and the previous one while it overlaps.
    fn secrets(&self, row: &EndpointRow, now: DateTime<Utc>) -> Result<Vec<String>, Error> {
        let open = |sealed: &str| self.keys.open(sealed, SECRET_CONTEXT).map_err(|e| Error::Internal(e.to_string()));
        let mut secrets = vec![open(&row.secret_sealed)?];
        if let (Some(previous), Some(until)) = (&row.previous_sealed, row.previous_until)
            && until > now
        {
            secrets.push(open(previous)?);
        }
        Ok(secrets)
    }
}

/// The event types of endpoint `id`.
fn events_of(subscriptions: &[(i64, String)], id: i64) -> Vec<String> {
    subscriptions.iter().filter(|(endpoint, _)| *endpoint == id).map(|(_, kind)| kind.clone()).collect()
}

fn stale(now: &EndpointRow) -> Error {
    let changes = vec![("url".to_string(), now.url.clone()), ("description".to_string(), now.description.clone())];
    Error::Refused(AppError::Stale { version: now.version, changes })
}

async fn record(
    tx: &mut crate::server::db::Tx,
    actor: Actor<'_>,
    action: &str,
    id: i64,
    diff: &Diff,
) -> Result<(), Error> {
    let change = Change { action, entity: "webhook", entity_id: id, about: None, diff };
    audit::change_in(tx, actor, change).await?;
    Ok(())
}

/// How long past its time a pending delivery is taken to have no job left
/// to send it: its job failed every attempt (each is a new job, retried
/// for about ten minutes when the worker itself fails, say with the
/// database down throughout), and staff may send it again.
pub const STRANDED_AFTER: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// Whether staff may send a delivery again: delivered or failed, or
/// pending and stranded ([`STRANDED_AFTER`]). `store::reopen` holds the
/// same rule in the statement that reopens it.
pub fn may_send_again(status: &str, next_attempt_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    status != "pending" || next_attempt_at.is_some_and(|at| at < now - STRANDED_AFTER)
}
