-- An administrator can deactivate an account: its sessions end, it can no
-- longer sign in, and everything it holds stays as it is (its seats too,
-- unless they were handed on when it was deactivated), so reactivating it
-- gives it back whole. Unlike `deleted_at`, nothing personal is removed.
-- NULL: the account is active. The time, as everywhere, in RFC 3339 text.
ALTER TABLE users ADD COLUMN deactivated_at TEXT;
