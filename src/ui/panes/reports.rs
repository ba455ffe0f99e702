//! Draws the reports view (`ui::reports`): a line of totals, then the
//! page's chart or, on `t`, the table behind it.

use super::super::app::App;
use super::super::reports::{Page, ReportsView};
use super::super::theme::Theme;
use crate::domain::insight::{Group, Report, Stat, human};
use crate::mail::sanitize;
use crate::ui::format::fit;
use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Bar, BarChart, BarGroup, Block, Chart, Clear, Dataset, GraphType, Paragraph, Sparkline,
};
use unicode_width::UnicodeWidthStr;

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let Some(v) = &app.reports else { return };
    let theme = &app.theme;
    let label = v.label.as_deref().map_or("all labels".to_string(), |l| {
        format!("#{}", sanitize::line(l))
    });
    let title = format!(
        " Reports · {} {}/5 · last {} days · {label} ",
        v.page.title(),
        Page::ALL.iter().position(|p| *p == v.page).unwrap_or(0) + 1,
        v.days,
    );
    frame.render_widget(Clear, area);
    let block = Block::bordered()
        .title(Span::styled(
            super::super::format::truncate(&title, area.width.saturating_sub(2) as usize),
            theme.title,
        ))
        .title_bottom(Span::styled(
            super::super::format::truncate(
                " Tab page · [ ] range · l label · b group · t table · j k · Esc ",
                area.width.saturating_sub(2) as usize,
            ),
            theme.dim,
        ))
        .border_style(theme.accent);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [head, body] = Layout::vertical([Constraint::Length(3), Constraint::Min(1)]).areas(inner);
    frame.render_widget(Paragraph::new(totals(&v.report, theme)), head);
    let scroll = v.scroll.min(extent(v, area).1);
    if v.table {
        // The header stays; the rows under it scroll.
        let mut lines = table(v).into_iter();
        let header = lines.next().map(Line::from);
        let visible = header.into_iter().chain(lines.skip(scroll).map(Line::from));
        frame.render_widget(Paragraph::new(visible.collect::<Vec<_>>()), body);
        return;
    }
    // An empty range says how to widen it, rather than drawing empty charts.
    let body = if v.report.totals.new == 0 && v.page != Page::Sla && v.page != Page::Backlog {
        let [hint, rest] =
            Layout::vertical([Constraint::Length(2), Constraint::Min(1)]).areas(body);
        let text = if v.days < 365 {
            format!(
                "No conversation started in the last {} days: ] widens the range (up to 365 days).",
                v.days
            )
        } else {
            "No conversation started in the last 365 days.".to_string()
        };
        frame.render_widget(
            Paragraph::new(Line::styled(text, theme.dim))
                .wrap(ratatui::widgets::Wrap { trim: true }),
            hint,
        );
        rest
    } else {
        body
    };
    match v.page {
        Page::Volume => volume(v, theme, frame, body),
        Page::Times => times(v, theme, frame, body),
        Page::Backlog => backlog(&v.report, theme, frame, body),
        Page::Hours => hours(&v.report, theme, frame, body),
        Page::Sla => {
            let lines: Vec<Line> = sla_lines(v)
                .into_iter()
                .skip(scroll)
                .map(Line::from)
                .collect();
            frame.render_widget(Paragraph::new(lines), body);
        }
    }
}

/// The rows one page shows when drawn on `area`, and how far the page
/// scrolls: the table's rows under its header, or the SLA list, whose last
/// row is then on the last line (a chart does not scroll).
pub fn extent(v: &ReportsView, area: Rect) -> (usize, usize) {
    // Borders and the three lines of totals.
    let body = usize::from(area.height.saturating_sub(2 + 3)).max(1);
    let (rows, shown) = if v.table {
        (
            table(v).len().saturating_sub(1),
            body.saturating_sub(1).max(1),
        )
    } else if v.page == Page::Sla {
        (sla_lines(v).len(), body)
    } else {
        (0, body)
    };
    (shown, rows.saturating_sub(shown))
}

fn totals<'a>(r: &Report, theme: &Theme) -> Vec<Line<'a>> {
    let t = &r.totals;
    let sla = if t.breached + t.at_risk > 0 {
        Span::styled(
            format!("SLA: {} breached, {} at risk", t.breached, t.at_risk),
            theme.bad,
        )
    } else {
        Span::styled("SLA: none breached".to_string(), theme.good)
    };
    let rate = t
        .reopen_rate_pct
        .map(|p| format!(" ({p}%)"))
        .unwrap_or_default();
    vec![
        Line::from(format!(
            "new {} · replied {} · resolved {} · reopened {}{rate}",
            t.new, t.replied, t.resolved, t.reopened,
        )),
        Line::from(format!(
            "first response {} · resolution {} (median / p90)",
            Stat::text(&t.first_response),
            Stat::text(&t.resolution)
        )),
        Line::from(vec![
            Span::raw(format!("now {} open, {} pending · ", t.open, t.pending)),
            sla,
            Span::styled(format!(" · {}", r.measured_in), theme.dim),
        ]),
    ]
}

