-- Reports (issue 23): the status and sent events, read whole by every
-- report, found without a scan of the whole log.
CREATE INDEX events_insight ON events(kind, uid)
    WHERE kind IN ('status', 'sent');
