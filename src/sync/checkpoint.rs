//! Checkpoints of the team log on the server (`<prefix>/Checkpoints`; see
//! `domain::checkpoint`). A cache whose fold of the log ends where a
//! checkpoint of the chain begins (an empty one: at 0) catches up from the
//! checkpoints: it lays the newest snapshot in, then takes each archive in
//! order, and fetches only the log's tail message by message. Any client
//! writes the next checkpoint once the log has grown by
//! `team.checkpoint_every` events past the chain's end.
//!
//! The checkpoints have a folder of their own so a reader finds them
//! without searching the log's headers (a SEARCH HEADER over a long log
//! reads every message on a server without a header cache).

use super::engine::{Progress, TeamLog};
use super::imap::{Connection, SelectInfo};
use super::outbox::Sign;
use crate::config::Secret;
use crate::domain::checkpoint::{Archived, Base, Chain, Found, Manifest, chain};
use crate::mail::checkpoint as msg;
use crate::store::{Folded, MailboxState, Store};
use anyhow::{Context, Result};
use std::collections::HashMap;
use std::sync::mpsc;
use std::time::Instant;

const MANIFEST_ITEMS: &str =
    "BODY.PEEK[HEADER.FIELDS (X-Replypad-Auth X-Replypad-Key X-Replypad-Signature)] BODY.PEEK[1]";

/// The chain of checkpoints in `folder` for the log whose UIDVALIDITY is
/// `uidvalidity` (None: there is no such folder).
pub fn read_chain(
    conn: &mut Connection,
    folder: &str,
    key: &Secret,
    uidvalidity: u32,
) -> Result<Option<Chain>> {
    if !conn.mailbox_exists(folder)? {
        return Ok(None);
    }
    let info = conn.select(folder, None)?;
    if info.exists == 0 {
        return Ok(Some(Chain::default()));
    }
    let fetched = conn.fetch_sections("1:*", MANIFEST_ITEMS)?;
    let found: Vec<Found> = fetched
        .iter()
        .filter(|f| f.content)
        .map(|f| {
            let got = match (f.data.as_deref(), f.section("1")) {
                (Some(h), Some(first)) => msg::decode_manifest(h, first, Some(key)),
                _ => Err("no manifest part".into()),
            };
            (f.flags.uid, got)
        })
        .collect();
    let c = chain(&found, uidvalidity);
    for (uid, reason) in &c.ignored {
        let reason = crate::mail::sanitize::line(reason);
        tracing::warn!(uid, %reason, "ignoring a checkpoint of the team log");
    }
    Ok(Some(c))
}

