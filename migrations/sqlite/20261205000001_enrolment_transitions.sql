-- Enrolment transitions the database holds as well as the code.
--
-- Every change of an enrolment runs under the writer lock (BEGIN IMMEDIATE)
-- and moves the enrolment from the state it was read in, checked in the
-- UPDATE itself; these constraints are the backstop, so a future code path
-- that forgets cannot break the rules silently.

-- Each waitlisted enrolment holds a place of its own in its session's queue.
-- SQLite checks a unique index row by row, in no order an UPDATE can choose,
-- so closing a gap moves the rows behind it in two steps (see
-- server/enrolment/store.rs) instead of relying on a deferred check.
DROP INDEX enrolments_waitlist;
CREATE UNIQUE INDEX enrolments_waitlist_place ON enrolments (session_id, waitlist_position)
    WHERE status = 'waitlisted';

-- A seat moved to another date is a new enrolment naming the one it came
-- from (which is cancelled in the same transaction). One enrolment moves at
-- most once: two moves of one seat cannot both land.
ALTER TABLE enrolments ADD COLUMN moved_from INTEGER REFERENCES enrolments (id);
CREATE UNIQUE INDEX enrolments_moved_from ON enrolments (moved_from);
