-- Replies (schema version 4): drafts as JSON documents, a send journal,
-- and "someone is replying" presence on conversations. The 0001 drafts and
-- outbox tables were never written; they are replaced.
DROP TABLE drafts;
DROP TABLE outbox;

-- Local drafts, autosaved on every change (domain::compose::Draft as JSON).
CREATE TABLE drafts (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT,
    state           TEXT NOT NULL,          -- editing | queued | discarded
    payload         TEXT NOT NULL,
    updated_at      INTEGER NOT NULL
);

-- The send journal. message_id is fixed when the row is created; the row is
-- 'sending' (with the sender's pid) from before SMTP DATA until the result
-- is recorded, so a crash in between is found on restart and never leads to
-- a silent second send.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    message_id      TEXT NOT NULL UNIQUE,
    draft_id        TEXT,
    conversation_id TEXT,
    subject         TEXT NOT NULL DEFAULT '',
    raw             BLOB NOT NULL,
    mail_from       TEXT NOT NULL,
    rcpt            TEXT NOT NULL,          -- JSON array of addresses
    -- queued | sending | sent | unknown (crash mid-send) | failed (5xx, needs a fix)
    state           TEXT NOT NULL DEFAULT 'queued',
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    due_at          INTEGER NOT NULL,
    sending_pid     INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox(state, due_at);

ALTER TABLE conversations ADD COLUMN replying TEXT;
ALTER TABLE conversations ADD COLUMN replying_until INTEGER;
