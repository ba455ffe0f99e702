//! TUI benchmark: the real App on a TestBackend over a generated cache of
//! N messages in N·0.3 conversations (100,000 / 30,000 by default).
//!
//!   cargo bench --bench tui               # 100,000 messages
//!   cargo bench --bench tui -- 20000      # another size
//!   REPLYPAD_BENCH_CACHE=/var/tmp cargo bench --bench tui -- 1000000  # keep the cache
//!
//! Measures: start (open the cache, build the App, first frame), keypress to
//! frame for move (j), open (Enter) and close, search (query to frame), and
//! the process's peak memory. The cache is written first (not timed).

use ratatui::{Terminal, backend::TestBackend};
use replypad::config::Config;
use replypad::desk::{Changed, Desk, Notice, transport::Demo};
use replypad::domain::events::{Event, EventKind};
use replypad::domain::review::DraftCopy;
use replypad::domain::thread::conversation_id;
use replypad::store::{MailboxRole, NewMessage, Store};
use replypad::ui::format::Clock;
use replypad::ui::keymap::Keymap;
use replypad::ui::{App, panes};
use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

const WORDS: &[&str] = &[
    "refund",
    "invoice",
    "login",
    "password",
    "export",
    "sync",
    "outage",
    "billing",
    "plan",
    "upgrade",
    "error",
    "timeout",
    "attachment",
    "calendar",
    "mobile",
    "android",
    "iphone",
    "browser",
    "slow",
    "crash",
    "report",
    "team",
    "seat",
    "discount",
    "annual",
    "monthly",
    "api",
    "token",
    "webhook",
    "integration",
    "csv",
    "backup",
    "restore",
    "delete",
    "account",
];

/// A small deterministic generator (xorshift) over a Zipf-distributed
/// vocabulary of 4,000 words, as natural text is: a few words are very
/// common, most are rare. The support words above sit at mid ranks
/// (40–1,400), so a search for one matches a few percent of messages, as in
/// a real mailbox, not half of them.
struct Rng {
    state: u64,
    vocab: Vec<String>,
    cumulative: Vec<f64>,
}

impl Rng {
    fn new(seed: u64) -> Rng {
        const SYL: &[&str] = &[
            "ka", "lo", "mi", "ne", "ru", "sa", "te", "vo", "pa", "di", "go", "fu", "ze", "bi",
            "ha", "jo",
        ];
        let mut vocab: Vec<String> = (0..4000)
            .map(|i| {
                let mut w = String::new();
                let mut n = i + 16;
                while n > 0 {
                    w.push_str(SYL[n % SYL.len()]);
                    n /= SYL.len();
                }
                w
            })
            .collect();
        for (k, word) in WORDS.iter().enumerate() {
            vocab[40 + k * 40] = word.to_string();
        }
        let mut total = 0.0;
        let cumulative = (1..=vocab.len())
            .map(|r| {
                total += 1.0 / r as f64;
                total
            })
            .collect();
        Rng {
            state: seed,
            vocab,
            cumulative,
        }
    }

    fn next(&mut self) -> u64 {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        self.state
    }

    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[(self.next() % v.len() as u64) as usize]
    }

    fn word(&mut self) -> String {
        let total = *self.cumulative.last().unwrap();
        let x = (self.next() % 1_000_000) as f64 / 1_000_000.0 * total;
        let i = self.cumulative.partition_point(|&c| c < x);
        self.vocab[i.min(self.vocab.len() - 1)].clone()
    }

    fn words(&mut self, n: usize) -> String {
        (0..n).map(|_| self.word()).collect::<Vec<_>>().join(" ")
    }
}

