//! Replaying the queue of local changes (`pending_ops`) on the server:
//! flag changes, team events and the readable copies of sent mail, shared
//! drafts and templates, oldest first. A refusal by the server counts
//! against the change (dropped after 10); a lost connection does not, and
//! stops the replay until the next connection. An APPEND whose answer was
//! lost is looked for before it is sent again.

use super::engine::TeamLog;
use super::imap::{Connection, ImapError, uid_set};
use crate::store::{Op, PendingOp, Store};
use anyhow::Result;

/// Pushes queued local changes, oldest first. A change the server refuses
/// is retried on later passes and dropped (with a log line) after 10 tries;
/// a connection error stops the replay, to be resumed on reconnect.
pub fn replay_pending(conn: &mut Connection, store: &mut Store, team: &TeamLog) -> Result<usize> {
    let mut done = 0;
    // The mailbox this pass selected for flag changes, and its UIDVALIDITY:
    // a run of changes in one mailbox pays for one SELECT (on a large
    // Maildir, each can cost the server a rescan of the folder).
    let mut selected: Option<(String, u32)> = None;
    for p in store.pending_ops()? {
        if !matches!(p.op, Op::Flags(_)) {
            // Looking for an earlier copy may select another folder.
            selected = None;
        }
        let result = match &p.op {
            Op::Flags(f) => {
                let validity = match &selected {
                    Some((m, v)) if *m == f.mailbox => Ok(*v),
                    _ => conn.select(&f.mailbox, None).map(|i| i.uidvalidity),
                };
                match validity {
                    Ok(v) if v != f.uidvalidity => {
                        tracing::warn!(
                            mailbox = %crate::mail::sanitize::line(&f.mailbox),
                            "UIDVALIDITY changed; dropping a queued flag change"
                        );
                        store.complete_op(p.id)?;
                        continue;
                    }
                    Ok(v) => {
                        selected = Some((f.mailbox.clone(), v));
                        conn.store_flags(&uid_set(&f.uids), f.add, &f.flags)
                    }
                    // A folder that cannot be selected (deleted meanwhile)
                    // is this change's refusal, not the whole queue's stop.
                    Err(e) => {
                        selected = None;
                        Err(e)
                    }
                }
            }
            Op::Event { raw, .. } => append_once(conn, store, &p, &team.folder, raw)?,
            Op::AppendSent { raw } => {
                let sent = team.sent(conn)?.to_string();
                append_once(conn, store, &p, &sent, raw)?
            }
            Op::AppendDraft { raw } => append_once(conn, store, &p, &team.drafts, raw)?,
            Op::AppendTemplate { raw } => append_once(conn, store, &p, &team.templates, raw)?,
            Op::Move(m) => move_messages(conn, m),
        };
        match result {
            Ok(()) => {
                store.complete_op(p.id)?;
                done += 1;
            }
            Err(e @ ImapError::Command { .. }) if p.attempts < 10 => {
                store.fail_op(p.id, &e.to_string())?;
            }
            Err(ImapError::Command { reason, .. }) => {
                tracing::error!(id = p.id, %reason, "dropping a queued change after 10 refusals");
                store.complete_op(p.id)?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(done)
}

/// Moves the messages of a queued move: by UID while the folder keeps its
/// UIDVALIDITY, else by Message-ID. Messages no longer there (a teammate
/// moved them first) are nothing to do.
fn move_messages(conn: &mut Connection, m: &crate::store::MoveOp) -> Result<(), ImapError> {
    conn.ensure_mailbox(&m.to)?;
    let info = match conn.select(&m.from, None) {
        Ok(info) => info,
        // Gone (a teammate's client may list it later than it is made:
        // look again before deciding there is nothing to move).
        Err(ImapError::Command { .. }) => {
            conn.forget_folders();
            if !conn.mailbox_exists(&m.from)? {
                return Ok(());
            }
            conn.select(&m.from, None)?
        }
        Err(e) => return Err(e),
    };
    let uids = if m.uidvalidity == info.uidvalidity && !m.uids.is_empty() {
        m.uids.clone()
    } else {
        conn.uids_of_message_ids(&m.message_ids)?
    };
    if uids.is_empty() {
        return Ok(());
    }
    conn.move_uids(&uid_set(&uids), &m.to)
}

/// APPENDs queued message `raw` to `folder`, once: when an earlier attempt
/// went out and no answer came (the connection dropped), the server may
/// have stored it, so the folder is searched for its Message-ID first and
/// a copy found there completes the operation. The outer error is the
/// cache's or the connection's; the inner one a refusal by the server.
fn append_once(
    conn: &mut Connection,
    store: &mut Store,
    p: &PendingOp,
    folder: &str,
    raw: &str,
) -> Result<Result<(), ImapError>> {
    let found = (|| {
        if p.sent_before
            && let Some(id) = crate::mail::parse::message_id_of(raw.as_bytes())
            && conn.search_message_id(folder, &id)?
        {
            return Ok(true);
        }
        conn.ensure_mailbox(folder)?;
        Ok(false)
    })();
    match found {
        Ok(true) => {
            tracing::info!(
                folder = %crate::mail::sanitize::line(folder),
                "a queued copy had reached the server before the connection dropped"
            );
            return Ok(Ok(()));
        }
        Ok(false) => {}
        Err(e) => return Ok(Err(e)),
    }
    store.mark_op_sent(p.id)?;
    Ok(conn.append(folder, raw.as_bytes(), true).map(|_| ()))
}
