//! The review queue, folded from the log: drafts shared for review, their
//! revisions, verdicts and sends. Pure.

use super::events::{Event, EventKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One revision of a draft as shared with the team (carried by a signed
/// `draft_submitted` event, so a reviewer approves exactly these bytes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftCopy {
    pub draft: String,
    pub revision: u32,
    pub author: String,
    pub reviewer: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: String,
    pub body: String,
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub hash: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub revision: u32,
    pub by: String,
    pub approved: bool,
    pub comment: String,
    pub at: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    Waiting,
    ChangesRequested,
    Approved,
    Sent,
}

impl ReviewState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewState::Waiting => "waiting for review",
            ReviewState::ChangesRequested => "changes requested",
            ReviewState::Approved => "approved",
            ReviewState::Sent => "sent",
        }
    }
}

/// A draft in the review queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SharedDraft {
    pub draft: String,
    pub conversation: String,
    pub author: String,
    pub revisions: Vec<DraftCopy>,
    /// Verdicts, in log order.
    pub verdicts: Vec<Verdict>,
    pub sent: bool,
}

impl SharedDraft {
    pub fn latest(&self) -> &DraftCopy {
        self.revisions
            .last()
            .expect("a shared draft has a revision")
    }

    /// The verdict on the latest revision, if any.
    pub fn verdict(&self) -> Option<&Verdict> {
        let rev = self.latest().revision;
        self.verdicts.iter().rev().find(|v| v.revision == rev)
    }

    pub fn state(&self) -> ReviewState {
        if self.sent {
            return ReviewState::Sent;
        }
        match self.verdict() {
            Some(v) if v.approved => ReviewState::Approved,
            Some(_) => ReviewState::ChangesRequested,
            None => ReviewState::Waiting,
        }
    }

    /// Waiting for review: the latest revision has no verdict and the draft
    /// was not sent. The one definition (the Review view reads it as stored
    /// by the cache when the events are folded).
    pub fn waiting(&self) -> bool {
        self.state() == ReviewState::Waiting
    }

    /// "draft ID revision N: approved" (or "changes requested"), for people.
    pub fn verdict_line(&self, approved: bool) -> String {
        format!(
            "draft {} revision {}: {}",
            self.draft,
            self.latest().revision,
            if approved {
                "approved"
            } else {
                "changes requested"
            }
        )
    }

    /// Whether revision content `hash` is approved by someone other than its author.
    pub fn approves(&self, hash: &str) -> bool {
        self.revisions.iter().any(|r| {
            r.hash == hash
                && self
                    .verdicts
                    .iter()
                    .rev()
                    .find(|v| v.revision == r.revision)
                    .is_some_and(|v| v.approved && v.by != r.author)
        })
    }
}

/// Folds the review events (in log order) into shared drafts by id.
pub fn fold(events: &[Event]) -> BTreeMap<String, SharedDraft> {
    let mut out: BTreeMap<String, SharedDraft> = BTreeMap::new();
    for e in events {
        match &e.kind {
            EventKind::DraftSubmitted { copy } => {
                let d = out
                    .entry(copy.draft.clone())
                    .or_insert_with(|| SharedDraft {
                        draft: copy.draft.clone(),
                        conversation: e.conversation.clone(),
                        author: copy.author.clone(),
                        revisions: Vec::new(),
                        verdicts: Vec::new(),
                        sent: false,
                    });
                // A revision number counts once (the first in log order).
                if !d.revisions.iter().any(|r| r.revision == copy.revision) {
                    d.revisions.push(copy.clone());
                    d.revisions.sort_by_key(|r| r.revision);
                }
            }
            EventKind::Review {
                draft,
                revision,
                approved,
                comment,
            } => {
                if let Some(d) = out.get_mut(draft) {
                    d.verdicts.push(Verdict {
                        revision: *revision,
                        by: e.agent.clone(),
                        approved: *approved,
                        comment: comment.clone(),
                        at: e.at,
                    });
                }
            }
            EventKind::Sent {
                draft: Some(id), ..
            } => {
                if let Some(d) = out.get_mut(id) {
                    d.sent = true;
                }
            }
            _ => {}
        }
    }
    out
}

