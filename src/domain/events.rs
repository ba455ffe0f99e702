//! Team events: the shared state of a conversation (owner, status, labels,
//! notes, followers) as an append-only log, folded in the server's UID
//! order. Pure: folding, signing input, parsing of human inputs.

use super::Status;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// What happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// Take ownership. A claim (`reassign: false`) of an owned conversation loses.
    Assign {
        to: Option<String>,
        reassign: bool,
    },
    Status {
        status: Status,
        until: Option<i64>,
    },
    Label {
        add: Vec<String>,
        remove: Vec<String>,
    },
    Note {
        text: String,
        mentions: Vec<String>,
    },
    Follow {
        on: bool,
    },
    /// "Someone is replying": presence while a reply is drafted, until
    /// `until` (or stopped with `on: false`).
    Replying {
        on: bool,
        until: i64,
    },
    /// A draft shared for review (each revision is one event).
    DraftSubmitted {
        copy: super::review::DraftCopy,
    },
    /// A reviewer's verdict on one revision of a draft.
    Review {
        draft: String,
        revision: u32,
        approved: bool,
        comment: String,
    },
    /// A team template saved (a new version) or deleted (`body: None`).
    Template {
        name: String,
        body: Option<String>,
    },
    /// The conversation's messages were moved to `folder`, whose role is
    /// `role` (`archive`, `junk`, `trash` or `inbox`): archived, marked as
    /// spam, trashed, or moved back. (Where it is comes from the folders;
    /// this is the record of who did it.)
    Filed {
        folder: String,
        role: String,
    },
    /// Merged by hand with conversation `into` (the threading kept apart
    /// what belongs together). Every client merges the two as the threading
    /// does: the smaller id survives, team state folds from both logs.
    Merge {
        into: String,
    },
    /// Split by hand: message `message_id` and the replies to it become a
    /// conversation of their own (the threading joined two cases). Every
    /// client threads that message, and what follows it, apart from then on.
    Split {
        message_id: String,
    },
    /// A reply went out (the SMTP server accepted it).
    Sent {
        draft: Option<String>,
        message_id: String,
        subject: String,
    },
    /// The team's roster changed (conversation [`TEAM`]).
    Roster {
        change: super::roster::Change,
    },
    /// An admin set the team policy, as TOML (conversation [`TEAM`]).
    Policy {
        toml: String,
    },
    /// A job scheduled by an agent (a reply sent later, an update unless
    /// the customer writes first); the same `job` again reschedules it.
    Job {
        job: String,
        spec: super::jobs::JobSpec,
    },
    /// A runner (a daemon or TUI) wants to do `job`: the first counted
    /// claim in log order owns it (`domain::jobs`). `to`: the address an
    /// automatic message goes to (its rate rules).
    JobClaim {
        job: String,
        runner: String,
        what: super::jobs::What,
        to: Option<String>,
    },
    /// The owner of `job` did it (or could not).
    JobDone {
        job: String,
        runner: String,
        outcome: super::jobs::JobOutcome,
    },
    /// An agent cancelled `job` before it ran.
    JobCancel {
        job: String,
        reason: String,
    },
    /// Automatic acknowledgements switched on or off (conversation
    /// [`TEAM`]): only mail that arrives after "on" is acknowledged.
    Automation {
        acknowledge: bool,
    },
}

/// The conversation field of events about the team itself (roster, policy).
pub const TEAM: &str = "team";

impl EventKind {
    /// Whether the event is part of a conversation's history (who did
    /// what): not a teammate's presence in a reply, nor a daemon claiming
    /// a job to run. One rule for `history`, `H` and the post-mortem.
    pub fn in_history(&self) -> bool {
        !matches!(
            self,
            EventKind::Replying { .. } | EventKind::JobClaim { .. }
        )
    }

    /// One line for people: "assigned to ana@…", "labels +billing -urgent";
    /// times in UTC (logs, text shared by agents in several zones).
    pub fn describe(&self) -> String {
        self.describe_with(super::when::utc_text)
    }

