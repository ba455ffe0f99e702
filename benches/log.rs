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
//! must read), replypad's whole fold message by message (`team::sync_log`
//! from an empty cache, checkpoints off, in process, login included); then
//! the checkpoints written for that log, a tail of half a checkpoint
//! appended, and a new agent catching up from them: the snapshot fetched
//! and laid in (the state the list shows), and the whole fold (snapshot,
//! archives, tail), checked against the whole log's fold.

#[path = "../tests/support/mod.rs"]
mod support;

use replypad::config::{Secret, Tls};
use replypad::domain::Status;
use replypad::domain::events::{Event, EventKind};
use replypad::domain::roster::Change;
use replypad::mail::team_event;
use replypad::store::Store;
use replypad::sync::engine::TeamLog;
use replypad::sync::{checkpoint, team};
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

    // The whole log, message by message (checkpoints off).
    cfg.team.checkpoint_every = 0;
    let t = Instant::now();
    let mut store = Store::open(&cfg.cache_file()).unwrap();
    let mut conn = replypad::sync::connect(&cfg).unwrap();
    let log = TeamLog::resolve(&mut conn, &cfg, Some(secret.clone())).unwrap();
    let touched = team::sync_log(&mut conn, &mut store, &log, &secret, &|_| {}).unwrap();
    let fold = t.elapsed().as_secs_f64();
    assert_eq!(count(&cfg.cache_file()), n + 1, "every event counted");
    assert!(touched.len() >= n / 20, "{} conversations", touched.len());
    println!("| {n:>7} | raw fetch of the whole log | {raw:>7.2} s | |");
    println!("| {n:>7} | new agent, every message (no checkpoints) | {fold:>7.2} s | |");

    // The same cache writes the checkpoints (once, for the whole log: a
    // team upgrading to checkpoints; later each covers `every` events).
    let every = (n as u32 / 50).clamp(20, 10_000);
    cfg.team.checkpoint_every = every;
    cfg.identity.email = ADMIN.into();
    let signer =
        replypad::desk::Signer::new(&cfg, Some(secret.clone())).with_agent_key(Some(key.clone()));
    let log = TeamLog::resolve(&mut conn, &cfg, Some(secret.clone())).unwrap();
    let t = Instant::now();
    let written = checkpoint::write_if_due(&mut conn, &mut store, &log, &signer).unwrap();
    let write = t.elapsed().as_secs_f64();
    assert!(written >= 1);
    println!(
        "| {n:>7} | writing {written} checkpoint(s) of {every} events, once | {write:>7.2} s | |"
    );
    conn.logout();
    let want = team_state(&cfg.cache_file());

    // A tail since the last checkpoint: fewer events than one checkpoint.
    let tail = (every / 2) as usize;
    for (i, e) in events(tail, &key).iter().skip(1).enumerate() {
        let mut e = e.clone();
        e.id = format!("tail{i}");
        let raw = team_event::encode(&e, Some(&secret), Some(&key), "support@example.com");
        let name = format!("{}.M{i}P1.logbench:2,S", 1_800_000_000 + i / 1000);
        std::fs::write(dir.join(name), raw).unwrap();
    }
    d.fix_ownership();
    raw_fetch(d.imap_port, &folder);

    // A new agent: the snapshot alone (fetched, then laid in: the state
    // the list shows), then the whole catch-up (snapshot, archives, tail).
    let fresh = tempfile::tempdir().unwrap();
    let mut cfg2 = cfg.clone();
    cfg2.cache.dir = Some(fresh.path().to_path_buf());
    let mut conn = replypad::sync::connect(&cfg2).unwrap();
    let log = TeamLog::resolve(&mut conn, &cfg2, Some(secret.clone())).unwrap();
    let validity = conn.select(&folder, None).unwrap().uidvalidity;
    let t = Instant::now();
    let chain = checkpoint::read_chain(&mut conn, &log.checkpoints, &secret, validity)
        .unwrap()
        .unwrap();
    let (uid, m) = chain.links.last().unwrap().clone();
    let bases = checkpoint::fetch_snapshot(&mut conn, uid, &m).unwrap();
    let fetched = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut scratch = Store::open(&fresh.path().join("scratch.db")).unwrap();
    scratch
        .transaction(|tx| Store::lay_snapshot(tx, &bases, &m.trust))
        .unwrap();
    let laid = t.elapsed().as_secs_f64();
    drop(scratch);
    println!(
        "| {n:>7} | new agent: chain read, snapshot fetched ({} conversations) | {fetched:>7.2} s | |",
        bases.len()
    );
    println!("| {n:>7} | new agent: snapshot laid in (state usable) | {laid:>7.2} s | <= 2 s |");
    let t = Instant::now();
    let mut store = Store::open(&cfg2.cache_file()).unwrap();
    team::sync_log(&mut conn, &mut store, &log, &secret, &|_| {}).unwrap();
    let caught = t.elapsed().as_secs_f64();
    assert_eq!(
        count(&cfg2.cache_file()),
        n + 1 + tail,
        "every event counted"
    );
    println!(
        "| {n:>7} | new agent: whole fold from checkpoints + tail of {tail} | {caught:>7.2} s | <= 10 s |"
    );
    // The state agrees with the whole log's fold (the tail folded in too).
    let mut conn = replypad::sync::connect(&cfg).unwrap();
    cfg.team.checkpoint_every = 0;
    let log = TeamLog::resolve(&mut conn, &cfg, Some(secret.clone())).unwrap();
    team::sync_log(
        &mut conn,
        &mut Store::open(&cfg.cache_file()).unwrap(),
        &log,
        &secret,
        &|_| {},
    )
    .unwrap();
    let want_now = team_state(&cfg.cache_file());
    assert_ne!(want, want_now, "the tail changed something");
    assert_eq!(
        team_state(&cfg2.cache_file()),
        want_now,
        "checkpoints + tail = the whole log"
    );
}

/// Events the cache counted.
fn count(cache: &std::path::Path) -> usize {
    rusqlite::Connection::open(cache)
        .unwrap()
        .query_row(
            "SELECT count(*) FROM events WHERE uid IS NOT NULL",
            [],
            |r| r.get::<_, i64>(0),
        )
        .unwrap() as usize
}

/// Every conversation's folded team state, labels and followers.
fn team_state(cache: &std::path::Path) -> Vec<String> {
    let c = rusqlite::Connection::open(cache).unwrap();
    let mut st = c
        .prepare(
            "SELECT c.id || '|' || c.status || '|' || coalesce(c.assignee, '') || '|' || coalesce(c.snoozed_until, '')
                 || '|' || coalesce(c.replying, '') || '|' || coalesce(c.replying_until, '')
                 || '|' || coalesce((SELECT group_concat(label) FROM (SELECT label FROM conversation_labels WHERE conversation_id = c.id ORDER BY label)), '')
             FROM conversations c ORDER BY c.id",
        )
        .unwrap();
    st.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn main() {
    // The fold's parts (fetching, decoding, folding) on stderr.
    tracing_subscriber::fmt()
        .with_env_filter("replypad::sync::team=debug,replypad::sync::checkpoint=debug")
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
