//! The filer's memory, packed: a first sync keeps one entry per message
//! and per conversation of the whole mailbox here, so the bytes per entry
//! decide how much memory a sync of a million messages needs.
//!
//! - [`ConversationIds`] interns conversation ids. Ids made here are 12 hex
//!   digits (`domain::thread::conversation_id`), packed into a `u64`; any
//!   other id (one a team event named) is kept as a string beside them.
//! - [`Links`] maps a Message-ID (hashed to 64 bits) to the conversation
//!   it was filed under, with a bit for "a message with this Message-ID was
//!   filed in this session".

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::ops::Deref;
use std::sync::OnceLock;

/// Hash maps keyed by ids and names from the mailbox: foldhash (these
/// lookups are a good part of a first sync's filing), seeded per process.
pub(super) type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// A Message-ID hashed to 64 bits, as two halves (an entry of [`Links`]
/// is then 12 bytes, not 16). Seeded at random per process, so a sender
/// cannot craft Message-IDs that collide; by chance, two of a million
/// names collide with a probability of about 3 in 100 million.
pub(super) type Name = [u32; 2];

pub(super) fn name(s: &str) -> Name {
    static SEED: OnceLock<foldhash::quality::RandomState> = OnceLock::new();
    let h = SEED.get_or_init(Default::default).hash_one(s);
    [h as u32, (h >> 32) as u32]
}

/// Conversation ids by slot, and slots by id.
#[derive(Default)]
pub(super) struct ConversationIds {
    /// Slot → the id packed, or [`OTHER`] | its index in `others`.
    keys: Vec<u64>,
    /// The slots of packed ids, hashed by the id they hold in `keys`
    /// (4 bytes an entry).
    packed: hashbrown::HashTable<u32>,
    hasher: foldhash::fast::RandomState,
    others: Vec<Box<str>>,
    other_slots: Map<Box<str>, u32>,
}

/// Marks a key that indexes `others` (a packed id has 48 bits).
const OTHER: u64 = 1 << 63;

/// Twelve lowercase hex digits as a number.
fn pack(id: &str) -> Option<u64> {
    if id.len() != 12 {
        return None;
    }
    id.bytes().try_fold(0u64, |n, b| {
        let d = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            _ => return None,
        };
        Some(n << 4 | u64::from(d))
    })
}

impl ConversationIds {
    pub fn get(&self, id: &str) -> Option<usize> {
        match pack(id) {
            Some(k) => {
                let keys = &self.keys;
                self.packed
                    .find(self.hasher.hash_one(k), |&s| keys[s as usize] == k)
            }
            None => self.other_slots.get(id),
        }
        .map(|&s| s as usize)
    }

    /// The slot of `id`, added at the end if new.
    pub fn intern(&mut self, id: &str) -> usize {
        if let Some(s) = self.get(id) {
            return s;
        }
        let slot = u32::try_from(self.keys.len()).expect("fewer than 4 billion conversations");
        match pack(id) {
            Some(k) => {
                self.keys.push(k);
                let (keys, hasher) = (&self.keys, &self.hasher);
                self.packed.insert_unique(hasher.hash_one(k), slot, |&s| {
                    hasher.hash_one(keys[s as usize])
                });
            }
            None => {
                self.keys.push(OTHER | self.others.len() as u64);
                self.others.push(id.into());
                self.other_slots.insert(id.into(), slot);
            }
        }
        slot as usize
    }

    pub fn id(&self, slot: usize) -> Id<'_> {
        let k = self.keys[slot];
        if k & OTHER != 0 {
            return Id::Other(&self.others[(k & !OTHER) as usize]);
        }
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut hex = [0u8; 12];
        for (i, d) in hex.iter_mut().enumerate() {
            *d = DIGITS[(k >> (44 - 4 * i) & 15) as usize];
        }
        Id::Packed(hex)
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn clear(&mut self) {
        *self = ConversationIds::default();
    }
}

/// A conversation id read from [`ConversationIds`]; derefs to the id.
pub(super) enum Id<'a> {
    Packed([u8; 12]),
    Other(&'a str),
}

