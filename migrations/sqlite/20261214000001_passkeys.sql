-- Passkeys (WebAuthn): the public-key credentials an account's owner
-- registered, kept as webauthn-rs serialises them (the credential's id,
-- its COSE public key, its signature counter). Nothing here is secret:
-- the private key never leaves the authenticator.
CREATE TABLE passkeys (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The credential's id (base64url): registered to one account only.
    credential_id TEXT    NOT NULL UNIQUE,
    -- The account's id as its authenticators know it (a random UUID, the
    -- same for each of its passkeys): nothing that names the person.
    user_handle   TEXT    NOT NULL,
    -- What the owner calls it ("laptop", "phone").
    name          TEXT    NOT NULL,
    credential    TEXT    NOT NULL,
    -- The authenticator's signature counter, never written backwards
    -- (0 for authenticators that do not count).
    counter       INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT    NOT NULL,
    last_used_at  TEXT
);
CREATE INDEX passkeys_user ON passkeys (user_id);

-- A passkey ceremony between its two requests: the options sent to the
-- browser and the state that checks its answer. The session holds a
-- random handle; this row is keyed by its hash and taken by the one
-- statement that deletes it, so an answer is checked once.
CREATE TABLE passkey_challenges (
    id         TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- 'register' or 'sign-in'.
    purpose    TEXT    NOT NULL,
    state      TEXT    NOT NULL,
    expires_at TEXT    NOT NULL
);
CREATE INDEX passkey_challenges_expiry ON passkey_challenges (expires_at);
