//! The template picker popup: the search (or the field being filled), the
//! matching templates, and a live preview with the conversation's real
//! values, unfilled fields highlighted.

use super::{centered, title_style};
use crate::mail::sanitize;
use crate::ui::app::App;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let Some(p) = &app.picker else { return };
    let th = &app.theme;
    let popup = centered(
        area,
        area.width.saturating_sub(4).min(120),
        area.height.saturating_sub(2).min(32),
    );
    frame.render_widget(Clear, popup);
    let block = Block::bordered()
        .border_style(th.accent)
        .title(Span::styled(
            format!(" Templates · {} ", p.matches.len()),
            title_style(),
        ));
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    // The question and what is typed on the first row; the keys below it,
    // wrapped (cut at the popup's edge, an agent on 80 columns lost the
    // last of them).
    let asked = th.heading.add_modifier(Modifier::BOLD);
    let (label, input, hints, label_style) = match &p.asking {
        _ if p.naming.is_some() => (
            "Customer's first name: ".to_string(),
            p.naming.as_deref().unwrap_or(""),
            "Enter sets · Esc keeps",
            asked,
        ),
        Some(a) if a.current < a.fields.len() => (
            format!(
                "{} ({}/{}): ",
                sanitize::line(&a.fields[a.current]),
                a.current + 1,
                a.fields.len()
            ),
            a.input.as_str(),
            "Enter next · Tab skip · Esc insert as is",
            asked,
        ),
        _ => (
            "Template: ".to_string(),
            p.input.as_str(),
            "↑↓ choose · Enter use · Ctrl-f first name · Ctrl-e edit · Ctrl-n new · Ctrl-d delete",
            Style::new().add_modifier(Modifier::BOLD),
        ),
    };
    // A long answer shows its end, where typing happens; the question
    // leaves it half the row at least.
    let width = usize::from(inner.width);
    let label = crate::ui::format::truncate(&label, width / 2);
    let room = width.saturating_sub(label.width() + 1);
    let input = crate::ui::format::tail(&sanitize::line(input), room);
    let prompt = Line::from(vec![
        Span::styled(label, label_style),
        Span::raw(input),
        Span::raw("▏"),
    ]);
    let hint_rows = u16::try_from(hints.width())
        .unwrap_or(u16::MAX)
        .div_ceil(inner.width.max(1))
        .clamp(1, 3);
    let [top, keys, rest] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(hint_rows + 1),
        Constraint::Min(1),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(prompt), top);
    frame.render_widget(
        Paragraph::new(Line::styled(hints, th.dim)).wrap(Wrap { trim: true }),
        keys,
    );
    let list_w = (rest.width / 3).clamp(20, 40);
    let [left, right] =
        Layout::horizontal([Constraint::Length(list_w), Constraint::Min(10)]).areas(rest);
    let rows: Vec<Line> = p
        .matches
        .iter()
        .enumerate()
        .skip(
            p.selected
                .saturating_sub(left.height.saturating_sub(1) as usize),
        )
        .take(left.height as usize)
        .map(|(i, &t)| {
            let t = &p.all[t];
            let style = if i == p.selected {
                th.cursor
            } else {
                Style::new()
            };
            Line::styled(
                crate::ui::format::fit(&sanitize::line(&t.name), left.width as usize),
                style,
            )
        })
        .collect();
    frame.render_widget(Paragraph::new(rows), left);
    let mut preview: Vec<Line> = Vec::new();
    if let Some(t) = p.current() {
        preview.push(Line::styled(
            sanitize::line(&t.description).into_owned(),
            th.dim.add_modifier(Modifier::ITALIC),
        ));
    }
    if let Some(r) = p.preview() {
        for l in sanitize::text(&r.text).lines() {
            preview.push(highlight_fields(l, th));
        }
    }
    frame.render_widget(
        Paragraph::new(preview)
            .wrap(Wrap { trim: false })
            .block(Block::new().borders(ratatui::widgets::Borders::LEFT)),
        right,
    );
}

/// A line with every `⟦field⟧` as a banner.
fn highlight_fields(line: &str, th: &crate::ui::theme::Theme) -> Line<'static> {
    let mut spans = Vec::new();
    let mut rest = line;
    while let Some(a) = rest.find('⟦') {
        spans.push(Span::raw(rest[..a].to_string()));
        let after = &rest[a..];
        let end = after
            .find('⟧')
            .map(|e| e + '⟧'.len_utf8())
            .unwrap_or(after.len());
        spans.push(Span::styled(after[..end].to_string(), th.banner));
        rest = &after[end..];
    }
    spans.push(Span::raw(rest.to_string()));
    Line::from(spans)
}
