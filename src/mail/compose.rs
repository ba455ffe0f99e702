//! Builds the outgoing message of a draft with lettre's builder. The body
//! is normalized to CRLF first and the result is checked to hold no bare CR
//! or LF (RUSTSEC-2026-0561: lettre 0.11.23 dot-stuffs only after CRLF).

use crate::domain::compose::{Draft, is_crlf_clean, normalize_crlf};
use anyhow::{Context, Result, bail};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, Message, MultiPart, SinglePart};

/// A message ready for the outbox.
#[derive(Clone, Debug)]
pub struct Outgoing {
    pub raw: Vec<u8>,
    pub mail_from: String,
    pub rcpt: Vec<String>,
}

/// Checks that `s` is one address as the `field` header will carry it.
pub fn check_address(s: &str, field: &str) -> Result<()> {
    mailbox(s, field).map(|_| ())
}

fn mailbox(s: &str, field: &str) -> Result<Mailbox> {
    s.trim()
        .parse::<Mailbox>()
        .map_err(|e| anyhow::anyhow!("{field}: {:?} is not an address ({e})", s.trim()))
}

fn bracketed(id: &str) -> String {
    format!(
        "<{}>",
        id.trim().trim_start_matches('<').trim_end_matches('>')
    )
}

fn content_type(path: &std::path::Path) -> ContentType {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let t = match ext.as_str() {
        "txt" | "log" | "md" => "text/plain",
        "csv" => "text/csv",
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "zip" => "application/zip",
        "json" => "application/json",
        _ => "application/octet-stream",
    };
    ContentType::parse(t).unwrap_or(ContentType::TEXT_PLAIN)
}

/// The message for `draft`, from the team address under `from_name`, dated `date`.
pub fn build(
    draft: &Draft,
    from_name: &str,
    team_address: &str,
    date: std::time::SystemTime,
) -> Result<Outgoing> {
    if draft.to.is_empty() {
        bail!("the draft has no recipient (To is empty)");
    }
    let from = Mailbox::new(
        Some(crate::mail::sanitize::line(from_name).into_owned()),
        team_address
            .parse()
            .with_context(|| format!("team.address {team_address:?} is not an address"))?,
    );
    let mut b = Message::builder()
        .from(from.clone())
        .subject(crate::mail::sanitize::line(&draft.subject).into_owned())
        .message_id(Some(bracketed(&draft.message_id)))
        .date(date)
        .user_agent(format!("replypad {}", env!("CARGO_PKG_VERSION")));
    let mut rcpt = Vec::new();
    for t in &draft.to {
        let m = mailbox(t, "To")?;
        rcpt.push(m.email.to_string());
        b = b.to(m);
    }
    for c in &draft.cc {
        let m = mailbox(c, "Cc")?;
        rcpt.push(m.email.to_string());
        b = b.cc(m);
    }
    if let Some(p) = &draft.in_reply_to {
        b = b.in_reply_to(bracketed(p));
    }
    if !draft.references.is_empty() {
        let refs: Vec<String> = draft.references.iter().map(|r| bracketed(r)).collect();
        b = b.references(refs.join(" "));
    }
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(normalize_crlf(&draft.body));
    let msg = if draft.attachments.is_empty() {
        b.singlepart(text)
    } else {
        check_attachments(&draft.attachments)?;
        let mut mp = MultiPart::mixed().singlepart(text);
        for path in &draft.attachments {
            let bytes = std::fs::read(path)
                .with_context(|| format!("cannot read attachment {}", path.display()))?;
            let name = path
                .file_name()
                .map(|n| crate::mail::sanitize::filename(&n.to_string_lossy()))
                .unwrap_or_else(|| "attachment".into());
            // Base64 always: an attachment's bytes keep their own line ends
            // (a CSV with bare LF) and must not reach SMTP as raw lines.
            let body = lettre::message::Body::new_with_encoding(
                bytes,
                lettre::message::header::ContentTransferEncoding::Base64,
            )
            .map_err(|_| anyhow::anyhow!("cannot encode attachment {}", path.display()))?;
            mp = mp.singlepart(Attachment::new(name).body(body, content_type(path)));
        }
        b.multipart(mp)
    }
    .context("cannot build the message")?;
    let raw = msg.formatted();
    if !is_crlf_clean(&raw) {
        bail!("refusing to send: the built message holds a bare CR or LF");
    }
    rcpt.sort();
    rcpt.dedup();
    Ok(Outgoing {
        raw,
        mail_from: team_address.to_string(),
        rcpt,
    })
}

/// `raw` with its `Date` field set to `date` (a message built earlier,
/// sent now); the rest byte for byte. A message without one gets one.
pub fn redate(raw: &[u8], date: std::time::SystemTime) -> Vec<u8> {
    let stamp = chrono::DateTime::<chrono::Utc>::from(date).to_rfc2822();
    let head_end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(raw.len(), |i| i + 2);
    let mut out = Vec::with_capacity(raw.len() + 40);
    let mut done = false;
    let mut i = 0;
    while i < head_end {
        let end = raw[i..head_end]
            .windows(2)
            .position(|w| w == b"\r\n")
            .map_or(head_end, |p| i + p + 2);
        let line = &raw[i..end];
        if line.len() >= 5 && line[..5].eq_ignore_ascii_case(b"date:") {
            out.extend_from_slice(format!("Date: {stamp}\r\n").as_bytes());
            done = true;
            // Skip its folded continuation lines.
            i = end;
            while i < head_end && matches!(raw[i], b' ' | b'\t') {
                i = raw[i..head_end]
                    .windows(2)
                    .position(|w| w == b"\r\n")
                    .map_or(head_end, |p| i + p + 2);
            }
            continue;
        }
        out.extend_from_slice(line);
        i = end;
    }
    if !done {
        let mut with = format!("Date: {stamp}\r\n").into_bytes();
        with.extend_from_slice(&out);
        out = with;
    }
    out.extend_from_slice(&raw[head_end.min(raw.len())..]);
    out
}

