//! Sync benchmark: replypad against a real Dovecot on loopback, loaded with a
//! generated support mailbox (benches/corpus.py), next to a raw client that
//! sends the same UID FETCH and discards the bytes.
//!
//!   cargo bench --bench sync                 # N = 10,000 and 50,000
//!   cargo bench --bench sync -- 2000         # other sizes
//!   cargo bench --bench sync -- 50000 --hold # set up, then wait (for perf)
//!   cargo bench --bench sync -- 50000 --repeat 5
//!   cargo bench --bench sync -- --link 2000  # over a 20 ms, 10 Mbit/s link
//!
//! Prints a table: each replypad figure, the raw baseline, and their ratio.
//! (a) and (b) run in rounds (3 by default), each pairing a raw fetch with
//! replypad's sync right after it; the table gives both medians, their
//! ratio, and the range of the rounds' ratios.

#[path = "../tests/support/mod.rs"]
mod support;

mod link;

use replypad::config::Tls;
use replypad::store::Store;
use replypad::sync::engine::{self, SyncContext};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use support::dovecot::{Dovecot, PASSWORD, USER};

fn corpus(args: &[&str]) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/corpus.py");
    let st = Command::new("python3")
        .arg(script)
        .args(args)
        .status()
        .expect("python3");
    assert!(st.success(), "corpus.py failed");
}

/// Generates a mailbox of `n` messages into Maildir `out`.
fn generate(n: usize, out: &Path) {
    corpus(&[
        "--count",
        &n.to_string(),
        "--format",
        "maildir",
        "--out",
        out.to_str().unwrap(),
    ]);
}

/// A minimal IMAP client: LOGIN, SELECT, then one UID FETCH of `uids`
/// whose bytes it reads and discards. Returns (seconds, bytes).
fn raw_fetch(port: u16, uids: &str, items: &str) -> (f64, usize) {
    raw_fetch_on(
        TcpStream::connect(("127.0.0.1", port)).unwrap(),
        uids,
        items,
    )
}

/// The same over implicit TLS, trusting the test server's certificate `ca`.
fn raw_fetch_tls(port: u16, ca: &Path, uids: &str, items: &str) -> (f64, usize) {
    let cert = native_tls::Certificate::from_pem(&std::fs::read(ca).unwrap()).unwrap();
    let tls = native_tls::TlsConnector::builder()
        .add_root_certificate(cert)
        .build()
        .unwrap();
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    raw_fetch_on(tls.connect("127.0.0.1", tcp).unwrap(), uids, items)
}

fn raw_fetch_on<S: Read + Write>(mut s: S, uids: &str, items: &str) -> (f64, usize) {
    let mut buf = vec![0u8; 1 << 20];
    let mut expect = |s: &mut S, tag: &[u8]| -> usize {
        let mut total = 0;
        let mut tail: Vec<u8> = b"\r\n".to_vec();
        loop {
            let n = s.read(&mut buf).unwrap();
            assert!(n > 0, "server closed");
            total += n;
            tail.extend_from_slice(&buf[..n]);
            if tail.len() > 4096 {
                tail.drain(..tail.len() - 4096);
            }
            if let Some(pos) = tail.windows(tag.len()).rposition(|w| w == tag)
                && tail[pos..].ends_with(b"\r\n")
            {
                return total;
            }
            // A tagged NO or BAD (a Maildir the server may not read, say)
            // would otherwise leave the bench waiting for ever.
            let name = &tag[..tag.len() - 2];
            for bad in [&b"NO"[..], b"BAD"]
                .into_iter()
                .filter(|_| tag.starts_with(b"\r\n"))
            {
                let no = [name, bad].concat();
                if let Some(pos) = tail.windows(no.len()).rposition(|w| w == no.as_slice())
                    && tail[pos..].ends_with(b"\r\n")
                {
                    panic!(
                        "the server refused: {}",
                        String::from_utf8_lossy(&tail[pos..]).trim()
                    );
                }
            }
        }
    };
    expect(&mut s, b"* OK");
    s.write_all(format!("a1 LOGIN \"{USER}\" \"{PASSWORD}\"\r\n").as_bytes())
        .unwrap();
    expect(&mut s, b"\r\na1 OK");
    s.write_all(b"a2 SELECT INBOX\r\n").unwrap();
    expect(&mut s, b"\r\na2 OK");
    let t = Instant::now();
    s.write_all(format!("zq9 UID FETCH {uids} {items}\r\n").as_bytes())
        .unwrap();
    let bytes = expect(&mut s, b"\r\nzq9 OK");
    (t.elapsed().as_secs_f64(), bytes)
}

