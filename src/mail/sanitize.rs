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

/// An HTML message as a document that is safe to open in a browser:
/// ammonia's allow-list removes scripts, event handlers, forms, frames and
/// styles; remote images are dropped too (a tracking pixel would tell the
/// sender that, and when, the team read the mail), and a Content-Security-
/// Policy forbids any request the page might still make. Links stay, with
/// `rel="noopener noreferrer"`. ammonia (html5ever, which html2text already
/// builds) rather than hand-written filtering: HTML sanitizing is where
/// hand-written code goes wrong.
pub fn html_document(html: &str) -> String {
    let clean = ammonia::Builder::default()
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            ("img", "src" | "srcset") => None,
            _ => Some(value.into()),
        })
        .clean(html)
        .to_string();
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
         <title>replypad: a message</title></head><body>\n{clean}\n</body></html>\n"
    )
}

#[cfg(test)]
mod html_tests {
    use super::html_document;

    #[test]
    fn a_hostile_message_opens_without_scripts_or_requests() {
        let html = r#"<p onclick="steal()">Hello <b>there</b></p>
            <script>alert(1)</script><img src="https://track.example/p.gif?u=1">
            <iframe src="https://evil.example"></iframe><a href="https://shop.example/order/1">your order</a>
            <form action="https://evil.example"><input name=p></form>
            <style>body{background:url(https://track.example/bg)}</style>"#;
        let out = html_document(html);
        for gone in [
            "<script",
            "alert(1)",
            "onclick",
            "track.example",
            "<iframe",
            "<form",
            "<style",
        ] {
            assert!(!out.contains(gone), "{gone} in {out}");
        }
        assert!(out.contains("<b>there</b>"), "{out}");
        assert!(
            out.contains(r#"href="https://shop.example/order/1""#),
            "{out}"
        );
        assert!(out.contains("noopener"), "{out}");
        assert!(out.contains("default-src 'none'"), "{out}");
    }

    proptest::proptest! {
        #[test]
        fn no_html_panics(s in "\\PC{0,300}") {
            let _ = html_document(&s);
        }
    }
}
