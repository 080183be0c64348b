//! Settings from the environment (and an optional `.env`). Every setting is
//! read here and nowhere else; a bad value stops start-up with one line that
//! names the setting and says what is expected.

use chrono_tz::Tz;
use std::{fmt, net::SocketAddr, time::Duration};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Human,
    Json,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub addr: SocketAddr,
    pub log_filter: String,
    pub log_format: LogFormat,
    pub timezone: Tz,
    /// Absolute base URL, without a trailing slash, for canonical links and the sitemap.
    pub public_url: String,
    pub db_max_connections: u32,
    /// Load the demo catalogue when the database is empty at start.
    pub demo_data: bool,
    pub cache_ttl: Duration,
    pub request_timeout: Duration,
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

/// One row of the settings table: name, default, meaning. The README's
/// table is written from the same facts.
pub const SETTINGS: &[(&str, &str, &str)] = &[
    ("DATABASE_URL", "sqlite://data/lyceum.db", "sqlite://PATH or postgres://USER:PASS@HOST/DB"),
    ("LYCEUM_ADDR", "127.0.0.1:3000", "address and port to listen on"),
    ("LYCEUM_PUBLIC_URL", "http://LYCEUM_ADDR", "public base URL for canonical links and the sitemap"),
    ("LYCEUM_LOG", "info", "log filter, e.g. info or lyceum=debug,sqlx=warn"),
    ("LYCEUM_LOG_FORMAT", "human", "human or json"),
    ("LYCEUM_TIMEZONE", "Europe/Malta", "IANA time zone in which dates are shown"),
    ("LYCEUM_DB_MAX_CONNECTIONS", "10", "database pool size, 1 to 1000"),
    ("LYCEUM_DEMO_DATA", "true", "load the demo catalogue into an empty database at start"),
    ("LYCEUM_CACHE_TTL_SECS", "30", "seconds a cached catalogue answer may be reused, 0 to 86400"),
    ("LYCEUM_REQUEST_TIMEOUT_SECS", "30", "seconds before a request is answered 408, 1 to 3600"),
];

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
        let request_timeout = Duration::from_secs(number("LYCEUM_REQUEST_TIMEOUT_SECS", 30, 1, 3600)?);

        let demo_data = match get("LYCEUM_DEMO_DATA").as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("true" | "1" | "yes" | "on") => true,
            Some("false" | "0" | "no" | "off") => false,
            Some(_) => {
                return Err(bad("LYCEUM_DEMO_DATA", "true or false", &get("LYCEUM_DEMO_DATA").unwrap_or_default()));
            }
        };

        Ok(Self {
            database_url,
            addr,
            log_filter,
            log_format,
            timezone,
            public_url,
            db_max_connections,
            demo_data,
            cache_ttl,
            request_timeout,
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
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_serve_sqlite_on_loopback() {
        let config = config(&[]).unwrap();
        assert_eq!(config.database_url, "sqlite://data/lyceum.db");
        assert_eq!(config.addr.to_string(), "127.0.0.1:3000");
        assert_eq!(config.public_url, "http://127.0.0.1:3000");
        assert_eq!(config.timezone, chrono_tz::Europe::Malta);
        assert_eq!(config.log_format, LogFormat::Human);
        assert!(config.demo_data);
    }

    #[test]
    fn each_bad_setting_is_named() {
        let cases = [
            ("DATABASE_URL", "mysql://x"),
            ("LYCEUM_ADDR", "localhost"),
            ("LYCEUM_LOG", "info,[[["),
            ("LYCEUM_LOG_FORMAT", "xml"),
            ("LYCEUM_TIMEZONE", "Mars/Olympus"),
            ("LYCEUM_PUBLIC_URL", "example.com"),
            ("LYCEUM_DB_MAX_CONNECTIONS", "0"),
            ("LYCEUM_CACHE_TTL_SECS", "-5"),
            ("LYCEUM_REQUEST_TIMEOUT_SECS", "soon"),
            ("LYCEUM_DEMO_DATA", "maybe"),
        ];
        for (name, value) in cases {
            let err = config(&[(name, value)]).expect_err(name);
            assert_eq!(err.name, name);
            assert!(err.to_string().starts_with(&format!("setting {name} is invalid: expected ")), "{err}");
        }
    }

    #[test]
    fn database_passwords_are_never_echoed() {
        let err = config(&[("DATABASE_URL", "mysql://app:hunter2@db/x")]).unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
        assert_eq!(redact_url("postgres://app:s3cret@h:5432/db"), "postgres://app:***@h:5432/db");
        assert_eq!(redact_url("sqlite://data/lyceum.db"), "sqlite://data/lyceum.db");
    }

    #[test]
    fn public_url_loses_its_trailing_slash() {
        let config = config(&[("LYCEUM_PUBLIC_URL", "https://academy.example/")]).unwrap();
        assert_eq!(config.public_url, "https://academy.example");
    }
}
