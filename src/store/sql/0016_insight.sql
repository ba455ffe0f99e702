-- Reports (issue 23): the status and sent events every report reads,
-- with the fields it needs in the index, so a report reads neither the
-- whole log nor its JSON payloads. (The expressions must stay exactly as
-- `store::insight` writes them, or SQLite will not use the indexes.)
CREATE INDEX events_status_facts
    ON events(kind, conversation, at, json_extract(payload, '$.status'))
    WHERE kind = 'status' AND unapproved = 0;
CREATE INDEX events_sent_facts
    ON events(kind, json_extract(payload, '$.message_id'), agent)
    WHERE kind = 'sent' AND unapproved = 0;
-- Every message's facts without its text: a report must not read the
-- bodies stored in the same rows.
CREATE INDEX messages_insight
    ON messages(conversation_id, message_id, internal_date, from_team,
                auto_refusal IS NOT NULL, coalesce(nullif(from_name, ''), from_email));
