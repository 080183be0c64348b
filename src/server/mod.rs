//! Everything that only runs on the server: configuration, database, the
//! domain areas with their queries, HTTP wiring, jobs and operator commands.

pub mod accounts;
pub mod api;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod cache_notices;
pub mod calendar;
pub mod canonical;
pub mod catalogue;
pub mod certificates;
pub mod client;
pub mod config;
pub mod crypto;
pub mod csv_files;
pub mod dashboard;
pub mod db;
pub mod db_types;
pub mod downloads;
pub mod enquiries;
pub mod enrolment;
pub mod error;
pub mod exchange;
pub mod fingerprint;
pub mod fragments;
pub mod http;
pub mod jobs;
pub mod lifecycle;
pub mod mail;
pub mod markdown;
pub mod metrics;
pub mod ops;
pub mod orders;
pub mod page_cache;
pub mod present;
pub mod problem;
pub mod request;
pub mod returned;
pub mod security;
pub mod seed;
pub mod session_store;
pub mod shared_pages;
pub mod sql;
pub mod telemetry;
pub mod tokens;
pub mod webhooks;

use axum::extract::FromRef;
use catalogue::Catalogue;
use config::Config;
use db::Db;
use leptos::config::LeptosOptions;
use std::sync::Arc;

/// Memory for whole cached pages: with the catalogue's own caches, a
/// server that has answered any number of different addresses stays under
/// 100 MiB (the benchmark checks after 100,000).
const PAGE_CACHE_BYTES: u64 = 24 * 1024 * 1024;
/// Memory for the REST API's public answers, kept as sent.
const API_ANSWER_BYTES: u64 = 2 * 1024 * 1024;

/// What every request handler and server function can reach. Cloned for
/// every request (axum hands each route its own copy), so it is one `Arc`:
/// cloning the caches inside it field by field cost a quarter of the CPU of
/// serving a cached page.
#[derive(Clone)]
pub struct AppState(Arc<AppParts>);

/// What an [`AppState`] holds, reached through it (`state.db`, `state.config`,
/// and the domain's areas as if they were its own: `state.enrolments`).
pub struct AppParts {
    pub leptos: LeptosOptions,
    pub config: Arc<Config>,
    pub db: Db,
    pub pages: page_cache::PageCache,
    /// Web sessions, on connections of their own ([`Budgets`]).
    pub session_store: session_store::DbSessionStore,
    pub domain: Domain,
    /// The REST API's request limits, per token and per client.
    pub api_limits: Arc<api::limits::ApiLimits>,
    /// The REST API's public answers, kept as sent.
    pub api_answers: Arc<api::answers::PublicAnswers>,
    pub lifecycle: lifecycle::Lifecycle,
}

impl std::ops::Deref for AppParts {
    type Target = Domain;

    fn deref(&self) -> &Domain {
        &self.domain
    }
}

/// How the database's connections are shared out, so that no kind of work
/// can starve another of them: requests have the main pool
/// (`LYCEUM_DB_MAX_CONNECTIONS`); web sessions, which every signed-in
/// request loads first and a few save after answering, have a pool of
/// their own; and so has the job worker, whose lease renewals must get
/// through while a rush holds every request connection.
pub struct Budgets;

impl Budgets {
    /// Connections for web sessions: a quarter of the requests' own, at least two.
    pub fn sessions(config: &Config) -> u32 {
        (config.db_max_connections / 4).max(2)
    }

    /// Connections for the job worker of a process (its jobs run eight at a
    /// time, mostly waiting on the mail relay, not the database).
    pub const WORKER: u32 = 4;
}

/// The composition root: the domain areas and what they share (the
/// keyring, the request limits, the jobs), put together once, here, for the
/// server, the operator's commands and the tests alike.
#[derive(Clone)]
pub struct Domain {
    pub catalogue: Catalogue,
    pub enrolments: enrolment::Enrolments,
    pub accounts: accounts::Accounts,
    pub calendars: calendar::Calendars,
    pub certificates: certificates::Certificates,
    pub enquiries: enquiries::Enquiries,
    /// Bookings with billing, invoices, credit notes and payments.
    pub orders: orders::Orders,
    /// Personal access tokens for the REST API.
    pub tokens: tokens::Tokens,
    /// Webhook endpoints and the deliveries of events to them.
    pub webhooks: webhooks::Webhooks,
    /// What the catalogue and the page cache forget together.
    pub epoch: page_cache::Epoch,
    /// The keys that seal personal data and queued mail.
    pub keys: Arc<crypto::Keyring>,
    /// Request limits, kept in the database: one set for every area.
    pub limits: Arc<accounts::limits::Limits>,
    tz: chrono_tz::Tz,
    public_url: Arc<str>,
}

