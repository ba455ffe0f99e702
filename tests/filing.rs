//! Archive, spam, trash and move against a real Dovecot: the messages move
//! on the server (UID MOVE, or COPY + STORE \Deleted + UID EXPUNGE where
//! MOVE is not offered or refused), a teammate's client sees the
//! conversation leave the inbox views and the act in its history, `move
//! inbox` takes it back, and an act made offline goes out on reconnect.

mod support;

use replypad::sync::imap::Connection;
use support::cli::Instance as Agent;
use support::dovecot::Dovecot;
use support::message;
use support::sync::other_client;

fn agent(d: &Dovecot, name: &str) -> Agent {
    Agent::new(d, name, "key_command = \"printf k\"")
}

fn seed(c: &mut Connection) {
    c.append(
        "INBOX",
        &message("q1", &[], "Refund please", "Order 1234."),
        false,
    )
    .unwrap();
    c.append(
        "INBOX",
        &message("q2", &[], "Cheap pills", "Buy now."),
        false,
    )
    .unwrap();
}

/// The Message-IDs in `folder` on the server (empty if it does not exist),
/// asked on a new connection (a connection keeps its folder list a while).
fn on_server(d: &Dovecot, folder: &str) -> Vec<String> {
    let c = &mut other_client(d);
    if !c.mailbox_exists(folder).unwrap() {
        return Vec::new();
    }
    c.select(folder, None).unwrap();
    let uids = c.uid_search_all().unwrap();
    if uids.is_empty() {
        return Vec::new();
    }
    let mut ids: Vec<String> = c
        .fetch_headers(&replypad::sync::imap::uid_set(&uids))
        .unwrap()
        .iter()
        .filter_map(|f| {
            let h = String::from_utf8_lossy(f.data.as_deref()?).into_owned();
            h.lines()
                .find_map(|l| l.strip_prefix("Message-ID: "))
                .map(|v| v.trim().to_string())
        })
        .collect();
    ids.sort();
    ids
}

/// Field `key` of every conversation in `view` of `a`'s cache, sorted.
fn column(a: &Agent, view: &str, key: &str) -> Vec<String> {
    let v = a.json(&["threads", "--json", "--view", view]);
    let mut s: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t[key].as_str().unwrap().to_string())
        .collect();
    s.sort();
    s
}

fn subjects(a: &Agent, view: &str) -> Vec<String> {
    column(a, view, "subject")
}

fn ids(a: &Agent, view: &str) -> Vec<String> {
    column(a, view, "id")
}

