-- Enrolment transitions the database holds as well as the code.
--
-- Every change of an enrolment locks its session's row first and then moves
-- the enrolment from the state it was read in, checked in the UPDATE itself;
-- these constraints are the backstop, so a future code path that forgets
-- cannot break the rules silently.

-- Each waitlisted enrolment holds a place of its own in its session's queue.
-- Closing a gap moves everyone behind it up one in a single UPDATE, which
-- passes through a moment where two rows share a number: the constraint is
-- DEFERRABLE (checked at the end of the statement, not row by row), which a
-- partial unique index cannot be, hence EXCLUDE with equality.
DROP INDEX enrolments_waitlist;
ALTER TABLE enrolments ADD CONSTRAINT enrolments_waitlist_place
    EXCLUDE USING btree (session_id WITH =, waitlist_position WITH =) WHERE (status = 'waitlisted')
    DEFERRABLE INITIALLY IMMEDIATE;

-- A seat moved to another date is a new enrolment naming the one it came
-- from (which is cancelled in the same transaction). One enrolment moves at
-- most once: two moves of one seat, however simultaneous, cannot both land.
ALTER TABLE enrolments ADD COLUMN moved_from BIGINT REFERENCES enrolments (id);
CREATE UNIQUE INDEX enrolments_moved_from ON enrolments (moved_from);
