//! The connection budget (`[imap] max_connections`): every agent logs in as
//! the team account, often from one jump box, and Dovecot refuses more than
//! `mail_max_userip_connections` (10 by default) per login and address. A
//! running worker holds at most 2 connections by default, a CLI command 1,
//! and a login refused for too many connections says so in plain words.

mod support;

use replypad::domain::events::EventKind;
use replypad::store::Store;
use replypad::sync::worker::{Request, Worker};
use std::time::{Duration, Instant};
use support::cli::Instance as Agent;
use support::dovecot::Dovecot;
use support::message;
use support::sync::{other_client, threads};

const REFUSED: &str = "Maximum number of connections";

fn agent(d: &Dovecot, name: &str, imap: &str) -> Agent {
    let a = Agent::new(d, name, "key_command = \"printf k\"");
    if !imap.is_empty() {
        let text = std::fs::read_to_string(&a.config).unwrap();
        let text = text.replace("[imap]\n", &format!("[imap]\n{imap}\n"));
        std::fs::write(&a.config, text).unwrap();
        return Agent {
            cfg: replypad::config::Config::load(&a.config).unwrap(),
            ..a
        };
    }
    a
}

fn seed(d: &Dovecot, n: usize) {
    let mut c = other_client(d);
    for i in 0..n {
        let id = format!("seed{i}");
        c.append(
            "INBOX",
            &message(&id, &[], &format!("Question {i}"), "Help."),
            false,
        )
        .unwrap();
    }
    c.logout();
}

/// Waits until `f` holds, for at most `limit`; how long it took.
fn within(limit: Duration, what: &str, f: impl Fn() -> bool) -> Duration {
    let t0 = Instant::now();
    while !f() {
        assert!(t0.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    t0.elapsed()
}

fn notes(a: &Agent, id: &str) -> usize {
    let mut store = Store::open(&a.cfg.cache_file()).unwrap();
    store
        .history(id)
        .unwrap()
        .iter()
        .filter(|e| matches!(e.event.kind, EventKind::Note { .. }))
        .count()
}

fn first_id(a: &Agent) -> String {
    a.json(&["threads", "--json"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// With room for three connections, a running worker and a CLI act fit; a
/// fourth login is refused by the server, and the CLI says why in plain
/// words instead of "No Response: [LIMIT]".
#[test]
fn a_worker_holds_two_connections_and_a_refusal_is_worded() {
    let d = Dovecot::start_with("protocol imap {\n  mail_max_userip_connections = 3\n}\n");
    seed(&d, 2);
    let (ana, bo) = (agent(&d, "ana", ""), agent(&d, "bo", ""));
    bo.ok(&["sync"]);
    let id = first_id(&bo);
    let (w, _notices) = support::started_worker(&ana.cfg);
    // The worker at work: a conversation opened, acts pushed, a resync.
    w.request(Request::Open(id.clone()));
    w.request(Request::Push);
    w.request(Request::SyncNow);
    std::thread::sleep(Duration::from_millis(500));
    // The third connection: a teammate's CLI act, seen by the worker.
    bo.ok(&["note", &id, "from bo"]);
    within(Duration::from_secs(5), "bo's note at ana's worker", || {
        notes(&ana, &id) == 1
    });
    assert!(!d.log().contains(REFUSED), "{}", d.log());

    // A fourth: the server refuses, and the CLI words it.
    let _held = other_client(&d);
    let (code, out) = bo.run(&["sync"]);
    assert_ne!(code, 0, "{out}");
    assert!(
        out.contains("allows no more connections for this login")
            && out.contains("max_connections"),
        "{out}"
    );
    assert!(!out.contains("No Response"), "{out}");
    w.request(Request::Stop);
}

/// `max_connections = 1`: the worker syncs on its one connection (no
/// watcher) and still hears of new mail at once, through IDLE on the inbox.
#[test]
fn one_connection_is_enough_for_a_worker() {
    let d = Dovecot::start_with("protocol imap {\n  mail_max_userip_connections = 1\n}\n");
    seed(&d, 1);
    let ana = agent(&d, "ana", "max_connections = 1");
    let (w, _notices) = support::started_worker(&ana.cfg);
    // Delivered into the Maildir by the local mail system, as Postfix would.
    let new = d.maildir().join("new").join("1700000000.M1P1.budget");
    std::fs::write(&new, message("late", &[], "Late question", "Hello?")).unwrap();
    d.fix_ownership();
    let took = within(Duration::from_secs(5), "new mail at the worker", || {
        threads(&ana.cfg)
            .iter()
            .any(|c| c.subject == "Late question")
    });
    eprintln!("new mail in the cache {took:?} after delivery, on one connection");
    assert!(!d.log().contains(REFUSED), "{}", d.log());
    w.request(Request::Stop);
}

/// The test: Dovecot's default limit of 10, four agents' running
/// workers (8 connections), this test's own client appending mail and
/// flipping flags, and each agent running a CLI act in turn, for a minute
/// (`REPLYPAD_BUDGET_SECS` to change it): no login refused, every
/// teammate's act reaches every running worker within 5 seconds, and all
/// converge on the same mail.
#[test]
fn four_agents_fit_in_the_default_limit_of_ten() {
    let d = Dovecot::start_with("protocol imap {\n  mail_max_userip_connections = 10\n}\n");
    seed(&d, 3);
    let agents: Vec<Agent> = ["ana", "bo", "cy", "di"]
        .iter()
        .map(|n| agent(&d, n, ""))
        .collect();
    let workers: Vec<Worker> = agents
        .iter()
        .map(|a| support::started_worker(&a.cfg).0)
        .collect();
    let id = first_id(&agents[0]);
    let mut client = other_client(&d);
    let secs: u64 = std::env::var("REPLYPAD_BUDGET_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let t0 = Instant::now();
    let (mut round, mut mail, mut slowest) = (0usize, 3usize, Duration::ZERO);
    while t0.elapsed() < Duration::from_secs(secs) {
        // The server's own traffic: new mail, and a flag flipped.
        client
            .append(
                "INBOX",
                &message(&format!("m{round}"), &[], &format!("More {round}"), "x"),
                false,
            )
            .unwrap();
        mail += 1;
        client.select("INBOX", None).unwrap();
        client
            .store_flags(&(1 + round % 3).to_string(), round % 2 == 0, "\\Seen")
            .unwrap();
        // One agent acts from the CLI; every running worker hears of it.
        let actor = &agents[round % agents.len()];
        actor.ok(&["note", &id, &format!("round {round}")]);
        round += 1;
        for a in &agents {
            let took = within(Duration::from_secs(5), "a teammate's note", || {
                notes(a, &id) == round
            });
            slowest = slowest.max(took);
        }
    }
    for a in &agents {
        within(
            Duration::from_secs(5),
            "every agent has all the mail",
            || threads(&a.cfg).len() == mail,
        );
    }
    eprintln!(
        "{round} rounds in {:?}; the slowest note reached a worker {slowest:?} after the CLI returned",
        t0.elapsed()
    );
    let log = d.log();
    assert!(!log.contains(REFUSED), "a login was refused:\n{log}");
    for w in workers {
        w.request(Request::Stop);
    }
}
