-- Reads that scanned the whole log or every conversation at a million
-- messages (issue 24): the sends of a conversation's shared drafts (each
-- conversation opened) and the notes a Mentions count reads.
CREATE INDEX events_sent_drafts ON events(json_extract(payload, '$.draft'))
    WHERE kind = 'sent';
CREATE INDEX events_notes ON events(conversation) WHERE kind = 'note';
