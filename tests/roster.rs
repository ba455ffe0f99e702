//! The team itself, with three agents (own caches and keys, one test
//! Dovecot): a roster with per-agent signatures, invitations, removal, and
//! the team policy, as every client folds them from the log.

mod support;

use replypad::config::Secret;
use replypad::domain::events::{Event, EventKind, new_event_id};
use replypad::store::Store;
use support::cli::Instance as Agent;
use support::dovecot::Dovecot;
use support::message;

const KEY: &str = "s3cret-team-key";

fn agent(d: &Dovecot, name: &str, extra: &str) -> Agent {
    Agent::new(d, name, &format!("key_command = \"printf {KEY}\"\n{extra}"))
}

/// The one-time code `team invite` printed.
fn code_of(out: &str) -> String {
    out.lines()
        .find_map(|l| l.trim().strip_prefix("They run: replypad team join "))
        .unwrap_or_else(|| panic!("no code in {out}"))
        .trim()
        .to_string()
}

/// An agent's signing key, as `team join` wrote it.
fn key_of(a: &Agent) -> ed25519_dalek::SigningKey {
    let who = &a.cfg.identity.email;
    let path = a.dir.path().join(format!("data/replypad/keys/{who}.key"));
    let hex = std::fs::read_to_string(&path).unwrap();
    let bytes: Vec<u8> = (0..64)
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex.trim()[i..i + 2], 16).unwrap())
        .collect();
    ed25519_dalek::SigningKey::from_bytes(&bytes.try_into().unwrap())
}

/// Appends an event to the log as someone with the IMAP password would.
fn append_event(d: &Dovecot, e: &Event, team_key: bool, key: Option<&ed25519_dalek::SigningKey>) {
    let secret = Secret::new(KEY);
    let raw = replypad::mail::team_event::encode(
        e,
        team_key.then_some(&secret),
        key,
        "support@example.com",
    );
    let mut c = support::client(d);
    let log = c.folder(&["Replypad", "Log"]).unwrap();
    c.append(&log, &raw, true).unwrap();
}

fn event(agent: &str, conversation: &str, kind: EventKind) -> Event {
    Event {
        id: new_event_id(),
        conversation: conversation.into(),
        agent: agent.into(),
        at: chrono::Utc::now().timestamp(),
        kind,
    }
}

/// Everything a client shows of the team: roster, policy, history,
/// conversation rows, and which log messages it refused.
fn team_view(a: &Agent, conv: &str) -> String {
    let store = Store::open(&a.cfg.cache_file()).unwrap();
    let rejected: Vec<u32> = store
        .rejected_events()
        .unwrap()
        .iter()
        .map(|r| r.0)
        .collect();
    format!(
        "{}\n{}\n{}\n{}\n{rejected:?}",
        a.ok(&["team", "list", "--json"]),
        a.ok(&["team", "policy", "show", "--json"]),
        a.ok(&["history", conv, "--json"]),
        a.ok(&["threads", "--json"]),
    )
}

