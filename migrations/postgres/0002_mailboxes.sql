-- The IMAP cursor and health of each mailbox folder.
CREATE TABLE mailbox_state (
    mailbox       TEXT    NOT NULL,
    folder        TEXT    NOT NULL,
    uidvalidity   BIGINT,
    last_uid      BIGINT NOT NULL DEFAULT 0,
    last_sync_at  BIGINT,
    backlog       BIGINT NOT NULL DEFAULT 0,
    last_error    TEXT,
    last_error_at BIGINT,
    lease_owner   TEXT,
    lease_until   BIGINT,
    PRIMARY KEY (mailbox, folder)
);
