//! Service-level targets: which conversations breached one, and which are
//! about to.

use super::{Case, Clock, Timing};
use crate::domain::Status;
use serde::Serialize;
use std::collections::BTreeMap;

/// Targets in seconds (of business time where hours are set).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Targets {
    pub first_response: Option<i64>,
    pub next_response: Option<i64>,
    pub resolution: Option<i64>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SlaRules {
    pub default: Targets,
    /// Per label; where several of a conversation's labels set a target,
    /// the shortest counts.
    pub label: BTreeMap<String, Targets>,
}

impl SlaRules {
    pub fn is_empty(&self) -> bool {
        self.default == Targets::default() && self.label.values().all(|t| *t == Targets::default())
    }

    /// The targets for a conversation with `labels`.
    pub fn for_labels(&self, labels: &[String]) -> Targets {
        let pick = |f: fn(&Targets) -> Option<i64>| {
            labels
                .iter()
                .filter_map(|l| self.label.get(l).and_then(f))
                .min()
                .or(f(&self.default))
        };
        Targets {
            first_response: pick(|t| t.first_response),
            next_response: pick(|t| t.next_response),
            resolution: pick(|t| t.resolution),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaKind {
    FirstResponse,
    NextResponse,
    Resolution,
}

impl SlaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SlaKind::FirstResponse => "first response",
            SlaKind::NextResponse => "next response",
            SlaKind::Resolution => "resolution",
        }
    }
}

/// A target a conversation missed or is about to miss.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SlaCase {
    pub id: String,
    pub subject: String,
    pub kind: SlaKind,
    pub due: i64,
    /// When it was met (late), if it was.
    pub met: Option<i64>,
    /// Seconds left at `now` (negative: overdue).
    pub left: i64,
    pub breached: bool,
}

/// "About to breach": less than a quarter of the target left, and at most
/// an hour.
pub fn warn_before(target: i64) -> i64 {
    (target / 4).min(3600)
}

/// Every target of `case` that is breached or at risk at `now`.
pub fn check(case: &Case, t: &Timing, rules: &SlaRules, clock: &Clock, now: i64) -> Vec<SlaCase> {
    let targets = rules.for_labels(&case.labels);
    let mut out = Vec::new();
    // Pending, snoozed or closed: the team waits for nobody, the clock
    // stops (as `next_due` says for the thread list).
    let done = t.spans.last().is_some_and(|s| s.status != Status::Open);
    let mut judge = |kind, from: i64, target: Option<i64>, met: Option<i64>| {
        let Some(target) = target else { return };
        let due = clock.add(from, target);
        let breached = met.map_or(now > due, |m| m > due);
        let open = met.is_none() && !done;
        let left = due - now;
        let at_risk = open && !breached && clock.between(now, due) <= warn_before(target);
        if (breached && (open || met.is_some())) || at_risk {
            out.push(SlaCase {
                id: case.id.clone(),
                subject: case.subject.clone(),
                kind,
                due,
                met,
                left,
                breached,
            });
        }
    };
    judge(
        SlaKind::FirstResponse,
        t.created,
        targets.first_response,
        t.first_response.as_ref().map(|f| f.0),
    );
    if let Some(w) = t.waiting_since {
        judge(SlaKind::NextResponse, w, targets.next_response, None);
    }
    judge(
        SlaKind::Resolution,
        t.created,
        targets.resolution,
        t.resolved.map(|r| r.0),
    );
    out
}

/// The soonest target still open on a conversation (for the thread
/// list's "due in 25m"): its kind and due time.
pub fn next_due(
    case: &Case,
    t: &Timing,
    rules: &SlaRules,
    clock: &Clock,
) -> Option<(SlaKind, i64)> {
    if t.spans.last().is_some_and(|s| s.status != Status::Open) {
        return None;
    }
    let targets = rules.for_labels(&case.labels);
    let mut due = Vec::new();
    if t.first_response.is_none()
        && let Some(x) = targets.first_response
    {
        due.push((SlaKind::FirstResponse, clock.add(t.created, x)));
    }
    if let (Some(w), Some(x)) = (t.waiting_since, targets.next_response) {
        due.push((SlaKind::NextResponse, clock.add(w, x)));
    }
    if let Some(x) = targets.resolution {
        due.push((SlaKind::Resolution, clock.add(t.created, x)));
    }
    due.into_iter().min_by_key(|(_, d)| *d)
}
