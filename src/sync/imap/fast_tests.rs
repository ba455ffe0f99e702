use super::fetch;
use crate::sync::imap::parse::fetch_response;
use imap_proto::types::Response;

/// What imap-proto (the path every response took before) makes of `resp`.
fn slow(resp: &[u8]) -> Option<String> {
    match imap_proto::parser::parse_response(resp) {
        Ok((_, Response::Fetch(_, attrs))) => fetch_response(attrs).map(|f| format!("{f:?}")),
        _ => None,
    }
}

fn samples() -> Vec<Vec<u8>> {
    let header = "From: Ana <ana@shop.test>\r\nSubject: (Re) {x} \"y\")\r\n\r\n";
    let mut v: Vec<Vec<u8>> = vec![
        format!(
            "* 12 FETCH (UID 34 FLAGS (\\Seen $Label) INTERNALDATE \"01-Jul-2025 10:00:00 +0200\" \
             RFC822.SIZE 5120 MODSEQ (77) BODY[HEADER.FIELDS (FROM TO CC REPLY-TO SUBJECT DATE \
             MESSAGE-ID IN-REPLY-TO REFERENCES CONTENT-TYPE)] {{{}}}\r\n{header})\r\n",
            header.len()
        )
        .into_bytes(),
        format!(
            "* 1 FETCH (BODY[HEADER.FIELDS (FROM)] {{{}}}\r\n{header} UID 9 FLAGS () MODSEQ (18446744073709551))\r\n",
            header.len()
        )
        .into_bytes(),
        b"* 3 FETCH (UID 4 FLAGS (\\Answered \\Flagged \\Deleted \\Recent Junk) RFC822.SIZE 0)\r\n".to_vec(),
        b"* 3 FETCH (FLAGS (\\Seen) UID 4 INTERNALDATE \" 1-Jan-2024 00:00:00 -0500\" BODY[HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n".to_vec(),
    ];
    // The same items, another order.
    v.push(
        b"* 7 FETCH (MODSEQ (5) RFC822.SIZE 42 UID 8 INTERNALDATE \"31-Dec-1999 23:59:59 +0000\")\r\n"
            .to_vec(),
    );
    v
}

#[test]
fn the_common_shapes_are_read_as_imap_proto_reads_them() {
    for s in samples() {
        let fast = fetch(&s).map(|f| format!("{f:?}"));
        assert!(fast.is_some(), "not read: {}", String::from_utf8_lossy(&s));
        assert_eq!(fast, slow(&s), "{}", String::from_utf8_lossy(&s));
    }
}

#[test]
fn what_it_reads_is_always_what_imap_proto_reads() {
    // Every one-byte change, deletion and cut of the samples: the fast
    // reader either declines or agrees.
    let bytes = b" ()\"\\{}[]0195xX\r\n*+-.";
    let mut checked = 0;
    for s in samples() {
        let mut variants: Vec<Vec<u8>> = Vec::new();
        for i in 0..s.len() {
            for &b in bytes {
                let mut m = s.clone();
                m[i] = b;
                variants.push(m);
                let mut m = s.clone();
                m.insert(i, b);
                variants.push(m);
            }
            let mut m = s.clone();
            m.remove(i);
            variants.push(m);
            variants.push(s[..i].to_vec());
        }
        for m in variants {
            if let Some(f) = fetch(&m) {
                checked += 1;
                assert_eq!(
                    Some(format!("{f:?}")),
                    slow(&m),
                    "{}",
                    String::from_utf8_lossy(&m)
                );
            }
        }
    }
    assert!(checked > 1000, "only {checked} variants were read");
}

#[test]
fn edge_values_agree_or_are_declined() {
    for s in [
        &b"* 1 FETCH (UID 0)\r\n"[..],
        b"* 0 FETCH (UID 1)\r\n",
        b"* 1 FETCH (UID 1 MODSEQ (0))\r\n",
        b"* 1 FETCH (UID 4294967295 RFC822.SIZE 4294967295)\r\n",
        b"* 1 FETCH (UID 1 RFC822.SIZE 4294967296)\r\n",
        b"* 1 FETCH (UID 1 MODSEQ (9999999999999999999))\r\n",
        b"* 1 FETCH (UID 1 FLAGS (\\*))\r\n",
        b"* 1 FETCH (UID 1 FLAGS (\\))\r\n",
        b"* 1 FETCH (UID 1 FLAGS (a]b))\r\n",
        b"* 1 FETCH (UID 1 INTERNALDATE \"31-Feb-2025 10:00:00 +0000\")\r\n",
        b"* 1 FETCH (UID 1 INTERNALDATE \"01-Jul-2025 24:61:61 +9999\")\r\n",
        b"* 1 FETCH (UID 1 UID 2)\r\n",
        b"* 1 FETCH (UID 1 BODY[HEADER.FIELDS ()] {0}\r\n)\r\n",
    ] {
        if let Some(f) = fetch(s) {
            assert_eq!(
                Some(format!("{f:?}")),
                slow(s),
                "{}",
                String::from_utf8_lossy(s)
            );
        }
    }
}

#[test]
fn other_shapes_are_left_to_imap_proto() {
    for s in [
        &b"* 1 FETCH (UID 2 BODY[HEADER.FIELDS (FROM)] NIL)\r\n"[..],
        b"* 1 FETCH (UID 2 BODY[HEADER.FIELDS (FROM)] \"x\")\r\n",
        b"* 1 FETCH (UID 2 BODY[TEXT] {1}\r\nx)\r\n",
        b"* 1 FETCH (UID 2 FLAGS (\\Seen))\n",
        b"* 1 FETCH (UID 2  FLAGS ())\r\n",
        b"* 1 FETCH (UID 02)\r\n",
        b"* 1 FETCH (UID 2 INTERNALDATE \"a\\\"b\")\r\n",
        b"* 1 FETCH (UID 4294967296)\r\n",
        b"* 1 FETCH (UID 2) trailing\r\n",
        b"* 1 EXPUNGE\r\n",
    ] {
        assert!(fetch(s).is_none(), "{}", String::from_utf8_lossy(s));
    }
}