#[test]
fn three_agents_a_roster_forgeries_removal_and_the_policy() {
    let d = Dovecot::start();
    let mut c = support::client(&d);
    c.append(
        "INBOX",
        &message("r1", &[], "Refund for order 77", "Please refund."),
        false,
    )
    .unwrap();
    // Lee's own config asks for no review; the team's policy will.
    let ana = agent(&d, "ana", "");
    let lee = agent(&d, "lee", "[review]\nrequired = \"nobody\"\n");
    let sam = agent(&d, "sam", "");
    for a in [&ana, &lee, &sam] {
        a.ok(&["sync"]);
    }
    let conv = ana.json(&["threads", "--json"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Before the roster, the team key alone counts (a mailbox from before).
    lee.ok(&["follow", &conv]);
    let (_, doctor) = ana.run(&["doctor"]);
    let note = doctor.lines().find(|l| l.contains("team roster")).unwrap();
    assert!(
        note.contains("agent's name; `replypad team init` starts a roster"),
        "{doctor}"
    );

    // Ana starts the roster and invites the others.
    let out = ana.ok(&["team", "init", "--name", "Ana Lima"]);
    assert!(out.contains("first admin"), "{out}");
    let (code, out) = ana.run(&["team", "init"]);
    assert_ne!(code, 0, "a second init is refused: {out}");
    let lee_code = code_of(&ana.ok(&[
        "team",
        "invite",
        "lee@example.com",
        "--name",
        "Lee Park",
        "--handle",
        "lee",
    ]));
    let sam_code = code_of(&ana.ok(&[
        "team",
        "invite",
        "sam@example.com",
        "--name",
        "Sam Ortiz",
        "--role",
        "reviewer",
    ]));
    for (a, code) in [(&lee, &lee_code), (&sam, &sam_code)] {
        a.ok(&["sync"]);
        let (rc, out) = a.run(&["team", "join", "0000"]);
        assert_ne!(rc, 0, "a wrong code is refused: {out}");
        assert!(a.ok(&["team", "join", code]).contains("joined the team"));
    }
    ana.ok(&["sync"]);
    let roster = ana.json(&["team", "list", "--json"]);
    assert_eq!(roster.as_array().unwrap().len(), 3, "{roster}");
    assert!(ana.ok(&["team", "list"]).contains("Lee Park"));

    // Assign checks the roster: a typo is refused with the closest member;
    // a display name or a handle names the member.
    let (rc, out) = ana.run(&["assign", &conv, "leee"]);
    assert_ne!(rc, 0, "{out}");
    assert!(out.contains("did you mean lee@example.com"), "{out}");
    let (rc, out) = ana.run(&["assign", &conv, "nobody@else.test"]);
    assert_ne!(rc, 0, "an address off the roster is refused: {out}");
    assert!(
        ana.ok(&["assign", &conv, "Lee Park"])
            .contains("lee@example.com")
    );
    // @mentions too; a member's mention reaches their Mentions view.
    let (rc, out) = ana.run(&["note", &conv, "@samm can you look?"]);
    assert_ne!(rc, 0, "{out}");
    assert!(out.contains("did you mean sam@example.com"), "{out}");
    ana.ok(&["note", &conv, "@Sam can you look?"]);
    sam.ok(&["sync"]);
    let mentions = sam.json(&["threads", "--json", "--view", "mentions"]);
    assert_eq!(mentions.as_array().unwrap().len(), 1, "{mentions}");

    // Forgeries: an assignment in Sam's name signed with Lee's key; one in
    // Lee's name with only the shared team key (as before the roster).
    let lee_key = key_of(&lee);
    let steal = |who: &str| EventKind::Assign {
        to: Some(who.into()),
        reassign: true,
    };
    append_event(
        &d,
        &event("sam@example.com", &conv, steal("sam@example.com")),
        true,
        Some(&lee_key),
    );
    append_event(
        &d,
        &event("lee@example.com", &conv, steal("mallory@evil.test")),
        true,
        None,
    );
    // A policy by Sam, a reviewer, not an admin: signed correctly, ignored.
    let sam_key = key_of(&sam);
    append_event(
        &d,
        &event(
            "sam@example.com",
            "team",
            EventKind::Policy {
                toml: "[review]\nrequired = \"nobody\"\n".into(),
            },
        ),
        true,
        Some(&sam_key),
    );
    let (rc, out) = sam.run(&["team", "policy", "edit", "--file", &sam.file("p.toml", "")]);
    assert_ne!(rc, 0, "a non-admin is told at once: {out}");
    assert!(out.contains("admin"), "{out}");
    for a in [&ana, &lee, &sam] {
        a.ok(&["sync"]);
        let t = a.json(&["threads", "--json"]);
        assert_eq!(
            t[0]["assignee"], "lee@example.com",
            "forgeries change nothing"
        );
        let store = Store::open(&a.cfg.cache_file()).unwrap();
        let why: Vec<String> = store
            .rejected_events()
            .unwrap()
            .into_iter()
            .map(|r| r.1)
            .collect();
        assert_eq!(why.len(), 3, "{why:?}");
        assert!(why[0].contains("another key"), "{why:?}");
        assert!(why[1].contains("no signature"), "{why:?}");
        assert!(why[2].contains("not an admin"), "{why:?}");
        assert_eq!(
            a.json(&["team", "policy", "show", "--json"])["source"],
            "config"
        );
        let (_, doctor) = a.run(&["doctor"]);
        assert!(
            doctor.contains("3 message(s) in the log folder"),
            "doctor names them: {doctor}"
        );
    }

    // The team policy: review for everyone. Lee's config says nobody; the
    // team's rule holds for him.
    let policy = ana.file(
        "policy.toml",
        "[review]\nrequired = \"everyone\"\n[labels]\nbilling = \"yellow\"\n",
    );
    assert!(
        ana.ok(&["team", "policy", "edit", "--file", &policy])
            .contains("policy is set")
    );
    lee.ok(&["sync"]);
    assert_eq!(
        lee.json(&["team", "policy", "show", "--json"])["source"],
        "team"
    );
    let body = lee.file("r.txt", "Thank you, the refund is on its way.\n");
    let (rc, out) = lee.run(&["reply", &conv, "--file", &body]);
    assert_eq!(rc, 3, "{out}");
    assert!(out.contains("review is required"), "{out}");
    // Reviewers come from the roster: Lee (an agent) cannot review.
    let draft = lee
        .ok(&["drafts", "list"])
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let (rc, out) = lee.run(&["drafts", "submit", &draft, "--reviewer", "ana"]);
    assert_eq!(rc, 0, "{out}");

    // A reply sent without approval by a client that ignored the policy
    // (an old build): every client marks it in the history.
    append_event(
        &d,
        &event(
            "sam@example.com",
            &conv,
            EventKind::Sent {
                draft: None,
                message_id: "x1@example.com".into(),
                subject: "Re: Refund".into(),
            },
        ),
        true,
        Some(&sam_key),
    );
    for a in [&ana, &lee, &sam] {
        a.ok(&["sync"]);
        let h = a.json(&["history", &conv, "--json"]);
        let sent = h
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["event"]["kind"] == "sent")
            .unwrap();
        assert_eq!(sent["outcome"], "sent without approval", "{h}");
        assert!(a.ok(&["history", &conv]).contains("sent without approval"));
    }

    // Ana removes Lee. His earlier acts stay; later ones count nowhere.
    ana.ok(&["team", "remove", "lee"]);
    lee.ok(&["sync"]);
    let (rc, out) = lee.run(&["label", &conv, "+billing"]);
    assert_ne!(rc, 0, "{out}");
    assert!(
        out.contains("was removed from the team"),
        "his own client says so: {out}"
    );
    // Nor does it send in the team's name (the draft stays).
    let (rc, out) = lee.run(&["reply", &conv, "--file", &body]);
    assert_eq!(rc, 3, "{out}");
    assert!(out.contains("was removed from the team"), "{out}");
    // An older client of his still signs with his key: refused everywhere.
    append_event(
        &d,
        &event(
            "lee@example.com",
            &conv,
            EventKind::Label {
                add: vec!["billing".into()],
                remove: vec![],
            },
        ),
        true,
        Some(&lee_key),
    );
    for a in [&ana, &lee, &sam] {
        a.ok(&["sync"]);
        let t = a.json(&["threads", "--json"]);
        assert_eq!(
            t[0]["labels"],
            serde_json::json!([]),
            "a removed agent's label counts nowhere"
        );
        let h = a.json(&["history", &conv, "--json"]);
        let by_lee: Vec<&str> = h
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["event"]["agent"] == "lee@example.com")
            .map(|e| e["event"]["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            by_lee,
            ["follow", "draft_submitted"],
            "his earlier acts stay: {h}"
        );
        let (rc, out) = a.run(&["assign", &conv, "lee"]);
        assert_ne!(rc, 0, "{out}");
        assert!(out.contains("no longer on the team"), "{out}");
    }

    // Sam's key leaks: Ana invites him again with a new key; the old one
    // stops counting, his role and name stay.
    let (rc, out) = ana.run(&["team", "invite", "sam@example.com"]);
    assert_ne!(rc, 0, "{out}");
    assert!(out.contains("--new-key"), "{out}");
    let code = code_of(&ana.ok(&["team", "invite", "sam@example.com", "--new-key"]));
    sam.ok(&["sync"]);
    let (rc, out) = sam.run(&["follow", &conv]);
    assert_ne!(rc, 0, "between invitation and join his acts wait: {out}");
    assert!(sam.ok(&["team", "join", &code]).contains("joined"));
    assert_ne!(key_of(&sam).to_bytes(), sam_key.to_bytes(), "a new key");
    sam.ok(&["follow", &conv]);
    append_event(
        &d,
        &event("sam@example.com", &conv, EventKind::Follow { on: false }),
        true,
        Some(&sam_key),
    );
    ana.ok(&["sync"]);
    let me = ana.json(&["team", "list", "--json"]);
    let sam_row = me
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == "sam@example.com")
        .unwrap();
    assert_eq!(sam_row["role"], "reviewer");
    assert_eq!(sam_row["name"], "Sam Ortiz");
    let store = Store::open(&ana.cfg.cache_file()).unwrap();
    let last = store.rejected_events().unwrap().pop().unwrap().1;
    assert!(
        last.contains("another key"),
        "the leaked key is refused: {last}"
    );

    // Every client agrees, and a rebuilt cache gives the same, byte for byte.
    for a in [&ana, &lee, &sam] {
        a.ok(&["sync"]);
    }
    let views: Vec<String> = [&ana, &lee, &sam]
        .iter()
        .map(|a| team_view(a, &conv))
        .collect();
    assert_eq!(views[0], views[1]);
    assert_eq!(views[0], views[2]);
    for a in [&ana, &sam] {
        a.ok(&["sync", "--rebuild"]);
        assert_eq!(team_view(a, &conv), views[0]);
    }
}

