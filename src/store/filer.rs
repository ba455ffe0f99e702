//! Filing many messages fast: the threading rules of `threading.rs`, with
//! its lookups answered from memory, and the summary columns of
//! conversations created in this session computed in memory instead of
//! re-read from SQLite after every chunk.
//!
//! A [`Filer`] lives for one sync of one mailbox (many transactions). It
//! trusts its memory only while no other connection has written the cache:
//! every [`Filer::begin`] compares SQLite's `data_version`, and on any
//! foreign commit it forgets what it knew and asks SQLite again.

use super::filer_maps::{ConversationIds, Links, Map, Name, name};
use super::messages::{NewMessage, insert_message};
use super::{Store, summary::Summary};
use crate::domain::thread::conversation_id;
use anyhow::Result;
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::{BTreeSet, HashSet};

/// The conversations a Message-ID was filed under: that of the cached
/// messages with it, and the links of names no cached message has. Rows
/// may repeat ([`Filer::linked`] sorts and dedups them, as a UNION would):
/// SQLite prepares a UNION whose arms bind a parameter again at every run,
/// which cost more than the lookup itself.
const LINKED: &str = "SELECT conversation_id FROM messages WHERE message_id = ?1
     UNION ALL SELECT conversation_id FROM message_links WHERE message_id = ?1";

/// Up to this many cached messages and links, a filer that begins on a
/// cache holding something may read all of its threading data into memory
/// instead of asking SQL name by name: the history a first sync fills in
/// behind its newest page then files at a first sync's pace.
const PRELOAD_ROWS: i64 = 250_000;
/// ... when it expects to file at least one message per this many rows
/// read: reading a row costs about a tenth of a name's lookup in SQL
/// (`cargo bench --bench sync`: rows (a) and (d) move with it).
const ROWS_PER_MESSAGE: i64 = 8;

/// Every name [`LINKED`] may be asked for, with its conversation.
const LINKED_ALL: &str = "SELECT message_id, conversation_id FROM messages
     UNION SELECT message_id, conversation_id FROM message_links";

/// Whether a filer about to file `expected` messages into a cache of `rows`
/// messages and links reads them into memory first.
pub(super) fn preloads(rows: i64, expected: i64) -> bool {
    rows <= PRELOAD_ROWS && rows <= expected.saturating_mul(ROWS_PER_MESSAGE)
}

type Set<K> = HashSet<K, foldhash::fast::RandomState>;

/// At most about this many conversation summaries are kept in memory: past
/// it, a flush forgets the half touched longest ago (they are in the cache
/// by then, and SQL refreshes one that gets another message). A first sync
/// of a large mailbox then needs memory for its names and ids, not for a
/// summary of every conversation.
const KEPT_SUMMARIES: usize = 32_768;

/// What this session knows of one conversation id.
enum Slot {
    /// Not known whether the cache has it.
    Unknown,
    /// Created in this session: its summary is kept here.
    Fresh(Box<Kept>),
    /// In the cache from before (or not summarised here): SQL refreshes it.
    Cached,
    /// Merged into another conversation.
    Merged(usize),
}

/// A summary kept in memory, and the flush that last wrote it.
#[derive(Default)]
struct Kept {
    summary: Summary,
    flush: u32,
}

fn fresh() -> Slot {
    Slot::Fresh(Box::default())
}

#[derive(Default)]
pub struct Filer {
    /// Whether the cache may hold threading data this session has not seen.
    probe: bool,
    /// Keep summaries in memory (false: the caller refreshes them in SQL).
    summarize: bool,
    started: bool,
    data_version: i64,
    events: bool,
    ids: ConversationIds,
    slots: Vec<Slot>,
    /// Message-ID → the conversation it was filed under (None: in no
    /// conversation), and whether this session filed a message with it.
    links: Links,
    /// Read from the cache: names filed under more than one conversation
    /// (all of them, answered once, as a lookup in SQL would).
    multi: Map<Name, Vec<usize>>,
    /// Preload the cache's threading data up to this many rows.
    preload_rows: i64,
    /// Messages the caller expects to file with this filer.
    expected: i64,
    dirty: BTreeSet<usize>,
    /// Summaries in `Slot::Fresh`, how many may be, and flushes so far.
    kept: usize,
    kept_limit: usize,
    flushes: u32,
    /// Conversations created in this batch, not yet in the cache: their
    /// root key, subject and date.
    unwritten: Map<usize, (String, String, i64)>,
    /// The batch's messages (by index) and the conversation each was filed under.
    messages: Vec<(usize, usize)>,
    /// Links to write: a Message-ID and the conversation it names.
    new_links: Vec<(String, usize)>,
    /// Conversations merged away before they were written.
    aliases: Vec<usize>,
    /// Split points (`split` events): each Message-ID starts a conversation
    /// of its own, and the ids of those conversations.
    splits: Set<String>,
    split_ids: Set<String>,
}

