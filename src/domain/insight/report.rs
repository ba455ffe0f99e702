//! The figures of a date range: totals, per day, per label / agent /
//! week, busiest hours, SLA breaches. What `replypad report` prints and
//! the reports view draws.

use super::sla::{self, SlaCase, SlaRules};
use super::{Case, Clock, Timing, quantile};
use crate::domain::Status;
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Timelike};
use chrono_tz::Tz;
use serde::Serialize;
use std::collections::BTreeMap;

/// `[since, until)`, seconds since the epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    pub since: i64,
    pub until: i64,
}

/// How `report --by` groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    Label,
    Agent,
    Week,
}

impl Group {
    /// The heading of a row's count ([`GroupRow::conversations`]): of a
    /// label or a week, the conversations begun; of an agent, those they
    /// answered first (a resolution counts for the owner, so a row may
    /// have resolutions and none answered).
    pub fn count_heading(self) -> &'static str {
        match self {
            Group::Label | Group::Week => "convs",
            Group::Agent => "answered",
        }
    }
}

/// Median and 90th percentile of durations, in seconds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Stat {
    pub count: usize,
    pub median: Option<i64>,
    pub p90: Option<i64>,
}

impl Stat {
    /// "1h 20m / 5h" (median / p90), or "-" without data.
    pub fn text(&self) -> String {
        match (self.median, self.p90) {
            (Some(m), Some(p)) => format!("{} / {}", super::human(m), super::human(p)),
            _ => "-".into(),
        }
    }

    fn of(mut v: Vec<i64>) -> Stat {
        v.sort_unstable();
        Stat {
            count: v.len(),
            median: quantile(&v, 0.5),
            p90: quantile(&v, 0.9),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Conversations that began in the range.
    pub new: usize,
    /// Of those: answered by a person, closed now, opened again.
    pub replied: usize,
    pub resolved: usize,
    pub reopened: usize,
    /// Reopened per hundred closed at least once.
    pub reopen_rate_pct: Option<u32>,
    pub first_response: Stat,
    pub resolution: Stat,
    /// At the end of the range.
    pub open: usize,
    pub pending: usize,
    pub breached: usize,
    pub at_risk: usize,
}

/// One day of the range (in the report's zone).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Day {
    #[serde(serialize_with = "iso_day")]
    pub date: NaiveDate,
    pub new: usize,
    /// Backlog at the end of the day.
    pub open: usize,
    /// Pending or snoozed at the end of the day.
    pub pending: usize,
}

fn iso_day<S: serde::Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&d.format("%Y-%m-%d"))
}

/// One group (a label, an agent, a week).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct GroupRow {
    pub key: String,
    /// Conversations begun (a label, a week) or first answered (an agent).
    pub conversations: usize,
    pub first_response: Stat,
    pub resolution: Stat,
    pub reopened: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub since: i64,
    pub until: i64,
    /// The zone days and hours are counted in.
    pub zone: String,
    /// "business hours: Monday to Friday, 09:00–17:30 (Europe/Berlin)" or
    /// "clock time".
    pub measured_in: String,
    pub label: Option<String>,
    pub totals: Totals,
    pub days: Vec<Day>,
    pub by_label: Vec<GroupRow>,
    pub by_agent: Vec<GroupRow>,
    pub by_week: Vec<GroupRow>,
    /// Customer messages by weekday (Monday first) and hour.
    pub busiest: [[u32; 24]; 7],
    /// Breached targets of conversations begun in the range, and targets
    /// about to be breached now; most urgent first.
    pub sla: Vec<SlaCase>,
}

impl Report {
    pub fn groups(&self, by: Group) -> &[GroupRow] {
        match by {
            Group::Label => &self.by_label,
            Group::Agent => &self.by_agent,
            Group::Week => &self.by_week,
        }
    }
}

/// The most days a report lists one by one.
pub const MAX_DAYS: i64 = 3660;

