//! Fetching a large message without its attachments. From the message's
//! BODYSTRUCTURE we plan which sections to ask for (every part's MIME
//! header, and the content of its text parts only), then rebuild a copy of
//! the message from them in which every non-text part is present but empty.
//! Parsing that copy gives the same text and the same attachment list
//! (names, types) as parsing the whole message; attachment sizes come from
//! the structure. The attachments themselves stay on the server until an
//! agent saves one.

use imap_proto::types::{BodyContentSinglePart, BodyStructure, ContentEncoding};

/// Parts a planned message may have (each adds a FETCH item or two).
const MAX_PARTS: usize = 64;

/// A MIME part as far as the plan needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    Multipart {
        boundary: String,
        parts: Vec<Node>,
    },
    /// A text/* part: its content is fetched.
    Text,
    /// Any other leaf: left out, `size` its decoded size (estimated).
    Binary {
        size: u64,
    },
    /// The HTML alternative of a plain text part: left out (the reader
    /// shows the plain text; HTML is not cached).
    Alternative,
}

/// What to fetch for one message, and how to put it together again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    root: Node,
}

impl Plan {
    /// A plan for a message with this structure, or None when it should
    /// be fetched whole: a single part, an attached message, a multipart
    /// whose boundary the server did not report, nothing to leave out
    /// (neither an attachment nor an HTML alternative).
    pub fn new(bs: &BodyStructure<'_>) -> Option<Plan> {
        let root = node(bs)?;
        let Node::Multipart { .. } = root else {
            return None;
        };
        let mut parts = 0;
        walk(&root, "", &mut |_, _| parts += 1);
        // Items for hundreds of parts would make the command line too long.
        let mut left_out = false;
        walk(&root, "", &mut |_, n| {
            left_out |= matches!(n, Node::Binary { .. } | Node::Alternative)
        });
        (parts <= MAX_PARTS && left_out).then_some(Plan { root })
    }

    /// The FETCH items after the MIME header fields: `BODY.PEEK[n.MIME]`
    /// for every part and `BODY.PEEK[n]` for every text part.
    pub fn items(&self) -> String {
        let mut out = Vec::new();
        walk(&self.root, "", &mut |path, n| {
            out.push(format!("BODY.PEEK[{path}.MIME]"));
            if *n == Node::Text {
                out.push(format!("BODY.PEEK[{path}]"));
            }
        });
        out.join(" ")
    }

    /// The body (what follows the message header) rebuilt from the fetched
    /// sections (`section` gives the bytes of "1.2" or "1.2.MIME"), or None
    /// when one is missing.
    pub fn body<'a>(&self, section: &dyn Fn(&str) -> Option<&'a [u8]>) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        emit(&self.root, "", section, &mut out)?;
        Some(out)
    }

    /// Decoded sizes of the parts left out, in MIME order.
    pub fn left_out(&self) -> Vec<u64> {
        root_binaries(&self.root)
    }
}

fn child(path: &str, i: usize) -> String {
    if path.is_empty() {
        (i + 1).to_string()
    } else {
        format!("{path}.{}", i + 1)
    }
}

/// Visits every part below `n` (not `n` itself) with its section path.
fn walk(n: &Node, path: &str, f: &mut dyn FnMut(&str, &Node)) {
    if let Node::Multipart { parts, .. } = n {
        for (i, p) in parts.iter().enumerate() {
            let at = child(path, i);
            f(&at, p);
            walk(p, &at, f);
        }
    }
}

fn root_binaries(n: &Node) -> Vec<u64> {
    let mut out = Vec::new();
    walk(n, "", &mut |_, p| {
        if let Node::Binary { size } = p {
            out.push(*size);
        }
    });
    out
}