/// Who must pass review before sending (config `[review]`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Required {
    Everyone,
    #[default]
    Nobody,
    /// Only the agents listed in `review.agents` (e.g. new hires).
    Listed,
}

/// Who sends an approved draft.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sender {
    #[default]
    Author,
    Reviewer,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    #[serde(default)]
    pub required: Required,
    #[serde(default)]
    pub agents: Vec<String>,
    #[serde(default)]
    pub sender: Sender,
    /// Conversations with any of these labels need review whoever writes
    /// (refunds, legal).
    #[serde(default)]
    pub labels: Vec<String>,
}

impl Policy {
    /// Whether a reply by `agent` on a conversation with `labels` needs an
    /// approval first.
    pub fn requires_review(&self, agent: &str, labels: &[String]) -> bool {
        let by_label = labels
            .iter()
            .any(|l| self.labels.iter().any(|p| p.eq_ignore_ascii_case(l)));
        by_label
            || match self.required {
                Required::Everyone => true,
                Required::Nobody => false,
                Required::Listed => self.agents.iter().any(|a| a.eq_ignore_ascii_case(agent)),
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy(rev: u32, body: &str) -> DraftCopy {
        DraftCopy {
            draft: "d1".into(),
            revision: rev,
            author: "ann@x".into(),
            reviewer: None,
            to: vec![],
            cc: vec![],
            subject: "s".into(),
            body: body.into(),
            message_id: "<m@x>".into(),
            in_reply_to: None,
            references: vec![],
            hash: format!("h{rev}"),
        }
    }

    fn ev(agent: &str, kind: EventKind) -> Event {
        Event {
            id: super::super::events::new_event_id(),
            conversation: "c".into(),
            agent: agent.into(),
            at: 0,
            kind,
        }
    }

    fn review(by: &str, rev: u32, ok: bool) -> Event {
        ev(
            by,
            EventKind::Review {
                draft: "d1".into(),
                revision: rev,
                approved: ok,
                comment: "c".into(),
            },
        )
    }

    #[test]
    fn request_changes_revise_approve() {
        let mut evs = vec![ev(
            "ann@x",
            EventKind::DraftSubmitted { copy: copy(1, "a") },
        )];
        assert_eq!(fold(&evs)["d1"].state(), ReviewState::Waiting);
        evs.push(review("bo@x", 1, false));
        assert_eq!(fold(&evs)["d1"].state(), ReviewState::ChangesRequested);
        evs.push(ev(
            "ann@x",
            EventKind::DraftSubmitted { copy: copy(2, "b") },
        ));
        let d = &fold(&evs)["d1"];
        assert_eq!(d.state(), ReviewState::Waiting);
        assert!(!d.approves("h1") && !d.approves("h2"));
        evs.push(review("bo@x", 2, true));
        let d = &fold(&evs)["d1"];
        assert_eq!(d.state(), ReviewState::Approved);
        assert!(d.approves("h2") && !d.approves("h1"));
    }

    #[test]
    fn self_approval_does_not_count() {
        let evs = vec![
            ev("ann@x", EventKind::DraftSubmitted { copy: copy(1, "a") }),
            review("ann@x", 1, true),
        ];
        assert!(!fold(&evs)["d1"].approves("h1"));
    }

    #[test]
    fn policy() {
        let p = Policy {
            required: Required::Listed,
            agents: vec!["New@x".into()],
            sender: Sender::Author,
            labels: vec![],
        };
        assert!(p.requires_review("new@x", &[]));
        assert!(!p.requires_review("old@x", &[]));
        assert!(!Policy::default().requires_review("x", &[]));
        let refunds = Policy {
            labels: vec!["refund".into()],
            ..Policy::default()
        };
        assert!(refunds.requires_review("old@x", &["Refund".into()]));
        assert!(!refunds.requires_review("old@x", &["billing".into()]));
    }
}
