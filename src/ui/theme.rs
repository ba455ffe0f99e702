//! Every colour the panes use, by role, in one place. The config's
//! `[theme]` table overrides a role's colour; with `NO_COLOR` set (see
//! no-color.org) no colour is used at all, and the roles that carry
//! meaning use reverse video, bold or underline instead, so the cursor row
//! and errors stay visible.

use anyhow::{Result, bail};
use ratatui::style::{Color, Modifier, Style};
use std::collections::BTreeMap;

/// The styles of the panes, by role.
#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    /// The row the cursor is on (list, sidebar, picker, palette).
    pub cursor: Style,
    /// Rows marked for a bulk act.
    pub marked: Style,
    /// Secondary text: dates, field names, quoted lines, closed rows.
    pub dim: Style,
    /// Focused borders, keys in the help, links to act on.
    pub accent: Style,
    /// Headings, unread marks, fields to fill.
    pub heading: Style,
    /// Good news: an open status, added lines.
    pub good: Style,
    /// Bad news: errors, removed lines, a spoofed sender.
    pub bad: Style,
    /// Mentions and presence ("✎ lee is replying").
    pub notice: Style,
    /// The status bar.
    pub bar: Style,
    /// A bar that must be read: a draft under review, a template field.
    pub banner: Style,
    /// A title bar over content (the draft under review).
    pub title: Style,
    /// An alarm bar (errors in the status row).
    pub alarm: Style,
    /// What is being typed into a prompt.
    pub input: Style,
    colours: bool,
}

/// The roles a `[theme]` table may set, as `role = "colour"`.
pub use crate::config::THEME_ROLES as ROLES;

impl Default for Theme {
    fn default() -> Theme {
        let fg = |c| Style::new().fg(c);
        Theme {
            cursor: Style::new().bg(Color::Blue).fg(Color::White),
            marked: Style::new().bg(Color::DarkGray).fg(Color::White),
            dim: fg(Color::DarkGray),
            accent: fg(Color::Cyan),
            heading: fg(Color::Yellow),
            good: fg(Color::Green),
            bad: fg(Color::Red),
            notice: fg(Color::Magenta),
            bar: Style::new().bg(Color::DarkGray).fg(Color::White),
            banner: Style::new().bg(Color::Yellow).fg(Color::Black),
            title: Style::new().bg(Color::Blue).fg(Color::White),
            alarm: Style::new().bg(Color::Red).fg(Color::White),
            input: Style::new().bg(Color::Black).fg(Color::White),
            colours: true,
        }
    }
}

impl Theme {
    /// No colour at all: meaning by reverse video, bold and underline.
    pub fn no_color() -> Theme {
        let m = |m| Style::new().add_modifier(m);
        Theme {
            cursor: m(Modifier::REVERSED),
            marked: m(Modifier::UNDERLINED),
            dim: Style::new(),
            accent: Style::new(),
            heading: m(Modifier::BOLD),
            good: Style::new(),
            bad: m(Modifier::BOLD),
            notice: m(Modifier::UNDERLINED),
            bar: m(Modifier::REVERSED),
            banner: m(Modifier::REVERSED),
            title: m(Modifier::REVERSED),
            alarm: m(Modifier::REVERSED | Modifier::BOLD),
            input: Style::new(),
            colours: false,
        }
    }

    /// Bright text and bold marks for low vision and washed-out screens: no
    /// dark grey on black, the cursor row black on white.
    pub fn high_contrast() -> Theme {
        let fg = |c| Style::new().fg(c).add_modifier(Modifier::BOLD);
        let inverse = Style::new()
            .bg(Color::White)
            .fg(Color::Black)
            .add_modifier(Modifier::BOLD);
        Theme {
            cursor: inverse,
            marked: Style::new()
                .bg(Color::Yellow)
                .fg(Color::Black)
                .add_modifier(Modifier::BOLD),
            dim: Style::new().fg(Color::White),
            accent: fg(Color::LightCyan),
            heading: fg(Color::LightYellow),
            good: fg(Color::LightGreen),
            bad: fg(Color::LightRed).add_modifier(Modifier::UNDERLINED),
            notice: fg(Color::LightMagenta),
            bar: inverse,
            banner: Style::new()
                .bg(Color::LightYellow)
                .fg(Color::Black)
                .add_modifier(Modifier::BOLD),
            title: inverse,
            alarm: Style::new()
                .bg(Color::LightRed)
                .fg(Color::Black)
                .add_modifier(Modifier::BOLD),
            input: Style::new().bg(Color::Black).fg(Color::White),
            colours: true,
        }
    }

