//! Checkpoints of the team log in the cache (see `domain::checkpoint`):
//! what a writer reads to make one (the archive of a UID range, the trust
//! and each conversation's state as of its end), and what a reader does
//! with one (lay a snapshot in, take an archive's entries as a fold of
//! those messages would have).

use super::Store;
use super::team::{
    events_of, fold, fold_start, fold_step, queue_refold, read_trust, take_event, write_state,
    write_trust,
};
use crate::domain::checkpoint::{Archived, Base};
use crate::domain::events::{Event, TEAM, TeamState};
use crate::domain::roster::Trust;
use anyhow::Result;
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::{BTreeSet, HashMap};

impl Store {
    /// The log's messages with UIDs in `(from, to]` as the fold left them,
    /// in UID order.
    pub fn archive(&self, from: u32, to: u32) -> Result<Vec<Archived>> {
        let mut out: Vec<Archived> = Vec::new();
        let mut st = self.conn.prepare_cached(
            "SELECT uid, payload, unapproved FROM events WHERE uid > ?1 AND uid <= ?2 ORDER BY uid",
        )?;
        let rows = st.query_map(params![from, to], |r| {
            Ok((
                r.get::<_, u32>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, bool>(2)?,
            ))
        })?;
        for row in rows {
            let (uid, payload, unapproved) = row?;
            let event: Event = serde_json::from_str(&payload)?;
            out.push(Archived::Event {
                uid,
                event,
                unapproved,
            });
        }
        let mut st = self.conn.prepare_cached(
            "SELECT uid, reason FROM rejected_events WHERE uid > ?1 AND uid <= ?2",
        )?;
        let rows = st.query_map(params![from, to], |r| {
            Ok(Archived::Refused {
                uid: r.get(0)?,
                reason: r.get(1)?,
            })
        })?;
        for row in rows {
            out.push(row?);
        }
        out.sort_by_key(Archived::uid);
        Ok(out)
    }

    /// The trust as of log UID `to`: the admitted roster and policy events
    /// up to it, replayed.
    pub fn trust_at(&self, to: u32) -> Result<Trust> {
        let mut st = self.conn.prepare_cached(
            "SELECT payload FROM events WHERE kind IN ('roster', 'policy') AND uid <= ?1 ORDER BY uid",
        )?;
        let mut trust = Trust::default();
        for payload in st.query_map([to], |r| r.get::<_, String>(0))? {
            trust.replay(&serde_json::from_str(&payload?)?);
        }
        Ok(trust)
    }

