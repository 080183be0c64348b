-- One live seat per learner and course. A learner holds at most one
-- confirmed seat in the dates of a course still to run: to change date they
-- move it, and a waitlist place on another date is a request to move it.
--
-- The row of (learner, course) names the seat that holds the course, and
-- until when: the end of its date, or the moment the academy called that
-- date off. A new seat takes the row only once that time has passed (a
-- learner may take a course again after it ran); taking it is one upsert
-- whose condition reads the row itself, so two seats taken at once, in two
-- dates and two transactions, cannot both have it.
CREATE TABLE course_holds (
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    course_id    INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    enrolment_id INTEGER NOT NULL REFERENCES enrolments (id) ON DELETE CASCADE,
    until        TEXT    NOT NULL,
    PRIMARY KEY (user_id, course_id)
);
CREATE UNIQUE INDEX course_holds_enrolment ON course_holds (enrolment_id);

-- Each learner's latest confirmed seat in each course holds it.
INSERT INTO course_holds (user_id, course_id, enrolment_id, until)
SELECT user_id, course_id, id, until FROM (
    SELECT e.user_id, s.course_id, e.id,
           CASE WHEN s.status = 'cancelled' THEN s.updated_at ELSE s.ends_at END AS until,
           ROW_NUMBER() OVER (PARTITION BY e.user_id, s.course_id ORDER BY s.ends_at DESC, e.id DESC) AS n
    FROM enrolments e JOIN course_sessions s ON s.id = e.session_id
    WHERE e.status = 'confirmed'
) latest WHERE n = 1;
