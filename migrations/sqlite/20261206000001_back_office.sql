-- The back office: a version on every record staff edit, so that two
-- people saving the same record cannot silently overwrite each other (the
-- UPDATE names the version it read); archived courses, which keep their
-- history but leave the catalogue; and an audit trail that says who
-- changed which record, field by field.

ALTER TABLE courses ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE courses ADD COLUMN archived BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE categories ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE locations ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE instructors ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE course_sessions ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- A back-office change: who made it (`actor_id`; `user_id` stays the
-- person the entry is about, for their own data export), which record
-- (`entity`, `entity_id`) and what changed (`changes`: a JSON list of
-- field, before, after; personal data never in clear).
ALTER TABLE audit_log ADD COLUMN actor_id INTEGER;
ALTER TABLE audit_log ADD COLUMN entity TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN entity_id INTEGER;
ALTER TABLE audit_log ADD COLUMN changes TEXT NOT NULL DEFAULT '[]';
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);

-- The trail is append-only: an entry is never changed or removed, except
-- that a deleted account's address and browser are blanked.
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
CREATE TRIGGER audit_log_no_update
BEFORE UPDATE OF id, at, event, user_id, detail, actor_id, entity, entity_id, changes ON audit_log BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