/// New conversations per day (a sparkline) over new ones per label (bars).
fn volume(v: &ReportsView, theme: &Theme, frame: &mut Frame, area: Rect) {
    let r = &v.report;
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(area);
    let most = r.days.iter().map(|d| d.new).max().unwrap_or(0);
    // Months and days, with the year where the range crosses one.
    let years = r.days.first().zip(r.days.last()).map(|(a, b)| {
        use chrono::Datelike;
        a.date.year() != b.date.year()
    });
    let date = if years == Some(true) {
        "%Y-%m-%d"
    } else {
        "%m-%d"
    };
    let title = format!(
        "New per day (most {most}) · {} to {}",
        r.days
            .first()
            .map(|d| d.date.format(date).to_string())
            .unwrap_or_default(),
        r.days
            .last()
            .map(|d| d.date.format(date).to_string())
            .unwrap_or_default()
    );
    // One bar a day where the days fit, else a sparkline (a column a day).
    let wide = (top.width as usize) / r.days.len().max(1);
    if wide >= 2 {
        let bars: Vec<Bar> = r
            .days
            .iter()
            .map(|d| Bar::default().value(d.new as u64).text_value(String::new()))
            .collect();
        frame.render_widget(
            BarChart::default()
                .block(Block::new().title(title))
                .bar_width((wide - 1).min(6) as u16)
                .bar_gap(1)
                .bar_style(theme.accent)
                .data(BarGroup::default().bars(&bars)),
            top,
        );
    } else {
        let data: Vec<u64> = r.days.iter().map(|d| d.new as u64).collect();
        frame.render_widget(
            Sparkline::default()
                .block(Block::new().title(title))
                .data(&data)
                .style(theme.accent),
            top,
        );
    }
    let bars = labelled_bars(
        r.by_label
            .iter()
            .map(|g| (&*g.key, g.conversations.to_string(), g.conversations as u64)),
    );
    frame.render_widget(
        BarChart::default()
            .block(Block::new().title("New by label"))
            .direction(Direction::Horizontal)
            .bar_width(1)
            .bar_gap(0)
            .bar_style(theme.accent)
            .data(BarGroup::default().bars(&bars)),
        bottom,
    );
}

/// Median first response per group, as bars.
fn times(v: &ReportsView, theme: &Theme, frame: &mut Frame, area: Rect) {
    let rows = v.report.groups(v.by);
    let bars = labelled_bars(rows.iter().map(|g| {
        let m = g.first_response.median.unwrap_or(0);
        let text = match g.first_response.median {
            Some(m) => format!(
                "{} (p90 {})",
                human(m),
                g.first_response.p90.map_or("-".into(), human)
            ),
            None => "-".into(),
        };
        (&*g.key, text, m.max(0) as u64)
    }));
    frame.render_widget(
        BarChart::default()
            .block(Block::new().title(format!(
                "Median first response by {} (b: by label, agent, week)",
                group_name(v.by)
            )))
            .direction(Direction::Horizontal)
            .bar_width(1)
            .bar_gap(0)
            .bar_style(theme.accent)
            .data(BarGroup::default().bars(&bars)),
        area,
    );
}

/// Horizontal bars for (name, figure, value) rows, the figure beside the
/// name in the label column rather than inside the bar: ratatui writes a
/// bar's text over its start, so a bar shorter than its figure showed
/// nothing and the bars' visible lengths were out of proportion.
fn labelled_bars<'a, 'k>(rows: impl Iterator<Item = (&'k str, String, u64)>) -> Vec<Bar<'a>> {
    /// A name wider than this is cut, so the bars keep their room.
    const NAME_MAX: usize = 20;
    let rows: Vec<(String, String, u64)> = rows
        .map(|(k, t, v)| (sanitize::line(k).into_owned(), t, v))
        .collect();
    let name_w = rows
        .iter()
        .map(|r| r.0.width())
        .max()
        .unwrap_or(0)
        .min(NAME_MAX);
    let text_w = rows.iter().map(|r| r.1.width()).max().unwrap_or(0);
    rows.into_iter()
        .map(|(name, text, value)| {
            Bar::default()
                .value(value)
                .label(Line::from(format!(
                    "{} {}",
                    fit(&name, name_w),
                    fit(&text, text_w)
                )))
                .text_value(String::new())
        })
        .collect()
}

fn group_name(g: Group) -> &'static str {
    match g {
        Group::Label => "label",
        Group::Agent => "agent",
        Group::Week => "week",
    }
}

/// Open and pending at the end of each day, as lines.
fn backlog(r: &Report, theme: &Theme, frame: &mut Frame, area: Rect) {
    let open: Vec<(f64, f64)> = r
        .days
        .iter()
        .enumerate()
        .map(|(i, d)| (i as f64, d.open as f64))
        .collect();
    let pending: Vec<(f64, f64)> = r
        .days
        .iter()
        .enumerate()
        .map(|(i, d)| (i as f64, d.pending as f64))
        .collect();
    let top = r
        .days
        .iter()
        .map(|d| d.open.max(d.pending))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let first = r
        .days
        .first()
        .map(|d| d.date.format("%m-%d").to_string())
        .unwrap_or_default();
    let last = r
        .days
        .last()
        .map(|d| d.date.format("%m-%d").to_string())
        .unwrap_or_default();
    let chart = Chart::new(vec![
        Dataset::default()
            .name("open")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.accent)
            .data(&open),
        Dataset::default()
            .name("pending")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.notice)
            .data(&pending),
    ])
    .legend_position(Some(ratatui::widgets::LegendPosition::TopLeft))
    .block(Block::new().title("Backlog at the end of each day"))
    .x_axis(
        Axis::default()
            .bounds([0.0, (r.days.len().max(2) - 1) as f64])
            .labels([first, last]),
    )
    .y_axis(
        Axis::default()
            .bounds([0.0, top])
            .labels(["0".to_string(), format!("{top}")]),
    );
    frame.render_widget(chart, area);
}

