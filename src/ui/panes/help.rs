//! The help overlay, generated from the keymap (so it is never out of date).

use super::{centered, title_style};
use crate::ui::app::App;
use crate::ui::keymap::Layer;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

/// The help text: per layer, each action once with all its keys.
pub fn lines(app: &App) -> Vec<Line<'static>> {
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
            out.push(Line::from(vec![
                Span::styled(format!("  {keys:<18}"), app.theme.accent),
                Span::raw(desc),
            ]));
        }
    }
    out
}

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let text = lines(app);
    let h = (text.len() as u16 + 2).min(area.height.saturating_sub(2));
    let rect = centered(area, 64, h);
    let scroll = app
        .help
        .unwrap_or(0)
        .min(text.len().saturating_sub(h as usize - 2)) as u16;
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .title(Span::styled(" Keys · Esc or ? closes ", title_style()))
        .border_style(app.theme.accent);
    frame.render_widget(Paragraph::new(text).block(block).scroll((scroll, 0)), rect);
}
