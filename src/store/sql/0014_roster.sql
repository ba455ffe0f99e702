-- The team itself (schema version 14): what the log says about the team as
-- of the last fetched UID, folded with the events in UID order: the roster
-- and the latest valid team policy (domain::roster::Trust, as JSON). One
-- row; none before the log has been read.
CREATE TABLE team_trust (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    trust   TEXT NOT NULL
);

-- A build before this one rejected roster and policy events it could not
-- read: read the log again from its start, so they are folded in order.
UPDATE mailboxes SET uidvalidity = NULL, uidnext = NULL, highestmodseq = NULL WHERE role = 'log';
DELETE FROM rejected_events;

-- A reply the team policy (as of its place in the log) says needed approval
-- and was sent without it: the verdict every client reaches.
ALTER TABLE events ADD COLUMN unapproved INTEGER NOT NULL DEFAULT 0;
-- A conversation's history looks the few flagged ones up after every act.
CREATE INDEX events_unapproved ON events(event_id) WHERE unapproved = 1;