fn fill(path: &Path, n: usize) {
    let mut store = Store::open(path).unwrap();
    let inbox = store.mailbox_id("INBOX", MailboxRole::Inbox).unwrap();
    let convs = (n * 3 / 10).max(1);
    let mut rng = Rng::new(0x9e3779b97f4a7c15);
    let base = 1_700_000_000i64;
    let mut uid = 0u32;
    let started = Instant::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(5000) {
        let parsed: Vec<_> = chunk
            .iter()
            .map(|&i| {
                let c = i % convs;
                let depth = i / convs;
                let refs = if depth == 0 {
                    String::new()
                } else {
                    format!("In-Reply-To: <c{c}-0@shop.test>\r\nReferences: <c{c}-0@shop.test>\r\n")
                };
                let subject = format!("{} {} {}", rng.words(3), "order", c);
                let raw = format!(
                    "From: Customer {c} <customer{c}@{}.test>\r\nTo: support@example.com\r\n\
                     Subject: {}{subject}\r\nMessage-ID: <c{c}-{depth}@shop.test>\r\n{refs}\
                     Date: Tue, 1 Jul 2025 10:00:00 +0000\r\n\r\nHello,\r\n{}\r\n{}\r\nThanks\r\n",
                    rng.pick(WORDS),
                    if depth > 0 { "Re: " } else { "" },
                    rng.words(12),
                    rng.words(12),
                );
                let mut p = replypad::mail::parse_message(raw.as_bytes(), 0);
                p.date = base + i as i64 * 60;
                (p, raw.len())
            })
            .collect();
        store
            .transaction(|tx| {
                let mut touched = BTreeSet::new();
                for (p, size) in &parsed {
                    uid += 1;
                    touched.insert(Store::put_message(
                        tx,
                        &NewMessage {
                            mailbox_id: inbox,
                            uid,
                            modseq: None,
                            internal_date: p.date,
                            size: *size as u64,
                            seen: !uid.is_multiple_of(7),
                            answered: false,
                            flagged: false,
                            from_team: false,
                            parsed: p,
                        },
                    )?);
                }
                Store::refresh_conversations(tx, &touched)
            })
            .unwrap();
    }
    // Drafts shared for review, as a busy team has them: the old notice
    // path folded all of them on every store change.
    let shared = (n / 200).max(10);
    let body = rng.words(300);
    let events: Vec<(u32, Result<replypad::domain::roster::Signed, String>)> = (0..shared)
        .map(|i| {
            let copy = DraftCopy {
                draft: format!("d{i}"),
                revision: 1,
                author: "ana@example.com".into(),
                reviewer: None,
                to: vec!["customer@shop.test".into()],
                cc: vec![],
                subject: format!("Re: order {i}"),
                body: body.clone(),
                message_id: format!("<d{i}@example.com>"),
                in_reply_to: None,
                references: vec![],
                hash: format!("h{i}"),
            };
            let e = Event {
                id: format!("e{i}"),
                conversation: conversation_id(&format!("<c{}-0@shop.test>", i % convs)),
                agent: "ana@example.com".into(),
                at: base,
                kind: EventKind::DraftSubmitted { copy },
            };
            (
                i as u32 + 1,
                Ok(replypad::domain::roster::Signed::team_key_only(e)),
            )
        })
        .collect();
    store
        .transaction(|tx| Store::apply_log(tx, &events).map(|_| ()))
        .unwrap();
    eprintln!(
        "generated {n} messages in {} conversations in {:.1}s",
        store.conversation_count().unwrap(),
        started.elapsed().as_secs_f64()
    );
}

fn app(path: &Path) -> App {
    let desk = Desk::new(
        Store::open(path).unwrap(),
        Config::demo(),
        Some(replypad::config::Secret::new("bench")),
        Box::new(Demo::files(std::env::temp_dir())),
    );
    App::new(
        desk,
        Keymap::load(&Default::default()).unwrap(),
        Clock::system(),
    )
    .unwrap()
}

fn stats(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (
        ms(v[v.len() / 2]),
        ms(v[(v.len() * 99 / 100).min(v.len() - 1)]),
    )
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .unwrap_or(0.0)
        / 1024.0
}

