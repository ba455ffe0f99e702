//! The team log on the server: `<prefix>/Log` (with the server's delimiter).
//! Events are appended by the pending-operation replay; here the log is
//! fetched incrementally (UIDs above the last one seen; everything again
//! after a UIDVALIDITY change), authenticated, and folded into the cache.

use super::imap::{Connection, Fetched, uid_set};
use crate::config::{Config, Secret};
use crate::domain::roster::Signed;
use crate::mail::team_event;
use crate::store::{MailboxRole, MailboxState, Store};
use anyhow::{Context, Result};
use std::collections::BTreeSet;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The log folder's name on this server.
pub fn log_folder(conn: &mut Connection, cfg: &Config) -> Result<String> {
    Ok(conn.folder(&[&cfg.folders.prefix, "Log"])?)
}

/// Fetches new log events and folds them. Returns the conversations touched.
pub fn sync_log(
    conn: &mut Connection,
    store: &mut Store,
    team: &super::engine::TeamLog,
    key: &Secret,
    progress: &(dyn Fn(super::engine::Progress) + Sync),
) -> Result<BTreeSet<String>> {
    let folder = team.folder.as_str();
    conn.ensure_mailbox(folder).with_context(|| {
        format!("cannot create the team log folder {folder} (does the server allow CREATE?)")
    })?;
    let mbox = store.mailbox_id(folder, MailboxRole::Log)?;
    let mut known = store.mailbox_state(mbox)?;
    let info = conn.select(folder, None)?;
    if known.is_some_and(|k| k.uidvalidity != info.uidvalidity) {
        tracing::warn!("the team log's UIDVALIDITY changed; refetching it");
        store.transaction(Store::reset_log)?;
        known = None;
    }
    let mut start = known.map(|k| k.uidnext).unwrap_or(1);
    let mut touched = BTreeSet::new();
    // An empty cache, or one far behind, catches up from the checkpoints.
    let every = team.checkpoint_every;
    if every > 0 && info.exists > 0 && (start == 1 || info.uidnext.saturating_sub(start) >= every) {
        let caught =
            super::checkpoint::catch_up(conn, store, (team, key), (mbox, &info), start, progress);
        match caught {
            Ok(Some(next)) => start = next,
            Ok(None) => {}
            // The log itself still has every event.
            Err(e) => tracing::warn!("team log checkpoints: {e:#}"),
        }
        conn.ensure_selected(folder)?;
    }
    if info.uidnext > start && info.exists > 0 {
        let uids = conn.uids_from(start)?;
        // Fetching on this thread, checking and folding on another: a long
        // log's fetch overlaps its signature checks.
        let (to_fold, chunks) = mpsc::sync_channel::<(Vec<Fetched>, u32)>(2);
        let began = Instant::now();
        let folded = std::thread::scope(|scope| -> Result<BTreeSet<String>> {
            let folder = std::thread::Builder::new()
                .name("rp-log".into())
                .spawn_scoped(scope, || fold_chunks(store, chunks, key, mbox, &info))?;
            let mut fetched = Ok(());
            for chunk in uids.chunks(CHUNK) {
                let max = chunk.iter().max().copied().unwrap_or(start);
                fetched = conn.fetch_bodies(&uid_set(chunk)).and_then(|f| {
                    to_fold
                        .send((f, max))
                        .map_err(|_| super::engine::writer_stopped("UID FETCH log"))
                });
                if fetched.is_err() {
                    break;
                }
            }
            drop(to_fold);
            super::engine::join_writer(folder, fetched)
        })?;
        touched.extend(folded);
        tracing::debug!(events = uids.len(), fetched_and_folded = ?began.elapsed(), "team log fetched");
    } else if known.is_none() {
        super::engine::save_selected_state(store, mbox, &info)?;
    }
    // Each conversation a fold touched, once (and what a fold killed
    // before its end left queued).
    touched.extend(store.refold_pending()?);
    Ok(touched)
}

