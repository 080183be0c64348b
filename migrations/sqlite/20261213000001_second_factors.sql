-- A second factor for signing in: an authenticator app's TOTP secret
-- (RFC 6238), kept only sealed with the app key, and single-use recovery
-- codes, kept only as keyed hashes. `last_step` is the last time step a
-- code was accepted for: a code is accepted once, and never one older.
CREATE TABLE totp_factors (
    user_id       INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_sealed TEXT    NOT NULL,
    -- NULL while being set up: the first code read from the app confirms it.
    confirmed_at  TEXT,
    last_step     INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT    NOT NULL
);

CREATE TABLE recovery_codes (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT    NOT NULL,
    used_at    TEXT,
    created_at TEXT    NOT NULL
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id, code_hash);