impl Domain {
    pub fn new(config: &Config, db: &Db) -> Self {
        let epoch = page_cache::Epoch::default();
        let catalogue = Catalogue::new(db.clone(), config.timezone, config.cache_ttl, epoch.clone())
            .with_academy_defaults(catalogue::settings::AcademyDefaults::from(config));
        let keys = Arc::new(crypto::Keyring::from_secrets(config.secret.as_ref(), &config.previous_secrets));
        let (tz, public_url, academy) = (config.timezone, config.public_url.as_str(), config.academy_name.as_str());
        let calendars = calendar::Calendars::new(db.clone(), keys.clone(), tz, public_url, academy);
        let signing = Arc::new(certificates::keys::CredentialKeys::new(
            &config.credential_keys,
            config.secret.as_ref(),
            &config.previous_secrets,
            public_url,
        ));
        let limits = Arc::new(accounts::limits::Limits::new(
            db.clone(),
            accounts::limits::Quotas::default(),
            config.rate_limits,
            keys.clone(),
        ));
        let certificates =
            certificates::Certificates::new(db.clone(), signing, keys.clone(), limits.clone(), tz, public_url, academy);
        let billing = orders::billing::Billing::new(config.invoicing.clone(), config.prices_include_vat, tz);
        let enrolments = enrolment::Enrolments::new(
            db.clone(),
            enrolment::Parts {
                catalogue: catalogue.clone(),
                keys: keys.clone(),
                calendars: calendars.clone(),
                certificates: certificates.clone(),
                billing: billing.clone(),
                tz,
                public_url: public_url.to_string(),
            },
        );
        let enquiries =
            enquiries::Enquiries::new(db.clone(), keys.clone(), limits.clone(), public_url, &config.contact_email);
        let accounts = accounts::Accounts::new(
            db.clone(),
            config,
            keys.clone(),
            limits.clone(),
            accounts::Parts { enrolments: enrolments.clone(), enquiries: enquiries.clone() },
        );
        let orders = orders::Orders::new(db.clone(), catalogue.clone(), enrolments.clone(), billing, public_url);
        let tokens = tokens::Tokens::new(db.clone(), tz);
        let webhooks = webhooks::Webhooks::new(
            db.clone(),
            keys.clone(),
            tz,
            public_url,
            webhooks::Settings {
                allow_loopback: config.webhooks_allow_loopback,
                timeout: config.webhook_timeout,
                retries: config.webhook_retries.clone(),
                disable_after: chrono::Duration::hours(24),
                staff_email: config.contact_email.clone(),
            },
        );
        let public_url = public_url.into();
        Self {
            catalogue,
            orders,
            tokens,
            webhooks,
            enrolments,
            accounts,
            calendars,
            certificates,
            enquiries,
            epoch,
            keys,
            limits,
            tz,
            public_url,
        }
    }

    /// Every kind of job Lyceum runs, with what each needs, delivering mail
    /// through `mailer`: the one list to extend with a new kind. It lives
    /// here, where the application is put together, so the queue knows no
    /// job kind and no kind knows the others.
    pub fn jobs(&self, mailer: mail::Mailer) -> jobs::Registry {
        use accounts::link_requests::{AnswerLinkRequest, LinkRequest};
        let reminders = enrolment::reminders::SendReminder::new(self.keys.clone(), self.tz, &self.public_url);
        jobs::Registry::new()
            .with(mail::SEND, mail::SendMail::new(mailer, self.keys.clone()))
            .with(enrolment::reminders::REMIND, reminders)
            .with(enrolment::notices::ENROLLED, enrolment::notices::SendNotice::new(self.enrolments.clone()))
            .with(
                orders::notices::DOCUMENT_MAIL,
                orders::notices::SendDocuments::new(self.keys.clone(), self.tz, &self.public_url),
            )
            .with(LinkRequest::Reset.kind(), AnswerLinkRequest::new(self.accounts.clone(), LinkRequest::Reset))
            .with(LinkRequest::Confirm.kind(), AnswerLinkRequest::new(self.accounts.clone(), LinkRequest::Confirm))
            .with(webhooks::events::DELIVER, webhooks::delivery::Deliver::new(self.webhooks.clone()))
    }
}

impl AppState {
    pub fn new(config: Config, db: Db, leptos: LeptosOptions) -> Self {
        let domain = Domain::new(&config, &db);
        let pages = page_cache::PageCache::new(domain.epoch.clone(), config.cache_ttl, PAGE_CACHE_BYTES);
        let session_store = session_store::DbSessionStore::new(db.budget(Budgets::sessions(&config)));
        let api_limits = Arc::new(api::limits::ApiLimits::new(config.api_requests_per_minute, config.rate_limits));
        let api_answers =
            Arc::new(api::answers::PublicAnswers::new(domain.epoch.clone(), config.cache_ttl, API_ANSWER_BYTES));
        let config = Arc::new(config);
        let lifecycle = lifecycle::Lifecycle::new(&db);
        Self(Arc::new(AppParts {
            leptos,
            config,
            db,
            pages,
            session_store,
            domain,
            api_limits,
            api_answers,
            lifecycle,
        }))
    }
}

impl std::ops::Deref for AppState {
    type Target = AppParts;

    fn deref(&self) -> &AppParts {
        &self.0
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

impl FromRef<AppState> for lifecycle::Lifecycle {
    fn from_ref(state: &AppState) -> Self {
        state.lifecycle.clone()
    }
}