    /// [`describe`](Self::describe) with times in the agent's zone (`zone`,
    /// else the system's), as they were typed.
    pub fn describe_in(&self, zone: Option<chrono_tz::Tz>) -> String {
        self.describe_with(|t| super::when::local_text(t, zone))
    }

    /// [`describe`](Self::describe) with times as `when` writes them (the
    /// agent's zone, on screen).
    pub fn describe_with(&self, when: impl Fn(i64) -> String) -> String {
        match self {
            EventKind::Assign {
                to: Some(a),
                reassign: false,
            } => format!("claimed by {a}"),
            EventKind::Assign { to: Some(a), .. } => format!("assigned to {a}"),
            EventKind::Assign { to: None, .. } => "unassigned".into(),
            EventKind::Status {
                status: Status::Snoozed,
                until: Some(t),
            } => format!("snoozed until {}", when(*t)),
            EventKind::Status { status, .. } => format!("status {status}"),
            EventKind::Label { add, remove } => {
                let mut v: Vec<String> = add.iter().map(|l| format!("+{l}")).collect();
                v.extend(remove.iter().map(|l| format!("-{l}")));
                format!("labels {}", v.join(" "))
            }
            EventKind::Note { mentions, .. } if !mentions.is_empty() => {
                format!("note added (mentions {})", mentions.join(", "))
            }
            EventKind::Note { .. } => "note added".into(),
            EventKind::Follow { on: true } => "following".into(),
            EventKind::Follow { on: false } => "not following".into(),
            EventKind::Replying { on: true, .. } => "replying".into(),
            EventKind::Replying { on: false, .. } => "stopped replying".into(),
            EventKind::DraftSubmitted { copy } => match &copy.reviewer {
                Some(r) => format!(
                    "draft {} revision {} submitted for review by {r}",
                    copy.draft, copy.revision
                ),
                None => format!(
                    "draft {} revision {} submitted for review",
                    copy.draft, copy.revision
                ),
            },
            EventKind::Review {
                draft,
                revision,
                approved: true,
                ..
            } => format!("draft {draft} revision {revision} approved"),
            EventKind::Review {
                draft,
                revision,
                comment,
                ..
            } => format!("changes requested on draft {draft} revision {revision}: {comment}"),
            EventKind::Sent { subject, .. } => format!("replied: {subject}"),
            EventKind::Merge { into } => format!("merged with {into}"),
            EventKind::Split { message_id } => format!(
                "split off at <{message_id}> (now {})",
                crate::domain::thread::conversation_id(message_id)
            ),
            EventKind::Filed { role, folder } => match role.as_str() {
                "archive" => "archived".into(),
                "junk" => "marked as spam".into(),
                "trash" => "moved to the trash".into(),
                _ => format!("moved to {folder}"),
            },
            EventKind::Template {
                name,
                body: Some(_),
            } => format!("team template {name} saved"),
            EventKind::Template { name, body: None } => format!("team template {name} deleted"),
            EventKind::Roster { change } => change.describe(),
            EventKind::Policy { .. } => "set the team policy".into(),
            EventKind::Job { spec, .. } => spec.describe(&when),
            EventKind::JobClaim { what, runner, .. } => format!("{what} claimed by {runner}"),
            EventKind::JobDone { outcome, .. } => outcome.describe(),
            EventKind::JobCancel { reason, .. } => format!("scheduled message cancelled: {reason}"),
            EventKind::Automation { acknowledge: true } => {
                "automatic acknowledgements switched on".into()
            }
            EventKind::Automation { acknowledge: false } => {
                "automatic acknowledgements switched off".into()
            }
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Assign { .. } => "assign",
            EventKind::Status { .. } => "status",
            EventKind::Label { .. } => "label",
            EventKind::Note { .. } => "note",
            EventKind::Follow { .. } => "follow",
            EventKind::Replying { .. } => "replying",
            EventKind::DraftSubmitted { .. } => "draft_submitted",
            EventKind::Review { .. } => "review",
            EventKind::Sent { .. } => "sent",
            EventKind::Template { .. } => "template",
            EventKind::Filed { .. } => "filed",
            EventKind::Merge { .. } => "merge",
            EventKind::Split { .. } => "split",
            EventKind::Roster { .. } => "roster",
            EventKind::Policy { .. } => "policy",
            EventKind::Job { .. } => "job",
            EventKind::JobClaim { .. } => "job_claim",
            EventKind::JobDone { .. } => "job_done",
            EventKind::JobCancel { .. } => "job_cancel",
            EventKind::Automation { .. } => "automation",
        }
    }

