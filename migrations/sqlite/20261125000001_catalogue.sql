-- The public catalogue: categories, places, instructors, courses and their
-- scheduled sessions. Timestamps are UTC, written by the application in
-- RFC 3339 form so that text order is time order.

CREATE TABLE categories (
    id          INTEGER PRIMARY KEY,
    slug        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    -- The two families the academy teaches; filters and navigation group by it.
    kind        TEXT    NOT NULL CHECK (kind IN ('it', 'soft-skills')),
    description TEXT    NOT NULL DEFAULT '',
    position    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE locations (
    id       INTEGER PRIMARY KEY,
    slug     TEXT NOT NULL UNIQUE,
    name     TEXT NOT NULL,
    address  TEXT NOT NULL DEFAULT '',
    city     TEXT NOT NULL DEFAULT '',
    timezone TEXT NOT NULL DEFAULT 'Europe/Malta'
);

CREATE TABLE instructors (
    id    INTEGER PRIMARY KEY,
    slug  TEXT NOT NULL UNIQUE,
    name  TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    bio   TEXT NOT NULL DEFAULT ''
);

CREATE TABLE courses (
    id                 INTEGER PRIMARY KEY,
    slug               TEXT    NOT NULL UNIQUE,
    category_id        INTEGER NOT NULL REFERENCES categories (id),
    title              TEXT    NOT NULL,
    summary            TEXT    NOT NULL,
    description        TEXT    NOT NULL,
    -- One learning outcome per line: ordered, short, and the same on both backends.
    outcomes           TEXT    NOT NULL DEFAULT '',
    prerequisites      TEXT    NOT NULL DEFAULT '',
    level              TEXT    NOT NULL CHECK (level IN ('beginner', 'intermediate', 'advanced')),
    duration_hours     INTEGER NOT NULL CHECK (duration_hours > 0),
    -- Money in minor units: no floating point anywhere near a price.
    price_cents        INTEGER NOT NULL CHECK (price_cents >= 0),
    currency           TEXT    NOT NULL DEFAULT 'EUR' CHECK (length(currency) = 3),
    language           TEXT    NOT NULL DEFAULT 'en',
    awards_certificate BOOLEAN NOT NULL DEFAULT TRUE,
    published          BOOLEAN NOT NULL DEFAULT FALSE,
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL
);

-- Catalogue filters and sorts only ever look at published courses, so the
-- indexes are partial: smaller, and drafts cost nothing.
CREATE INDEX courses_category_idx ON courses (category_id, title) WHERE published;
CREATE INDEX courses_level_idx    ON courses (level, title)       WHERE published;
CREATE INDEX courses_title_idx    ON courses (title)              WHERE published;
CREATE INDEX courses_price_idx    ON courses (price_cents, title) WHERE published;
CREATE INDEX courses_language_idx ON courses (language)           WHERE published;

CREATE TABLE course_sessions (
    id            INTEGER PRIMARY KEY,
    course_id     INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    starts_at     TEXT    NOT NULL,
    ends_at       TEXT    NOT NULL,
    -- The IANA zone the session was planned in, so a later change of the
    -- academy's display zone never moves a class.
    timezone      TEXT    NOT NULL,
    mode          TEXT    NOT NULL CHECK (mode IN ('online', 'in-person')),
    location_id   INTEGER REFERENCES locations (id),
    instructor_id INTEGER REFERENCES instructors (id),
    capacity      INTEGER NOT NULL CHECK (capacity > 0),
    -- Confirmed seats, kept beside the capacity so that taking a seat is one
    -- conditional UPDATE on either backend and the CHECK makes overbooking
    -- impossible whatever the concurrency.
    seats_taken   INTEGER NOT NULL DEFAULT 0 CHECK (seats_taken >= 0 AND seats_taken <= capacity),
    status        TEXT    NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled', 'completed')),
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    CHECK (ends_at > starts_at),
    -- In-person sessions happen somewhere; online ones nowhere.
    CHECK ((mode = 'in-person') = (location_id IS NOT NULL))
);

CREATE INDEX course_sessions_course_idx     ON course_sessions (course_id, starts_at);
CREATE INDEX course_sessions_starts_idx     ON course_sessions (starts_at) WHERE status = 'scheduled';
CREATE INDEX course_sessions_location_idx   ON course_sessions (location_id, starts_at);
CREATE INDEX course_sessions_instructor_idx ON course_sessions (instructor_id, starts_at);

-- Full-text search: FTS5 keeps only the index (contentless), keyed by course
-- id, and triggers keep it in step with courses and category names. Only
-- published courses are indexed, so a search with no other filter is
-- answered (counted and ranked) by the index alone.
CREATE VIRTUAL TABLE course_search USING fts5 (
    title, summary, description, outcomes, category,
    content = '',
    contentless_delete = 1,
    tokenize = 'porter unicode61 remove_diacritics 2',
    prefix = '2 3'
);

CREATE TRIGGER courses_search_insert AFTER INSERT ON courses WHEN new.published BEGIN
    INSERT INTO course_search (rowid, title, summary, description, outcomes, category)
    VALUES (new.id, new.title, new.summary, new.description, new.outcomes,
            (SELECT name FROM categories WHERE id = new.category_id));
END;

CREATE TRIGGER courses_search_update
AFTER UPDATE OF title, summary, description, outcomes, category_id, published ON courses BEGIN
    DELETE FROM course_search WHERE rowid = old.id;
    INSERT INTO course_search (rowid, title, summary, description, outcomes, category)
    SELECT new.id, new.title, new.summary, new.description, new.outcomes,
           (SELECT name FROM categories WHERE id = new.category_id)
    WHERE new.published;
END;

CREATE TRIGGER courses_search_delete AFTER DELETE ON courses BEGIN
    DELETE FROM course_search WHERE rowid = old.id;
END;

CREATE TRIGGER categories_search_rename AFTER UPDATE OF name ON categories BEGIN
    -- Re-index the category's courses through the course trigger above.
    UPDATE courses SET category_id = category_id WHERE category_id = new.id;
END;
