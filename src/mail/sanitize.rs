//! Makes untrusted text (headers, bodies, filenames, server messages) safe for a
//! terminal, a log line or a file handed to `$EDITOR`.
//!
//! Terminal control characters become visible Unicode "control pictures"
//! (ESC shows as `␛`, NUL as `␀`), so a hostile subject can neither move the
//! cursor nor hide what it contains. C1 controls and bidi overrides become
//! `�`-style visible marks; invisible characters (zero-width space, BOM, tag
//! characters) are removed.

use std::borrow::Cow;

/// What a sanitized string is for: one line (headers, list cells) or a block
/// of text where line breaks are kept (bodies, notes).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Line,
    Block,
}

/// Sanitize a one-line value: line breaks and tabs become spaces.
pub fn line(s: &str) -> Cow<'_, str> {
    sanitize(s, Mode::Line)
}

/// Sanitize a block of text: `\n` is kept, `\r\n` becomes `\n`, tabs become
/// four spaces (ratatui would drop them), everything else as in [`line`].
pub fn text(s: &str) -> Cow<'_, str> {
    sanitize(s, Mode::Block)
}

/// The visible stand-in for a character, or `None` when it is safe as is.
/// `Some("")` removes the character.
fn replacement(c: char, mode: Mode) -> Option<&'static str> {
    const C0: [&str; 32] = [
        "␀", "␁", "␂", "␃", "␄", "␅", "␆", "␇", "␈", "␉", "␊", "␋", "␌", "␍", "␎", "␏", "␐", "␑",
        "␒", "␓", "␔", "␕", "␖", "␗", "␘", "␙", "␚", "␛", "␜", "␝", "␞", "␟",
    ];
    match c {
        '\n' if mode == Mode::Block => None,
        '\n' | '\r' if mode == Mode::Line => Some(" "),
        '\r' => Some(""),
        '\t' if mode == Mode::Block => Some("    "),
        '\t' => Some(" "),
        '\u{0}'..='\u{1f}' => Some(C0[c as usize]),
        '\u{7f}' => Some("␡"),
        // C1 controls, including the 8-bit CSI (0x9b) some terminals obey.
        '\u{80}'..='\u{9f}' => Some("�"),
        // Bidi embeddings, overrides, isolates and marks: shown, never obeyed.
        '\u{200e}'
        | '\u{200f}'
        | '\u{061c}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}' => Some("⟪bidi⟫"),
        // Zero-width and invisible formatting characters.
        '\u{200b}'..='\u{200d}' | '\u{2060}'..='\u{2064}' | '\u{feff}' | '\u{180e}' | '\u{ad}' => {
            Some("")
        }
        '\u{e0000}'..='\u{e007f}' => Some(""),
        '\u{2028}' | '\u{2029}' if mode == Mode::Block => Some("\n"),
        '\u{2028}' | '\u{2029}' => Some(" "),
        // Interlinear annotation and object replacement characters.
        '\u{fff9}'..='\u{fffb}' => Some(""),
        _ => None,
    }
}

fn sanitize(s: &str, mode: Mode) -> Cow<'_, str> {
    let first_bad = s
        .char_indices()
        .find(|&(_, c)| replacement(c, mode).is_some());
    let Some((start, _)) = first_bad else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(&s[..start]);
    let mut chars = s[start..].chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' && mode == Mode::Block && chars.peek() != Some(&'\n') {
            // A lone CR is a line break in old Mac mail; keep the text readable.
            out.push('\n');
            continue;
        }
        match replacement(c, mode) {
            Some(r) => out.push_str(r),
            None => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// True when `s` passes the sanitizer unchanged as a line.
pub fn is_clean_line(s: &str) -> bool {
    matches!(line(s), Cow::Borrowed(_))
}

/// A file name from a message, reduced to a safe basename: no directories, no
/// control characters, no leading dots, never empty.
pub fn filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = line(base)
        .chars()
        .map(|c| if c.is_control() || c == ':' { '_' } else { c })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    if cleaned.is_empty() {
        "attachment".to_string()
    } else {
        cleaned.chars().take(200).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(line("Hello, Ünïcode 日本"), Cow::Borrowed(_)));
        assert!(matches!(text("a\nb"), Cow::Borrowed(_)));
    }

    #[test]
    fn escape_sequences_become_visible() {
        assert_eq!(line("a\x1b[31mred\x1b[0m"), "a␛[31mred␛[0m");
        assert_eq!(line("nul\0here"), "nul␀here");
        assert_eq!(line("bell\x07"), "bell␇");
        assert_eq!(line("c1\u{9b}2J"), "c1�2J");
        assert_eq!(line("del\x7f"), "del␡");
    }

    #[test]
    fn bidi_and_zero_width() {
        assert_eq!(line("invoice\u{202e}fdp.exe"), "invoice⟪bidi⟫fdp.exe");
        assert_eq!(line("pay\u{200b}pal"), "paypal");
        assert_eq!(line("\u{feff}bom"), "bom");
        assert_eq!(line("tag\u{e0041}"), "tag");
    }

    #[test]
    fn line_breaks() {
        assert_eq!(line("a\r\nb\tc"), "a  b c");
        assert_eq!(text("a\r\nb\rc\td"), "a\nb\nc    d");
        assert_eq!(text("x\u{2028}y"), "x\ny");
    }

    #[test]
    fn filenames() {
        assert_eq!(filename("../../etc/passwd"), "passwd");
        assert_eq!(filename("C:\\x\\evil.exe"), "evil.exe");
        assert_eq!(filename(".bashrc"), "bashrc");
        assert_eq!(filename(""), "attachment");
        assert_eq!(filename("a\x1b]0;x\x07.pdf"), "a␛]0;x␇.pdf");
        assert_eq!(filename("report\u{202e}fdp.exe"), "report⟪bidi⟫fdp.exe");
    }
}
