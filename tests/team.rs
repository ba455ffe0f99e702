//! Team state over IMAP with several independent replypad instances (own
//! caches, one test Dovecot): acts made by one are seen by the others, claims
//! are exclusive, forged events change nothing.

mod support;

use replypad::config::Tls;
use replypad::domain::events::{Event, EventKind, new_event_id};
use replypad::store::{ListQuery, Store};
use replypad::sync::engine::{self, SyncContext, TeamLog};
use std::path::Path;
use support::dovecot::Dovecot;
use support::{account, message};

const KEY: &str = "s3cret-team-key";

use support::cli::Instance as Agent;

fn agent(d: &Dovecot, name: &str) -> Agent {
    let extra =
        format!("key_command = \"printf {KEY}\"\n[labels]\nbilling = \"yellow\"\nurgent = \"red\"");
    Agent::new(d, name, &extra)
}

fn seed(d: &Dovecot) {
    let mut c =
        replypad::sync::connect(&account(d, Path::new("/nonexistent"), Tls::Implicit)).unwrap();
    c.append(
        "INBOX",
        &message("t1", &[], "Refund for order 1234", "Please refund."),
        false,
    )
    .unwrap();
}

#[test]
fn acts_of_one_agent_are_seen_by_two_others_after_one_sync() {
    let d = Dovecot::start();
    seed(&d);
    let (ana, bo, cy) = (agent(&d, "ana"), agent(&d, "bo"), agent(&d, "cy"));
    for a in [&ana, &bo, &cy] {
        a.ok(&["sync"]);
    }
    let id = ana.json(&["threads", "--json"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        ana.ok(&["assign", &id, "me"])
            .contains("claimed by ana@example.com")
    );
    assert!(
        ana.ok(&["label", &id, "+billing", "+urgent"])
            .contains("labels +billing +urgent")
    );
    ana.ok(&["label", &id, "-urgent"]);
    assert!(
        ana.ok(&["note", &id, "Refund approved, @bo please send it"])
            .contains("mentions bo")
    );
    ana.ok(&["status", &id, "pending"]);
    for other in [&bo, &cy] {
        let out = other.ok(&["sync"]);
        assert!(out.contains("team 1"), "{out}");
        let t = other.json(&["threads", "--json"]);
        assert_eq!(t[0]["assignee"], "ana@example.com");
        assert_eq!(t[0]["labels"], serde_json::json!(["billing"]));
        assert_eq!(t[0]["status"], "pending");
        let h = other.json(&["history", &id, "--json"]);
        let kinds: Vec<&str> = h
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event"]["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["assign", "label", "label", "note", "status"]);
        assert_eq!(h[3]["event"]["text"], "Refund approved, @bo please send it");
    }
    // The keyword mirror: other mail clients see labels and status as keywords.
    let mut plain = support::client(&d);
    plain.select("INBOX", None).unwrap();
    let kw = plain.fetch_flags("1", None).unwrap()[0].keywords.clone();
    assert!(kw.contains(&"replypad-billing".to_string()), "{kw:?}");
    assert!(
        kw.contains(&"replypad-status-pending".to_string()),
        "{kw:?}"
    );
    assert!(
        !kw.iter().any(|k| k == "replypad-urgent"),
        "removed labels are removed: {kw:?}"
    );
    // A claim of an owned conversation loses, and says who owns it.
    let (code, out) = bo.run(&["assign", &id, "me"]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("claim lost to ana@example.com"), "{out}");
    // An explicit reassign wins.
    bo.ok(&["assign", &id, "me", "--force"]);
    cy.ok(&["sync"]);
    assert_eq!(
        cy.json(&["threads", "--json"])[0]["assignee"],
        "bo@example.com"
    );
    // A rebuilt cache has the same team state, byte for byte.
    let before = cy.ok(&["threads", "--json"]);
    cy.ok(&["sync", "--rebuild"]);
    assert_eq!(cy.ok(&["threads", "--json"]), before);
}

