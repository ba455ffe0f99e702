//! Drawing: one module per pane. Panes read `App` state and render; they
//! never change it except to record what they measured (rendered line count).
//! Every untrusted string passes `mail::sanitize` before it becomes a Span.

mod compose;
pub mod help;
mod list;
mod picker;
mod reader;
pub mod reports;
mod sidebar;
mod status;

use super::app::{App, Focus};
use super::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};

/// Draws the whole screen.
/// The list pane's least width in the split view: 80 columns inside its
/// borders, where every column (owner, status, labels) shows.
pub const LIST_MIN: u16 = 82;
/// The conversation's least width beside it.
pub const READER_MIN: u16 = 56;
/// The narrowest split view.
pub const SPLIT_MIN: u16 = LIST_MIN + READER_MIN;

pub fn draw(app: &mut App, frame: &mut Frame) {
    let area = frame.area();
    let [body, status_area] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    // The sidebar of views, when there is room: in the split view only
    // when the list keeps its columns and the conversation its width.
    let side = if app.is_wide() {
        area.width >= sidebar::WIDTH + LIST_MIN + READER_MIN
    } else {
        area.width >= 120
    };
    let body = if side {
        let [side, rest] =
            Layout::horizontal([Constraint::Length(sidebar::WIDTH), Constraint::Min(20)])
                .areas(body);
        sidebar::draw(app, frame, side);
        rest
    } else {
        body
    };
    if app.is_wide() {
        let list_w = (body.width * 55 / 100).clamp(LIST_MIN, 110);
        let [l, r] =
            Layout::horizontal([Constraint::Length(list_w), Constraint::Min(20)]).areas(body);
        list::draw(app, frame, l);
        if app.compose.is_some() {
            compose::draw(app, frame, r);
        } else {
            reader::draw(app, frame, r);
        }
    } else if app.compose.is_some() {
        compose::draw(app, frame, body);
    } else if app.focus == Focus::Reader && app.reader.is_some() {
        reader::draw(app, frame, body);
    } else {
        list::draw(app, frame, body);
    }
    status::draw(app, frame, status_area);
    if let Some(p) = app
        .prompt
        .as_ref()
        .filter(|p| p.kind == super::prompt::PromptKind::Palette)
    {
        palette(app, &p.input, p.selected, frame, body);
    }
    if app.picker.is_some() {
        picker::draw(app, frame, body);
    }
    if app.help.is_some() {
        help::draw(app, frame, area);
    }
    if app.messages_view.is_some() {
        messages(app, frame, area);
    }
    reports::draw(app, frame, body);
    text_view(app, frame, body);
}

/// A text attachment read here (`i`), over the panes.
fn text_view(app: &mut App, frame: &mut Frame, area: Rect) {
    use ratatui::text::{Line, Span};
    use ratatui::widgets::{Block, Clear, Paragraph};
    let theme_accent = app.theme.accent;
    let Some(v) = &mut app.text_view else {
        return;
    };
    v.height = area.height.saturating_sub(2) as usize;
    v.width = area.width.saturating_sub(2) as usize;
    // The lines from the top one, as rows (a wrapped line takes several).
    let mut rows: Vec<Line> = Vec::with_capacity(v.height);
    let mut end = v.scroll;
    while rows.len() < v.height && end < v.lines.len() {
        rows.extend(v.rows(end).into_iter().map(Line::from));
        end += 1;
    }
    rows.truncate(v.height);
    let title = format!(
        " {} · lines {}-{} of {} ",
        v.title,
        (v.scroll + 1).min(v.lines.len()),
        end,
        v.lines.len()
    );
    let keys = if v.wrap {
        " j k Space G · w cut lines · Esc closes "
    } else {
        " j k h l Space G · w wrap · Esc closes "
    };
    let fit = |s: &str| super::format::truncate(s, area.width.saturating_sub(2) as usize);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(rows).scroll((0, v.hscroll)).block(
            Block::bordered()
                .title(Span::styled(fit(&title), title_style()))
                .title_bottom(Span::styled(fit(keys), title_style()))
                .border_style(theme_accent),
        ),
        area,
    );
}

