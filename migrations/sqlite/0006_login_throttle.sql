-- Sign-in attempts per key (an account, an address, a known browser) in one row that is
-- changed by compare-and-swap on `version`: parallel attempts cannot all read "under the
-- limit" before any of them is counted. Past the free attempts each further one waits
-- (next_at), twice as long each time; there is no hard lock a stranger could set.
-- login_failures stays (unused from here on) so an older binary still running during a
-- rolling upgrade can sign people in; a later release drops it.
CREATE TABLE login_throttle (
    key      TEXT    PRIMARY KEY,
    attempts INTEGER NOT NULL,
    last_at  INTEGER NOT NULL,
    next_at  INTEGER NOT NULL,
    version  INTEGER NOT NULL
);

-- Browsers that signed in to an account before (a hash of the cookie's token): they are
-- counted on their own, so a stranger's failures on the account never hold them up.
CREATE TABLE known_devices (
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    last_at    INTEGER NOT NULL
);
CREATE INDEX known_devices_user ON known_devices (user_id);
