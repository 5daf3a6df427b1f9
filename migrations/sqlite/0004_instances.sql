-- Running `attune run` instances and when each was last heard from, so mailboxes can be
-- shared out fairly among the live ones.
CREATE TABLE instances (
    name       TEXT    PRIMARY KEY,
    started_at INTEGER NOT NULL,
    seen_at    INTEGER NOT NULL
);