impl Filer {
    /// A filer that keeps conversation summaries in memory; call
    /// [`Filer::flush`] before each commit.
    pub fn new() -> Filer {
        Filer {
            summarize: true,
            preload_rows: PRELOAD_ROWS,
            kept_limit: KEPT_SUMMARIES,
            ..Filer::default()
        }
    }

    /// Tells the filer how many messages it is about to file, before the
    /// first [`Filer::begin`]: whether reading the cache into memory pays.
    pub fn expect(&mut self, messages: usize) {
        self.expected = i64::try_from(messages).unwrap_or(i64::MAX);
    }

    /// A filer for a few messages: the caller runs
    /// [`Store::refresh_conversations`] on what [`Filer::put`] returns.
    pub fn unsummarized() -> Filer {
        Filer::default()
    }

    /// Starts a transaction's work; forgets what memory knew if another
    /// connection wrote the cache since the last one.
    pub fn begin(&mut self, tx: &Transaction<'_>) -> Result<()> {
        let version: i64 = tx.query_row("PRAGMA data_version", [], |r| r.get(0))?;
        if !self.started || version != self.data_version {
            if self.started {
                tracing::debug!("the cache changed under the filer; re-reading it");
                // It will look names up in SQL: a first sync's deferred
                // Message-ID index is needed now.
                super::deferred::ensure_threading(tx)?;
            }
            let any = |sql: &str| tx.query_row(sql, [], |r| r.get::<_, bool>(0));
            self.probe = any("SELECT EXISTS(SELECT 1 FROM message_links)")?
                || any("SELECT EXISTS(SELECT 1 FROM conversations)")?;
            self.events = any("SELECT EXISTS(SELECT 1 FROM events)")?;
            self.splits.clear();
            self.split_ids.clear();
            if self.events {
                let points: Vec<String> = tx
                    .prepare_cached(
                        "SELECT json_extract(payload, '$.message_id') FROM events
                         WHERE kind = 'split' AND json_extract(payload, '$.message_id') IS NOT NULL",
                    )?
                    .query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                for p in points {
                    self.split_ids.insert(conversation_id(&p));
                    self.splits.insert(p);
                }
            }
            self.ids.clear();
            self.slots.clear();
            self.links.clear();
            self.multi.clear();
            self.dirty.clear();
            self.kept = 0;
            self.started = true;
            if self.probe && self.summarize && self.preload(tx)? {
                self.probe = false;
            }
            if !self.probe && self.summarize {
                // Each message's own name, and the names its references
                // add (a fifth more in a generated mailbox).
                let expected = usize::try_from(self.expected).unwrap_or(0);
                self.links.reserve(expected.saturating_add(expected / 4));
            }
        }
        self.data_version = version;
        Ok(())
    }

    /// Reads every conversation, alias and link of a small cache into
    /// memory, so that what is not there is new; false (nothing read) when
    /// the cache holds more than `preload_rows` messages and links.
    fn preload(&mut self, tx: &Transaction<'_>) -> Result<bool> {
        let rows: i64 = tx.query_row(
            "SELECT (SELECT count(*) FROM messages) + (SELECT count(*) FROM message_links)",
            [],
            |r| r.get(0),
        )?;
        if rows > self.preload_rows || !preloads(rows, self.expected) {
            return Ok(false);
        }
        let mut st = tx.prepare("SELECT id FROM conversations")?;
        let mut q = st.query([])?;
        while let Some(r) = q.next()? {
            self.slot(r.get_ref(0)?.as_str()?, Slot::Cached);
        }
        let mut st = tx.prepare("SELECT alias, canonical FROM conversation_aliases")?;
        let mut q = st.query([])?;
        while let Some(r) = q.next()? {
            let into = self.slot(r.get_ref(1)?.as_str()?, Slot::Cached);
            let alias = self.slot(r.get_ref(0)?.as_str()?, Slot::Cached);
            if self.find(into) != alias {
                self.set_slot(alias, Slot::Merged(into));
            }
        }
        let mut st = tx.prepare(LINKED_ALL)?;
        let mut q = st.query([])?;
        while let Some(r) = q.next()? {
            let k = name(r.get_ref(0)?.as_str()?);
            let c = self.slot(r.get_ref(1)?.as_str()?, Slot::Cached);
            match self.links.get(&k).flatten() {
                None => self.links.set(k, Some(c)),
                Some(first) if first != c => {
                    let all = self.multi.entry(k).or_insert_with(|| vec![first]);
                    if !all.contains(&c) {
                        all.push(c);
                    }
                }
                Some(_) => {}
            }
        }
        Ok(true)
    }

