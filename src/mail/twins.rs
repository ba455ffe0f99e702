//! Drops the HTML twin of a plain-text part before a body is parsed.
//!
//! Most mail is `multipart/alternative`: the same text as text/plain and as
//! text/html, the HTML often three times the size. replypad shows and
//! indexes the plain part and never stores the HTML, yet decoding it was
//! the largest single cost of parsing bodies. [`without_html_twins`] cuts
//! such HTML parts out of the raw body first, and only when the structure
//! is clean by a strict reading of RFC 2046: on anything it does not
//! understand it cuts nothing, and the parser sees the message as sent.

use std::ops::Range;

/// How deep multiparts are followed (deeper: nothing is cut).
const MAX_DEPTH: usize = 8;

/// `body` (the part after the header block `head`) without the text/html
/// parts of every multipart/alternative that also has a text/plain part;
/// None when there is nothing to cut or the structure is not clean.
pub fn without_html_twins(head: &[u8], body: &[u8]) -> Option<Vec<u8>> {
    let mut cuts = Vec::new();
    collect(&content_type(head), body, 0, 0, &mut cuts)?;
    if cuts.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(body.len());
    let mut at = 0;
    for c in cuts {
        out.extend_from_slice(&body[at..c.start]);
        at = c.end;
    }
    out.extend_from_slice(&body[at..]);
    Some(out)
}

/// A Content-Type: "type/subtype" in lower case and its boundary.
struct ContentType {
    mime: String,
    boundary: Option<Vec<u8>>,
}

/// Adds to `cuts` (offsets from `base`) the HTML twins inside `body`;
/// None when something is not clean (then nothing at all is cut).
fn collect(
    ct: &ContentType,
    body: &[u8],
    base: usize,
    depth: usize,
    cuts: &mut Vec<Range<usize>>,
) -> Option<()> {
    if !ct.mime.starts_with("multipart/") {
        return Some(());
    }
    if depth >= MAX_DEPTH || ct.mime == "multipart/digest" {
        return None;
    }
    let boundary = ct.boundary.as_deref()?;
    let parts = split(body, boundary)?;
    let mut children = Vec::with_capacity(parts.len());
    for p in &parts {
        let content = &body[p.content.clone()];
        let (head, rest) = head_and_body(content);
        let mut child = content_type(head);
        if child.mime.is_empty() {
            child.mime = "text/plain".into();
        }
        let attached = field(head, "content-disposition").is_some_and(|d| {
            d.trim_start()
                .to_ascii_lowercase()
                .starts_with("attachment")
        });
        children.push((child, attached, rest));
    }
    let alternative = ct.mime == "multipart/alternative";
    let has_plain = children
        .iter()
        .any(|(c, attached, _)| c.mime == "text/plain" && !attached);
    for (p, (child, attached, rest)) in parts.iter().zip(&children) {
        if alternative && has_plain && child.mime == "text/html" && !attached {
            cuts.push(base + p.whole.start..base + p.whole.end);
            continue;
        }
        let offset = rest.as_ptr() as usize - body.as_ptr() as usize;
        collect(child, rest, base + offset, depth + 1, cuts)?;
    }
    Some(())
}

/// One body part: from its delimiter line to the next delimiter line
/// (`whole`), and its header block and body (`content`).
struct Part {
    whole: Range<usize>,
    content: Range<usize>,
}

/// The parts between the delimiters of `boundary`; None unless every
/// occurrence of the delimiter starts a line and is a delimiter line, and
/// the close delimiter is there.
fn split(body: &[u8], boundary: &[u8]) -> Option<Vec<Part>> {
    let mut dash = Vec::with_capacity(boundary.len() + 2);
    dash.extend_from_slice(b"--");
    dash.extend_from_slice(boundary);
    let mut parts: Vec<Part> = Vec::new();
    let mut open: Option<(usize, usize)> = None;
    for line in memchr::memmem::find_iter(body, &dash) {
        if line > 0 && body[line - 1] != b'\n' {
            return None;
        }
        let end = memchr::memchr(b'\n', &body[line..]).map_or(body.len(), |i| line + i + 1);
        let after = &body[line + dash.len()..end];
        let close = after.starts_with(b"--");
        let tail = if close { &after[2..] } else { after };
        if !tail
            .iter()
            .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        {
            return None;
        }
        if let Some((start, content)) = open.take() {
            // The line break before a delimiter belongs to it.
            let mut stop = line;
            if stop > content && body[stop - 1] == b'\n' {
                stop -= 1;
                if stop > content && body[stop - 1] == b'\r' {
                    stop -= 1;
                }
            }
            parts.push(Part {
                whole: start..line,
                content: content..stop.max(content),
            });
        }
        if close {
            return (!parts.is_empty()).then_some(parts);
        }
        if body[end - 1] != b'\n' {
            return None;
        }
        open = Some((line, end));
    }
    None
}

/// A part's header block and its body (after the blank line).
fn head_and_body(content: &[u8]) -> (&[u8], &[u8]) {
    let mut line = 0;
    while line < content.len() {
        let end = content[line..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(content.len(), |i| line + i + 1);
        if matches!(&content[line..end], b"\r\n" | b"\n") {
            return (&content[..line], &content[end..]);
        }
        line = end;
    }
    (content, &content[content.len()..])
}

/// The unfolded value of header field `name` (lower case) in `head`.
fn field(head: &[u8], name: &str) -> Option<String> {
    let mut value: Option<String> = None;
    let mut inside = false;
    for l in head.split(|&b| b == b'\n') {
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        if inside && l.first().is_some_and(|b| matches!(b, b' ' | b'\t')) {
            if let Some(v) = value.as_mut() {
                v.push(' ');
                v.push_str(&String::from_utf8_lossy(l).replace('\t', " "));
            }
            continue;
        }
        if value.is_some() {
            return value;
        }
        inside = l.len() > name.len()
            && l[..name.len()].eq_ignore_ascii_case(name.as_bytes())
            && l[name.len()] == b':';
        if inside {
            value = Some(String::from_utf8_lossy(&l[name.len() + 1..]).into_owned());
        }
    }
    value
}

/// The Content-Type of a header block ("" when it has none).
fn content_type(head: &[u8]) -> ContentType {
    let Some(v) = field(head, "content-type") else {
        return ContentType {
            mime: String::new(),
            boundary: None,
        };
    };
    let mut params = v.split(';');
    let mime = params
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
        .replace(' ', "");
    let boundary = boundary(&v);
    ContentType { mime, boundary }
}

/// The boundary parameter of a Content-Type value, quoted or not.
fn boundary(v: &str) -> Option<Vec<u8>> {
    let lower = v.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find("boundary") {
        let at = from + i;
        from = at + 8;
        let before = lower[..at].trim_end();
        if !before.ends_with(';') {
            continue;
        }
        let rest = lower[from..].trim_start();
        let Some(rest) = rest.strip_prefix('=') else {
            continue;
        };
        // The value as written (boundaries are case-sensitive).
        let start = v.len() - rest.len();
        let raw = v[start..].trim_start();
        let b = match raw.strip_prefix('"') {
            Some(q) => {
                let end = q.find('"')?;
                &q[..end]
            }
            None => raw.split([';', ' ', '\t']).next().unwrap_or("").trim_end(),
        };
        if b.is_empty() || b.len() > 200 || b.contains('\\') {
            return None;
        }
        return Some(b.as_bytes().to_vec());
    }
    None
}

#[cfg(test)]
#[path = "twins_tests.rs"]
mod tests;
