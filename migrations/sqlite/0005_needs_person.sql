-- A follow-up that escalates inside the quiet period gets no acknowledgment, so it must not
-- drop out of sight: the ticket is flagged for a person, with the reason, until someone on
-- the team writes to the customer again.
ALTER TABLE tickets ADD COLUMN needs_person TEXT;
ALTER TABLE tickets ADD COLUMN needs_person_at INTEGER;
