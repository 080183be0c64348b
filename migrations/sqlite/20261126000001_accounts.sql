-- Accounts and everything that keeps them safe: users, their sessions,
-- single-use e-mail tokens and the audit trail of security events.
-- Timestamps are UTC, written by the application, so text order is time order.

CREATE TABLE users (
    id                INTEGER PRIMARY KEY,
    -- Lower-cased and trimmed; unique among live accounts only, so the
    -- address of a deleted account can sign up again.
    email             TEXT    NOT NULL,
    email_verified_at TEXT,
    name              TEXT    NOT NULL,
    password_hash     TEXT    NOT NULL,
    role              TEXT    NOT NULL DEFAULT 'learner'
                      CHECK (role IN ('learner', 'instructor', 'staff', 'admin')),
    -- AEAD ciphertext with its key id (see server::crypto); never clear text.
    phone_enc         TEXT,
    company           TEXT    NOT NULL DEFAULT '',
    job_title         TEXT    NOT NULL DEFAULT '',
    bio               TEXT    NOT NULL DEFAULT '',
    -- Settings: which e-mails to send, reminders, preferences.
    notify_enrolment  INTEGER NOT NULL DEFAULT 1,
    notify_reminders  INTEGER NOT NULL DEFAULT 1,
    notify_waitlist   INTEGER NOT NULL DEFAULT 1,
    notify_news       INTEGER NOT NULL DEFAULT 0,
    reminder_hours    INTEGER NOT NULL DEFAULT 24,
    preferred_location_id INTEGER REFERENCES locations (id) ON DELETE SET NULL,
    preferred_mode    TEXT    CHECK (preferred_mode IN ('online', 'in-person')),
    timezone          TEXT    NOT NULL DEFAULT 'Europe/Malta',
    created_at        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL,
    deleted_at        TEXT
);
CREATE UNIQUE INDEX users_live_email ON users (email) WHERE deleted_at IS NULL;
CREATE INDEX users_role ON users (role) WHERE deleted_at IS NULL;

-- tower-sessions records. The owner, device and times are copied out of the
-- record's data so a user's sessions can be listed and ended.
CREATE TABLE sessions (
    id           TEXT    PRIMARY KEY,
    -- A public name for the session: the id itself is the cookie's secret.
    handle       TEXT    NOT NULL UNIQUE,
    data         TEXT    NOT NULL,
    expires_at   TEXT    NOT NULL,
    user_id      INTEGER REFERENCES users (id) ON DELETE CASCADE,
    user_agent   TEXT    NOT NULL DEFAULT '',
    ip           TEXT    NOT NULL DEFAULT '',
    created_at   TEXT    NOT NULL,
    last_seen_at TEXT    NOT NULL
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
CREATE INDEX sessions_user ON sessions (user_id, last_seen_at) WHERE user_id IS NOT NULL;

-- Links sent by e-mail. Only a SHA-256 of the token is kept.
CREATE TABLE user_tokens (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT    NOT NULL CHECK (purpose IN ('verify-email', 'reset-password')),
    token_hash TEXT    NOT NULL UNIQUE,
    expires_at TEXT    NOT NULL,
    used_at    TEXT,
    created_at TEXT    NOT NULL
);
CREATE INDEX user_tokens_user ON user_tokens (user_id, purpose);

-- Failed logins per address (its SHA-256: typed addresses of no account
-- are not kept), whether or not an account has it, so a
-- locked-out address and an unknown one answer alike. Cleared by a
-- successful login or a password reset.
CREATE TABLE login_throttle (
    email_hash   TEXT    PRIMARY KEY,
    failures     INTEGER NOT NULL,
    locked_until TEXT,
    updated_at   TEXT    NOT NULL
);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         TEXT    NOT NULL,
    event      TEXT    NOT NULL,
    -- Kept when the account is deleted: the trail outlives it.
    user_id    INTEGER,
    ip         TEXT    NOT NULL DEFAULT '',
    user_agent TEXT    NOT NULL DEFAULT '',
    detail     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_user ON audit_log (user_id, at);
