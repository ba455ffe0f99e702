//! The sidebar: the views with their counts (the team's only with team
//! state, see `App::shown_views`); the current one highlighted.

use super::{border, title_style};
use crate::domain::views::View;
use crate::mail::sanitize;
use crate::ui::app::App;
use crate::ui::format::fit;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

/// Width of the sidebar when shown.
pub const WIDTH: u16 = 22;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let block = Block::bordered()
        .title(Span::styled(" Views ", title_style()))
        .border_style(border(&app.theme, false));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let w = inner.width as usize;
    let views = app.views();
    let lines: Vec<Line> = app
        .shown_views()
        .into_iter()
        .map(|i| {
            let v = &views[i];
            // No figure until the counts are read (just after the first frame).
            let count = app
                .view_counts
                .get(i)
                .map(usize::to_string)
                .unwrap_or_default();
            let name = sanitize::line(&v.title()).into_owned();
            let text = format!("{}{count}", fit(&name, w.saturating_sub(count.len() + 1)));
            let text = format!("{text} ");
            let mut style = match v {
                View::Label(l) => app
                    .theme
                    .label(app.desk.cfg().labels.get(l).map(String::as_str)),
                _ => Style::new(),
            };
            if *v == app.view {
                style = style.patch(app.theme.cursor).add_modifier(Modifier::BOLD);
            }
            Line::from(Span::styled(fit(&text, w), style))
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
