//! Checkpoints of the team log as messages (see `domain::checkpoint`): a
//! multipart message whose first part is the manifest (JSON, proven by the
//! same headers as an event: `X-Replypad-Auth`, `X-Replypad-Key`,
//! `X-Replypad-Signature`), the second the archive and the third, where
//! there is one, the snapshot, each JSON compressed with DEFLATE. The
//! manifest names each part's SHA-256, so the signature covers them all,
//! and a reader checks the chain from the manifests alone (`BODY[1]`).

use crate::config::Secret;
use crate::domain::checkpoint::Manifest;
use crate::domain::roster::Proof;
use anyhow::{Context, Result, bail};
use sha2::Digest;
use std::io::Read;

/// A part holds at most this much once inflated: a hostile checkpoint
/// (a small part that inflates to gigabytes) is refused, not allocated.
const MAX_INFLATED: u64 = 1 << 30;

const BOUNDARY: &str = "replypad-checkpoint";

/// `items` as compressed JSON, and the SHA-256 (hex) of that.
pub fn pack<T: serde::Serialize>(items: &T) -> Result<(Vec<u8>, String)> {
    // flate2 (DEFLATE, pure Rust backend): the archive's JSON repeats the
    // same keys and agents on every line and shrinks several times over.
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    serde_json::to_writer(&mut enc, items)?;
    let packed = enc.finish()?;
    let sha = sha256(&packed);
    Ok((packed, sha))
}

/// A part [`pack`] made, checked against the SHA-256 the manifest names.
pub fn unpack<T: serde::de::DeserializeOwned>(packed: &[u8], sha: &str) -> Result<T> {
    if sha256(packed) != sha {
        bail!("the part does not match the SHA-256 its manifest names");
    }
    let dec = flate2::read::DeflateDecoder::new(packed).take(MAX_INFLATED);
    serde_json::from_reader(std::io::BufReader::new(dec)).context("a checkpoint part")
}

pub fn sha256(data: &[u8]) -> String {
    super::team_event::hex(&sha2::Sha256::digest(data))
}

/// The checkpoint as a message to APPEND; `proof` is the header lines
/// [`super::team_event::proof_headers`] made for the manifest's JSON,
/// which is `manifest_json`.
pub fn encode(
    manifest: &Manifest,
    manifest_json: &[u8],
    proof: &str,
    archive: &[u8],
    snapshot: Option<&[u8]>,
    team_address: &str,
) -> Vec<u8> {
    use super::team_event::b64;
    let date = chrono::DateTime::from_timestamp(manifest.at, 0)
        .unwrap_or_default()
        .to_rfc2822();
    let team: String = team_address.chars().filter(|c| !c.is_control()).collect();
    let id = format!(
        "{}-{}-{}",
        manifest.from,
        manifest.to,
        &manifest.archive_sha256.get(..16).unwrap_or("")
    );
    let part = |kind: &str, data: &[u8]| {
        format!(
            "--{BOUNDARY}\r\nContent-Type: {kind}\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
            b64(data)
        )
    };
    let mut out = format!(
        "From: replypad <{team}>\r\nTo: <{team}>\r\nSubject: [replypad] checkpoint {from}..{to}\r\nDate: {date}\r\n\
         Message-ID: <checkpoint-{id}@replypad.invalid>\r\nX-Replypad-Checkpoint: {from}..{to}\r\n{proof}\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"{BOUNDARY}\"\r\n\r\n",
        from = manifest.from,
        to = manifest.to,
    );
    out.push_str(&part("application/json", manifest_json));
    out.push_str(&part("application/octet-stream", archive));
    if let Some(s) = snapshot {
        out.push_str(&part("application/octet-stream", s));
    }
    out.push_str(&format!("--{BOUNDARY}--\r\n"));
    out.into_bytes()
}

/// A part as fetched (`BODY[n]`: base64 in lines).
pub fn part_bytes(fetched: &[u8]) -> Result<Vec<u8>> {
    use base64::Engine as _;
    let flat: Vec<u8> = fetched
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(flat)
        .context("a checkpoint part that is not base64")
}

