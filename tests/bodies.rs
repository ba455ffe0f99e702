//! The background body fetch against a real Dovecot: it asks only for each
//! message's MIME header fields and body text, and what it caches must be
//! what parsing the whole message gives.

mod support;

use replypad::config::Tls;
use replypad::mail::parse::parse_message;
use replypad::store::Store;
use replypad::sync::engine::{self, SyncContext};
use std::process::Command;
use support::account;
use support::dovecot::Dovecot;
use support::sync::quiet;

#[test]
fn background_bodies_match_a_whole_message_parse() {
    let d = Dovecot::start();
    let work = tempfile::tempdir().unwrap();
    // A varied mailbox: plain and multipart/alternative mail in several
    // charsets and transfer encodings, attachments, malformed messages.
    let eml = work.path().join("eml");
    let st = Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/corpus.py"))
        .args(["--count", "400", "--format", "eml", "--out"])
        .arg(&eml)
        .status()
        .expect("python3 (apt install python3)");
    assert!(st.success(), "corpus.py failed");
    let mut files: Vec<_> = std::fs::read_dir(&eml)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let cfg = account(&d, &work.path().join("cache"), Tls::Implicit);
    let mut conn = replypad::sync::connect(&cfg).unwrap();
    let mut raws = Vec::new();
    for f in &files {
        let raw = std::fs::read(f).unwrap();
        conn.append("INBOX", &raw, false).unwrap();
        raws.push(raw);
    }

    let mut store = Store::open(&cfg.cache_file()).unwrap();
    let ctx = SyncContext {
        team_address: &cfg.team.address,
        progress: &quiet,
    };
    let (report, _) = engine::sync_all(&mut conn, &mut store, &cfg, &ctx, true).unwrap();
    assert_eq!(report.new, raws.len());

    // The whole messages as the server sends them (line ends and all).
    conn.select("INBOX", None).unwrap();
    let whole: std::collections::HashMap<u32, Vec<u8>> = conn
        .fetch_bodies("1:*")
        .unwrap()
        .into_iter()
        .map(|f| (f.flags.uid, f.data.unwrap()))
        .collect();
    assert_eq!(whole.len(), raws.len());

    let db = rusqlite::Connection::open(cfg.cache_file()).unwrap();
    let mut q = db
        .prepare("SELECT body_state, text, attachments FROM messages WHERE uid = ?1")
        .unwrap();
    let (mut with_attachments, mut large_with_attachments, mut unparseable) = (0, 0, 0);
    for (i, raw) in raws.iter().enumerate() {
        let (state, text, attachments): (String, Option<String>, String) = q
            .query_row([i as i64 + 1], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap();
        if raw.len() as u64 > replypad::store::AUTO_BODY_MAX {
            assert_eq!(state, "headers", "message {i} is over the automatic cap");
            continue;
        }
        let whole = parse_message(&whole[&(i as u32 + 1)], 0);
        let file = files[i].display();
        assert_eq!(state, whole.body_state.as_str(), "{file}");
        if whole.body_state.as_str() == "unparseable" {
            unparseable += 1;
            continue;
        }
        assert_eq!(text.as_deref(), Some(whole.text.as_str()), "{file}");
        let cached: Vec<serde_json::Value> = serde_json::from_str(&attachments).unwrap();
        assert_eq!(cached.len(), whole.attachments.len(), "{file}");
        // A large message is fetched without its attachments: their sizes
        // are estimated from the structure, within 1%.
        let large = raw.len() as u64 > engine::PARTIAL_MIN;
        for (c, w) in cached.iter().zip(&whole.attachments) {
            assert_eq!(c["filename"], w.filename.as_str(), "{file}");
            assert_eq!(c["content_type"], w.content_type.as_str(), "{file}");
            let size = c["size"].as_u64().unwrap();
            if large {
                assert!(
                    size.abs_diff(w.size) <= 64.max(w.size / 100),
                    "{file}: {size} vs {}",
                    w.size
                );
            } else {
                assert_eq!(size, w.size, "{file}");
            }
        }
        with_attachments += usize::from(!whole.attachments.is_empty());
        large_with_attachments += usize::from(large && !whole.attachments.is_empty());
    }
    // The corpus has every kind; otherwise the comparison proves little.
    assert!(with_attachments > 5, "{with_attachments} with attachments");
    assert!(
        large_with_attachments > 3,
        "{large_with_attachments} large with attachments"
    );
    eprintln!(
        "{with_attachments} with attachments ({large_with_attachments} large), {unparseable} unparseable"
    );

    // Each conversation's attachment mark and snippet are what its
    // messages say, computed from scratch.
    let mut convs = db
        .prepare("SELECT id, has_attachment, snippet FROM conversations")
        .unwrap();
    let convs: Vec<(String, bool, String)> = convs
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(convs.iter().any(|c| c.1), "no conversation marked");
    for (id, marked, snippet) in &convs {
        let (any, latest): (bool, Option<String>) = db
            .query_row(
                "SELECT EXISTS(SELECT 1 FROM messages WHERE conversation_id = ?1 AND attachments != '[]'),
                        (SELECT text FROM messages WHERE conversation_id = ?1 ORDER BY date DESC, id DESC LIMIT 1)",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(*marked, any, "attachment mark of {id}");
        let expected = replypad::store::snippet(latest.as_deref().unwrap_or(""));
        assert_eq!(*snippet, expected, "snippet of {id}");
    }

    // Search finds a message by its cached subject and sender, as before.
    let subject: String = db
        .query_row("SELECT subject FROM messages WHERE uid = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    let word = subject
        .split(|c: char| !c.is_alphanumeric())
        .find(|w| w.len() > 4)
        .unwrap()
        .to_string();
    let hits: i64 = db
        .query_row(
            "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?1",
            [format!("subject:{word}")],
            |r| r.get(0),
        )
        .unwrap();
    assert!(hits >= 1, "no hit for {word}");
}
