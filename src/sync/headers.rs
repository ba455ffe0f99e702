//! The cache writer of a header sync: takes parsed chunks from the
//! fetching thread and files them, each as it comes, in a transaction that
//! stays open for the chunks of up to [`TX_TIME`] or [`TX_MESSAGES`] (each
//! commit rewrites the index pages it touched: fewer commits write less),
//! so the thread list fills a transaction at a time.

use super::engine::{Progress, SyncContext};
use super::imap::Fetched;
use super::imap::uid_set;
use crate::mail::ParsedMessage;
use crate::store::{Filer, MailboxState, NewMessage, Store};
use anyhow::Result;
use std::collections::{BTreeSet, HashSet};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

/// Messages per transaction at most; summaries are written every this
/// many messages in a longer one (memory holds the rest).
const TX_MESSAGES: usize = 10_000;
/// How long a transaction stays open for more batches at most.
const TX_TIME: Duration = Duration::from_millis(250);
/// The same of a whole history's fill (no list of what it touched: nobody
/// waits to see each commit). Each commit rewrites the pages of the
/// indexes in conversation-id order it touched, which in a large cache is
/// most of them: a commit per window of [`super::history::BULK_WINDOW`]
/// writes far less than four commits a second. Another writer of the
/// cache (the TUI committing an action) waits at most this long.
const FILL_TX_MESSAGES: usize = 50_000;
const FILL_TX_TIME: Duration = Duration::from_secs(1);
/// From this many messages on, a sync writes in bulk mode ([`Store::bulk`]).
pub const BULK_MESSAGES: usize = 1000;

pub type Chunk = Vec<(Fetched, ParsedMessage)>;

/// Parsed headers on their way to the writer.
pub struct Batch {
    pub messages: Chunk,
    /// Every requested UID below this is in this batch or an earlier one
    /// (the UIDNEXT a commit of it may record).
    pub next_uid: u32,
    /// The last batch of the sync (of a history window: commit it now).
    pub last: bool,
    /// Filling history: the floor a commit of this batch may record (every
    /// UID from it up is cached).
    pub floor: Option<u32>,
}

/// What a header write records of the folder's history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Floor {
    /// New mail above what is cached: the history is left as it is.
    Keep,
    /// A first sync's newest page: UIDs below this are left for later.
    Newest(u32),
    /// A window of history: each batch carries the floor (no UIDNEXT).
    Fill,
}

/// UIDs per FETCH command at most.
const COMMAND_UIDS: usize = 10_000;
/// Characters of a command's UID set at most (RFC 7162 asks clients to keep
/// command lines under 8192 octets).
const COMMAND_SET_CHARS: usize = 6_000;

/// `uids` (ascending) cut into FETCH commands of bounded length.
pub fn commands(uids: &[u32]) -> Vec<&[u32]> {
    let mut out = Vec::new();
    let mut rest = uids;
    while !rest.is_empty() {
        let mut n = rest.len().min(COMMAND_UIDS);
        while n > 1 && uid_set(&rest[..n]).len() > COMMAND_SET_CHARS {
            n /= 2;
        }
        out.push(&rest[..n]);
        rest = &rest[n..];
    }
    out
}

/// Which requested UIDs have arrived, for the UIDNEXT a commit may record:
/// a server may answer a FETCH in any order, and a UID above one still to
/// come must not be recorded as done.
pub struct Watermark {
    want: Vec<u32>,
    arrived: usize,
    ahead: HashSet<u32>,
    next: u32,
}

impl Watermark {
    /// Everything below `next` is cached already.
    pub fn new(next: u32) -> Watermark {
        Watermark {
            want: Vec::new(),
            arrived: 0,
            ahead: HashSet::new(),
            next,
        }
    }

    /// A FETCH of `uids` (ascending) begins.
    pub fn start(&mut self, uids: &[u32]) {
        self.want = uids.to_vec();
        self.arrived = 0;
        self.ahead.clear();
    }

    pub fn saw(&mut self, uid: u32) {
        if self.want.get(self.arrived) != Some(&uid) {
            self.ahead.insert(uid);
            return;
        }
        self.arrived += 1;
        while let Some(u) = self.want.get(self.arrived)
            && self.ahead.remove(u)
        {
            self.arrived += 1;
        }
        self.next = self.next.max(self.want[self.arrived - 1] + 1);
    }

    pub fn next_uid(&self) -> u32 {
        self.next
    }

    /// The FETCH completed: what did not come is gone from the server.
    pub fn finish(&mut self) -> u32 {
        if let Some(l) = self.want.last() {
            self.next = self.next.max(l + 1);
        }
        self.next
    }
}

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
    pub floor: Floor,
    /// Filling history: the messages cached before this write.
    pub cached: usize,
    /// About how many messages this write will file.
    pub expected: usize,
    /// Whether to list the conversations the write touched (a history fill
    /// of a whole mailbox touches every one: the list would be the largest
    /// thing in memory at its end).
    pub list_touched: bool,
}

