//! Parses raw messages with mail-parser 0.11, isolated so that a panic inside
//! the parser marks one message "unparseable" and sync goes on.

use crate::domain::thread::{self, ThreadHeaders};
use crate::domain::{Address, Attachment, BodyState};
use mail_parser::{MessageParser, MimeHeaders};
use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Everything replypad keeps of one message, decoded but not yet sanitized.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedMessage {
    /// The message's own Message-ID (normalized), or a synthetic one.
    pub message_id: String,
    pub conversation_key: String,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub from: Address,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    /// Every address of `Reply-To` (where replies go), empty without one.
    pub reply_to: Vec<Address>,
    pub subject: String,
    pub date: i64,
    pub text: String,
    pub html: Option<String>,
    pub attachments: Vec<Attachment>,
    pub body_state: BodyState,
    pub parse_error: Option<String>,
    /// Why an automatic reply must not answer it (`mail::autoreply`).
    pub auto_refusal: Option<String>,
}

thread_local! {
    static PARSING: Cell<bool> = const { Cell::new(false) };
}

/// True while this thread is inside an isolated parse. The panic hook uses it
/// to log a parser panic quietly instead of tearing down the terminal.
pub fn in_isolated_parse() -> bool {
    PARSING.with(Cell::get)
}

/// Width HTML is wrapped at when rendered to text for the cache.
const HTML_WIDTH: usize = 100;

/// Parse `raw`. Never panics: a parser failure or panic yields a message in
/// state [`BodyState::Unparseable`] with whatever headers a plain scan finds.
/// `fallback_date` (the server's INTERNALDATE) is used when Date is missing.
pub fn parse_message(raw: &[u8], fallback_date: i64) -> ParsedMessage {
    PARSING.with(|p| p.set(true));
    parse_sized(raw, fallback_date, raw.len() as u64)
}

/// [`parse_message`] for a message of `size` octets (the header fetch has
/// only the header fields; its size comes from RFC822.SIZE).
fn parse_sized(raw: &[u8], fallback_date: i64, size: u64) -> ParsedMessage {
    PARSING.with(|p| p.set(true));
    let result = catch_unwind(AssertUnwindSafe(|| parse_inner(raw, fallback_date, size)));
    PARSING.with(|p| p.set(false));
    match result {
        Ok(Some(m)) => m,
        Ok(None) => unparseable(
            raw,
            fallback_date,
            size,
            "the message has no parsable header",
        ),
        Err(panic) => {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            tracing::warn!(reason = %crate::mail::sanitize::line(&why), "mail parser panicked; message kept as unparseable");
            unparseable(
                raw,
                fallback_date,
                size,
                &format!("the mail parser panicked: {why}"),
            )
        }
    }
}

/// Attachment `index` (0-based, in the parser's order, as listed) of a raw
/// message: (file name as sent, decoded bytes). Isolated like parsing.
pub fn attachment(raw: &[u8], index: usize) -> Option<(String, Vec<u8>)> {
    PARSING.with(|p| p.set(true));
    let r = catch_unwind(AssertUnwindSafe(|| {
        let msg = MessageParser::default().parse(raw)?;
        let part = msg.attachments().nth(index)?;
        Some((
            part.attachment_name().unwrap_or("attachment").to_string(),
            part.contents().to_vec(),
        ))
    }));
    PARSING.with(|p| p.set(false));
    r.ok().flatten()
}

/// The addresses of a header field. `raw` is the field as received: an
/// address the parser returns without a local part (an encoded word in
/// the local part, `=?utf-8?q?admin?=@example.com`, is decoded into a
/// display name "admin" and the address "@example.com") is kept as
/// received instead, where [`Address::looks_forged`] flags it.
fn addr_list(a: Option<&mail_parser::Address<'_>>, raw: Option<&str>) -> Vec<Address> {
    a.map(|a| {
        a.iter()
            .filter_map(|x| {
                let email = x.address()?;
                if email.starts_with('@') {
                    let received = raw.and_then(|r| as_received(r, email));
                    return Some(Address::new(
                        None,
                        &received.unwrap_or_else(|| format!("{}{email}", x.name().unwrap_or(""))),
                    ));
                }
                Some(Address::new(x.name(), email))
            })
            .collect()
    })
    .unwrap_or_default()
}

