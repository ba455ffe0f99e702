-- A queued APPEND that was sent may have reached the server even when its
-- answer never came back (the connection dropped): `sent_at` is set before
-- the command goes out, and a replay of such an operation first looks for
-- the message on the server (schema version 8).
ALTER TABLE pending_ops ADD COLUMN sent_at INTEGER;
