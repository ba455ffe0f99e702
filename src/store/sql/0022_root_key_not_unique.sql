-- A conversation's root key is never looked up, and its id is a hash of it
-- (`domain::thread`), so the UNIQUE index on it only cost: on a first sync
-- of a large mailbox, every new conversation inserted into a second index
-- in random order (issue 24). SQLite cannot drop a column constraint, so
-- the table is rebuilt (https://sqlite.org/lang_altertable.html#otheralter);
-- the migration runner turns foreign keys off around it, so dropping the
-- old table cascades to nothing. Same columns, rowids and indexes.
CREATE TABLE conversations_new (
    id                  TEXT PRIMARY KEY,      -- short stable id (hash of root_key)
    root_key            TEXT NOT NULL,         -- see domain::thread
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
    assignee            TEXT,
    replying            TEXT,
    replying_until      INTEGER,
    review_waiting      INTEGER NOT NULL DEFAULT 0,
    place               TEXT,
    waiting_since       INTEGER
);
INSERT INTO conversations_new(rowid, id, root_key, subject, customer_name, customer_email,
        first_date, last_date, message_count, unread_count, has_attachment, snippet,
        status, snoozed_until, assignee, replying, replying_until, review_waiting,
        place, waiting_since)
    SELECT rowid, id, root_key, subject, customer_name, customer_email,
        first_date, last_date, message_count, unread_count, has_attachment, snippet,
        status, snoozed_until, assignee, replying, replying_until, review_waiting,
        place, waiting_since
    FROM conversations;
DROP TABLE conversations;
ALTER TABLE conversations_new RENAME TO conversations;
CREATE INDEX conversations_by_last_date ON conversations(last_date DESC, id);
CREATE INDEX conversations_by_place ON conversations(place) WHERE place IS NOT NULL;
CREATE INDEX conversations_by_waiting ON conversations(waiting_since) WHERE waiting_since IS NOT NULL;
-- Deferred during a first sync (`deferred.rs`): built here whether or not
-- it was there; the next first sync drops it again if it wants to.
CREATE INDEX conversations_by_customer ON conversations(customer_email COLLATE NOCASE);
