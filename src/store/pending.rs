//! Local-first writes: a user action changes the cache at once and queues a
//! pending operation; the sync worker replays the queue, in order, whenever
//! it is online. The queue is a table, so it survives a restart.

use super::Store;
use anyhow::Result;
use rusqlite::params;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// A flag change to push: `UID STORE uids ±FLAGS (flags)` in `mailbox`,
/// valid only while the mailbox keeps `uidvalidity`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlagOp {
    pub mailbox: String,
    pub uidvalidity: u32,
    pub uids: Vec<u32>,
    pub add: bool,
    pub flags: String,
}

/// A queued move of messages from `from` to `to`: by `uids` while `from`
/// keeps `uidvalidity` (0: not known, as for messages a move queued
/// before has not brought there yet), else found by their Message-IDs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoveOp {
    pub from: String,
    pub uidvalidity: u32,
    pub uids: Vec<u32>,
    pub message_ids: Vec<String>,
    pub to: String,
}

/// What a queued operation does on the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    Flags(FlagOp),
    /// APPEND a signed team event to the log folder.
    Event {
        event_id: String,
        raw: String,
    },
    /// APPEND a sent message to the Sent folder.
    AppendSent {
        raw: String,
    },
    /// APPEND a draft shared for review to the Drafts folder (a readable
    /// copy for other mail clients; the signed log event is the truth).
    AppendDraft {
        raw: String,
    },
    /// APPEND a team template's readable copy to the Templates folder.
    AppendTemplate {
        raw: String,
    },
    /// MOVE messages to another folder (archive, spam, trash, move).
    Move(MoveOp),
}

/// A queued operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingOp {
    pub id: i64,
    pub op: Op,
    pub attempts: u32,
    /// The operation was sent to the server before (see [`Store::mark_op_sent`]).
    pub sent_before: bool,
}

impl Store {
    /// Marks every message of a conversation read (or unread) now, and queues
    /// the same change for the server. Returns how many messages changed.
    pub fn mark_conversation_read(&mut self, conversation: &str, read: bool) -> Result<usize> {
        let now = chrono::Utc::now().timestamp();
        self.transaction(|tx| {
            let mut st = tx.prepare(
                "SELECT mb.name, mb.uidvalidity, m.uid FROM messages m JOIN mailboxes mb ON mb.id = m.mailbox_id
                 WHERE m.conversation_id = ?1 AND m.seen != ?2 AND mb.uidvalidity IS NOT NULL ORDER BY mb.name, m.uid",
            )?;
            let rows: Vec<(String, u32, u32)> =
                st.query_map(params![conversation, read], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
            let mut ops: Vec<FlagOp> = Vec::new();
            for (mailbox, uidvalidity, uid) in &rows {
                match ops.last_mut() {
                    Some(op) if op.mailbox == *mailbox => op.uids.push(*uid),
                    _ => ops.push(FlagOp {
                        mailbox: mailbox.clone(),
                        uidvalidity: *uidvalidity,
                        uids: vec![*uid],
                        add: read,
                        flags: "\\Seen".into(),
                    }),
                }
            }
            for op in &ops {
                tx.execute(
                    "INSERT INTO pending_ops(kind, payload, created_at) VALUES ('flags', ?1, ?2)",
                    params![serde_json::to_string(&Op::Flags(op.clone()))?, now],
                )?;
            }
            let changed = tx.execute(
                "UPDATE messages SET seen = ?2 WHERE conversation_id = ?1 AND seen != ?2",
                params![conversation, read],
            )?;
            Store::refresh_conversations(tx, &[conversation.to_string()].into())?;
            Ok(changed)
        })
    }

    /// The queue, oldest first.
    pub fn pending_ops(&self) -> Result<Vec<PendingOp>> {
        let mut st = self.conn.prepare_cached(
            "SELECT id, payload, attempts, sent_at IS NOT NULL FROM pending_ops ORDER BY id",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, u32>(2)?,
                r.get::<_, bool>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, payload, attempts, sent_before) = row?;
            match serde_json::from_str(&payload) {
                Ok(op) => out.push(PendingOp {
                    id,
                    op,
                    attempts,
                    sent_before,
                }),
                Err(e) => tracing::error!(
                    id,
                    "unreadable pending operation ({e}); keeping it for inspection"
                ),
            }
        }
        Ok(out)
    }

    pub fn complete_op(&mut self, id: i64) -> Result<()> {
        self.conn
            .execute("DELETE FROM pending_ops WHERE id = ?1", [id])?;
        Ok(())
    }

    /// Records, before an APPEND goes out, that it may reach the server:
    /// if no answer comes, a replay looks for the message before sending
    /// it again (an APPEND is not idempotent).
    pub fn mark_op_sent(&mut self, id: i64) -> Result<()> {
        self.conn.execute(
            "UPDATE pending_ops SET sent_at = ?2 WHERE id = ?1",
            params![id, chrono::Utc::now().timestamp()],
        )?;
        Ok(())
    }

    pub fn fail_op(&mut self, id: i64, error: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE pending_ops SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
            params![id, error],
        )?;
        Ok(())
    }

    /// UIDs of `mailbox` with flag changes still queued: a resync must not
    /// overwrite them with the server's older flags.
    pub fn pending_flag_uids(&self, mailbox: &str) -> Result<HashSet<u32>> {
        Ok(self
            .pending_ops()?
            .into_iter()
            .filter_map(|p| match p.op {
                Op::Flags(f) if f.mailbox == mailbox => Some(f.uids),
                _ => None,
            })
            .flatten()
            .collect())
    }
}
