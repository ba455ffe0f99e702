//! Newest first (issue 24): a first sync caches each folder's newest page,
//! then fills the history behind it; a kill at any point of either leaves a
//! cache with no gap above its floor, and a resume ends with every message
//! exactly once, filed as an uninterrupted sync files it.

mod support;

use replypad::config::Tls;
use replypad::store::Store;
use replypad::sync::engine::{self, NEWEST_PAGE, Progress};
use replypad::sync::history;
use rusqlite::Connection;
use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use support::account;
use support::cli::Instance;
use support::dovecot::Dovecot;

/// Messages in the generated inbox: the newest page and two windows of history.
const N: usize = NEWEST_PAGE + history::WINDOW as usize + 2_000;

/// A Dovecot whose INBOX holds `N` generated messages (UIDs 1..=N).
fn loaded() -> Dovecot {
    let d = Dovecot::start();
    let st = Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/corpus.py"))
        .args(["--count", &N.to_string(), "--format", "maildir", "--out"])
        .arg(d.maildir())
        .stdout(Stdio::null())
        .status()
        .expect("python3 (apt install python3)");
    assert!(st.success(), "corpus.py failed");
    d.fix_ownership();
    d
}

/// RFC822.SIZE of every INBOX message from `from` up, by UID, as another
/// client fetches them.
fn raw_sizes(d: &Dovecot, from: u32) -> Vec<i64> {
    let mut other = support::sync::other_client(d);
    other.select("INBOX", None).unwrap();
    let mut f = other.fetch_headers(&format!("{from}:*")).unwrap();
    f.sort_by_key(|f| f.flags.uid);
    f.iter().map(|f| i64::from(f.size)).collect()
}

