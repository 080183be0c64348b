-- Request limits shared by every instance and kept across restarts: one
-- row per limited key, holding the key's "theoretical arrival time" (GCRA)
-- in milliseconds since 1970. A request is allowed, and the time moved on,
-- in one statement (see server::accounts::limits). The key is a SHA-256 of
-- what is limited (a client address, an e-mail address), never the value.
CREATE TABLE rate_limits (
    bucket TEXT   PRIMARY KEY,
    tat    BIGINT NOT NULL
);
CREATE INDEX rate_limits_tat ON rate_limits (tat);

-- What an e-mailed link was issued against: a SHA-256 of the account's
-- address and password hash at the time. A reset link only works while
-- both are unchanged, so changing the password or the address, or using
-- any reset link, retires every other outstanding link of the account.
ALTER TABLE user_tokens ADD COLUMN stamp TEXT NOT NULL DEFAULT '';


-- The person a job is about (the recipient of a mail), when there is one,
-- so that deleting an account also drops the work still queued for it.
-- Payloads themselves hold no personal data in clear (see server::mail).
ALTER TABLE jobs ADD COLUMN subject_user_id BIGINT;
CREATE INDEX jobs_subject ON jobs (subject_user_id) WHERE subject_user_id IS NOT NULL;