fn bench(n: usize) {
    // REPLYPAD_BENCH_CACHE=DIR keeps the cache written for N in DIR and
    // reuses it on the next run (a million messages take minutes to write).
    let dir = tempfile::tempdir().unwrap();
    let path = match std::env::var_os("REPLYPAD_BENCH_CACHE") {
        Some(keep) => std::path::PathBuf::from(keep).join(format!("tui-{n}.sqlite3")),
        None => dir.path().join("bench.sqlite3"),
    };
    if !path.exists() {
        fill(&path, n);
    }
    // A kept cache from an older build migrates here, not in the timing.
    drop(Store::open(&path).unwrap());
    let rss_after_fill = peak_rss_mb();

    let t = Instant::now();
    let mut app = app(&path);
    app.resize(160, 48);
    let mut term = Terminal::new(TestBackend::new(160, 48)).unwrap();
    term.draw(|f| panes::draw(&mut app, f)).unwrap();
    let start = t.elapsed();
    // Then, as the event loop does, the sidebar's counts and a frame.
    let t = Instant::now();
    app.settle();
    term.draw(|f| panes::draw(&mut app, f)).unwrap();
    let counted = t.elapsed();
    eprintln!(
        "   first frame after {:.1} ms",
        start.as_secs_f64() * 1000.0
    );
    let phase = Instant::now();
    let mark = |what: &str| eprintln!("   {what} done at {:.1} s", phase.elapsed().as_secs_f64());
    // The comparisons with the paths before the desk (every view recounted)
    // take seconds each at a million messages: fewer rounds there.
    let rounds = |r: usize| if n > 200_000 { r / 10 } else { r };

    let mut timed = |app: &mut App, keys: &str| {
        let t = Instant::now();
        app.feed(keys);
        term.draw(|f| panes::draw(app, f)).unwrap();
        t.elapsed()
    };
    let moves: Vec<Duration> = (0..300).map(|_| timed(&mut app, "j")).collect();
    let mut opens = Vec::new();
    let mut closes = Vec::new();
    for _ in 0..200 {
        opens.push(timed(&mut app, "<Enter>"));
        closes.push(timed(&mut app, "h"));
        timed(&mut app, "j");
    }
    // A team act and its undo, keypress to frame (the counts move by what
    // the act changed instead of being recounted).
    let mut acts = Vec::new();
    let mut acts_old = Vec::new();
    mark("moves and opens");
    for _ in 0..rounds(50) {
        acts.push(timed(&mut app, "F"));
        acts.push(timed(&mut app, "u"));
        // As before: the same act, then every view recounted.
        let act = timed(&mut app, "F");
        let t = Instant::now();
        app.refresh_counts().unwrap();
        app.reload().unwrap();
        acts_old.push(act + t.elapsed());
        app.feed("u");
    }
    mark("team acts");
    let mut searches = Vec::new();
    for q in [
        "refund",
        "invoice timeout",
        "webhook",
        "subject:upgrade is:unread",
        "from:billing.test crash",
        "from:customer12",
    ] {
        app.feed("/");
        app.type_text(q);
        let t = Instant::now();
        app.feed("<Enter>");
        term.draw(|f| panes::draw(&mut app, f)).unwrap();
        let first = t.elapsed();
        let so_far = app.searching();
        // The scan between keys, as the run loop does it, to the count.
        let mut longest = Duration::ZERO;
        loop {
            let s = Instant::now();
            if !app.search_step() {
                break;
            }
            longest = longest.max(s.elapsed());
        }
        term.draw(|f| panes::draw(&mut app, f)).unwrap();
        let done = t.elapsed();
        // Baseline, after (its reads are warm): every match read at once
        // (as every search was before the scan; a narrow one still is).
        let t = Instant::now();
        let me = app.me.clone();
        let whole = app.desk.store.search_all_ids(q, &me).unwrap();
        let at_once = t.elapsed();
        assert_eq!(app.list.total, whole.len(), "{q}");
        searches.push((q, first, so_far, done, longest, at_once, whole.len()));
        app.feed("gi");
    }
    // A worker's notice after a batch of 200 bodies, with a conversation
    // open beside the list: as it was handled before the desk (recount
    // every view, re-read page and conversation, fold every shared
    // draft), against re-reading what is visible (page, counts, open
    // conversation), against the typed notice (only what bodies change).
    mark("searches");
    app.feed("gg<Enter>");
    let mut old = Vec::new();
    let mut visible = Vec::new();
    let mut typed = Vec::new();
    for _ in 0..rounds(60) {
        let t = Instant::now();
        app.refresh_counts().unwrap();
        app.reload().unwrap();
        std::hint::black_box(app.desk.store.shared_drafts().unwrap());
        old.push(t.elapsed());
        let t = Instant::now();
        app.refresh_counts().unwrap();
        app.reload().unwrap();
        visible.push(t.elapsed());
        let t = Instant::now();
        app.on_notice(Notice::Changed(Changed::bodies()));
        typed.push(t.elapsed());
    }
    mark("notices");
    app.feed("h");
    // Where a recount goes: each view's count once.
    let mut per_view: Vec<(String, Duration)> = app
        .views()
        .iter()
        .map(|v| {
            let t = Instant::now();
            std::hint::black_box(app.desk.store.count_view(v, &app.me).unwrap());
            (v.title(), t.elapsed())
        })
        .collect();
    per_view.sort_by_key(|(_, d)| std::cmp::Reverse(*d));
    let slowest: Vec<String> = per_view
        .iter()
        .take(3)
        .map(|(v, d)| format!("{v} {:.1} ms", d.as_secs_f64() * 1000.0))
        .collect();
    let (nom, nop) = stats(old);
    let (nvm, nvp) = stats(visible);
    let (ntm, ntp) = stats(typed);
    let (am, ap) = stats(acts);
    let (aom, aop) = stats(acts_old);
    let (mm, mp) = stats(moves);
    let (om, op) = stats(opens);
    let (cm, cp) = stats(closes);
    let rss = peak_rss_mb();
    println!(
        "| {n} | start to first frame | {:.1} ms | < 100 ms |",
        start.as_secs_f64() * 1000.0
    );
    println!(
        "| {n} | then every view counted (after the first frame), and a frame | {:.1} ms | |",
        counted.as_secs_f64() * 1000.0
    );
    println!("| {n} | move (j), median / p99 of 300 | {mm:.2} / {mp:.2} ms | p99 < 16 ms |");
    println!("| {n} | open (Enter), median / p99 of 200 | {om:.2} / {op:.2} ms | p99 < 16 ms |");
    println!("| {n} | close (h), median / p99 of 200 | {cm:.2} / {cp:.2} ms | p99 < 16 ms |");
    println!(
        "| {n} | team act, as before (F, then every view recounted), median / p99 of {} | {aom:.2} / {aop:.2} ms | |",
        rounds(50)
    );
    println!(
        "| {n} | team act (follow F, then undo u), median / p99 of {} | {am:.2} / {ap:.2} ms | p99 < 16 ms |",
        2 * rounds(50)
    );
    println!(
        "| {n} | notice after 200 bodies, old path (all counts, page, reader, every shared draft), median / p99 of {} | {nom:.2} / {nop:.2} ms | |",
        rounds(60)
    );
    println!(
        "| {n} | re-read what is visible (counts, page, open conversation), median / p99 of {} | {nvm:.2} / {nvp:.2} ms | baseline |",
        rounds(60)
    );
    println!(
        "| {n} | notice after 200 bodies, typed (`Changed::bodies`), median / p99 of {} | {ntm:.2} / {ntp:.2} ms | ≤ baseline |",
        rounds(60)
    );
    println!(
        "| {n} | the slowest view counts (of {}) | {} | |",
        per_view.len(),
        slowest.join(", ")
    );
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    for (q, first, so_far, done, longest, at_once, hits) in searches {
        let how = match so_far {
            Some(f) => format!("{f} found, scanning on"),
            None => "all".into(),
        };
        println!(
            "| {n} | search `{q}` ({hits} conversations): query to first page ({how}) | {:.1} ms | < 100 ms |",
            ms(first)
        );
        if so_far.is_some() {
            println!(
                "| {n} | ... to the full count, scanning between keys (longest step {:.1} ms) / every match read at once (baseline) | {:.0} / {:.0} ms | |",
                ms(longest),
                ms(done),
                ms(at_once)
            );
        }
    }
    println!(
        "| {n} | peak RSS (process; {rss_after_fill:.0} MB after writing the cache) | {rss:.0} MB | < 60 MB |"
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    // `cargo bench` passes --bench; `cargo test --bench tui` runs a smoke test.
    let sizes = match (sizes.is_empty(), args.iter().any(|a| a == "--bench")) {
        (false, _) => sizes,
        (true, true) => vec![100_000],
        (true, false) => vec![2_000],
    };
    println!("| N | measure | replypad | target |");
    println!("|---|---|---|---|");
    for n in sizes {
        bench(n);
    }
}