    fn slot(&mut self, id: &str, known: Slot) -> usize {
        if let Some(i) = self.ids.get(id) {
            if matches!(self.slots[i], Slot::Unknown) && !matches!(known, Slot::Unknown) {
                self.set_slot(i, known);
            }
            return i;
        }
        let i = self.ids.intern(id);
        self.kept += usize::from(matches!(known, Slot::Fresh(_)));
        self.slots.push(known);
        debug_assert_eq!(self.slots.len(), self.ids.len());
        i
    }

    /// Replaces what is known of slot `i`, counting the summaries kept.
    fn set_slot(&mut self, i: usize, to: Slot) -> Slot {
        self.kept += usize::from(matches!(to, Slot::Fresh(_)));
        let was = std::mem::replace(&mut self.slots[i], to);
        self.kept -= usize::from(matches!(was, Slot::Fresh(_)));
        was
    }

    /// The live conversation `i` was merged into (itself if not merged).
    fn find(&self, mut i: usize) -> usize {
        while let Slot::Merged(j) = self.slots[i] {
            i = j;
        }
        i
    }

    /// The conversation id `id` lives under now.
    fn canonical(&mut self, tx: &Transaction<'_>, id: &str) -> Result<usize> {
        if let Some(i) = self.ids.get(id) {
            return Ok(self.find(i));
        }
        if self.probe {
            let c = super::threading::canonical(tx, id)?;
            if c != id {
                let into = self.slot(&c, Slot::Cached);
                let i = self.slot(id, Slot::Merged(into));
                return Ok(self.find(i));
            }
        }
        Ok(self.slot(id, Slot::Unknown))
    }

    /// The conversations message name `n` was filed under.
    fn linked(&mut self, tx: &Transaction<'_>, n: &str) -> Result<Vec<usize>> {
        let k = name(n);
        if let Some(all) = self.multi.remove(&k) {
            return Ok(all.into_iter().map(|c| self.find(c)).collect());
        }
        if let Some(c) = self.links.get(&k) {
            return Ok(c.map(|c| self.find(c)).into_iter().collect());
        }
        if !self.probe {
            return Ok(Vec::new());
        }
        let mut rows: Vec<String> = tx
            .prepare_cached(LINKED)?
            .query_map([n], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        rows.sort_unstable();
        rows.dedup();
        let found: Vec<usize> = rows.iter().map(|c| self.slot(c, Slot::Cached)).collect();
        self.links.set(k, found.first().copied());
        Ok(found)
    }

    /// Files `m` under a conversation (creating or merging as needed),
    /// caches it, and returns the conversation id.
    pub fn put(&mut self, tx: &Transaction<'_>, m: &NewMessage<'_>) -> Result<String> {
        let filed = self.file(tx, std::slice::from_ref(m))?;
        Ok(self.ids.id(self.find(filed[0])).to_string())
    }

    /// Files a batch of messages. On a first sync (a summarising filer
    /// that began on an empty cache) nothing is written until the whole
    /// batch is threaded: a conversation created and merged away inside
    /// the batch then costs no SQL but its alias, and every row goes in
    /// under its final conversation.
    pub fn put_all(&mut self, tx: &Transaction<'_>, ms: &[NewMessage<'_>]) -> Result<()> {
        self.file(tx, ms).map(|_| ())
    }

