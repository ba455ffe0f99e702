//! Checkpoints of the team log (issue 24): agents write them as the log
//! grows; a new agent, or a rebuilt cache, catches up from them (snapshot,
//! archives, then the log's tail) and ends with the state a fold of the
//! whole log gives, byte for byte. Forged and out-of-order checkpoints are
//! ignored. One real Dovecot; the agents are the real binary.

mod support;

use replypad::config::Secret;
use replypad::domain::checkpoint::{Archived, Manifest};
use replypad::domain::events::{Event, EventKind, new_event_id};
use replypad::store::Store;
use support::cli::Instance as Agent;
use support::dovecot::Dovecot;
use support::message;

const KEY: &str = "s3cret-team-key";
/// A checkpoint every this many events (the default is 10,000).
const EVERY: u32 = 20;

fn agent(d: &Dovecot, name: &str, every: u32) -> Agent {
    Agent::new(
        d,
        name,
        &format!(
            "key_command = \"printf {KEY}\"\ncheckpoint_every = {every}\n[labels]\nbilling = \"yellow\"\nurgent = \"red\""
        ),
    )
}

/// What a client shows of the team's state, for comparing two caches.
fn state(a: &Agent, convs: &[String]) -> Vec<String> {
    let mut out = vec![
        a.ok(&["threads", "--json"]),
        a.ok(&["team", "list", "--json"]),
        a.ok(&["team", "policy", "show", "--json"]),
    ];
    for c in convs {
        out.push(a.ok(&["history", c, "--json"]));
    }
    let store = Store::open(&a.cfg.cache_file()).unwrap();
    out.push(format!("{:?}", store.rejected_events().unwrap()));
    out
}

fn checkpoints(d: &Dovecot) -> Vec<(u32, Manifest)> {
    let mut c = support::client(d);
    let folder = c.folder(&["Replypad", "Checkpoints"]).unwrap();
    let log = c.folder(&["Replypad", "Log"]).unwrap();
    let validity = c.select(&log, None).unwrap().uidvalidity;
    let chain =
        replypad::sync::checkpoint::read_chain(&mut c, &folder, &Secret::new(KEY), validity)
            .unwrap()
            .unwrap_or_default();
    chain.links
}

/// Appends a checkpoint as anyone with the IMAP password and the team key
/// could, signed with `key`.
fn append_checkpoint(
    d: &Dovecot,
    m: &mut Manifest,
    entries: &[Archived],
    key: &ed25519_dalek::SigningKey,
) {
    let (packed, sha) = replypad::mail::checkpoint::pack(&entries).unwrap();
    m.archive_sha256 = sha;
    m.entries = entries.len() as u32;
    let json = serde_json::to_vec(&m).unwrap();
    let secret = Secret::new(KEY);
    let proof = replypad::mail::team_event::proof_headers(&json, Some(&secret), Some(key));
    let raw =
        replypad::mail::checkpoint::encode(m, &json, &proof, &packed, None, "support@example.com");
    let mut c = support::client(d);
    let folder = c.folder(&["Replypad", "Checkpoints"]).unwrap();
    c.append(&folder, &raw, true).unwrap();
}

fn label_event(agent: &str, conv: &str, label: &str) -> Event {
    Event {
        id: new_event_id(),
        conversation: conv.into(),
        agent: agent.into(),
        at: chrono::Utc::now().timestamp(),
        kind: EventKind::Label {
            add: vec![label.into()],
            remove: vec![],
        },
    }
}