    /// Whether the event changes what a conversation row shows (the others
    /// are read from the log where needed: drafts, reviews, sends).
    pub fn affects_row(&self) -> bool {
        !matches!(
            self,
            EventKind::DraftSubmitted { .. }
                | EventKind::Review { .. }
                | EventKind::Sent { .. }
                | EventKind::Template { .. }
                | EventKind::Filed { .. }
                | EventKind::Roster { .. }
                | EventKind::Policy { .. }
                | EventKind::Job { .. }
                | EventKind::JobClaim { .. }
                | EventKind::JobDone { .. }
                | EventKind::JobCancel { .. }
                | EventKind::Automation { .. }
        )
    }

    /// The job an automation event is about.
    pub fn job(&self) -> Option<&str> {
        match self {
            EventKind::Job { job, .. }
            | EventKind::JobClaim { job, .. }
            | EventKind::JobDone { job, .. }
            | EventKind::JobCancel { job, .. } => Some(job),
            _ => None,
        }
    }
}

/// One event: who did what to which conversation, when (by their clock;
/// order comes from the server, not from this time).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub id: String,
    pub conversation: String,
    pub agent: String,
    pub at: i64,
    #[serde(flatten)]
    pub kind: EventKind,
}

/// The team state of one conversation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamState {
    pub assignee: Option<String>,
    pub status: Status,
    pub snoozed_until: Option<i64>,
    pub labels: BTreeSet<String>,
    pub followers: BTreeSet<String>,
    /// Agents drafting a reply now, and until when their presence holds.
    pub replying: std::collections::BTreeMap<String, i64>,
}

/// What applying an event did (claims can lose).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    ClaimLost {
        owner: String,
    },
    /// A reply the team policy says needed approval, sent without it.
    Unapproved,
    /// The log refused it (the author is not on the roster, or their key
    /// is not the one it holds).
    Refused,
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Applied => f.write_str("applied"),
            Outcome::ClaimLost { owner } => write!(f, "claim lost to {owner}"),
            Outcome::Unapproved => f.write_str("sent without approval"),
            Outcome::Refused => f.write_str("refused by the team log (see `replypad doctor`)"),
        }
    }
}

