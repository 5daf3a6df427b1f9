-- What agents keep on a customer (one note per address, editable), shown beside every
-- ticket and draft of theirs.
CREATE TABLE contact_notes (
    email      TEXT    PRIMARY KEY,
    body       TEXT    NOT NULL,
    updated_by TEXT    NOT NULL,
    updated_at BIGINT NOT NULL
);
