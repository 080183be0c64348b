-- Enrolments: a learner's place in a session, confirmed or on its waitlist.
--
-- A confirmed seat is counted in course_sessions.seats_taken, which its
-- CHECK keeps within the capacity: taking a seat is one conditional UPDATE
-- of the session row, so no concurrency can sell a seat twice. The waitlist
-- is numbered 1..N without gaps; course_sessions.waitlist_length is its N,
-- moved in the same transaction as the row that joins or leaves it.

-- Hours before the start after which a confirmed seat can no longer be
-- cancelled (0: until the session starts).
ALTER TABLE courses ADD COLUMN cancellation_cutoff_hours INTEGER NOT NULL DEFAULT 0
    CHECK (cancellation_cutoff_hours >= 0);

ALTER TABLE course_sessions ADD COLUMN waitlist_length INTEGER NOT NULL DEFAULT 0 CHECK (waitlist_length >= 0);

CREATE TABLE enrolments (
    id                INTEGER PRIMARY KEY,
    session_id        INTEGER NOT NULL REFERENCES course_sessions (id) ON DELETE CASCADE,
    user_id           INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status            TEXT NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled')),
    -- 1..N among the session's waitlisted enrolments; NULL otherwise.
    waitlist_position INTEGER CHECK (waitlist_position > 0),
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    cancelled_at      TEXT,
    CHECK ((status = 'waitlisted') = (waitlist_position IS NOT NULL))
);
-- One live enrolment per learner and session: a second, however
-- simultaneous, breaks this index and is refused.
CREATE UNIQUE INDEX enrolments_live ON enrolments (session_id, user_id) WHERE status <> 'cancelled';
CREATE INDEX enrolments_waitlist ON enrolments (session_id, waitlist_position) WHERE status = 'waitlisted';
CREATE INDEX enrolments_user ON enrolments (user_id, created_at);
