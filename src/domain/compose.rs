//! Replies as data: a draft, how a reply is addressed, subjected, quoted and
//! threaded. Pure; the message itself is built in `mail::compose`.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DraftKind {
    Reply,
    ReplyAll,
    Forward,
    New,
}

/// Where a draft stands locally.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DraftState {
    Editing,
    /// Handed to the outbox (see the outbox row for delivery).
    Queued,
    Discarded,
}

/// A reply (or new message) being written. Saved to SQLite on every change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub id: String,
    pub conversation: Option<String>,
    pub kind: DraftKind,
    pub author: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: String,
    pub body: String,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub attachments: Vec<PathBuf>,
    /// Fixed when the draft starts: a retried send is the same message.
    pub message_id: String,
    /// The last revision shared for review (0: never).
    pub revision: u32,
    /// Hash of what was last shared, to tell an edit after review.
    pub shared_hash: Option<String>,
    /// The conversation as it stood when the draft began (collision guard):
    /// the highest message row and event sequence then.
    pub baseline: (i64, i64),
    pub state: DraftState,
    pub started_at: i64,
    pub updated_at: i64,
}

impl Draft {
    /// An empty draft being written, with a fresh id; callers fill in the rest.
    pub fn new(kind: DraftKind, author: &str, message_id: String, now: i64) -> Draft {
        Draft {
            id: super::events::new_event_id()[..12].to_string(),
            conversation: None,
            kind,
            author: author.to_string(),
            to: vec![],
            cc: vec![],
            subject: String::new(),
            body: String::new(),
            in_reply_to: None,
            references: vec![],
            attachments: vec![],
            message_id,
            revision: 0,
            shared_hash: None,
            baseline: (0, 0),
            state: DraftState::Editing,
            started_at: now,
            updated_at: now,
        }
    }

