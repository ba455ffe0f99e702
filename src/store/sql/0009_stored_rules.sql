-- "Waiting for review" is the domain's rule (`SharedDraft::waiting`),
-- stored per conversation when draft, review and sent events are folded,
-- so the Review view's SQL reads it instead of restating the rule
-- (schema version 9). Caches migrated from an older version are refolded
-- once when opened (`Store::init`).
ALTER TABLE conversations ADD COLUMN review_waiting INTEGER NOT NULL DEFAULT 0;

-- Who follows a conversation, as the fold (`TeamState::followers`) leaves
-- it, written with its labels; the Following view reads it instead of
-- restating "the latest follow event" in SQL (which missed events
-- addressed to a conversation merged into this one).
CREATE TABLE conversation_followers (
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    agent           TEXT NOT NULL,
    PRIMARY KEY (conversation_id, agent)
) WITHOUT ROWID;
