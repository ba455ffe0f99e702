//! Team acts on one or many conversations: assign/claim, status, snooze,
//! labels, note, follow, read/unread, undo. Each is committed to SQLite
//! first (the screen shows it at once, offline work queues), then pushed by
//! the transport. Outcomes are typed; the front ends word them.

use super::{Delivery, Desk};
use crate::domain::events::{Event, EventKind, Outcome, TeamState};
use anyhow::{Context, Result, bail, ensure};

/// One act on one conversation, as it came out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActReport {
    pub conversation: String,
    pub event: Event,
    /// From the log read back when the push was done; else as folded here
    /// (a claim of a conversation known to be owned loses at once).
    pub outcome: Outcome,
}

/// What an act changed, to take it back (the log is append-only: undo is
/// a new event, visible to everyone like the act).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Undo {
    pub(super) entries: Vec<(String, TeamState, EventKind)>,
    /// Filed conversations: the folder each came from.
    pub(super) moved_from: std::collections::BTreeMap<String, String>,
}

impl Undo {
    /// The conversations it would touch.
    pub fn conversations(&self) -> Vec<String> {
        self.entries.iter().map(|(c, _, _)| c.clone()).collect()
    }
}

/// What an act did, on every conversation it touched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Acted {
    pub reports: Vec<ActReport>,
    pub undo: Undo,
    pub delivery: Delivery,
}

impl Acted {
    /// The owners of the conversations whose claim lost.
    pub fn lost(&self) -> Vec<&str> {
        self.reports
            .iter()
            .filter_map(|r| match &r.outcome {
                Outcome::ClaimLost { owner } => Some(owner.as_str()),
                Outcome::Applied | Outcome::Unapproved | Outcome::Refused => None,
            })
            .collect()
    }
}

impl Desk {
    /// Records `kind` on every conversation in `targets` (made at `now`),
    /// then pushes.
    pub fn act(&mut self, targets: &[String], kind: EventKind, now: i64) -> Result<Acted> {
        ensure!(!targets.is_empty(), "no conversation selected");
        let kind = self.roster_mentions(kind)?;
        let mut reports = Vec::new();
        let mut undo = Undo::default();
        for conv in targets {
            let before = self.store.team_state(conv)?;
            let (event, after) = self.record_act(conv, kind.clone(), now)?;
            let outcome = match &kind {
                EventKind::Assign {
                    to,
                    reassign: false,
                } if after.assignee != *to => Outcome::ClaimLost {
                    owner: after.assignee.clone().unwrap_or_default(),
                },
                _ => Outcome::Applied,
            };
            undo.entries.push((conv.clone(), before, kind.clone()));
            reports.push(ActReport {
                conversation: conv.clone(),
                event,
                outcome,
            });
        }
        let delivery = self.push();
        if delivery == Delivery::Done {
            // The log is read back: its order decides (a claim may have lost
            // to a teammate's earlier one).
            for r in &mut reports {
                if let Some(o) = self.outcome_of(&r.conversation, &r.event.id)? {
                    r.outcome = o;
                } else if !self.store.event_counted(&r.event.id)? {
                    r.outcome = Outcome::Refused;
                }
            }
        }
        Ok(Acted {
            reports,
            undo,
            delivery,
        })
    }

    /// One signed event on `conv`, recorded locally: (event, state after).
    pub(super) fn record_act(
        &mut self,
        conv: &str,
        kind: EventKind,
        now: i64,
    ) -> Result<(Event, TeamState)> {
        self.check_member()?;
        let (event, raw) = self
            .signer()
            .event_at(conv, kind, now)
            .context("team acts need the team key: set team.key_command in the config")?;
        let state = self.store.record_local_event(&event, &raw)?;
        Ok((event, state))
    }

    /// The outcome of event `id` once the log has it (None: not pushed yet).
    pub fn outcome_of(&mut self, conv: &str, id: &str) -> Result<Option<Outcome>> {
        Ok(self
            .store
            .history(conv)?
            .into_iter()
            .find(|h| h.event.id == id && h.pushed)
            .map(|h| h.outcome))
    }

    /// Takes back an act on every conversation it touched.
    pub fn undo(&mut self, undo: Undo, now: i64) -> Result<(usize, Delivery)> {
        let n = undo.entries.len();
        for (conv, before, kind) in undo.entries {
            if let EventKind::Filed { .. } = kind {
                if let Some(from) = undo.moved_from.get(&conv) {
                    self.file_one(&conv, from, now)?;
                }
                continue;
            }
            let inverse = match kind {
                EventKind::Assign { .. } => EventKind::Assign {
                    to: before.assignee,
                    reassign: true,
                },
                EventKind::Status { .. } => EventKind::Status {
                    status: before.status,
                    until: before.snoozed_until,
                },
                EventKind::Label { add, remove } => EventKind::Label {
                    add: remove
                        .into_iter()
                        .filter(|l| before.labels.contains(l))
                        .collect(),
                    remove: add
                        .into_iter()
                        .filter(|l| !before.labels.contains(l))
                        .collect(),
                },
                EventKind::Follow { on } => EventKind::Follow { on: !on },
                EventKind::Note { .. } => {
                    bail!("a note cannot be undone; add another note to correct it")
                }
                other => bail!("{} cannot be undone", other.name()),
            };
            self.record_act(&conv, inverse, now)?;
        }
        Ok((n, self.push()))
    }

    /// Whether the agent follows `conv`.
    pub fn following(&mut self, conv: &str) -> Result<bool> {
        let me = self.me().to_string();
        Ok(self.store.followers(conv)?.contains(&me))
    }

    /// Marks every message of `conv` read (or unread), local first.
    pub fn mark_read(&mut self, conv: &str, read: bool) -> Result<usize> {
        let n = self.store.mark_conversation_read(conv, read)?;
        if n > 0 {
            self.push();
        }
        Ok(n)
    }
}
