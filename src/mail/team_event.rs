//! Team events as messages in the log folder: a small text/plain message
//! whose body is the event as JSON, authenticated with HMAC-SHA256 under the
//! team key (header `X-Replypad-Auth`). Anyone can deliver mail into a
//! folder; only holders of the team key can write events that count.

use crate::config::Secret;
use crate::domain::events::Event;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EventError {
    #[error("not a replypad event: {0}")]
    Malformed(String),
    #[error("event {0} has a bad authenticator (forged, or signed with another team key)")]
    BadAuth(String),
}

fn mac(key: &Secret, body: &[u8]) -> HmacSha256 {
    let mut m =
        HmacSha256::new_from_slice(key.expose().as_bytes()).expect("HMAC takes any key length");
    m.update(body);
    m
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Base64 in lines of 76 characters (RFC 2045).
fn b64(data: &[u8]) -> String {
    use base64::Engine as _;
    let flat = base64::engine::general_purpose::STANDARD.encode(data);
    let lines: Vec<&str> = flat
        .as_bytes()
        .chunks(76)
        .map(|l| std::str::from_utf8(l).expect("base64 is ASCII"))
        .collect();
    lines.join("\r\n")
}

/// The event as a message to APPEND to the log folder.
pub fn encode(e: &Event, key: &Secret, team_address: &str) -> Vec<u8> {
    let body = serde_json::to_vec(e).expect("events serialize");
    let auth = hex(&mac(key, &body).finalize().into_bytes());
    let date = chrono::DateTime::from_timestamp(e.at, 0)
        .unwrap_or_default()
        .to_rfc2822();
    let safe = |s: &str| s.chars().filter(|c| !c.is_control()).collect::<String>();
    format!(
        "From: replypad <{team}>\r\nTo: <{team}>\r\nSubject: [replypad] {kind} {conv}\r\nDate: {date}\r\n\
         Message-ID: <{id}@replypad.invalid>\r\nX-Replypad-Event: {kind}\r\nX-Replypad-Event-Id: {id}\r\n\
         X-Replypad-Conversation: {conv}\r\nX-Replypad-Agent: {agent}\r\nX-Replypad-Auth: {auth}\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{body}\r\n",
        team = safe(team_address),
        kind = e.kind.name(),
        conv = safe(&e.conversation),
        id = safe(&e.id),
        agent = safe(&e.agent),
        body = b64(&body),
    )
    .into_bytes()
}

/// Reads and authenticates an event message from the log folder.
pub fn decode(raw: &[u8], key: &Secret) -> Result<Event, EventError> {
    let msg = mail_parser::MessageParser::default()
        .parse(raw)
        .ok_or_else(|| EventError::Malformed("no headers".into()))?;
    let auth = msg
        .header_raw("X-Replypad-Auth")
        .map(str::trim)
        .and_then(unhex)
        .ok_or_else(|| EventError::Malformed("no X-Replypad-Auth header".into()))?;
    let body = msg
        .body_text(0)
        .ok_or_else(|| EventError::Malformed("no body".into()))?;
    let body = body.trim_end_matches(['\r', '\n']).as_bytes();
    let id = msg
        .header_raw("X-Replypad-Event-Id")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    if mac(key, body).verify_slice(&auth).is_err() {
        return Err(EventError::BadAuth(
            crate::mail::sanitize::line(&id).into_owned(),
        ));
    }
    serde_json::from_slice(body).map_err(|e| EventError::Malformed(format!("bad event JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::events::EventKind;

    #[test]
    fn base64_lines_are_76_characters() {
        assert_eq!(b64(&[0u8; 60]), format!("{}\r\n{}", "A".repeat(76), "AAAA"));
        assert_eq!(b64(b"ab"), "YWI=");
    }

    fn event() -> Event {
        Event {
            id: "e1".into(),
            conversation: "3fa9c2e1d0b7".into(),
            agent: "ana@example.com".into(),
            at: 1_764_000_000,
            kind: EventKind::Note {
                text: "Refund OK'd — ünïcode, @sam".into(),
                mentions: vec!["sam".into()],
            },
        }
    }

    #[test]
    fn round_trip_and_forgery() {
        let key = Secret::new("team-key");
        let raw = encode(&event(), &key, "support@example.com");
        assert_eq!(decode(&raw, &key).unwrap(), event());
        assert_eq!(
            decode(&raw, &Secret::new("other")),
            Err(EventError::BadAuth("e1".into()))
        );
        let tampered = String::from_utf8(raw.clone())
            .unwrap()
            .replace("X-Replypad-Auth: ", "X-Replypad-Auth: 00");
        assert!(decode(tampered.as_bytes(), &key).is_err());
        assert!(matches!(
            decode(b"Subject: hi\r\n\r\nhello", &key),
            Err(EventError::Malformed(_))
        ));
    }
}
