//! Every setting Lyceum reads, with its default and what it means: the
//! table the README's is written from.

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
    (
        "LYCEUM_DEMO_DATA",
        "true in development, false in production",
        "load the demo catalogue and demo accounts into an empty database at start",
    ),
    ("LYCEUM_CACHE_TTL_SECS", "30", "seconds a cached catalogue answer may be reused, 0 to 86400"),
    (
        "LYCEUM_API_CACHE_SECS",
        "60",
        "seconds a shared cache may keep the REST API's public answers (Cache-Control max-age), 0 to 3600",
    ),
    (
        "LYCEUM_API_REQUESTS_PER_MINUTE",
        "600",
        "requests a minute the REST API answers each token, and each client address without one (429 beyond)",
    ),
    (
        "LYCEUM_API_CORS_ORIGINS",
        "none",
        "comma-separated origins (https://partner.example) whose pages may call the REST API from a browser",
    ),
    ("LYCEUM_REQUEST_TIMEOUT_SECS", "30", "seconds before a request is answered 408, 1 to 3600"),
    (
        "LYCEUM_SHARED_CACHE_SECS",
        "60",
        "seconds a shared cache (a CDN) may keep an anonymous page (Cache-Control s-maxage), 0 to 3600",
    ),
    (
        "LYCEUM_SHUTDOWN_GRACE_SECS",
        "5",
        "seconds after SIGTERM during which /readyz answers 503 while requests are still served, 0 to 300",
    ),
    (
        "LYCEUM_SHUTDOWN_TIMEOUT_SECS",
        "30",
        "seconds after the grace period that in-flight requests and running jobs get to finish, 1 to 3600",
    ),
    (
        "LYCEUM_OPS_ADDR",
        "none",
        "a second address (such as 127.0.0.1:9100) serving /metrics, /healthz and /readyz to operators only",
    ),
    (
        "LYCEUM_METRICS_TOKEN",
        "none",
        "at least 32 characters: without LYCEUM_OPS_ADDR, /metrics answers only requests bearing this token",
    ),
    (
        "LYCEUM_MODE",
        "development",
        "development or production; production requires LYCEUM_SECRET and hides /dev/mailbox",
    ),
    (
        "LYCEUM_SECRET",
        "generated into data/ in development",
        "at least 32 characters of random text; keys for field encryption and tokens derive from it",
    ),
    (
        "LYCEUM_PREVIOUS_SECRETS",
        "none",
        "comma-separated earlier secrets, still accepted for decryption after a rotation",
    ),
    (
        "SMTP_URL",
        "none: development mailbox (production requires it)",
        "smtp://USER:PASS@HOST:PORT (STARTTLS required) or smtps://... (TLS)",
    ),
    (
        "LYCEUM_SMTP_PLAINTEXT",
        "false",
        "true sends smtp:// mail without TLS, for a local test relay; refused in production",
    ),
    ("LYCEUM_SMTP_CA_FILE", "none", "PEM file of further certificate authorities to trust for the relay"),
    (
        "LYCEUM_TRUSTED_PROXIES",
        "none",
        "comma-separated addresses or CIDR ranges of proxies whose forwarding header is believed",
    ),
    (
        "LYCEUM_FORWARDED_HEADER",
        "x-forwarded-for",
        "x-forwarded-for or forwarded: where trusted proxies name the client",
    ),
    ("LYCEUM_ACADEMY_NAME", "Lyceum Academy", "the academy's name, as certificates and calendars give it"),
    (
        "LYCEUM_CREDENTIAL_KEYS",
        "derived from LYCEUM_SECRET (and the previous secrets)",
        "KEY_ID=KEY,... Ed25519 keys for certificates' credentials; the first signs, all are published",
    ),
    ("LYCEUM_LEGAL_NAME", "Lyceum Academy Ltd", "the academy's legal name, as its invoices give it"),
    (
        "LYCEUM_LEGAL_ADDRESS",
        "12 Triq il-Merkanti; Valletta VLT 1170; Malta",
        "the academy's postal address on invoices, lines separated by ';'",
    ),
    ("LYCEUM_VAT_NUMBER", "MT12345678", "the academy's VAT number; its prefix is the country VAT is charged in"),
    ("LYCEUM_VAT_RATE", "18", "VAT rate in percent on course prices, 0 to 100 (such as 18 or 7.5)"),
    ("LYCEUM_PAYMENT_DAYS", "14", "days an invoice gives to pay (never past the day before the course), 0 to 365"),
    (
        "LYCEUM_OVERDUE_GRACE_DAYS",
        "7",
        "days past an invoice's due date before staff see the order flagged as overdue, 0 to 365",
    ),
    ("LYCEUM_BANK_IBAN", "MT84 MALT 0110 0001 2345 MTLC AST0 01S", "the account transfers are paid into"),
    ("LYCEUM_BANK_BIC", "MALTMTMT", "that account's bank's BIC"),
    ("LYCEUM_MAIL_FROM", "Lyceum <no-reply@localhost>", "sender address of every message"),
    ("LYCEUM_SESSION_IDLE_MINS", "120", "minutes without a request before a signed-in session ends, 5 to 43200"),
    ("LYCEUM_SESSION_LIFETIME_HOURS", "336", "hours after sign-in when a session ends in any case, 1 to 8760"),
    ("LYCEUM_RUN_WORKER", "true", "run the job worker inside serve; false when lyceum worker processes run it"),
    (
        "LYCEUM_RATE_LIMITS",
        "true",
        "rate limits on login, signup and reset requests; false only for load tests (the lockout stays)",
    ),
    (
        "LYCEUM_STAFF_SECOND_FACTOR",
        "required",
        "required or optional: whether staff and administrators must sign in with a second factor",
    ),
    ("LYCEUM_DEMO_LEARNER_PASSWORD", "generated, shown once", "password of the demo learner account"),
    ("LYCEUM_DEMO_STAFF_PASSWORD", "generated, shown once", "password of the demo staff account"),
];
