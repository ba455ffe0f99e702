//! The status bar: account, mode, a message (info or error) and key hints.

use crate::mail::sanitize;
use crate::ui::app::{App, Level};
use crate::ui::format::truncate;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let bar = t.bar;
    if let Some(p) = &app.prompt {
        // Show the end of a long input, where typing happens.
        let input = sanitize::line(&p.input).into_owned();
        // What is typed keeps some room (up to 24 cells), then a refused
        // answer says why (the error is ours, its parts sanitized; whole in
        // `g l`) leaving the question a few cells, then the question: on 80
        // columns an error used to push the input off the line.
        let width = area.width as usize;
        let free = width.saturating_sub(input.width().min(24) + 2);
        let error = p
            .error
            .as_deref()
            .map(|e| truncate(&format!("✗ {}", sanitize::line(e)), free.saturating_sub(13)) + " ")
            .unwrap_or_default();
        let label = truncate(p.kind.label(), free.saturating_sub(error.width()));
        let room = width.saturating_sub(label.width() + error.width() + 2);
        let shown = crate::ui::format::tail(&input, room);
        let line = Line::from(vec![
            Span::styled(error, t.alarm.add_modifier(Modifier::BOLD)),
            Span::styled(label, t.banner.add_modifier(Modifier::BOLD)),
            // An offered input looks selected: typing replaces it.
            Span::styled(
                shown,
                if p.offered {
                    t.input.add_modifier(Modifier::REVERSED)
                } else {
                    t.input
                },
            ),
            Span::styled("▏", t.input),
        ]);
        frame.render_widget(Paragraph::new(line).style(t.input), area);
        return;
    }
    let (mode, account) = match &app.mode {
        crate::desk::Mode::Demo { .. } => (" DEMO ", app.desk.cfg().team.address.as_str()),
        crate::desk::Mode::Live { account } => ("", account.as_str()),
    };
    // Who is working: the agent, then the mailbox.
    let me = crate::domain::names::handle(&app.me);
    let left = format!(" {} · {} ", sanitize::line(me), sanitize::line(account));
    let right = " ? help  q quit ";
    let news = match app.automation.unseen {
        0 => String::new(),
        n => format!(" ● {n} new (g n) "),
    };
    let room = (area.width as usize)
        .saturating_sub(left.width() + mode.width() + news.width() + right.width() + 2);
    let (msg, msg_style) = match &app.message {
        Some((m, Level::Error)) => (m.as_str(), bar.patch(t.bad).add_modifier(Modifier::BOLD)),
        Some((m, Level::Info)) => (m.as_str(), bar),
        // Otherwise what the sync is busy with (a first sync's history).
        None => (app.activity.as_deref().unwrap_or(""), bar),
    };
    let msg = truncate(&sanitize::line(msg), room);
    let pad = room.saturating_sub(msg.width());
    let line = Line::from(vec![
        Span::styled(left, bar.add_modifier(Modifier::BOLD)),
        Span::styled(mode, t.banner.add_modifier(Modifier::BOLD)),
        Span::styled(news, t.notice.add_modifier(Modifier::BOLD)),
        Span::styled(" ", bar),
        Span::styled(msg, msg_style),
        Span::styled(" ".repeat(pad + 1), bar),
        Span::styled(right, bar),
    ]);
    frame.render_widget(Paragraph::new(line).style(bar), area);
}