/// The most a message's files may come to: base64 grows them by a third,
/// and most mail servers refuse a message past about 25 MB (Gmail's
/// limit; Microsoft 365's default is 35 MB). A larger file is refused
/// before anything is read: it would be read whole into memory, kept in
/// the outbox and, under review, in the team mailbox.
pub const ATTACHMENTS_MAX: u64 = 18 << 20;

/// That `paths` are files that come to at most [`ATTACHMENTS_MAX`] in all
/// (read from their metadata, not their bytes).
pub fn check_attachments(paths: &[std::path::PathBuf]) -> Result<()> {
    let mb = |n: u64| format!("{:.1} MB", n as f64 / 1_048_576.0);
    let mut total = 0u64;
    let mut seen = std::collections::HashSet::new();
    for p in paths {
        let shown = crate::mail::sanitize::line(&p.to_string_lossy()).into_owned();
        let meta = std::fs::metadata(p).with_context(|| format!("cannot attach {shown}"))?;
        anyhow::ensure!(meta.is_file(), "cannot attach {shown}: not a file");
        // The same file by another path too (a link, `./`): the customer
        // would get it twice.
        let same = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
        anyhow::ensure!(seen.insert(same), "{shown} is attached already");
        total = total.saturating_add(meta.len());
    }
    anyhow::ensure!(
        total <= ATTACHMENTS_MAX,
        "the attachments come to {}, more than the {} a message can carry (most mail servers refuse larger mail): share a link to the file instead",
        mb(total),
        mb(ATTACHMENTS_MAX)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::compose::DraftKind;

    #[test]
    fn attachments_past_the_limit_are_refused_unread() {
        let d = tempfile::tempdir().unwrap();
        let file = |name: &str, len: u64| {
            let p = d.path().join(name);
            // Sparse: the size is in the metadata, no disk is used.
            std::fs::File::create(&p).unwrap().set_len(len).unwrap();
            p
        };
        let half = file("a.bin", ATTACHMENTS_MAX / 2);
        let other = file("b.bin", ATTACHMENTS_MAX / 2 + 1);
        assert!(check_attachments(std::slice::from_ref(&half)).is_ok());
        // The same file twice, by any path, is refused.
        let again = d.path().join(".").join("a.bin");
        let e = check_attachments(&[half.clone(), again])
            .unwrap_err()
            .to_string();
        assert!(e.contains("is attached already"), "{e}");
        let e = check_attachments(&[half.clone(), other])
            .unwrap_err()
            .to_string();
        assert!(e.contains("18.0 MB a message can carry"), "{e}");
        assert!(
            check_attachments(&[d.path().to_path_buf()]).is_err(),
            "a folder"
        );
        let mut big = draft("Hi");
        big.attachments = vec![file("c.bin", ATTACHMENTS_MAX + 1)];
        let e = build(
            &big,
            "A",
            "support@example.com",
            std::time::SystemTime::now(),
        );
        assert!(e.unwrap_err().to_string().contains("share a link"));
    }

    fn draft(body: &str) -> Draft {
        Draft {
            id: "d".into(),
            conversation: Some("c".into()),
            to: vec!["Kim Lee <kim@customer.test>".into()],
            cc: vec!["boss@customer.test".into()],
            subject: "Re: Refund\r\nBcc: evil@x".into(),
            body: body.into(),
            in_reply_to: Some("orig@customer.test".into()),
            references: vec!["root@customer.test".into(), "orig@customer.test".into()],
            ..Draft::new(
                DraftKind::Reply,
                "ann@example.com",
                "abc@example.com".into(),
                0,
            )
        }
    }

    #[test]
    fn threading_headers_and_crlf() {
        let out = build(
            &draft("Hi Kim,\n.\nbare\rcr\n"),
            "Ann at Support",
            "support@example.com",
            std::time::SystemTime::UNIX_EPOCH,
        )
        .unwrap();
        let s = String::from_utf8(out.raw).unwrap();
        assert!(s.contains("Message-ID: <abc@example.com>\r\n"), "{s}");
        assert!(s.contains("In-Reply-To: <orig@customer.test>\r\n"), "{s}");
        assert!(
            s.contains("References: <root@customer.test> <orig@customer.test>\r\n"),
            "{s}"
        );
        assert!(
            s.contains("From: \"Ann at Support\" <support@example.com>"),
            "{s}"
        );
        assert!(
            !s.contains("\r\nBcc:"),
            "a CRLF in the subject cannot add a header: {s}"
        );
        assert!(is_crlf_clean(s.as_bytes()));
        assert_eq!(out.rcpt, vec!["boss@customer.test", "kim@customer.test"]);
    }

    #[test]
    fn bad_address_is_a_clear_error() {
        let mut d = draft("x");
        d.to = vec!["not an address".into()];
        let e = build(&d, "A", "support@example.com", std::time::SystemTime::now()).unwrap_err();
        assert!(e.to_string().contains("To:"), "{e}");
    }
}
