-- The team's event log (schema version 3). Replaces team_events: local
-- events exist before the server has given them a UID.
DROP TABLE team_events;

CREATE TABLE events (
    seq             INTEGER PRIMARY KEY,    -- local order of arrival
    uid             INTEGER UNIQUE,         -- UID in the log folder; NULL while not pushed
    event_id        TEXT NOT NULL UNIQUE,
    conversation    TEXT NOT NULL,
    kind            TEXT NOT NULL,
    agent           TEXT NOT NULL,
    at              INTEGER NOT NULL,
    payload         TEXT NOT NULL           -- the event as JSON
);
CREATE INDEX events_by_conversation ON events(conversation);

-- Messages in the log folder that are not valid events (forged, malformed):
-- ignored for state, reported by `replypad doctor`.
CREATE TABLE rejected_events (
    uid             INTEGER PRIMARY KEY,
    reason          TEXT NOT NULL,
    seen_at         INTEGER NOT NULL
);
