//! Background body fetch: the bodies of messages whose headers are cached,
//! newest first, parsed on this thread while a writer thread commits the
//! previous batch.
//!
//! A message up to [`PARTIAL_MIN`] bytes is fetched as its MIME header
//! fields and its body text. A larger one is fetched without its
//! attachments when its structure allows (see `imap::structure`): every
//! part's MIME header and the text parts only. The attachments stay on the
//! server until an agent saves one.

use super::engine::{Progress, SyncContext, join_writer, select_cached, writer_stopped};
use super::imap::structure::Plan;
use super::imap::{Batching, Connection, Fetched, uid_set};
use crate::domain::BodyState;
use crate::mail::parse::parse_body;
use crate::mail::{ParsedMessage, parse_message};
use crate::store::{AUTO_BODY_MAX, Store};
use anyhow::{Context, Result};
use std::collections::{BTreeMap, HashMap};
use std::sync::mpsc;
use std::time::Instant;

/// Bodies handed to the writer at a time: 200, or 2 MB, whichever first.
const BATCHING: Batching = Batching {
    count: 200,
    bytes: 2 << 20,
};
/// Bodies per transaction at most (more while the fetcher is ahead).
const BODY_TX_MESSAGES: usize = 1000;
/// Messages larger than this are fetched without their attachments.
pub const PARTIAL_MIN: u64 = 32 << 10;

type Parsed = Vec<(u32, ParsedMessage)>;

/// Fetches missing bodies, newest first, up to `limit` messages (or all).
pub fn fetch_bodies(
    conn: &mut Connection,
    store: &mut Store,
    limit: usize,
    ctx: &SyncContext<'_>,
) -> Result<usize> {
    // What to fetch of a body depends on its size.
    super::sizes::fill_sizes(conn, store)?;
    let missing = store.missing_bodies(AUTO_BODY_MAX, limit)?;
    let total = missing.len();
    let mut done = 0;
    let mut by_mailbox: Vec<(i64, Vec<(u32, u64)>)> = Vec::new();
    for (mbox, uid, size) in missing {
        match by_mailbox.iter_mut().find(|(m, _)| *m == mbox) {
            Some((_, v)) => v.push((uid, size)),
            None => by_mailbox.push((mbox, vec![(uid, size)])),
        }
    }
    for (mbox, uids) in by_mailbox {
        let name = store.mailbox_name(mbox)?;
        if !select_cached(conn, store, mbox, &name)? {
            continue;
        }
        // Newest first: a small first group, so the newest mail is readable
        // soon, then larger ones (each fetched in ascending UID order).
        let mut groups: Vec<(Vec<u32>, Vec<u32>)> = Vec::new();
        let mut rest = &uids[..];
        while !rest.is_empty() {
            let n = rest.len().min(if groups.is_empty() { 500 } else { 5000 });
            let (mut small, mut large): (Vec<u32>, Vec<u32>) = (Vec::new(), Vec::new());
            for &(uid, size) in &rest[..n] {
                if size > PARTIAL_MIN {
                    large.push(uid);
                } else {
                    small.push(uid);
                }
            }
            small.sort_unstable();
            large.sort_unstable();
            groups.push((small, large));
            rest = &rest[n..];
        }
        // Fetch and parse here while the previous chunk is written on another
        // thread. Up to 4 chunks wait, so a transaction can gather up to
        // BODY_TX_MESSAGES: each commit leaves a full-text index segment to
        // merge, and fewer, larger ones cost the writer less (at 50,000:
        // 2.5-2.7 s of writer CPU against 2.9-3.0 s with one chunk waiting).
        let (tx_parsed, rx_parsed) = mpsc::sync_channel::<Parsed>(4);
        let writing = &mut *store;
        let written = std::thread::scope(|scope| -> Result<usize> {
            let writer = std::thread::Builder::new().name("rp-bodies".into()).spawn_scoped(scope, move || -> Result<usize> {
                let store = writing;
                let mut n = 0;
                store.bulk(total >= super::headers::BULK_MESSAGES, |store| {
                    // Several chunks to a transaction while the fetcher is ahead.
                    while let Ok(mut parsed) = rx_parsed.recv() {
                        while parsed.len() < BODY_TX_MESSAGES {
                            match rx_parsed.try_recv() {
                                Ok(more) => parsed.extend(more),
                                Err(_) => break,
                            }
                        }
                        // In UID order, which is rowid order: the full-text
                        // index flushes its pending terms whenever a rowid
                        // goes backwards.
                        parsed.sort_unstable_by_key(|(uid, _)| *uid);
                        n += write_bodies(store, mbox, &parsed)?;
                        (ctx.progress)(Progress::Bodies {
                            done: done + n,
                            total,
                        });
                    }
                    Ok(())
                })?;
                tracing::debug!(written = n, writer_cpu = ?super::thread_cpu(), "body writer done");
                Ok(n)
            })?;
            let (cpu0, began) = (super::thread_cpu(), Instant::now());
            let mut send = |p: Parsed| {
                tx_parsed
                    .send(p)
                    .map_err(|_| writer_stopped("UID FETCH bodies"))
            };
            let mut fetched = Ok(());
            for (small, large) in &groups {
                fetched = fetch_small(conn, small, &mut send)
                    .and_then(|()| fetch_large(conn, large, &mut send));
                if fetched.is_err() {
                    break;
                }
            }
            drop(tx_parsed);
            tracing::debug!(fetch_cpu = ?(super::thread_cpu() - cpu0), total = ?began.elapsed(), "body fetch done");
            join_writer(writer, fetched)
        })?;
        done += written;
    }
    Ok(done)
}

