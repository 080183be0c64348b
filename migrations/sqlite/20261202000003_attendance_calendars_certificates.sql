-- Attendance and completion, calendars, reminders and certificates.

-- An instructor profile may belong to an account: that person sees and
-- marks the rosters of the sessions they teach.
ALTER TABLE instructors ADD COLUMN user_id INTEGER REFERENCES users (id) ON DELETE SET NULL;
CREATE UNIQUE INDEX instructors_user ON instructors (user_id) WHERE user_id IS NOT NULL;

-- Raised on every change of a session that a calendar shows (its times,
-- place or status): an iCalendar SEQUENCE, so calendar clients take the
-- newer copy.
ALTER TABLE course_sessions ADD COLUMN revision INTEGER NOT NULL DEFAULT 0 CHECK (revision >= 0);

-- Marked by staff or the session's instructor on the roster.
ALTER TABLE enrolments ADD COLUMN attendance TEXT CHECK (attendance IN ('attended', 'no_show'));
ALTER TABLE enrolments ADD COLUMN completed_at TEXT;

-- A learner's private calendar feed. The token is looked up by its hash,
-- and kept sealed with the application's key (never in clear) so that its
-- owner can be shown the address again; replacing it ends the old one.
CREATE TABLE calendar_feeds (
    user_id      INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL UNIQUE,
    token_sealed TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

-- Certificates, as issued: what they say is copied, so a later edit of the
-- course or of the learner's name never changes a certificate already given.
-- The code is the certificate's public name (its verification address),
-- not a secret; it carries 128 random bits so it cannot be guessed.
CREATE TABLE certificates (
    id             INTEGER PRIMARY KEY,
    code           TEXT NOT NULL UNIQUE,
    enrolment_id   INTEGER NOT NULL UNIQUE REFERENCES enrolments (id),
    user_id        INTEGER NOT NULL REFERENCES users (id),
    course_id      INTEGER NOT NULL REFERENCES courses (id),
    learner_name   TEXT NOT NULL,
    course_title   TEXT NOT NULL,
    course_slug    TEXT NOT NULL,
    hours          INTEGER NOT NULL CHECK (hours > 0),
    starts_on      TEXT NOT NULL,
    ends_on        TEXT NOT NULL,
    issuer         TEXT NOT NULL,
    issued_at      TEXT NOT NULL,
    -- The signed credential (VC-JWT) and the id of the key that signed it.
    key_id         TEXT NOT NULL,
    credential     TEXT NOT NULL,
    revoked_at     TEXT,
    revoked_reason TEXT,
    revoked_by     INTEGER REFERENCES users (id),
    CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);
CREATE INDEX certificates_user ON certificates (user_id, issued_at);