fn emit<'a>(
    n: &Node,
    path: &str,
    section: &dyn Fn(&str) -> Option<&'a [u8]>,
    out: &mut Vec<u8>,
) -> Option<()> {
    let Node::Multipart { boundary, parts } = n else {
        return Some(());
    };
    for (i, p) in parts.iter().enumerate() {
        let at = child(path, i);
        out.extend_from_slice(b"--");
        out.extend_from_slice(boundary.as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(section(&format!("{at}.MIME"))?);
        match p {
            Node::Text => out.extend_from_slice(section(&at)?),
            Node::Binary { .. } | Node::Alternative => {}
            Node::Multipart { .. } => emit(p, &at, section, out)?,
        }
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"--");
    out.extend_from_slice(boundary.as_bytes());
    out.extend_from_slice(b"--\r\n");
    Some(())
}

fn node(bs: &BodyStructure<'_>) -> Option<Node> {
    match bs {
        BodyStructure::Multipart { common, bodies, .. } => {
            let boundary = common
                .ty
                .params
                .as_ref()?
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("boundary"))
                .map(|(_, v)| v.to_string())?;
            // A boundary that cannot stand in a header line as sent.
            if boundary.is_empty() || boundary.bytes().any(|b| b.is_ascii_control()) {
                return None;
            }
            let mut parts = bodies.iter().map(node).collect::<Option<Vec<_>>>()?;
            // The reader shows the plain text of an alternative: its HTML
            // twin is left out.
            if common.ty.subtype.eq_ignore_ascii_case("alternative")
                && bodies
                    .iter()
                    .zip(&parts)
                    .any(|(b, n)| is_text(b, "plain") && *n == Node::Text)
            {
                for (b, n) in bodies.iter().zip(parts.iter_mut()) {
                    if is_text(b, "html") && *n == Node::Text {
                        *n = Node::Alternative;
                    }
                }
            }
            (!parts.is_empty()).then_some(Node::Multipart { boundary, parts })
        }
        // A text part sent as an attachment (a log file, a CSV) is no body
        // text: left out like any other attachment.
        BodyStructure::Text { common, other, .. } => Some(
            if common
                .disposition
                .as_ref()
                .is_some_and(|d| d.ty.eq_ignore_ascii_case("attachment"))
            {
                Node::Binary {
                    size: decoded_size(other),
                }
            } else {
                Node::Text
            },
        ),
        // Attached messages are parsed as messages: fetched whole.
        BodyStructure::Message { .. } => None,
        BodyStructure::Basic { common, other, .. } => {
            if common.ty.ty.eq_ignore_ascii_case("message") {
                return None;
            }
            Some(Node::Binary {
                size: decoded_size(other),
            })
        }
    }
}

/// Whether `bs` is a text/`subtype` part.
fn is_text(bs: &BodyStructure<'_>, subtype: &str) -> bool {
    matches!(bs, BodyStructure::Text { common, .. } if common.ty.subtype.eq_ignore_ascii_case(subtype))
}