/// The messages log (`:messages`): the last status lines, newest last,
/// each wrapped under its text (the time stays in its column), so the
/// newest is on the box's last row however long the lines are.
fn messages(app: &App, frame: &mut Frame, area: Rect) {
    use ratatui::text::{Line, Span};
    use ratatui::widgets::{Block, Clear, Paragraph};
    use unicode_width::UnicodeWidthStr;
    let rect = centered(
        area,
        area.width.saturating_sub(4).min(120),
        area.height.saturating_sub(2),
    );
    let inner_w = rect.width.saturating_sub(2) as usize;
    let inner_h = rect.height.saturating_sub(2) as usize;
    let mut rows: Vec<Line> = Vec::new();
    for (t, m, level) in &app.messages {
        let style = match level {
            super::app::Level::Error => app.theme.bad,
            super::app::Level::Info => Style::new(),
        };
        let time = format!("{}  ", app.clock.datetime(*t));
        let text = crate::mail::sanitize::line(m);
        // Under a narrow box the text takes the whole width.
        let indent = if inner_w >= time.width() * 2 {
            time.width()
        } else {
            0
        };
        let parts = if indent > 0 {
            super::format::wrap(&text, inner_w - indent)
        } else {
            super::format::wrap(&format!("{time}{text}"), inner_w)
        };
        for (i, part) in parts.into_iter().enumerate() {
            rows.push(if indent == 0 {
                Line::styled(part, style)
            } else if i == 0 {
                Line::from(vec![
                    Span::styled(time.clone(), app.theme.dim),
                    Span::styled(part, style),
                ])
            } else {
                Line::styled(format!("{}{part}", " ".repeat(indent)), style)
            });
        }
    }
    let skip = rows.len().saturating_sub(inner_h);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(rows.into_iter().skip(skip).collect::<Vec<_>>()).block(
            Block::bordered()
                .title(Span::styled(" Messages · any key closes ", title_style()))
                .border_style(app.theme.accent),
        ),
        rect,
    );
}

/// The border style of a pane: bright when focused.
fn border(t: &Theme, focused: bool) -> Style {
    if focused { t.accent } else { t.dim }
}

fn title_style() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

/// A rectangle of at most `w` x `h` centred in `area`.
fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// The palette's matches, best first, in a box above the status bar.
fn palette(app: &App, input: &str, selected: usize, frame: &mut Frame, body: Rect) {
    use ratatui::text::Line;
    use ratatui::widgets::{Block, Clear, Paragraph};
    // A verb with its argument acts at once: say what Enter does.
    if let Some((_, verb, arg)) = super::palette::command(input) {
        let h = 3.min(body.height);
        let area = Rect::new(body.x, body.y + body.height - h, body.width, h);
        let line = format!(
            "Enter: {} {}",
            verb.to_lowercase(),
            crate::mail::sanitize::line(arg)
        );
        frame.render_widget(Clear, area);
        frame.render_widget(
            Paragraph::new(super::format::fit(
                &line,
                body.width.saturating_sub(2) as usize,
            ))
            .block(
                Block::bordered()
                    .title(" acts at once · Esc closes ")
                    .border_style(app.theme.accent),
            ),
            area,
        );
        return;
    }
    let matches = super::palette::matches(&app.keymap, input);
    let selected = selected.min(matches.len().saturating_sub(1));
    let h = (matches.len().min(10) as u16 + 2).min(body.height);
    let area = Rect::new(body.x, body.y + body.height - h, body.width, h);
    let first = selected.saturating_sub(9);
    let lines: Vec<Line> = matches
        .iter()
        .enumerate()
        .skip(first)
        .take(10)
        .map(|(i, e)| {
            let style = if i == selected {
                app.theme.cursor
            } else {
                Style::new()
            };
            Line::styled(
                super::format::fit(&e.line, body.width.saturating_sub(2) as usize),
                style,
            )
        })
        .collect();
    frame.render_widget(Clear, area);
    let title = format!(
        " {} actions · ↑↓ choose · `snooze 3d` acts at once ",
        matches.len()
    );
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::bordered()
                .title(title)
                .border_style(app.theme.accent),
        ),
        area,
    );
}
