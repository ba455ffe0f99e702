//! Checkpoints of the team log: a new agent must not replay years of
//! events one message at a time. A checkpoint, in its own folder beside the
//! log, is one message holding
//! - an **archive** of the log's messages with UIDs in `(from, to]`: each
//!   admitted event (with the "sent without approval" mark the fold gave
//!   it) and each refused message's reason, exactly what a fold of those
//!   messages puts in the cache;
//! - the trust (roster, policy) as of `to`;
//! - optionally a **snapshot**: each conversation's folded team state as of
//!   `to`, which a new agent lays in before the archives are applied.
//!
//! The manifest (this module's [`Manifest`]) is authenticated like an
//! event: the team key's HMAC and the writer's Ed25519 signature; it names
//! the SHA-256 of the archive and the snapshot. Pure: which checkpoints
//! form the chain ([`chain`]).

use super::events::{Event, TeamState};
use super::roster::{Proof, Trust};
use serde::{Deserialize, Serialize};

/// What a checkpoint says about itself (signed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Who wrote it, and when (their clock).
    pub agent: String,
    pub at: i64,
    /// The log folder's UIDVALIDITY the UIDs belong to.
    pub log_uidvalidity: u32,
    /// The archive holds the log's messages with UIDs in `(from, to]`.
    pub from: u32,
    pub to: u32,
    /// How many entries the archive holds.
    pub entries: u32,
    /// SHA-256 (hex) of the archive part as stored (compressed).
    pub archive_sha256: String,
    /// The trust as of `to`.
    pub trust: Trust,
    /// SHA-256 (hex) of the snapshot part, if the checkpoint has one.
    pub snapshot_sha256: Option<String>,
}

/// One message of the log, as a fold left it.
// Nearly every entry is an event: boxing it would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum Archived {
    /// An event the log admitted.
    Event {
        uid: u32,
        event: Event,
        /// A reply sent without the approval the policy asks for.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        unapproved: bool,
    },
    /// A message the log refused, and why.
    Refused { uid: u32, reason: String },
}

impl Archived {
    pub fn uid(&self) -> u32 {
        match self {
            Archived::Event { uid, .. } | Archived::Refused { uid, .. } => *uid,
        }
    }
}

/// A conversation's team state as of a checkpoint's `to`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Base {
    pub conversation: String,
    pub state: TeamState,
    /// When its status last changed (the time of that event), for the
    /// rule that a customer writing later reopens it.
    pub status_at: i64,
}

/// A checkpoint as found in its folder: its UID there, and its manifest
/// with what the message proves about its writer (or why it is no
/// checkpoint).
pub type Found = (u32, Result<(Manifest, Proof), String>);

/// The checkpoints that count, in order, and the ones that do not, with
/// the reason.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Chain {
    /// (UID in the checkpoint folder, manifest).
    pub links: Vec<(u32, Manifest)>,
    pub ignored: Vec<(u32, String)>,
}

impl Chain {
    /// The links from the one that begins where a cache's fold ended
    /// (`folded`: the highest log UID folded, 0 for none).
    pub fn from(&self, folded: u32) -> &[(u32, Manifest)] {
        match self.links.iter().position(|(_, m)| m.from == folded) {
            Some(i) => &self.links[i..],
            None => &[],
        }
    }

    /// The highest log UID the chain covers (0: none).
    pub fn end(&self) -> u32 {
        self.links.last().map_or(0, |(_, m)| m.to)
    }
}

/// Which checkpoints count, in their folder's UID order (`found` in any
/// order): a checkpoint counts when it is for this log (`uidvalidity`),
/// begins where the chain so far ends (the first one at 0), covers at
/// least one UID, and its writer is vouched for by the trust as of both
/// ends (a member who was removed before `from`, or within the range,
/// cannot write one). Two written for the same place: the first in UID
/// order wins, like claims; one out of order (a range already covered, a
/// gap) is ignored.
pub fn chain(found: &[Found], uidvalidity: u32) -> Chain {
    let mut sorted: Vec<&Found> = found.iter().collect();
    sorted.sort_by_key(|(uid, _)| *uid);
    let mut out = Chain::default();
    let mut trust = Trust::default();
    for (uid, got) in sorted {
        let verdict = got.as_ref().map_err(Clone::clone).and_then(|(m, proof)| {
            let end = out.end();
            if m.log_uidvalidity != uidvalidity {
                return Err(format!(
                    "for another log (UIDVALIDITY {}, the log's is {uidvalidity})",
                    m.log_uidvalidity
                ));
            }
            if m.from != end {
                return Err(format!(
                    "out of order: begins after UID {}, the chain ends at {end}",
                    m.from
                ));
            }
            if m.to <= m.from {
                return Err(format!("an empty range ({}..{}]", m.from, m.to));
            }
            trust
                .vouches(&m.agent, proof)
                .and_then(|()| m.trust.vouches(&m.agent, proof))
                .map_err(|e| format!("writer not vouched for: {e}"))?;
            Ok(m)
        });
        match verdict {
            Ok(m) => {
                trust = m.trust.clone();
                out.links.push((*uid, m.clone()));
            }
            Err(reason) => out.ignored.push((*uid, reason)),
        }
    }
    out
}

#[cfg(test)]
#[path = "checkpoint_tests.rs"]
mod tests;
