//! Settings from the environment (and an optional `.env`). Every setting is
//! read here and nowhere else; a bad value stops start-up with one line that
//! names the setting and says what is expected.

mod settings;

pub use super::crypto::Secret;
use chrono_tz::Tz;
pub use settings::SETTINGS;
use std::{fmt, net::SocketAddr, time::Duration};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Human,
    Json,
}

/// Which header a trusted proxy names the client in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2` (nginx, most balancers).
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client, for=proxy1`.
    Forwarded,
}

/// Development shows the mailbox at `/dev/mailbox` and may make up a secret;
/// production does neither.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Development,
    Production,
}

/// The academy as its invoices name it, and its terms of payment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invoicing {
    pub legal_name: String,
    /// Postal address, one line each.
    pub address: Vec<String>,
    /// ISO code of the country the academy charges VAT in.
    pub country: String,
    /// The academy's VAT number, with its country prefix.
    pub vat_number: String,
    /// VAT rate in basis points (1800 = 18%).
    pub vat_rate_bp: i64,
    /// Days an invoice gives to pay.
    pub payment_days: i64,
    /// Days past the due date before an unpaid order is flagged to staff.
    pub overdue_grace_days: i64,
    pub iban: String,
    pub bic: String,
}

#[derive(Clone)]
pub struct Config {
    pub mode: Mode,
    pub database_url: String,
    pub addr: SocketAddr,
    pub log_filter: String,
    pub log_format: LogFormat,
    pub timezone: Tz,
    /// Absolute base URL, without a trailing slash, for canonical links and the sitemap.
    pub public_url: String,
    pub db_max_connections: u32,
    /// Load the demo catalogue (and the demo accounts) when the database is
    /// empty at start: by default in development only.
    pub demo_data: bool,
    pub cache_ttl: Duration,
    /// How long a shared cache (a CDN, a proxy) may keep the REST API's
    /// public answers.
    pub api_cache: Duration,
    /// Requests a minute the REST API answers each token, and each client
    /// address calling without one.
    pub api_requests_per_minute: u32,
    /// Origins whose pages may call the REST API from a browser (CORS),
    /// each as `scheme://host[:port]`.
    pub api_cors_origins: Vec<String>,
    pub request_timeout: Duration,
    /// How long a shared cache may keep an anonymous page (`s-maxage`).
    pub shared_cache: Duration,
    /// After SIGTERM: how long `/readyz` says "draining" while requests
    /// are still served, so balancers stop sending new ones first.
    pub shutdown_grace: Duration,
    /// Then: how long in-flight requests and running jobs get to finish.
    pub shutdown_timeout: Duration,
    /// A listen address of its own for operator endpoints (`/metrics`).
    pub ops_addr: Option<SocketAddr>,
    /// Without `ops_addr`: the bearer token `/metrics` asks for.
    pub metrics_token: Option<Secret>,
    /// Webhooks may be delivered to loopback addresses over plain http:
    /// development and tests only (production refuses to start with it).
    pub webhooks_allow_loopback: bool,
    /// The longest a webhook delivery's attempt may take.
    pub webhook_timeout: Duration,
    /// The waits before each retry of a failed webhook delivery.
    pub webhook_retries: Vec<Duration>,
    /// The key material everything secret is derived from (field encryption,
    /// token hashing). `None` in development when unset: `main` then keeps a
    /// generated one under `data/`.
    pub secret: Option<Secret>,
    /// Earlier secrets, still accepted for decryption after a rotation.
    pub previous_secrets: Vec<Secret>,
    /// `smtp://` or `smtps://` URL of the mail relay; without it, mail goes to
    /// the development mailbox.
    pub smtp_url: Option<String>,
    /// The sender of every message.
    pub mail_from: String,
    /// The academy's name, as certificates and calendars give it.
    pub academy_name: String,
    /// Whether course prices include VAT; every price says which.
    pub prices_include_vat: bool,
    /// Who the academy is on its invoices, and how it is paid.
    pub invoicing: Invoicing,
    /// How people reach the academy, as every page's footer says.
    pub contact_phone: String,
    pub contact_email: String,
    pub opening_hours: String,
    /// Ed25519 keys that sign certificates' credentials, by key id: the
    /// first signs, the others are still published so that credentials
    /// they signed keep verifying. Empty: keys derived from the secrets.
    pub credential_keys: Vec<(String, Secret)>,
    /// Send over `smtp://` without TLS at all. Development only: production
    /// refuses to start with it.
    pub smtp_plaintext: bool,
    /// A PEM file of further certificate authorities to trust for the
    /// relay's TLS certificate (a relay with a private CA).
    pub smtp_ca_file: Option<std::path::PathBuf>,
    /// The proxies (addresses or CIDR ranges) whose forwarding header is
    /// believed; empty, the peer's own address is the client's.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The header trusted proxies name the client in.
    pub forwarded_header: ForwardedHeader,
    /// A signed-in session ends after this long without a request...
    pub session_idle: Duration,
    /// ...and after this long in any case.
    pub session_lifetime: Duration,
    /// Run the job worker inside `serve` (off when separate `lyceum worker`
    /// processes do the work).
    pub run_worker: bool,
    /// Request rate limits on the account endpoints; off only for load tests.
    pub rate_limits: bool,
    /// Whether staff and administrators must have a second factor (the
    /// default); optional only where an academy decides so.
    pub staff_second_factor: bool,
    /// Passwords of the demo accounts; generated and shown once when unset.
    pub demo_learner_password: Option<Secret>,
    pub demo_staff_password: Option<Secret>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("mode", &self.mode)
            .field("database_url", &redact_url(&self.database_url))
            .field("addr", &self.addr)
            .field("public_url", &self.public_url)
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_url))
            .finish_non_exhaustive()
    }
}

