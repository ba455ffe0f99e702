//! Drafts in the cache (autosaved), what a reply needs from the conversation,
//! the collision guard's "what changed since", and the review queue.

use super::Store;
use crate::domain::compose::{Draft, DraftState};
use crate::domain::events::{Event, EventKind};
use crate::domain::review::{self, SharedDraft};
use crate::domain::{Address, Attachment};
use anyhow::{Result, bail};
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::BTreeMap;

/// The message a reply answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplyContext {
    pub message_id: String,
    pub references: Vec<String>,
    pub from: Address,
    /// Where the customer asked replies to go (empty: to From).
    pub reply_to: Vec<Address>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub subject: String,
    pub date: i64,
    pub text: String,
    pub attachments: Vec<Attachment>,
}

fn state_str(s: DraftState) -> &'static str {
    match s {
        DraftState::Editing => "editing",
        DraftState::Queued => "queued",
        DraftState::Discarded => "discarded",
    }
}

impl Store {
    /// Saves (inserts or replaces) a draft.
    pub fn save_draft(&mut self, d: &Draft) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO drafts(id, conversation_id, state, payload, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(id) DO UPDATE SET conversation_id = excluded.conversation_id,
                   state = excluded.state, payload = excluded.payload, updated_at = excluded.updated_at",
            )?
            .execute(params![
                d.id,
                d.conversation,
                state_str(d.state),
                serde_json::to_string(d)?,
                d.updated_at
            ])?;
        Ok(())
    }

    /// A draft by id or unique id prefix.
    /// Removes draft `id` from this cache (the demo's teammates' drafts
    /// live in their own caches, not Dana's).
    pub fn delete_draft(&mut self, id: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM drafts WHERE id = ?1", [id])?;
        Ok(())
    }

    pub fn draft(&self, prefix: &str) -> Result<Draft> {
        let prefix = crate::domain::ids::prefix(prefix, "draft", "`replypad drafts list`")
            .map_err(anyhow::Error::msg)?;
        let mut st = self.conn.prepare_cached(
            "SELECT payload FROM drafts WHERE id LIKE ?1 || '%' ESCAPE '\\' LIMIT 2",
        )?;
        let esc = prefix
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let rows: Vec<String> = st
            .query_map([esc], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        match rows.as_slice() {
            [one] => Ok(serde_json::from_str(one)?),
            [] => bail!("no draft {prefix:?} here (see `replypad drafts`)"),
            _ => bail!("draft id {prefix:?} is ambiguous; give more characters"),
        }
    }

    /// `author`'s drafts still being written, newest first. (A cache is one
    /// agent's; the demo's is shared by its team.)
    pub fn drafts(&self, author: &str) -> Result<Vec<Draft>> {
        let mut st = self.conn.prepare_cached(
            "SELECT payload FROM drafts WHERE state = 'editing'
               AND json_extract(payload, '$.author') = ?1 COLLATE NOCASE
             ORDER BY updated_at DESC, id",
        )?;
        let rows = st.query_map([author], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for r in rows {
            out.push(serde_json::from_str(&r?)?);
        }
        Ok(out)
    }

    /// Which of `ids` have a draft of `author`'s being written (the list
    /// marks them). Drafts being written here are few: read them all.
    pub fn drafting_among(
        &self,
        ids: &[String],
        author: &str,
    ) -> Result<std::collections::HashSet<String>> {
        let mut st = self.conn.prepare_cached(
            "SELECT DISTINCT conversation_id FROM drafts
             WHERE state = 'editing' AND conversation_id IS NOT NULL
               AND json_extract(payload, '$.author') = ?1 COLLATE NOCASE",
        )?;
        let mine = st
            .query_map([author], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<std::collections::HashSet<String>>>()?;
        Ok(ids
            .iter()
            .filter(|id| mine.contains(*id))
            .cloned()
            .collect())
    }

    /// The draft being written on a conversation, if any (to resume it).
    pub fn draft_for(&self, conversation: &str) -> Result<Option<Draft>> {
        let p: Option<String> = self
            .conn
            .query_row(
                "SELECT payload FROM drafts WHERE conversation_id = ?1 AND state = 'editing'
                 ORDER BY updated_at DESC LIMIT 1",
                [conversation],
                |r| r.get(0),
            )
            .optional()?;
        Ok(match p {
            Some(p) => Some(serde_json::from_str(&p)?),
            None => None,
        })
    }

    /// The agent's unfinished draft of `kind` on a conversation: a reply, a
    /// reply to all and a forward are separate drafts.
    pub fn draft_of_kind(
        &self,
        conversation: &str,
        kind: crate::domain::compose::DraftKind,
        author: &str,
    ) -> Result<Option<Draft>> {
        let kind = serde_json::to_value(kind)?;
        let p: Option<String> = self
            .conn
            .query_row(
                "SELECT payload FROM drafts WHERE conversation_id = ?1 AND state = 'editing'
                   AND json_extract(payload, '$.kind') = ?2
                   AND json_extract(payload, '$.author') = ?3 COLLATE NOCASE
                 ORDER BY updated_at DESC LIMIT 1",
                params![conversation, kind.as_str().unwrap_or_default(), author],
                |r| r.get(0),
            )
            .optional()?;
        Ok(match p {
            Some(p) => Some(serde_json::from_str(&p)?),
            None => None,
        })
    }

    /// How the conversation stands now: (highest message row, highest event seq).
    pub fn baseline(&self, conversation: &str) -> Result<(i64, i64)> {
        Ok(self.conn.query_row(
            "SELECT (SELECT coalesce(max(id), 0) FROM messages WHERE conversation_id = ?1),
                    (SELECT coalesce(max(seq), 0) FROM events)",
            [conversation],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    }

    /// What happened on a conversation since `baseline` that an agent about
    /// to send should see: new mail, other agents' notes, replies, reassignment.
    pub fn changes_since(
        &mut self,
        conversation: &str,
        baseline: (i64, i64),
        me: &str,
    ) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let mut st = self.conn.prepare_cached(
            "SELECT from_name, from_email, from_team, subject FROM messages
             WHERE conversation_id = ?1 AND id > ?2 ORDER BY date, id",
        )?;
        let rows = st.query_map(params![conversation, baseline.0], |r| {
            Ok((
                r.get::<_, Option<String>>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, bool>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        for r in rows {
            let (name, email, team, subject) = r?;
            let who = Address::new(name.as_deref(), &email).display();
            out.push(if team {
                format!("a teammate replied: {subject}")
            } else {
                format!("new mail from {who}: {subject}")
            });
        }
        let conv = conversation.to_string();
        let mut st = self.conn.prepare_cached(
            "SELECT payload FROM events WHERE seq > ?2 AND agent != ?3 AND (conversation = ?1
                OR conversation IN (SELECT alias FROM conversation_aliases WHERE canonical = ?1))
             ORDER BY uid IS NULL, uid, seq",
        )?;
        let rows = st.query_map(params![conv, baseline.1, me], |r| r.get::<_, String>(0))?;
        for r in rows {
            let Ok(e) = serde_json::from_str::<Event>(&r?) else {
                continue;
            };
            match &e.kind {
                EventKind::Note { text, .. } => {
                    out.push(format!("note by {}: {}", e.agent, text.trim()))
                }
                EventKind::Assign { .. } | EventKind::Status { .. } | EventKind::Sent { .. } => {
                    out.push(format!("{} by {}", e.kind.describe(), e.agent))
                }
                _ => {}
            }
        }
        Ok(out)
    }

    /// Where a message lives on the server: (mailbox name, UID).
    pub fn message_location(&self, message_id: &str) -> Result<Option<(String, u32)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT mb.name, m.uid FROM messages m JOIN mailboxes mb ON mb.id = m.mailbox_id
                 WHERE m.message_id = ?1 ORDER BY m.id LIMIT 1",
                [message_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// The review queue: every draft shared for review, folded from the log.
    pub fn shared_drafts(&self) -> Result<BTreeMap<String, SharedDraft>> {
        let mut st = self.conn.prepare_cached(
            "SELECT payload FROM events WHERE kind IN ('draft_submitted', 'review', 'sent')
             ORDER BY uid IS NULL, uid, seq",
        )?;
        let rows = st.query_map([], |r| r.get::<_, String>(0))?;
        Ok(review::fold(&parse_events(rows)?))
    }

    /// The drafts shared for review on one conversation (its events only).
    pub fn shared_drafts_of(&self, conversation: &str) -> Result<BTreeMap<String, SharedDraft>> {
        review_of(&self.conn, conversation)
    }
}

fn parse_events(rows: impl Iterator<Item = rusqlite::Result<String>>) -> Result<Vec<Event>> {
    let mut events = Vec::new();
    for r in rows {
        if let Ok(e) = serde_json::from_str::<Event>(&r?) {
            events.push(e);
        }
    }
    Ok(events)
}

/// The shared drafts of one conversation (and the conversations merged
/// into it), with the sends of those drafts wherever they were recorded.
fn review_of(conn: &rusqlite::Connection, conv: &str) -> Result<BTreeMap<String, SharedDraft>> {
    let mut st = conn.prepare_cached(
        "WITH convs(id) AS (SELECT ?1 UNION SELECT alias FROM conversation_aliases WHERE canonical = ?1),
              drafts(id) AS (SELECT json_extract(payload, '$.copy.draft') FROM events
                             WHERE kind = 'draft_submitted' AND conversation IN convs)
         SELECT payload FROM events
         WHERE (kind IN ('draft_submitted', 'review', 'sent') AND conversation IN convs)
            OR (kind = 'sent' AND json_extract(payload, '$.draft') IN drafts)
         ORDER BY uid IS NULL, uid, seq",
    )?;
    let rows = st.query_map([conv], |r| r.get::<_, String>(0))?;
    Ok(review::fold(&parse_events(rows)?))
}

/// Stores whether `conv` has a draft waiting for review (the domain's rule,
/// [`SharedDraft::waiting`]), for the Review view.
fn refresh_review(tx: &Transaction<'_>, conv: &str) -> Result<()> {
    let conv = super::threading::canonical(tx, conv)?;
    let waiting = review_of(tx, &conv)?.values().any(SharedDraft::waiting);
    tx.prepare_cached("UPDATE conversations SET review_waiting = ?2 WHERE id = ?1")?
        .execute(params![conv, waiting])?;
    Ok(())
}

/// After a draft, review or sent event was stored: refresh the review state
/// of the conversation it concerns (a send: the conversation of its draft).
/// Returns whether it was such an event.
pub(super) fn review_event_stored(tx: &Transaction<'_>, e: &Event) -> Result<bool> {
    match &e.kind {
        EventKind::DraftSubmitted { .. } | EventKind::Review { .. } => {
            refresh_review(tx, &e.conversation)?;
            Ok(true)
        }
        EventKind::Sent { draft, .. } => {
            refresh_review(tx, &e.conversation)?;
            if let Some(d) = draft {
                let convs: Vec<String> = tx
                    .prepare_cached(
                        "SELECT DISTINCT conversation FROM events
                         WHERE kind = 'draft_submitted' AND json_extract(payload, '$.copy.draft') = ?1",
                    )?
                    .query_map([d], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                for c in convs {
                    refresh_review(tx, &c)?;
                }
            }
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Refolds what schema version 9 stores (the review state of every
/// conversation with a shared draft, and followers) in a cache migrated
/// from before.
pub(super) fn refresh_stored_rules(tx: &Transaction<'_>) -> Result<()> {
    let followed: Vec<String> = tx
        .prepare("SELECT DISTINCT conversation FROM events WHERE kind = 'follow'")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for c in followed {
        super::team::refold(tx, &c)?;
    }
    let convs: Vec<String> = tx
        .prepare("SELECT DISTINCT conversation FROM events WHERE kind = 'draft_submitted'")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for c in convs {
        refresh_review(tx, &c)?;
    }
    Ok(())
}

impl Store {
    /// The message a reply to `conversation` answers: the customer's latest,
    /// else the latest of any.
    pub fn reply_context(&self, conversation: &str) -> Result<Option<ReplyContext>> {
        let row = self
            .conn
            .query_row(
                "SELECT message_id, refs, from_name, from_email, to_addrs, cc_addrs, subject, date,
                        coalesce(text, ''), attachments, reply_to
                 FROM messages WHERE conversation_id = ?1 ORDER BY from_team, date DESC, id DESC LIMIT 1",
                [conversation],
                |r| {
                    let name: Option<String> = r.get(2)?;
                    let email: String = r.get(3)?;
                    let json = |i: usize| -> rusqlite::Result<String> { r.get(i) };
                    Ok(ReplyContext {
                        message_id: r.get(0)?,
                        references: serde_json::from_str(&json(1)?).unwrap_or_default(),
                        from: Address::new(name.as_deref(), &email),
                        to: serde_json::from_str(&json(4)?).unwrap_or_default(),
                        cc: serde_json::from_str(&json(5)?).unwrap_or_default(),
                        subject: r.get(6)?,
                        date: r.get(7)?,
                        text: r.get(8)?,
                        attachments: serde_json::from_str(&json(9)?).unwrap_or_default(),
                        reply_to: serde_json::from_str(&json(10)?).unwrap_or_default(),
                    })
                },
            )
            .optional()?;
        Ok(row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::review::DraftCopy;

    fn ev(id: &str, conv: &str, agent: &str, kind: EventKind) -> Event {
        Event {
            id: id.into(),
            conversation: conv.into(),
            agent: agent.into(),
            at: 0,
            kind,
        }
    }

    #[test]
    fn a_cache_from_before_the_stored_rules_is_refolded_when_opened() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.sqlite3");
        let mut s = Store::open(&path).unwrap();
        crate::demo::load(&mut s, &crate::config::Config::demo(), 1_800_000_000).unwrap();
        let conv = s
            .list_conversations(crate::store::ListQuery {
                offset: 0,
                limit: 1,
            })
            .unwrap()[0]
            .id
            .clone();
        let copy = DraftCopy {
            draft: "d1".into(),
            revision: 1,
            author: "ana@example.com".into(),
            reviewer: None,
            to: vec![],
            cc: vec![],
            subject: "s".into(),
            body: "b".into(),
            message_id: "<m@x>".into(),
            in_reply_to: None,
            references: vec![],
            hash: "h".into(),
        };
        use crate::domain::roster::Signed;
        let log = vec![
            (
                9001,
                Ok(Signed::team_key_only(ev(
                    "e1",
                    &conv,
                    "ana@example.com",
                    EventKind::DraftSubmitted { copy },
                ))),
            ),
            (
                9002,
                Ok(Signed::team_key_only(ev(
                    "e2",
                    &conv,
                    "bo@example.com",
                    EventKind::Follow { on: true },
                ))),
            ),
        ];
        s.transaction(|tx| Store::apply_log(tx, &log).map(|_| ()))
            .unwrap();
        let review = crate::domain::views::View::Review;
        let following = crate::domain::views::View::Following;
        assert_eq!(s.count_view(&review, "bo@example.com").unwrap(), 1);
        assert_eq!(s.count_view(&following, "bo@example.com").unwrap(), 1);
        // As an older cache had it: schema version 8, nothing stored.
        s.conn
            .execute_batch(
                "ALTER TABLE conversations DROP COLUMN review_waiting;
                 DROP TABLE conversation_followers; ALTER TABLE messages DROP COLUMN reply_to;
                 DROP INDEX events_by_agent;
                 DROP INDEX conversations_by_place; ALTER TABLE conversations DROP COLUMN place;
                 DROP INDEX messages_moving; ALTER TABLE messages DROP COLUMN moved_to;
                 DROP INDEX conversations_by_waiting; DROP INDEX conversations_by_customer;
                 DROP INDEX events_split;
                 ALTER TABLE conversations DROP COLUMN waiting_since;
                 DROP TABLE team_trust; DROP INDEX events_unapproved;
                 DROP INDEX events_status_facts; DROP INDEX events_sent_facts; DROP INDEX messages_insight;
                 ALTER TABLE events DROP COLUMN unapproved;
                 ALTER TABLE messages DROP COLUMN auto_refusal; DROP TABLE job_runs;
                 DROP TABLE notices_seen; DROP INDEX events_jobs;
                 ALTER TABLE mailboxes DROP COLUMN history_below;
                 DROP TABLE refold_pending; DROP TABLE checkpoint_chain;
                 DROP INDEX events_sent_drafts; DROP INDEX events_notes;
                 DROP INDEX messages_unsized;
                 PRAGMA user_version = 8;",
            )
            .unwrap();
        drop(s);
        let s = Store::open(&path).unwrap();
        assert_eq!(s.count_view(&review, "bo@example.com").unwrap(), 1);
        assert_eq!(s.count_view(&following, "bo@example.com").unwrap(), 1);
    }
}