/// A running TUI follows a new team policy as its worker reads the log:
/// the team's labels replace the agent's own, with no restart.
#[test]
fn a_running_tui_follows_a_new_policy() {
    use std::time::{Duration, Instant};
    let d = Dovecot::start();
    let mut c = support::client(&d);
    c.append(
        "INBOX",
        &message("p1", &[], "Where is my parcel", "Hello?"),
        false,
    )
    .unwrap();
    let ana = agent(&d, "ana", "");
    let lee = agent(&d, "lee", "[labels]\nmine-only = \"red\"\n");
    ana.ok(&["sync"]);
    lee.ok(&["sync"]);
    let out = ana.ok(&["team", "init"]);
    assert!(out.contains("first admin"), "{out}");
    let out = lee.ok(&["sync"]);
    assert!(
        !out.contains("team 0"),
        "the roster counts as team state: {out}"
    );
    let (mut app, rx) = support::live_app(&lee.cfg, true, 120, 40);
    assert!(app.desk.cfg().labels.contains_key("mine-only"));
    support::first_pass(&mut app, &rx);
    let policy = ana.file("p.toml", "[labels]\nvip = \"magenta\"\n");
    ana.ok(&["team", "policy", "edit", "--file", &policy]);
    let set = Instant::now();
    while !app.desk.cfg().labels.contains_key("vip") {
        if let Ok(n) = rx.recv_timeout(Duration::from_millis(100)) {
            app.on_notice(n);
        }
        assert!(
            set.elapsed() < Duration::from_secs(5),
            "the policy did not arrive within 5 s"
        );
    }
    assert!(
        !app.desk.cfg().labels.contains_key("mine-only"),
        "the team's labels replace the agent's"
    );
    app.feed("gT");
    let lines = app
        .text_view
        .as_ref()
        .map(|t| format!("{t:?}"))
        .unwrap_or_default();
    assert!(lines.contains("the team policy is in force"), "{lines}");
}
