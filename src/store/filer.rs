//! Filing many messages fast: the threading rules of `threading.rs`, with
//! its lookups answered from memory, and the summary columns of
//! conversations created in this session computed in memory instead of
//! re-read from SQLite after every chunk.
//!
//! A [`Filer`] lives for one sync of one mailbox (many transactions). It
//! trusts its memory only while no other connection has written the cache:
//! every [`Filer::begin`] compares SQLite's `data_version`, and on any
//! foreign commit it forgets what it knew and asks SQLite again.

use super::messages::{NewMessage, insert_message};
use super::{Store, summary::Summary};
use crate::domain::thread::conversation_id;
use anyhow::Result;
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::BuildHasher;
use std::sync::OnceLock;

/// The conversations a Message-ID was filed under: that of the cached
/// messages with it, and the links of names no cached message has.
const LINKED: &str = "SELECT conversation_id FROM messages WHERE message_id = ?1
     UNION SELECT conversation_id FROM message_links WHERE message_id = ?1";

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

/// A Message-ID, hashed to 128 bits (no collision in any real mailbox).
type Name = u128;

/// Seeded at random per process, so a sender cannot craft Message-IDs
/// that collide.
fn name(s: &str) -> Name {
    static SEEDS: OnceLock<[foldhash::quality::RandomState; 2]> = OnceLock::new();
    let [a, b] = SEEDS.get_or_init(Default::default);
    (a.hash_one(s) as u128) << 64 | b.hash_one(s) as u128
}

/// Hash maps keyed by ids and names from the mailbox: foldhash (these
/// lookups are a good part of a first sync's filing), seeded per process.
type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
type Set<K> = HashSet<K, foldhash::fast::RandomState>;

