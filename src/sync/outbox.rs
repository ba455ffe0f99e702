//! Works the outbox: claims due messages, sends them over SMTP (or into the
//! demo's file outbox), records the result, and resolves sends a crash
//! interrupted (see `store::outbox`). Retries 4xx and network errors with
//! backoff; a 5xx or a configuration problem waits for the agent.

use super::imap::Connection;
use super::smtp::{self, SendError};
use crate::config::Config;
use crate::domain::events::{Event, EventKind};
use crate::store::{MailboxRole, OutboxRow, OutboxState, Store};
use anyhow::Result;
use std::path::Path;

/// Makes and signs team events for the acting agent. Implemented by the
/// desk (`crate::desk::Signer`), which owns identity and team key: the sync
/// layer records a `sent` event without building or signing it itself.
pub trait Sign: Send + Sync {
    /// The signed event, or None when team state is off (no team key).
    fn sign(&self, conversation: &str, kind: EventKind) -> Option<(Event, Vec<u8>)>;

    /// The agent, and the header lines that prove they wrote `body` (a
    /// checkpoint's manifest). None when team state is off.
    fn prove(&self, _body: &[u8]) -> Option<(String, String)> {
        None
    }
}

/// Where sent mail goes.
pub enum Transport<'a> {
    Smtp,
    /// The demo: .eml files in a directory.
    Files(&'a Path),
}

/// A message that did not go (data; the front ends word it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A temporary failure: tried again after `retry_in` seconds.
    Deferred {
        id: i64,
        retry_in: i64,
        reason: String,
    },
    /// Refused for good, or a configuration problem: waits for the agent.
    Failed { id: i64, reason: String },
}

/// What one flush did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FlushReport {
    pub sent: usize,
    pub problems: Vec<Problem>,
}

/// A send a crash interrupted, as resolved at the next start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovered {
    /// Found in Sent: it went out, and is now recorded as sent.
    WentOut { id: i64 },
    /// Not found (or no connection to look): marked unknown for the agent.
    Unknown { id: i64 },
}

/// Seconds to wait before try `attempts` + 1: 30 s doubling to an hour.
pub fn retry_delay(attempts: u32) -> i64 {
    (30i64 << attempts.clamp(1, 8).saturating_sub(1)).min(3600)
}

fn sent_event(sign: &dyn Sign, row: &OutboxRow) -> Option<(Event, Vec<u8>)> {
    let conversation = row.conversation.clone().unwrap_or_else(|| {
        let id = crate::domain::thread::normalize_message_id(&row.message_id)
            .unwrap_or_else(|| row.message_id.clone());
        crate::domain::thread::conversation_id(&id)
    });
    sign.sign(
        &conversation,
        EventKind::Sent {
            draft: row.draft_id.clone(),
            message_id: row.message_id.clone(),
            subject: row.subject.clone(),
        },
    )
}

fn record_sent(store: &mut Store, sign: &dyn Sign, row: &OutboxRow, copy: bool) -> Result<()> {
    match sent_event(sign, row) {
        Some((event, raw)) => store.mark_sent(row.id, copy, Some((&event, &raw))),
        None => store.mark_sent(row.id, copy, None),
    }
}

/// Sends what is due by `now` (`i64::MAX`: everything queued, the agent asked).
pub fn flush(
    store: &mut Store,
    cfg: &Config,
    sign: &dyn Sign,
    transport: Transport<'_>,
    now: i64,
) -> Result<FlushReport> {
    let mut report = FlushReport::default();
    let mut auth: Option<Option<smtp::Auth>> = None;
    // Each row at most once per flush (a retry is due later, not now).
    let mut after = 0;
    while let Some(row) = store.claim_due(now, after)? {
        after = row.id;
        let result = match (&transport, &cfg.smtp) {
            (Transport::Files(dir), _) => write_file(dir, &row).inspect(|_| {
                // As its Sent copy would be synced back: the reply shows in
                // its conversation.
                let now = chrono::Utc::now().timestamp();
                if let Err(e) = store.file_local("Sent", MailboxRole::Sent, &row.raw, now, true) {
                    tracing::warn!("the written message is not in the conversation: {e:#}");
                }
            }),
            (Transport::Smtp, None) => Err(SendError::NeedsFix(
                "no [smtp] section in the config: nothing can be sent".into(),
            )),
            (Transport::Smtp, Some(s)) => {
                if auth.is_none() {
                    match smtp::credentials(s) {
                        Ok(a) => auth = Some(a),
                        Err(e) => {
                            fail(store, &row, &e, &mut report)?;
                            continue;
                        }
                    }
                }
                smtp::send(
                    s,
                    auth.as_ref().and_then(Option::as_ref),
                    &row.mail_from,
                    &row.rcpt,
                    &row.raw,
                )
            }
        };
        match result {
            Ok(reply) => {
                tracing::info!(id = row.id, %reply, "sent");
                crate::fault::crash_point("after-smtp-accept");
                let copy = matches!(transport, Transport::Smtp)
                    && !cfg.smtp.as_ref().is_some_and(|s| s.provider_saves_sent);
                record_sent(store, sign, &row, copy)?;
                report.sent += 1;
            }
            Err(e) => fail(store, &row, &e, &mut report)?,
        }
    }
    Ok(report)
}

