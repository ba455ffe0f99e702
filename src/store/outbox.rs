//! The send journal. A row is written with its Message-ID and bytes fixed;
//! a sender claims it ('sending', with its pid) before SMTP and records the
//! result after. A 'sending' row whose process is gone is a crash mid-send:
//! it is resolved by looking for the Message-ID in Sent, else marked
//! 'unknown' for the agent to decide. Nothing here resends by itself.

use super::Store;
use super::pending::Op;
use crate::domain::compose::{Draft, DraftState};
use anyhow::Result;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

/// Where an outgoing message stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutboxState {
    /// Waiting to be sent (now, or at `due_at` after a temporary failure).
    Queued,
    /// Claimed by a sender; the SMTP conversation may be under way.
    Sending,
    Sent,
    /// Refused for good (5xx, authentication, configuration): the agent decides.
    Failed,
    /// Interrupted between the server's answer and the record: the agent decides.
    Unknown,
}

impl OutboxState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Queued => "queued",
            OutboxState::Sending => "sending",
            OutboxState::Sent => "sent",
            OutboxState::Failed => "failed",
            OutboxState::Unknown => "unknown",
        }
    }

    fn parse(s: &str) -> OutboxState {
        match s {
            "sending" => OutboxState::Sending,
            "sent" => OutboxState::Sent,
            "failed" => OutboxState::Failed,
            "unknown" => OutboxState::Unknown,
            _ => OutboxState::Queued,
        }
    }
}

impl std::fmt::Display for OutboxState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for OutboxState {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// One outgoing message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OutboxRow {
    pub id: i64,
    pub message_id: String,
    pub draft_id: Option<String>,
    pub conversation: Option<String>,
    pub subject: String,
    #[serde(skip)]
    pub raw: Vec<u8>,
    pub mail_from: String,
    pub rcpt: Vec<String>,
    pub state: OutboxState,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub due_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What to queue.
pub struct NewOutgoing<'a> {
    pub draft: Option<&'a Draft>,
    pub conversation: Option<&'a str>,
    pub message_id: &'a str,
    pub subject: &'a str,
    pub raw: &'a [u8],
    pub mail_from: &'a str,
    pub rcpt: &'a [String],
    /// Seconds it waits before it is due (undo send; 0: at once).
    pub hold: u32,
}

const COLUMNS: &str =
    "id, message_id, draft_id, conversation_id, subject, raw, mail_from, rcpt, state,
    attempts, last_error, due_at, created_at, updated_at";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxRow> {
    Ok(OutboxRow {
        id: r.get(0)?,
        message_id: r.get(1)?,
        draft_id: r.get(2)?,
        conversation: r.get(3)?,
        subject: r.get(4)?,
        raw: r.get(5)?,
        mail_from: r.get(6)?,
        rcpt: serde_json::from_str(&r.get::<_, String>(7)?).unwrap_or_default(),
        state: OutboxState::parse(&r.get::<_, String>(8)?),
        attempts: r.get(9)?,
        last_error: r.get(10)?,
        due_at: r.get(11)?,
        created_at: r.get(12)?,
        updated_at: r.get(13)?,
    })
}

pub(super) fn pid_alive(pid: i64) -> bool {
    // SAFETY: kill with signal 0 only checks for the process.
    pid > 0 && unsafe { libc::kill(pid as libc::pid_t, 0) } == 0
}

impl Store {
    /// Queues a message and marks its draft queued, in one transaction.
    pub fn queue_outgoing(&mut self, m: &NewOutgoing<'_>) -> Result<i64> {
        let now_ms = chrono::Utc::now().timestamp_millis();
        let now = now_ms.div_euclid(1000);
        let due = crate::domain::compose::held_until(now_ms, m.hold);
        self.transaction(|tx| {
            tx.execute(
                "INSERT INTO outbox(message_id, draft_id, conversation_id, subject, raw, mail_from, rcpt, state, due_at, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'queued', ?9, ?8, ?8)",
                params![
                    m.message_id,
                    m.draft.map(|d| d.id.clone()),
                    m.conversation,
                    m.subject,
                    m.raw,
                    m.mail_from,
                    serde_json::to_string(m.rcpt)?,
                    now,
                    due
                ],
            )?;
            let id = tx.last_insert_rowid();
            if let Some(d) = m.draft {
                let mut d = d.clone();
                d.state = DraftState::Queued;
                d.updated_at = now;
                tx.execute(
                    "UPDATE drafts SET state = 'queued', payload = ?2, updated_at = ?3 WHERE id = ?1",
                    params![d.id, serde_json::to_string(&d)?, now],
                )?;
            }
            Ok(id)
        })
    }

    pub fn outbox(&self) -> Result<Vec<OutboxRow>> {
        let mut st = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM outbox ORDER BY id"))?;
        Ok(st.query_map([], row)?.collect::<rusqlite::Result<_>>()?)
    }

