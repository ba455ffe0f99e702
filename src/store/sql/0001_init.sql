-- replypad cache, schema version 1.
-- The cache is disposable: everything here can be rebuilt from the server,
-- except rows that are still waiting to be pushed (drafts, outbox, pending_ops).

CREATE TABLE mailboxes (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    -- inbox | sent | log | drafts | templates | outbox
    role            TEXT NOT NULL,
    uidvalidity     INTEGER,
    uidnext         INTEGER,
    highestmodseq   INTEGER,
    synced_at       INTEGER
);

CREATE TABLE conversations (
    id                  TEXT PRIMARY KEY,      -- short stable id (hash of root_key)
    root_key            TEXT NOT NULL UNIQUE,  -- see domain::thread
    subject             TEXT NOT NULL DEFAULT '',
    customer_name       TEXT,
    customer_email      TEXT NOT NULL DEFAULT '',
    first_date          INTEGER NOT NULL DEFAULT 0,
    last_date           INTEGER NOT NULL DEFAULT 0,
    message_count       INTEGER NOT NULL DEFAULT 0,
    unread_count        INTEGER NOT NULL DEFAULT 0,
    has_attachment      INTEGER NOT NULL DEFAULT 0,
    snippet             TEXT NOT NULL DEFAULT '',
    -- team state, folded from the event log
    status              TEXT NOT NULL DEFAULT 'open',
    snoozed_until       INTEGER,
    assignee            TEXT
);
CREATE INDEX conversations_by_last_date ON conversations(last_date DESC, id);

CREATE TABLE conversation_labels (
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    label           TEXT NOT NULL,
    PRIMARY KEY (conversation_id, label)
) WITHOUT ROWID;

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    mailbox_id      INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    uid             INTEGER NOT NULL,
    modseq          INTEGER,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    message_id      TEXT NOT NULL,
    in_reply_to     TEXT,
    refs            TEXT NOT NULL DEFAULT '[]',   -- JSON array of Message-IDs
    from_name       TEXT,
    from_email      TEXT NOT NULL DEFAULT '',
    to_addrs        TEXT NOT NULL DEFAULT '[]',   -- JSON [{name,email}]
    cc_addrs        TEXT NOT NULL DEFAULT '[]',
    subject         TEXT NOT NULL DEFAULT '',
    date            INTEGER NOT NULL DEFAULT 0,
    internal_date   INTEGER NOT NULL DEFAULT 0,
    size            INTEGER NOT NULL DEFAULT 0,
    seen            INTEGER NOT NULL DEFAULT 0,
    answered        INTEGER NOT NULL DEFAULT 0,
    flagged         INTEGER NOT NULL DEFAULT 0,
    from_team       INTEGER NOT NULL DEFAULT 0,
    body_state      TEXT NOT NULL DEFAULT 'headers', -- headers | full | unparseable
    text            TEXT,
    html            TEXT,
    attachments     TEXT NOT NULL DEFAULT '[]',   -- JSON [{filename,content_type,size}]
    parse_error     TEXT,
    UNIQUE (mailbox_id, uid)
);
CREATE INDEX messages_by_conversation ON messages(conversation_id, date);
CREATE INDEX messages_by_message_id ON messages(message_id);

-- Full-text index over subject, sender and body (external content: messages).
CREATE VIRTUAL TABLE messages_fts USING fts5(
    subject, sender, body,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- The team's event log as fetched from Replypad/Log, in server UID order.
CREATE TABLE team_events (
    uid             INTEGER PRIMARY KEY,  -- UID in the log folder (the order)
    event_id        TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL,
    conversation    TEXT,
    agent           TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    payload         TEXT NOT NULL DEFAULT '{}',
    valid           INTEGER NOT NULL       -- 0: bad authenticator, ignored
);

-- Local drafts (autosaved); review copies live on the server.
CREATE TABLE drafts (
    id              INTEGER PRIMARY KEY,
    conversation_id TEXT,
    kind            TEXT NOT NULL,         -- reply | reply_all | forward | new
    to_addrs        TEXT NOT NULL DEFAULT '[]',
    cc_addrs        TEXT NOT NULL DEFAULT '[]',
    subject         TEXT NOT NULL DEFAULT '',
    body            TEXT NOT NULL DEFAULT '',
    in_reply_to     TEXT,
    refs            TEXT NOT NULL DEFAULT '[]',
    started_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

-- Messages on their way out. message_id is fixed when the row is created, so
-- a retried send can be recognised on the server and never silently doubled.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    message_id      TEXT NOT NULL UNIQUE,
    draft_id        INTEGER,
    conversation_id TEXT,
    raw             BLOB NOT NULL,
    -- queued | sending | sent | delivery_unknown | failed
    state           TEXT NOT NULL DEFAULT 'queued',
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    due_at          INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

-- Local writes not yet pushed to the server (flags, team events), in order.
CREATE TABLE pending_ops (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL,
    payload         TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT
);
