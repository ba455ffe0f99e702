//! What concerns the agent at the keyboard, read from the cache: a
//! mention of them, a conversation assigned to them by a teammate, a
//! customer's reply on a conversation they own or follow, a job that
//! failed or needs a decision. New since a watermark kept here (the event
//! sequence and message row seen last); a new cache starts at its first
//! sync's end, so a rebuilt cache does not ring for old news.

use super::Store;
use crate::domain::events::{Event, EventKind};
use crate::domain::jobs::JobOutcome;
use anyhow::Result;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    Mention,
    Assigned,
    Reply,
    Job,
}

/// One notification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Notification {
    pub kind: NotificationKind,
    pub conversation: String,
    pub subject: String,
    /// Who: the teammate, or the customer's address.
    pub by: String,
    pub at: i64,
    pub text: String,
}

impl Store {
    /// (event seq, message row) `me` has seen up to (else the cache's
    /// mark from before marks were kept per agent); None before the first time.
    fn notices_mark(&self, me: &str) -> Result<Option<(i64, i64)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT event_seq, message_row FROM notices_seen WHERE agent IN (?1, '')
                 ORDER BY agent = '' LIMIT 1",
                [me.to_ascii_lowercase()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    fn notices_now(&self) -> Result<(i64, i64)> {
        Ok(self.conn.query_row(
            "SELECT (SELECT coalesce(max(seq), 0) FROM events), (SELECT coalesce(max(id), 0) FROM messages)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    }

    /// Everything up to now counts as seen by `me`.
    pub fn mark_notices_seen(&mut self, me: &str) -> Result<()> {
        let (e, m) = self.notices_now()?;
        self.conn.execute(
            "INSERT OR REPLACE INTO notices_seen(agent, event_seq, message_row) VALUES (?1, ?2, ?3)",
            params![me.to_ascii_lowercase(), e, m],
        )?;
        Ok(())
    }

    /// The notifications for `me` newer than the watermark, newest first
    /// (at most `limit`). A cache that has never been synced has none; at
    /// its first sync the watermark is set to what it holds.
    pub fn notifications(&mut self, me: &str, limit: usize) -> Result<Vec<Notification>> {
        let Some((seq, row)) = self.notices_mark(me)? else {
            let synced: bool = self.conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM mailboxes WHERE role = 'log' AND uidnext IS NOT NULL)",
                [],
                |r| r.get(0),
            )?;
            if synced {
                self.mark_notices_seen(me)?;
            }
            return Ok(Vec::new());
        };
        let me_l = me.to_ascii_lowercase();
        let mut out = Vec::new();
        let mut st = self.conn.prepare_cached(
            "SELECT e.payload, coalesce(c.subject, '') FROM events e LEFT JOIN conversations c ON c.id = e.conversation
             WHERE e.seq > ?1 AND e.kind IN ('note', 'assign', 'job_done') AND lower(e.agent) != ?2
                   OR e.seq > ?1 AND e.kind = 'job_done'
             ORDER BY e.seq DESC LIMIT 500",
        )?;
        let rows = st.query_map(params![seq, me_l], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        for r in rows {
            let (json, subject) = r?;
            let Ok(e) = serde_json::from_str::<Event>(&json) else {
                continue;
            };
            let (kind, text) = match &e.kind {
                EventKind::Note { mentions, text }
                    if mentions.iter().any(|m| {
                        m.eq_ignore_ascii_case(me)
                            || m.eq_ignore_ascii_case(crate::domain::names::handle(me))
                    }) =>
                {
                    (NotificationKind::Mention, text.clone())
                }
                EventKind::Assign { to: Some(to), .. } if to.eq_ignore_ascii_case(me) => {
                    (NotificationKind::Assigned, "assigned to you".to_string())
                }
                EventKind::JobDone { outcome, .. }
                    if matches!(
                        outcome,
                        JobOutcome::Failed { .. } | JobOutcome::Unknown { .. }
                    ) =>
                {
                    (NotificationKind::Job, outcome.describe())
                }
                _ => continue,
            };
            out.push(Notification {
                kind,
                conversation: e.conversation.clone(),
                subject,
                by: e.agent.clone(),
                at: e.at,
                text,
            });
        }
        let mut st = self.conn.prepare_cached(
            "SELECT m.conversation_id, m.subject, m.from_email, m.internal_date, coalesce(m.text, '')
             FROM messages m JOIN conversations c ON c.id = m.conversation_id
             WHERE m.id > ?1 AND m.from_team = 0
               AND (lower(c.assignee) = ?2 OR EXISTS (SELECT 1 FROM conversation_followers f
                    WHERE f.conversation_id = c.id AND lower(f.agent) = ?2))
             ORDER BY m.id DESC LIMIT 500",
        )?;
        let rows = st.query_map(params![row, me_l], |r| {
            Ok(Notification {
                kind: NotificationKind::Reply,
                conversation: r.get(0)?,
                subject: r.get(1)?,
                by: r.get(2)?,
                at: r.get(3)?,
                text: crate::store::snippet(&r.get::<_, String>(4)?),
            })
        })?;
        for r in rows {
            out.push(r?);
        }
        out.sort_by_key(|b| std::cmp::Reverse(b.at));
        out.truncate(limit);
        Ok(out)
    }
}
