-- Newest first (issue 24): a first sync's newest page is fetched without
-- RFC822.SIZE (a Maildir Dovecot reads a large folder's whole uidlist for
-- it) and the sizes follow (`sync/sizes.rs`). The rows still without
-- theirs, a handful at most and usually none:
CREATE INDEX messages_unsized ON messages(mailbox_id, uid) WHERE size = 0;