/// The cache's INBOX: its cached UIDs (ascending), floor and UIDNEXT.
fn inbox_of(db: &Connection) -> (Vec<u32>, Option<u32>, Option<u32>) {
    let (id, floor, next): (i64, Option<u32>, Option<u32>) = db
        .query_row(
            "SELECT id, history_below, uidnext FROM mailboxes WHERE name = 'INBOX'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap_or((-1, None, None));
    // Killed before the cache had its tables: nothing.
    let Ok(mut rows) = db.prepare("SELECT uid FROM messages WHERE mailbox_id = ?1 ORDER BY uid")
    else {
        return (Vec::new(), None, None);
    };
    let uids = rows
        .query_map([id], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    (uids, floor, next)
}

/// Message-ID → conversation id of every cached message.
fn filing(db: &Connection) -> BTreeMap<String, String> {
    db.prepare("SELECT message_id, conversation_id FROM messages")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

#[test]
fn the_newest_page_comes_first_then_history_fills_in_behind_it() {
    let d = loaded();
    let work = tempfile::tempdir().unwrap();
    let cfg = account(&d, work.path(), Tls::Implicit);
    let mut store = Store::open(&cfg.cache_file()).unwrap();
    let mut conn = replypad::sync::connect(&cfg).unwrap();
    let seen = Mutex::new(Vec::new());
    let progress = |p: Progress| seen.lock().unwrap().push(p);
    let ctx = engine::SyncContext {
        team_address: &cfg.team.address,
        progress: &progress,
    };
    let (r, _) = engine::sync_newest(&mut conn, &mut store, &cfg, &ctx).unwrap();
    assert_eq!(r.new, NEWEST_PAGE);
    let db = Connection::open(cfg.cache_file()).unwrap();
    let (uids, floor, next) = inbox_of(&db);
    let newest: Vec<u32> = ((N - NEWEST_PAGE + 1) as u32..=N as u32).collect();
    assert_eq!(uids, newest, "the newest page, nothing else");
    assert_eq!(floor, Some(newest[0]));
    assert_eq!(next, Some(N as u32 + 1));
    assert!(history::incomplete(&store).unwrap());
    // The newest page came without sizes (a Maildir Dovecot reads a large
    // folder's whole uidlist for them); the history's first call gets them.
    let later = store.unsized_messages().unwrap();
    assert_eq!(later.len(), 1);
    assert_eq!(later[0].uids, newest);
    let zero = |db: &Connection| -> i64 {
        db.query_row("SELECT count(*) FROM messages WHERE size = 0", [], |r| {
            r.get(0)
        })
        .unwrap()
    };
    assert_eq!(zero(&db), NEWEST_PAGE as i64);

    // One window at a time, as the TUI's worker asks: the floor drops by
    // a window, the progress says how far. A session that has the folder
    // selected sends no SELECT for it (on a Maildir server a SELECT of a
    // large folder costs more than the window's FETCH).
    conn.select("INBOX", None).unwrap();
    let selects = conn.selects();
    let (n, touched) =
        history::fetch_history(&mut conn, &mut store, &ctx, history::WINDOW as usize).unwrap();
    assert_eq!(n, history::WINDOW as usize);
    assert_eq!(conn.selects(), selects, "a window of a selected folder");
    assert_eq!(zero(&db), 0, "every size is known");
    assert!(store.unsized_messages().unwrap().is_empty());
    let sizes_of_page: Vec<i64> = db
        .prepare("SELECT size FROM messages WHERE uid >= ?1 ORDER BY uid")
        .unwrap()
        .query_map([newest[0]], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        sizes_of_page,
        raw_sizes(&d, newest[0]),
        "the sizes the server gives"
    );
    // A window's commit does not keep up the report indexes (random
    // order): they wait for the whole history.
    assert_eq!(store.deferred_indexes_present().unwrap(), 2);
    assert!(touched.is_some_and(|t| !t.is_empty()));
    let (uids, floor, _) = inbox_of(&db);
    assert_eq!(uids.len(), NEWEST_PAGE + n);
    assert_eq!(floor, Some(newest[0] - history::WINDOW));
    let last = seen.lock().unwrap().last().cloned();
    assert_eq!(
        last,
        Some(Progress::History {
            mailbox: "INBOX".into(),
            done: NEWEST_PAGE + n,
            total: N,
        })
    );
    // New mail meanwhile goes on top as usual; the rest of history after it.
    let mut other = support::sync::other_client(&d);
    other
        .append(
            "INBOX",
            &support::message("late", &[], "Late", "new mail"),
            false,
        )
        .unwrap();
    let (r, _) = engine::sync_newest(&mut conn, &mut store, &cfg, &ctx).unwrap();
    assert_eq!(r.new, 1);
    let (n, _) = history::fetch_history(&mut conn, &mut store, &ctx, usize::MAX).unwrap();
    assert_eq!(n, N - NEWEST_PAGE - history::WINDOW as usize);
    let (uids, floor, _) = inbox_of(&db);
    assert_eq!(uids, (1..=N as u32 + 1).collect::<Vec<_>>());
    assert_eq!(floor, None);
    assert!(!history::incomplete(&store).unwrap());
    assert_eq!(store.deferred_indexes_present().unwrap(), 4);
    assert_eq!(
        history::fetch_history(&mut conn, &mut store, &ctx, usize::MAX)
            .unwrap()
            .0,
        0,
        "nothing left"
    );
}

/// Runs `replypad sync --headers-only` and kills it (SIGKILL) after
/// `after`, unless it ended before. Returns `None` when it was killed,
/// else how long the whole run took.
fn sync_killed_after(agent: &Instance, after: Duration) -> Option<Duration> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_replypad"))
        .arg("--config")
        .arg(&agent.config)
        .args(["sync", "--headers-only"])
        .env("XDG_STATE_HOME", agent.dir.path().join("state"))
        .env("XDG_DATA_HOME", agent.dir.path().join("data"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t = Instant::now();
    while t.elapsed() < after {
        if child.try_wait().unwrap().is_some() {
            return Some(t.elapsed());
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    None
}

/// The agent's cache, unless the run was killed before it made one.
fn cache_of(agent: &Instance) -> Option<Connection> {
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE;
    Connection::open_with_flags(agent.cfg.cache_file(), flags).ok()
}

/// The cache left by a kill: every UID from the floor (or 1) up to
/// UIDNEXT is there, and nothing twice.
fn assert_no_gap(db: &Connection, at: &str) {
    let (uids, floor, next) = inbox_of(db);
    let Some(next) = next else {
        assert!(uids.is_empty(), "{at}: messages without a sync state");
        return;
    };
    let from = floor.unwrap_or(1);
    let mut dedup = uids.clone();
    dedup.dedup();
    assert_eq!(dedup.len(), uids.len(), "{at}: a UID twice");
    let above: Vec<u32> = uids.iter().copied().filter(|u| *u >= from).collect();
    assert_eq!(
        above,
        (from..next).collect::<Vec<_>>(),
        "{at}: a gap between the floor {from} and UIDNEXT {next}"
    );
}

#[test]
fn killed_anywhere_a_first_sync_resumes_with_every_message_once() {
    let d = loaded();
    // An uninterrupted sync: how long it takes, and how it files.
    // The first sync of the corpus also builds Dovecot's own indexes and
    // warms the page cache: time a second one, the speed the kills meet.
    Instance::new(&d, "warm", "").ok(&["sync", "--headers-only"]);
    let reference = Instance::new(&d, "ref", "");
    let t = Instant::now();
    reference.ok(&["sync", "--headers-only"]);
    let mut whole = t.elapsed();
    let db = Connection::open(reference.cfg.cache_file()).unwrap();
    let want = filing(&db);
    assert_eq!(want.len(), N, "the corpus's Message-IDs are unique");
    eprintln!("uninterrupted: {whole:?}");

    // Kill points spread over the whole sync (login, newest page, the
    // history behind it: one window of the CLI's, see BULK_WINDOW),
    // jittered; every other round the resume is killed too, at another
    // point. A run that ends before its kill point
    // tells how long a whole sync takes now (this machine's speed drifts):
    // later points are spread over that.
    let points = 26;
    let (mut killed, mut amid_history) = (0, 0);
    let mut seed = 0x2545_f491_u64;
    let mut jitter = |span: f64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % 1000) as f64 / 1000.0 * span
    };
    for i in 0..points {
        let agent = Instance::new(&d, &format!("a{i}"), "");
        let span = whole.as_secs_f64() * 0.85 / points as f64;
        let at = Duration::from_secs_f64(span * i as f64 + jitter(span));
        match sync_killed_after(&agent, at) {
            None => killed += 1,
            Some(took) => whole = whole.min(took),
        }
        let (uids, floor) = match cache_of(&agent) {
            Some(db) => {
                assert_no_gap(&db, &format!("round {i}, killed at {at:?}"));
                let (uids, floor, _) = inbox_of(&db);
                (uids, floor)
            }
            None => (Vec::new(), None),
        };
        eprintln!(
            "round {i}: killed at {at:?} with {} cached, floor {floor:?}",
            uids.len()
        );
        amid_history += usize::from(floor.is_some() && uids.len() >= NEWEST_PAGE);
        if i % 2 == 1 {
            let again = Duration::from_secs_f64(jitter(whole.as_secs_f64()));
            // A resume does less than a whole sync: its time says nothing
            // of the span.
            killed += usize::from(sync_killed_after(&agent, again).is_none());
            if let Some(db) = cache_of(&agent) {
                assert_no_gap(&db, &format!("round {i}, resume killed at {again:?}"));
            }
        }
        agent.ok(&["sync", "--headers-only"]);
        let db = cache_of(&agent).expect("a finished sync leaves a cache");
        let (uids, floor, _) = inbox_of(&db);
        assert_eq!(uids, (1..=N as u32).collect::<Vec<_>>(), "round {i}");
        assert_eq!(floor, None, "round {i}: history complete");
        assert!(
            filing(&db) == want,
            "round {i} (killed at {at:?}): filed otherwise than an uninterrupted sync"
        );
    }
    assert!(killed >= 20, "only {killed} of the runs were killed");
    assert!(
        amid_history >= 5,
        "only {amid_history} kills came while history was filling in"
    );
}
