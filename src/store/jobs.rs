//! What the automation reads from the cache: the job events of the log,
//! the acknowledgement switch, new conversations that may be acknowledged,
//! whether a conversation moved since a time, and the local record of
//! which process on this machine works a job (`job_runs`).

use super::Store;
use crate::domain::events::{Event, EventKind, TEAM};
use anyhow::Result;
use rusqlite::{OptionalExtension, params};

/// A new conversation an acknowledgement may answer: its first message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AckCandidate {
    pub conversation: String,
    pub from_email: String,
    pub message_id: String,
    /// Why it must not be answered, as decided when it was parsed.
    pub refusal: Option<String>,
    pub arrived: i64,
}

/// How far this machine got with a job it owns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobRun {
    pub pid: i64,
    pub phase: String,
    pub message_id: Option<String>,
}

impl Store {
    /// The automation events: those in the log in UID order (`true`), then
    /// this client's own not pushed yet.
    pub fn job_events(&self) -> Result<Vec<(bool, Event)>> {
        // The first condition is the `events_jobs` index's own: SQLite uses
        // a partial index only where the query states its condition, and
        // would otherwise read the whole log (each conversation opened).
        let mut st = self.conn.prepare_cached(
            "SELECT uid IS NOT NULL, payload FROM events
             WHERE kind IN ('job', 'job_claim', 'job_done', 'job_cancel', 'automation')
               AND kind != 'automation'
             ORDER BY uid IS NULL, uid, seq",
        )?;
        let rows = st.query_map([], |r| Ok((r.get::<_, bool>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (counted, json) = row?;
            if let Ok(e) = serde_json::from_str::<Event>(&json) {
                out.push((counted, e));
            }
        }
        Ok(out)
    }

    /// Since when acknowledgements are on, by the log (None: off): the
    /// first "on" after the last "off", so a second runner switching them
    /// on again moves nothing.
    pub fn acknowledging_since(&self) -> Result<Option<i64>> {
        let mut st = self.conn.prepare_cached(
            "SELECT payload FROM events WHERE kind = 'automation' AND conversation = ?1
             ORDER BY uid IS NULL, uid, seq",
        )?;
        let mut since = None;
        for json in st.query_map([TEAM], |r| r.get::<_, String>(0))? {
            if let Ok(e) = serde_json::from_str::<Event>(&json?)
                && let EventKind::Automation { acknowledge } = e.kind
            {
                since = match (acknowledge, since) {
                    (true, None) => Some(e.at),
                    (true, s) => s,
                    (false, _) => None,
                };
            }
        }
        Ok(since)
    }

    /// Conversations in a team inbox whose first message arrived after
    /// `since` (a mail in the switch's own second is not answered), from outside the team, that no agent has answered.
    pub fn ack_candidates(&self, since: i64) -> Result<Vec<AckCandidate>> {
        let mut st = self.conn.prepare_cached(
            "SELECT m.conversation_id, m.from_email, m.message_id, m.auto_refusal, m.internal_date
             FROM messages m JOIN conversations c ON c.id = m.conversation_id
             WHERE m.internal_date > ?1 AND c.place IS NULL AND m.from_team = 0
               AND m.id = (SELECT f.id FROM messages f WHERE f.conversation_id = m.conversation_id
                           ORDER BY f.internal_date, f.id LIMIT 1)
               AND NOT EXISTS (SELECT 1 FROM messages t WHERE t.conversation_id = m.conversation_id AND t.from_team = 1)
               AND NOT EXISTS (SELECT 1 FROM events e WHERE e.conversation = m.conversation_id AND e.kind = 'sent')
             ORDER BY m.internal_date, m.id",
        )?;
        let rows = st.query_map([since], |r| {
            Ok(AckCandidate {
                conversation: r.get(0)?,
                from_email: r.get(1)?,
                message_id: r.get(2)?,
                refusal: r.get(3)?,
                arrived: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Why a scheduled update on `conv` made at `since` must not go: the
    /// customer wrote, an agent replied, or the status changed after it.
    pub fn moved_since(&self, conv: &str, since: i64) -> Result<Option<String>> {
        let msg: Option<bool> = self
            .conn
            .query_row(
                "SELECT from_team FROM messages WHERE conversation_id = ?1 AND internal_date > ?2
                 ORDER BY from_team LIMIT 1",
                params![conv, since],
                |r| r.get(0),
            )
            .optional()?;
        match msg {
            Some(false) => return Ok(Some("the customer wrote again".into())),
            Some(true) => return Ok(Some("an agent replied".into())),
            None => {}
        }
        let kind: Option<String> = self
            .conn
            .query_row(
                "SELECT kind FROM events WHERE conversation = ?1 AND at > ?2
                   AND kind IN ('sent', 'status') ORDER BY seq LIMIT 1",
                params![conv, since],
                |r| r.get(0),
            )
            .optional()?;
        Ok(kind.map(|k| match k.as_str() {
            "sent" => "an agent replied".into(),
            _ => "the status changed".into(),
        }))
    }

    /// Whether an agent answered `conv` (a message from the team, or a
    /// reply recorded in the log).
    pub fn answered(&self, conv: &str) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM messages WHERE conversation_id = ?1 AND from_team = 1)
                 OR EXISTS (SELECT 1 FROM events WHERE conversation = ?1 AND kind = 'sent')",
            [conv],
            |r| r.get(0),
        )?)
    }

    pub fn job_run(&self, job: &str) -> Result<Option<JobRun>> {
        Ok(self
            .conn
            .query_row(
                "SELECT pid, phase, message_id FROM job_runs WHERE job = ?1",
                [job],
                |r| {
                    Ok(JobRun {
                        pid: r.get(0)?,
                        phase: r.get(1)?,
                        message_id: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    /// Takes job `job` for this process (a row held by a live process is
    /// not taken): Ok(None) when another process here works it, else the
    /// row as it was before (None phase: new).
    pub fn take_job(&mut self, job: &str) -> Result<Option<Option<JobRun>>> {
        let me = std::process::id() as i64;
        let now = chrono::Utc::now().timestamp();
        self.transaction(|tx| {
            let before: Option<JobRun> = tx
                .query_row(
                    "SELECT pid, phase, message_id FROM job_runs WHERE job = ?1",
                    [job],
                    |r| {
                        Ok(JobRun {
                            pid: r.get(0)?,
                            phase: r.get(1)?,
                            message_id: r.get(2)?,
                        })
                    },
                )
                .optional()?;
            if let Some(b) = &before
                && b.pid != me
                && super::outbox::pid_alive(b.pid)
            {
                return Ok(None);
            }
            tx.execute(
                "INSERT INTO job_runs(job, pid, phase, updated_at) VALUES (?1, ?2, 'claimed', ?3)
                 ON CONFLICT (job) DO UPDATE SET pid = ?2, updated_at = ?3",
                params![job, me, now],
            )?;
            Ok(Some(before))
        })
    }

    pub fn set_job_phase(
        &mut self,
        job: &str,
        phase: &str,
        message_id: Option<&str>,
    ) -> Result<()> {
        self.conn.execute(
            "UPDATE job_runs SET phase = ?2, message_id = coalesce(?3, message_id), updated_at = ?4 WHERE job = ?1",
            params![job, phase, message_id, chrono::Utc::now().timestamp()],
        )?;
        Ok(())
    }

    /// The outbox row of a message, by its Message-ID.
    pub fn outbox_by_message_id(&self, message_id: &str) -> Result<Option<super::OutboxRow>> {
        let id: Option<i64> = self
            .conn
            .query_row(
                "SELECT id FROM outbox WHERE message_id = ?1 ORDER BY id DESC LIMIT 1",
                [message_id],
                |r| r.get(0),
            )
            .optional()?;
        match id {
            Some(id) => self.outbox_row(id),
            None => Ok(None),
        }
    }
}

impl Store {
    /// Whether a message with this Message-ID is in a Sent folder (as
    /// far as the last sync saw).
    pub fn in_sent(&self, message_id: &str) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id
                WHERE b.role = 'sent' AND m.message_id = ?1)",
            [message_id.trim_matches(|c| c == '<' || c == '>')],
            |r| r.get(0),
        )?)
    }
}