/// What this session knows of one conversation id.
// On a first sync nearly every slot is Fresh: boxing the summary would add
// an allocation per conversation to save space in the rare other slots.
#[allow(clippy::large_enum_variant)]
enum Slot {
    /// Not known whether the cache has it.
    Unknown,
    /// Created in this session: its summary is kept here.
    Fresh(Summary),
    /// In the cache from before (or not summarised here): SQL refreshes it.
    Cached,
    /// Merged into another conversation.
    Merged(usize),
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
    ids: Vec<String>,
    slots: Vec<Slot>,
    index: Map<String, usize>,
    /// Message-ID → the conversation it was filed under (None: in no conversation).
    links: Map<Name, Option<usize>>,
    /// Read from the cache: names filed under more than one conversation
    /// (all of them, answered once, as a lookup in SQL would).
    multi: Map<Name, Vec<usize>>,
    /// Preload the cache's threading data up to this many rows.
    preload_rows: i64,
    /// Messages the caller expects to file with this filer.
    expected: i64,
    /// Own Message-IDs filed this session (a second copy is left to SQL).
    own: Set<Name>,
    dirty: BTreeSet<usize>,
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
                // indexes are needed now.
                super::deferred::ensure(tx)?;
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
            self.index.clear();
            self.links.clear();
            self.multi.clear();
            self.own.clear();
            self.dirty.clear();
            self.started = true;
            if self.probe && self.summarize && self.preload(tx)? {
                self.probe = false;
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
                self.slots[alias] = Slot::Merged(into);
            }
        }
        let mut st = tx.prepare(LINKED_ALL)?;
        let mut q = st.query([])?;
        while let Some(r) = q.next()? {
            let k = name(r.get_ref(0)?.as_str()?);
            let c = self.slot(r.get_ref(1)?.as_str()?, Slot::Cached);
            match self.links.get(&k).copied().flatten() {
                None => {
                    self.links.insert(k, Some(c));
                }
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
        if let Some(&i) = self.index.get(id) {
            if matches!(self.slots[i], Slot::Unknown) && !matches!(known, Slot::Unknown) {
                self.slots[i] = known;
            }
            return i;
        }
        self.ids.push(id.to_string());
        self.slots.push(known);
        self.index.insert(id.to_string(), self.ids.len() - 1);
        self.ids.len() - 1
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
        if let Some(&i) = self.index.get(id) {
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
        let rows: Vec<String> = tx
            .prepare_cached(LINKED)?
            .query_map([n], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let found: Vec<usize> = rows.iter().map(|c| self.slot(c, Slot::Cached)).collect();
        self.links.insert(k, found.first().copied());
        Ok(found)
    }

    /// Files `m` under a conversation (creating or merging as needed),
    /// caches it, and returns the conversation id.
    pub fn put(&mut self, tx: &Transaction<'_>, m: &NewMessage<'_>) -> Result<String> {
        let filed = self.file(tx, std::slice::from_ref(m))?;
        Ok(self.ids[self.find(filed[0])].clone())
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
        convs.sort_by(|a, b| self.ids[*a].cmp(&self.ids[*b]));
        convs.dedup();
        // A conversation split off by hand is not merged back by links (a
        // reply whose References skip the split point): the message joins
        // its nearest known ancestor's conversation instead.
        let split_apart = convs.len() > 1
            && !self.split_ids.is_empty()
            && convs.iter().any(|c| self.split_ids.contains(&self.ids[*c]));
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
                self.slots[target] = Slot::Fresh(Summary::default());
            } else {
                let created = insert_conversation(tx, &self.ids[target], &key, &p.subject, p.date)?;
                self.slots[target] = if created && self.summarize {
                    Slot::Fresh(Summary::default())
                } else {
                    Slot::Cached
                };
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
                    super::threading::alias(tx, &self.ids[other], &self.ids[target])?;
                }
            } else {
                // Rows move into the survivor: it must be in the cache first.
                if let Some((key, subject, date)) = self.unwritten.remove(&target) {
                    insert_conversation(tx, &self.ids[target], &key, &subject, date)?;
                }
                super::threading::merge(tx, &self.ids[other], &self.ids[target])?;
            }
            let gone = std::mem::replace(&mut self.slots[other], Slot::Merged(target));
            match (&mut self.slots[target], gone) {
                (Slot::Fresh(s), Slot::Fresh(o)) => s.absorb(o),
                (t, _) => *t = Slot::Cached,
            }
        }
        for (j, n) in names.iter().enumerate() {
            let k = name(n);
            let known = self.links.get(&k).copied().flatten();
            // Split apart: a name another conversation holds stays there.
            if split_apart && j > 0 && known.is_some_and(|c| self.find(c) != target) {
                continue;
            }
            if known.map(|c| self.find(c)) != Some(target) {
                self.new_links.push((n.to_string(), target));
                self.links.insert(k, Some(target));
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
            if !insert_conversation(tx, &self.ids[slot], &key, &subject, date)? {
                self.slots[slot] = Slot::Cached;
            }
        }
        let mut filed = Vec::with_capacity(ms.len());
        for (i, slot) in std::mem::take(&mut self.messages) {
            let target = self.find(slot);
            filed.push(target);
            let m = &ms[i];
            let (rowid, replaced) = insert_message(tx, m, &self.ids[target])?;
            let first_copy = self.own.insert(name(&m.parsed.message_id));
            match &mut self.slots[target] {
                Slot::Fresh(s) if first_copy && replaced.is_none() => s.add(m, rowid),
                s => *s = Slot::Cached,
            }
            if let Some(old) = replaced {
                let i = self.slot(&old, Slot::Cached);
                let i = self.find(i);
                self.slots[i] = Slot::Cached;
                self.dirty.insert(i);
            }
            self.dirty.insert(target);
        }
        let mut link = tx.prepare_cached(
            "INSERT OR IGNORE INTO message_links(message_id, conversation_id) VALUES (?1, ?2)",
        )?;
        for (n, slot) in std::mem::take(&mut self.new_links) {
            // A cached message's own Message-ID is linked by its row.
            if !self.own.contains(&name(&n)) {
                link.execute(params![n, self.ids[self.find(slot)]])?;
            }
        }
        for other in std::mem::take(&mut self.aliases) {
            let into = self.find(other);
            super::threading::alias(tx, &self.ids[other], &self.ids[into])?;
        }
        Ok(filed)
    }

    /// Writes the summaries of the conversations touched since the last
    /// flush and returns their ids.
    pub fn flush(&mut self, tx: &Transaction<'_>) -> Result<BTreeSet<String>> {
        let mut touched = BTreeSet::new();
        let mut refresh = BTreeSet::new();
        let dirty = std::mem::take(&mut self.dirty);
        for i in dirty.into_iter().map(|i| self.find(i)) {
            let id = self.ids[i].clone();
            match &self.slots[i] {
                Slot::Fresh(s) => {
                    s.write(tx, &id)?;
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
        Ok(touched)
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
