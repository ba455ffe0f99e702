//! Team events as messages in the log folder: a small text/plain message
//! whose body is the event as JSON, authenticated with HMAC-SHA256 under the
//! team key (header `X-Replypad-Auth`) and signed with the author's own
//! Ed25519 key (`X-Replypad-Key`, `X-Replypad-Signature`). Anyone can
//! deliver mail into a folder; which events count is the roster's decision
//! (`domain::roster::Trust`), from the [`Proof`] read here.

use crate::config::Secret;
use crate::domain::events::Event;
use crate::domain::roster::{Proof, Signed};
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EventError {
    #[error("not a replypad event: {0}")]
    Malformed(String),
    #[error(
        "event {0} has a bad authenticator (forged, or signed with another team key) and no valid signature"
    )]
    Unproven(String),
}

fn mac(key: &Secret, body: &[u8]) -> HmacSha256 {
    let mut m =
        HmacSha256::new_from_slice(key.expose().as_bytes()).expect("HMAC takes any key length");
    m.update(body);
    m
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Base64 in lines of 76 characters (RFC 2045).
pub(crate) fn b64(data: &[u8]) -> String {
    use base64::Engine as _;
    let flat = base64::engine::general_purpose::STANDARD.encode(data);
    let lines: Vec<&str> = flat
        .as_bytes()
        .chunks(76)
        .map(|l| std::str::from_utf8(l).expect("base64 is ASCII"))
        .collect();
    lines.join("\r\n")
}

/// An agent's public key as the roster holds it (hex).
pub fn public_key(key: &SigningKey) -> String {
    hex(key.verifying_key().as_bytes())
}

/// The event as a message to APPEND to the log folder: authenticated with
/// the team key and signed with the agent's key, where each is given.
pub fn encode(
    e: &Event,
    team_key: Option<&Secret>,
    agent_key: Option<&SigningKey>,
    team_address: &str,
) -> Vec<u8> {
    let body = serde_json::to_vec(e).expect("events serialize");
    let proof = proof_headers(&body, team_key, agent_key);
    let date = chrono::DateTime::from_timestamp(e.at, 0)
        .unwrap_or_default()
        .to_rfc2822();
    let safe = |s: &str| s.chars().filter(|c| !c.is_control()).collect::<String>();
    format!(
        "From: replypad <{team}>\r\nTo: <{team}>\r\nSubject: [replypad] {kind} {conv}\r\nDate: {date}\r\n\
         Message-ID: <{id}@replypad.invalid>\r\nX-Replypad-Event: {kind}\r\nX-Replypad-Event-Id: {id}\r\n\
         X-Replypad-Conversation: {conv}\r\nX-Replypad-Agent: {agent}\r\n{proof}\
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

/// The header lines that prove who wrote `body`: the team key's
/// authenticator and the agent's signature, where each key is given.
pub fn proof_headers(
    body: &[u8],
    team_key: Option<&Secret>,
    agent_key: Option<&SigningKey>,
) -> String {
    let mut proof = String::new();
    if let Some(key) = team_key {
        let auth = hex(&mac(key, body).finalize().into_bytes());
        proof.push_str(&format!("X-Replypad-Auth: {auth}\r\n"));
    }
    if let Some(key) = agent_key {
        let sig = hex(&key.sign(body).to_bytes());
        proof.push_str(&format!(
            "X-Replypad-Key: {}\r\nX-Replypad-Signature: {sig}\r\n",
            public_key(key)
        ));
    }
    proof
}

/// What the proof headers of `msg` prove about who wrote `body`.
pub fn proof(msg: &mail_parser::Message<'_>, body: &[u8], team_key: Option<&Secret>) -> Proof {
    let auth = msg
        .header_raw("X-Replypad-Auth")
        .map(str::trim)
        .and_then(unhex);
    let team_key_ok = match (team_key, auth) {
        (Some(k), Some(a)) => mac(k, body).verify_slice(&a).is_ok(),
        _ => false,
    };
    Proof {
        team_key: team_key_ok,
        signed_by: signature(msg, body),
    }
}

/// The public key whose valid signature over `body` the message carries.
fn signature(msg: &mail_parser::Message<'_>, body: &[u8]) -> Option<String> {
    let key: [u8; 32] = unhex(msg.header_raw("X-Replypad-Key")?.trim())?
        .try_into()
        .ok()?;
    let sig: [u8; 64] = unhex(msg.header_raw("X-Replypad-Signature")?.trim())?
        .try_into()
        .ok()?;
    let vk = VerifyingKey::from_bytes(&key).ok()?;
    // verify_strict: no malleable signatures, no weak keys.
    vk.verify_strict(body, &ed25519_dalek::Signature::from_bytes(&sig))
        .ok()?;
    Some(hex(&key))
}

/// Reads an event message from the log folder and what it proves about its
/// author (the team key's authenticator, a valid signature by some key).
/// Whether it counts is the roster's decision.
pub fn decode(raw: &[u8], team_key: Option<&Secret>) -> Result<Signed, EventError> {
    let msg = mail_parser::MessageParser::default()
        .parse(raw)
        .ok_or_else(|| EventError::Malformed("no headers".into()))?;
    let body = msg
        .body_text(0)
        .ok_or_else(|| EventError::Malformed("no body".into()))?;
    let body = body.trim_end_matches(['\r', '\n']).as_bytes();
    let proof = proof(&msg, body, team_key);
    if !proof.team_key && proof.signed_by.is_none() {
        let id = msg
            .header_raw("X-Replypad-Event-Id")
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        return Err(EventError::Unproven(
            crate::mail::sanitize::line(&id).into_owned(),
        ));
    }
    let event: Event = serde_json::from_slice(body)
        .map_err(|e| EventError::Malformed(format!("bad event JSON: {e}")))?;
    Ok(Signed { event, proof })
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
        let raw = encode(&event(), Some(&key), None, "support@example.com");
        let got = decode(&raw, Some(&key)).unwrap();
        assert_eq!(got.event, event());
        assert!(got.proof.team_key && got.proof.signed_by.is_none());
        assert_eq!(
            decode(&raw, Some(&Secret::new("other"))),
            Err(EventError::Unproven("e1".into()))
        );
        let tampered = String::from_utf8(raw.clone())
            .unwrap()
            .replace("X-Replypad-Auth: ", "X-Replypad-Auth: 00");
        assert!(decode(tampered.as_bytes(), Some(&key)).is_err());
        assert!(matches!(
            decode(b"Subject: hi\r\n\r\nhello", Some(&key)),
            Err(EventError::Unproven(_) | EventError::Malformed(_))
        ));
    }

    #[test]
    fn signatures_name_their_key_and_fail_when_touched() {
        let ana = SigningKey::from_bytes(&[7; 32]);
        let raw = encode(&event(), None, Some(&ana), "support@example.com");
        let got = decode(&raw, None).unwrap();
        assert_eq!(got.proof.signed_by, Some(public_key(&ana)));
        assert!(!got.proof.team_key);
        // Another key named in the header: the signature does not verify.
        let eve = SigningKey::from_bytes(&[9; 32]);
        let swapped = String::from_utf8(raw.clone())
            .unwrap()
            .replace(&public_key(&ana), &public_key(&eve));
        assert!(decode(swapped.as_bytes(), None).is_err());
        // The body changed (another agent's name): no longer signed.
        let body = serde_json::to_vec(&event()).unwrap();
        let mut other = event();
        other.agent = "lee@example.com".into();
        let forged = String::from_utf8(raw)
            .unwrap()
            .replace(&b64(&body), &b64(&serde_json::to_vec(&other).unwrap()));
        assert!(decode(forged.as_bytes(), None).is_err());
    }
}
