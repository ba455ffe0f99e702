//! Team log benchmark (issue 24): a new agent, empty cache, folds a long
//! team log from a real Dovecot. The log is generated straight into the
//! log folder's Maildir: a roster begun by one admin, then events of every
//! common kind over a twentieth as many conversations, each authenticated
//! with the team key and signed by its author, as the desk writes them.
//!
//!   cargo bench --bench log                 # 100,000 events
//!   cargo bench --bench log -- 500000 20000 # other sizes
//!   cargo test --bench log                  # 300 events: a smoke test
//!
//! Prints: the raw client's fetch of every log message (the bytes any fold
//! must read), replypad's whole fold (`team::sync_log` from an empty
//! cache, in process, login included), and its parts.

#[path = "../tests/support/mod.rs"]
mod support;

use replypad::config::{Secret, Tls};
use replypad::domain::Status;
use replypad::domain::events::{Event, EventKind};
use replypad::domain::roster::Change;
use replypad::mail::team_event;
use replypad::store::Store;
use replypad::sync::team;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Instant;
use support::dovecot::{Dovecot, PASSWORD, USER};

const KEY: &str = "bench-team-key";
const ADMIN: &str = "ana@example.com";

/// The log messages: the roster's start, then `n` events.
fn events(n: usize, key: &ed25519_dalek::SigningKey) -> Vec<Event> {
    let mut out = vec![Event {
        id: "roster-0".into(),
        conversation: replypad::domain::events::TEAM.into(),
        agent: ADMIN.into(),
        at: 1_700_000_000,
        kind: EventKind::Roster {
            change: Change::Init {
                name: "Ana".into(),
                handle: "ana".into(),
                key: team_event::public_key(key),
            },
        },
    }];
    let convs = (n / 20).max(2);
    for i in 0..n {
        let c = i % convs;
        let kind = match (i / convs) % 8 {
            0 => EventKind::Assign {
                to: Some(ADMIN.into()),
                reassign: false,
            },
            1 => EventKind::Label {
                add: vec![["billing", "bug", "refund", "urgent"][i % 4].into()],
                remove: vec![],
            },
            2 => EventKind::Note {
                text: "looked into it, waiting for the logs".into(),
                mentions: vec![],
            },
            3 => EventKind::Replying {
                on: true,
                until: 1_700_000_000 + i as i64,
            },
            4 => EventKind::Status {
                status: Status::Pending,
                until: None,
            },
            5 => EventKind::Label {
                add: vec![],
                remove: vec!["urgent".into()],
            },
            6 => EventKind::Status {
                status: Status::Closed,
                until: None,
            },
            _ => EventKind::Status {
                status: Status::Open,
                until: None,
            },
        };
        out.push(Event {
            id: format!("ev{i}"),
            conversation: replypad::domain::thread::conversation_id(&format!("c{c}@shop.test")),
            agent: ADMIN.into(),
            at: 1_700_000_000 + i as i64,
            kind,
        });
    }
    out
}

/// Seconds for a raw client's `UID FETCH 1:* (BODY.PEEK[])` of `folder`.
fn raw_fetch(port: u16, folder: &str) -> f64 {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut buf = vec![0u8; 1 << 20];
    let mut tail: Vec<u8> = b"\r\n".to_vec();
    let mut expect = |s: &mut TcpStream, tag: &[u8]| loop {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "server closed");
        tail.extend_from_slice(&buf[..n]);
        if tail.len() > 4096 {
            tail.drain(..tail.len() - 4096);
        }
        if let Some(pos) = tail.windows(tag.len()).rposition(|w| w == tag)
            && tail[pos..].ends_with(b"\r\n")
        {
            let line = String::from_utf8_lossy(&tail[pos..]).into_owned();
            assert!(line.contains(" OK"), "the server said {line:?}");
            // A tag is looked for at a line's start.
            tail = b"\r\n".to_vec();
            return;
        }
    };
    expect(&mut s, b"* OK");
    s.write_all(format!("a1 LOGIN \"{USER}\" \"{PASSWORD}\"\r\n").as_bytes())
        .unwrap();
    expect(&mut s, b"\r\na1 ");
    s.write_all(format!("a2 SELECT \"{folder}\"\r\n").as_bytes())
        .unwrap();
    expect(&mut s, b"\r\na2 ");
    let t = Instant::now();
    s.write_all(b"a3 UID FETCH 1:* (UID FLAGS BODY.PEEK[])\r\n")
        .unwrap();
    expect(&mut s, b"\r\na3 ");
    t.elapsed().as_secs_f64()
}

fn bench(n: usize) {
    eprintln!("== {n} events: generating the log");
    let d = Dovecot::start();
    let cache = tempfile::tempdir().unwrap();
    let mut cfg = support::account(&d, cache.path(), Tls::None);
    cfg.team.key_command = Some(format!("printf {KEY}"));
    let mut conn = replypad::sync::connect(&cfg).unwrap();
    let folder = team::log_folder(&mut conn, &cfg).unwrap();
    conn.ensure_mailbox(&folder).unwrap();
    conn.logout();
    // The folder's Maildir (Maildir++: `.Replypad.Log`).
    let dir = d
        .maildir()
        .join(format!(".{}", folder.replace('/', ".")))
        .join("cur");
    std::fs::create_dir_all(&dir).unwrap();
    let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    let secret = Secret::new(KEY);
    let t = Instant::now();
    let mut bytes = 0;
    for (i, e) in events(n, &key).iter().enumerate() {
        let raw = team_event::encode(e, Some(&secret), Some(&key), "support@example.com");
        bytes += raw.len();
        let name = format!("{}.M{i}P0.logbench:2,S", 1_700_000_000 + i / 1000);
        std::fs::write(dir.join(name), raw).unwrap();
    }
    d.fix_ownership();
    eprintln!(
        "   {} messages, {} MB, in {:.1} s",
        n + 1,
        bytes >> 20,
        t.elapsed().as_secs_f64()
    );
    eprintln!("   warming Dovecot's index");
    raw_fetch(d.imap_port, &folder);
    let raw = raw_fetch(d.imap_port, &folder);

    let t = Instant::now();
    let mut store = Store::open(&cfg.cache_file()).unwrap();
    let mut conn = replypad::sync::connect(&cfg).unwrap();
    let touched = team::sync_log(&mut conn, &mut store, &folder, &secret).unwrap();
    let fold = t.elapsed().as_secs_f64();
    let counted: i64 = rusqlite::Connection::open(cfg.cache_file())
        .unwrap()
        .query_row(
            "SELECT count(*) FROM events WHERE uid IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(counted as usize, n + 1, "every event counted");
    assert!(touched.len() >= n / 20, "{} conversations", touched.len());
    println!("| {n:>7} | raw fetch of the whole log | {raw:>7.2} s | |");
    println!("| {n:>7} | new agent: whole fold (fetch, verify, fold) | {fold:>7.2} s | <= 10 s |");
}

fn main() {
    // The fold's parts (fetching, decoding, folding) on stderr.
    tracing_subscriber::fmt()
        .with_env_filter("replypad::sync::team=debug")
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    // `cargo bench` passes --bench; `cargo test --bench log` runs this as a
    // quick smoke test of the benchmark itself.
    let sizes = match (sizes.is_empty(), args.iter().any(|a| a == "--bench")) {
        (false, _) => sizes,
        (true, true) => vec![100_000],
        (true, false) => vec![300],
    };
    println!("| events | measure | replypad | target |");
    println!("|---|---|---|---|");
    for n in sizes {
        bench(n);
    }
}
