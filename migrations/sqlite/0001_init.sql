-- attune schema, SQLite. Times are unix seconds; JSON is stored as TEXT.
-- Keep in step with ../postgres/0001_init.sql (same version numbers, same columns).

CREATE TABLE tickets (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    mailbox          TEXT    NOT NULL,
    subject          TEXT    NOT NULL,
    customer_email   TEXT    NOT NULL,
    customer_name    TEXT,
    status           TEXT    NOT NULL,             -- open | resolved | merged
    merged_into      INTEGER,
    linked_to        INTEGER,
    assignee         TEXT,
    flags            TEXT    NOT NULL DEFAULT '[]',
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    resolved_at      INTEGER,
    last_outbound_at INTEGER
);
CREATE INDEX tickets_status_updated ON tickets (status, updated_at);

CREATE TABLE participants (
    ticket_id INTEGER NOT NULL,
    email     TEXT    NOT NULL,
    role      TEXT    NOT NULL,                    -- customer | cc | sender
    PRIMARY KEY (ticket_id, email)
);

CREATE TABLE messages (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id         INTEGER,
    dedupe_key        TEXT    NOT NULL UNIQUE,
    message_id        TEXT,
    direction         TEXT    NOT NULL,            -- in | out
    kind              TEXT    NOT NULL,
    mailbox           TEXT    NOT NULL,
    origin            TEXT    NOT NULL,
    from_addr         TEXT,
    from_name         TEXT,
    reply_to          TEXT,
    to_addrs          TEXT    NOT NULL DEFAULT '[]',
    cc_addrs          TEXT    NOT NULL DEFAULT '[]',
    subject           TEXT    NOT NULL DEFAULT '',
    in_reply_to       TEXT,
    refs              TEXT    NOT NULL DEFAULT '[]',
    received_at       INTEGER NOT NULL,
    ingested_at       INTEGER NOT NULL,
    body_text         TEXT    NOT NULL DEFAULT '',
    body_html         TEXT,
    attachments       TEXT    NOT NULL DEFAULT '[]',
    flags             TEXT    NOT NULL DEFAULT '[]',
    reasons           TEXT    NOT NULL DEFAULT '[]',
    quarantine_reason TEXT
);
CREATE INDEX messages_ticket ON messages (ticket_id, received_at);
CREATE INDEX messages_message_id ON messages (message_id);
CREATE INDEX messages_from_received ON messages (from_addr, received_at);

-- Raw bytes apart from the rows lists read.
CREATE TABLE message_raw (
    message_id INTEGER PRIMARY KEY,
    raw        BLOB    NOT NULL
);

-- Every Message-ID a ticket's messages have or mention: the threading graph.
CREATE TABLE thread_ids (
    message_id TEXT    NOT NULL,
    ticket_id  INTEGER NOT NULL,
    PRIMARY KEY (message_id, ticket_id)
);
CREATE INDEX thread_ids_ticket ON thread_ids (ticket_id);

CREATE TABLE drafts (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id           INTEGER NOT NULL,
    reply_to_message    INTEGER NOT NULL,
    purpose             TEXT    NOT NULL,
    template_key        TEXT    NOT NULL,
    language            TEXT    NOT NULL,
    register            TEXT    NOT NULL,
    status              TEXT    NOT NULL,
    to_addr             TEXT    NOT NULL,
    to_name             TEXT,
    subject             TEXT    NOT NULL,
    in_reply_to         TEXT    NOT NULL,
    refs                TEXT    NOT NULL DEFAULT '[]',
    body                TEXT    NOT NULL,
    drafted_body        TEXT    NOT NULL,
    edited              INTEGER NOT NULL DEFAULT 0,
    facts               TEXT    NOT NULL,
    lint                TEXT    NOT NULL,
    lint_ok             INTEGER NOT NULL,
    version             INTEGER NOT NULL DEFAULT 1,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    trigger_received_at INTEGER NOT NULL,
    approved_at         INTEGER,
    approved_by         TEXT,
    approver_name       TEXT,
    automatic           INTEGER NOT NULL DEFAULT 0,
    rejected_reason     TEXT,
    outgoing_message_id TEXT UNIQUE,
    attempts            INTEGER NOT NULL DEFAULT 0,
    next_attempt_at     INTEGER,
    claimed_by          TEXT,
    claimed_until       INTEGER,
    last_error          TEXT,
    sent_at             INTEGER,
    sent_body           TEXT,
    bounced_at          INTEGER,
    bounce_reason       TEXT
);
CREATE INDEX drafts_status ON drafts (status, trigger_received_at);
CREATE INDEX drafts_to_received ON drafts (to_addr, trigger_received_at);
CREATE INDEX drafts_ticket ON drafts (ticket_id);
CREATE UNIQUE INDEX drafts_one_pending_per_ticket ON drafts (ticket_id) WHERE status = 'pending';

-- An agent's correction of a contact's name, remembered for every later draft.
CREATE TABLE contacts (
    email        TEXT    PRIMARY KEY,
    name         TEXT    NOT NULL,
    corrected_by TEXT    NOT NULL,
    corrected_at INTEGER NOT NULL
);

CREATE TABLE audit (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        INTEGER NOT NULL,
    actor     TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    ticket_id INTEGER,
    draft_id  INTEGER,
    detail    TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_ticket ON audit (ticket_id);

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