/// Checks and folds the chunks `chunks` delivers, each in a transaction
/// with the UIDNEXT it reaches; returns the conversations touched.
fn fold_chunks(
    store: &mut Store,
    chunks: mpsc::Receiver<(Vec<Fetched>, u32)>,
    key: &Secret,
    mbox: i64,
    info: &super::imap::SelectInfo,
) -> Result<BTreeSet<String>> {
    use mpsc::RecvTimeoutError::{Disconnected, Timeout};
    let mut touched = BTreeSet::new();
    let (mut decoding, mut folding) = (Duration::ZERO, Duration::ZERO);
    // Checked events wait for their transaction: one per TX_EVENTS (or
    // TX_TIME), not one per chunk. Each commit rewrites every index page
    // it touched, and the events' indexes are touched all over: with a
    // commit per chunk, a long log's fold grew faster than the log.
    let mut pending: Vec<(u32, Result<Signed, String>)> = Vec::new();
    let (mut reach, mut since) = (0, None::<Instant>);
    loop {
        let next = match since {
            Some(t0) => chunks.recv_timeout(TX_TIME.saturating_sub(t0.elapsed())),
            None => chunks.recv().map_err(|_| Disconnected),
        };
        let done = match next {
            Ok((fetched, max)) => {
                let t = Instant::now();
                let mut events = decode_all(&fetched, key);
                drop(fetched);
                events.sort_by_key(|(u, _)| *u);
                decoding += t.elapsed();
                pending.extend(events);
                reach = max;
                let t0 = *since.get_or_insert_with(Instant::now);
                if pending.len() < TX_EVENTS && t0.elapsed() < TX_TIME {
                    continue;
                }
                false
            }
            Err(Timeout) => false,
            Err(Disconnected) => true,
        };
        if !pending.is_empty() {
            let t = Instant::now();
            touched.extend(store.transaction(|tx| {
                let t = Store::apply_log_chunk(tx, &pending)?;
                let state = MailboxState {
                    uidvalidity: info.uidvalidity,
                    uidnext: reach + 1,
                    highestmodseq: info.highestmodseq,
                };
                Store::save_mailbox_state(tx, mbox, state)?;
                Ok(t)
            })?);
            folding += t.elapsed();
            pending.clear();
        }
        since = None;
        if done {
            break;
        }
    }
    tracing::debug!(?decoding, ?folding, "team log chunks folded");
    Ok(touched)
}

/// Log messages per FETCH.
const CHUNK: usize = 2000;
/// Checked events per transaction at most ...
const TX_EVENTS: usize = 20_000;
/// ... and how long a transaction waits for more of them.
const TX_TIME: Duration = Duration::from_secs(1);

/// Decodes (authenticates and checks the signature of) each fetched log
/// message, on every core: the signature check is most of a long log's
/// fold. In the order given.
fn decode_all(fetched: &[Fetched], key: &Secret) -> Vec<(u32, Result<Signed, String>)> {
    let one = |f: &Fetched| {
        let raw = f.data.as_deref().unwrap_or(b"");
        let e = team_event::decode(raw, Some(key)).map_err(|e| e.to_string());
        (f.flags.uid, e)
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    if threads < 2 || fetched.len() < 64 {
        return fetched.iter().map(one).collect();
    }
    std::thread::scope(|s| {
        let parts: Vec<_> = fetched
            .chunks(fetched.len().div_ceil(threads))
            .map(|part| s.spawn(move || part.iter().map(one).collect::<Vec<_>>()))
            .collect();
        // A panic in a decoder is one in this thread, as before.
        parts
            .into_iter()
            .flat_map(|p| p.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// The IMAP keyword that mirrors a label (atom-safe, namespaced).
pub fn label_keyword(label: &str) -> String {
    let safe: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("replypad-{safe}")
}

/// The IMAP keyword that mirrors a status (none for open).
pub fn status_keyword(status: crate::domain::Status) -> Option<String> {
    (status != crate::domain::Status::Open).then(|| format!("replypad-status-{status}"))
}

/// Mirrors labels and status of `convs` as keywords on their customer
/// messages, where the server allows custom keywords, so other mail clients
/// see them. The log stays the truth; this is a best-effort copy.
pub fn mirror_keywords(
    conn: &mut Connection,
    store: &Store,
    convs: &BTreeSet<String>,
) -> Result<usize> {
    let mut stored = 0;
    for conv in convs.iter().filter(|c| *c != crate::domain::events::TEAM) {
        let (status, labels) = store.team_summary(conv)?;
        let mut want: BTreeSet<String> = labels.iter().map(|l| label_keyword(l)).collect();
        want.extend(status_keyword(status));
        for (folder, uids) in store.inbox_uids(conv)? {
            if !conn.select(&folder, None)?.keywords_allowed {
                continue;
            }
            for f in conn.fetch_flags(&uid_set(&uids), None)? {
                let have: BTreeSet<String> = f
                    .keywords
                    .iter()
                    .filter(|k| k.starts_with("replypad-"))
                    .cloned()
                    .collect();
                let add: Vec<&String> = want.difference(&have).collect();
                let remove: Vec<&String> = have.difference(&want).collect();
                let uid = f.uid.to_string();
                if !add.is_empty() {
                    conn.store_flags(
                        &uid,
                        true,
                        &add.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "),
                    )?;
                    stored += 1;
                }
                if !remove.is_empty() {
                    conn.store_flags(
                        &uid,
                        false,
                        &remove
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(" "),
                    )?;
                    stored += 1;
                }
            }
        }
    }
    Ok(stored)
}