impl Config {
    /// In development without `LYCEUM_SECRET`, a secret generated on first
    /// start and kept in `path` (readable by its owner only), so sealed
    /// values still open after a restart.
    pub fn keep_development_secret(&mut self, path: &std::path::Path) -> std::io::Result<()> {
        if self.secret.is_some() || self.mode != Mode::Development {
            return Ok(());
        }
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text.trim().to_string(),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                use std::io::Write;
                use std::os::unix::fs::OpenOptionsExt;
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                let text = super::crypto::new_token() + &super::crypto::new_token();
                let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
                writeln!(file, "{text}")?;
                text
            }
            Err(error) => return Err(error),
        };
        if text.len() < Secret::MIN_LEN {
            return Err(std::io::Error::other(format!("{} holds no usable secret", path.display())));
        }
        self.secret = Some(Secret::new(text));
        Ok(())
    }

    /// Whether pages are served over TLS (cookies get `Secure`, HSTS is sent).
    pub fn https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// A setting that is present but unusable.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub name: &'static str,
    pub expected: String,
    pub got: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "setting {} is invalid: expected {}, got {:?}", self.name, self.expected, self.got)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads the process environment, after loading `.env` if there is one.
    pub fn from_env() -> Result<Self, ConfigError> {
        match dotenvy::dotenv() {
            Ok(_) => {}
            Err(e) if e.not_found() => {}
            Err(e) => {
                return Err(ConfigError { name: ".env", expected: "KEY=value lines".into(), got: e.to_string() });
            }
        }
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let bad = |name: &'static str, expected: &str, got: &str| ConfigError {
            name,
            expected: expected.to_string(),
            got: got.to_string(),
        };

        let database_url = get("DATABASE_URL").unwrap_or_else(|| "sqlite://data/lyceum.db".into());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(bad("DATABASE_URL", "a sqlite:// or postgres:// URL", &redact_url(&database_url)));
        }

        // cargo-leptos passes the address it serves on as LEPTOS_SITE_ADDR.
        let addr_text =
            get("LYCEUM_ADDR").or_else(|| get("LEPTOS_SITE_ADDR")).unwrap_or_else(|| "127.0.0.1:3000".into());
        let addr: SocketAddr = addr_text
            .parse()
            .map_err(|_| bad("LYCEUM_ADDR", "an IP address and port such as 127.0.0.1:3000", &addr_text))?;

        let log_filter = get("LYCEUM_LOG").unwrap_or_else(|| "info".into());
        if tracing_subscriber::EnvFilter::builder().parse(&log_filter).is_err() {
            return Err(bad("LYCEUM_LOG", "a log filter such as info or lyceum=debug,sqlx=warn", &log_filter));
        }

        let log_format = match get("LYCEUM_LOG_FORMAT").as_deref() {
            None | Some("human") => LogFormat::Human,
            Some("json") => LogFormat::Json,
            Some(other) => return Err(bad("LYCEUM_LOG_FORMAT", "human or json", other)),
        };

        let tz_text = get("LYCEUM_TIMEZONE").unwrap_or_else(|| "Europe/Malta".into());
        let timezone: Tz =
            tz_text.parse().map_err(|_| bad("LYCEUM_TIMEZONE", "an IANA time zone such as Europe/Malta", &tz_text))?;

        let public_url = match get("LYCEUM_PUBLIC_URL") {
            None => format!("http://{addr}"),
            Some(url) => {
                let trimmed = url.trim_end_matches('/');
                let rest = trimmed.strip_prefix("https://").or_else(|| trimmed.strip_prefix("http://"));
                match rest {
                    Some(host) if !host.is_empty() && !host.contains(char::is_whitespace) => trimmed.to_string(),
                    _ => return Err(bad("LYCEUM_PUBLIC_URL", "an absolute http(s) URL", &url)),
                }
            }
        };

        let number = |name: &'static str, default: u64, min: u64, max: u64| -> Result<u64, ConfigError> {
            match get(name) {
                None => Ok(default),
                Some(text) => text
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|n| (min..=max).contains(n))
                    .ok_or_else(|| bad(name, &format!("a whole number from {min} to {max}"), &text)),
            }
        };
        let db_max_connections = number("LYCEUM_DB_MAX_CONNECTIONS", 10, 1, 1000)? as u32;
        let cache_ttl = Duration::from_secs(number("LYCEUM_CACHE_TTL_SECS", 30, 0, 86_400)?);
        let api_cache = Duration::from_secs(number("LYCEUM_API_CACHE_SECS", 60, 0, 3600)?);
        let api_requests_per_minute = number("LYCEUM_API_REQUESTS_PER_MINUTE", 600, 1, 1_000_000)? as u32;
        let mut api_cors_origins = Vec::new();
        for text in get("LYCEUM_API_CORS_ORIGINS").unwrap_or_default().split(',').map(str::trim) {
            if text.is_empty() {
                continue;
            }
            let rest = text.strip_prefix("https://").or_else(|| text.strip_prefix("http://"));
            let plain = rest.is_some_and(|host| {
                !host.is_empty()
                    && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
            });
            if !plain {
                return Err(bad("LYCEUM_API_CORS_ORIGINS", "origins such as https://partner.example", text));
            }
            api_cors_origins.push(text.to_string());
        }
        let request_timeout = Duration::from_secs(number("LYCEUM_REQUEST_TIMEOUT_SECS", 30, 1, 3600)?);
        let shared_cache = Duration::from_secs(number("LYCEUM_SHARED_CACHE_SECS", 60, 0, 3600)?);
        let shutdown_grace = Duration::from_secs(number("LYCEUM_SHUTDOWN_GRACE_SECS", 5, 0, 300)?);
        let shutdown_timeout = Duration::from_secs(number("LYCEUM_SHUTDOWN_TIMEOUT_SECS", 30, 1, 3600)?);
        let ops_addr = match get("LYCEUM_OPS_ADDR") {
            None => None,
            Some(text) => match text.trim().parse::<SocketAddr>() {
                Ok(ops) if ops != addr => Some(ops),
                _ => return Err(bad("LYCEUM_OPS_ADDR", "an IP address and port other than LYCEUM_ADDR's", &text)),
            },
        };
        let metrics_token = match get("LYCEUM_METRICS_TOKEN") {
            None => None,
            Some(text) if text.len() >= Secret::MIN_LEN && text.bytes().all(|b| b.is_ascii_graphic()) => {
                Some(Secret::new(text))
            }
            // Never echo a secret back, even a bad one.
            Some(_) => {
                return Err(bad("LYCEUM_METRICS_TOKEN", "at least 32 printable characters without spaces", "(hidden)"));
            }
        };

        let flag = |name: &'static str, default: bool| -> Result<bool, ConfigError> {
            match get(name).as_deref().map(str::to_ascii_lowercase).as_deref() {
                None => Ok(default),
                Some("true" | "1" | "yes" | "on") => Ok(true),
                Some("false" | "0" | "no" | "off") => Ok(false),
                Some(_) => Err(bad(name, "true or false", &get(name).unwrap_or_default())),
            }
        };
        let run_worker = flag("LYCEUM_RUN_WORKER", true)?;
        let rate_limits = flag("LYCEUM_RATE_LIMITS", true)?;
        let staff_second_factor = match get("LYCEUM_STAFF_SECOND_FACTOR").as_deref().map(str::trim) {
            None | Some("required") => true,
            Some("optional") => false,
            Some(other) => return Err(bad("LYCEUM_STAFF_SECOND_FACTOR", "required or optional", other)),
        };
        let prices_include_vat = flag("LYCEUM_PRICES_INCLUDE_VAT", true)?;

        let webhook_timeout = Duration::from_secs(number("LYCEUM_WEBHOOK_TIMEOUT_SECS", 10, 1, 60)?);
        let mut webhook_retries = Vec::new();
        match get("LYCEUM_WEBHOOK_RETRY_SECS") {
            None => webhook_retries
                .extend(crate::server::webhooks::delivery::SCHEDULE_SECS.iter().map(|secs| Duration::from_secs(*secs))),
            Some(text) => {
                for part in text.split(',').map(str::trim).filter(|part| !part.is_empty()) {
                    match part.parse::<u64>() {
                        Ok(secs) if secs <= 86_400 && webhook_retries.len() < 20 => {
                            webhook_retries.push(Duration::from_secs(secs))
                        }
                        _ => {
                            return Err(bad(
                                "LYCEUM_WEBHOOK_RETRY_SECS",
                                "up to 20 waits in seconds, each at most 86400, separated by commas",
                                &text,
                            ));
                        }
                    }
                }
            }
        }

        let mode = match get("LYCEUM_MODE").as_deref() {
            None | Some("development") => Mode::Development,
            Some("production") => Mode::Production,
            Some(other) => return Err(bad("LYCEUM_MODE", "development or production", other)),
        };
        // The demo academy comes with a staff account: production loads it
        // only when told to in so many words.
        let demo_data = flag("LYCEUM_DEMO_DATA", mode == Mode::Development)?;
        let webhooks_allow_loopback = flag("LYCEUM_WEBHOOKS_ALLOW_LOOPBACK", false)?;
        if webhooks_allow_loopback && mode == Mode::Production {
            return Err(bad("LYCEUM_WEBHOOKS_ALLOW_LOOPBACK", "false in production", "true"));
        }
        let secret_rule = "at least 32 characters of random text";
        let secret = match get("LYCEUM_SECRET") {
            Some(text) if text.len() >= Secret::MIN_LEN => Some(Secret::new(text)),
            // The value itself is never echoed.
            Some(_) => return Err(bad("LYCEUM_SECRET", secret_rule, "a shorter value")),
            None if mode == Mode::Production => {
                return Err(bad("LYCEUM_SECRET", &format!("{secret_rule} (required in production)"), "nothing"));
            }
            None => None,
        };
        let mut previous_secrets = Vec::new();
        for text in get("LYCEUM_PREVIOUS_SECRETS").unwrap_or_default().split(',').map(str::trim) {
            match text.len() {
                0 => {}
                n if n >= Secret::MIN_LEN => previous_secrets.push(Secret::new(text)),
                _ => return Err(bad("LYCEUM_PREVIOUS_SECRETS", secret_rule, "a shorter value")),
            }
        }

        let smtp_url = match get("SMTP_URL") {
            None => None,
            Some(url) if url.starts_with("smtp://") || url.starts_with("smtps://") => Some(url),
            Some(url) => return Err(bad("SMTP_URL", "an smtp:// or smtps:// URL", &redact_url(&url))),
        };
        let smtp_plaintext = flag("LYCEUM_SMTP_PLAINTEXT", false)?;
        if mode == Mode::Production {
            if smtp_url.is_none() {
                return Err(bad("SMTP_URL", "the mail relay's URL (required in production)", "nothing"));
            }
            if smtp_plaintext {
                return Err(bad("LYCEUM_SMTP_PLAINTEXT", "false in production: mail is sent over TLS", "true"));
            }
        }
        let smtp_ca_file = match get("LYCEUM_SMTP_CA_FILE") {
            None => None,
            Some(path) if std::path::Path::new(&path).is_file() => Some(path.into()),
            Some(path) => return Err(bad("LYCEUM_SMTP_CA_FILE", "the path of a readable PEM file", &path)),
        };
        let mut trusted_proxies = Vec::new();
        for text in get("LYCEUM_TRUSTED_PROXIES").unwrap_or_default().split(',').map(str::trim) {
            if text.is_empty() {
                continue;
            }
            let net = text
                .parse::<ipnet::IpNet>()
                .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| bad("LYCEUM_TRUSTED_PROXIES", "addresses or CIDR ranges such as 10.0.0.0/8", text))?;
            trusted_proxies.push(net);
        }
        let forwarded_header = match get("LYCEUM_FORWARDED_HEADER").map(|v| v.to_ascii_lowercase()).as_deref() {
            None | Some("x-forwarded-for") => ForwardedHeader::XForwardedFor,
            Some("forwarded") => ForwardedHeader::Forwarded,
            Some(other) => return Err(bad("LYCEUM_FORWARDED_HEADER", "x-forwarded-for or forwarded", other)),
        };
        let mail_from = get("LYCEUM_MAIL_FROM").unwrap_or_else(|| "Lyceum <no-reply@localhost>".into());
        if mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(bad("LYCEUM_MAIL_FROM", "an address such as Lyceum <no-reply@academy.example>", &mail_from));
        }
        let academy_name = get("LYCEUM_ACADEMY_NAME").unwrap_or_else(|| "Lyceum Academy".into());
        let academy_name = academy_name.trim().to_string();
        if academy_name.is_empty() || academy_name.chars().count() > 100 || academy_name.chars().any(char::is_control) {
            return Err(bad("LYCEUM_ACADEMY_NAME", "a name of 1 to 100 characters on one line", "something else"));
        }
        let line = |name: &'static str, default: &str| -> Result<String, ConfigError> {
            let value = get(name).unwrap_or_else(|| default.into()).trim().to_string();
            if value.is_empty() || value.chars().count() > 120 || value.chars().any(char::is_control) {
                return Err(bad(name, "one line of 1 to 120 characters", "something else"));
            }
            Ok(value)
        };
        let contact_phone = line("LYCEUM_CONTACT_PHONE", "+356 2010 4400")?;
        let contact_email = line("LYCEUM_CONTACT_EMAIL", "hello@lyceum.example")?;
        let opening_hours = line("LYCEUM_OPENING_HOURS", "Monday to Friday, 08:30–17:30")?;
        let invoicing = {
            let legal_name = line("LYCEUM_LEGAL_NAME", "Lyceum Academy Ltd")?;
            let address_text = line("LYCEUM_LEGAL_ADDRESS", "12 Triq il-Merkanti; Valletta VLT 1170; Malta")?;
            let address: Vec<String> =
                address_text.split(';').map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect();
            let vat_text = line("LYCEUM_VAT_NUMBER", "MT12345678")?;
            let vat_number = crate::model::billing::VatNumber::parse(&vat_text)
                .map_err(|_| bad("LYCEUM_VAT_NUMBER", "an EU VAT number with its country prefix", &vat_text))?;
            let rate_text = get("LYCEUM_VAT_RATE").unwrap_or_else(|| "18".into());
            let vat_rate_bp = crate::server::catalogue::changes::price_cents(&rate_text)
                .ok()
                .filter(|bp| (0..=10_000).contains(bp))
                .ok_or_else(|| bad("LYCEUM_VAT_RATE", "a percentage from 0 to 100, such as 18 or 7.5", &rate_text))?;
            let iban = line("LYCEUM_BANK_IBAN", "MT84 MALT 0110 0001 2345 MTLC AST0 01S")?;
            let bic = line("LYCEUM_BANK_BIC", "MALTMTMT")?;
            Invoicing {
                legal_name,
                address,
                country: vat_number.country().to_string(),
                vat_number: vat_number.to_string(),
                vat_rate_bp,
                payment_days: number("LYCEUM_PAYMENT_DAYS", 14, 0, 365)? as i64,
                overdue_grace_days: number("LYCEUM_OVERDUE_GRACE_DAYS", 7, 0, 365)? as i64,
                iban,
                bic,
            }
        };
        let mut credential_keys = Vec::new();
        let key_rule = "comma-separated KEY_ID=KEY pairs: an id of letters, digits, '.', '_' or '-', \
                        and 32 bytes in URL-safe base64 (lyceum credential-key makes one)";
        for entry in
            get("LYCEUM_CREDENTIAL_KEYS").unwrap_or_default().split(',').map(str::trim).filter(|e| !e.is_empty())
        {
            let Some((id, key)) = entry.split_once('=') else {
                return Err(bad("LYCEUM_CREDENTIAL_KEYS", key_rule, "an entry without '='"));
            };
            let id_ok = (1..=64).contains(&id.len())
                && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
            if !id_ok || !crate::server::certificates::keys::is_seed(key) {
                return Err(bad("LYCEUM_CREDENTIAL_KEYS", key_rule, "an entry that is not"));
            }
            if credential_keys.iter().any(|(known, _)| known == id) {
                return Err(bad("LYCEUM_CREDENTIAL_KEYS", key_rule, "the same key id twice"));
            }
            credential_keys.push((id.to_string(), Secret::new(key)));
        }
        // Checked against the password rules by the seed step at start-up,
        // before anything is loaded (see `seed::accounts::check_demo_passwords`).
        let demo_learner_password = get("LYCEUM_DEMO_LEARNER_PASSWORD").map(Secret::new);
        let demo_staff_password = get("LYCEUM_DEMO_STAFF_PASSWORD").map(Secret::new);
        let session_idle = Duration::from_secs(60 * number("LYCEUM_SESSION_IDLE_MINS", 120, 5, 43_200)?);
        let session_lifetime = Duration::from_secs(3600 * number("LYCEUM_SESSION_LIFETIME_HOURS", 336, 1, 8760)?);

        Ok(Self {
            mode,
            secret,
            previous_secrets,
            smtp_url,
            mail_from,
            academy_name,
            prices_include_vat,
            invoicing,
            contact_phone,
            contact_email,
            opening_hours,
            credential_keys,
            smtp_plaintext,
            smtp_ca_file,
            trusted_proxies,
            forwarded_header,
            session_idle,
            session_lifetime,
            run_worker,
            rate_limits,
            staff_second_factor,
            demo_learner_password,
            demo_staff_password,
            database_url,
            addr,
            log_filter,
            log_format,
            timezone,
            public_url,
            db_max_connections,
            demo_data,
            cache_ttl,
            api_cache,
            api_requests_per_minute,
            api_cors_origins,
            request_timeout,
            shared_cache,
            shutdown_grace,
            shutdown_timeout,
            ops_addr,
            metrics_token,
            webhooks_allow_loopback,
            webhook_timeout,
            webhook_retries,
        })
    }
}

/// Hides the password of a database URL so it can be printed.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests;
