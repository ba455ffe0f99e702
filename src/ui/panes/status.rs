//! The status bar: account, mode, a message (info or error) and key hints.

use crate::mail::sanitize;
use crate::ui::app::{App, Level};
use crate::ui::format::truncate;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let bar = Style::new().bg(Color::DarkGray).fg(Color::White);
    if let Some(p) = &app.prompt {
        let label = p.kind.label();
        // A refused answer says why first (the error is ours, its parts sanitized).
        let error = p
            .error
            .as_deref()
            .map(|e| format!("✗ {} ", sanitize::line(e)))
            .unwrap_or_default();
        let room = (area.width as usize).saturating_sub(label.width() + error.width() + 2);
        // Show the end of a long input, where typing happens.
        let input = sanitize::line(&p.input).into_owned();
        let skip = input.width().saturating_sub(room);
        let shown: String = input.chars().skip(skip).collect();
        let line = Line::from(vec![
            Span::styled(
                error,
                Style::new()
                    .bg(Color::Red)
                    .fg(Color::White)
                    .add_modifier(Modifier::BOLD),
            ),
            Span::styled(
                label,
                Style::new()
                    .bg(Color::Yellow)
                    .fg(Color::Black)
                    .add_modifier(Modifier::BOLD),
            ),
            Span::styled(
                format!("{shown}▏"),
                Style::new().bg(Color::Black).fg(Color::White),
            ),
        ]);
        frame.render_widget(
            Paragraph::new(line).style(Style::new().bg(Color::Black)),
            area,
        );
        return;
    }
    let (mode, account) = match &app.mode {
        crate::desk::Mode::Demo { .. } => (" DEMO ", app.desk.cfg().team.address.as_str()),
        crate::desk::Mode::Live { account } => ("", account.as_str()),
    };
    let left = format!(" replypad {} ", sanitize::line(account));
    let right = " ? help  q quit ";
    let room =
        (area.width as usize).saturating_sub(left.width() + mode.width() + right.width() + 2);
    let (msg, msg_style) = match &app.message {
        Some((m, Level::Error)) => (
            m.as_str(),
            bar.fg(Color::LightRed).add_modifier(Modifier::BOLD),
        ),
        Some((m, Level::Info)) => (m.as_str(), bar),
        None => ("", bar),
    };
    let msg = truncate(&sanitize::line(msg), room);
    let pad = room.saturating_sub(msg.width());
    let line = Line::from(vec![
        Span::styled(left, bar.add_modifier(Modifier::BOLD)),
        Span::styled(
            mode,
            Style::new()
                .bg(Color::Yellow)
                .fg(Color::Black)
                .add_modifier(Modifier::BOLD),
        ),
        Span::styled(" ", bar),
        Span::styled(msg, msg_style),
        Span::styled(" ".repeat(pad + 1), bar),
        Span::styled(right, bar),
    ]);
    frame.render_widget(Paragraph::new(line).style(bar), area);
}
