-- Merging conversations repoints every alias of the merged one: without
-- this index each merge scanned the whole alias table (schema version 6).
CREATE INDEX conversation_aliases_by_canonical ON conversation_aliases(canonical);