fn id_of(a: &Agent, subject: &str) -> String {
    a.json(&["threads", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["subject"] == subject)
        .unwrap_or_else(|| panic!("no {subject:?}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn archive_spam_trash_and_back_on_the_server_and_for_a_teammate() {
    let d = Dovecot::start();
    let mut c = other_client(&d);
    seed(&mut c);
    let (ana, bo) = (agent(&d, "ana"), agent(&d, "bo"));
    ana.ok(&["sync"]);
    bo.ok(&["sync"]);
    let (refund, pills) = (id_of(&ana, "Refund please"), id_of(&ana, "Cheap pills"));

    let out = ana.ok(&["archive", &refund]);
    assert!(out.contains("1 message moved to Archive"), "{out}");
    assert_eq!(on_server(&d, "INBOX"), ["<q2@shop.test>"]);
    assert_eq!(on_server(&d, "Archive"), ["<q1@shop.test>"]);
    // At once in the agent's own cache, before any sync.
    assert_eq!(subjects(&ana, "all"), ["Cheap pills"]);
    assert_eq!(subjects(&ana, "archive"), ["Refund please"]);

    // The teammate: out of the inbox views, in Archive, and who did it.
    bo.ok(&["sync"]);
    assert_eq!(subjects(&bo, "all"), ["Cheap pills"]);
    assert_eq!(subjects(&bo, "open"), ["Cheap pills"]);
    assert_eq!(subjects(&bo, "archive"), ["Refund please"]);
    let history = bo.ok(&["history", &refund]);
    assert!(
        history.contains("ana@example.com") && history.contains("archived"),
        "{history}"
    );

    // Spam, then from Junk to the Trash, then back to the inbox.
    assert!(ana.ok(&["spam", &pills]).contains("moved to Junk"));
    assert_eq!(on_server(&d, "Junk"), ["<q2@shop.test>"]);
    assert_eq!(subjects(&ana, "spam"), ["Cheap pills"]);
    ana.ok(&["sync"]);
    assert!(ana.ok(&["trash", &pills]).contains("moved to Trash"));
    assert!(on_server(&d, "Junk").is_empty());
    assert_eq!(on_server(&d, "Trash"), ["<q2@shop.test>"]);
    // Taken back by name, before the agent's cache synced the Archive.
    assert!(
        ana.ok(&["move", "inbox", &refund])
            .contains("moved to INBOX")
    );
    assert_eq!(on_server(&d, "INBOX"), ["<q1@shop.test>"]);
    assert!(on_server(&d, "Archive").is_empty());
    ana.ok(&["sync"]);
    bo.ok(&["sync"]);
    for a in [&ana, &bo] {
        assert_eq!(subjects(a, "all"), ["Refund please"]);
        assert_eq!(subjects(a, "trash"), ["Cheap pills"]);
        assert!(subjects(a, "archive").is_empty());
    }
    // Filed twice is nothing to do; an unknown folder is refused plainly.
    assert!(ana.ok(&["trash", &pills]).contains("already in Trash"));
    let (code, out) = ana.run(&["move", "Clients/Acme", &refund]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("moves conversations between the folders it syncs"),
        "{out}"
    );
    // The customer writes again about the trashed conversation: their new
    // message lands in the inbox, and the conversation is back there.
    c.append(
        "INBOX",
        &message("q3", &["q2"], "Re: Cheap pills", "Still selling."),
        false,
    )
    .unwrap();
    bo.ok(&["sync"]);
    assert_eq!(subjects(&bo, "all"), ["Cheap pills", "Refund please"]);
    assert!(subjects(&bo, "trash").is_empty());
    // The cache is disposable: rebuilt from the server, the places agree.
    ana.ok(&["sync", "--rebuild"]);
    // (Same Date header: which subject heads it is a tie; ids are not.)
    let mut both = vec![pills.clone(), refund.clone()];
    both.sort();
    assert_eq!(ids(&bo, "all"), both);
    assert!(subjects(&ana, "trash").is_empty());
}

/// A server without MOVE (Dovecot with it left out of the capabilities):
/// UID COPY, STORE \Deleted and UID EXPUNGE of just those messages; a
/// message someone else flagged \Deleted in the inbox is not expunged.
#[test]
fn without_move_copy_and_expunge_only_the_conversation() {
    let d = Dovecot::start_with(
        "protocol imap {\n  imap_capability = IMAP4rev1 SASL-IR ID ENABLE IDLE NAMESPACE UIDPLUS \
         SPECIAL-USE LIST-EXTENDED LIST-STATUS LITERAL+ UNSELECT CHILDREN CONDSTORE QRESYNC\n}\n",
    );
    let mut c = other_client(&d);
    assert!(!c.has_capability("MOVE"));
    seed(&mut c);
    let ana = agent(&d, "ana");
    ana.ok(&["sync"]);
    // Another client's pending delete of the second message.
    c.select("INBOX", None).unwrap();
    c.store_flags("2", true, "\\Deleted").unwrap();
    let refund = id_of(&ana, "Refund please");
    ana.ok(&["archive", &refund]);
    assert_eq!(on_server(&d, "Archive"), ["<q1@shop.test>"]);
    assert_eq!(
        on_server(&d, "INBOX"),
        ["<q2@shop.test>"],
        "only the archived message was expunged"
    );
}

/// A server that offers MOVE but refuses it (a proxy answers BAD): the
/// same move by copy and expunge.
#[test]
fn a_refused_move_falls_back_to_copy_and_expunge() {
    let d = Dovecot::start();
    let mut c = other_client(&d);
    seed(&mut c);
    let ana = agent(&d, "ana");
    let port = support::refusing_proxy(d.imap_port, "UID MOVE");
    let text = std::fs::read_to_string(&ana.config).unwrap();
    let text = text.replace(
        &format!("port = {}", d.imaps_port),
        &format!("port = {port}\ntls = \"none\""),
    );
    std::fs::write(&ana.config, text).unwrap();
    ana.ok(&["sync"]);
    let refund = id_of(&ana, "Refund please");
    ana.ok(&["archive", &refund]);
    assert_eq!(on_server(&d, "Archive"), ["<q1@shop.test>"]);
    assert_eq!(on_server(&d, "INBOX"), ["<q2@shop.test>"]);
}

/// Archived while the server is down: out of the inbox views at once,
/// queued, and moved on the server by the next sync.
#[test]
fn archived_offline_goes_out_with_the_next_sync() {
    let mut d = Dovecot::start();
    let mut c = other_client(&d);
    seed(&mut c);
    c.logout();
    let ana = agent(&d, "ana");
    ana.ok(&["sync"]);
    let refund = id_of(&ana, "Refund please");
    d.stop();
    let out = ana.ok(&["archive", &refund]);
    assert!(out.contains("queued"), "{out}");
    assert_eq!(subjects(&ana, "all"), ["Cheap pills"]);
    d.restart();
    ana.ok(&["sync"]);
    assert_eq!(on_server(&d, "Archive"), ["<q1@shop.test>"]);
    assert_eq!(on_server(&d, "INBOX"), ["<q2@shop.test>"]);
    assert_eq!(subjects(&ana, "archive"), ["Refund please"]);
    assert_eq!(subjects(&ana, "all"), ["Cheap pills"]);
}

/// A teammate's running worker: the conversation a CLI archives (creating
/// the Archive folder the worker has not listed yet) leaves its inbox views
/// and lands in its Archive view within seconds.
#[test]
fn a_running_worker_sees_a_teammates_archive_within_seconds() {
    use replypad::domain::views::View;
    use replypad::store::Store;
    use std::time::{Duration, Instant};
    let d = Dovecot::start();
    let mut c = other_client(&d);
    seed(&mut c);
    c.logout();
    let (ana, bo) = (agent(&d, "ana"), agent(&d, "bo"));
    ana.ok(&["sync"]);
    let refund = id_of(&ana, "Refund please");
    let (w, _notices) = support::started_worker(&bo.cfg);
    let t0 = Instant::now();
    ana.ok(&["archive", &refund]);
    loop {
        let s = Store::open(&bo.cfg.cache_file()).unwrap();
        let archived = s.in_view(&View::Archive, "", &refund).unwrap();
        let inbox = s.in_view(&View::All, "", &refund).unwrap();
        if archived && !inbox {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(5),
            "not in bo's Archive view within 5 s (archive {archived}, inbox {inbox})"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    eprintln!(
        "archived conversation in the teammate's Archive view after {:?}",
        t0.elapsed()
    );
    w.request(replypad::sync::worker::Request::Stop);
}
