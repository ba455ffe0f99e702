//! What the sync engine writes besides new messages: per-mailbox sync state
//! (UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ), flag changes, expunges, bodies.
//! Each writer takes the transaction so the state and the changes it covers
//! commit together.

use super::Store;
use crate::domain::BodyState;
use crate::mail::ParsedMessage;
use anyhow::Result;
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::BTreeSet;
use std::ops::RangeInclusive;

/// What replypad last knew of a mailbox on the server.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MailboxState {
    pub uidvalidity: u32,
    pub uidnext: u32,
    pub highestmodseq: Option<u64>,
}

/// A flag change to apply: (uid, seen, answered, flagged).
#[derive(Clone, Copy, Debug)]
pub struct Flags {
    pub uid: u32,
    pub seen: bool,
    pub answered: bool,
    pub flagged: bool,
}

/// The body fetcher's queue. A literal 'headers', not a parameter: only
/// then can SQLite use the partial index messages_missing_body instead of
/// scanning every cached message.
const MISSING_BODIES: &str = "SELECT mailbox_id, uid, size FROM messages
    WHERE body_state = 'headers' AND size <= ?1 ORDER BY date DESC LIMIT ?2";

impl Store {
    pub fn mailbox_state(&self, mailbox_id: i64) -> Result<Option<MailboxState>> {
        let row: Option<(Option<u32>, Option<u32>, Option<i64>)> = self
            .conn
            .query_row(
                "SELECT uidvalidity, uidnext, highestmodseq FROM mailboxes WHERE id = ?1",
                [mailbox_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        Ok(row.and_then(|(v, n, m)| {
            Some(MailboxState {
                uidvalidity: v?,
                uidnext: n.unwrap_or(1),
                highestmodseq: m.map(|m| m as u64),
            })
        }))
    }

    pub fn save_mailbox_state(
        tx: &Transaction<'_>,
        mailbox_id: i64,
        s: MailboxState,
    ) -> Result<()> {
        tx.prepare_cached(
            "UPDATE mailboxes SET uidvalidity = ?2, uidnext = ?3, highestmodseq = ?4, synced_at = strftime('%s','now')
             WHERE id = ?1",
        )?
        .execute(params![mailbox_id, s.uidvalidity, s.uidnext, s.highestmodseq.map(|m| m as i64)])?;
        Ok(())
    }

    /// UIDs cached for a mailbox, ascending.
    pub fn cached_uids(&self, mailbox_id: i64) -> Result<Vec<u32>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT uid FROM messages WHERE mailbox_id = ?1 ORDER BY uid")?;
        Ok(st
            .query_map([mailbox_id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Forgets every cached message of a mailbox (its UIDVALIDITY changed).
    /// Drafts, outbox and team events are untouched. Returns touched conversations.
    pub fn reset_mailbox(tx: &Transaction<'_>, mailbox_id: i64) -> Result<BTreeSet<String>> {
        let touched = conversations_of(
            tx,
            "SELECT DISTINCT conversation_id FROM messages WHERE mailbox_id = ?1",
            mailbox_id,
        )?;
        super::threading::keep_names(tx, "mailbox_id = ?1", [mailbox_id])?;
        let gone: Vec<(String, String)> = tx
            .prepare("SELECT conversation_id, message_id FROM messages WHERE mailbox_id = ?1")?
            .query_map([mailbox_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        tx.execute("DELETE FROM messages_fts WHERE rowid IN (SELECT id FROM messages WHERE mailbox_id = ?1)", [mailbox_id])?;
        tx.execute("DELETE FROM messages WHERE mailbox_id = ?1", [mailbox_id])?;
        // Replies kept in other folders (Sent) lose what they quote.
        super::messages::reindex_replies(tx, &gone)?;
        tx.execute(
            "UPDATE mailboxes SET uidvalidity = NULL, uidnext = NULL, highestmodseq = NULL, history_below = NULL
             WHERE id = ?1",
            [mailbox_id],
        )?;
        Ok(touched)
    }

    /// Removes expunged UIDs; returns touched conversations.
    pub fn remove_uids(
        tx: &Transaction<'_>,
        mailbox_id: i64,
        ranges: &[RangeInclusive<u32>],
    ) -> Result<(usize, BTreeSet<String>)> {
        let mut touched = BTreeSet::new();
        let mut removed = 0;
        let mut sel = tx.prepare_cached(
            "SELECT id, conversation_id, message_id FROM messages
             WHERE mailbox_id = ?1 AND uid BETWEEN ?2 AND ?3",
        )?;
        let mut del_fts = tx.prepare_cached("DELETE FROM messages_fts WHERE rowid = ?1")?;
        let mut del = tx.prepare_cached("DELETE FROM messages WHERE id = ?1")?;
        let mut gone = Vec::new();
        for r in ranges {
            let rows: Vec<(i64, String, String)> = sel
                .query_map(params![mailbox_id, r.start(), r.end()], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?
                .collect::<rusqlite::Result<_>>()?;
            for (id, conv, message_id) in rows {
                super::threading::keep_names(tx, "id = ?1", [id])?;
                del_fts.execute([id])?;
                del.execute([id])?;
                gone.push((conv.clone(), message_id));
                touched.insert(conv);
                removed += 1;
            }
        }
        super::messages::reindex_replies(tx, &gone)?;
        Ok((removed, touched))
    }

    /// Applies server flags and refreshes what they change in the summaries
    /// (only \Seen does: the unread count). Returns how many messages
    /// changed and their conversations.
    pub fn apply_flags(
        tx: &Transaction<'_>,
        mailbox_id: i64,
        flags: &[Flags],
    ) -> Result<(usize, BTreeSet<String>)> {
        let mut seen = tx.prepare_cached(
            "UPDATE messages SET seen = ?3 WHERE mailbox_id = ?1 AND uid = ?2 AND seen != ?3
             RETURNING conversation_id",
        )?;
        let mut other = tx.prepare_cached(
            "UPDATE messages SET answered = ?3, flagged = ?4
             WHERE mailbox_id = ?1 AND uid = ?2 AND (answered, flagged) IS NOT (?3, ?4)
             RETURNING conversation_id",
        )?;
        let mut touched = BTreeSet::new();
        let mut unread = BTreeSet::new();
        let mut changed = 0;
        for f in flags {
            let a: Option<String> = seen
                .query_row(params![mailbox_id, f.uid, f.seen], |r| r.get(0))
                .optional()?;
            let b: Option<String> = other
                .query_row(params![mailbox_id, f.uid, f.answered, f.flagged], |r| {
                    r.get(0)
                })
                .optional()?;
            if let Some(c) = &a {
                unread.insert(c.clone());
            }
            if let Some(c) = a.or(b) {
                touched.insert(c);
                changed += 1;
            }
        }
        let mut count = tx.prepare_cached(
            "UPDATE conversations SET unread_count = (SELECT count(DISTINCT message_id) FROM messages
                WHERE conversation_id = ?1 AND seen = 0 AND from_team = 0)
             WHERE id = ?1",
        )?;
        for c in &unread {
            count.execute([c])?;
        }
        Ok((changed, touched))
    }

    /// Stores the body of an already cached message and indexes it for search.
    pub fn set_body(
        tx: &Transaction<'_>,
        mailbox_id: i64,
        uid: u32,
        p: &ParsedMessage,
    ) -> Result<Option<String>> {
        // The subject and sender are indexed as cached (a body fetch may
        // bring only the MIME header fields along).
        type Row = (
            i64,
            String,
            bool,
            String,
            Option<String>,
            String,
            Option<String>,
        );
        let row: Option<Row> = tx
            .prepare_cached(
                "SELECT id, conversation_id, body_state != 'headers' OR size > ?3,
                        subject, from_name, from_email, in_reply_to
                 FROM messages WHERE mailbox_id = ?1 AND uid = ?2",
            )?
            .query_row(params![mailbox_id, uid, super::AUTO_BODY_MAX as i64], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })
            .optional()?;
        let Some((id, conv, indexed, subject, from_name, from_email, in_reply_to)) = row else {
            return Ok(None);
        };
        // The HTML part is not cached: the reader shows text (HTML rendered
        // to text when a message has no text part); the original stays on
        // the server.
        tx.prepare_cached(
            "UPDATE messages SET body_state = ?2, text = ?3, attachments = ?4, parse_error = ?5 WHERE id = ?1",
        )?
        .execute(params![
            id,
            p.body_state.as_str(),
            p.text,
            serde_json::to_string(&p.attachments)?,
            p.parse_error
        ])?;
        // Deleting a row the index never had would still cost a tombstone.
        if indexed {
            tx.prepare_cached("DELETE FROM messages_fts WHERE rowid = ?1")?
                .execute([id])?;
        }
        let body = if p.body_state == BodyState::Headers {
            ""
        } else {
            p.text.as_str()
        };
        let body = super::messages::searchable(tx, id, in_reply_to.as_deref(), body)?;
        super::messages::index_text(tx, id, &subject, from_name.as_deref(), &from_email, &body)?;
        Ok(Some(conv))
    }

    /// Messages whose body is not cached yet, newest first: (mailbox, uid, size).
    pub fn missing_bodies(&self, max_size: u64, limit: usize) -> Result<Vec<(i64, u32, u64)>> {
        let mut st = self.conn.prepare_cached(MISSING_BODIES)?;
        Ok(st
            .query_map(params![max_size as i64, limit as i64], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)? as u64))
            })?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Messages of one conversation whose body is not cached: (mailbox, uid).
    pub fn conversation_missing_bodies(&self, conversation: &str) -> Result<Vec<(i64, u32)>> {
        let mut st = self.conn.prepare_cached(
            "SELECT mailbox_id, uid FROM messages WHERE conversation_id = ?1 AND body_state = 'headers'",
        )?;
        Ok(st
            .query_map([conversation], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Local work not yet on the server: pending operations and unsent mail.
    pub fn unpushed_local_work(&self) -> Result<usize> {
        Ok(self.conn.query_row(
            "SELECT (SELECT count(*) FROM pending_ops)
                  + (SELECT count(*) FROM outbox WHERE state != 'sent')
                  + (SELECT count(*) FROM drafts WHERE state = 'editing')",
            [],
            |r| r.get::<_, i64>(0),
        )? as usize)
    }

    /// Mailbox names by id (for the body fetcher).
    /// The id of cached mailbox `name`.
    pub fn mailbox_id_of(&self, name: &str) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT id FROM mailboxes WHERE name = ?1", [name], |r| {
                r.get(0)
            })?)
    }

    pub fn mailbox_name(&self, id: i64) -> Result<String> {
        Ok(self
            .conn
            .query_row("SELECT name FROM mailboxes WHERE id = ?1", [id], |r| {
                r.get(0)
            })?)
    }
}

fn conversations_of(tx: &Transaction<'_>, sql: &str, arg: i64) -> Result<BTreeSet<String>> {
    let mut st = tx.prepare(sql)?;
    Ok(st
        .query_map([arg], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::BodyState;

    /// The body queue is read on every pass: it must use its partial index,
    /// not scan every cached message (30 ms and more at 50,000).
    #[test]
    fn the_body_queue_uses_its_index() {
        assert_eq!(BodyState::Headers.as_str(), "headers");
        let s = Store::open_in_memory().unwrap();
        let plan = s.query_plan(MISSING_BODIES, [1, 5]);
        assert!(
            plan.iter().any(|p| p.contains("messages_missing_body")),
            "{plan:?}"
        );
    }

    #[test]
    fn flags_refresh_only_the_unread_count() {
        use crate::store::{MailboxRole, NewMessage};
        let mut s = Store::open_in_memory().unwrap();
        let mbox = s.mailbox_id("INBOX", MailboxRole::Inbox).unwrap();
        let raws = [
            "From: a@shop.test\r\nSubject: x\r\nMessage-ID: <1@x>\r\n\r\nhi\r\n",
            "From: a@shop.test\r\nSubject: x\r\nMessage-ID: <2@x>\r\nIn-Reply-To: <1@x>\r\n\r\nhi\r\n",
        ];
        let parsed: Vec<_> = raws
            .iter()
            .map(|r| crate::mail::parse_message(r.as_bytes(), 0))
            .collect();
        let conv = s
            .transaction(|tx| {
                let mut t = BTreeSet::new();
                for (i, p) in parsed.iter().enumerate() {
                    t.insert(Store::put_message(
                        tx,
                        &NewMessage {
                            mailbox_id: mbox,
                            uid: i as u32 + 1,
                            modseq: None,
                            internal_date: 0,
                            size: 10,
                            seen: false,
                            answered: false,
                            flagged: false,
                            from_team: false,
                            parsed: p,
                        },
                    )?);
                }
                Store::refresh_conversations(tx, &t)?;
                Ok(t.into_iter().next().unwrap())
            })
            .unwrap();
        let unread = |s: &Store| -> i64 {
            s.conn
                .query_row(
                    "SELECT unread_count FROM conversations WHERE id = ?1",
                    [&conv],
                    |r| r.get(0),
                )
                .unwrap()
        };
        assert_eq!(unread(&s), 2);
        let flag = |uid, seen, flagged| Flags {
            uid,
            seen,
            answered: false,
            flagged,
        };
        let (changed, touched) = s
            .transaction(|tx| {
                Store::apply_flags(tx, mbox, &[flag(1, false, true), flag(2, true, false)])
            })
            .unwrap();
        assert_eq!((changed, touched.len()), (2, 1));
        assert_eq!(unread(&s), 1);
        // Unchanged flags change nothing.
        let (changed, _) = s
            .transaction(|tx| Store::apply_flags(tx, mbox, &[flag(1, false, true)]))
            .unwrap();
        assert_eq!(changed, 0);
    }
}