/// Catches a cache whose fold of the log ends at `start - 1` up from the
/// checkpoints, when a link of the chain begins there; returns the log
/// UID to fetch from next (None: no checkpoint helps). The log folder is
/// no longer selected afterwards.
pub fn catch_up(
    conn: &mut Connection,
    store: &mut Store,
    (team, key): (&TeamLog, &Secret),
    log: (i64, &SelectInfo),
    start: u32,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Option<u32>> {
    let (mbox, info) = log;
    let total = info.uidnext.saturating_sub(1);
    let began = Instant::now();
    let Some(chain) = read_chain(conn, &team.checkpoints, key, info.uidvalidity)? else {
        return Ok(None);
    };
    let folded = start.saturating_sub(1);
    let links: Vec<(u32, Manifest)> = chain.from(folded).to_vec();
    store.transaction(|tx| Store::set_chain_end(tx, chain.end()))?;
    if links.is_empty() {
        return Ok(None);
    }
    // An empty cache (nothing of its own yet) folds the archives in
    // memory and lays the newest snapshot in first: the list shows the
    // team's state before the archives are taken.
    let in_memory = folded == 0 && !store.has_local_events()?;
    let mut laid = HashMap::new();
    if in_memory
        && let Some((uid, m)) = links
            .iter()
            .rev()
            .find(|(_, m)| m.snapshot_sha256.is_some())
    {
        match fetch_snapshot(conn, *uid, m) {
            Ok(bases) => {
                store.transaction(|tx| Store::lay_snapshot(tx, &bases, &m.trust))?;
                progress(Progress::TeamLog { done: 0, total });
                laid = bases
                    .into_iter()
                    .map(|b| (b.conversation, (b.state, b.status_at)))
                    .collect();
                tracing::debug!(conversations = laid.len(), took = ?began.elapsed(), "team log snapshot laid in");
            }
            Err(e) => tracing::warn!("a snapshot of the team log could not be read: {e:#}"),
        }
    }
    // Archives in order: fetched and unpacked here, taken on a thread of
    // their own, each in a transaction with the log position it reaches.
    let (to_apply, archives) = mpsc::sync_channel::<(Vec<Archived>, Manifest)>(1);
    let (reached, folded_states) = std::thread::scope(|scope| -> Result<(u32, Folded)> {
        let applier = std::thread::Builder::new()
            .name("rp-archive".into())
            .spawn_scoped(scope, || {
                apply(store, archives, (mbox, info), folded, &|done| {
                    progress(Progress::TeamLog { done, total })
                })
            })?;
        let mut fetched = Ok(());
        for (uid, m) in &links {
            match archive(conn, *uid, m) {
                Ok(entries) => {
                    if to_apply.send((entries, m.clone())).is_err() {
                        fetched = Err(super::engine::writer_stopped("checkpoint archive"));
                        break;
                    }
                }
                Err(e) => {
                    // The tail is fetched from the log from there on.
                    tracing::warn!(uid, "a checkpoint's archive could not be read: {e:#}");
                    break;
                }
            }
        }
        drop(to_apply);
        super::engine::join_writer(applier, fetched)
    })?;
    if in_memory {
        let differed = store.transaction(|tx| Store::settle_folded(tx, &folded_states, &laid))?;
        if differed > 0 && !laid.is_empty() {
            tracing::warn!(
                differed,
                "the snapshot of the team log disagrees with its archives; the archives' fold is kept"
            );
        }
    }
    tracing::debug!(links = links.len(), reached, took = ?began.elapsed(), "team log caught up from checkpoints");
    Ok((reached > folded).then_some(reached + 1))
}

/// The snapshot of checkpoint `uid` (the checkpoint folder selected).
pub fn fetch_snapshot(conn: &mut Connection, uid: u32, m: &Manifest) -> Result<Vec<Base>> {
    let f = conn.fetch_sections(&uid.to_string(), "BODY.PEEK[3]")?;
    let part = f
        .iter()
        .find_map(|f| f.section("3"))
        .context("the checkpoint has no snapshot part")?;
    let sha = m.snapshot_sha256.as_deref().unwrap_or_default();
    msg::unpack(&msg::part_bytes(part)?, sha)
}

fn archive(conn: &mut Connection, uid: u32, m: &Manifest) -> Result<Vec<Archived>> {
    let f = conn.fetch_sections(&uid.to_string(), "BODY.PEEK[2]")?;
    let part = f
        .iter()
        .find_map(|f| f.section("2"))
        .context("the checkpoint has no archive part")?;
    let entries: Vec<Archived> = msg::unpack(&msg::part_bytes(part)?, &m.archive_sha256)?;
    // Every entry within the range the signed manifest names.
    anyhow::ensure!(
        entries.iter().all(|a| a.uid() > m.from && a.uid() <= m.to),
        "an archive holds UIDs outside ({}, {}]",
        m.from,
        m.to
    );
    Ok(entries)
}

/// Takes the archives `archives` delivers; returns the last log UID
/// reached and what was folded in memory.
fn apply(
    store: &mut Store,
    archives: mpsc::Receiver<(Vec<Archived>, Manifest)>,
    (mbox, info): (i64, &SelectInfo),
    mut reached: u32,
    progress: &dyn Fn(u32),
) -> Result<(u32, Folded)> {
    let mut folded = Folded::default();
    let mut busy = std::time::Duration::ZERO;
    for (entries, m) in archives {
        let t = Instant::now();
        store.transaction(|tx| {
            Store::apply_archived(tx, &entries, &m.trust, &mut folded)?;
            let state = MailboxState {
                uidvalidity: info.uidvalidity,
                uidnext: m.to + 1,
                highestmodseq: info.highestmodseq,
            };
            Store::save_mailbox_state(tx, mbox, state)?;
            Store::set_chain_end(tx, m.to)?;
            Ok(())
        })?;
        busy += t.elapsed();
        reached = m.to;
        progress(reached);
    }
    tracing::debug!(?busy, "checkpoint archives taken");
    Ok((reached, folded))
}

/// Writes the next checkpoints when the log has grown by
/// `team.checkpoint_every` events past the chain's end: archives of at
/// most that many entries each, the last with a snapshot. Returns how
/// many were written. Call after the log was folded.
pub fn write_if_due(
    conn: &mut Connection,
    store: &mut Store,
    team: &TeamLog,
    sign: &dyn Sign,
) -> Result<usize> {
    let every = team.checkpoint_every;
    let Some(key) = team.key.as_ref().filter(|_| every > 0) else {
        return Ok(0);
    };
    let mbox = store.mailbox_id(&team.folder, crate::store::MailboxRole::Log)?;
    let Some(log) = store.mailbox_state(mbox)? else {
        return Ok(0);
    };
    let to = log.uidnext.saturating_sub(1);
    if store.log_entries_after(store.chain_end()?)? < every {
        return Ok(0);
    }
    // Another client may have written one since this cache looked.
    conn.ensure_mailbox(&team.checkpoints)?;
    let chain = read_chain(conn, &team.checkpoints, key, log.uidvalidity)?.unwrap_or_default();
    let mut from = chain.end();
    store.transaction(|tx| Store::set_chain_end(tx, from))?;
    if from >= to || store.log_entries_after(from)? < every {
        return Ok(0);
    }
    let began = Instant::now();
    let entries = store.archive(from, to)?;
    // Pieces of about `every` entries (a remainder goes with the others,
    // not into a small piece of its own).
    let n = (entries.len() / every as usize).max(1);
    let pieces: Vec<&[Archived]> = entries.chunks(entries.len().div_ceil(n)).collect();
    let mut written = 0;
    for (i, piece) in pieces.iter().enumerate() {
        let last = i + 1 == pieces.len();
        let piece_to = match piece.last() {
            Some(a) if !last => a.uid(),
            _ => to,
        };
        let (archive, archive_sha256) = msg::pack(piece)?;
        let snapshot = if last {
            Some(msg::pack(&store.bases_at(to)?)?)
        } else {
            None
        };
        let Some((agent, _)) = sign.prove(b"") else {
            return Ok(written);
        };
        let manifest = Manifest {
            agent,
            at: chrono::Utc::now().timestamp(),
            log_uidvalidity: log.uidvalidity,
            from,
            to: piece_to,
            entries: piece.len() as u32,
            archive_sha256,
            trust: store.trust_at(piece_to)?,
            snapshot_sha256: snapshot.as_ref().map(|(_, sha)| sha.clone()),
        };
        let json = serde_json::to_vec(&manifest)?;
        let Some((_, proof)) = sign.prove(&json) else {
            return Ok(written);
        };
        let raw = msg::encode(
            &manifest,
            &json,
            &proof,
            &archive,
            snapshot.as_ref().map(|(s, _)| s.as_slice()),
            &team.address,
        );
        conn.append(&team.checkpoints, &raw, true)?;
        from = piece_to;
        written += 1;
    }
    store.transaction(|tx| Store::set_chain_end(tx, to))?;
    tracing::info!(written, to, took = ?began.elapsed(), "team log checkpoint written");
    Ok(written)
}
