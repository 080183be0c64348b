-- Personal access tokens for the REST API. Only a token's SHA-256 is kept
-- (it carries 190 random bits, so a plain hash is as good as a slow one);
-- its first characters are kept apart, for its owner to recognise it.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    hint         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    -- Space-separated, e.g. 'enrollments:read enrollments:write'.
    scopes       TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    expires_at   TEXT    NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at);
