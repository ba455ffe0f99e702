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
use std::hash::{Hash, Hasher};

/// A Message-ID, hashed to 128 bits (no collision in any real mailbox).
type Name = u128;

fn name(s: &str) -> Name {
    let half = |salt: u8| {
        let mut h = std::hash::DefaultHasher::new();
        salt.hash(&mut h);
        s.hash(&mut h);
        h.finish() as u128
    };
    half(0) << 64 | half(1)
}

/// What this session knows of one conversation id.
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
    index: HashMap<String, usize>,
    /// Message-ID → the conversation it was filed under (None: in no conversation).
    links: HashMap<Name, Option<usize>>,
    /// Own Message-IDs filed this session (a second copy is left to SQL).
    own: HashSet<Name>,
    dirty: BTreeSet<usize>,
}

impl Filer {
    /// A filer that keeps conversation summaries in memory; call
    /// [`Filer::flush`] before each commit.
    pub fn new() -> Filer {
        Filer {
            summarize: true,
            ..Filer::default()
        }
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
            }
            let any = |sql: &str| tx.query_row(sql, [], |r| r.get::<_, bool>(0));
            self.probe = any("SELECT EXISTS(SELECT 1 FROM message_links)")?
                || any("SELECT EXISTS(SELECT 1 FROM conversations)")?;
            self.events = any("SELECT EXISTS(SELECT 1 FROM events)")?;
            self.ids.clear();
            self.slots.clear();
            self.index.clear();
            self.links.clear();
            self.own.clear();
            self.dirty.clear();
            self.started = true;
        }
        self.data_version = version;
        Ok(())
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
        if let Some(c) = self.links.get(&k) {
            return Ok(c.map(|c| self.find(c)).into_iter().collect());
        }
        if !self.probe {
            return Ok(Vec::new());
        }
        let rows: Vec<String> = tx
            .prepare_cached("SELECT conversation_id FROM message_links WHERE message_id = ?1")?
            .query_map([n], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let found: Vec<usize> = rows.iter().map(|c| self.slot(c, Slot::Cached)).collect();
        self.links.insert(k, found.first().copied());
        Ok(found)
    }

    /// Files `m` under a conversation (creating or merging as needed),
    /// caches it, and returns the conversation id.
    pub fn put(&mut self, tx: &Transaction<'_>, m: &NewMessage<'_>) -> Result<String> {
        if !self.started {
            self.begin(tx)?;
        }
        let p = m.parsed;
        let mut names: Vec<&str> = vec![p.message_id.as_str()];
        names.extend(p.in_reply_to.as_deref());
        names.extend(p.references.iter().map(String::as_str));
        let own = self.canonical(tx, &conversation_id(&p.conversation_key))?;
        let mut convs = vec![own];
        for n in &names {
            convs.extend(self.linked(tx, n)?);
        }
        convs.sort_by(|a, b| self.ids[*a].cmp(&self.ids[*b]));
        convs.dedup();
        let target = convs[0];
        if matches!(self.slots[target], Slot::Unknown) {
            let created = tx
                .prepare_cached(
                    "INSERT INTO conversations(id, root_key, subject, first_date, last_date)
                     VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT DO NOTHING",
                )?
                .execute(params![
                    self.ids[target],
                    p.conversation_key,
                    p.subject,
                    p.date
                ])?;
            self.slots[target] = if created == 1 && self.summarize {
                Slot::Fresh(Summary::default())
            } else {
                Slot::Cached
            };
        }
        for &other in &convs[1..] {
            if matches!(self.slots[other], Slot::Unknown) && !self.probe {
                // Never created (the cache had nothing when this filer began
                // and it made no row for it): only the alias is to record.
                super::threading::alias(tx, &self.ids[other], &self.ids[target])?;
            } else {
                super::threading::merge(tx, &self.ids[other], &self.ids[target])?;
            }
            let gone = std::mem::replace(&mut self.slots[other], Slot::Merged(target));
            match (&mut self.slots[target], gone) {
                (Slot::Fresh(s), Slot::Fresh(o)) => s.absorb(o),
                (t, _) => *t = Slot::Cached,
            }
        }
        let mut link = tx.prepare_cached(
            "INSERT OR IGNORE INTO message_links(message_id, conversation_id) VALUES (?1, ?2)",
        )?;
        for n in &names {
            let k = name(n);
            let known = self.links.get(&k).copied().flatten();
            if known.map(|c| self.find(c)) != Some(target) {
                link.execute(params![n, self.ids[target]])?;
                self.links.insert(k, Some(target));
            }
        }
        let (rowid, replaced) = insert_message(tx, m, &self.ids[target])?;
        let first_copy = self.own.insert(name(&p.message_id));
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
        Ok(self.ids[target].clone())
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

fn has_events(tx: &Transaction<'_>, id: &str) -> Result<bool> {
    Ok(tx
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM events WHERE conversation = ?1)")?
        .query_row([id], |r| r.get(0))
        .optional()?
        .unwrap_or(false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::{ParsedMessage, parse_message};
    use crate::store::MailboxRole;

    /// A thread-shaped mailbox delivered out of order: replies before their
    /// parents, truncated References, a team reply, a second copy.
    fn mailbox() -> Vec<(u32, ParsedMessage, bool)> {
        let mut out = Vec::new();
        let mut uid = 0;
        for t in 0..40u32 {
            for i in (0..(t % 5 + 1)).rev() {
                let refs: Vec<String> = (0..i).map(|j| format!("<m{t}.{j}@x>")).collect();
                // Every third reply lost its References: only In-Reply-To links it.
                let refs = if i % 3 == 2 {
                    refs[refs.len() - 1..].to_vec()
                } else {
                    refs
                };
                let from = if i % 2 == 1 {
                    "support@example.com"
                } else {
                    "c@shop.test"
                };
                let raw = format!(
                    "From: {from}\r\nSubject: t{t}\r\nMessage-ID: <m{t}.{i}@x>\r\n{}{}Date: {}\r\n\r\nbody {t} {i}\r\n",
                    refs.last()
                        .map(|r| format!("In-Reply-To: {r}\r\n"))
                        .unwrap_or_default(),
                    if refs.is_empty() {
                        String::new()
                    } else {
                        format!("References: {}\r\n", refs.join(" "))
                    },
                    format_args!(
                        "Tue, 14 Nov 2023 {:02}:{:02}:00 +0000",
                        (t * 5 + i) / 60,
                        (t * 5 + i) % 60
                    ),
                );
                uid += 1;
                out.push((
                    uid,
                    parse_message(raw.as_bytes(), 0),
                    from.starts_with("support"),
                ));
            }
        }
        let dup = out[3].1.clone();
        out.push((uid + 1, dup, false));
        out
    }

    fn dump(s: &Store) -> Vec<String> {
        let mut st = s
            .conn
            .prepare(
                "SELECT id, subject, customer_email, first_date, last_date, message_count,
                        unread_count, snippet FROM conversations ORDER BY id",
            )
            .unwrap();
        let mut rows: Vec<String> = st
            .query_map([], |r| {
                Ok(format!(
                    "{}|{}|{}|{}|{}|{}|{}|{}",
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, i64>(6)?,
                    r.get::<_, String>(7)?
                ))
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let mut st = s
            .conn
            .prepare(
                "SELECT uid || '>' || conversation_id FROM messages
                 UNION ALL SELECT alias || '=' || canonical FROM conversation_aliases
                 UNION ALL SELECT message_id || '~' || conversation_id FROM message_links",
            )
            .unwrap();
        let mut more: Vec<String> = st
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        more.sort();
        rows.extend(more);
        rows
    }

    /// Message `uid` of the test mailbox: every fourth one read.
    fn message(mbox: i64, uid: u32, p: &ParsedMessage, team: bool) -> NewMessage<'_> {
        NewMessage {
            mailbox_id: mbox,
            uid,
            modseq: None,
            internal_date: 0,
            size: 100,
            seen: uid.is_multiple_of(4),
            answered: false,
            flagged: false,
            from_team: team,
            parsed: p,
        }
    }

    fn file(store: &mut Store, mail: &[(u32, ParsedMessage, bool)], chunk: usize, fast: bool) {
        let mbox = store.mailbox_id("INBOX", MailboxRole::Inbox).unwrap();
        let mut filer = Filer::new();
        for c in mail.chunks(chunk) {
            store
                .transaction(|tx| {
                    filer.begin(tx)?;
                    let mut t = BTreeSet::new();
                    for (uid, p, team) in c {
                        let m = message(mbox, *uid, p, *team);
                        if fast {
                            filer.put(tx, &m)?;
                        } else {
                            t.insert(Store::put_message(tx, &m)?);
                        }
                    }
                    filer.flush(tx)?;
                    Store::refresh_conversations(tx, &t)
                })
                .unwrap();
        }
    }

    #[test]
    fn summaries_in_memory_match_the_sql_refresh() {
        let mail = mailbox();
        let mut slow = Store::open_in_memory().unwrap();
        file(&mut slow, &mail, 1000, false);
        let want = dump(&slow);
        assert!(want.iter().any(|r| r.contains("|t3|")));
        let merges: i64 = slow
            .conn
            .query_row("SELECT count(*) FROM conversation_aliases", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert!(merges > 5, "the mailbox merges conversations ({merges})");
        for chunk in [1, 7, 1000] {
            let mut fast = Store::open_in_memory().unwrap();
            file(&mut fast, &mail, chunk, true);
            assert_eq!(dump(&fast), want, "chunk {chunk}");
        }
        // Again into a cache that already holds half of it (the memory starts empty).
        let mut fast = Store::open_in_memory().unwrap();
        file(&mut fast, &mail[..mail.len() / 2], 5, true);
        file(&mut fast, &mail[mail.len() / 2..], 5, true);
        assert_eq!(dump(&fast), want);
    }

    #[test]
    fn another_writer_between_chunks_is_noticed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.sqlite3");
        let mail = mailbox();
        let mut a = Store::open(&path).unwrap();
        let mut b = Store::open(&path).unwrap();
        let mbox = a.mailbox_id("INBOX", MailboxRole::Inbox).unwrap();
        let mut filer = Filer::new();
        for (i, (uid, p, team)) in mail.iter().enumerate() {
            // Every other message is filed by another connection.
            let (store, f) = if i % 2 == 0 {
                (&mut a, Some(&mut filer))
            } else {
                (&mut b, None)
            };
            store
                .transaction(|tx| {
                    let m = message(mbox, *uid, p, *team);
                    match f {
                        Some(f) => {
                            f.begin(tx)?;
                            f.put(tx, &m)?;
                            f.flush(tx).map(|_| ())
                        }
                        None => {
                            let c = Store::put_message(tx, &m)?;
                            Store::refresh_conversations(tx, &BTreeSet::from([c]))
                        }
                    }
                })
                .unwrap();
        }
        let mut want = Store::open_in_memory().unwrap();
        file(&mut want, &mail, 1000, false);
        assert_eq!(dump(&a), dump(&want));
    }
}
