-- Webhooks: endpoints staff register, the events they listen for, and
-- every delivery of an event to an endpoint with each attempt's answer.
--
-- A signing secret is needed in full to sign, so it cannot be hashed: it
-- is kept sealed with the application's key (never in clear). After a
-- rotation the previous secret keeps signing beside the new one until
-- `previous_until`, so receivers can switch without losing a delivery.
CREATE TABLE webhook_endpoints (
    id              INTEGER PRIMARY KEY,
    url             TEXT    NOT NULL,
    description     TEXT    NOT NULL DEFAULT '',
    secret_sealed   TEXT    NOT NULL,
    previous_sealed TEXT,
    previous_until  TEXT,
    enabled         BOOLEAN NOT NULL DEFAULT TRUE,
    -- Why and when it stopped: 'failing' (a day without a delivery) or 'staff'.
    disabled_reason TEXT CHECK (disabled_reason IN ('failing', 'staff')),
    disabled_at     TEXT,
    -- The first failure since the last delivery that went through.
    failing_since   TEXT,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE webhook_subscriptions (
    endpoint_id INTEGER NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_type  TEXT    NOT NULL,
    PRIMARY KEY (event_type, endpoint_id)
);

-- One row per change that some endpoint listened for, written in the
-- change's own transaction. `payload` is the body exactly as sent; the
-- account it is about is named so that deleting the account deletes it.
CREATE TABLE webhook_events (
    id              INTEGER PRIMARY KEY,
    webhook_id      TEXT    NOT NULL UNIQUE,
    event_type      TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    subject_user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
    created_at      TEXT    NOT NULL
);
CREATE INDEX webhook_events_subject ON webhook_events (subject_user_id) WHERE subject_user_id IS NOT NULL;

CREATE TABLE webhook_deliveries (
    id            INTEGER PRIMARY KEY,
    event_id      INTEGER NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    endpoint_id   INTEGER NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    status        TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    delivered_at  TEXT,
    created_at    TEXT    NOT NULL,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);

CREATE TABLE webhook_attempts (
    id           INTEGER PRIMARY KEY,
    delivery_id  INTEGER NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempted_at TEXT    NOT NULL,
    -- The answer's status, or NULL when none came (refused, timed out).
    status_code  INTEGER,
    error        TEXT,
    -- The start of the answer's body, as text, for staff to read.
    response     TEXT    NOT NULL DEFAULT '',
    duration_ms  INTEGER NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
