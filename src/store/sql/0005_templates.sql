-- Template use on this machine (schema version 5): the picker ranks recently
-- and frequently used templates first. Team templates themselves are events
-- in the log (kind 'template'), folded on read.
CREATE TABLE template_usage (
    name        TEXT PRIMARY KEY,
    uses        INTEGER NOT NULL,
    last_used   INTEGER NOT NULL
);
