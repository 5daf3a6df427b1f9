-- The status and kind columns take only the values attune knows: a row with anything
-- else is refused at write time, so it can never be read back as a guess. NOT VALID and
-- VALIDATE: old rows are checked without holding a lock that stops running instances.
ALTER TABLE tickets ADD CONSTRAINT tickets_status_known CHECK (status IN ('open', 'resolved', 'merged')) NOT VALID;
ALTER TABLE tickets VALIDATE CONSTRAINT tickets_status_known;
ALTER TABLE messages ADD CONSTRAINT messages_kind_known CHECK (kind IN ('human', 'auto-reply', 'bounce', 'list', 'spam', 'own', 'loop', 'malformed')) NOT VALID;
ALTER TABLE messages VALIDATE CONSTRAINT messages_kind_known;
ALTER TABLE messages ADD CONSTRAINT messages_direction_known CHECK (direction IN ('in', 'out')) NOT VALID;
ALTER TABLE messages VALIDATE CONSTRAINT messages_direction_known;
ALTER TABLE drafts ADD CONSTRAINT drafts_status_known CHECK (status IN ('pending', 'approved', 'rejected', 'sending', 'sent', 'failed')) NOT VALID;
ALTER TABLE drafts VALIDATE CONSTRAINT drafts_status_known;
ALTER TABLE users ADD CONSTRAINT users_role_known CHECK (role IN ('agent', 'admin')) NOT VALID;
ALTER TABLE users VALIDATE CONSTRAINT users_role_known;