/// A leaf's decoded size, estimated from its encoded one.
fn decoded_size(other: &BodyContentSinglePart<'_>) -> u64 {
    let octets = u64::from(other.octets);
    match other.transfer_encoding {
        // 76 characters and CRLF per line carry 57 bytes.
        ContentEncoding::Base64 => octets * 57 / 78,
        _ => octets,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use imap_proto::types::{AttributeValue, Response};

    fn structure(s: &str) -> BodyStructure<'static> {
        let line = format!("* 1 FETCH (UID 7 BODYSTRUCTURE {s})\r\n");
        let (_, r) = imap_proto::parser::parse_response(line.as_bytes()).unwrap();
        let Response::Fetch(_, attrs) = r else {
            panic!("not a fetch")
        };
        attrs
            .into_iter()
            .find_map(|a| match a {
                AttributeValue::BodyStructure(b) => Some(b.into_owned()),
                _ => None,
            })
            .unwrap()
    }

    const MIXED: &str = r#"((("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 5 1 NIL NIL NIL NIL)("text" "html" ("charset" "utf-8") NIL NIL "quoted-printable" 12 1 NIL NIL NIL NIL) "alternative" ("boundary" "alt") NIL NIL NIL)("application" "pdf" ("name" "a.pdf") NIL NIL "base64" 780 NIL ("attachment" ("filename" "a.pdf")) NIL NIL) "mixed" ("boundary" "mix") NIL NIL NIL)"#;

    #[test]
    fn plans_text_parts_and_mime_headers_only() {
        let plan = Plan::new(&structure(MIXED)).unwrap();
        assert_eq!(
            plan.items(),
            "BODY.PEEK[1.MIME] BODY.PEEK[1.1.MIME] BODY.PEEK[1.1] BODY.PEEK[1.2.MIME] BODY.PEEK[2.MIME]"
        );
        assert_eq!(plan.left_out(), vec![570], "the attachment, not the HTML");
    }

    #[test]
    fn the_html_twin_of_plain_text_is_left_out() {
        let alt = r#"(("text" "plain" NIL NIL NIL "7bit" 5 1)("text" "html" NIL NIL NIL "7bit" 5 1) "alternative" ("boundary" "b"))"#;
        let plan = Plan::new(&structure(alt)).unwrap();
        assert_eq!(
            plan.items(),
            "BODY.PEEK[1.MIME] BODY.PEEK[1] BODY.PEEK[2.MIME]"
        );
        assert_eq!(plan.left_out(), Vec::<u64>::new());
        // HTML with no plain twin is the text: nothing to leave out.
        let html_only = alt.replace(
            r#"("text" "plain" NIL NIL NIL "7bit" 5 1)"#,
            r#"("image" "gif" NIL NIL NIL "base64" 78)"#,
        );
        let plan = Plan::new(&structure(&html_only)).unwrap();
        assert_eq!(
            plan.items(),
            "BODY.PEEK[1.MIME] BODY.PEEK[2.MIME] BODY.PEEK[2]"
        );
        // Only within an alternative.
        let mixed = alt.replace("alternative", "mixed");
        assert_eq!(Plan::new(&structure(&mixed)), None);
    }

    #[test]
    fn rebuilds_the_body_with_empty_attachments() {
        let plan = Plan::new(&structure(MIXED)).unwrap();
        let sections = |s: &str| -> Option<&'static [u8]> {
            Some(match s {
                "1.MIME" => b"Content-Type: multipart/alternative; boundary=alt\r\n\r\n",
                "1.1.MIME" => b"Content-Type: text/plain\r\n\r\n",
                "1.1" => b"Hello",
                "1.2.MIME" => b"Content-Type: text/html\r\n\r\n",
                "2.MIME" => b"Content-Type: application/pdf\r\n\r\n",
                _ => return None,
            })
        };
        let body = String::from_utf8(plan.body(&sections).unwrap()).unwrap();
        assert_eq!(
            body,
            "--mix\r\nContent-Type: multipart/alternative; boundary=alt\r\n\r\n\
             --alt\r\nContent-Type: text/plain\r\n\r\nHello\r\n\
             --alt\r\nContent-Type: text/html\r\n\r\n\r\n--alt--\r\n\r\n\
             --mix\r\nContent-Type: application/pdf\r\n\r\n\r\n--mix--\r\n"
        );
        // A section the server did not send: no rebuilt body.
        let missing = |s: &str| sections(s).filter(|_| s != "1.1");
        assert_eq!(plan.body(&missing), None);
    }

    #[test]
    fn a_text_part_sent_as_an_attachment_is_left_out() {
        let log = r#"(("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 5 1 NIL NIL NIL NIL)("text" "plain" ("name" "console.log") NIL NIL "base64" 7800 100 NIL ("attachment" ("filename" "console.log")) NIL NIL) "mixed" ("boundary" "mix") NIL NIL NIL)"#;
        let plan = Plan::new(&structure(log)).unwrap();
        assert_eq!(
            plan.items(),
            "BODY.PEEK[1.MIME] BODY.PEEK[1] BODY.PEEK[2.MIME]"
        );
        assert_eq!(plan.left_out(), vec![5700]);
        // Inline text parts stay body text.
        let inline = log.replace(r#"("attachment" ("filename" "console.log"))"#, "NIL");
        assert!(
            Plan::new(&structure(&inline)).is_none(),
            "nothing to leave out"
        );
    }

    #[test]
    fn whole_fetch_when_nothing_to_leave_out_or_no_boundary() {
        // Text parts only.
        let text_only = r#"(("text" "plain" NIL NIL NIL "7bit" 5 1)("text" "html" NIL NIL NIL "7bit" 5 1) "mixed" ("boundary" "b"))"#;
        assert_eq!(Plan::new(&structure(text_only)), None);
        // A single part.
        let single = r#"("application" "pdf" NIL NIL NIL "base64" 780)"#;
        assert_eq!(Plan::new(&structure(single)), None);
        // No boundary reported (no extension data).
        let bare = r#"(("text" "plain" NIL NIL NIL "7bit" 5 1)("image" "png" NIL NIL NIL "base64" 78) "mixed")"#;
        assert_eq!(Plan::new(&structure(bare)), None);
        // Too many parts for one command line.
        let many = format!(
            r#"({} "mixed" ("boundary" "b"))"#,
            r#"("image" "png" NIL NIL NIL "base64" 78)"#.repeat(65)
        );
        assert_eq!(Plan::new(&structure(&many)), None);
        // An attached message.
        let forwarded = r#"(("text" "plain" NIL NIL NIL "7bit" 5 1)("message" "rfc822" NIL NIL NIL "7bit" 50 (NIL "s" NIL NIL NIL NIL NIL NIL NIL NIL) ("text" "plain" NIL NIL NIL "7bit" 5 1) 3)("image" "png" NIL NIL NIL "base64" 78) "mixed" ("boundary" "b"))"#;
        assert_eq!(Plan::new(&structure(forwarded)), None);
    }
}
