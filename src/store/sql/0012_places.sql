-- Archive, spam, trash (issue 20, section 4). A conversation's place is
-- derived from the folders its messages are in (the server's truth):
-- NULL while one of them is in a team inbox (the inbox views), else the
-- role of the filing folder ('archive', 'junk', 'trash') of its latest.
ALTER TABLE conversations ADD COLUMN place TEXT;
CREATE INDEX conversations_by_place ON conversations(place) WHERE place IS NOT NULL;
-- A queued move (pending_ops 'move'): the message counts as in this
-- mailbox until the sync sees it leave its own.
ALTER TABLE messages ADD COLUMN moved_to INTEGER;
CREATE INDEX messages_moving ON messages(mailbox_id) WHERE moved_to IS NOT NULL;
