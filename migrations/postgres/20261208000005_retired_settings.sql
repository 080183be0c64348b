-- Settings that did nothing are gone, with what was stored for them:
-- - the time zone: every page, mail and calendar shows times in the
--   academy's zone (LYCEUM_TIMEZONE) and names it;
-- - the preferred campus and way to attend: the catalogue's address holds
--   the whole query, the same for everyone, and its filters are one click;
-- - the opt-ins to mails about enrolments, waitlists and new courses: the
--   mails about a booking (confirmed, waitlisted, a seat freed up,
--   cancelled, moved) always go, and there is no mail of new courses.
-- What stays: whether reminders are sent, and how long before a session.
ALTER TABLE users
    DROP COLUMN timezone,
    DROP COLUMN preferred_location_id,
    DROP COLUMN preferred_mode,
    DROP COLUMN notify_enrolment,
    DROP COLUMN notify_waitlist,
    DROP COLUMN notify_news;
