//! The reports view (`g R`): the team's figures as charts, a date range
//! and a label filter, the table behind each chart on `t`. The figures
//! are `Desk::report_of` over conversations read once when it opens (and
//! again when the worker brings news), so changing the range redraws at
//! once.

use super::app::App;
use crate::domain::insight::{Case, Group, Range, Report};
use anyhow::Result;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;

/// The pages, in `Tab` order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    Volume,
    Times,
    Backlog,
    Hours,
    Sla,
}

impl Page {
    pub const ALL: [Page; 5] = [
        Page::Volume,
        Page::Times,
        Page::Backlog,
        Page::Hours,
        Page::Sla,
    ];
    pub fn title(self) -> &'static str {
        match self {
            Page::Volume => "Volume",
            Page::Times => "Response times",
            Page::Backlog => "Backlog",
            Page::Hours => "Busiest hours",
            Page::Sla => "SLA",
        }
    }
}

/// The ranges `[` and `]` step through, in days.
pub const RANGES: [i64; 5] = [7, 14, 28, 90, 365];

pub struct ReportsView {
    pub page: Page,
    /// Days back from today (one of [`RANGES`]).
    pub days: i64,
    pub label: Option<String>,
    pub by: Group,
    /// Show the table behind the chart.
    pub table: bool,
    pub scroll: usize,
    pub cases: Vec<Case>,
    pub report: Report,
    pub zone: chrono_tz::Tz,
    pub labels: Vec<String>,
}

impl ReportsView {
    fn range(&self, now: i64) -> Range {
        crate::desk::insight::last_days(self.days, self.zone, now)
    }
}

impl App {
    /// `g R`: opens the reports view.
    pub(super) fn show_reports(&mut self) -> Result<()> {
        let cases = self.desk.cases()?;
        let labels: Vec<String> = cases
            .iter()
            .flat_map(|c| c.labels.iter().map(String::as_str))
            .collect::<std::collections::BTreeSet<&str>>()
            .into_iter()
            .map(String::from)
            .collect();
        let mut v = ReportsView {
            page: Page::Volume,
            days: crate::desk::insight::DEFAULT_DAYS,
            label: None,
            by: Group::Label,
            table: false,
            scroll: 0,
            cases,
            report: Report::default(),
            zone: self.desk.report_zone(),
            labels,
        };
        v.report = self
            .desk
            .report_of(&v.cases, v.range(self.clock.now), None, self.clock.now);
        self.reports = Some(v);
        Ok(())
    }

    /// `g M`: the conversation's post-mortem, saved as Markdown in the
    /// data directory and shown here.
    pub(super) fn post_mortem(&mut self) -> Result<()> {
        let Some(id) = self.current_conversation() else {
            self.message = Some(("no conversation here".into(), super::app::Level::Error));
            return Ok(());
        };
        let pm = self.desk.post_mortem(&id)?;
        let text = pm.to_markdown();
        let dir = crate::paths::data_dir().join("post-mortems");
        crate::paths::ensure_private_dir(&dir)?;
        let day = chrono::DateTime::from_timestamp(self.clock.now, 0)
            .unwrap_or_default()
            .format("%Y-%m-%d");
        let name = crate::paths::safe_file_name(&pm.id);
        // Never over an earlier one (it may hold the team's filled-in sections).
        let path = (1..1000)
            .map(|n| match n {
                1 => dir.join(format!("{name}-{day}.md")),
                n => dir.join(format!("{name}-{day}-{n}.md")),
            })
            .find(|p| !p.exists())
            .ok_or_else(|| anyhow::anyhow!("too many post-mortems of {name} today"))?;
        {
            use std::io::Write;
            let mut f = crate::paths::create_private_file(&path)?;
            f.write_all(text.as_bytes())?;
        }
        let title = format!("Post-mortem · saved to {}", path.display());
        self.text_view = Some(super::textview::TextView::of_lines(
            &title,
            text.lines().map(String::from).collect(),
        ));
        Ok(())
    }

    /// Re-reads the conversations after news, when the view is open.
    pub(super) fn refresh_reports(&mut self) {
        if let Some(v) = &mut self.reports
            && let Ok(cases) = self.desk.cases()
        {
            v.cases = cases;
            v.report = self.desk.report_of(
                &v.cases,
                v.range(self.clock.now),
                v.label.as_deref(),
                self.clock.now,
            );
        }
    }

    /// A key in the reports view; false closes it.
    pub(super) fn reports_key(&mut self, ev: KeyEvent) -> bool {
        let now = self.clock.now;
        // Where the view is drawn: the screen above the status line.
        let area = Rect {
            height: self.size.height.saturating_sub(1),
            ..self.size
        };
        let Some(v) = &mut self.reports else {
            return false;
        };
        // A page, less a line kept for context.
        let page = super::panes::reports::extent(v, area)
            .0
            .saturating_sub(1)
            .max(1);
        let step = |v: &ReportsView, by: isize| {
            let i = RANGES.iter().position(|&d| d == v.days).unwrap_or(2) as isize;
            RANGES[(i + by).clamp(0, RANGES.len() as isize - 1) as usize]
        };
        match ev.code {
            KeyCode::Esc | KeyCode::Char('q') => return false,
            KeyCode::Tab | KeyCode::Right | KeyCode::Char('L') => {
                let i = Page::ALL.iter().position(|p| *p == v.page).unwrap_or(0);
                v.page = Page::ALL[(i + 1) % Page::ALL.len()];
                v.scroll = 0;
            }
            KeyCode::BackTab | KeyCode::Left | KeyCode::Char('H') => {
                let i = Page::ALL.iter().position(|p| *p == v.page).unwrap_or(0);
                v.page = Page::ALL[(i + Page::ALL.len() - 1) % Page::ALL.len()];
                v.scroll = 0;
            }
            KeyCode::Char(c @ '1'..='5') => {
                v.page = Page::ALL[(c as usize) - ('1' as usize)];
                v.scroll = 0;
            }
            KeyCode::Char('[') => v.days = step(v, -1),
            KeyCode::Char(']') => v.days = step(v, 1),
            KeyCode::Char('l') => {
                // No label → each label in turn → no label.
                v.label = match &v.label {
                    None => v.labels.first().cloned(),
                    Some(l) => {
                        let i = v.labels.iter().position(|x| x == l);
                        i.and_then(|i| v.labels.get(i + 1)).cloned()
                    }
                };
            }
            KeyCode::Char('b') => {
                v.by = match v.by {
                    Group::Label => Group::Agent,
                    Group::Agent => Group::Week,
                    Group::Week => Group::Label,
                }
            }
            KeyCode::Char('t') => {
                v.table = !v.table;
                v.scroll = 0;
            }
            KeyCode::Char('j') | KeyCode::Down => v.scroll = v.scroll.saturating_add(1),
            KeyCode::Char('k') | KeyCode::Up => v.scroll = v.scroll.saturating_sub(1),
            KeyCode::PageDown | KeyCode::Char(' ') => v.scroll = v.scroll.saturating_add(page),
            KeyCode::PageUp => v.scroll = v.scroll.saturating_sub(page),
            KeyCode::Char('g') | KeyCode::Home => v.scroll = 0,
            KeyCode::Char('G') | KeyCode::End => v.scroll = usize::MAX,
            _ => return true,
        }
        v.report = self
            .desk
            .report_of(&v.cases, v.range(now), v.label.as_deref(), now);
        // Within what the page shows, so the way back starts at once.
        v.scroll = v.scroll.min(super::panes::reports::extent(v, area).1);
        true
    }
}
