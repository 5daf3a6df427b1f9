-- The status and kind columns take only the values attune knows: a row with anything
-- else is refused at write time, so it can never be read back as a guess. SQLite cannot
-- add a CHECK to a table without rebuilding it, so triggers do the same on insert and
-- update.

CREATE TRIGGER tickets_status_known_insert BEFORE INSERT ON tickets
WHEN NEW.status NOT IN ('open', 'resolved', 'merged')
BEGIN SELECT RAISE(ABORT, 'tickets.status: not a value attune knows'); END;
CREATE TRIGGER tickets_status_known_update BEFORE UPDATE OF status ON tickets
WHEN NEW.status NOT IN ('open', 'resolved', 'merged')
BEGIN SELECT RAISE(ABORT, 'tickets.status: not a value attune knows'); END;

CREATE TRIGGER messages_kind_known_insert BEFORE INSERT ON messages
WHEN NEW.kind NOT IN ('human', 'auto-reply', 'bounce', 'list', 'spam', 'own', 'loop', 'malformed')
BEGIN SELECT RAISE(ABORT, 'messages.kind: not a value attune knows'); END;
CREATE TRIGGER messages_kind_known_update BEFORE UPDATE OF kind ON messages
WHEN NEW.kind NOT IN ('human', 'auto-reply', 'bounce', 'list', 'spam', 'own', 'loop', 'malformed')
BEGIN SELECT RAISE(ABORT, 'messages.kind: not a value attune knows'); END;

CREATE TRIGGER messages_direction_known_insert BEFORE INSERT ON messages
WHEN NEW.direction NOT IN ('in', 'out')
BEGIN SELECT RAISE(ABORT, 'messages.direction: not a value attune knows'); END;
CREATE TRIGGER messages_direction_known_update BEFORE UPDATE OF direction ON messages
WHEN NEW.direction NOT IN ('in', 'out')
BEGIN SELECT RAISE(ABORT, 'messages.direction: not a value attune knows'); END;

CREATE TRIGGER drafts_status_known_insert BEFORE INSERT ON drafts
WHEN NEW.status NOT IN ('pending', 'approved', 'rejected', 'sending', 'sent', 'failed')
BEGIN SELECT RAISE(ABORT, 'drafts.status: not a value attune knows'); END;
CREATE TRIGGER drafts_status_known_update BEFORE UPDATE OF status ON drafts
WHEN NEW.status NOT IN ('pending', 'approved', 'rejected', 'sending', 'sent', 'failed')
BEGIN SELECT RAISE(ABORT, 'drafts.status: not a value attune knows'); END;

CREATE TRIGGER users_role_known_insert BEFORE INSERT ON users
WHEN NEW.role NOT IN ('agent', 'admin')
BEGIN SELECT RAISE(ABORT, 'users.role: not a value attune knows'); END;
CREATE TRIGGER users_role_known_update BEFORE UPDATE OF role ON users
WHEN NEW.role NOT IN ('agent', 'admin')
BEGIN SELECT RAISE(ABORT, 'users.role: not a value attune knows'); END;
