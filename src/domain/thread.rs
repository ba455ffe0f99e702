//! Conversation keys: which conversation a message belongs to.
//!
//! The key must not change when older mail arrives late, so it is computed
//! from the message's own headers only: the first Message-ID of References
//! (the root as the sender's client saw it), else In-Reply-To, else the
//! message's own Message-ID, else a stable synthetic key (hash of sender,
//! date, subject, recipients, content type and size: what tells distinct
//! messages apart, and what every client reads alike from the header fetch).
//! See ../shared/DESIGN.md, "Conversations".

use sha2::{Digest, Sha256};

/// The threading inputs of one message, as parsed from its headers.
#[derive(Clone, Debug, Default)]
pub struct ThreadHeaders<'a> {
    pub message_id: Option<&'a str>,
    pub in_reply_to: Option<&'a str>,
    pub references: &'a [String],
    pub from: &'a str,
    pub date: i64,
    pub subject: &'a str,
    /// More header values that tell messages apart (recipients, the
    /// Content-Type with its boundary), for the synthetic key.
    pub shape: &'a str,
    /// The message's size (RFC822.SIZE; a whole message's length).
    pub size: u64,
}

/// Strips angle brackets and white space from a Message-ID; `None` when nothing is left.
pub fn normalize_message_id(id: &str) -> Option<String> {
    let t = id
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    (!t.is_empty() && !t.contains(char::is_whitespace)).then(|| t.to_string())
}

/// The message's own Message-ID, or the synthetic one used when it has none.
pub fn message_key(h: &ThreadHeaders<'_>) -> String {
    h.message_id
        .and_then(normalize_message_id)
        .unwrap_or_else(|| synthetic_key(h))
}

/// The conversation key of a message (see the module docs).
pub fn conversation_key(h: &ThreadHeaders<'_>) -> String {
    h.references
        .iter()
        .find_map(|r| normalize_message_id(r))
        .or_else(|| h.in_reply_to.and_then(normalize_message_id))
        .unwrap_or_else(|| message_key(h))
}

fn synthetic_key(h: &ThreadHeaders<'_>) -> String {
    let mut hasher = Sha256::new();
    hasher.update(h.from.trim().to_ascii_lowercase().as_bytes());
    hasher.update([0]);
    hasher.update(h.date.to_string().as_bytes());
    hasher.update([0]);
    hasher.update(h.subject.trim().as_bytes());
    hasher.update([0]);
    hasher.update(h.shape.as_bytes());
    hasher.update([0]);
    hasher.update(h.size.to_string().as_bytes());
    format!(
        "synthetic.{}@replypad.invalid",
        &hex(&hasher.finalize())[..24]
    )
}

/// The short id agents type and see: the same on every client, because it is
/// derived from the conversation key alone.
pub fn conversation_id(key: &str) -> String {
    hex(&Sha256::digest(key.as_bytes())[..6])
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// The subject without reply and forward prefixes (`Re:`, `Fwd:`, `AW:`, `SV:`, `[ticket]` stays).
pub fn base_subject(subject: &str) -> &str {
    const PREFIXES: [&str; 9] = ["re", "fw", "fwd", "aw", "sv", "vs", "wg", "tr", "rif"];
    let mut s = subject.trim();
    loop {
        let Some((head, rest)) = s.split_once(':') else {
            return s;
        };
        let head_l = head.trim().to_ascii_lowercase();
        let word = head_l.trim_end_matches(|c: char| c.is_ascii_digit() || "[]()".contains(c));
        if PREFIXES.contains(&word) {
            s = rest.trim_start();
        } else {
            return s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h<'a>(mid: Option<&'a str>, irt: Option<&'a str>, refs: &'a [String]) -> ThreadHeaders<'a> {
        ThreadHeaders {
            message_id: mid,
            in_reply_to: irt,
            references: refs,
            from: "a@b",
            date: 1,
            subject: "s",
            shape: "",
            size: 100,
        }
    }

    #[test]
    fn key_prefers_first_reference() {
        let refs = vec!["<root@x>".to_string(), "<mid@x>".to_string()];
        assert_eq!(
            conversation_key(&h(Some("<me@x>"), Some("<mid@x>"), &refs)),
            "root@x"
        );
        assert_eq!(
            conversation_key(&h(Some("<me@x>"), Some("<mid@x>"), &[])),
            "mid@x"
        );
        assert_eq!(conversation_key(&h(Some("<me@x>"), None, &[])), "me@x");
    }

    #[test]
    fn synthetic_key_is_stable() {
        let a = conversation_key(&h(None, None, &[]));
        let b = conversation_key(&h(Some("  "), None, &[]));
        assert_eq!(a, b);
        assert!(a.starts_with("synthetic."));
        let mut other = h(None, None, &[]);
        other.date = 2;
        assert_ne!(conversation_key(&other), a);
        // Same sender, date and subject: distinct messages stay distinct.
        let mut bigger = h(None, None, &[]);
        bigger.size = 101;
        assert_ne!(conversation_key(&bigger), a);
        let mut multipart = h(None, None, &[]);
        multipart.shape = "multipart/mixed; boundary=x1";
        assert_ne!(conversation_key(&multipart), a);
    }

    #[test]
    fn ids_are_short_and_stable() {
        assert_eq!(conversation_id("root@x"), conversation_id("root@x"));
        assert_eq!(conversation_id("root@x").len(), 12);
        assert_ne!(conversation_id("root@x"), conversation_id("root@y"));
    }

    #[test]
    fn subjects() {
        assert_eq!(base_subject("Re: RE: Fwd: Refund"), "Refund");
        assert_eq!(base_subject("AW: Rechnung"), "Rechnung");
        assert_eq!(base_subject("Re[2]: x"), "x");
        assert_eq!(base_subject("Order 12: missing"), "Order 12: missing");
    }
}
