//! Reports and post-mortems: the figures of `domain::insight` over this
//! cache, with the team's hours and SLA targets. One path for the reports
//! view, `replypad report` and `replypad export`.

use super::Desk;
use crate::domain::insight::{self, Case, Clock, Range, Report, SlaKind, SlaRules};
use anyhow::Result;
use chrono_tz::Tz;
use std::collections::HashMap;

/// Days a report covers unless told (four weeks).
pub const DEFAULT_DAYS: i64 = 28;

impl Desk {
    /// The zone days and hours are counted in: the team's business hours'
    /// zone, else the agent's, else the system's, else UTC.
    pub fn report_zone(&self) -> Tz {
        self.cfg
            .hours
            .as_ref()
            .and_then(|h| h.timezone.parse().ok())
            .or_else(|| self.cfg.time_zone())
            .or_else(system_zone)
            .unwrap_or(Tz::UTC)
    }

    /// How durations are measured (business hours where set).
    pub fn insight_clock(&self) -> Clock {
        Clock {
            hours: self.cfg.hours.as_ref().and_then(|h| h.business()),
        }
    }

    pub fn sla_rules(&self) -> SlaRules {
        self.cfg.sla.rules()
    }

    /// The conversations as the figures see them.
    pub fn cases(&self) -> Result<Vec<Case>> {
        self.store.insight_cases()
    }

    /// The report of `range` (only conversations labelled `label`, if given),
    /// SLA judged at `now`.
    pub fn report(&self, range: Range, label: Option<&str>, now: i64) -> Result<Report> {
        Ok(self.report_of(&self.cases()?, range, label, now))
    }

    /// The same, over cases already read (the reports view keeps them).
    pub fn report_of(&self, cases: &[Case], range: Range, label: Option<&str>, now: i64) -> Report {
        insight::report(
            cases,
            range,
            self.report_zone(),
            &self.insight_clock(),
            &self.sla_rules(),
            label,
            now,
        )
    }

    /// The soonest SLA target still open of each of `ids` (a page of the
    /// thread list: its "⏱25m"). Empty when the team set no targets.
    pub fn sla_due_of(&self, ids: &[String]) -> Result<HashMap<String, (SlaKind, i64)>> {
        let rules = self.sla_rules();
        let mut out = HashMap::new();
        if rules.is_empty() {
            return Ok(out);
        }
        let clock = self.insight_clock();
        for id in ids {
            if let Some(c) = self.store.insight_case(id)?
                && let Some(t) = c.timing(&clock)
                && let Some(due) = insight::sla::next_due(&c, &t, &rules, &clock)
            {
                out.insert(c.id, due);
            }
        }
        Ok(out)
    }
}

/// The last `days` days, today included, in `zone`.
pub fn last_days(days: i64, zone: Tz, now: i64) -> Range {
    let bound = |s: &str, end| insight::parse_bound(s, zone, now, end).unwrap_or(now);
    Range {
        since: bound(&format!("{}d", days.clamp(1, 36_600) - 1), false),
        until: bound("today", true),
    }
}

/// The system's zone, from `TZ` or /etc/localtime.
fn system_zone() -> Option<Tz> {
    if let Ok(tz) = std::env::var("TZ")
        && let Ok(z) = tz.trim_start_matches(':').parse()
    {
        return Some(z);
    }
    let link = std::fs::read_link("/etc/localtime").ok()?;
    let s = link.to_string_lossy();
    s.split_once("zoneinfo/")?.1.parse().ok()
}
