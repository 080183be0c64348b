-- The REST API's Idempotency-Key: the first answer to a request sent with a
-- key, kept for 24 hours so a retry gets it again instead of booking twice.
-- A row without a status is a request still being answered; its answer is
-- written in the same transaction as what it booked.
CREATE TABLE idempotency_keys (
    user_id      BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key          TEXT    NOT NULL,
    -- SHA-256 of the method, path and body, so the same key with another
    -- request is told apart.
    request_hash TEXT    NOT NULL,
    status       BIGINT,
    body         TEXT,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
