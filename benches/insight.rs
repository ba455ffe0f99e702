//! Reports benchmark: a generated cache of M messages and E team events
//! (100,000 / 500,000 by default), then the reports' figures and the
//! reports view drawn through the real App.
//!
//!   cargo bench --bench insight                 # 100,000 messages, 500,000 events
//!   cargo bench --bench insight -- 20000 100000 # other sizes
//!
//! Rows (medians of 5): the raw scan of the two tables the figures read
//! (the baseline: SQLite reading the rows, nothing computed), reading the
//! conversations as insight cases, computing a 28-day and a 365-day report,
//! opening the view (read + compute + first frame), and a range change in
//! the open view (compute + frame, no reread).

use ratatui::{Terminal, backend::TestBackend};
use replypad::config::Config;
use replypad::desk::{Desk, transport::Demo};
use replypad::domain::Status;
use replypad::domain::events::{Event, EventKind};
use replypad::domain::thread::conversation_id;
use replypad::store::{MailboxRole, NewMessage, Store};
use replypad::ui::format::Clock;
use replypad::ui::keymap::Keymap;
use replypad::ui::{App, panes};
use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

const LABELS: [&str; 6] = ["billing", "bug", "feature", "urgent", "refund", "api"];
const AGENTS: [&str; 8] = [
    "ana@example.com",
    "lee@example.com",
    "sam@example.com",
    "kim@example.com",
    "max@example.com",
    "eva@example.com",
    "tom@example.com",
    "zoe@example.com",
];

