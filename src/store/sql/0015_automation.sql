-- Automation (schema version 15): jobs live in the team log (kinds job,
-- job_claim, job_done, job_cancel, automation); what stays here is local.

-- Why an automatic reply must not answer a message (mail::autoreply),
-- decided when it is parsed. Messages cached before this version were
-- never checked: they are never answered automatically.
ALTER TABLE messages ADD COLUMN auto_refusal TEXT;
UPDATE messages SET auto_refusal = 'cached before the automatic-reply checks';

-- Which process on this machine works a job this runner owns, and how far
-- it got: 'claimed' (nothing sent yet), 'queued' (in the outbox under the
-- job's Message-ID), 'finished' (its result recorded in the log). A row
-- whose pid is gone is taken over by the next process.
CREATE TABLE job_runs (
    job         TEXT PRIMARY KEY,
    pid         INTEGER NOT NULL,
    phase       TEXT NOT NULL,
    message_id  TEXT,
    updated_at  INTEGER NOT NULL
);

-- Notifications the agent has seen: everything up to this event sequence
-- and message row.
CREATE TABLE notices_seen (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    event_seq   INTEGER NOT NULL,
    message_row INTEGER NOT NULL
);

-- The automation events, read whole by every pass of a runner.
CREATE INDEX events_jobs ON events(kind, uid)
    WHERE kind IN ('job', 'job_claim', 'job_done', 'job_cancel', 'automation');
