//! A text attachment (a log, a CSV, a patch) read inside the TUI: loaded
//! from the private copy the desk saved, sanitized like every untrusted
//! text, capped in size, scrolled with the usual keys.

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
    /// Columns scrolled to the right (long lines are cut, not wrapped:
    /// logs and CSV read better so).
    pub hscroll: u16,
    /// The height it was last drawn at (for page keys).
    pub height: usize,
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
            height: 20,
        })
    }

    /// A view of lines made here (already clean).
    pub fn of_lines(title: &str, lines: Vec<String>) -> TextView {
        TextView {
            title: crate::mail::sanitize::line(title).into_owned(),
            lines,
            scroll: 0,
            hscroll: 0,
            height: 20,
        }
    }

    /// A key while it is open; false when it closes.
    pub fn key(&mut self, ev: KeyEvent) -> bool {
        let page = self.height.max(1);
        // As in less: the last line stays at the bottom, not alone at the top.
        let last = self.lines.len().saturating_sub(page);
        match ev.code {
            KeyCode::Esc | KeyCode::Char('q') => return false,
            KeyCode::Char('j') | KeyCode::Down => self.scroll += 1,
            KeyCode::Char('k') | KeyCode::Up => self.scroll = self.scroll.saturating_sub(1),
            KeyCode::Char(' ') | KeyCode::PageDown => self.scroll += page,
            KeyCode::PageUp => self.scroll = self.scroll.saturating_sub(page),
            KeyCode::Char('g') | KeyCode::Home => self.scroll = 0,
            KeyCode::Char('G') | KeyCode::End => self.scroll = last,
            KeyCode::Char('l') | KeyCode::Right => self.hscroll = self.hscroll.saturating_add(8),
            KeyCode::Char('h') | KeyCode::Left => self.hscroll = self.hscroll.saturating_sub(8),
            _ => {}
        }
        self.scroll = self.scroll.min(last);
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
}