struct Rng(u64);
impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// `m` messages in m/4 conversations over a year (customer mail and the
/// team's replies), and `e` events: claims, labels, replies sent, closes
/// and reopens, notes, and presence for the rest.
fn fill(path: &Path, m: usize, e: usize, now: i64) {
    let mut store = Store::open(path).unwrap();
    let inbox = store.mailbox_id("INBOX", MailboxRole::Inbox).unwrap();
    let sent = store.mailbox_id("Sent", MailboxRole::Sent).unwrap();
    let convs = (m / 4).max(1);
    let mut rng = Rng(0x2545f4914f6cdd1d);
    let start = now - 365 * 86_400;
    let created = |c: usize| start + (c as i64 * 365 * 86_400) / convs as i64;
    let began = Instant::now();
    let mut uid = 0u32;
    // Bodies of about 2 KB, as real mail has: the figures must not read them.
    let body = "We looked into the order and here is what we found. ".repeat(40);
    for chunk in (0..m).collect::<Vec<_>>().chunks(5000) {
        let parsed: Vec<_> = chunk
            .iter()
            .map(|&i| {
                let c = i % convs;
                let depth = i / convs;
                let team = depth % 2 == 1;
                let refs = if depth == 0 {
                    String::new()
                } else {
                    format!("In-Reply-To: <c{c}-0@shop.test>\r\nReferences: <c{c}-0@shop.test>\r\n")
                };
                let from = if team {
                    "Support <support@example.com>".to_string()
                } else {
                    format!("Customer {c} <customer{c}@shop.test>")
                };
                let raw = format!(
                    "From: {from}\r\nTo: support@example.com\r\nSubject: order {c}\r\n\
                     Message-ID: <c{c}-{depth}@shop.test>\r\n{refs}\
                     Date: Tue, 1 Jul 2025 10:00:00 +0000\r\n\r\nHello, about my order.\r\n{body}"
                );
                let mut p = replypad::mail::parse_message(raw.as_bytes(), 0);
                p.date = created(c) + depth as i64 * 3 * 3600 + rng.next(3600) as i64;
                (p, raw.len(), team)
            })
            .collect();
        store
            .transaction(|tx| {
                let mut touched = BTreeSet::new();
                for (p, size, team) in &parsed {
                    uid += 1;
                    touched.insert(Store::put_message(
                        tx,
                        &NewMessage {
                            mailbox_id: if *team { sent } else { inbox },
                            uid,
                            modseq: None,
                            internal_date: p.date,
                            size: *size as u64,
                            seen: true,
                            answered: false,
                            flagged: false,
                            from_team: *team,
                            parsed: p,
                        },
                    )?);
                }
                Store::refresh_conversations(tx, &touched)
            })
            .unwrap();
    }
    let mut events: Vec<Event> = Vec::with_capacity(e);
    let push = |events: &mut Vec<Event>, c: usize, at: i64, agent: &str, kind| {
        events.push(Event {
            id: format!("e{}", events.len()),
            conversation: conversation_id(&format!("c{c}-0@shop.test")),
            agent: agent.into(),
            at,
            kind,
        })
    };
    let mut c = 0;
    while events.len() < e {
        let t = created(c % convs);
        let agent = AGENTS[rng.next(AGENTS.len() as u64) as usize];
        let k = events.len() % 10;
        match k {
            0 => push(
                &mut events,
                c % convs,
                t + 600,
                agent,
                EventKind::Assign {
                    to: Some(agent.into()),
                    reassign: false,
                },
            ),
            1 => push(
                &mut events,
                c % convs,
                t + 660,
                agent,
                EventKind::Label {
                    add: vec![LABELS[rng.next(6) as usize].into()],
                    remove: vec![],
                },
            ),
            2 => push(
                &mut events,
                c % convs,
                t + 3 * 3600,
                agent,
                EventKind::Sent {
                    draft: None,
                    message_id: format!("c{}-1@shop.test", c % convs),
                    subject: "Re".into(),
                },
            ),
            3 => push(
                &mut events,
                c % convs,
                t + 30 * 3600,
                agent,
                EventKind::Status {
                    status: Status::Closed,
                    until: None,
                },
            ),
            4 => push(
                &mut events,
                c % convs,
                t + 3600,
                agent,
                EventKind::Note {
                    text: "looked into it".into(),
                    mentions: vec![],
                },
            ),
            _ => push(
                &mut events,
                c % convs,
                t + 700,
                agent,
                EventKind::Replying {
                    on: true,
                    until: t + 1600,
                },
            ),
        }
        if k == 9 {
            c += 1;
        }
    }
    // Written straight into the cache's tables, as the fold would leave
    // them: folding half a million events one by one through
    // `Store::apply_log` takes minutes (issue 24's long-log work), and the
    // figures read only these rows.
    drop(store);
    let mut conn = rusqlite::Connection::open(path).unwrap();
    let tx = conn.transaction().unwrap();
    {
        let mut ins = tx
            .prepare(
                "INSERT INTO events(uid, event_id, conversation, kind, agent, at, payload)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .unwrap();
        let mut label = tx
            .prepare(
                "INSERT OR IGNORE INTO conversation_labels(conversation_id, label) VALUES (?1, ?2)",
            )
            .unwrap();
        let mut state = tx
            .prepare("UPDATE conversations SET assignee = ?2, status = ?3 WHERE id = ?1")
            .unwrap();
        for (i, ev) in events.iter().enumerate() {
            let payload = serde_json::to_string(ev).unwrap();
            let v: serde_json::Value = serde_json::from_str(&payload).unwrap();
            let kind = v["kind"].as_str().unwrap().to_string();
            ins.execute(rusqlite::params![
                i as i64 + 1,
                ev.id,
                ev.conversation,
                kind,
                ev.agent,
                ev.at,
                payload
            ])
            .unwrap();
            match &ev.kind {
                EventKind::Label { add, .. } => {
                    label
                        .execute(rusqlite::params![ev.conversation, add[0]])
                        .unwrap();
                }
                EventKind::Status { .. } => {
                    state
                        .execute(rusqlite::params![ev.conversation, ev.agent, "closed"])
                        .unwrap();
                }
                _ => {}
            }
        }
    }
    tx.commit().unwrap();
    eprintln!(
        "generated {m} messages, {} conversations, {e} events in {:.1}s",
        conn.query_row("SELECT count(*) FROM conversations", [], |r| r
            .get::<_, i64>(0))
            .unwrap(),
        began.elapsed().as_secs_f64()
    );
}

fn desk(path: &Path) -> Desk {
    let mut cfg = Config::demo();
    cfg.timezone = Some("Europe/Berlin".into());
    Desk::new(
        Store::open(path).unwrap(),
        cfg,
        Some(replypad::config::Secret::new("bench")),
        Box::new(Demo::files(std::env::temp_dir())),
    )
}

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1000.0
}

