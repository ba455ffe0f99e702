//! Insight: what the team's history says. Response and resolution times,
//! volume, backlog, busiest hours and SLA targets, computed from plain
//! facts about each conversation (its customer messages, the team's human
//! replies, its status changes), which the store reads from the cache.
//! Pure: the same facts give the same figures in the TUI, the CLI and the
//! tests.

mod report;
pub mod sla;
#[cfg(test)]
mod tests;

pub use report::{Group, GroupRow, Range, Report, Stat, Totals, report};
pub use sla::{SlaCase, SlaKind, SlaRules, Targets};

use super::Status;
use super::hours::BusinessHours;
use serde::Serialize;

/// One conversation as the figures see it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Case {
    pub id: String,
    pub subject: String,
    /// Labels and owner now.
    pub labels: Vec<String>,
    pub assignee: Option<String>,
    /// Arrival times of the customer's messages, oldest first.
    pub customer: Vec<i64>,
    /// The team's replies written by people (not acknowledgements or other
    /// automatic mail), oldest first.
    pub replies: Vec<Reply>,
    /// Status set by an agent, in log order.
    pub statuses: Vec<(i64, Status)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reply {
    pub at: i64,
    /// Who sent it (an agent's address; the From address for mail sent
    /// outside replypad).
    pub agent: String,
}

/// How time is measured: business hours where the team set them, else
/// the clock.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    pub hours: Option<BusinessHours>,
}

impl Clock {
    pub fn between(&self, from: i64, to: i64) -> i64 {
        match &self.hours {
            Some(h) => h.seconds_between(from, to),
            None => (to - from).max(0),
        }
    }
    pub fn add(&self, from: i64, secs: i64) -> i64 {
        match &self.hours {
            Some(h) => h.add_seconds(from, secs),
            None => from.saturating_add(secs),
        }
    }
}

/// A stretch of a conversation's life in one status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub from: i64,
    /// `None`: still so.
    pub to: Option<i64>,
    pub status: Status,
}

/// What one conversation's history measures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timing {
    /// Its first customer message (else its first reply).
    pub created: i64,
    /// First human reply after `created`: when, by whom, how long it took.
    pub first_response: Option<(i64, String, i64)>,
    /// Closed now: when it was last closed and how long from `created`.
    pub resolved: Option<(i64, i64)>,
    /// Closed (or set pending) and then opened again, by a customer's
    /// message or an agent.
    pub reopened: bool,
    /// Its statuses over time (a customer message after a close, pending
    /// or snooze opens it again).
    pub spans: Vec<Span>,
    /// The oldest customer message not answered yet, once answered before
    /// (what a next-response target runs from).
    pub waiting_since: Option<i64>,
}

impl Case {
    /// The figures of this conversation, measured with `clock`. `None` for
    /// a conversation with no message at all.
    pub fn timing(&self, clock: &Clock) -> Option<Timing> {
        let created = self
            .customer
            .first()
            .copied()
            .or_else(|| self.replies.first().map(|r| r.at))?;
        let first_response = self
            .replies
            .iter()
            .find(|r| r.at >= created)
            .map(|r| (r.at, r.agent.clone(), clock.between(created, r.at)));
        // Merge status changes and customer messages into one timeline.
        let mut changes: Vec<(i64, u8, Option<Status>)> = self
            .statuses
            .iter()
            .map(|&(t, s)| (t, 1, Some(s)))
            .chain(self.customer.iter().map(|&t| (t, 0, None)))
            .filter(|(t, ..)| *t >= created)
            .collect();
        // Stable: at the same second, the message comes first, then the
        // agent's act on it.
        changes.sort_by_key(|(t, k, _)| (*t, *k));
        let mut spans: Vec<Span> = vec![Span {
            from: created,
            to: None,
            status: Status::Open,
        }];
        let mut reopened = false;
        let mut was_done = false;
        for (t, _, s) in changes {
            let now = spans.last().map_or(Status::Open, |s| s.status);
            let next = match s {
                Some(s) => s,
                // A customer writing opens what was not open.
                None => Status::Open,
            };
            if next == now {
                continue;
            }
            if next == Status::Open && was_done {
                reopened = true;
            }
            if next == Status::Closed {
                was_done = true;
            }
            if let Some(last) = spans.last_mut() {
                last.to = Some(t);
            }
            spans.push(Span {
                from: t,
                to: None,
                status: next,
            });
        }
        let resolved = spans
            .last()
            .filter(|s| s.status == Status::Closed)
            .map(|s| (s.from, clock.between(created, s.from)));
        let last_reply = self.replies.last().map(|r| r.at);
        let waiting_since = match last_reply {
            Some(r) if first_response.is_some() => self.customer.iter().copied().find(|&t| t > r),
            _ => None,
        };
        Some(Timing {
            created,
            first_response,
            resolved,
            reopened,
            spans,
            waiting_since,
        })
    }
}

/// The `q`-quantile (0..=1) of sorted `v`, nearest rank.
pub fn quantile(sorted: &[i64], q: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// "3h 20m", "2d 4h", "45m", "30s": a duration for people.
pub fn human(secs: i64) -> String {
    let s = secs.abs();
    let sign = if secs < 0 { "-" } else { "" };
    let (d, h, m) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{sign}{s}s"),
        (0, 0, m) => format!("{sign}{m}m"),
        (0, h, 0) => format!("{sign}{h}h"),
        (0, h, m) => format!("{sign}{h}h {m}m"),
        (d, 0, _) => format!("{sign}{d}d"),
        (d, h, _) => format!("{sign}{d}d {h}h"),
    }
}

/// A date bound typed by an agent: "2026-11-01" (the start of that day in
/// `zone`; with `end`, the end of it), or "30d" / "6w" ago from `now`, or
/// "today". Seconds since the epoch.
pub fn parse_bound(input: &str, zone: chrono_tz::Tz, now: i64, end: bool) -> Result<i64, String> {
    use chrono::TimeZone;
    let s = input.trim().to_ascii_lowercase();
    let start_of = |d: chrono::NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .and_then(|n| zone.from_local_datetime(&n).earliest())
            .map(|t| t.timestamp())
    };
    let today = chrono::DateTime::from_timestamp(now, 0)
        .map(|t| t.with_timezone(&zone).date_naive())
        .ok_or("the clock is out of range")?;
    let day = if s == "today" {
        Some(today)
    } else {
        chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok()
    };
    if let Some(d) = day {
        let d = if end { d.succ_opt().unwrap_or(d) } else { d };
        return start_of(d).ok_or_else(|| format!("{input:?} is not a day in {}", zone.name()));
    }
    let unit = s.chars().last().unwrap_or(' ');
    let n: Option<i64> = s
        .get(..s.len().saturating_sub(unit.len_utf8()))
        .and_then(|n| n.parse().ok());
    let days = match (n, unit) {
        (Some(n), 'd') => n,
        (Some(n), 'w') => n.saturating_mul(7),
        _ => {
            return Err(format!(
                "cannot read {input:?} as a date: use 2026-11-01, today, 30d or 6w (ago)"
            ));
        }
    };
    if !(0..=36_600).contains(&days) {
        return Err(format!("{input:?}: at most 36600 days back"));
    }
    let d = today - chrono::Duration::days(days);
    start_of(if end { d.succ_opt().unwrap_or(d) } else { d })
        .ok_or_else(|| format!("{input:?} is not a day in {}", zone.name()))
}