    /// The theme for this terminal: none with `NO_COLOR` (any non-empty
    /// value), else the `[theme] preset` ("default" or "high-contrast")
    /// with the config's colours per role on top.
    pub fn load(overrides: &BTreeMap<String, String>, no_color: bool) -> Result<Theme> {
        if no_color {
            return Ok(Theme::no_color());
        }
        let mut t = match overrides.get("preset").map(String::as_str) {
            None | Some("default") => Theme::default(),
            Some("high-contrast") => Theme::high_contrast(),
            Some(other) => bail!(
                "[theme] preset = {other:?} is not a theme (\"default\" or \"high-contrast\")"
            ),
        };
        for (role, colour) in overrides.iter().filter(|(r, _)| *r != "preset") {
            let c: Color = match colour.parse() {
                Ok(c) => c,
                Err(_) => bail!(
                    "[theme] {role} = {colour:?} is not a colour (a name such as \"blue\", or \"#1e90ff\")"
                ),
            };
            let slot = match role.as_str() {
                "cursor" => &mut t.cursor,
                "marked" => &mut t.marked,
                "dim" => &mut t.dim,
                "accent" => &mut t.accent,
                "heading" => &mut t.heading,
                "good" => &mut t.good,
                "bad" => &mut t.bad,
                "notice" => &mut t.notice,
                "bar" => &mut t.bar,
                "banner" => &mut t.banner,
                "title" => &mut t.title,
                "alarm" => &mut t.alarm,
                other => bail!(
                    "[theme] has no role {other:?} (roles: {})",
                    ROLES.join(", ")
                ),
            };
            // Bars and the cursor are set by their background; text roles
            // by their foreground.
            *slot = if slot.bg.is_some() {
                slot.bg(c)
            } else {
                slot.fg(c)
            };
        }
        Ok(t)
    }

    /// Whether `NO_COLOR` asks for no colour (no-color.org: set and not empty).
    pub fn no_color_env() -> bool {
        std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
    }

    /// A label's colour (a colour name from the config), or plain text.
    pub fn label(&self, colour: Option<&str>) -> Style {
        if !self.colours {
            return Style::new();
        }
        Style::new().fg(colour
            .and_then(|c| c.parse::<Color>().ok())
            .unwrap_or(Color::Gray))
    }

    /// A foreground colour, or none without colours (for text whose
    /// meaning does not depend on it).
    pub fn fg(&self, c: Color) -> Style {
        if self.colours {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_and_no_color() {
        let t = Theme::load(
            &BTreeMap::from([
                ("cursor".into(), "green".into()),
                ("bad".into(), "#ff0000".into()),
            ]),
            false,
        )
        .unwrap();
        assert_eq!(t.cursor.bg, Some(Color::Green));
        assert_eq!(t.bad.fg, Some(Color::Rgb(255, 0, 0)));
        assert!(Theme::load(&BTreeMap::from([("cursor".into(), "plaid".into())]), false).is_err());
        assert!(Theme::load(&BTreeMap::from([("nope".into(), "red".into())]), false).is_err());
        let n = Theme::load(&BTreeMap::from([("cursor".into(), "green".into())]), true).unwrap();
        assert!(n.cursor.add_modifier.contains(Modifier::REVERSED));
        assert_eq!(n.cursor.bg, None);
        assert_eq!(n.label(Some("red")), Style::new());
    }
}
