-- Checkpoints of the team log (issue 24): where the chain of checkpoints
-- in their folder ended when this cache last read or wrote one. A writer
-- looks at the folder again only once the log has grown past it by a
-- checkpoint's worth of events.
CREATE TABLE checkpoint_chain (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    chain_end   INTEGER NOT NULL
);