    /// The content a reviewer approves: addressing, subject and body.
    pub fn content_hash(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for part in [
            self.to.join(","),
            self.cc.join(","),
            self.subject.clone(),
            self.body.clone(),
        ] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        h.finalize()
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// True when the draft differs from what was last shared for review.
    pub fn edited_since_shared(&self) -> bool {
        self.shared_hash.as_deref() != Some(self.content_hash().as_str())
    }
}

/// The Unix second a reply held `hold` seconds (undo send) from `now_ms`
/// (Unix milliseconds) is due: the whole second past the hold, never
/// sooner (an agent told they have 10 s to undo has 10 s, not what is left
/// of a second); at once without a hold.
pub fn held_until(now_ms: i64, hold: u32) -> i64 {
    if hold == 0 {
        return now_ms.div_euclid(1000);
    }
    (now_ms + i64::from(hold) * 1000).div_euclid(1000) + 1
}

/// A typed address list split at its commas, except those inside a
/// quoted display name or angle brackets (`"Lima, Ana" <ana@x>, b@y`);
/// each trimmed, empty ones dropped.
pub fn split_addresses(v: &str) -> Vec<String> {
    let (mut out, mut cur) = (Vec::new(), String::new());
    let (mut quoted, mut angle, mut escaped) = (false, false, false);
    for ch in v.chars() {
        match ch {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' if !quoted && !angle => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(ch);
    }
    out.push(cur);
    out.into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// `Re: subject` without stacking prefixes (Re: Re: AW: …).
pub fn reply_subject(subject: &str) -> String {
    format!("Re: {}", super::thread::base_subject(subject))
}

/// `Fwd: subject`.
pub fn forward_subject(subject: &str) -> String {
    format!("Fwd: {}", super::thread::base_subject(subject))
}

/// References for a reply: the parent's References, then the parent itself,
/// trimmed to the root plus the last ten (RFC 5322 3.6.4 allows trimming).
pub fn reply_references(parent_refs: &[String], parent_id: &str) -> Vec<String> {
    let mut v: Vec<String> = parent_refs.to_vec();
    if !parent_id.is_empty() && !v.iter().any(|r| r == parent_id) {
        v.push(parent_id.to_string());
    }
    if v.len() > 11 {
        let tail = v.split_off(v.len() - 10);
        v.truncate(1);
        v.extend(tail);
    }
    v
}

/// The quoted previous message: an attribution line, then `> ` lines.
pub fn quote(text: &str, who: &str, date: &str) -> String {
    let mut out = format!("On {date}, {who} wrote:\n");
    for line in text.trim_end().lines() {
        if line.is_empty() {
            out.push_str(">\n");
        } else if line.starts_with('>') {
            out.push('>');
            out.push_str(line);
            out.push('\n');
        } else {
            out.push_str("> ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Every line break as CRLF (bare CR, bare LF and CRLF alike): what reaches
/// the SMTP layer never has a bare CR or LF (RUSTSEC-2026-0561).
pub fn normalize_crlf(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 32);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\r\n");
            }
            '\n' => out.push_str("\r\n"),
            c => out.push(c),
        }
    }
    out
}

/// True when every CR is followed by LF and every LF preceded by CR.
pub fn is_crlf_clean(b: &[u8]) -> bool {
    b.iter().enumerate().all(|(i, &c)| match c {
        b'\r' => b.get(i + 1) == Some(&b'\n'),
        b'\n' => i > 0 && b[i - 1] == b'\r',
        _ => true,
    })
}

/// The From display name: "Agent Name at Example Support" by default.
pub fn from_name(format: &str, agent: &str, team: &str) -> String {
    format.replace("{agent}", agent).replace("{team}", team)
}

/// The body a reply starts with: the agent's text area, signatures, quote.
pub fn initial_body(signatures: &[&str], quoted: Option<&str>) -> String {
    let mut body = String::from("\n\n");
    let sigs: Vec<&str> = signatures
        .iter()
        .map(|s| s.trim_end())
        .filter(|s| !s.trim().is_empty())
        .collect();
    if !sigs.is_empty() {
        body.push_str("-- \n");
        body.push_str(&sigs.join("\n"));
        body.push('\n');
    }
    if let Some(q) = quoted {
        body.push('\n');
        body.push_str(q);
    }
    body
}

/// What the agent wrote in a draft: the lines above the signature (or the
/// forwarded message), without the quoted lines and their "On … wrote:".
pub fn own_text(body: &str) -> String {
    use super::quotes;
    let mut out = Vec::new();
    let lines: Vec<&str> = body.lines().collect();
    let tail = quotes::header_block_start(&lines).unwrap_or(lines.len());
    for (i, line) in lines[..tail].iter().enumerate() {
        let t = line.trim();
        if t == "--" || t.starts_with("---------- Forwarded message") {
            break;
        }
        let next_quoted = |j: usize| lines.get(j).is_some_and(|n| quotes::is_quoted(n));
        let attribution = (quotes::is_attribution(t) && next_quoted(i + 1))
            || (quotes::attribution_start(&lines, i + 1) == Some(i) && next_quoted(i + 2))
            || (i > 0 && quotes::attribution_start(&lines, i) == Some(i - 1) && next_quoted(i + 1));
        if quotes::is_quoted(t) || attribution {
            continue;
        }
        out.push(*line);
    }
    out.join("\n").trim().to_string()
}

/// Whether `text` says something is attached (English and the common
/// translations), for the "you mention an attachment" question.
pub fn mentions_attachment(text: &str) -> bool {
    const WORDS: &[&str] = &[
        "attached",
        "attachment",
        "attachments",
        "enclosed",
        "anhang",
        "angehängt",
        "anbei",
        "ci-joint",
        "ci-jointe",
        "adjunto",
        "adjunta",
        "adjuntos",
        "anexo",
        "anexos",
        "anexado",
        "allegato",
        "allegati",
        "bijlage",
        "bijgevoegd",
        "添付",
    ];
    const PHRASES: &[&str] = &["pièce jointe", "pièces jointes", "in allegato", "em anexo"];
    let lower = text.to_lowercase();
    PHRASES.iter().any(|p| lower.contains(p))
        || lower
            .split(|c: char| !(c.is_alphanumeric() || c == '-'))
            .any(|w| WORDS.contains(&w))
        || lower.contains("添付")
}

/// How long a diff may take before it settles for a coarser answer (a
/// draft quoting a long thread against a rewrite).
const DIFF_DEADLINE: std::time::Duration = std::time::Duration::from_millis(100);

/// A line diff of two revisions: each line with ' ', '-' or '+'. Uses
/// `similar` (Myers, linear space, with a deadline) instead of a table of
/// n×m cells, which took 400 MB for a draft quoting a 10,000-line thread.
pub fn diff_lines(old: &str, new: &str) -> Vec<(char, String)> {
    // A last line with and without its newline is the same line here.
    let ended = |s: &str| {
        let mut s = s.replace("\r\n", "\n");
        if !s.is_empty() && !s.ends_with('\n') {
            s.push('\n');
        }
        s
    };
    let (old, new) = (ended(old), ended(new));
    let diff = similar::TextDiff::configure()
        .algorithm(similar::Algorithm::Myers)
        .timeout(DIFF_DEADLINE)
        .diff_lines(&old, &new);
    diff.iter_all_changes()
        .map(|c| {
            let mark = match c.tag() {
                similar::ChangeTag::Equal => ' ',
                similar::ChangeTag::Delete => '-',
                similar::ChangeTag::Insert => '+',
            };
            (mark, c.value().trim_end_matches(['\n', '\r']).to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_hold_is_never_shorter_than_asked() {
        use super::held_until;
        assert_eq!(held_until(1_700_000_000_999, 0), 1_700_000_000, "at once");
        for now_ms in [1_700_000_000_000, 1_700_000_000_001, 1_700_000_000_999] {
            for hold in [1u32, 2, 10, 60] {
                let due_ms = held_until(now_ms, hold) * 1000;
                let asked = now_ms + i64::from(hold) * 1000;
                // Due at a whole second: past the hold, by a second at most.
                assert!(due_ms > asked, "{now_ms} + {hold} s: due {due_ms}");
                assert!(due_ms <= asked + 1000, "{now_ms} + {hold} s: due {due_ms}");
            }
        }
    }

    #[test]
    fn addresses_split_at_commas_outside_names() {
        assert_eq!(
            split_addresses(r#" "Lima, Ana" <ana@x.test>, b@y.test,, <c,d@z.test> "#),
            vec![r#""Lima, Ana" <ana@x.test>"#, "b@y.test", "<c,d@z.test>"]
        );
        assert_eq!(
            split_addresses(r#""a \"q, r\"" <a@x>, b@y"#),
            vec![r#""a \"q, r\"" <a@x>"#, "b@y"]
        );
        assert!(split_addresses(" , ").is_empty());
    }

    use super::*;

    #[test]
    fn subjects_do_not_stack() {
        assert_eq!(reply_subject("Re: RE: Refund"), "Re: Refund");
        assert_eq!(reply_subject("Refund"), "Re: Refund");
        assert_eq!(forward_subject("Re: Refund"), "Fwd: Refund");
    }

    #[test]
    fn references_append_parent_and_trim() {
        assert_eq!(reply_references(&[], "<a@x>"), vec!["<a@x>"]);
        let refs: Vec<String> = (0..20).map(|i| format!("<{i}@x>")).collect();
        let r = reply_references(&refs, "<p@x>");
        assert_eq!(r.len(), 11);
        assert_eq!(r[0], "<0@x>");
        assert_eq!(r.last().unwrap(), "<p@x>");
    }

    #[test]
    fn quoting() {
        assert_eq!(
            quote("hi\n\n> old\nbye\n", "Ann", "Mon"),
            "On Mon, Ann wrote:\n> hi\n>\n>> old\n> bye\n"
        );
    }

    #[test]
    fn crlf_normalization() {
        assert_eq!(normalize_crlf("a\nb\rc\r\nd"), "a\r\nb\r\nc\r\nd");
        assert!(is_crlf_clean(normalize_crlf("x\n.\ny\r").as_bytes()));
        assert!(!is_crlf_clean(b"a\n.\r\n"));
        assert!(!is_crlf_clean(b"a\r.\r\n"));
    }

    #[test]
    fn diff_marks_changes() {
        let d = diff_lines("a\nb\nc", "a\nB\nc\nd");
        assert_eq!(
            d,
            vec![
                (' ', "a".into()),
                ('-', "b".into()),
                ('+', "B".into()),
                (' ', "c".into()),
                ('+', "d".into())
            ]
        );
    }

    #[test]
    fn own_text_and_attachment_words() {
        let body = initial_body(&["Dana"], Some(&quote("Where is it?", "Kim", "Mon")));
        assert_eq!(own_text(&body), "");
        assert_eq!(own_text(&format!("Here it is.{body}")), "Here it is.");
        assert!(mentions_attachment("Please find the invoice attached."));
        assert!(mentions_attachment("Die Rechnung ist im Anhang."));
        assert!(mentions_attachment("Vous trouverez la pièce jointe."));
        assert!(mentions_attachment("Segue em anexo."));
        assert!(!mentions_attachment(
            "We are attaching great value to this."
        ));
        assert!(!mentions_attachment("Thanks for waiting."));
    }

    #[test]
    fn a_long_quoted_thread_diffs_in_little_time_and_space() {
        let quoted: String = (0..10_000)
            .map(|i| format!("> line {i} of the thread\n"))
            .collect();
        let old = format!("Hi,\n\nFirst answer.\n\n{quoted}");
        let new = format!("Hello,\n\nA better answer.\n\n{quoted}");
        let t = std::time::Instant::now();
        let d = diff_lines(&old, &new);
        assert!(t.elapsed() < std::time::Duration::from_secs(5));
        assert_eq!(
            d.iter().filter(|(m, _)| *m != ' ').count(),
            4,
            "{:?}",
            &d[..6]
        );
    }

    #[test]
    fn hash_tracks_edits() {
        let mut d = Draft {
            to: vec!["c@x".into()],
            subject: "s".into(),
            body: "b".into(),
            ..Draft::new(DraftKind::New, "a", "<m@x>".into(), 0)
        };
        assert!(d.edited_since_shared());
        d.shared_hash = Some(d.content_hash());
        assert!(!d.edited_since_shared());
        d.body.push('!');
        assert!(d.edited_since_shared());
    }
}