/// Customer messages by weekday and hour: a heatmap.
fn hours(r: &Report, theme: &Theme, frame: &mut Frame, area: Rect) {
    let most = r.busiest.iter().flatten().copied().max().unwrap_or(0);
    // Three columns an hour where they fit, else two.
    let cell = if area.width >= 4 + 24 * 3 { 3 } else { 2 };
    let mut lines = vec![Line::from(format!(
        "Customer messages by hour (darkest: {most})"
    ))];
    let mut head = String::from("    ");
    for h in 0..24 {
        if h % 3 == 0 {
            head.push_str(&format!("{h:<width$}", width = cell * 3));
        }
    }
    lines.push(Line::from(Span::styled(head, theme.dim)));
    const SHADES: [&str; 5] = [" ", "░", "▒", "▓", "█"];
    for (d, name) in DAYS.iter().enumerate() {
        let mut spans = vec![Span::raw(format!("{name} "))];
        for h in 0..24 {
            let n = r.busiest[d][h];
            let shade = if n == 0 || most == 0 {
                0
            } else {
                1 + ((n as usize * 4 - 1) / most as usize).min(3)
            };
            let text = if shade == 0 { "·" } else { SHADES[shade] };
            let style = if shade == 0 { theme.dim } else { theme.accent };
            spans.push(Span::styled(text.repeat(cell), style));
        }
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn when(t: i64, zone: chrono_tz::Tz) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.with_timezone(&zone).format("%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

fn sla_lines(v: &ReportsView) -> Vec<String> {
    if v.report.sla.is_empty() {
        return vec![
            "Nothing breached or about to be (targets: [sla] in the config or team policy).".into(),
        ];
    }
    v.report
        .sla
        .iter()
        .map(|s| {
            let state = match (s.breached, s.met) {
                (true, Some(m)) => format!("late by {}", human(m - s.due)),
                (true, None) => format!("overdue {}", human(-s.left)),
                (false, _) => format!("due in {}", human(s.left)),
            };
            format!(
                "{:<15} {:<14} due {}  {}  {}",
                state,
                s.kind.as_str(),
                when(s.due, v.zone),
                s.id.get(..8).unwrap_or(&s.id),
                sanitize::line(&s.subject)
            )
        })
        .collect()
}

/// The table behind the page's chart.
fn table(v: &ReportsView) -> Vec<String> {
    let r = &v.report;
    match v.page {
        Page::Volume | Page::Backlog => {
            let mut out = vec![format!(
                "{:<12} {:>5} {:>6} {:>8}",
                "day", "new", "open", "pending"
            )];
            out.extend(r.days.iter().map(|d| {
                format!(
                    "{:<12} {:>5} {:>6} {:>8}",
                    d.date.format("%Y-%m-%d"),
                    d.new,
                    d.open,
                    d.pending
                )
            }));
            out
        }
        Page::Times => {
            let mut out = vec![format!(
                "{:<20} {:>8}  {:<17}  {:<17}  reopened",
                group_name(v.by),
                v.by.count_heading(),
                "first response",
                "resolution"
            )];
            out.extend(r.groups(v.by).iter().map(|g| {
                format!(
                    "{:<20} {:>8}  {:<17}  {:<17}  {}",
                    sanitize::line(&g.key),
                    g.conversations,
                    Stat::text(&g.first_response),
                    Stat::text(&g.resolution),
                    g.reopened
                )
            }));
            out
        }
        Page::Hours => {
            let mut head = String::from("   ");
            for h in 0..24 {
                head.push_str(&format!("{h:>4}"));
            }
            let mut out = vec![head];
            for (d, name) in DAYS.iter().enumerate() {
                let mut l = name.to_string();
                for h in 0..24 {
                    l.push_str(&format!("{:>4}", r.busiest[d][h]));
                }
                out.push(l);
            }
            out
        }
        Page::Sla => sla_lines(v),
    }
}