    /// Each conversation's team state as of log UID `to` (events the log
    /// has not confirmed, and later ones, left out).
    pub fn bases_at(&mut self, to: u32) -> Result<Vec<Base>> {
        self.transaction(|tx| {
            let keys: Vec<String> = tx
                .prepare_cached(
                    "SELECT DISTINCT conversation FROM events WHERE uid <= ?1 AND conversation <> ?2",
                )?
                .query_map(params![to, TEAM], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let mut convs = BTreeSet::new();
            for k in keys {
                convs.insert(super::threading::canonical(tx, &k)?);
            }
            let mut out = Vec::with_capacity(convs.len());
            for conv in convs {
                let events = events_of(tx, &conv)?;
                let upto = events
                    .iter()
                    .filter(|(uid, _)| uid.is_some_and(|u| u <= to))
                    .map(|(_, e)| e);
                let (state, status_at) = fold(upto);
                out.push(Base {
                    conversation: conv,
                    state,
                    status_at,
                });
            }
            Ok(out)
        })
    }

    /// How many log messages the cache holds above UID `end`, and the
    /// highest UID folded (0: none).
    pub fn log_entries_after(&self, end: u32) -> Result<u32> {
        Ok(self.conn.query_row(
            "SELECT (SELECT count(*) FROM events WHERE uid > ?1) + (SELECT count(*) FROM rejected_events WHERE uid > ?1)",
            [end],
            |r| r.get(0),
        )?)
    }

    /// Where the chain of checkpoints ended when this cache last looked.
    pub fn chain_end(&self) -> Result<u32> {
        Ok(self
            .conn
            .query_row(
                "SELECT chain_end FROM checkpoint_chain WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0))
    }

    pub fn set_chain_end(tx: &Transaction<'_>, end: u32) -> Result<()> {
        tx.prepare_cached("INSERT OR REPLACE INTO checkpoint_chain(id, chain_end) VALUES (1, ?1)")?
            .execute([end])?;
        Ok(())
    }

    /// Lays a snapshot in: each conversation's state as of the checkpoint
    /// and the trust. What the archives bring is folded over it later.
    pub fn lay_snapshot(tx: &Transaction<'_>, bases: &[Base], trust: &Trust) -> Result<()> {
        for b in bases {
            let conv = super::threading::canonical(tx, &b.conversation)?;
            write_state(tx, &conv, b.state.clone(), b.status_at)?;
        }
        write_trust(tx, trust)
    }

    /// Takes an archive's entries as a fold of those log messages would:
    /// admitted events into `events` (and what they regroup), refused ones
    /// into `rejected_events`; the trust becomes `trust` (the archive's
    /// end). Touched conversations are queued for
    /// [`Store::refold_pending`]; with `folded`, each event is also folded
    /// into it, by the conversation it names (see [`Store::settle_folded`]).
    pub fn apply_archived(
        tx: &Transaction<'_>,
        entries: &[Archived],
        trust: &Trust,
        folded: &mut Folded,
    ) -> Result<()> {
        let mut touched = BTreeSet::new();
        let now = chrono::Utc::now().timestamp();
        for a in entries {
            match a {
                Archived::Event {
                    uid,
                    event,
                    unapproved,
                } => {
                    let regrouped = take_event(tx, *uid, event, || Ok(*unapproved), &mut touched)?;
                    if event.conversation != TEAM {
                        let acc = folded.states.entry(event.conversation.clone());
                        fold_step(acc.or_insert_with(fold_start), event);
                    }
                    folded.regrouped.extend(regrouped.iter().cloned());
                    touched.extend(regrouped);
                }
                Archived::Refused { uid, reason } => {
                    tx.prepare_cached("INSERT OR REPLACE INTO rejected_events(uid, reason, seen_at) VALUES (?1, ?2, ?3)")?
                        .execute(params![uid, reason, now])?;
                }
            }
        }
        queue_refold(tx, &touched)?;
        if read_trust(tx)? != *trust {
            write_trust(tx, trust)?;
        }
        Ok(())
    }

    /// Whether the cache holds events not pushed yet.
    pub fn has_local_events(&self) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS(SELECT 1 FROM events WHERE uid IS NULL)",
            [],
            |r| r.get(0),
        )?)
    }

    /// Settles what archives taken from an empty cache folded in memory
    /// (`folded`, every event of each conversation so far): a state that
    /// differs from the snapshot laid in (`laid`) is written, one equal to
    /// it left, and either way its refold is taken off the queue. The
    /// queue keeps what memory cannot settle: a conversation with aliases
    /// or regrouped by a merge or split (their events are folded across
    /// keys), and one the snapshot has but no event names. Returns how
    /// many states differed from the snapshot's (an honest snapshot: none).
    pub fn settle_folded(
        tx: &Transaction<'_>,
        folded: &Folded,
        laid: &HashMap<String, (TeamState, i64)>,
    ) -> Result<usize> {
        let mut differed = 0;
        let mut done = tx.prepare_cached("DELETE FROM refold_pending WHERE conversation = ?1")?;
        for (conv, got) in &folded.states {
            let aliased = folded.regrouped.contains(conv)
                || super::threading::canonical(tx, conv)? != *conv
                || tx
                    .prepare_cached(
                        "SELECT EXISTS(SELECT 1 FROM conversation_aliases WHERE canonical = ?1)",
                    )?
                    .query_row([conv], |r| r.get::<_, bool>(0))?;
            if aliased {
                continue;
            }
            if laid.get(conv) != Some(got) {
                if laid.contains_key(conv) {
                    differed += 1;
                }
                write_state(tx, conv, got.0.clone(), got.1)?;
            }
            done.execute([conv])?;
        }
        let mut queue = tx.prepare_cached(
            "INSERT INTO refold_pending(conversation) VALUES (?1) ON CONFLICT DO NOTHING",
        )?;
        for conv in laid.keys().filter(|c| !folded.states.contains_key(*c)) {
            differed += 1;
            queue.execute([conv])?;
        }
        Ok(differed)
    }
}

/// Conversations' team states folded in memory as archives are taken.
#[derive(Debug, Default)]
pub struct Folded {
    /// By the conversation each event names: (state, when its status last
    /// changed), as [`super::team::fold`] gives from the same events.
    pub states: HashMap<String, (TeamState, i64)>,
    /// Conversations a merge or split regrouped.
    pub regrouped: BTreeSet<String>,
}
