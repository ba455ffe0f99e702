//! Works the outbox: claims due messages, sends them over SMTP (or into the
//! demo's file outbox), records the result, and resolves sends a crash
//! interrupted (see `store::outbox`). Retries 4xx and network errors with
//! backoff; a 5xx or a configuration problem waits for the agent.

use super::imap::Connection;
use super::smtp::{self, SendError};
use crate::config::{Config, Secret};
use crate::domain::events::{Event, EventKind, new_event_id};
use crate::mail::team_event;
use crate::store::{OutboxRow, Store};
use anyhow::Result;
use std::path::Path;

/// Where sent mail goes.
pub enum Transport<'a> {
    Smtp,
    /// The demo: .eml files in a directory.
    Files(&'a Path),
}

/// What one flush did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FlushReport {
    pub sent: usize,
    pub deferred: usize,
    pub failed: usize,
    /// One line per message that did not go, for the agent.
    pub problems: Vec<String>,
}

/// Seconds to wait before try `attempts` + 1: 30 s doubling to an hour.
pub fn retry_delay(attempts: u32) -> i64 {
    (30i64 << attempts.clamp(1, 8).saturating_sub(1)).min(3600)
}

fn sent_event(cfg: &Config, row: &OutboxRow) -> Event {
    let conversation = row.conversation.clone().unwrap_or_else(|| {
        let id = crate::domain::thread::normalize_message_id(&row.message_id)
            .unwrap_or_else(|| row.message_id.clone());
        crate::domain::thread::conversation_id(&id)
    });
    Event {
        id: new_event_id(),
        conversation,
        agent: cfg.identity.email.clone(),
        at: chrono::Utc::now().timestamp(),
        kind: EventKind::Sent {
            draft: row.draft_id.clone(),
            message_id: row.message_id.clone(),
            subject: row.subject.clone(),
        },
    }
}

fn record_sent(
    store: &mut Store,
    cfg: &Config,
    key: Option<&Secret>,
    row: &OutboxRow,
    copy: bool,
) -> Result<()> {
    let event = sent_event(cfg, row);
    match key {
        Some(k) => {
            let raw = team_event::encode(&event, k, &cfg.team.address);
            store.mark_sent(row.id, copy, Some((&event, &raw)))
        }
        None => store.mark_sent(row.id, copy, None),
    }
}

/// Sends what is due by `now` (`i64::MAX`: everything queued, the agent asked).
pub fn flush(
    store: &mut Store,
    cfg: &Config,
    key: Option<&Secret>,
    transport: Transport<'_>,
    now: i64,
) -> Result<FlushReport> {
    let mut report = FlushReport::default();
    let mut password: Option<Option<Secret>> = None;
    // Each row at most once per flush (a retry is due later, not now).
    let mut after = 0;
    while let Some(row) = store.claim_due(now, after)? {
        after = row.id;
        let result = match (&transport, &cfg.smtp) {
            (Transport::Files(dir), _) => write_file(dir, &row),
            (Transport::Smtp, None) => Err(SendError::NeedsFix(
                "no [smtp] section in the config: replypad cannot send".into(),
            )),
            (Transport::Smtp, Some(s)) => {
                if password.is_none() {
                    match smtp::password(s) {
                        Ok(p) => password = Some(p),
                        Err(e) => {
                            fail(store, &row, &e, &mut report)?;
                            continue;
                        }
                    }
                }
                smtp::send(
                    s,
                    password.clone().flatten(),
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
                record_sent(store, cfg, key, &row, copy)?;
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
            store.set_outbox_state(row.id, "queued", Some(t), delay)?;
            report.deferred += 1;
            report.problems.push(format!(
                "#{} waits in the outbox (retry in {delay}s): {t}",
                row.id
            ));
        }
        SendError::Permanent(t) | SendError::NeedsFix(t) => {
            store.set_outbox_state(row.id, "failed", Some(t), 0)?;
            report.failed += 1;
            report.problems.push(format!(
                "#{} not sent: {t} (fix it, then `replypad outbox retry {}`)",
                row.id, row.id
            ));
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

/// Resolves sends a crash interrupted: found in Sent means it went out;
/// otherwise the agent is asked (never resent silently). With no
/// connection (offline, or the demo), they are marked unknown at once.
pub fn recover(
    store: &mut Store,
    cfg: &Config,
    key: Option<&Secret>,
    conn: Option<(&mut Connection, &str)>,
) -> Result<Vec<String>> {
    let rows = store.interrupted_sends()?;
    let mut out = Vec::new();
    let mut conn = conn;
    for row in rows {
        let found = match conn.as_mut() {
            Some((c, sent)) => c
                .search_message_id(sent, &row.message_id)
                .unwrap_or_else(|e| {
                    tracing::warn!("cannot search Sent: {e}");
                    false
                }),
            None => false,
        };
        if found {
            record_sent(store, cfg, key, &row, false)?;
            out.push(format!(
                "#{} was interrupted while sending; it is in Sent, so it went out",
                row.id
            ));
        } else {
            let why = "replypad stopped while sending this message: the server may or may not have \
                       accepted it. Check with the recipient or the server log, then \
                       `replypad outbox retry N` to send it (again) or `replypad outbox forget N`";
            store.set_outbox_state(row.id, "unknown", Some(why), 0)?;
            out.push(format!("#{} delivery unknown: {why}", row.id));
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
