//! The cache writer of a header sync: takes parsed chunks from the
//! fetching thread and files them, several chunks to a transaction while
//! the fetcher is ahead (each commit costs: fewer, larger ones are faster),
//! one chunk at a time when it is not (so the thread list fills as it comes).

use super::engine::{Progress, SyncContext};
use super::imap::Fetched;
use crate::mail::ParsedMessage;
use crate::store::{Filer, MailboxState, NewMessage, Store};
use anyhow::Result;
use std::collections::BTreeSet;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

/// Messages per transaction at most.
const TX_MESSAGES: usize = 5000;
/// From this many messages on, a sync writes in bulk mode ([`Store::bulk`]).
pub const BULK_MESSAGES: usize = 1000;

pub type Chunk = Vec<(Fetched, ParsedMessage)>;

/// The mailbox being written and what SELECT said of it.
pub struct Target<'a> {
    pub mailbox_id: i64,
    pub name: &'a str,
    pub total: usize,
    pub uidvalidity: u32,
    pub uidnext: u32,
    pub modseq: Option<u64>,
    /// The HIGHESTMODSEQ the cache had before this sync.
    pub known_modseq: Option<u64>,
    /// Everything here is the team's (the Sent folder).
    pub from_team_box: bool,
    /// The team address, lower case.
    pub team: &'a str,
    pub began: Instant,
}

/// Writes every chunk `rx` delivers; returns how many messages were
/// written and the conversations they touched.
pub fn write(
    store: &mut Store,
    rx: Receiver<Chunk>,
    t: &Target<'_>,
    ctx: &SyncContext<'_>,
) -> Result<(usize, BTreeSet<String>)> {
    let mut written = 0;
    let mut touched = BTreeSet::new();
    let mut busy = Duration::ZERO;
    let mut filer = Filer::new();
    // A first sync writes in bulk; a few new messages do not.
    store.bulk(t.total >= BULK_MESSAGES, |store| {
        while let Ok(first) = rx.recv() {
            let t0 = Instant::now();
            let mut max_uid = 0;
            let mut in_tx = 0;
            let tt = store.transaction(|tx| {
                filer.begin(tx)?;
                let mut chunks = vec![first];
                in_tx += chunks[0].len();
                while in_tx < TX_MESSAGES
                    && let Ok(c) = rx.try_recv()
                {
                    in_tx += c.len();
                    chunks.push(c);
                }
                let batch: Vec<NewMessage<'_>> = chunks
                    .iter()
                    .flatten()
                    .map(|(f, p)| {
                        max_uid = max_uid.max(f.flags.uid);
                        message(t, f, p)
                    })
                    .collect();
                filer.put_all(tx, &batch)?;
                let touched = filer.flush(tx)?;
                let last = written + in_tx == t.total;
                let state = MailboxState {
                    uidvalidity: t.uidvalidity,
                    uidnext: if last {
                        t.uidnext.max(max_uid + 1)
                    } else {
                        max_uid + 1
                    },
                    // The modseq covers everything only once the last chunk is in.
                    highestmodseq: if last { t.modseq } else { t.known_modseq },
                };
                Store::save_mailbox_state(tx, t.mailbox_id, state)?;
                Ok(touched)
            })?;
            written += in_tx;
            busy += t0.elapsed();
            touched.extend(tt);
            let secs = t.began.elapsed().as_secs_f64().max(1e-6);
            (ctx.progress)(Progress::Headers {
                mailbox: t.name.into(),
                done: written,
                total: t.total,
                rate: written as f64 / secs,
            });
        }
        Ok(())
    })?;
    tracing::debug!(mailbox = t.name, written, writer_busy = ?busy, writer_cpu = ?super::thread_cpu(), "header writer done");
    Ok((written, touched))
}

fn message<'a>(t: &Target<'_>, f: &Fetched, p: &'a ParsedMessage) -> NewMessage<'a> {
    NewMessage {
        mailbox_id: t.mailbox_id,
        uid: f.flags.uid,
        modseq: f.flags.modseq,
        internal_date: f.internal_date,
        size: f.size as u64,
        seen: f.flags.seen,
        answered: f.flags.answered,
        flagged: f.flags.flagged,
        from_team: t.from_team_box || p.from.email.eq_ignore_ascii_case(t.team),
        parsed: p,
    }
}