fn fail(store: &mut Store, row: &OutboxRow, e: &SendError, report: &mut FlushReport) -> Result<()> {
    tracing::warn!(id = row.id, "send failed: {e}");
    match e {
        SendError::Transient(t) => {
            let delay = retry_delay(row.attempts);
            store.set_outbox_state(row.id, OutboxState::Queued, Some(t), delay)?;
            report.problems.push(Problem::Deferred {
                id: row.id,
                retry_in: delay,
                reason: t.clone(),
            });
        }
        SendError::Permanent(t) | SendError::NeedsFix(t) => {
            store.set_outbox_state(row.id, OutboxState::Failed, Some(t), 0)?;
            report.problems.push(Problem::Failed {
                id: row.id,
                reason: t.clone(),
            });
        }
    }
    Ok(())
}

fn write_file(dir: &Path, row: &OutboxRow) -> Result<String, SendError> {
    use std::io::Write;
    let path = dir.join(format!("{:04}.eml", row.id));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode_private()
        .open(&path)
        .map_err(|e| SendError::NeedsFix(format!("cannot write {}: {e}", path.display())))?;
    f.write_all(&row.raw)
        .map_err(|e| SendError::Transient(format!("cannot write {}: {e}", path.display())))?;
    Ok(format!("written to {}", path.display()))
}

trait PrivateOpen {
    fn mode_private(&mut self) -> &mut Self;
}

impl PrivateOpen for std::fs::OpenOptions {
    fn mode_private(&mut self) -> &mut Self {
        use std::os::unix::fs::OpenOptionsExt;
        self.mode(0o600)
    }
}

/// Why an interrupted send is marked unknown (kept as its last error).
pub const INTERRUPTED: &str =
    "interrupted while sending: the server may or may not have accepted it";

/// Resolves sends a crash interrupted: found in Sent means it went out;
/// otherwise the agent is asked (never resent silently). With no
/// connection (offline, or the demo), they are marked unknown at once.
/// The Sent folder is looked for (a LIST) only when a send was
/// interrupted: a LIST before a pass costs a large inbox's first access.
pub fn recover(
    store: &mut Store,
    sign: &dyn Sign,
    conn: Option<(&mut Connection, &super::engine::TeamLog)>,
) -> Result<Vec<Recovered>> {
    let rows = store.interrupted_sends()?;
    let mut out = Vec::new();
    let mut conn = conn;
    for row in rows {
        let found = match conn.as_mut() {
            Some((c, team)) => {
                let sent = team.sent(c)?.to_string();
                c.search_message_id(&sent, &row.message_id)
                    .unwrap_or_else(|e| {
                        tracing::warn!("cannot search Sent: {e}");
                        false
                    })
            }
            None => false,
        };
        if found {
            record_sent(store, sign, &row, false)?;
            out.push(Recovered::WentOut { id: row.id });
        } else {
            store.set_outbox_state(row.id, OutboxState::Unknown, Some(INTERRUPTED), 0)?;
            out.push(Recovered::Unknown { id: row.id });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn retry_delays_grow_and_cap() {
        assert_eq!(super::retry_delay(1), 30);
        assert_eq!(super::retry_delay(2), 60);
        assert_eq!(super::retry_delay(30), 3600);
    }
}
