-- The academy's settings that staff change, kept in data rather than in
-- the environment: the contact details every page gives, and the public
-- holidays on which no session is scheduled. The environment's values
-- (and the bundled calendar) fill them on the first start only.

-- One row (`id` is always 1): staff save it over the version they read,
-- like any other record of the back office.
CREATE TABLE academy_settings (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    phone         TEXT    NOT NULL,
    email         TEXT    NOT NULL,
    opening_hours TEXT    NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    updated_at    TEXT    NOT NULL
);

-- A day the academy is closed. `day` is the calendar day in the academy's
-- zone, as `YYYY-MM-DD` (text order is date order); one name a day.
CREATE TABLE public_holidays (
    id   INTEGER PRIMARY KEY,
    day  TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);
