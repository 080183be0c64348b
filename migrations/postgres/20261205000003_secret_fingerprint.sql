-- The fingerprint of the secret (LYCEUM_SECRET) this database's sealed
-- values and queued mail are written with: HKDF-SHA256 of the secret over
-- a fixed label, which tells whether two instances hold the same secret
-- and reveals nothing of it. The first start records it; an instance whose
-- secret matches neither it nor, after a rotation, one of its previous
-- secrets refuses to start, since nothing it sealed could be opened by the
-- others (see server::fingerprint). One row, never the secret itself.
CREATE TABLE secret_fingerprint (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    fingerprint TEXT    NOT NULL
);
