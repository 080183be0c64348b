-- Orders, invoices, credit notes and payments: the academy's money side.
--
-- An order is one booking of one session by one booker, for one or more
-- attendees: each attendee's seat or waitlist place is an enrolment that
-- names the order. The prices, VAT rate and billing details are copied
-- onto the order when it is placed, so what a later invoice for it says
-- (a seat confirmed from the waitlist) does not depend on today's price.
CREATE TABLE orders (
    id                 INTEGER PRIMARY KEY,
    -- What the buyer quotes with a bank transfer, and sees everywhere.
    reference          TEXT    NOT NULL UNIQUE,
    booker_id          INTEGER NOT NULL REFERENCES users (id),
    session_id         INTEGER NOT NULL REFERENCES course_sessions (id),
    billing_kind       TEXT    NOT NULL CHECK (billing_kind IN ('private', 'company')),
    billing_name       TEXT    NOT NULL,
    billing_address    TEXT    NOT NULL,
    billing_postcode   TEXT    NOT NULL,
    billing_city       TEXT    NOT NULL,
    billing_country    TEXT    NOT NULL,
    vat_number         TEXT,
    purchase_order     TEXT,
    payment_method     TEXT    NOT NULL CHECK (payment_method IN ('transfer', 'invoice')),
    -- The version of the terms the booker accepted, and when.
    terms_version      TEXT    NOT NULL,
    currency           TEXT    NOT NULL,
    unit_price_cents   INTEGER NOT NULL CHECK (unit_price_cents >= 0),
    prices_include_vat BOOLEAN NOT NULL,
    vat_rate_bp        INTEGER NOT NULL CHECK (vat_rate_bp BETWEEN 0 AND 10000),
    reverse_charge     BOOLEAN NOT NULL,
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL
);
CREATE INDEX orders_booker ON orders (booker_id, created_at);

-- The seats an order pays for. NULL for a seat staff gave without one.
ALTER TABLE enrolments ADD COLUMN order_id INTEGER REFERENCES orders (id);
CREATE INDEX enrolments_order ON enrolments (order_id) WHERE order_id IS NOT NULL;

-- One gapless sequence of document numbers a year, shared by invoices and
-- credit notes. Issuing a document takes the next number by one UPDATE of
-- its year's row, in the transaction that stores the document: the row is
-- locked until that commits (PostgreSQL) or the writer lock is held
-- (SQLite), and a rolled-back transaction gives its number back, so
-- numbers are never skipped nor reused, whatever the concurrency and
-- however many instances share the database.
CREATE TABLE invoice_sequences (
    year        INTEGER PRIMARY KEY,
    last_number INTEGER NOT NULL CHECK (last_number > 0)
);

-- An invoice or a credit note: never edited once issued. `document` is
-- everything it shows, frozen as JSON (seller, buyer, lines, totals), from
-- which its PDF is rendered; the amounts are repeated in columns for sums.
CREATE TABLE invoices (
    id          INTEGER PRIMARY KEY,
    order_id    INTEGER NOT NULL REFERENCES orders (id),
    kind        TEXT    NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    year        INTEGER NOT NULL,
    seq         INTEGER NOT NULL CHECK (seq > 0),
    number      TEXT    NOT NULL UNIQUE,
    -- The invoice a credit note corrects.
    credits_id  INTEGER REFERENCES invoices (id),
    issued_on   TEXT    NOT NULL,
    due_on      TEXT,
    currency    TEXT    NOT NULL,
    net_cents   INTEGER NOT NULL,
    vat_cents   INTEGER NOT NULL,
    gross_cents INTEGER NOT NULL,
    document    TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    UNIQUE (year, seq),
    CHECK ((kind = 'credit_note') = (credits_id IS NOT NULL))
);
CREATE INDEX invoices_order ON invoices (order_id);

-- Each document's lines, one per attendee, as the document shows them:
-- a seat cancelled is credited once, with the amounts it was invoiced.
CREATE TABLE invoice_lines (
    invoice_id  INTEGER NOT NULL REFERENCES invoices (id),
    attendee_id INTEGER NOT NULL REFERENCES users (id),
    description TEXT    NOT NULL,
    net_cents   INTEGER NOT NULL,
    vat_rate_bp INTEGER NOT NULL,
    vat_cents   INTEGER NOT NULL,
    gross_cents INTEGER NOT NULL,
    PRIMARY KEY (invoice_id, attendee_id)
);

-- Money received for an order (or refunded: a negative amount). Staff
-- record bank transfers by hand; a card provider would record its own,
-- with its name and its payment's id, which it may report once only.
CREATE TABLE payments (
    id                 INTEGER PRIMARY KEY,
    order_id           INTEGER NOT NULL REFERENCES orders (id),
    method             TEXT    NOT NULL CHECK (method IN ('transfer', 'card', 'cash', 'other')),
    provider           TEXT    NOT NULL DEFAULT 'manual',
    provider_reference TEXT,
    amount_cents       INTEGER NOT NULL CHECK (amount_cents <> 0),
    currency           TEXT    NOT NULL,
    received_on        TEXT    NOT NULL,
    recorded_by        INTEGER REFERENCES users (id),
    created_at         TEXT    NOT NULL
);
CREATE INDEX payments_order ON payments (order_id);
CREATE UNIQUE INDEX payments_provider_reference ON payments (provider, provider_reference)
    WHERE provider <> 'manual';
