//! The compose pane: the draft's addressing, the built-in editor, what
//! stopped the last send (a collision, review), and the keys.

use super::{border, title_style};
use crate::mail::sanitize;
use crate::ui::app::App;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

/// The compose keys, most needed first (what does not fit is cut last).
const KEYS: &[&str] = &[
    "Ctrl-s send",
    "Esc close",
    "Ctrl-r review",
    "Ctrl-t template",
    "Ctrl-o To/Cc/Subject",
    "Ctrl-e $EDITOR",
    "Ctrl-a attach",
    "Ctrl-x unattach",
    "Tab next field",
    "Ctrl-d discard",
];

pub fn draw(app: &mut App, frame: &mut Frame, area: Rect) {
    let Some(c) = &mut app.compose else { return };
    let d = &c.draft;
    let block = Block::bordered()
        .border_style(border(&app.theme, true))
        .title(Span::styled(
            format!(
                " {} · draft {}{} ",
                match d.kind {
                    crate::domain::compose::DraftKind::Forward => "Forward",
                    crate::domain::compose::DraftKind::New => "New message",
                    _ => "Reply",
                },
                d.id,
                if d.revision > 0 {
                    format!(" · shared rev {}", d.revision)
                } else {
                    String::new()
                }
            ),
            title_style(),
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let label = app.theme.dim;
    let mut head = vec![
        Line::from(vec![
            Span::styled("To:      ", label),
            Span::raw(sanitize::line(&d.to.join(", ")).into_owned()),
        ]),
        Line::from(vec![
            Span::styled("Subject: ", label),
            Span::raw(sanitize::line(&d.subject).into_owned()),
        ]),
    ];
    let nobody = crate::domain::recipients::unattended_in(d.to.iter().chain(&d.cc));
    if !nobody.is_empty() {
        head.push(Line::styled(
            format!(
                "⚠ nobody reads {}: check the recipients (Ctrl-o)",
                sanitize::line(&nobody.join(", "))
            ),
            app.theme.bad,
        ));
    }
    if !d.cc.is_empty() {
        head.insert(
            1,
            Line::from(vec![
                Span::styled("Cc:      ", label),
                Span::raw(sanitize::line(&d.cc.join(", ")).into_owned()),
            ]),
        );
    }
    // What reviewers asked for, under the addressing: the author resuming
    // the draft sees it before writing (the newest verdict first).
    for v in c.reviews.iter().take(3) {
        let text = super::reader::verdict_text(v, &app.clock);
        let style = if v.approved {
            app.theme.good
        } else {
            app.theme.heading
        };
        for w in crate::ui::format::wrap(&text, inner.width.max(20) as usize) {
            head.push(Line::styled(w, style));
        }
    }
    if !d.attachments.is_empty() {
        let names: Vec<String> = d
            .attachments
            .iter()
            .map(|p| sanitize::filename(&p.to_string_lossy()))
            .collect();
        head.push(Line::from(vec![
            Span::styled("Attach:  ", label),
            Span::raw(names.join(", ")),
        ]));
    }
    // Why a send was held, and the tone notes: wrapped here, so the area
    // below the editor is as tall as they are (up to a third of the pane).
    let width = inner.width.max(20) as usize;
    let mut blocked_lines: Vec<Line> = Vec::new();
    for l in c.blocked.as_deref().unwrap_or_default().lines() {
        for w in crate::ui::format::wrap(&sanitize::line(l), width) {
            blocked_lines.push(Line::styled(w, app.theme.heading));
        }
    }
    for f in &c.tone {
        let at = if f.line > 0 {
            format!("line {}: ", f.line)
        } else {
            String::new()
        };
        for w in crate::ui::format::wrap(&format!("tone · {at}{}", f.message), width) {
            blocked_lines.push(Line::styled(w, app.theme.accent));
        }
    }
    let bh = (blocked_lines.len() as u16).min(inner.height / 3);
    // Up to three lines of key hints where the pane has the room.
    let keys = crate::ui::format::hints(
        KEYS,
        inner.width as usize,
        match inner.height {
            20.. => 3,
            14..=19 => 2,
            _ => 1,
        },
    );
    let [h, e, b, k] = Layout::vertical([
        Constraint::Length(head.len() as u16 + 1),
        Constraint::Min(3),
        Constraint::Length(bh),
        Constraint::Length(keys.len() as u16),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(head), h);
    frame.render_widget(&c.editor, e);
    if bh > 0 {
        frame.render_widget(Paragraph::new(blocked_lines), b);
    }
    let style = app.theme.dim.add_modifier(Modifier::ITALIC);
    let keys: Vec<Line> = keys.into_iter().map(|l| Line::styled(l, style)).collect();
    frame.render_widget(Paragraph::new(keys), k);
}
