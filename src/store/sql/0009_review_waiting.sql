-- "Waiting for review" is the domain's rule (`SharedDraft::waiting`),
-- stored per conversation when draft, review and sent events are folded,
-- so the Review view's SQL reads it instead of restating the rule
-- (schema version 9). Caches migrated from an older version are refolded
-- once when opened (`Store::init`).
ALTER TABLE conversations ADD COLUMN review_waiting INTEGER NOT NULL DEFAULT 0;