    /// Files a batch; returns the conversation each message went to.
    fn file(&mut self, tx: &Transaction<'_>, ms: &[NewMessage<'_>]) -> Result<Vec<usize>> {
        if !self.started {
            self.begin(tx)?;
        }
        for (i, m) in ms.iter().enumerate() {
            self.thread(tx, m, i)?;
        }
        self.write_pending(tx, ms)
    }

    /// Whether writes wait for the end of the batch: on a first sync, when
    /// no conversation this session did not make can be in the cache.
    fn defer(&self) -> bool {
        self.summarize && !self.probe
    }

    /// Threads message `i` of the batch: finds (creating or merging) its
    /// conversation and records its links.
    fn thread(&mut self, tx: &Transaction<'_>, m: &NewMessage<'_>, i: usize) -> Result<()> {
        let p = m.parsed;
        let (names, key) = self.names_of(p);
        let own = self.canonical(tx, &conversation_id(&key))?;
        let mut convs = vec![own];
        for n in &names {
            convs.extend(self.linked(tx, n)?);
        }
        convs.sort_by(|a, b| self.ids.id(*a).cmp(&self.ids.id(*b)));
        convs.dedup();
        // A conversation split off by hand is not merged back by links (a
        // reply whose References skip the split point): the message joins
        // its nearest known ancestor's conversation instead.
        let split_apart = convs.len() > 1
            && !self.split_ids.is_empty()
            && convs
                .iter()
                .any(|c| self.split_ids.contains(&*self.ids.id(*c)));
        let (target, merging) = if split_apart {
            let mut t = own;
            for n in names[1..].iter().rev() {
                if let Some(&c) = self.linked(tx, n)?.first() {
                    t = self.find(c);
                    break;
                }
            }
            (t, Vec::new())
        } else {
            (convs[0], convs[1..].to_vec())
        };
        if matches!(self.slots[target], Slot::Unknown) {
            if self.defer() {
                // The cache was empty and this session never made it: new.
                let row = (key.clone(), p.subject.clone(), p.date);
                self.unwritten.insert(target, row);
                self.set_slot(target, fresh());
            } else {
                let created =
                    insert_conversation(tx, &self.ids.id(target), &key, &p.subject, p.date)?;
                self.set_slot(
                    target,
                    if created && self.summarize {
                        fresh()
                    } else {
                        Slot::Cached
                    },
                );
            }
        }
        for &other in &merging {
            let never_written = self.unwritten.remove(&other).is_some()
                || (matches!(self.slots[other], Slot::Unknown) && !self.probe);
            if never_written {
                // No row of it in the cache: only the alias is to record.
                if self.defer() {
                    self.aliases.push(other);
                } else {
                    super::threading::alias(tx, &self.ids.id(other), &self.ids.id(target))?;
                }
            } else {
                // Rows move into the survivor: it must be in the cache first.
                if let Some((key, subject, date)) = self.unwritten.remove(&target) {
                    insert_conversation(tx, &self.ids.id(target), &key, &subject, date)?;
                }
                super::threading::merge(tx, &self.ids.id(other), &self.ids.id(target))?;
            }
            let gone = self.set_slot(other, Slot::Merged(target));
            match (&mut self.slots[target], gone) {
                (Slot::Fresh(s), Slot::Fresh(o)) => s.summary.absorb(o.summary),
                _ => {
                    self.set_slot(target, Slot::Cached);
                }
            }
        }
        for (j, n) in names.iter().enumerate() {
            let k = name(n);
            let known = self.links.get(&k).flatten();
            // Split apart: a name another conversation holds stays there.
            if split_apart && j > 0 && known.is_some_and(|c| self.find(c) != target) {
                continue;
            }
            if known.map(|c| self.find(c)) != Some(target) {
                self.new_links.push((n.to_string(), target));
                self.links.set(k, Some(target));
            }
        }
        self.messages.push((i, target));
        Ok(())
    }

    /// The names a message links by (its own Message-ID first, then its
    /// ancestors, the nearest last) and its conversation key. A split point
    /// in its chain (or itself) cuts what came before: that is another
    /// conversation.
    fn names_of<'m>(&self, p: &'m crate::mail::ParsedMessage) -> (Vec<&'m str>, String) {
        let own = p.message_id.as_str();
        let mut chain: Vec<&str> = p.references.iter().map(String::as_str).collect();
        if let Some(irt) = p.in_reply_to.as_deref()
            && chain.last() != Some(&irt)
        {
            chain.retain(|n| *n != irt);
            chain.push(irt);
        }
        if !self.splits.is_empty() {
            if self.splits.contains(own) {
                return (vec![own], own.to_string());
            }
            if let Some(pos) = chain.iter().rposition(|n| self.splits.contains(*n)) {
                let key = chain[pos].to_string();
                let mut names = vec![own];
                names.extend(&chain[pos..]);
                return (names, key);
            }
        }
        let mut names = vec![own];
        names.extend(chain);
        (names, p.conversation_key.clone())
    }

    /// Writes what [`Filer::thread`] decided for the batch: the new
    /// conversations that survived it, the messages, their links and the
    /// aliases of what merged.
    fn write_pending(&mut self, tx: &Transaction<'_>, ms: &[NewMessage<'_>]) -> Result<Vec<usize>> {
        for (slot, (key, subject, date)) in std::mem::take(&mut self.unwritten) {
            if matches!(self.slots[slot], Slot::Merged(_)) {
                continue;
            }
            if !insert_conversation(tx, &self.ids.id(slot), &key, &subject, date)? {
                self.set_slot(slot, Slot::Cached);
            }
        }
        let mut filed = Vec::with_capacity(ms.len());
        for (i, slot) in std::mem::take(&mut self.messages) {
            let target = self.find(slot);
            filed.push(target);
            let m = &ms[i];
            let (rowid, replaced) = insert_message(tx, m, &self.ids.id(target))?;
            let first_copy = self.links.mark_own(name(&m.parsed.message_id), target);
            match &mut self.slots[target] {
                Slot::Fresh(s) if first_copy && replaced.is_none() => s.summary.add(m, rowid),
                _ => {
                    self.set_slot(target, Slot::Cached);
                }
            }
            if let Some(old) = replaced {
                let i = self.slot(&old, Slot::Cached);
                let i = self.find(i);
                self.set_slot(i, Slot::Cached);
                self.dirty.insert(i);
            }
            self.dirty.insert(target);
        }
        let mut link = tx.prepare_cached(
            "INSERT OR IGNORE INTO message_links(message_id, conversation_id) VALUES (?1, ?2)",
        )?;
        for (n, slot) in std::mem::take(&mut self.new_links) {
            // A cached message's own Message-ID is linked by its row.
            if !self.links.is_own(&name(&n)) {
                link.execute(params![n, &*self.ids.id(self.find(slot))])?;
            }
        }
        for other in std::mem::take(&mut self.aliases) {
            let into = self.find(other);
            super::threading::alias(tx, &self.ids.id(other), &self.ids.id(into))?;
        }
        Ok(filed)
    }

    /// Writes the summaries of the conversations touched since the last
    /// flush and returns their ids.
    pub fn flush(&mut self, tx: &Transaction<'_>) -> Result<BTreeSet<String>> {
        let mut touched = BTreeSet::new();
        let mut refresh = BTreeSet::new();
        let dirty: BTreeSet<usize> = std::mem::take(&mut self.dirty)
            .into_iter()
            .map(|i| self.find(i))
            .collect();
        self.flushes += 1;
        for i in dirty {
            let id = self.ids.id(i).to_string();
            match &mut self.slots[i] {
                Slot::Fresh(s) => {
                    s.flush = self.flushes;
                    s.summary.write(tx, &id)?;
                    if self.events && has_events(tx, &id)? {
                        super::team::refold(tx, &id)?;
                    }
                }
                _ => {
                    refresh.insert(id.clone());
                }
            }
            touched.insert(id);
        }
        Store::refresh_conversations(tx, &refresh)?;
        if self.kept > self.kept_limit {
            self.forget_old_summaries();
        }
        Ok(touched)
    }

    /// Forgets the older half of the summaries kept (every one is in the
    /// cache after a flush): they become `Cached`, refreshed by SQL.
    fn forget_old_summaries(&mut self) {
        let mut flushes: Vec<u32> = (self.slots.iter())
            .filter_map(|s| match s {
                Slot::Fresh(k) => Some(k.flush),
                _ => None,
            })
            .collect();
        if flushes.is_empty() {
            return;
        }
        let half = flushes.len() / 2;
        let (_, &mut median, _) = flushes.select_nth_unstable(half);
        for i in 0..self.slots.len() {
            if matches!(&self.slots[i], Slot::Fresh(k) if k.flush < median) {
                self.set_slot(i, Slot::Cached);
            }
        }
        tracing::debug!(kept = self.kept, "forgot the older conversation summaries");
    }
}

/// Creates conversation `id`; false if it was there already.
fn insert_conversation(
    tx: &Transaction<'_>,
    id: &str,
    key: &str,
    subject: &str,
    date: i64,
) -> Result<bool> {
    let n = tx
        .prepare_cached(
            "INSERT INTO conversations(id, root_key, subject, first_date, last_date)
             VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT DO NOTHING",
        )?
        .execute(params![id, key, subject, date])?;
    Ok(n == 1)
}

fn has_events(tx: &Transaction<'_>, id: &str) -> Result<bool> {
    Ok(tx
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM events WHERE conversation = ?1)")?
        .query_row([id], |r| r.get(0))
        .optional()?
        .unwrap_or(false))
}

#[cfg(test)]
#[path = "filer_tests.rs"]
mod tests;
