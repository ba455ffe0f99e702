//! The help overlay, generated from the keymap (so it is never out of date).

use super::{centered, title_style};
use crate::ui::app::App;
use crate::ui::keymap::Layer;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

/// The key column's width (two spaces of indent, the keys, a space).
const KEYS_W: usize = 20;

/// The help text at `width` cells: per layer, each action once with all its
/// keys; a description too long for the line wraps under itself, so nothing
/// is cut.
pub fn lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let desc_w = width.saturating_sub(KEYS_W).max(16);
    let mut out = Vec::new();
    for layer in Layer::ALL {
        let mut rows: Vec<(String, String)> = Vec::new();
        for b in app.keymap.bindings(layer) {
            match rows.iter_mut().find(|(_, d)| *d == b.desc) {
                Some((keys, _)) => {
                    keys.push_str(", ");
                    keys.push_str(&b.spec);
                }
                None => rows.push((b.spec.clone(), b.desc.clone())),
            }
        }
        if rows.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(Line::raw(""));
        }
        out.push(Line::styled(
            layer.title(),
            app.theme.heading.add_modifier(Modifier::BOLD),
        ));
        for (keys, desc) in rows {
            let wrapped = crate::ui::format::wrap(&desc, desc_w);
            for (i, part) in wrapped.into_iter().enumerate() {
                let lead = if i == 0 {
                    format!("  {keys:<18}")
                } else {
                    " ".repeat(KEYS_W)
                };
                out.push(Line::from(vec![
                    Span::styled(lead, app.theme.accent),
                    Span::raw(part),
                ]));
            }
        }
    }
    out
}

/// Where the help is drawn in `area`, its text at that width, and how far
/// it scrolls (the first line of its last page).
fn layout(app: &App, area: Rect) -> (Rect, Vec<Line<'static>>, usize) {
    // Wider where the terminal is (long descriptions then fit on a line).
    let w = area.width.saturating_sub(4).clamp(40, 110);
    let text = lines(app, w.saturating_sub(2) as usize);
    let h = (text.len() as u16 + 2).min(area.height.saturating_sub(2));
    let page = usize::from(h.saturating_sub(2)).max(1);
    let last = text.len().saturating_sub(page);
    (centered(area, w, h), text, last)
}

/// The rows of text one page of the help shows, and the first line of its
/// last page, on a screen of `area` (the scroll keys stay within it).
pub fn extent(app: &App, area: Rect) -> (usize, usize) {
    let (rect, _, last) = layout(app, area);
    (usize::from(rect.height.saturating_sub(2)).max(1), last)
}

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let (rect, text, last) = layout(app, area);
    let scroll = app.help.unwrap_or(0).min(last);
    let title = if last == 0 {
        " Keys · Esc or ? closes ".to_string()
    } else {
        let shown = usize::from(rect.height.saturating_sub(2));
        let to = (scroll + shown).min(text.len());
        format!(
            " Keys {}–{to} of {} · j/k, PgDn/PgUp scroll · Esc or ? closes ",
            scroll + 1,
            text.len()
        )
    };
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .title(Span::styled(title, title_style()))
        .border_style(app.theme.accent);
    let scroll = u16::try_from(scroll).unwrap_or(u16::MAX);
    frame.render_widget(Paragraph::new(text).block(block).scroll((scroll, 0)), rect);
}