/// Serialized as the words people read (`history --json` keeps its shape).
impl Serialize for Outcome {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl PartialEq<&str> for Outcome {
    fn eq(&self, other: &&str) -> bool {
        match self {
            Outcome::Applied => *other == "applied",
            Outcome::ClaimLost { owner } => other
                .strip_prefix("claim lost to ")
                .is_some_and(|o| o == owner),
            Outcome::Unapproved => *other == "sent without approval",
            Outcome::Refused => other.starts_with("refused by the team log"),
        }
    }
}

impl TeamState {
    /// Applies one event; events must come in log order.
    pub fn apply(&mut self, e: &Event) -> Outcome {
        match &e.kind {
            EventKind::Assign { to, reassign } => match (&self.assignee, reassign) {
                (Some(owner), false) if Some(owner) != to.as_ref() && to.is_some() => {
                    return Outcome::ClaimLost {
                        owner: owner.clone(),
                    };
                }
                _ => self.assignee = to.clone(),
            },
            EventKind::Status { status, until } => {
                self.status = *status;
                self.snoozed_until = if *status == Status::Snoozed {
                    *until
                } else {
                    None
                };
            }
            EventKind::Label { add, remove } => {
                for l in remove {
                    self.labels.remove(l);
                }
                self.labels.extend(add.iter().cloned());
            }
            EventKind::Replying { on: true, until } => {
                self.replying.insert(e.agent.clone(), *until);
            }
            EventKind::Replying { on: false, .. } => {
                self.replying.remove(&e.agent);
            }
            EventKind::Sent { .. } => {
                self.replying.remove(&e.agent);
            }
            EventKind::Note { .. }
            | EventKind::Merge { .. }
            | EventKind::Split { .. }
            | EventKind::Filed { .. }
            | EventKind::Template { .. }
            | EventKind::DraftSubmitted { .. }
            | EventKind::Review { .. }
            | EventKind::Roster { .. }
            | EventKind::Policy { .. }
            | EventKind::Job { .. }
            | EventKind::JobClaim { .. }
            | EventKind::JobDone { .. }
            | EventKind::JobCancel { .. }
            | EventKind::Automation { .. } => {}
            EventKind::Follow { on } => {
                if *on {
                    self.followers.insert(e.agent.clone());
                } else {
                    self.followers.remove(&e.agent);
                }
            }
        }
        Outcome::Applied
    }
}

/// `@name` mentions in a note (lowercased, deduplicated, in order).
pub fn mentions(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in text.split(|c: char| c.is_whitespace() || ",;:!?()".contains(c)) {
        if let Some(m) = w.strip_prefix('@') {
            let m = m.trim_end_matches('.').to_ascii_lowercase();
            if !m.is_empty() && !out.contains(&m) {
                out.push(m);
            }
        }
    }
    out
}

/// A fresh event id: 128 random bits, hex.
pub fn new_event_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut s = String::new();
    for _ in 0..2 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos(),
        );
        s.push_str(&format!("{:016x}", h.finish()));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(agent: &str, kind: EventKind) -> Event {
        Event {
            id: new_event_id(),
            conversation: "c".into(),
            agent: agent.into(),
            at: 0,
            kind,
        }
    }

    #[test]
    fn first_claim_wins_and_reassign_overrides() {
        let mut s = TeamState::default();
        let claim = |a: &str| {
            ev(
                a,
                EventKind::Assign {
                    to: Some(a.into()),
                    reassign: false,
                },
            )
        };
        assert_eq!(s.apply(&claim("ana")), Outcome::Applied);
        assert_eq!(
            s.apply(&claim("bo")),
            Outcome::ClaimLost {
                owner: "ana".into()
            }
        );
        assert_eq!(s.assignee.as_deref(), Some("ana"));
        s.apply(&ev(
            "lee",
            EventKind::Assign {
                to: Some("bo".into()),
                reassign: true,
            },
        ));
        assert_eq!(s.assignee.as_deref(), Some("bo"));
        s.apply(&ev(
            "bo",
            EventKind::Assign {
                to: None,
                reassign: true,
            },
        ));
        assert_eq!(s.assignee, None);
    }

    #[test]
    fn labels_status_followers() {
        let mut s = TeamState::default();
        s.apply(&ev(
            "a",
            EventKind::Label {
                add: vec!["billing".into(), "urgent".into()],
                remove: vec![],
            },
        ));
        s.apply(&ev(
            "a",
            EventKind::Label {
                add: vec![],
                remove: vec!["urgent".into()],
            },
        ));
        assert_eq!(s.labels.iter().collect::<Vec<_>>(), vec!["billing"]);
        s.apply(&ev(
            "a",
            EventKind::Status {
                status: Status::Snoozed,
                until: Some(5),
            },
        ));
        assert_eq!((s.status, s.snoozed_until), (Status::Snoozed, Some(5)));
        s.apply(&ev("a", EventKind::Follow { on: true }));
        assert!(s.followers.contains("a"));
    }

    #[test]
    fn mention_parsing() {
        assert_eq!(
            mentions("ping @Sam and @lee, also @sam."),
            vec!["sam", "lee"]
        );
        assert_ne!(new_event_id(), new_event_id());
    }
}
