//! `replypad report` and `replypad export`: the reports view's figures
//! and a conversation's post-mortem, for scripts and spreadsheets.

use super::account::Account;
use crate::domain::insight::{Group, Range, Report, Stat, human, parse_bound};
use crate::mail::sanitize;
use anyhow::{Result, anyhow};
use std::io::Write;
use std::process::ExitCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Md,
    Json,
}

pub struct ReportArgs {
    pub since: Option<String>,
    pub until: Option<String>,
    pub label: Option<String>,
    pub by: Group,
    pub json: bool,
    pub csv: bool,
}

/// The range `--since`/`--until` name, in `zone` (default: the last
/// four weeks, today included).
pub fn range_of(
    since: Option<&str>,
    until: Option<&str>,
    zone: chrono_tz::Tz,
    now: i64,
) -> Result<Range> {
    let default = crate::desk::insight::last_days(crate::desk::insight::DEFAULT_DAYS, zone, now);
    let until = match until {
        Some(u) => parse_bound(u, zone, now, true).map_err(|e| anyhow!("--until: {e}"))?,
        None => default.until,
    };
    let since = match since {
        Some(s) => parse_bound(s, zone, now, false).map_err(|e| anyhow!("--since: {e}"))?,
        None => default.since,
    };
    if since >= until {
        anyhow::bail!("--since must be before --until");
    }
    Ok(Range { since, until })
}

pub fn report(acct: Account, a: ReportArgs) -> Result<ExitCode> {
    let desk = acct.desk()?;
    let now = chrono::Utc::now().timestamp();
    let zone = desk.report_zone();
    let range = range_of(a.since.as_deref(), a.until.as_deref(), zone, now)?;
    let cases = desk.cases()?;
    if let Some(l) = &a.label
        && !cases.iter().any(|c| c.labels.contains(l))
    {
        let mut known: Vec<&str> = cases
            .iter()
            .flat_map(|c| c.labels.iter().map(String::as_str))
            .collect();
        known.sort_unstable();
        known.dedup();
        anyhow::bail!(
            "no conversation has the label {:?} (labels: {})",
            sanitize::line(l),
            sanitize::line(&known.join(", "))
        );
    }
    let r = desk.report_of(&cases, range, a.label.as_deref(), now);
    let mut out = std::io::stdout().lock();
    if a.json {
        super::output::write_json(&mut out, &r)?;
    } else if a.csv {
        write_csv(&mut out, &r, a.by)?;
    } else {
        write_text(&mut out, &r, a.by, zone)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn day(t: i64, zone: chrono_tz::Tz) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// The report as people read it.
pub fn write_text(out: &mut impl Write, r: &Report, by: Group, zone: chrono_tz::Tz) -> Result<()> {
    let t = &r.totals;
    let first = r
        .days
        .first()
        .map(|d| d.date.to_string())
        .unwrap_or_default();
    let last = r
        .days
        .last()
        .map(|d| d.date.to_string())
        .unwrap_or_default();
    writeln!(
        out,
        "{first} to {last} ({}) · {} · {}",
        r.zone,
        r.measured_in,
        r.label.as_deref().map_or("all labels".into(), |l| format!(
            "label {}",
            sanitize::line(l)
        ))
    )?;
    writeln!(
        out,
        "new {} · replied {} · resolved {} · reopened {}{} · at the end: {} open, {} pending",
        t.new,
        t.replied,
        t.resolved,
        t.reopened,
        t.reopen_rate_pct
            .map(|p| format!(" ({p}%)"))
            .unwrap_or_default(),
        t.open,
        t.pending
    )?;
    writeln!(
        out,
        "first response (median / p90): {}",
        Stat::text(&t.first_response)
    )?;
    writeln!(
        out,
        "resolution (median / p90):     {}",
        Stat::text(&t.resolution)
    )?;
    writeln!(out, "SLA: {} breached, {} at risk", t.breached, t.at_risk)?;
    writeln!(out)?;
    let head = match by {
        Group::Label => "label",
        Group::Agent => "agent",
        Group::Week => "week of",
    };
    writeln!(
        out,
        "{head:<28} {:>8}  {:<19}  {:<19}  reopened",
        by.count_heading(),
        "first response",
        "resolution"
    )?;
    for g in r.groups(by) {
        writeln!(
            out,
            "{:<28} {:>8}  {:<19}  {:<19}  {}",
            sanitize::line(&g.key),
            g.conversations,
            Stat::text(&g.first_response),
            Stat::text(&g.resolution),
            g.reopened
        )?;
    }
    let mut busiest: Vec<(u32, usize, usize)> = (0..7)
        .flat_map(|d| (0..24).map(move |h| (d, h)))
        .map(|(d, h)| (r.busiest[d][h], d, h))
        .filter(|x| x.0 > 0)
        .collect();
    busiest.sort_by_key(|x| std::cmp::Reverse(x.0));
    if !busiest.is_empty() {
        const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        let top: Vec<String> = busiest
            .iter()
            .take(5)
            .map(|(n, d, h)| format!("{} {h:02}:00 ({n})", DAYS[*d]))
            .collect();
        writeln!(out, "\nbusiest hours: {}", top.join(", "))?;
    }
    if !r.sla.is_empty() {
        writeln!(out, "\nSLA")?;
        for s in &r.sla {
            let state = if s.breached {
                match s.met {
                    Some(m) => format!("met late, {} after due", human(m - s.due)),
                    None => format!("overdue by {}", human(-s.left)),
                }
            } else {
                format!("due in {}", human(s.left))
            };
            writeln!(
                out,
                "{:<8} {:<14} {}  due {}  {}",
                s.id.get(..8).unwrap_or(&s.id),
                s.kind.as_str(),
                state,
                day(s.due, zone),
                sanitize::line(&s.subject)
            )?;
        }
    }
    Ok(())
}

/// One CSV field (RFC 4180 quoting; a crate is not worth it for one table).
fn field(s: &str) -> String {
    let s = sanitize::line(s);
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.into_owned()
    }
}

fn write_csv(out: &mut impl Write, r: &Report, by: Group) -> Result<()> {
    let opt = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    writeln!(
        out,
        "{},conversations,first_response_median_s,first_response_p90_s,resolution_median_s,resolution_p90_s,reopened",
        match by {
            Group::Label => "label",
            Group::Agent => "agent",
            Group::Week => "week",
        }
    )?;
    for g in r.groups(by) {
        writeln!(
            out,
            "{},{},{},{},{},{},{}",
            field(&g.key),
            g.conversations,
            opt(g.first_response.median),
            opt(g.first_response.p90),
            opt(g.resolution.median),
            opt(g.resolution.p90),
            g.reopened
        )?;
    }
    Ok(())
}

/// `replypad export ID [--format md|json]`: the post-mortem.
pub fn export(acct: Account, id: &str, format: ExportFormat) -> Result<ExitCode> {
    let mut desk = acct.desk()?;
    let pm = desk.post_mortem(id)?;
    let mut out = std::io::stdout().lock();
    match format {
        ExportFormat::Json => super::output::write_json(&mut out, &pm)?,
        ExportFormat::Md => out.write_all(pm.to_markdown().as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}