/// The address in `raw` that ends with `domain_part` (`@example.com`), as
/// written there: the run of characters before it up to a space, `<`, `,`
/// or `"`.
fn as_received(raw: &str, domain_part: &str) -> Option<String> {
    let at = raw.find(domain_part)?;
    let start = raw[..at]
        .rfind(|c: char| c.is_whitespace() || matches!(c, '<' | ',' | '"' | ':'))
        .map_or(0, |i| i + 1);
    let end = at + domain_part.len();
    Some(raw[start..end].to_string())
}

fn parse_inner(raw: &[u8], fallback_date: i64, size: u64) -> Option<ParsedMessage> {
    crate::fault::parser_checkpoint(raw);
    let msg = MessageParser::default().parse(raw)?;
    let from = addr_list(msg.from(), msg.header_raw("From"))
        .into_iter()
        .next()
        .unwrap_or_default();
    let subject = msg.subject().unwrap_or("").to_string();
    let date = msg
        .date()
        .map(|d| d.to_timestamp())
        .filter(|&t| t > 0)
        .unwrap_or(fallback_date);
    let references: Vec<String> = msg
        .references()
        .as_text_list()
        .map(|l| {
            l.iter()
                .filter_map(|r| thread::normalize_message_id(r))
                .collect()
        })
        .or_else(|| {
            msg.references()
                .as_text()
                .and_then(thread::normalize_message_id)
                .map(|r| vec![r])
        })
        .unwrap_or_default();
    let in_reply_to = msg
        .in_reply_to()
        .as_text_list()
        .and_then(|l| l.first().and_then(|r| thread::normalize_message_id(r)))
        .or_else(|| {
            msg.in_reply_to()
                .as_text()
                .and_then(thread::normalize_message_id)
        });
    let to = addr_list(msg.to(), msg.header_raw("To"));
    let cc = addr_list(msg.cc(), msg.header_raw("Cc"));
    let shape = shape_of(
        to.iter().chain(&cc).map(|a| a.email.as_str()),
        msg.header_raw("Content-Type").unwrap_or(""),
    );
    let th = ThreadHeaders {
        message_id: msg.message_id(),
        in_reply_to: in_reply_to.as_deref(),
        references: &references,
        from: &from.email,
        date,
        subject: &subject,
        shape: &shape,
        size,
    };
    let message_id = thread::message_key(&th);
    let conversation_key = thread::conversation_key(&th);

    // Only a real HTML part: for plain-text mail `body_html` would build
    // HTML out of the text (CPU and cache space for nothing).
    let html = msg
        .html_part(0)
        .filter(|p| p.is_text_html())
        .and_then(|p| p.text_contents())
        .map(str::to_string);
    let text_is_html = msg.text_part(0).is_some_and(|p| p.is_text_html());
    let text = match (&html, text_is_html) {
        (Some(h), true) => html_to_text(h),
        _ => msg.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
    };
    let attachments = msg
        .attachments()
        .map(|p| Attachment {
            filename: p.attachment_name().unwrap_or("attachment").to_string(),
            content_type: p
                .content_type()
                .map(|c| match c.subtype() {
                    Some(s) => format!("{}/{}", c.ctype(), s),
                    None => c.ctype().to_string(),
                })
                .unwrap_or_else(|| "application/octet-stream".into()),
            size: p.len() as u64,
        })
        .collect();
    let auto_refusal = super::autoreply::refusal(
        &|name| msg.header_raw(name).map(str::to_string),
        msg.headers()
            .iter()
            .any(|h| h.name().to_ascii_lowercase().starts_with("list-")),
        &from.email,
    );
    Some(ParsedMessage {
        message_id,
        conversation_key,
        in_reply_to,
        references,
        from,
        to,
        cc,
        reply_to: addr_list(msg.reply_to(), msg.header_raw("Reply-To")),
        subject,
        date,
        text,
        html,
        attachments,
        body_state: BodyState::Full,
        parse_error: None,
        auto_refusal,
    })
}

/// HTML rendered to wrapped plain text with link footnotes.
pub fn html_to_text(html: &str) -> String {
    html2text::from_read(html.as_bytes(), HTML_WIDTH).unwrap_or_else(|_| html.to_string())
}

/// A last-resort header scan for a message the parser could not handle, so it
/// still shows up (and threads by its Message-ID) instead of vanishing.
/// The header block of `raw` (up to the first empty line, at most 64 KiB),
/// read by a plain scan that cannot fail: for what the parser cannot read.
fn plain_head(raw: &[u8]) -> std::borrow::Cow<'_, str> {
    let head_end = raw
        .windows(2)
        .position(|w| w == b"\n\n" || w == b"\n\r")
        .unwrap_or(raw.len())
        .min(64 * 1024);
    String::from_utf8_lossy(&raw[..head_end])
}