#[test]
fn a_forged_event_changes_nothing() {
    let d = Dovecot::start();
    seed(&d);
    let ana = agent(&d, "ana");
    ana.ok(&["sync"]);
    let id = ana.json(&["threads", "--json"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Mallory appends a well-formed event signed with the wrong key.
    let forged = Event {
        id: new_event_id(),
        conversation: id.clone(),
        agent: "mallory@evil.test".into(),
        at: 0,
        kind: EventKind::Assign {
            to: Some("mallory@evil.test".into()),
            reassign: true,
        },
    };
    let raw = replypad::mail::team_event::encode(
        &forged,
        Some(&replypad::config::Secret::new("guess")),
        None,
        "support@example.com",
    );
    let mut c = support::client(&d);
    let log = c.folder(&["Replypad", "Log"]).unwrap();
    c.append(&log, &raw, true).unwrap();
    c.append(&log, b"Subject: not an event\r\n\r\nhello\r\n", true)
        .unwrap();
    ana.ok(&["sync"]);
    let t = ana.json(&["threads", "--json"]);
    assert_eq!(
        t[0]["assignee"],
        serde_json::Value::Null,
        "the forged assignment is ignored"
    );
    let store = Store::open(&ana.cfg.cache_file()).unwrap();
    let rejected = store.rejected_events().unwrap();
    assert_eq!(rejected.len(), 2, "{rejected:?}");
    assert!(rejected[0].1.contains("bad authenticator"), "{rejected:?}");
}

#[test]
fn five_agents_race_for_the_same_conversation_twenty_times() {
    let d = Dovecot::start();
    let agents: Vec<Agent> = (0..5).map(|i| agent(&d, &format!("agent{i}"))).collect();
    let mut seeder = support::client(&d);
    let quiet = |_| {};
    for round in 0..20 {
        seeder
            .append(
                "INBOX",
                &message(
                    &format!("race{round}"),
                    &[],
                    &format!("Race {round}"),
                    "who takes it?",
                ),
                false,
            )
            .unwrap();
        // Everyone sees the new conversation, then all claim it at once.
        let winners: Vec<(String, String)> = std::thread::scope(|s| {
            let handles: Vec<_> = agents
                .iter()
                .map(|a| {
                    s.spawn(move || {
                        let mut store = Store::open(&a.cfg.cache_file()).unwrap();
                        let mut conn = replypad::sync::connect(&a.cfg).unwrap();
                        let team = TeamLog::resolve(
                            &mut conn,
                            &a.cfg,
                            replypad::desk::team_key(&a.cfg).ok(),
                        )
                        .unwrap();
                        let ctx = SyncContext {
                            team_address: "support@example.com",
                            progress: &quiet,
                        };
                        engine::pass(
                            &mut conn,
                            &mut store,
                            &a.cfg,
                            &team,
                            &ctx,
                            engine::Depth::Headers,
                        )
                        .unwrap();
                        let conv = store
                            .list_conversations(ListQuery::ALL)
                            .unwrap()
                            .into_iter()
                            .find(|c| c.subject == format!("Race {round}"))
                            .unwrap()
                            .id;
                        let me = a.cfg.identity.email.clone();
                        let e = Event {
                            id: new_event_id(),
                            conversation: conv.clone(),
                            agent: me.clone(),
                            at: 0,
                            kind: EventKind::Assign {
                                to: Some(me.clone()),
                                reassign: false,
                            },
                        };
                        let raw = replypad::mail::team_event::encode(
                            &e,
                            team.key.as_ref(),
                            None,
                            "support@example.com",
                        );
                        store.record_local_event(&e, &raw).unwrap();
                        engine::replay_pending(&mut conn, &mut store, &team).unwrap();
                        replypad::sync::team::sync_log(
                            &mut conn,
                            &mut store,
                            &team,
                            team.key.as_ref().unwrap(),
                            &|_| {},
                        )
                        .unwrap();
                        let won = store
                            .history(&conv)
                            .unwrap()
                            .iter()
                            .any(|h| h.event.id == e.id && h.outcome == "applied");
                        (conv, if won { me } else { String::new() })
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let conv = &winners[0].0;
        let won: Vec<&String> = winners
            .iter()
            .map(|(_, w)| w)
            .filter(|w| !w.is_empty())
            .collect();
        assert_eq!(
            won.len(),
            1,
            "round {round}: exactly one claim wins: {won:?}"
        );
        // After one more sync every cache agrees on the owner.
        for a in &agents {
            a.ok(&["sync", "--headers-only"]);
            let owner = Store::open(&a.cfg.cache_file())
                .unwrap()
                .assignee(conv)
                .unwrap();
            assert_eq!(
                owner.as_ref(),
                Some(won[0]),
                "round {round}, {}",
                a.cfg.identity.email
            );
        }
    }
}

#[test]
fn acts_made_offline_go_out_on_reconnect_in_order_once() {
    let mut d = Dovecot::start();
    seed(&d);
    let (ana, bo) = (agent(&d, "ana"), agent(&d, "bo"));
    ana.ok(&["sync"]);
    bo.ok(&["sync"]);
    let id = ana.json(&["threads", "--json"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    d.stop();
    assert!(ana.ok(&["assign", &id, "me"]).contains("queued"));
    assert!(ana.ok(&["label", &id, "+billing"]).contains("queued"));
    assert!(ana.ok(&["note", &id, "first"]).contains("queued"));
    assert!(ana.ok(&["note", &id, "second"]).contains("queued"));
    // Local first: ana's own cache already shows it.
    assert_eq!(
        ana.json(&["threads", "--json"])[0]["assignee"],
        "ana@example.com"
    );
    assert!(
        ana.run(&["sync"]).0 != 0,
        "sync fails while the server is down"
    );
    d.restart();
    assert!(ana.ok(&["sync"]).starts_with("pushed 4,"));
    assert!(
        ana.ok(&["sync"]).starts_with("pushed 0,"),
        "nothing is pushed twice"
    );
    bo.ok(&["sync"]);
    let h = bo.json(&["history", &id, "--json"]);
    let seen: Vec<String> = h
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["event"]["kind"].as_str().unwrap(),
                e["event"]["text"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        seen,
        ["assign:", "label:", "note:first", "note:second"],
        "in order, once each"
    );
    assert_eq!(
        bo.json(&["threads", "--json"])[0]["labels"],
        serde_json::json!(["billing"])
    );
}

#[test]
fn the_running_worker_sees_a_teammates_note_within_seconds() {
    use replypad::sync::worker::Request;
    use std::time::{Duration, Instant};
    let d = Dovecot::start();
    seed(&d);
    let (ana, bo) = (agent(&d, "ana"), agent(&d, "bo"));
    ana.ok(&["sync"]);
    let id = ana.json(&["threads", "--json"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (w, _notices) = support::started_worker(&bo.cfg);
    let sent = Instant::now();
    ana.ok(&["assign", &id, "me"]);
    ana.ok(&["label", &id, "+billing"]);
    ana.ok(&["note", &id, "on it"]);
    loop {
        let mut store = Store::open(&bo.cfg.cache_file()).unwrap();
        let h = store.history(&id).unwrap();
        if h.iter()
            .any(|e| matches!(&e.event.kind, EventKind::Note { text, .. } if text == "on it"))
        {
            assert_eq!(
                store.assignee(&id).unwrap().as_deref(),
                Some("ana@example.com")
            );
            let (_, labels) = store.team_summary(&id).unwrap();
            assert_eq!(labels, vec!["billing".to_string()]);
            break;
        }
        assert!(
            sent.elapsed() < Duration::from_secs(5),
            "the note did not arrive within 5 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    eprintln!(
        "teammate's note in the cache {:?} after the CLI returned",
        sent.elapsed()
    );
    w.request(Request::Stop);
}

/// The TUI over a live desk (its background worker): a teammate's note and
/// claim reach the open conversation and the list through typed notices
/// (`Notice::Changed` names the conversation), with no key pressed.
#[test]
fn a_running_tui_shows_a_teammates_acts_through_typed_notices() {
    use std::time::{Duration, Instant};
    let d = Dovecot::start();
    seed(&d);
    let (ana, bo) = (agent(&d, "ana"), agent(&d, "bo"));
    ana.ok(&["sync"]);
    bo.ok(&["sync"]);
    let id = ana.json(&["threads", "--json"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (mut app, rx) = support::live_app(&bo.cfg, true, 160, 48);
    app.feed("<Enter>");
    assert_eq!(app.reader.as_ref().unwrap().view.id, id);
    // Wait for the worker's first pass, as the event loop would.
    support::first_pass(&mut app, &rx);
    let sent = Instant::now();
    ana.ok(&["assign", &id, "me"]);
    ana.ok(&["note", &id, "on it, bo"]);
    loop {
        if let Ok(n) = rx.recv_timeout(Duration::from_millis(100)) {
            app.on_notice(n);
        }
        let r = app.reader.as_ref().unwrap();
        let noted = r.view.notes.iter().any(|n| n.text == "on it, bo");
        let row = app.list.rows.iter().find(|c| c.id == id).unwrap();
        if noted && row.assignee.as_deref() == Some("ana@example.com") {
            break;
        }
        assert!(
            sent.elapsed() < Duration::from_secs(5),
            "not on screen within 5 s: notes {:?}, owner {:?}",
            r.view.notes,
            row.assignee
        );
    }
    app.feed("q");
    eprintln!(
        "a teammate's note on screen {:?} after the CLI returned",
        sent.elapsed()
    );
}

/// Merging by hand: the customer wrote again without quoting (a new thread
/// for the same case); Ana merges the two, Bo's client follows after one
/// sync, a later reply to either joins the merged conversation on both,
/// and a rebuilt cache gives the same list.
#[test]
fn a_merge_by_hand_is_followed_by_every_client_and_a_rebuild() {
    let d = Dovecot::start();
    seed(&d);
    let mut c = support::client(&d);
    c.append(
        "INBOX",
        &message("t2", &[], "Order 1234 again", "Any news on my refund?"),
        false,
    )
    .unwrap();
    let (ana, bo) = (agent(&d, "ana"), agent(&d, "bo"));
    for a in [&ana, &bo] {
        a.ok(&["sync"]);
    }
    let threads = ana.json(&["threads", "--json"]);
    assert_eq!(threads.as_array().unwrap().len(), 2);
    let ids: Vec<String> = threads
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    ana.ok(&["label", &ids[0], "+billing"]);
    bo.ok(&["sync"]);
    bo.ok(&["assign", &ids[1], "me"]);
    ana.ok(&["sync"]);
    let out = ana.ok(&["merge", &ids[0], &ids[1]]);
    assert!(out.contains("merged into"), "{out}");
    let survivor = ids.iter().min().unwrap().clone();
    let merged = |a: &Agent| {
        let t = a.json(&["threads", "--json"]);
        assert_eq!(t.as_array().unwrap().len(), 1, "{t}");
        t[0].clone()
    };
    let m = merged(&ana);
    assert_eq!(m["id"], survivor.as_str());
    assert_eq!(m["messages"], 2);
    assert_eq!(
        m["labels"],
        serde_json::json!(["billing"]),
        "both logs fold"
    );
    assert_eq!(m["assignee"], "bo@example.com");
    bo.ok(&["sync"]);
    assert_eq!(merged(&bo), m, "Bo's client follows");
    // The merged-away id still works (for links and scripts).
    let gone = ids.iter().max().unwrap();
    assert!(bo.ok(&["history", gone]).contains("merged with"));
    // A reply to the merged-away thread joins the merged conversation.
    c.append(
        "INBOX",
        &message("t2-re", &["t2"], "Re: Order 1234 again", "Still nothing."),
        false,
    )
    .unwrap();
    for a in [&ana, &bo] {
        a.ok(&["sync"]);
        assert_eq!(merged(a)["messages"], 3);
    }
    // Merging what is one is refused; the rebuilt cache agrees.
    let (code, out) = ana.run(&["merge", &ids[0], &ids[1]]);
    assert_ne!(code, 0);
    assert!(out.contains("one already"), "{out}");
    let before = bo.ok(&["threads", "--json"]);
    bo.ok(&["sync", "--rebuild"]);
    assert_eq!(bo.ok(&["threads", "--json"]), before);
}

/// Splitting by hand: the customer asked a new question in a reply to an
/// old thread; Ana splits it off, Bo's client follows, later replies go to
/// the side they answer (even one whose References skip the split point),
/// a new agent's first sync and a rebuilt cache agree.
#[test]
fn a_split_by_hand_is_followed_by_every_client_and_a_rebuild() {
    let d = Dovecot::start();
    seed(&d);
    let mut c = support::client(&d);
    let append =
        |c: &mut replypad::sync::imap::Connection, id: &str, refs: &[&str], subject: &str| {
            c.append("INBOX", &message(id, refs, subject, "text"), false)
                .unwrap();
        };
    append(&mut c, "t1-a", &["t1"], "Re: Refund for order 1234");
    append(&mut c, "t1-b", &["t1", "t1-a"], "Re: Refund for order 1234");
    append(
        &mut c,
        "t1-c",
        &["t1", "t1-a", "t1-b"],
        "Re: Refund for order 1234",
    );
    let (ana, bo) = (agent(&d, "ana"), agent(&d, "bo"));
    for a in [&ana, &bo] {
        a.ok(&["sync"]);
    }
    let id = ana.json(&["threads", "--json"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    ana.ok(&["label", &id, "+billing"]);
    // t1-b (message 3) asked something new: split there.
    let out = ana.ok(&["split", &id, "3"]);
    assert!(out.contains("split"), "{out}");
    let counts = |a: &Agent| {
        let t = a.json(&["threads", "--json"]);
        let mut v: Vec<(String, u64, String)> = t
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["id"].as_str().unwrap().to_string(),
                    t["messages"].as_u64().unwrap(),
                    t["labels"].to_string(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let split = counts(&ana);
    assert_eq!(split.len(), 2, "{split:?}");
    let old = split.iter().find(|t| t.0 == id).unwrap();
    assert_eq!((old.1, old.2.as_str()), (2, "[\"billing\"]"));
    let new = split.iter().find(|t| t.0 != id).unwrap().clone();
    assert_eq!((new.1, new.2.as_str()), (2, "[]"), "a fresh team state");
    bo.ok(&["sync"]);
    assert_eq!(counts(&bo), split, "Bo's client follows");
    // Later mail: a reply to the new question whose References skip the
    // split point, and a reply to the old thread.
    append(&mut c, "t1-d", &["t1", "t1-c"], "Re: Refund for order 1234");
    append(&mut c, "t1-e", &["t1", "t1-a"], "Re: Refund for order 1234");
    for a in [&ana, &bo] {
        a.ok(&["sync"]);
        let now = counts(a);
        assert_eq!(now.iter().find(|t| t.0 == id).unwrap().1, 3, "{now:?}");
        assert_eq!(now.iter().find(|t| t.0 == new.0).unwrap().1, 3, "{now:?}");
    }
    // Splitting at a thread's first message is refused.
    let (code, out) = ana.run(&["split", &id, "1"]);
    assert_ne!(code, 0);
    assert!(out.contains("starts the conversation"), "{out}");
    // A new agent (mail first, then the log) and a rebuild agree.
    let cy = agent(&d, "cy");
    cy.ok(&["sync"]);
    let want = counts(&bo);
    assert_eq!(counts(&cy), want);
    let before = bo.ok(&["threads", "--json"]);
    bo.ok(&["sync", "--rebuild"]);
    assert_eq!(bo.ok(&["threads", "--json"]), before);
}