/// The figures of `cases` in `range`, days and hours counted in `zone`,
/// durations with `clock`, SLA judged at `now`. `label`: only
/// conversations with it.
pub fn report(
    cases: &[Case],
    range: Range,
    zone: Tz,
    clock: &Clock,
    rules: &SlaRules,
    label: Option<&str>,
    now: i64,
) -> Report {
    let local = |t: i64| DateTime::from_timestamp(t, 0).map(|u| u.with_timezone(&zone));
    let day_of = |t: i64| local(t).map(|d| d.date_naive());
    let start_of = |d: NaiveDate| -> i64 {
        d.and_hms_opt(0, 0, 0)
            .and_then(|n| zone.from_local_datetime(&n).earliest())
            .map_or(0, |t| t.timestamp())
    };
    let mut days: Vec<Day> = Vec::new();
    if let (Some(first), Some(last)) = (day_of(range.since), day_of(range.until - 1)) {
        let mut d = first;
        while d <= last && (days.len() as i64) < MAX_DAYS {
            days.push(Day {
                date: d,
                ..Day::default()
            });
            match d.succ_opt() {
                Some(n) => d = n,
                None => break,
            }
        }
    }
    // The instant each day ends (the next one begins), clamped to the range.
    let ends: Vec<i64> = days
        .iter()
        .map(|d| {
            d.date
                .succ_opt()
                .map_or(range.until, start_of)
                .min(range.until)
        })
        .collect();
    let chosen: Vec<(&Case, Timing)> = cases
        .iter()
        .filter(|c| label.is_none_or(|l| c.labels.iter().any(|x| x == l)))
        .filter_map(|c| c.timing(clock).map(|t| (c, t)))
        .collect();
    let mut r = Report {
        since: range.since,
        until: range.until,
        zone: zone.name().to_string(),
        measured_in: clock.hours.as_ref().map_or("clock time".into(), |h| {
            format!("business hours: {}", h.describe())
        }),
        label: label.map(str::to_string),
        ..Report::default()
    };
    let mut fr = Vec::new();
    let mut res = Vec::new();
    let mut closed_once = 0;
    let mut label_rows: BTreeMap<String, Acc> = BTreeMap::new();
    let mut agent_rows: BTreeMap<String, Acc> = BTreeMap::new();
    let mut week_rows: BTreeMap<NaiveDate, Acc> = BTreeMap::new();
    let mut open_diff = vec![0i64; days.len() + 1];
    let mut pending_diff = vec![0i64; days.len() + 1];
    for (c, t) in &chosen {
        // Backlog: every stretch open or pending that covers a day's end.
        for s in &t.spans {
            let diff = match s.status {
                Status::Open => &mut open_diff,
                Status::Pending | Status::Snoozed => &mut pending_diff,
                Status::Closed => continue,
            };
            let a = ends.partition_point(|&e| e <= s.from);
            let b =
                s.to.map_or(ends.len(), |to| ends.partition_point(|&e| e < to));
            if a < b {
                diff[a] += 1;
                diff[b] -= 1;
            }
        }
        for &m in &c.customer {
            if (range.since..range.until).contains(&m)
                && let Some(l) = local(m)
            {
                r.busiest[l.weekday().num_days_from_monday() as usize][l.hour() as usize] += 1;
            }
        }
        for s in sla::check(c, t, rules, clock, now) {
            let begun_in_range = (range.since..range.until).contains(&t.created);
            if begun_in_range || !s.breached {
                r.sla.push(s);
            }
        }
        if !(range.since..range.until).contains(&t.created) {
            continue;
        }
        r.totals.new += 1;
        if let Some(i) = day_of(t.created).and_then(|d| days.iter().position(|x| x.date == d)) {
            days[i].new += 1;
        }
        let ever_closed = t.spans.iter().any(|s| s.status == Status::Closed);
        closed_once += usize::from(ever_closed);
        r.totals.reopened += usize::from(t.reopened);
        let frt = t.first_response.as_ref().map(|f| f.2);
        let rt = t.resolved.map(|r| r.1);
        if let Some(f) = frt {
            r.totals.replied += 1;
            fr.push(f);
        }
        if let Some(x) = rt {
            r.totals.resolved += 1;
            res.push(x);
        }
        let groups = if c.labels.is_empty() {
            vec!["(no label)".to_string()]
        } else {
            c.labels.clone()
        };
        for l in groups {
            label_rows.entry(l).or_default().add(frt, rt, t.reopened);
        }
        if let Some(d) = day_of(t.created) {
            let monday = d - chrono::Duration::days(d.weekday().num_days_from_monday() as i64);
            week_rows
                .entry(monday)
                .or_default()
                .add(frt, rt, t.reopened);
        }
        if let Some((_, agent, f)) = &t.first_response {
            agent_rows
                .entry(agent.clone())
                .or_default()
                .add(Some(*f), None, false);
        }
        if let Some(x) = rt {
            let owner = c.assignee.clone().unwrap_or_else(|| "(unassigned)".into());
            let row = agent_rows.entry(owner).or_default();
            row.res.push(x);
            row.reopened += usize::from(t.reopened);
        }
    }
    let (mut open, mut pending) = (0i64, 0i64);
    for (i, d) in days.iter_mut().enumerate() {
        open += open_diff[i];
        pending += pending_diff[i];
        d.open = open.max(0) as usize;
        d.pending = pending.max(0) as usize;
    }
    if let Some(last) = days.last() {
        r.totals.open = last.open;
        r.totals.pending = last.pending;
    }
    r.days = days;
    r.totals.first_response = Stat::of(fr);
    r.totals.resolution = Stat::of(res);
    r.totals.reopen_rate_pct = (closed_once > 0)
        .then(|| ((r.totals.reopened * 100 + closed_once / 2) / closed_once) as u32);
    // What can still be helped first (soonest due), then what was met
    // late (most recent first).
    r.sla.sort_by_key(|s| {
        (
            s.met.is_some(),
            if s.met.is_some() { -s.due } else { s.due },
            s.id.clone(),
        )
    });
    r.totals.breached = r.sla.iter().filter(|s| s.breached).count();
    r.totals.at_risk = r.sla.len() - r.totals.breached;
    r.by_label = rows(label_rows);
    r.by_agent = rows(agent_rows);
    r.by_week = week_rows
        .into_iter()
        .map(|(d, a)| a.row(d.format("%Y-%m-%d").to_string()))
        .collect();
    // Busiest groups first, then by name.
    r.by_label.sort_by(|a, b| {
        b.conversations
            .cmp(&a.conversations)
            .then(a.key.cmp(&b.key))
    });
    r
}

#[derive(Default)]
struct Acc {
    conversations: usize,
    fr: Vec<i64>,
    res: Vec<i64>,
    reopened: usize,
}

impl Acc {
    fn add(&mut self, fr: Option<i64>, res: Option<i64>, reopened: bool) {
        self.conversations += 1;
        self.fr.extend(fr);
        self.res.extend(res);
        self.reopened += usize::from(reopened);
    }
    fn row(self, key: String) -> GroupRow {
        GroupRow {
            key,
            conversations: self.conversations,
            first_response: Stat::of(self.fr),
            resolution: Stat::of(self.res),
            reopened: self.reopened,
        }
    }
}

fn rows(m: BTreeMap<String, Acc>) -> Vec<GroupRow> {
    m.into_iter().map(|(k, a)| a.row(k)).collect()
}
