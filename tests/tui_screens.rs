//! How the TUI looks on any terminal, through the real App: without colour
//! (the cursor row still visible), the high-contrast theme, and the help
//! overlay at 80 columns (wrapped, not cut).

#[path = "support/tui.rs"]
mod tui_support;

use ratatui::{Terminal, backend::TestBackend};
use replypad::ui::{App, panes};

fn app(width: u16, height: u16) -> (App, Terminal<TestBackend>) {
    tui_support::app_with_outbox(width, height, "/tmp/replypad-demo/outbox".into())
}

/// With NO_COLOR there is no colour at all, and the cursor row is still
/// visible (reverse video), in the list and in the sidebar.
#[test]
fn without_colour_the_cursor_row_is_reverse_video() {
    use ratatui::style::{Color, Modifier};
    for (w, h) in [(80, 24), (160, 48)] {
        let (mut app, mut term) = app(w, h);
        app.theme = replypad::ui::theme::Theme::no_color();
        app.feed("j");
        term.draw(|f| panes::draw(&mut app, f)).unwrap();
        let buf = term.backend().buffer();
        let mut reversed_rows = Vec::new();
        for y in 0..buf.area.height {
            for x in 0..buf.area.width {
                let c = &buf[(x, y)];
                assert!(
                    c.fg == Color::Reset && c.bg == Color::Reset,
                    "{w}x{h}: a colour at {x},{y}: {c:?}"
                );
            }
            let row_reversed = (0..buf.area.width)
                .filter(|&x| buf[(x, y)].modifier.contains(Modifier::REVERSED))
                .count();
            if row_reversed > 30 {
                reversed_rows.push(y);
            }
        }
        // The status bar, and the list's cursor row (the second row: j).
        assert!(
            reversed_rows.contains(&(h - 1)),
            "{w}x{h}: {reversed_rows:?}"
        );
        assert!(
            reversed_rows.contains(&2),
            "{w}x{h}: cursor row: {reversed_rows:?}"
        );
    }
}

/// `[theme] preset = "high-contrast"`: no dark grey anywhere, the cursor
/// row black on white; a preset it does not know is refused.
#[test]
fn the_high_contrast_theme_has_no_dark_grey_and_a_white_cursor_row() {
    use ratatui::style::Color;
    let preset =
        |p: &str| std::collections::BTreeMap::from([("preset".to_string(), p.to_string())]);
    let (mut app, mut term) = app(160, 48);
    app.theme = replypad::ui::theme::Theme::load(&preset("high-contrast"), false).unwrap();
    app.feed("j");
    term.draw(|f| panes::draw(&mut app, f)).unwrap();
    let buf = term.backend().buffer();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let c = &buf[(x, y)];
            assert!(
                c.fg != Color::DarkGray && c.bg != Color::DarkGray,
                "dark grey at {x},{y}"
            );
        }
    }
    let white_row = (0..buf.area.height).any(|y| {
        (0..buf.area.width)
            .filter(|&x| buf[(x, y)].bg == Color::White)
            .count()
            > 60
    });
    assert!(white_row, "the cursor row is black on white");
    let err = replypad::ui::theme::Theme::load(&preset("neon"), false)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("high-contrast"), "{err}");
}

/// The help overlay at 80 columns cuts nothing: every line fits, and each
/// key's whole description is there (a long one wraps under itself).
#[test]
fn help_at_80_columns_wraps_instead_of_cutting() {
    use replypad::ui::keymap::Layer;
    use unicode_width::UnicodeWidthStr;
    let (app, _term) = app(80, 24);
    let width = 74; // the overlay's inside at 80 columns
    let lines: Vec<String> = replypad::ui::panes::help::lines(&app, width)
        .iter()
        .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
        .collect();
    for l in &lines {
        assert!(l.width() <= width, "{l:?} is wider than {width}");
    }
    let text = lines.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" ");
    for layer in Layer::ALL {
        for b in app.keymap.bindings(layer) {
            let words: Vec<&str> = b.desc.split_whitespace().collect();
            let last = words.last().copied().unwrap_or_default();
            assert!(text.contains(last), "{:?}: {:?} is cut", b.spec, b.desc);
        }
    }
}
