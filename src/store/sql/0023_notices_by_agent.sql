-- Notifications seen, per agent: the demo's agents share one cache, and
-- one agent's look at them must not hide another's. An account's cache has
-- one agent: its mark moves to the agent '' and stands for whoever has no
-- mark of their own.
CREATE TABLE notices_seen_by (
    agent       TEXT PRIMARY KEY,
    event_seq   INTEGER NOT NULL,
    message_row INTEGER NOT NULL
);
INSERT INTO notices_seen_by(agent, event_seq, message_row)
    SELECT '', event_seq, message_row FROM notices_seen;
DROP TABLE notices_seen;
ALTER TABLE notices_seen_by RENAME TO notices_seen;
