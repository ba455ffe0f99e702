-- Threading links and conversation merges (schema version 2).

-- Every Message-ID a cached message names (its own, In-Reply-To, References)
-- and the conversation it was filed under. A message arriving later that
-- names (or is named by) one of these joins, or merges, that conversation.
CREATE TABLE message_links (
    message_id      TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    PRIMARY KEY (message_id, conversation_id)
) WITHOUT ROWID;
CREATE INDEX message_links_by_conversation ON message_links(conversation_id);

-- Conversations merged into another. The surviving id is the smallest of
-- the merged ids, so every client merges alike whatever order mail arrives
-- in; events addressed to an old id apply to the survivor.
CREATE TABLE conversation_aliases (
    alias       TEXT PRIMARY KEY,
    canonical   TEXT NOT NULL
) WITHOUT ROWID;

-- Messages whose body is still to fetch, newest first (the body fetcher's queue).
CREATE INDEX messages_missing_body ON messages(date DESC) WHERE body_state = 'headers';
