-- Customer context (issue 26 item 17): since when the customer has been
-- waiting for the team, the date of their first message after the team's
-- last one; NULL when the team wrote last. The list marks these and sorts
-- by it ("waiting longest").
ALTER TABLE conversations ADD COLUMN waiting_since INTEGER;
UPDATE conversations SET waiting_since = (
    SELECT min(m.date) FROM messages m
    WHERE m.conversation_id = conversations.id AND m.from_team = 0
      AND m.date > coalesce((SELECT max(t.date) FROM messages t
                             WHERE t.conversation_id = conversations.id AND t.from_team = 1), -1)
);
CREATE INDEX conversations_by_waiting ON conversations(waiting_since) WHERE waiting_since IS NOT NULL;
CREATE INDEX conversations_by_customer ON conversations(customer_email COLLATE NOCASE);
-- Split points (split events), read by the filer at the start of each
-- sync: a partial index, so a long team log is not scanned for them.
CREATE INDEX events_split ON events(kind) WHERE kind = 'split';
