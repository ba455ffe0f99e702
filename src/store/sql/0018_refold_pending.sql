-- A long team log is folded in chunks; the conversations a chunk touched
-- are refolded once, after the last chunk, instead of after every chunk
-- (issue 24). They wait here, committed with their chunk, so a kill in
-- between leaves nothing unfolded: the next fold of the log drains them.
CREATE TABLE refold_pending (
    conversation TEXT PRIMARY KEY
) WITHOUT ROWID;