/// Header `name` of a header block read by [`plain_head`] (the first line
/// of a folded field).
fn plain_field(head: &str, name: &str) -> Option<String> {
    head.lines()
        .find(|l| {
            l.len() > name.len()
                && l.is_char_boundary(name.len())
                && l[..name.len()].eq_ignore_ascii_case(name)
                && l[name.len()..].starts_with(':')
        })
        .map(|l| l[name.len() + 1..].trim().to_string())
}

/// The Message-ID `raw` names in its header (normalized; None: it has none).
pub fn message_id_of(raw: &[u8]) -> Option<String> {
    plain_field(&plain_head(raw), "Message-ID")
        .as_deref()
        .and_then(thread::normalize_message_id)
}

/// What tells messages with the same sender, date and subject apart,
/// besides their size: the recipients and the Content-Type (its boundary).
fn shape_of<'a>(recipients: impl Iterator<Item = &'a str>, content_type: &str) -> String {
    let mut s: String = recipients
        .map(|e| e.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(",");
    s.push('\n');
    s.push_str(content_type.trim());
    s
}

fn unparseable(raw: &[u8], fallback_date: i64, size: u64, why: &str) -> ParsedMessage {
    let head = plain_head(raw);
    let field = |name: &str| plain_field(&head, name);
    let own_id = field("Message-ID");
    let subject = field("Subject").unwrap_or_else(|| "(unparseable message)".into());
    let from_raw = field("From").unwrap_or_default();
    let email = from_raw
        .rsplit_once('<')
        .map(|(_, r)| r.trim_end_matches('>').to_string())
        .unwrap_or(from_raw.clone());
    let th = ThreadHeaders {
        message_id: own_id.as_deref(),
        in_reply_to: None,
        references: &[],
        from: &email,
        date: fallback_date,
        subject: &subject,
        shape: &shape_of(
            [field("To"), field("Cc")]
                .iter()
                .flatten()
                .map(String::as_str),
            field("Content-Type").as_deref().unwrap_or(""),
        ),
        size,
    };
    ParsedMessage {
        message_id: thread::message_key(&th),
        conversation_key: thread::conversation_key(&th),
        in_reply_to: None,
        references: vec![],
        from: Address::new(None, &email),
        to: vec![],
        cc: vec![],
        reply_to: Vec::new(),
        subject,
        date: fallback_date,
        text: format!(
            "replypad could not parse this message ({why}). Its raw source is kept on the server."
        ),
        html: None,
        attachments: vec![],
        body_state: BodyState::Unparseable,
        parse_error: Some(why.to_string()),
        auto_refusal: Some(format!("the message could not be parsed ({why})")),
    }
}

/// Parses a message's body from its MIME header fields (`mime_headers`,
/// a header block with its blank line) and its body (`text`): the text,
/// the attachments and the state are those [`parse_message`] gives for
/// the whole message; the header-derived fields (sender, subject, ids) are
/// not the message's, as the caller has those cached already. The HTML
/// twin of a plain-text part is cut before parsing (`twins`), so `html`
/// is None where the plain part is what shows.
pub fn parse_body(mime_headers: &[u8], text: &[u8]) -> ParsedMessage {
    // The HTML twin of a plain part is neither shown nor kept: not decoded.
    let trimmed = super::twins::without_html_twins(mime_headers, text);
    let text = trimmed.as_deref().unwrap_or(text);
    // A header block of its own, even when the message has no MIME fields
    // (the server then sends just the blank line).
    let end = mime_headers
        .iter()
        .rposition(|b| !matches!(b, b'\r' | b'\n'))
        .map_or(0, |i| i + 1);
    let mut raw = Vec::with_capacity(end + text.len() + 28);
    raw.extend_from_slice(b"X-Replypad-Part: body\r\n");
    if end > 0 {
        raw.extend_from_slice(&mime_headers[..end]);
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"\r\n");
    raw.extend_from_slice(text);
    parse_message(&raw, 0)
}

/// Parses only a message's header block (the headers-first sync): the
/// result is in state [`BodyState::Headers`] with no text yet.
/// `size`: the whole message's (RFC822.SIZE), part of a synthetic key.
pub fn parse_headers(raw_headers: &[u8], fallback_date: i64, size: u64) -> ParsedMessage {
    let mut p = parse_sized(raw_headers, fallback_date, size);
    if p.body_state == BodyState::Full {
        p.body_state = BodyState::Headers;
        p.text.clear();
        p.html = None;
        p.attachments.clear();
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_reply_headers() {
        let raw = b"From: \"Lima, Ana\" <ana@shop.test>\r\nTo: support@example.com\r\nSubject: Re: Refund\r\n\
Message-ID: <b@x>\r\nIn-Reply-To: <a@x>\r\nReferences: <root@x> <a@x>\r\nDate: Tue, 1 Jul 2025 10:00:00 +0000\r\n\r\nHello\r\n";
        let m = parse_message(raw, 0);
        assert_eq!(m.message_id, "b@x");
        assert_eq!(m.conversation_key, "root@x");
        assert_eq!(m.in_reply_to.as_deref(), Some("a@x"));
        assert_eq!(m.from.name.as_deref(), Some("Lima, Ana"));
        assert_eq!(m.date, 1751364000);
        assert_eq!(m.text.trim(), "Hello");
        assert_eq!(m.body_state, BodyState::Full);
    }

    #[test]
    fn an_encoded_word_in_the_local_part_is_kept_as_received_and_flagged() {
        let raw = b"From: =?utf-8?q?admin?=@example.com\r\nTo: Kim <kim@x.test>, =?utf-8?q?root?=@y.test\r\nSubject: hi\r\n\r\nbody\r\n";
        let m = parse_message(raw, 0);
        assert_eq!(m.from.email, "=?utf-8?q?admin?=@example.com");
        assert_eq!(m.from.name, None);
        assert!(m.from.looks_forged());
        assert_eq!(m.to[0].email, "kim@x.test");
        assert!(!m.to[0].looks_forged());
        assert_eq!(m.to[1].email, "=?utf-8?q?root?=@y.test");
        let h = parse_headers(raw, 0, 100);
        assert_eq!(h.from.email, "=?utf-8?q?admin?=@example.com");
    }

    #[test]
    fn html_is_kept_only_when_the_mail_has_it() {
        let plain = parse_message(b"From: a@b.test\r\nSubject: x\r\n\r\nJust text\r\n", 0);
        assert_eq!(plain.html, None);
        let alt = parse_message(
            b"From: a@b.test\r\nSubject: x\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nHi\r\n\
--b\r\nContent-Type: text/html\r\n\r\n<p>Hi</p>\r\n--b--\r\n",
            0,
        );
        assert_eq!(alt.text.trim(), "Hi");
        assert!(
            alt.html.as_deref().is_some_and(|h| h.contains("<p>Hi</p>")),
            "{:?}",
            alt.html
        );
    }

    #[test]
    fn html_only_becomes_text() {
        let raw = b"From: a@b.test\r\nSubject: x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Hello <b>there</b></p><ul><li>one</li></ul>";
        let m = parse_message(raw, 5);
        assert!(m.text.contains("Hello"), "{}", m.text);
        assert!(m.text.contains("one"));
        assert!(!m.text.contains("<p>"));
        assert_eq!(m.date, 5);
    }

    #[test]
    fn encoded_subject_and_charset() {
        let raw = "From: =?ISO-8859-1?Q?J=F6rg?= <j@x.test>\r\nSubject: =?UTF-8?B?w5xiZXJ3ZWlzdW5n?=\r\n\
Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=FC=DFe\r\n";
        let m = parse_message(raw.as_bytes(), 0);
        assert_eq!(m.subject, "Überweisung");
        assert_eq!(m.from.name.as_deref(), Some("Jörg"));
        assert_eq!(m.text.trim(), "Grüße");
    }

    #[test]
    fn garbage_never_panics() {
        for raw in [&b""[..], b"\0\0\0", b"::::\n\n", b"From:\n\n\xff\xfe"] {
            let _ = parse_message(raw, 0);
        }
    }

    #[test]
    fn the_plain_scan_reads_the_header_block_only_and_never_splits_a_character() {
        let raw = "Fro\u{e9}: x\r\nMessage-ID: <a@b>\r\n\r\nSubject: from the body\r\n";
        let head = plain_head(raw.as_bytes());
        assert_eq!(plain_field(&head, "From"), None);
        assert_eq!(plain_field(&head, "Subject"), None, "the body is no header");
        assert_eq!(message_id_of(raw.as_bytes()).as_deref(), Some("a@b"));
        assert_eq!(message_id_of(b"Subject: x\n\nMessage-ID: <c@d>\n"), None);
    }
}
