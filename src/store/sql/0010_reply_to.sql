-- Every address of a message's Reply-To, as JSON [{name,email}] (schema
-- version 10): a reply goes there when it is set. Messages cached before
-- have '[]' until the cache is rebuilt (`replypad sync --rebuild`).
ALTER TABLE messages ADD COLUMN reply_to TEXT NOT NULL DEFAULT '[]';