/// The manifest from a checkpoint's header (`headers`, at least the proof
/// fields) and first part as fetched, with what the header proves about
/// its writer. The error says why it is no checkpoint.
pub fn decode_manifest(
    headers: &[u8],
    first_part: &[u8],
    team_key: Option<&Secret>,
) -> Result<(Manifest, Proof), String> {
    let json = part_bytes(first_part).map_err(|e| format!("{e:#}"))?;
    let mut block = headers.to_vec();
    block.extend_from_slice(b"\r\n\r\n");
    let msg = mail_parser::MessageParser::default()
        .parse(&block)
        .ok_or("no header")?;
    let proof = super::team_event::proof(&msg, &json, team_key);
    if !proof.team_key && proof.signed_by.is_none() {
        return Err("no valid authenticator or signature".into());
    }
    let manifest: Manifest = serde_json::from_slice(&json)
        .map_err(|e| format!("a manifest that does not parse: {e}"))?;
    Ok((manifest, proof))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::checkpoint::Archived;

    fn manifest(archive_sha256: String) -> Manifest {
        Manifest {
            agent: "ana@example.com".into(),
            at: 1_764_000_000,
            log_uidvalidity: 3,
            from: 0,
            to: 2,
            entries: 1,
            archive_sha256,
            trust: Default::default(),
            snapshot_sha256: None,
        }
    }

    fn sections(raw: &[u8]) -> Vec<String> {
        let text = String::from_utf8(raw.to_vec()).unwrap();
        let body = text.split_once("\r\n\r\n").unwrap().1;
        body.split(&format!("--{BOUNDARY}"))
            .filter_map(|p| p.split_once("\r\n\r\n").map(|(_, b)| b.to_string()))
            .collect()
    }

    #[test]
    fn round_trip_and_tampering() {
        let key = Secret::new("team-key");
        let entries = vec![Archived::Refused {
            uid: 2,
            reason: "forged".into(),
        }];
        let (packed, sha) = pack(&entries).unwrap();
        let m = manifest(sha.clone());
        let json = serde_json::to_vec(&m).unwrap();
        let signing = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
        let proof = super::super::team_event::proof_headers(&json, Some(&key), Some(&signing));
        let raw = encode(&m, &json, &proof, &packed, None, "support@example.com");
        let parts = sections(&raw);
        let headers = String::from_utf8(raw.clone()).unwrap();
        let headers = headers.split_once("\r\n\r\n").unwrap().0;
        let (got, p) =
            decode_manifest(headers.as_bytes(), parts[0].as_bytes(), Some(&key)).unwrap();
        assert_eq!(got, m);
        assert!(p.team_key);
        assert_eq!(
            p.signed_by.as_deref(),
            Some(super::super::team_event::public_key(&signing).as_str())
        );
        let back: Vec<Archived> = unpack(&part_bytes(parts[1].as_bytes()).unwrap(), &sha).unwrap();
        assert_eq!(back, entries);
        // Another team key: neither proof holds once the signature is gone.
        let unsigned = super::super::team_event::proof_headers(&json, Some(&key), None);
        let raw = encode(&m, &json, &unsigned, &packed, None, "support@example.com");
        let h = String::from_utf8(raw).unwrap();
        let h = h.split_once("\r\n\r\n").unwrap().0.to_string();
        assert!(
            decode_manifest(h.as_bytes(), parts[0].as_bytes(), Some(&Secret::new("x"))).is_err()
        );
        // A changed part no longer matches its manifest.
        let mut bad = packed.clone();
        bad[0] ^= 1;
        assert!(unpack::<Vec<Archived>>(&bad, &sha).is_err());
        // A manifest changed after signing proves nothing.
        let mut m2 = m.clone();
        m2.to = 9;
        let forged = super::super::team_event::b64(&serde_json::to_vec(&m2).unwrap());
        let got = decode_manifest(headers.as_bytes(), forged.as_bytes(), Some(&key));
        assert!(got.is_err(), "{got:?}");
    }

    proptest::proptest! {
        /// No manifest, part or archive a server hands over panics.
        #[test]
        fn no_input_panics(
            headers in proptest::collection::vec(proptest::num::u8::ANY, 0..200),
            part in proptest::collection::vec(proptest::num::u8::ANY, 0..300),
            text in "[A-Za-z0-9+/=\r\n -]{0,200}",
        ) {
            let key = Secret::new("k");
            let _ = decode_manifest(&headers, &part, Some(&key));
            let _ = decode_manifest(b"X-Replypad-Auth: 00\r\n", text.as_bytes(), Some(&key));
            let _ = part_bytes(&part);
            let sha = sha256(&part);
            let _ = unpack::<Vec<Archived>>(&part, &sha);
            let _ = unpack::<Vec<crate::domain::checkpoint::Base>>(&part, &sha);
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for (h, b) in [
            (&b""[..], &b""[..]),
            (b"X-Replypad-Auth: zz", b"!!!!"),
            (b"\xff\xfe", b"e30="),
        ] {
            assert!(decode_manifest(h, b, Some(&Secret::new("k"))).is_err());
        }
        assert!(unpack::<Vec<Archived>>(b"\x00\x01", &sha256(b"\x00\x01")).is_err());
    }
}