#[test]
fn a_new_agent_catches_up_from_checkpoints_to_the_state_of_the_whole_log() {
    let d = Dovecot::start();
    let mut c = support::client(&d);
    for i in 0..5 {
        let subject = format!("Order {i} never arrived");
        c.append(
            "INBOX",
            &message(&format!("m{i}"), &[], &subject, "Where is it?"),
            false,
        )
        .unwrap();
    }
    let ana = agent(&d, "ana", EVERY);
    ana.ok(&["sync"]);
    ana.ok(&["team", "init", "--name", "Ana Lima"]);
    let convs: Vec<String> = ana
        .json(&["threads", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(convs.len(), 5);
    // A log of some length: every kind of act the list shows, a policy, a
    // forgery (refused), syncs in between (each may write a checkpoint).
    let policy = ana.file("p.toml", "[labels]\nbilling = \"yellow\"\n");
    ana.ok(&["team", "policy", "edit", "--file", &policy]);
    for round in 0..10 {
        for (i, conv) in convs.iter().enumerate() {
            match (round + i) % 4 {
                0 => ana.ok(&["label", conv, "+billing"]),
                1 => ana.ok(&["label", conv, "-billing", "+urgent"]),
                2 => ana.ok(&["note", conv, &format!("round {round}")]),
                _ => ana.ok(&[
                    "status",
                    conv,
                    if round % 2 == 0 { "pending" } else { "open" },
                ]),
            };
        }
        if round == 2 {
            ana.ok(&["assign", &convs[0], "me"]);
            let mallory = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
            let e = label_event("ana@example.com", &convs[1], "forged");
            let raw = replypad::mail::team_event::encode(
                &e,
                Some(&Secret::new(KEY)),
                Some(&mallory),
                "support@example.com",
            );
            let log = c.folder(&["Replypad", "Log"]).unwrap();
            c.append(&log, &raw, true).unwrap();
        }
        ana.ok(&["sync"]);
    }
    let links = checkpoints(&d);
    assert!(
        links.len() >= 2,
        "checkpoints written as the log grew: {links:?}"
    );
    assert!(links.last().unwrap().1.snapshot_sha256.is_some());
    // A tail after the last checkpoint (fewer events than EVERY).
    ana.ok(&["label", &convs[2], "+billing"]);
    ana.ok(&["note", &convs[3], "after the checkpoint"]);
    ana.ok(&["sync"]);
    assert_eq!(checkpoints(&d).len(), links.len(), "not due yet");

    // The whole log, folded message by message (checkpoints off).
    let full = agent(&d, "full", 0);
    full.ok(&["sync"]);
    let want = state(&full, &convs);
    assert!(
        want[0].contains("billing") && want[0].contains("urgent"),
        "{}",
        want[0]
    );
    assert!(
        want.last().unwrap().contains("another key"),
        "{}",
        want.last().unwrap()
    );
    // The last snapshot is the whole log's fold as of its end.
    let (uid, m) = links.last().unwrap();
    let folder = c.folder(&["Replypad", "Checkpoints"]).unwrap();
    c.select(&folder, None).unwrap();
    let bases = replypad::sync::checkpoint::fetch_snapshot(&mut c, *uid, m).unwrap();
    let mut store = Store::open(&full.cfg.cache_file()).unwrap();
    assert_eq!(bases, store.bases_at(m.to).unwrap());
    assert_eq!(bases.len(), 5);
    drop(store);

    // A new agent from the checkpoints, and the writer's cache rebuilt.
    let bo = agent(&d, "bo", EVERY);
    bo.ok(&["sync"]);
    assert_eq!(state(&bo, &convs), want);
    ana.ok(&["sync", "--rebuild"]);
    assert_eq!(state(&ana, &convs), want);

    // The proof that the archives carried it: with the log's messages
    // the chain covers expunged (compacted), a new agent still agrees.
    let end = checkpoints(&d).last().unwrap().1.to;
    let log = c.folder(&["Replypad", "Log"]).unwrap();
    c.select(&log, None).unwrap();
    c.store_flags(&format!("1:{end}"), true, "\\Deleted")
        .unwrap();
    c.expunge().unwrap();
    let cy = agent(&d, "cy", EVERY);
    cy.ok(&["sync"]);
    assert_eq!(state(&cy, &convs), want);
}

#[test]
fn forged_and_out_of_order_checkpoints_are_ignored() {
    let d = Dovecot::start();
    let mut c = support::client(&d);
    c.append("INBOX", &message("m1", &[], "Refund", "Please."), false)
        .unwrap();
    let ana = agent(&d, "ana", EVERY);
    ana.ok(&["sync"]);
    ana.ok(&["team", "init", "--name", "Ana Lima"]);
    let conv = ana.json(&["threads", "--json"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for i in 0..(EVERY + 2) {
        ana.ok(&["note", &conv, &format!("note {i}")]);
    }
    ana.ok(&["sync"]);
    let links = checkpoints(&d);
    assert_eq!(links.len(), 1, "{links:?}");
    let honest = links[0].1.clone();
    // The log grows by another checkpoint's worth, not written yet.
    for i in 0..EVERY {
        ana.ok(&["note", &conv, &format!("more {i}")]);
    }
    // Mallory has the IMAP password and the team key but is not on the
    // roster: her checkpoint for the next place says every note was a
    // label. And ana's own key, out of order: a range already covered.
    let mallory = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
    let lie = |from: u32, to: u32| -> Vec<Archived> {
        (from + 1..=to)
            .map(|uid| Archived::Event {
                uid,
                event: label_event("ana@example.com", &conv, "lie"),
                unapproved: false,
            })
            .collect()
    };
    let mut next = honest.clone();
    next.from = honest.to;
    next.to = honest.to + EVERY;
    next.agent = "mallory@evil.test".into();
    let lies = lie(next.from, next.to);
    append_checkpoint(&d, &mut next, &lies, &mallory);
    let mut again = honest.clone();
    again.snapshot_sha256 = None;
    append_checkpoint(&d, &mut again, &lie(0, honest.to), &key_of(&ana));
    // A checkpoint for another log (UIDVALIDITY), well signed.
    let mut foreign = honest.clone();
    foreign.log_uidvalidity += 1;
    foreign.snapshot_sha256 = None;
    append_checkpoint(&d, &mut foreign, &lie(0, honest.to), &key_of(&ana));

    ana.ok(&["sync"]);
    let links = checkpoints(&d);
    assert_eq!(
        links.len(),
        2,
        "ana's next one, after the forgeries: {links:?}"
    );
    assert_eq!(links[1].1.agent, "ana@example.com");
    let full = agent(&d, "full", 0);
    full.ok(&["sync"]);
    let want = state(&full, std::slice::from_ref(&conv));
    assert!(!want[0].contains("lie"));
    let bo = agent(&d, "bo", EVERY);
    bo.ok(&["sync"]);
    assert_eq!(state(&bo, std::slice::from_ref(&conv)), want);
    let (_, doctor) = bo.run(&["doctor"]);
    assert!(!doctor.contains("lie"), "{doctor}");
}

/// An agent's signing key, as `team init` wrote it.
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