impl Target<'_> {
    /// One window of a history filled a window at a time (the TUI's
    /// worker: a fill that lists what it touched): the report indexes
    /// wait for the whole history (`store/deferred.rs`).
    fn window(&self) -> bool {
        self.floor == Floor::Fill && self.list_touched
    }

    /// How long and how large a transaction may grow.
    fn tx_limits(&self) -> (Duration, usize) {
        if self.floor == Floor::Fill && !self.window() {
            (FILL_TX_TIME, FILL_TX_MESSAGES)
        } else {
            (TX_TIME, TX_MESSAGES)
        }
    }
}

/// Writes every batch `rx` delivers; returns how many messages were
/// written and the conversations they touched (none listed unless
/// `t.list_touched`).
pub fn write(
    store: &mut Store,
    rx: Receiver<Batch>,
    t: &Target<'_>,
    ctx: &SyncContext<'_>,
) -> Result<(usize, BTreeSet<String>)> {
    let mut written = 0;
    let mut touched = BTreeSet::new();
    let mut busy = Duration::ZERO;
    let mut filer = Filer::new();
    filer.expect(t.expected);
    // Freeing a written batch (many small strings) is left to another
    // thread: this one is the sync's bottleneck.
    let (to_free, freeing) = mpsc::channel::<Batch>();
    let freer = std::thread::Builder::new()
        .name("rp-free".into())
        .spawn(move || freeing.into_iter().for_each(drop))?;
    // A first sync writes in bulk; a few new messages do not, nor does a
    // window of history (a few thousand messages into a large cache: the
    // normal page cache, twice the bulk one, serves it better). Into an
    // empty cache a bulk write builds two indexes at the end
    // (`store/deferred.rs`).
    let bulk = t.total >= BULK_MESSAGES && !t.window();
    let deferred = store.prepare_indexes(bulk, t.expected, t.window())?;
    let (tx_time, tx_messages) = t.tx_limits();
    let outcome = store.bulk(bulk, |store| {
        while let Ok(first) = rx.recv() {
            let t0 = Instant::now();
            let (mut in_tx, mut waited) = (0, Duration::ZERO);
            let tt = store.transaction(|tx| {
                filer.begin(tx)?;
                let mut next = Some(first);
                let mut state = None;
                let (mut flushed, mut touched) = (0, BTreeSet::new());
                // Batches join the open transaction while it is young and
                // small: each commit rewrites every index page the
                // transaction touched, so fewer commits write far less.
                while let Some(b) = next.take() {
                    let messages: Vec<NewMessage<'_>> =
                        b.messages.iter().map(|(f, p)| message(t, f, p)).collect();
                    filer.put_all(tx, &messages)?;
                    drop(messages);
                    in_tx += b.messages.len();
                    let last = b.last;
                    state = Some((last, b.next_uid, b.floor));
                    let _ = to_free.send(b);
                    if in_tx - flushed >= TX_MESSAGES {
                        // Bounds the summaries memory holds (`Filer::flush`).
                        touched.append(&mut filer.flush(tx)?);
                        flushed = in_tx;
                    }
                    let left = tx_time.saturating_sub(t0.elapsed());
                    if !last && in_tx < tx_messages && !left.is_zero() {
                        let w = Instant::now();
                        next = rx.recv_timeout(left).ok();
                        waited += w.elapsed();
                    }
                }
                touched.append(&mut filer.flush(tx)?);
                let (last, next_uid, floor) = state.expect("one batch at least");
                if t.floor == Floor::Fill {
                    if floor.is_some() {
                        Store::save_history(tx, t.mailbox_id, floor)?;
                    }
                    return Ok(touched);
                }
                if let Floor::Newest(f) = t.floor {
                    Store::save_history(tx, t.mailbox_id, Some(f))?;
                }
                let state = MailboxState {
                    uidvalidity: t.uidvalidity,
                    uidnext: if last {
                        t.uidnext.max(next_uid)
                    } else {
                        next_uid
                    },
                    // The modseq covers everything only once the last chunk is in.
                    highestmodseq: if last { t.modseq } else { t.known_modseq },
                };
                Store::save_mailbox_state(tx, t.mailbox_id, state)?;
                Ok(touched)
            })?;
            written += in_tx;
            busy += t0.elapsed() - waited;
            if t.list_touched {
                touched.extend(tt);
            }
            let secs = t.began.elapsed().as_secs_f64().max(1e-6);
            if t.floor == Floor::Fill {
                (ctx.progress)(Progress::History {
                    mailbox: t.name.into(),
                    done: t.cached + written,
                    total: t.total,
                });
                continue;
            }
            (ctx.progress)(Progress::Headers {
                mailbox: t.name.into(),
                done: written,
                total: t.total,
                rate: written as f64 / secs,
            });
        }
        if deferred {
            // The filer's memory of every name is not needed for the sort.
            drop(std::mem::take(&mut filer));
            store.build_indexes()?;
        }
        Ok(())
    });
    if deferred && outcome.is_err() {
        // Otherwise the next header write builds them.
        if let Err(e) = store.build_indexes() {
            tracing::warn!("cannot build the cache's indexes yet: {e:#}");
        }
    }
    outcome?;
    drop(to_free);
    let _ = freer.join();
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

#[cfg(test)]
#[path = "headers_tests.rs"]
mod tests;
