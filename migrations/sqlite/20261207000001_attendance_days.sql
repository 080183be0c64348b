-- Attendance day by day, for a session over several days: one row per
-- learner and day marked, `day` the calendar day in the academy's zone as
-- `YYYY-MM-DD`. The enrolment's own `attendance` stays the summary that
-- completion and certificates read (attended on any day, or a no-show on
-- every day marked).
CREATE TABLE attendance_days (
    enrolment_id INTEGER NOT NULL REFERENCES enrolments (id) ON DELETE CASCADE,
    day          TEXT   NOT NULL,
    attendance   TEXT   NOT NULL CHECK (attendance IN ('attended', 'no_show')),
    PRIMARY KEY (enrolment_id, day)
);