/// The raw client's cost of the one round trip a no-change resync needs in
/// `folder`: SELECT with QRESYNC, in a session that has opened no other
/// folder and listed none (on a Maildir Dovecot, either makes every later
/// SELECT of the session re-read the folder's uidlist: see `imap/pin.rs`).
/// Returns seconds, the median of `times`.
fn raw_select(port: u16, folder: &str, times: usize) -> f64 {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut r = std::io::BufReader::new(s.try_clone().unwrap());
    let mut greeting = String::new();
    std::io::BufRead::read_line(&mut r, &mut greeting).unwrap();
    let mut cmd = |s: &mut TcpStream, tag: &str, c: &str| -> String {
        use std::io::BufRead;
        s.write_all(format!("{tag} {c}\r\n").as_bytes()).unwrap();
        let mut all = String::new();
        loop {
            let mut line = String::new();
            assert!(r.read_line(&mut line).unwrap() > 0, "server closed");
            all.push_str(&line);
            if line.starts_with(&format!("{tag} ")) {
                return all;
            }
        }
    };
    cmd(&mut s, "a1", &format!("LOGIN \"{USER}\" \"{PASSWORD}\""));
    cmd(&mut s, "a2", "ENABLE QRESYNC");
    let first = cmd(&mut s, "a3", &format!("SELECT {folder} (CONDSTORE)"));
    let num = |key: &str| -> u64 {
        let at = first.find(key).unwrap() + key.len();
        first[at..]
            .trim_start()
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let (validity, modseq) = (num("UIDVALIDITY"), num("HIGHESTMODSEQ"));
    median(
        (0..times)
            .map(|i| {
                let t = Instant::now();
                cmd(
                    &mut s,
                    &format!("b{i}"),
                    &format!("SELECT {folder} (QRESYNC ({validity} {modseq}))"),
                );
                t.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// Runs the real binary; returns (seconds, peak RSS in MB).
// Reaped with wait4 (for its rusage), not Child::wait.
#[allow(clippy::zombie_processes)]
fn replypad(config: &Path, args: &[&str]) -> (f64, f64) {
    let t = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_replypad"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env("XDG_STATE_HOME", config.parent().unwrap().join("state"))
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut status = 0;
    // SAFETY: zeroed rusage is a valid out-parameter for wait4 on our own child.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut ru) };
    assert_eq!(pid, child.id() as i32);
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "replypad {args:?} failed"
    );
    (t.elapsed().as_secs_f64(), ru.ru_maxrss as f64 / 1024.0)
}

/// Rounds of one measure: replypad's time and the raw client's, in pairs.
#[derive(Default)]
struct Rounds {
    ours: Vec<f64>,
    raw: Vec<f64>,
}

impl Rounds {
    fn push(&mut self, ours: f64, raw: f64) {
        self.ours.push(ours);
        self.raw.push(raw);
    }

    /// The medians and their ratio, then the range of the rounds' ratios.
    fn row(&self, n: usize, what: &str, target: &str) {
        let ratios: Vec<f64> = self
            .ours
            .iter()
            .zip(&self.raw)
            .map(|(o, r)| o / r)
            .collect();
        let lo = ratios.iter().cloned().fold(f64::INFINITY, f64::min);
        let hi = ratios.iter().cloned().fold(0.0, f64::max);
        let what = if ratios.len() > 1 {
            format!("{what} [{} rounds: {lo:.2}x-{hi:.2}x]", ratios.len())
        } else {
            what.to_string()
        };
        row(
            n,
            &what,
            median(self.ours.clone()),
            Some(median(self.raw.clone())),
            target,
        );
    }
}

/// Rounds of (a) and (b): `--repeat N`, 3 by default.
fn repeat() -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == "--repeat")
        .and_then(|i| args.get(i + 1))
        .map(|n| n.parse().expect("--repeat N"))
        .unwrap_or(3)
        .max(1)
}

fn row(n: usize, what: &str, ours: f64, base: Option<f64>, target: &str) {
    let (b, r) = match base {
        Some(b) => (duration(b), format!("{:>6.2}x", ours / b)),
        None => ("         -".into(), "      -".into()),
    };
    println!(
        "| {n:>6} | {what:<46} | {} | {b} | {r} | {target} |",
        duration(ours)
    );
}

/// Seconds, or milliseconds under a tenth of a second (a resync).
fn duration(s: f64) -> String {
    if s < 0.1 {
        format!("{:>7.1} ms", s * 1000.0)
    } else {
        format!("{s:>8.3} s")
    }
}

fn bench(n: usize) {
    eprintln!("== N = {n}: generating the mailbox and starting Dovecot");
    // Dovecot's imap process outgrows its default 256 MB address space
    // answering a whole-folder FETCH of a few hundred thousand messages.
    let d = Dovecot::start_with("default_vsz_limit = 0\n");
    let maildir = d.maildir();
    // REPLYPAD_BENCH_CORPUS=DIR keeps the generated mailbox there for the
    // next run (a million messages take about 17 minutes to generate);
    // the rows that add mail and change flags change it as they go.
    let kept = std::env::var_os("REPLYPAD_BENCH_CORPUS")
        .map(|dir| Path::new(&dir).join(format!("maildir-{n}")));
    let out = kept.clone().unwrap_or_else(|| maildir.clone());
    if !out.exists() {
        generate(n, &out);
    }
    if let Some(kept) = &kept {
        eprintln!("   the mailbox is kept in {}", kept.display());
        // The Sent folder is added below, by each run.
        let _ = std::fs::remove_dir_all(kept.join(".Sent"));
        std::fs::create_dir_all(maildir.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(kept, &maildir).unwrap();
    }
    d.fix_ownership();
    let work = tempfile::tempdir().unwrap();
    let cfg = support::account(&d, &work.path().join("cache"), Tls::None);
    let config = work.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[identity]\nname = \"Bench\"\nemail = \"bench@example.com\"\n[team]\nname = \"Support\"\naddress = \"support@example.com\"\n\
             [imap]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nuser = \"{USER}\"\npassword_command = \"printf '%s' '{PASSWORD}'\"\n\
             [cache]\ndir = {:?}\n",
            d.imap_port,
            work.path().join("cache")
        ),
    )
    .unwrap();
    let headers = format!(
        "(UID FLAGS INTERNALDATE RFC822.SIZE MODSEQ BODY.PEEK[HEADER.FIELDS ({})])",
        replypad::sync::imap::HEADER_FIELDS
    );
    let full = "(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])";
    eprintln!("   warming Dovecot's index");
    raw_fetch(d.imap_port, "1:*", full);
    let (_, bytes_h) = raw_fetch(d.imap_port, "1:*", &headers);
    let (_, bytes_f) = raw_fetch(d.imap_port, "1:*", full);
    let cache = cfg.cache_file();
    if std::env::args().any(|a| a == "--hold") {
        let raw_h = raw_fetch(d.imap_port, "1:*", &headers).0;
        let raw_f = raw_fetch(d.imap_port, "1:*", full).0;
        // For profiling: leave the server up and say how to reach it.
        println!(
            "holding: replypad --config {} sync; stop with Ctrl-C",
            config.display()
        );
        println!("raw headers {raw_h:.3} s, raw full {raw_f:.3} s");
        std::thread::sleep(Duration::from_secs(24 * 3600));
    }
    let wipe = || {
        for s in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{s}", cache.display()));
        }
    };

    // Each round runs the raw client and replypad back to back, so both
    // meet the same spell of a noisy machine; the table gives the medians
    // and the range of the rounds' ratios. The last round leaves the
    // cache fully synced for the resyncs below.
    let (mut a, mut b) = (Rounds::default(), Rounds::default());
    let (mut mem_a, mut mem_b) = (0f64, 0f64);
    for _ in 0..repeat() {
        let raw = raw_fetch(d.imap_port, "1:*", &headers).0;
        wipe();
        let (t, m) = replypad(&config, &["sync", "--headers-only"]);
        a.push(t, raw);
        mem_a = mem_a.max(m);
        let raw = raw_fetch(d.imap_port, "1:*", full).0;
        wipe();
        let (t, m) = replypad(&config, &["sync"]);
        b.push(t, raw);
        mem_b = mem_b.max(m);
    }
    a.row(n, "(a) first sync, headers, history included", "<= 2x");
    b.row(n, "(b) first full sync with bodies and FTS", "<= 3x");

    // The same over implicit TLS, the raw client speaking TLS too.
    let ca = d
        .imap_config(Tls::Implicit)
        .ca_file
        .expect("the test server's certificate");
    let config_tls = work.path().join("config-tls.toml");
    std::fs::write(
        &config_tls,
        std::fs::read_to_string(&config).unwrap().replace(
            &format!("port = {}\ntls = \"none\"\n", d.imap_port),
            &format!(
                "port = {}\ntls = \"implicit\"\nca_file = {:?}\n",
                d.imaps_port, ca
            ),
        ),
    )
    .unwrap();
    let (mut at, mut bt, mut ct) = (Rounds::default(), Rounds::default(), Rounds::default());
    for _ in 0..repeat() {
        let raw = raw_fetch_tls(d.imaps_port, &ca, "1:*", &headers).0;
        wipe();
        at.push(replypad(&config_tls, &["sync", "--headers-only"]).0, raw);
        let raw = raw_fetch_tls(d.imaps_port, &ca, "1:*", full).0;
        wipe();
        bt.push(replypad(&config_tls, &["sync"]).0, raw);
        // A no-change resync as a process (login, TLS handshake and all)
        // against the same over plain TCP.
        let plain = replypad(&config, &["sync"]).0;
        ct.push(replypad(&config_tls, &["sync"]).0, plain);
    }
    at.row(n, "(a-tls) first header sync over TLS", "<= 1.5x raw TLS");
    bt.row(n, "(b-tls) first full sync over TLS", "<= 3x raw TLS");
    ct.row(n, "(c-tls) `replypad sync`, no change: TLS vs plain", "-");

    // (f) Newest first: from an empty cache to the newest 200
    // conversations read as the thread list reads them (login, every
    // folder's newest page, the list query), in process; the raw client
    // fetches the same newest page's headers.
    let newest = engine::NEWEST_PAGE;
    let page = format!("{}:{n}", n.saturating_sub(newest - 1).max(1));
    let mut f = Rounds::default();
    for _ in 0..repeat() {
        let raw = raw_fetch(d.imap_port, &page, &headers).0;
        wipe();
        let t = Instant::now();
        let mut store = Store::open(&cache).unwrap();
        let mut conn = replypad::sync::connect_syncing(&cfg, 2).unwrap();
        let quiet = |_| {};
        let ctx = SyncContext {
            team_address: &cfg.team.address,
            progress: &quiet,
        };
        engine::sync_newest(&mut conn, &mut store, &cfg, &ctx).unwrap();
        let rows = store
            .list_conversations(replypad::store::ListQuery {
                offset: 0,
                limit: 200,
            })
            .unwrap();
        f.push(t.elapsed().as_secs_f64(), raw);
        assert!(!rows.is_empty());
        conn.logout();
    }
    f.row(
        n,
        &format!("(f) empty cache to newest 200 listed ({newest}/folder)"),
        "<= 0.3 s",
    );
    // (h) The TUI's worker: after the newest page, the history a window at
    // a time (a request waits at most for the window under way), next to
    // the raw client's fetch of every message's headers.
    let raw = raw_fetch(d.imap_port, "1:*", &headers).0;
    wipe();
    let (mut store, mut conn) = (
        Store::open(&cache).unwrap(),
        replypad::sync::connect_syncing(&cfg, 2).unwrap(),
    );
    let quiet = |_| {};
    let ctx = SyncContext {
        team_address: &cfg.team.address,
        progress: &quiet,
    };
    let t = Instant::now();
    engine::sync_newest(&mut conn, &mut store, &cfg, &ctx).unwrap();
    let (mut windows, mut longest) = (0, 0f64);
    loop {
        let w = Instant::now();
        let window = replypad::sync::history::WINDOW as usize;
        let (got, _) =
            replypad::sync::history::fetch_history(&mut conn, &mut store, &ctx, window).unwrap();
        if got == 0 {
            break;
        }
        windows += 1;
        longest = longest.max(w.elapsed().as_secs_f64());
    }
    row(
        n,
        &format!(
            "(h) newest page, then history in {windows} windows (longest {:.0} ms)",
            longest * 1000.0
        ),
        t.elapsed().as_secs_f64(),
        Some(raw),
        "-",
    );
    conn.logout();
    drop(store);
    // The cache for the resyncs below: a whole sync again.
    wipe();
    replypad(&config, &["sync"]);

    // In-process resyncs on a logged-in connection: what the TUI's worker does.
    let mut store = Store::open(&cache).unwrap();
    // A team's Sent folder (a tenth of the inbox), so that a resync opens
    // two folders, as the worker's does.
    corpus(&[
        "--count",
        &(n / 10).to_string(),
        "--offset",
        &(2 * n).to_string(),
        "--format",
        "maildir",
        "--out",
        maildir.join(".Sent").to_str().unwrap(),
    ]);
    d.fix_ownership();
    let mut conn = replypad::sync::connect_syncing(&cfg, 3).unwrap();
    let quiet = |_| {};
    let ctx = SyncContext {
        team_address: &cfg.team.address,
        progress: &quiet,
    };
    let (r, _) = engine::sync_all(&mut conn, &mut store, &cfg, &ctx, true).unwrap();
    assert_eq!(r.new, n / 10, "the Sent folder: {r:?}");
    // A Maildir Dovecot rescans a folder on every SELECT while its
    // directory changed in the last seconds: let the new folder settle, as
    // a resync with no changes finds it.
    std::thread::sleep(Duration::from_secs(5));
    let raw_c = raw_select(d.imap_port, "INBOX", 5) + raw_select(d.imap_port, "Sent", 5);
    let c = median(
        (0..5)
            .map(|_| {
                let t = Instant::now();
                let (r, _) = engine::sync_all(&mut conn, &mut store, &cfg, &ctx, true).unwrap();
                assert_eq!(r.new + r.changed + r.vanished, 0);
                t.elapsed().as_secs_f64()
            })
            .collect(),
    );
    row(
        n,
        "(c) resync, no changes (INBOX + Sent)",
        c,
        Some(raw_c),
        "< 30 ms",
    );
    let (c_cli, _) = replypad(&config, &["sync"]);
    row(
        n,
        "(c') the same via `replypad sync` (process+login)",
        c_cli,
        None,
        "-",
    );
    // The same far from the server: this counts round trips (three
    // logins, the folder list, the SELECTs), not CPU.
    let far = work.path().join("config-far.toml");
    let port = support::delaying_proxy(d.imap_port, Duration::from_millis(10));
    std::fs::write(
        &far,
        std::fs::read_to_string(&config).unwrap().replace(
            &format!("port = {}\n", d.imap_port),
            &format!("port = {port}\n"),
        ),
    )
    .unwrap();
    let c_far = median((0..3).map(|_| replypad(&far, &["sync"]).0).collect());
    row(
        n,
        "(c'') the same over a 20 ms round trip",
        c_far,
        None,
        "-",
    );

    // Another client: 100 new messages and 500 flag changes, three times
    // (the flags set, cleared, set again), each followed by what the
    // worker does on IDLE's news: the resync that shows the new mail and
    // the flag changes in the thread list; then, in the background, the
    // new bodies. The medians are reported.
    let mut other = replypad::sync::connect(&cfg).unwrap();
    let d_port = d.imap_port;
    // Right after another client's change, a Maildir Dovecot rescans the
    // folder on every SELECT for a second or so (about 100 ms at 50,000,
    // against 0.3 ms otherwise): the raw client's one SELECT, just before
    // replypad's resync in the same spell, is the baseline.
    let (mut d, mut d_bodies, mut changed, mut bodies) = (Vec::new(), Vec::new(), 0, 0);
    let mut raw_d = Vec::new();
    for round in 0..3 {
        let eml = work.path().join(format!("new{round}"));
        corpus(&[
            "--count",
            "100",
            "--offset",
            &(n + 100 * round).to_string(),
            "--format",
            "eml",
            "--out",
            eml.to_str().unwrap(),
        ]);
        let mut files: Vec<_> = std::fs::read_dir(&eml)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for f in &files {
            other
                .append("INBOX", &std::fs::read(f).unwrap(), false)
                .unwrap();
        }
        other.select("INBOX", None).unwrap();
        let uids: Vec<u32> = (1..=n as u32).step_by((n / 500).max(1)).take(500).collect();
        other
            .store_flags(
                &replypad::sync::imap::uid_set(&uids),
                round != 1,
                "\\Flagged",
            )
            .unwrap();
        std::thread::sleep(Duration::from_millis(100));
        raw_d.push(raw_select(d_port, "INBOX", 1));
        let t = Instant::now();
        let (r, _) = engine::sync_all(&mut conn, &mut store, &cfg, &ctx, false).unwrap();
        d.push(t.elapsed().as_secs_f64());
        assert_eq!(r.new, 100, "{r:?}");
        changed = r.changed;
        let t = Instant::now();
        bodies = engine::fetch_bodies(&mut conn, &mut store, usize::MAX >> 1, &ctx).unwrap();
        d_bodies.push(t.elapsed().as_secs_f64());
        // Those over 2 MB wait until their conversation is opened.
        assert!((90..=100).contains(&bodies), "{bodies} bodies");
    }
    let spread = |v: &[f64]| {
        let lo = v.iter().cloned().fold(f64::INFINITY, f64::min) * 1000.0;
        let hi = v.iter().cloned().fold(0.0, f64::max) * 1000.0;
        format!("[3 rounds: {lo:.0}-{hi:.0} ms]")
    };
    row(
        n,
        &format!("(d) resync: 100 new, {changed} flag changes {}", spread(&d)),
        median(d.clone()),
        Some(median(raw_d.clone())),
        "< 100 ms",
    );
    row(
        n,
        &format!(
            "(d') then {bodies} new bodies (background) {}",
            spread(&d_bodies)
        ),
        median(d_bodies.clone()),
        None,
        "-",
    );
    println!(
        "| {n:>6} | (e) peak memory: headers sync {mem_a:.0} MB, full sync {mem_b:.0} MB | | | | <= 100 MB at 1M |"
    );
    let size: u64 = ["", "-wal"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{}{s}", cache.display())).ok())
        .map(|m| m.len())
        .sum();
    println!(
        "| {n:>6} | raw baseline bytes: headers {:.0} MB, full {:.0} MB; cache size {:.0} MB | | | | |",
        bytes_h as f64 / 1e6,
        bytes_f as f64 / 1e6,
        size as f64 / 1e6
    );
}

/// COMPRESS=DEFLATE over a slow link (20 ms round trip, 10 Mbit/s each
/// way; see `link.rs`): a first sync of `n` messages, headers then with
/// bodies, without and with compression, next to the raw client's
/// (uncompressed) header fetch over the same link. Dovecot with its
/// imap_zlib plugin.
fn link_rows(n: usize) {
    eprintln!("== link: {n} messages over 20 ms / 10 Mbit/s");
    let d = Dovecot::start_with(
        "mail_plugins = $mail_plugins zlib\nprotocol imap {\n  mail_plugins = $mail_plugins imap_zlib\n}\n",
    );
    generate(n, &d.maildir());
    d.fix_ownership();
    let link = link::Link::start(d.imap_port, Duration::from_millis(10), 10e6);
    let work = tempfile::tempdir().unwrap();
    let headers = format!(
        "(UID FLAGS INTERNALDATE RFC822.SIZE MODSEQ BODY.PEEK[HEADER.FIELDS ({})])",
        replypad::sync::imap::HEADER_FIELDS
    );
    raw_fetch(
        d.imap_port,
        "1:*",
        "(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])",
    );
    let (raw, bytes) = raw_fetch(link.port, "1:*", &headers);
    row(
        n,
        &format!(
            "(g) raw header fetch over the link ({:.1} MB)",
            bytes as f64 / 1e6
        ),
        raw,
        None,
        "",
    );
    for (args, what) in [
        (&["sync", "--headers-only"][..], "headers"),
        (&["sync"][..], "with bodies"),
    ] {
        let mut plain = 0.0;
        for compress in [false, true] {
            let cache = work.path().join(format!("cache-{compress}-{what}"));
            let config = work.path().join(format!("config-{compress}-{what}.toml"));
            std::fs::write(
                &config,
                format!(
                    "[identity]\nname = \"Bench\"\nemail = \"bench@example.com\"\n[team]\nname = \"Support\"\naddress = \"support@example.com\"\n\
                     [imap]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nuser = \"{USER}\"\npassword_command = \"printf '%s' '{PASSWORD}'\"\ncompress = {compress}\n\
                     [cache]\ndir = {cache:?}\n",
                    link.port,
                ),
            )
            .unwrap();
            let (t, _) = replypad(&config, args);
            let label = if compress { "COMPRESS" } else { "plain" };
            let base = compress.then_some(plain);
            row(
                n,
                &format!("(g) first sync over the link, {what}, {label}"),
                t,
                base,
                "",
            );
            plain = t;
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(n) = args
        .iter()
        .position(|a| a == "--link")
        .and_then(|i| args.get(i + 1))
    {
        println!("| N | measure | replypad | plain | ratio | target |");
        println!("|---|---|---|---|---|---|");
        link_rows(n.parse().expect("--link N"));
        return;
    }
    let sizes: Vec<usize> = args
        .iter()
        .enumerate()
        .filter(|(i, _)| *i == 0 || args[i - 1] != "--repeat")
        .filter_map(|(_, a)| a.parse().ok())
        .collect();
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this as a
    // quick smoke test of the benchmark itself.
    let sizes = match (sizes.is_empty(), args.iter().any(|a| a == "--bench")) {
        (false, _) => sizes,
        (true, true) => vec![10_000, 50_000],
        (true, false) => vec![300],
    };
    println!("| N | measure | replypad | raw baseline | ratio | target |");
    println!("|---|---|---|---|---|---|");
    for n in sizes {
        bench(n);
    }
}
