-- Rate limits and the login lockout are now kept under a keyed hash of
-- what they count, an e-mail address or a client's IP address
-- (HMAC-SHA256 with a key derived from LYCEUM_SECRET, see server::crypto),
-- instead of its plain SHA-256, which anyone who knows the address could
-- recompute to confirm that it was used here.
--
-- The rows kept under the old hashes would never be matched again, and
-- nothing could tell whose they are: they go. Both tables hold counts,
-- not records: a limit refills within the hour, a lockout lasts at most
-- an hour, and a count of failed logins ends at the next success anyway.
DELETE FROM rate_limits;
DELETE FROM login_throttle;