    pub fn outbox_row(&self, id: i64) -> Result<Option<OutboxRow>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM outbox WHERE id = ?1"),
                [id],
                row,
            )
            .optional()?)
    }

    /// Claims the next due message after row `after` for sending (state
    /// 'sending', our pid), committed before any byte goes to the SMTP server.
    pub fn claim_due(&mut self, now: i64, after: i64) -> Result<Option<OutboxRow>> {
        let pid = std::process::id() as i64;
        self.transaction(|tx| {
            let r = tx
                .query_row(
                    &format!(
                        "UPDATE outbox SET state = 'sending', sending_pid = ?2, attempts = attempts + 1, updated_at = ?1
                         WHERE id = (SELECT id FROM outbox WHERE state = 'queued' AND due_at <= ?1 AND id > ?3 ORDER BY id LIMIT 1)
                         RETURNING {COLUMNS}"
                    ),
                    params![now, pid, after],
                    row,
                )
                .optional()?;
            Ok(r)
        })
    }

    /// Rows left 'sending' by a process that is gone (a crash mid-send).
    pub fn interrupted_sends(&self) -> Result<Vec<OutboxRow>> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS}, sending_pid FROM outbox WHERE state = 'sending'"
        ))?;
        let rows = st.query_map([], |r| Ok((row(r)?, r.get::<_, Option<i64>>(14)?)))?;
        let mut out = Vec::new();
        for r in rows {
            let (o, pid) = r?;
            if !pid.is_some_and(pid_alive) || pid == Some(std::process::id() as i64) {
                out.push(o);
            }
        }
        Ok(out)
    }

    /// The server accepted the message: record it, and queue the copy for
    /// Sent (`sent_copy`) and the signed `sent` event, all in one transaction.
    pub fn mark_sent(
        &mut self,
        id: i64,
        sent_copy: bool,
        event: Option<(&crate::domain::events::Event, &[u8])>,
    ) -> Result<()> {
        let now = chrono::Utc::now().timestamp();
        self.transaction(|tx| {
            tx.execute(
                "UPDATE outbox SET state = 'sent', sending_pid = NULL, last_error = NULL, updated_at = ?2 WHERE id = ?1",
                params![id, now],
            )?;
            if sent_copy {
                let raw: Vec<u8> =
                    tx.query_row("SELECT raw FROM outbox WHERE id = ?1", [id], |r| r.get(0))?;
                let op = Op::AppendSent {
                    raw: String::from_utf8_lossy(&raw).into_owned(),
                };
                tx.execute(
                    "INSERT INTO pending_ops(kind, payload, created_at) VALUES ('append', ?1, ?2)",
                    params![serde_json::to_string(&op)?, now],
                )?;
            }
            if let Some((e, raw)) = event {
                super::team::record_event_tx(tx, e, raw)?;
            }
            Ok(())
        })
    }

    /// Sets a row's state with the reason (queued again after `delay` seconds
    /// for a temporary failure, or 'failed' / 'unknown' to wait for the agent).
    pub fn set_outbox_state(
        &mut self,
        id: i64,
        state: OutboxState,
        error: Option<&str>,
        delay: i64,
    ) -> Result<()> {
        let now = chrono::Utc::now().timestamp();
        self.conn.execute(
            "UPDATE outbox SET state = ?2, last_error = ?3, due_at = ?4, sending_pid = NULL, updated_at = ?5 WHERE id = ?1",
            params![id, state.as_str(), error, now + delay, now],
        )?;
        Ok(())
    }

    /// The sends on `conversation` that are not settled: queued, being sent,
    /// or of unknown delivery (a crash between the server's answer and the
    /// record). Another reply now could send the customer the same answer twice.
    pub fn unsettled_sends(&self, conversation: &str) -> Result<Vec<OutboxRow>> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM outbox WHERE conversation_id = ?1
             AND state IN ('queued', 'sending', 'unknown') ORDER BY id"
        ))?;
        Ok(st
            .query_map([conversation], row)?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Takes back a message no attempt has started on (undo send): the
    /// row goes and its draft is being edited again. False when it is too
    /// late (being sent, or sent).
    pub fn take_back(&mut self, id: i64) -> Result<Option<String>> {
        let now = chrono::Utc::now().timestamp();
        self.transaction(|tx| {
            let draft: Option<Option<String>> = tx
                .query_row(
                    "DELETE FROM outbox WHERE id = ?1 AND state = 'queued' AND attempts = 0 RETURNING draft_id",
                    [id],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(draft) = draft else {
                return Ok(None);
            };
            if let Some(d) = &draft {
                tx.execute(
                    "UPDATE drafts SET state = 'editing', updated_at = ?2,
                         payload = json_set(payload, '$.state', 'editing') WHERE id = ?1",
                    params![d, now],
                )?;
            }
            Ok(Some(draft.unwrap_or_default()))
        })
    }

    /// When the next queued message is due, if any.
    pub fn next_outbox_due(&self) -> Result<Option<i64>> {
        Ok(self.conn.query_row(
            "SELECT min(due_at) FROM outbox WHERE state = 'queued'",
            [],
            |r| r.get(0),
        )?)
    }

    /// Queues a readable copy for one of replypad's folders (a shared
    /// draft for Drafts, a team template for Templates).
    pub fn queue_copy(&mut self, op: &Op) -> Result<()> {
        self.conn.execute(
            "INSERT INTO pending_ops(kind, payload, created_at) VALUES ('append', ?1, ?2)",
            params![serde_json::to_string(op)?, chrono::Utc::now().timestamp()],
        )?;
        Ok(())
    }

    /// Drops a failed or unknown message from the outbox (the agent decided).
    pub fn forget_outgoing(&mut self, id: i64) -> Result<bool> {
        Ok(self.conn.execute(
            "DELETE FROM outbox WHERE id = ?1 AND state IN ('failed', 'unknown')",
            [id],
        )? == 1)
    }

    /// Puts a failed or unknown message back in the queue (the agent decided).
    pub fn requeue(&mut self, id: i64) -> Result<bool> {
        let now = chrono::Utc::now().timestamp();
        Ok(self.conn.execute(
            "UPDATE outbox SET state = 'queued', due_at = ?2, updated_at = ?2 WHERE id = ?1 AND state IN ('failed', 'unknown')",
            params![id, now],
        )? == 1)
    }
}