fn time(runs: usize, mut f: impl FnMut()) -> f64 {
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
}

fn bench(m: usize, e: usize) {
    let dir = tempfile::tempdir().unwrap();
    // INSIGHT_KEEP=DIR keeps the generated cache there (to study queries).
    let path = match std::env::var_os("INSIGHT_KEEP") {
        Some(d) => std::path::PathBuf::from(d).join("cache.sqlite"),
        None => dir.path().join("cache.sqlite"),
    };
    let now = 1_790_000_000;
    fill(&path, m, e, now);
    let d = desk(&path);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let row = |what: &str, ms: f64, target: &str| {
        println!("| {m} / {e} | {what} | {ms:.1} ms | {target} |")
    };
    let raw = time(5, || {
        let mut n = 0i64;
        for q in [
            "SELECT count(coalesce(nullif(from_name, ''), from_email)) FROM messages INDEXED BY messages_insight",
            "SELECT count(json_extract(payload, '$.status')) FROM events WHERE kind = 'status' AND unapproved = 0",
            "SELECT count(json_extract(payload, '$.message_id')) FROM events WHERE kind = 'sent' AND unapproved = 0",
            "SELECT count(*) FROM conversation_labels",
        ] {
            n += conn.query_row(q, [], |r| r.get::<_, i64>(0)).unwrap();
        }
        assert!(n > 0);
    });
    row(
        "baseline: SQLite counting the rows the figures read",
        raw,
        "",
    );
    let read = time(5, || {
        assert!(!d.cases().unwrap().is_empty());
    });
    row("read the conversations as cases", read, "");
    let cases = d.cases().unwrap();
    let zone = d.report_zone();
    for days in [28, 365] {
        let range = replypad::desk::insight::last_days(days, zone, now);
        let ms = time(5, || {
            let r = d.report_of(&cases, range, None, now);
            assert!(r.totals.new > 0 || days < 28);
        });
        row(
            &format!("compute the {days}-day report (cases read)"),
            ms,
            "",
        );
    }
    let range = replypad::desk::insight::last_days(365, zone, now);
    let ms = time(5, || {
        d.report_of(&cases, range, Some("billing"), now);
    });
    row("compute the 365-day report for one label", ms, "");
    drop(d);
    // The view, through the real App: open (read + compute + frame), then a
    // range change (compute + frame).
    let mut app = App::new(
        desk(&path),
        Keymap::load(&Default::default()).unwrap(),
        Clock::fixed(now),
    )
    .unwrap();
    app.resize(160, 48);
    app.settle();
    let mut term = Terminal::new(TestBackend::new(160, 48)).unwrap();
    let open = time(5, || {
        app.feed("gR");
        term.draw(|f| panes::draw(&mut app, f)).unwrap();
        app.feed("<Esc>");
    });
    row(
        "open the reports view: read, compute, first frame",
        open,
        "< 200 ms",
    );
    app.feed("gR");
    let mut step = 0;
    let change = time(10, || {
        app.feed(if step % 2 == 0 { "]" } else { "[" });
        step += 1;
        term.draw(|f| panes::draw(&mut app, f)).unwrap();
    });
    row(
        "change the range in the open view: compute, frame",
        change,
        "< 200 ms",
    );
    let pages = time(10, || {
        app.feed("<Tab>");
        term.draw(|f| panes::draw(&mut app, f)).unwrap();
    });
    row(
        "next page (heatmap, backlog chart, SLA list)",
        pages,
        "< 200 ms",
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    // `cargo bench` passes --bench; `cargo test --bench insight` runs a smoke test.
    let (m, e) = match (sizes.as_slice(), args.iter().any(|a| a == "--bench")) {
        ([m, e, ..], _) => (*m, *e),
        ([m], _) => (*m, *m * 5),
        ([], true) => (100_000, 500_000),
        ([], false) => (2_000, 10_000),
    };
    println!("| messages / events | measure | replypad | target |");
    println!("|---|---|---|---|");
    bench(m, e);
}
