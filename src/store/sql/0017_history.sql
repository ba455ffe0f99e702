-- Newest first (issue 24): a first sync fetches a folder's newest page,
-- then its history backwards. Every UID at or above history_below is in
-- the cache (up to uidnext); those below it are still to fetch. NULL: the
-- whole folder is here.
ALTER TABLE mailboxes ADD COLUMN history_below INTEGER;
