-- Enquiries sent from `/contact`, and the back office's inbox of them:
-- each has a status, an assignee, and notes (internal notes and the
-- replies sent from the page). The sender's phone number is sealed like
-- an account's (see server::crypto); the name, address and message stay
-- readable, because staff search them.

CREATE TABLE enquiries (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,
    -- Lower-cased and trimmed, as accounts keep addresses: an account's
    -- export and deletion find its enquiries by it.
    email        TEXT    NOT NULL,
    -- AEAD ciphertext with its key id; never clear text.
    phone_enc    TEXT,
    course_id    INTEGER REFERENCES courses (id) ON DELETE SET NULL,
    message      TEXT    NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'answered', 'closed')),
    assignee_id  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    -- The sender's account: the one signed in, or the one with the address.
    user_id      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    -- The local part of the acknowledgement's Message-ID (random, never
    -- typed text): replies name it in In-Reply-To, so they thread under it.
    thread_token TEXT    NOT NULL,
    -- Every staff edit names the version it read; a stale one changes nothing.
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL
);
-- The inbox lists newest first, by status, assignee or course.
CREATE INDEX enquiries_created ON enquiries (created_at);
CREATE INDEX enquiries_status ON enquiries (status, created_at);
CREATE INDEX enquiries_assignee ON enquiries (assignee_id, created_at);
CREATE INDEX enquiries_course ON enquiries (course_id, created_at);
-- A person's export and deletion.
CREATE INDEX enquiries_user ON enquiries (user_id);
CREATE INDEX enquiries_email ON enquiries (email);

-- What staff add to an enquiry: an internal note, or a reply sent to the
-- sender by e-mail. Gone with the enquiry.
CREATE TABLE enquiry_notes (
    id         INTEGER PRIMARY KEY,
    enquiry_id INTEGER NOT NULL REFERENCES enquiries (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL CHECK (kind IN ('note', 'reply')),
    author_id  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    body       TEXT    NOT NULL,
    created_at TEXT    NOT NULL
);
CREATE INDEX enquiry_notes_enquiry ON enquiry_notes (enquiry_id, created_at);
