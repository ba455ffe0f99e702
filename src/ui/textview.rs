//! A text attachment (a log, a CSV, a patch) read inside the TUI: loaded
//! from the private copy the desk saved, sanitized like every untrusted
//! text, capped in size, scrolled with the usual keys. Also the pages made
//! here (a post-mortem, notifications, jobs, the team), which wrap.

use crate::domain::Attachment;
use anyhow::{Context, Result, bail};
use crossterm::event::{KeyCode, KeyEvent};
use std::io::Read;
use std::path::Path;

/// How much of a file is read: a longer one shows its start and says so.
const MAX_BYTES: u64 = 4 << 20;
const MAX_LINES: usize = 50_000;

/// Extensions of text formats that mail often labels application/octet-stream.
const TEXT_EXTENSIONS: &[&str] = &[
    "txt", "log", "csv", "tsv", "json", "xml", "yaml", "yml", "md", "patch", "diff", "ini", "conf",
    "cfg", "toml", "sql", "sh", "py", "rs", "js", "ts", "html", "htm", "eml", "har",
];

/// Whether an attachment is text to be read here (by its type or name).
pub fn is_text(a: &Attachment) -> bool {
    let t = a.content_type.to_ascii_lowercase();
    let ext = a
        .filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    t.starts_with("text/")
        || [
            "json",
            "xml",
            "yaml",
            "csv",
            "x-patch",
            "x-diff",
            "javascript",
            "x-sh",
            "sql",
        ]
        .iter()
        .any(|k| t.starts_with("application/") && t.contains(k))
        || TEXT_EXTENSIONS.contains(&ext.as_str())
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextView {
    pub title: String,
    pub lines: Vec<String>,
    pub scroll: usize,
    /// Columns scrolled to the right, while lines are cut (not wrapped).
    pub hscroll: u16,
    /// Long lines wrap (`w` toggles): pages made here do; an attachment
    /// (a log, a CSV) starts cut, which reads better so.
    pub wrap: bool,
    /// The size it was last drawn at (for page keys and the last page).
    pub height: usize,
    pub width: usize,
}

impl TextView {
    /// Reads `path` (at most 4 MiB): refused if it holds NUL bytes
    /// (binary, whatever its name says).
    pub fn load(path: &Path, title: &str) -> Result<TextView> {
        let f =
            std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
        let size = f.metadata().map(|m| m.len()).unwrap_or(0);
        let mut bytes = Vec::new();
        f.take(MAX_BYTES).read_to_end(&mut bytes)?;
        if bytes.contains(&0) {
            bail!("{title} is not text (it holds binary data): w saves it, o opens it");
        }
        let text = String::from_utf8_lossy(&bytes);
        let clean = crate::mail::sanitize::text(&text);
        let mut lines: Vec<String> = clean.lines().take(MAX_LINES).map(str::to_string).collect();
        let total = clean.lines().count();
        if total > MAX_LINES || size > MAX_BYTES {
            lines.push(format!(
                "… the rest is not shown here ({size} bytes in all): w saves the whole file"
            ));
        }
        Ok(TextView {
            title: crate::mail::sanitize::line(title).into_owned(),
            lines,
            scroll: 0,
            hscroll: 0,
            wrap: false,
            height: 20,
            width: 80,
        })
    }

    /// A view of lines made here (already clean).
    pub fn of_lines(title: &str, lines: Vec<String>) -> TextView {
        TextView {
            title: crate::mail::sanitize::line(title).into_owned(),
            lines,
            scroll: 0,
            hscroll: 0,
            wrap: true,
            height: 20,
            width: 80,
        }
    }

    /// Line `i` as the screen rows it takes.
    pub fn rows(&self, i: usize) -> Vec<String> {
        let l = self.lines.get(i).map_or("", String::as_str);
        if self.wrap {
            crate::ui::format::wrap_hanging(l, self.width)
        } else {
            vec![l.to_string()]
        }
    }

    /// The first line of the last page: where the end of the text is on
    /// the screen's last row (wrapped lines count their rows).
    fn last_top(&self) -> usize {
        let page = self.height.max(1);
        if !self.wrap {
            // As in less: the last line stays at the bottom, not alone at the top.
            return self.lines.len().saturating_sub(page);
        }
        let mut rows = 0;
        for i in (0..self.lines.len()).rev() {
            rows += self.rows(i).len();
            if rows > page {
                return i + 1;
            }
        }
        0
    }

    /// A key while it is open; false when it closes.
    pub fn key(&mut self, ev: KeyEvent) -> bool {
        let page = self.height.max(1);
        let last = self.last_top();
        match ev.code {
            KeyCode::Esc | KeyCode::Char('q') => return false,
            KeyCode::Char('j') | KeyCode::Down => self.scroll += 1,
            KeyCode::Char('k') | KeyCode::Up => self.scroll = self.scroll.saturating_sub(1),
            KeyCode::Char(' ') | KeyCode::PageDown => self.scroll += page,
            KeyCode::PageUp => self.scroll = self.scroll.saturating_sub(page),
            KeyCode::Char('g') | KeyCode::Home => self.scroll = 0,
            KeyCode::Char('G') | KeyCode::End => self.scroll = last,
            KeyCode::Char('l') | KeyCode::Right if !self.wrap => {
                self.hscroll = self.hscroll.saturating_add(8)
            }
            KeyCode::Char('h') | KeyCode::Left => self.hscroll = self.hscroll.saturating_sub(8),
            KeyCode::Char('w') => {
                self.wrap = !self.wrap;
                self.hscroll = 0;
            }
            _ => {}
        }
        self.scroll = self.scroll.min(self.last_top());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn att(name: &str, t: &str) -> Attachment {
        Attachment {
            filename: name.into(),
            content_type: t.into(),
            size: 1,
        }
    }

    #[test]
    fn text_by_type_or_name() {
        assert!(is_text(&att("a.bin", "text/plain")));
        assert!(is_text(&att("app.log", "application/octet-stream")));
        assert!(is_text(&att("x", "application/json")));
        assert!(is_text(&att("fix.PATCH", "application/octet-stream")));
        assert!(!is_text(&att("shot.png", "image/png")));
        assert!(!is_text(&att("q.pdf", "application/pdf")));
    }

    #[test]
    fn loads_sanitized_and_refuses_binary() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a.log");
        std::fs::write(&p, "ok line\n\u{1b}[31mred\u{202e}\tx\r\n").unwrap();
        let v = TextView::load(&p, "a.log").unwrap();
        assert_eq!(v.lines.len(), 2);
        assert!(
            v.lines
                .iter()
                .all(|l| !l.contains('\u{1b}') && !l.contains('\u{202e}'))
        );
        let b = d.path().join("b.log");
        std::fs::write(&b, b"PK\x03\x04\x00\x00").unwrap();
        assert!(
            TextView::load(&b, "b.log")
                .unwrap_err()
                .to_string()
                .contains("not text")
        );
        let big = d.path().join("big.log");
        std::fs::write(&big, "x\n".repeat(MAX_LINES + 10)).unwrap();
        let v = TextView::load(&big, "big.log").unwrap();
        assert_eq!(v.lines.len(), MAX_LINES + 1);
        assert!(v.lines.last().unwrap().contains("w saves the whole file"));
    }

    #[test]
    fn wrapped_the_end_is_reachable_and_w_toggles() {
        let key = |v: &mut TextView, c: KeyCode| v.key(KeyEvent::from(c));
        let mut lines: Vec<String> = (0..10).map(|i| format!("line {i}")).collect();
        lines.push("word ".repeat(40)); // 200 columns: 5 rows at 40
        let mut v = TextView::of_lines("t", lines);
        (v.height, v.width) = (6, 40);
        assert!(v.wrap, "pages made here wrap");
        key(&mut v, KeyCode::Char('G'));
        // The last page: line 9 and the five rows of the long line.
        assert_eq!(v.scroll, 9);
        key(&mut v, KeyCode::Char('l'));
        assert_eq!(v.hscroll, 0, "nothing to scroll sideways while wrapped");
        key(&mut v, KeyCode::Char('w'));
        assert!(!v.wrap);
        key(&mut v, KeyCode::Char('G'));
        assert_eq!(v.scroll, 5, "cut: one row a line");
        key(&mut v, KeyCode::Char('l'));
        assert_eq!(v.hscroll, 8);
        // Nothing drawn yet (no size) or an empty page: no panic, no move.
        let mut e = TextView::of_lines("e", vec![]);
        (e.height, e.width) = (0, 0);
        key(&mut e, KeyCode::Char('G'));
        key(&mut e, KeyCode::Char('j'));
        assert_eq!(e.scroll, 0);
    }
}
