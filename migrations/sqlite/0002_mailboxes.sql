-- The IMAP cursor and health of each mailbox folder.
CREATE TABLE mailbox_state (
    mailbox       TEXT    NOT NULL,
    folder        TEXT    NOT NULL,
    uidvalidity   INTEGER,
    last_uid      INTEGER NOT NULL DEFAULT 0,
    last_sync_at  INTEGER,
    backlog       INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    last_error_at INTEGER,
    lease_owner   TEXT,
    lease_until   INTEGER,
    PRIMARY KEY (mailbox, folder)
);