impl Deref for Id<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            // Only ASCII hex digits are ever written into it.
            Id::Packed(hex) => std::str::from_utf8(hex).unwrap_or_default(),
            Id::Other(s) => s,
        }
    }
}

/// Message-ID → the conversation slot it was filed under, or none.
#[derive(Default)]
pub(super) struct Links {
    map: Map<Name, u32>,
}

/// The value bit: a message with this Message-ID was filed this session.
const OWN: u32 = 1 << 31;
/// The value of a name filed under no conversation.
const NONE: u32 = OWN - 1;

impl Links {
    /// `None`: not known here; `Some(None)`: known to be in no conversation.
    pub fn get(&self, k: &Name) -> Option<Option<usize>> {
        self.map.get(k).map(|&v| match v & !OWN {
            NONE => None,
            s => Some(s as usize),
        })
    }

    /// Files name `k` under `slot` (keeps whether it is an own Message-ID).
    pub fn set(&mut self, k: Name, slot: Option<usize>) {
        let v = slot.map_or(NONE, |s| u32::try_from(s).unwrap_or(NONE).min(NONE));
        let e = self.map.entry(k).or_insert(NONE);
        *e = *e & OWN | v;
    }

    /// Records that a message with Message-ID `k` was filed (under `slot`
    /// if the name is not known yet); false if one was already.
    pub fn mark_own(&mut self, k: Name, slot: usize) -> bool {
        if self.get(&k).is_none() {
            self.set(k, Some(slot));
        }
        let e = self.map.get_mut(&k).expect("just set");
        let first = *e & OWN == 0;
        *e |= OWN;
        first
    }

    pub fn is_own(&self, k: &Name) -> bool {
        self.map.get(k).is_some_and(|v| v & OWN != 0)
    }

    /// Room for `n` more names: a map grown by doubling holds the old
    /// table and the new one at once, the sync's peak of memory.
    pub fn reserve(&mut self, n: usize) {
        self.map.reserve(n);
    }

    pub fn clear(&mut self) {
        self.map = Map::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn every_id_reads_back_as_interned(ids in proptest::collection::vec(
            prop_oneof!["[0-9a-f]{12}", "[0-9a-fA-F]{11,13}", "\\PC{0,20}"], 0..40)
        ) {
            let mut t = ConversationIds::default();
            let slots: Vec<usize> = ids.iter().map(|id| t.intern(id)).collect();
            for (id, &s) in ids.iter().zip(&slots) {
                prop_assert_eq!(&*t.id(s), id.as_str());
                prop_assert_eq!(t.get(id), Some(s));
                prop_assert_eq!(t.intern(id), s);
            }
            let distinct: std::collections::BTreeSet<&String> = ids.iter().collect();
            prop_assert_eq!(t.len(), distinct.len());
        }
    }

    #[test]
    fn hex_ids_order_as_their_strings() {
        let mut t = ConversationIds::default();
        let a = t.intern("00000000000f");
        let b = t.intern("0000000000f0");
        let c = t.intern("ffffffffffff");
        assert!(*t.id(a) < *t.id(b) && *t.id(b) < *t.id(c));
        assert_eq!(t.get("FFFFFFFFFFFF"), None, "upper case is another id");
    }

    #[test]
    fn own_names_keep_their_mark_when_refiled() {
        let mut l = Links::default();
        let k = name("<a@x>");
        assert_eq!(l.get(&k), None);
        l.set(k, None);
        assert_eq!(l.get(&k), Some(None));
        assert!(!l.is_own(&k));
        assert!(l.mark_own(k, 3));
        assert!(!l.mark_own(k, 3), "a second copy");
        l.set(k, Some(7));
        assert_eq!(l.get(&k), Some(Some(7)));
        assert!(l.is_own(&k));
        let fresh = name("<b@x>");
        assert!(l.mark_own(fresh, 5));
        assert_eq!(l.get(&fresh), Some(Some(5)));
    }
}
