//! Every setting: its default, its bad values named, its secrets never echoed.

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
        ("LYCEUM_MODE", "staging"),
        ("LYCEUM_SECRET", "short"),
        ("LYCEUM_PREVIOUS_SECRETS", "short"),
        ("SMTP_URL", "http://mail"),
        ("LYCEUM_MAIL_FROM", "not an address"),
        ("LYCEUM_SESSION_IDLE_MINS", "1"),
        ("LYCEUM_SESSION_LIFETIME_HOURS", "0"),
        ("LYCEUM_RUN_WORKER", "sometimes"),
        ("LYCEUM_RATE_LIMITS", "few"),
        ("LYCEUM_SMTP_PLAINTEXT", "perhaps"),
        ("LYCEUM_SMTP_CA_FILE", "/no/such/file.pem"),
        ("LYCEUM_TRUSTED_PROXIES", "10.0.0.0/8, nginx"),
        ("LYCEUM_TRUSTED_PROXIES", "10.0.0.0/33"),
        ("LYCEUM_FORWARDED_HEADER", "x-real-ip"),
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
fn production_requires_a_secret_and_never_echoes_one() {
    let err = config(&[("LYCEUM_MODE", "production")]).unwrap_err();
    assert_eq!(err.name, "LYCEUM_SECRET");
    let err = config(&[("LYCEUM_SECRET", "tooshort-hunter2")]).unwrap_err();
    assert!(!err.to_string().contains("hunter2"), "{err}");
    let secret = "s".repeat(40);
    let relay = "smtps://mailer:hunter2@relay.test";
    let config = config(&[("LYCEUM_MODE", "production"), ("LYCEUM_SECRET", &secret), ("SMTP_URL", relay)]).unwrap();
    assert_eq!(config.mode, Mode::Production);
    assert!(!format!("{config:?}").contains(&secret));
}

#[test]
fn production_loads_demo_data_only_when_told_to() {
    let secret = "s".repeat(40);
    let production = [("LYCEUM_MODE", "production"), ("LYCEUM_SECRET", &secret), ("SMTP_URL", "smtps://relay.test")];
    assert!(!config(&production).unwrap().demo_data, "off by default in production");
    let asked = [&production[..], &[("LYCEUM_DEMO_DATA", "true")]].concat();
    assert!(config(&asked).unwrap().demo_data, "on when set explicitly");
    assert!(config(&[]).unwrap().demo_data, "on by default in development");
    assert!(!config(&[("LYCEUM_DEMO_DATA", "false")]).unwrap().demo_data);
}

#[test]
fn production_sends_mail_over_tls_or_does_not_start() {
    let secret = "s".repeat(40);
    let production = [("LYCEUM_MODE", "production"), ("LYCEUM_SECRET", secret.as_str())];
    let err = config(&production).unwrap_err();
    assert_eq!(err.name, "SMTP_URL", "no relay, no start: {err}");
    let plain = [&production[..], &[("SMTP_URL", "smtp://relay.test"), ("LYCEUM_SMTP_PLAINTEXT", "true")]].concat();
    assert_eq!(config(&plain).unwrap_err().name, "LYCEUM_SMTP_PLAINTEXT");
    let development = config(&[("SMTP_URL", "smtp://relay.test"), ("LYCEUM_SMTP_PLAINTEXT", "true")]).unwrap();
    assert!(development.smtp_plaintext, "a local test relay may be plain text in development");
    assert!(!config(&[]).unwrap().smtp_plaintext);
}

#[test]
fn trusted_proxies_are_addresses_or_ranges() {
    let config = config(&[("LYCEUM_TRUSTED_PROXIES", " 10.0.0.0/8, 192.0.2.7 ,::1")]).unwrap();
    let nets: Vec<String> = config.trusted_proxies.iter().map(ToString::to_string).collect();
    assert_eq!(nets, ["10.0.0.0/8", "192.0.2.7/32", "::1/128"]);
    assert_eq!(config.forwarded_header, ForwardedHeader::XForwardedFor);
    let forwarded = super::Config::from_lookup(|name| (name == "LYCEUM_FORWARDED_HEADER").then(|| "Forwarded".into()));
    assert_eq!(forwarded.unwrap().forwarded_header, ForwardedHeader::Forwarded);
}

#[test]
fn smtp_passwords_are_never_echoed() {
    let config = config(&[("SMTP_URL", "smtp://mailer:hunter2@relay:587")]).unwrap();
    assert!(!format!("{config:?}").contains("hunter2"));
}

#[test]
fn public_url_loses_its_trailing_slash() {
    let config = config(&[("LYCEUM_PUBLIC_URL", "https://academy.example/")]).unwrap();
    assert_eq!(config.public_url, "https://academy.example");
}