type Send<'a> = dyn FnMut(Parsed) -> Result<(), super::imap::ImapError> + 'a;

/// MIME header fields and body text of `uids`, parsed as they stream in
/// (the server keeps sending meanwhile).
fn fetch_small(
    conn: &mut Connection,
    uids: &[u32],
    send: &mut Send<'_>,
) -> Result<(), super::imap::ImapError> {
    for command in super::headers::commands(uids) {
        conn.fetch_bodies_each(&uid_set(command), BATCHING, &mut |f, _| {
            send(parse_bodies(&f))
        })?;
    }
    Ok(())
}

/// Large messages: their structure first, then the text parts and MIME
/// headers of those whose structure allows, grouped by the sections they
/// need; the others (and any whose rebuilt copy does not parse alike) as
/// small ones.
fn fetch_large(
    conn: &mut Connection,
    uids: &[u32],
    send: &mut Send<'_>,
) -> Result<(), super::imap::ImapError> {
    if uids.is_empty() {
        return Ok(());
    }
    let mut whole = Vec::new();
    let mut by_items: Vec<(String, Vec<u32>)> = Vec::new();
    let mut plans = HashMap::new();
    for command in super::headers::commands(uids) {
        for f in conn.fetch_structures(&uid_set(command))? {
            let uid = f.flags.uid;
            match f.plan {
                Some(plan) => {
                    let items = plan.items();
                    match by_items.iter_mut().find(|(i, _)| *i == items) {
                        Some((_, v)) => v.push(uid),
                        None => by_items.push((items, vec![uid])),
                    }
                    plans.insert(uid, plan);
                }
                None => whole.push(uid),
            }
        }
    }
    for (items, group) in &by_items {
        for command in super::headers::commands(group) {
            conn.fetch_parts_each(&uid_set(command), items, BATCHING, &mut |f, _| {
                let mut parsed = Vec::with_capacity(f.len());
                for f in &f {
                    match plans
                        .get(&f.flags.uid)
                        .and_then(|plan| without_attachments(plan, f))
                    {
                        Some(p) => parsed.push((f.flags.uid, p)),
                        None => whole.push(f.flags.uid),
                    }
                }
                send(parsed)
            })?;
        }
    }
    whole.sort_unstable();
    if !whole.is_empty() {
        tracing::debug!(count = whole.len(), "large messages fetched whole");
    }
    fetch_small(conn, &whole, send)
}

/// A large message parsed from its rebuilt copy, with the sizes of the
/// attachments left out; None when it has to be fetched whole.
fn without_attachments(plan: &Plan, f: &Fetched) -> Option<ParsedMessage> {
    let body = plan.body(&|k| f.section(k))?;
    let mut p = parse_body(f.data.as_deref()?, &body);
    if p.body_state != BodyState::Full {
        return None;
    }
    // Each part left out is an attachment the parser saw empty.
    let sizes = plan.left_out();
    let mut empty = p.attachments.iter_mut().filter(|a| a.size == 0);
    for size in &sizes {
        empty.next()?.size = *size;
    }
    empty.next().is_none().then_some(p)
}

fn parse_bodies(fetched: &[Fetched]) -> Parsed {
    fetched
        .iter()
        .map(|f| {
            let data = f.data.as_deref().unwrap_or(b"");
            let parsed = match &f.text {
                // MIME header fields and body (the background fetch).
                Some(text) => parse_body(data, text),
                None => parse_message(data, f.internal_date),
            };
            (f.flags.uid, parsed)
        })
        .collect()
}

/// Parses fetched bodies and stores them (one transaction).
pub fn store_bodies(store: &mut Store, mbox: i64, fetched: &[Fetched]) -> Result<usize> {
    write_bodies(store, mbox, &parse_bodies(fetched))
}

fn write_bodies(store: &mut Store, mbox: i64, parsed: &[(u32, ParsedMessage)]) -> Result<usize> {
    store
        .transaction(|tx| {
            let mut t = BTreeMap::new();
            for (uid, p) in parsed {
                if p.body_state == BodyState::Unparseable {
                    tracing::warn!(uid, "message kept as unparseable");
                }
                if let Some(conv) = Store::set_body(tx, mbox, *uid, p)? {
                    *t.entry(conv).or_insert(false) |= !p.attachments.is_empty();
                }
            }
            Store::refresh_after_bodies(tx, &t)?;
            Ok(parsed.len())
        })
        .context("cannot store fetched bodies")
}
