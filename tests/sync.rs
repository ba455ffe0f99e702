//! The sync engine against a real Dovecot: first sync, resync after changes
//! by another client, UIDVALIDITY change, a dropped connection, a message
//! that panics the parser, and push through IDLE.

mod support;

use replypad::config::{Config, Tls};
use replypad::store::{Op, Store};
use replypad::sync::engine::{self, Report, SyncContext};
use replypad::sync::imap::Connection;
use std::time::{Duration, Instant};
use support::dovecot::Dovecot;
use support::sync::{context, other_client, quiet, threads};
use support::{account, message};

fn sync(cfg: &Config) -> Report {
    let mut store = Store::open(&cfg.cache_file()).unwrap();
    let mut conn = replypad::sync::connect(cfg).unwrap();
    let ctx = context(cfg);
    engine::sync_all(&mut conn, &mut store, cfg, &ctx, true)
        .unwrap()
        .0
}

#[test]
fn first_sync_then_resync_after_changes_by_another_client() {
    let d = Dovecot::start();
    let cache = tempfile::tempdir().unwrap();
    let cfg = account(&d, cache.path(), Tls::Implicit);
    let mut other = other_client(&d);
    other
        .append(
            "INBOX",
            &message("a1", &[], "Refund please", "I want my money back."),
            false,
        )
        .unwrap();
    other
        .append(
            "INBOX",
            &message("a2", &["a1"], "Re: Refund please", "Any news?"),
            false,
        )
        .unwrap();
    other
        .append(
            "INBOX",
            &message("b1", &[], "Login broken", "Cannot log in."),
            true,
        )
        .unwrap();
    other.ensure_mailbox("Sent").unwrap();
    let reply =
        b"From: Dana at Example Support <support@example.com>\r\nTo: customer-a1@shop.test\r\n\
Subject: Re: Refund please\r\nMessage-ID: <reply-a@example.com>\r\nIn-Reply-To: <a2@shop.test>\r\n\
References: <a1@shop.test> <a2@shop.test>\r\nDate: Tue, 1 Jul 2025 12:00:00 +0000\r\n\r\nDone.\r\n";
    other.append("Sent", reply, true).unwrap();

    let r = sync(&cfg);
    assert_eq!(
        (r.new, r.changed, r.vanished, r.bodies),
        (4, 0, 0, 4),
        "{r:?}"
    );
    let t = threads(&cfg);
    assert_eq!(t.len(), 2, "{t:?}");
    let refund = t.iter().find(|c| c.subject == "Refund please").unwrap();
    assert_eq!(
        refund.messages, 3,
        "the team's reply in Sent joins its conversation"
    );
    assert_eq!(refund.unread, 2);

    // No change: nothing happens.
    assert_eq!(sync(&cfg), Report::default());

    // Another client: a new message, a flag change, an expunge.
    other
        .append(
            "INBOX",
            &message("c1", &[], "New question", "Hello?"),
            false,
        )
        .unwrap();
    other.select("INBOX", None).unwrap();
    other.store_flags("1", true, "\\Seen").unwrap();
    other.store_flags("3", true, "\\Deleted").unwrap();
    other.noop().unwrap();
    expunge(&mut other);
    let r = sync(&cfg);
    assert_eq!((r.new, r.changed, r.vanished), (1, 1, 1), "{r:?}");
    let t = threads(&cfg);
    assert!(
        t.iter().all(|c| c.subject != "Login broken"),
        "the expunged message is gone"
    );
    assert_eq!(
        t.iter()
            .find(|c| c.subject == "Refund please")
            .unwrap()
            .unread,
        1
    );
    assert!(t.iter().any(|c| c.subject == "New question"));

    // The full-text index covers bodies.
    let store = Store::open(&cfg.cache_file()).unwrap();
    assert_eq!(store.search_ids("money").unwrap().len(), 1);
}

fn expunge(c: &mut Connection) {
    c.expunge().unwrap();
}

/// An account that syncs the folder "Support", and another client that
/// has created it.
fn support_folder(d: &Dovecot, cache: &std::path::Path) -> (Config, Connection) {
    let mut cfg = account(d, cache, Tls::Implicit);
    cfg.folders.inbox = vec!["Support".into()];
    let mut other = other_client(d);
    other.ensure_mailbox("Support").unwrap();
    (cfg, other)
}

/// Deletes and recreates "Support": the server gives it a new UIDVALIDITY.
fn recreate_support(other: &mut Connection) {
    other.select("INBOX", None).unwrap();
    other.delete_mailbox("Support").unwrap();
    other.ensure_mailbox("Support").unwrap();
}

#[test]
fn uidvalidity_change_refetches_the_folder() {
    let d = Dovecot::start();
    let cache = tempfile::tempdir().unwrap();
    let (cfg, mut other) = support_folder(&d, cache.path());
    other
        .append("Support", &message("u1", &[], "One", "1"), false)
        .unwrap();
    other
        .append("Support", &message("u2", &[], "Two", "2"), false)
        .unwrap();
    assert_eq!(sync(&cfg).new, 2);
    let before = other.select("Support", None).unwrap().uidvalidity;
    recreate_support(&mut other);
    let after = other.select("Support", None).unwrap().uidvalidity;
    assert_ne!(
        before, after,
        "Dovecot gives a recreated mailbox a new UIDVALIDITY"
    );
    other
        .append("Support", &message("u3", &[], "Three", "3"), false)
        .unwrap();
    let r = sync(&cfg);
    assert_eq!(r.new, 1, "{r:?}");
    let subjects: Vec<String> = threads(&cfg).into_iter().map(|c| c.subject).collect();
    assert_eq!(subjects, vec!["Three"]);
}

/// A mailbox recreated on the server reuses UIDs 1, 2, ... for other
/// messages: bodies must not be fetched by the cache's old UIDs before a
/// sync has noticed the new UIDVALIDITY.
#[test]
fn bodies_are_never_fetched_by_uids_of_an_old_uidvalidity() {
    let d = Dovecot::start();
    let cache = tempfile::tempdir().unwrap();
    let (cfg, mut other) = support_folder(&d, cache.path());
    for (id, subject) in [("v1", "One"), ("v2", "Two")] {
        other
            .append("Support", &message(id, &[], subject, "old body"), false)
            .unwrap();
    }
    let mut store = Store::open(&cfg.cache_file()).unwrap();
    let ctx = context(&cfg);
    let mut conn = replypad::sync::connect(&cfg).unwrap();
    let (r, _) = engine::sync_all(&mut conn, &mut store, &cfg, &ctx, false).unwrap();
    assert_eq!((r.new, r.bodies), (2, 0));
    drop(conn);
    recreate_support(&mut other);
    for (id, subject) in [("w1", "Imposter one"), ("w2", "Imposter two")] {
        other
            .append("Support", &message(id, &[], subject, "NEW BODY"), false)
            .unwrap();
    }
    // A new connection (the worker after a reconnect) fetches bodies first.
    let mut conn = replypad::sync::connect(&cfg).unwrap();
    let fetched = engine::fetch_bodies(&mut conn, &mut store, 100, &ctx).unwrap();
    assert_eq!(fetched, 0, "no body may be fetched by a stale UID");
    // The next pass drops the old messages, and bodies come for the new ones.
    let (r, _) = engine::sync_all(&mut conn, &mut store, &cfg, &ctx, true).unwrap();
    assert_eq!((r.new, r.bodies), (2, 2), "{r:?}");
    drop(store);
    let subjects: Vec<String> = threads(&cfg).into_iter().map(|c| c.subject).collect();
    assert!(
        subjects.iter().all(|s| s.starts_with("Imposter")),
        "{subjects:?}"
    );
    assert!(threads(&cfg).iter().all(|c| c.snippet.contains("NEW BODY")));
}

#[test]
fn dropped_connection_mid_fetch_resumes_without_duplicates() {
    let d = Dovecot::start();
    let cache = tempfile::tempdir().unwrap();
    let mut other = other_client(&d);
    let body = "x".repeat(2000);
    for i in 0..1500 {
        other
            .append(
                "INBOX",
                &message(&format!("m{i}"), &[], &format!("Message {i}"), &body),
                false,
            )
            .unwrap();
    }
    // Through a proxy that cuts the line after ~600 KB: the header fetch dies mid-way.
    let mut cut = account(&d, cache.path(), Tls::None);
    cut.imap.as_mut().unwrap().port = support::cutting_proxy(d.imap_port, 150_000);
    let mut store = Store::open(&cut.cache_file()).unwrap();
    let mut conn = replypad::sync::connect(&cut).unwrap();
    let ctx = SyncContext {
        team_address: "support@example.com",
        progress: &quiet,
    };
    let err = engine::sync_all(&mut conn, &mut store, &cut, &ctx, true);
    assert!(err.is_err(), "the proxy cut the connection");
    let partial = store.conversation_count().unwrap();
    assert!(partial < 1500, "{partial}");
    // The first sync left two indexes to its end (store/deferred.rs): the
    // failed one built them all the same.
    assert_eq!(store.deferred_indexes_present().unwrap(), 4);
    drop(store);
    // A clean resume on a good connection.
    let good = account(&d, cache.path(), Tls::None);
    let r = sync(&good);
    assert_eq!(r.new + partial, 1500, "{r:?} after {partial}");
    let t = threads(&good);
    assert_eq!(t.len(), 1500);
    assert!(t.iter().all(|c| c.messages == 1), "no duplicates");
    let store = Store::open(&good.cache_file()).unwrap();
    assert!(
        store.missing_bodies(u64::MAX, 10).unwrap().is_empty(),
        "every body arrived"
    );
    assert_eq!(store.deferred_indexes_present().unwrap(), 4);
}

#[test]
fn a_message_that_panics_the_parser_is_kept_as_unparseable() {
    let d = Dovecot::start();
    let cache = tempfile::tempdir().unwrap();
    let cfg = account(&d, cache.path(), Tls::Implicit);
    let mut other = other_client(&d);
    other
        .append("INBOX", &message("ok1", &[], "Fine", "fine"), false)
        .unwrap();
    other
        .append(
            "INBOX",
            &message("bad", &[], "Boom PANIC-ME-PLEASE", "x"),
            false,
        )
        .unwrap();
    other
        .append("INBOX", &message("ok2", &[], "Also fine", "fine"), false)
        .unwrap();
    replypad::fault::set_parser_panic_marker(Some(b"PANIC-ME-PLEASE"));
    let r = sync(&cfg);
    replypad::fault::set_parser_panic_marker(None);
    assert_eq!(r.new, 3);
    let t = threads(&cfg);
    assert_eq!(t.len(), 3, "{t:?}");
    let bad = t
        .iter()
        .find(|c| c.subject.contains("PANIC-ME-PLEASE"))
        .expect("kept, with its subject");
    let view = Store::open(&cfg.cache_file())
        .unwrap()
        .conversation(&bad.id)
        .unwrap()
        .unwrap();
    assert_eq!(
        view.messages[0].body_state,
        replypad::domain::BodyState::Unparseable
    );
}

#[test]
fn idle_pushes_new_mail_within_seconds() {
    use replypad::sync::worker::Request;
    let d = Dovecot::start();
    let cache = tempfile::tempdir().unwrap();
    let cfg = account(&d, cache.path(), Tls::Implicit);
    let (w, _notices) = support::started_worker(&cfg);
    let mut other = other_client(&d);
    let sent = Instant::now();
    other
        .append("INBOX", &message("push1", &[], "Pushed", "via IDLE"), false)
        .unwrap();
    loop {
        let found = threads(&cfg).iter().any(|c| c.subject == "Pushed");
        if found {
            break;
        }
        assert!(
            sent.elapsed() < Duration::from_secs(5),
            "new mail not seen within 5 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    eprintln!("new mail in the cache {:?} after APPEND", sent.elapsed());
    w.request(Request::Stop);
}

/// One message in `folder`, synced, then read while "offline": only the
/// cache and the queue change. Returns the cache.
fn read_offline(cfg: &Config, other: &mut Connection, folder: &str) -> Store {
    other
        .append(folder, &message("q1", &[], "Queued", "read me"), false)
        .unwrap();
    sync(cfg);
    let id = threads(cfg)[0].id.clone();
    let mut store = Store::open(&cfg.cache_file()).unwrap();
    assert_eq!(store.mark_conversation_read(&id, true).unwrap(), 1);
    assert_eq!(store.pending_ops().unwrap().len(), 1);
    store
}

#[test]
fn offline_flag_changes_are_queued_and_pushed_on_reconnect() {
    let d = Dovecot::start();
    let cache = tempfile::tempdir().unwrap();
    let cfg = account(&d, cache.path(), Tls::Implicit);
    let mut other = other_client(&d);
    drop(read_offline(&cfg, &mut other, "INBOX"));
    // The queue survives a restart (a fresh Store on the same file) and a resync does not undo the change.
    let store = Store::open(&cfg.cache_file()).unwrap();
    assert_eq!(store.pending_ops().unwrap().len(), 1);
    drop(store);
    other.select("INBOX", None).unwrap();
    assert!(
        !other.fetch_flags("1", None).unwrap()[0].seen,
        "not on the server yet"
    );
    let mut conn = replypad::sync::connect(&cfg).unwrap();
    let mut store = Store::open(&cfg.cache_file()).unwrap();
    let team =
        engine::TeamLog::resolve(&mut conn, &cfg, replypad::desk::team_key(&cfg).ok()).unwrap();
    assert_eq!(
        engine::replay_pending(&mut conn, &mut store, &team).unwrap(),
        1
    );
    assert!(store.pending_ops().unwrap().is_empty());
    other.noop().unwrap();
    assert!(
        other.fetch_flags("1", None).unwrap()[0].seen,
        "pushed to the server"
    );
    assert_eq!(threads(&cfg)[0].unread, 0);
}

/// The connection drops after the server stored a queued APPEND (the Sent
/// copy of a reply) and before its answer came back. An APPEND is not
/// idempotent: the replay on the next connection finds the copy by its
/// Message-ID and files no second one.
#[test]
fn an_append_whose_answer_was_lost_is_not_filed_twice() {
    let d = Dovecot::start();
    let cache = tempfile::tempdir().unwrap();
    let cfg = account(&d, cache.path(), Tls::None);
    let mut store = Store::open(&cfg.cache_file()).unwrap();
    let copy = message("r1", &[], "Re: Refund", "Done.");
    let op = Op::AppendSent {
        raw: String::from_utf8(copy).unwrap(),
    };
    store.queue_copy(&op).unwrap();
    let mut cut = cfg.clone();
    cut.imap.as_mut().unwrap().port = support::answer_dropping_proxy(d.imap_port, b"APPENDUID");
    let mut conn = replypad::sync::connect(&cut).unwrap();
    let team =
        engine::TeamLog::resolve(&mut conn, &cut, replypad::desk::team_key(&cut).ok()).unwrap();
    assert!(
        engine::replay_pending(&mut conn, &mut store, &team).is_err(),
        "the answer to APPEND was cut"
    );
    assert_eq!(store.pending_ops().unwrap().len(), 1, "still queued");

    let mut conn = replypad::sync::connect(&cfg).unwrap();
    assert_eq!(
        engine::replay_pending(&mut conn, &mut store, &team).unwrap(),
        1
    );
    assert!(store.pending_ops().unwrap().is_empty());
    let mut other = other_client(&d);
    let sent_folder = team.sent(&mut other).unwrap().to_string();
    let sent = other.select(&sent_folder, None).unwrap();
    assert_eq!(sent.exists, 1, "one copy in {sent_folder}");

    // A copy that never reached the server is sent on the replay.
    store.queue_copy(&op).unwrap();
    let id = store.pending_ops().unwrap()[0].id;
    store.mark_op_sent(id).unwrap();
    other.store_flags("1", true, "\\Deleted").unwrap();
    other.expunge().unwrap();
    assert_eq!(
        engine::replay_pending(&mut conn, &mut store, &team).unwrap(),
        1
    );
    assert_eq!(other.select(&sent_folder, None).unwrap().exists, 1);
}

/// A queued change the server refuses is dropped after 10 tries; one whose
/// connection drops each time is not refused, and stays queued however
/// often that happens (it was dropped after 10 drops of the line).
#[test]
fn a_dropped_connection_does_not_count_as_a_refusal() {
    let d = Dovecot::start();
    let cache = tempfile::tempdir().unwrap();
    let cfg = account(&d, cache.path(), Tls::None);
    let mut store = read_offline(&cfg, &mut other_client(&d), "INBOX");
    let mut cut = cfg.clone();
    cut.imap.as_mut().unwrap().port =
        support::answer_dropping_proxy(d.imap_port, b"Store completed");
    for _ in 0..12 {
        let mut conn = replypad::sync::connect(&cut).unwrap();
        let team =
            engine::TeamLog::resolve(&mut conn, &cut, replypad::desk::team_key(&cut).ok()).unwrap();
        assert!(engine::replay_pending(&mut conn, &mut store, &team).is_err());
    }
    let queued = store.pending_ops().unwrap();
    assert_eq!(
        (queued.len(), queued[0].attempts),
        (1, 0),
        "still queued, never refused"
    );
}

/// A queued flag change in a folder that was deleted meanwhile cannot be
/// pushed: it counts as refused, and the changes queued after it still go
/// out (the SELECT's NO stopped the whole queue, on every pass, for good).
#[test]
fn a_change_in_a_deleted_folder_does_not_hold_up_the_queue() {
    let d = Dovecot::start();
    let cache = tempfile::tempdir().unwrap();
    let (cfg, mut other) = support_folder(&d, cache.path());
    let mut store = read_offline(&cfg, &mut other, "Support");
    let copy = Op::AppendSent {
        raw: String::from_utf8(message("r1", &["q1"], "Re: Queued", "Done.")).unwrap(),
    };
    store.queue_copy(&copy).unwrap();
    other.select("INBOX", None).unwrap();
    other.delete_mailbox("Support").unwrap();

    let mut conn = replypad::sync::connect(&cfg).unwrap();
    let team =
        engine::TeamLog::resolve(&mut conn, &cfg, replypad::desk::team_key(&cfg).ok()).unwrap();
    assert_eq!(
        engine::replay_pending(&mut conn, &mut store, &team).unwrap(),
        1,
        "the Sent copy went out"
    );
    let queued = store.pending_ops().unwrap();
    assert_eq!(queued.len(), 1);
    assert!(matches!(&queued[0].op, Op::Flags(f) if f.mailbox == "Support"));
    assert_eq!(queued[0].attempts, 1, "refused once");
    let sent = team.sent(&mut conn).unwrap().to_string();
    assert_eq!(other.select(&sent, None).unwrap().exists, 1);
}

#[test]
fn cli_sync_prints_a_summary_and_threads_reads_the_cache() {
    let d = Dovecot::start();
    let dir = tempfile::tempdir().unwrap();
    let mut other = other_client(&d);
    other
        .append(
            "INBOX",
            &message("cli1", &[], "From the CLI", "hello"),
            false,
        )
        .unwrap();
    let config = support::write_config(&d, dir.path(), "ana", "");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_replypad"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .env("XDG_STATE_HOME", dir.path().join("state"))
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, err) = run(&["threads"]);
    assert_eq!(code, Some(1), "no cache yet: {out} {err}");
    assert!(err.contains("run `replypad sync` first"), "{err}");
    let (code, out, err) = run(&["sync"]);
    assert_eq!(code, Some(0), "{out} {err}");
    assert!(
        out.starts_with("pushed 0, new 1, changed 0, vanished 0, bodies 1, team 0 in "),
        "{out}"
    );
    let (code, out, _) = run(&["threads", "--json"]);
    assert_eq!(code, Some(0));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["subject"], "From the CLI");
    let id = v[0]["id"].as_str().unwrap().to_string();
    let (code, out, _) = run(&["show", &id[..6], "--json"]);
    assert_eq!(code, Some(0));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["messages"][0]["text"].as_str().unwrap().trim(), "hello");
    let (code, out, _) = run(&["sync"]);
    assert_eq!(code, Some(0));
    assert!(
        out.starts_with("pushed 0, new 0, changed 0, vanished 0, bodies 0, team 0"),
        "{out}"
    );
    // Rebuild gives the same threads.
    let (_, before, _) = run(&["threads", "--json"]);
    let (code, _, err) = run(&["sync", "--rebuild"]);
    assert_eq!(code, Some(0), "{err}");
    let (_, after, _) = run(&["threads", "--json"]);
    assert_eq!(before, after);
}

/// A question in INBOX and the team's reply in Sent.
fn question_and_reply(other: &mut Connection) {
    other
        .append("INBOX", &message("q1", &[], "Question", "Hi."), false)
        .unwrap();
    other.ensure_mailbox("Sent").unwrap();
    other
        .append(
            "Sent",
            &message("r1", &["q1"], "Re: Question", "Hello."),
            true,
        )
        .unwrap();
}

/// On a Maildir Dovecot, once a session has listed folders or opened a
/// second folder, every SELECT in it re-reads the folder's whole uidlist
/// (28 ms at 50,000 messages): a syncing connection lists folders over a
/// side connection and keeps the inbox on a session of its own.
#[test]
fn a_syncing_connection_keeps_the_inbox_on_its_own_session() {
    let d = Dovecot::start();
    let cache = tempfile::tempdir().unwrap();
    let cfg = account(&d, cache.path(), Tls::Implicit);
    let mut other = other_client(&d);
    question_and_reply(&mut other);
    let mut store = Store::open(&cfg.cache_file()).unwrap();
    let ctx = context(&cfg);
    let mut conn = replypad::sync::connect_syncing(&cfg, 3).unwrap();
    let (r, _) = engine::sync_all(&mut conn, &mut store, &cfg, &ctx, true).unwrap();
    assert_eq!((r.new, r.bodies), (2, 2), "{r:?}");
    let t = threads(&cfg);
    assert_eq!(t.len(), 1, "{t:?}");
    assert_eq!(t[0].messages, 2, "the Sent folder was found and synced");

    // Changes in both folders, and an append through the syncing connection
    // itself (as a sent reply's copy is filed): every session sees its own.
    other.select("INBOX", None).unwrap();
    other.store_flags("1", true, "\\Seen").unwrap();
    other
        .append(
            "INBOX",
            &message("q2", &["q1"], "Re: Question", "More."),
            false,
        )
        .unwrap();
    conn.append(
        "Sent",
        &message("r2", &["q2"], "Re: Question", "Done."),
        true,
    )
    .unwrap();
    let (r, _) = engine::sync_all(&mut conn, &mut store, &cfg, &ctx, true).unwrap();
    assert_eq!((r.new, r.changed, r.bodies), (2, 1, 2), "{r:?}");
    let t = threads(&cfg);
    assert_eq!((t[0].messages, t[0].unread), (4, 1), "{t:?}");

    let mut sessions = conn.sessions();
    sessions.sort();
    assert_eq!(sessions, [vec!["INBOX".to_string()], vec!["Sent".into()]]);
    assert!(!conn.has_listed(), "no session of it ever listed");
    // A plain connection lists, and opens every folder, on its one session.
    let mut plain = replypad::sync::connect(&cfg).unwrap();
    engine::sync_all(&mut plain, &mut store, &cfg, &ctx, true).unwrap();
    assert!(plain.has_listed());
    assert_eq!(plain.sessions().len(), 1);
}

/// A server that allows one connection per user and address: a syncing
/// connection lists and syncs every folder on its one session.
#[test]
fn a_syncing_connection_makes_do_with_one_session() {
    let d = Dovecot::start_with("protocol imap {\n  mail_max_userip_connections = 1\n}\n");
    let cache = tempfile::tempdir().unwrap();
    let cfg = account(&d, cache.path(), Tls::Implicit);
    let mut other = other_client(&d);
    question_and_reply(&mut other);
    // The server's one connection is the syncing one's.
    other.logout();
    let mut store = Store::open(&cfg.cache_file()).unwrap();
    let ctx = context(&cfg);
    let mut conn = replypad::sync::connect_syncing(&cfg, 3).unwrap();
    for _ in 0..2 {
        engine::sync_all(&mut conn, &mut store, &cfg, &ctx, true).unwrap();
    }
    assert_eq!(threads(&cfg)[0].messages, 2);
    assert_eq!(conn.sessions(), [vec!["INBOX".to_string(), "Sent".into()]]);
    assert!(conn.has_listed(), "no side connection: it listed itself");
}

/// A server that refuses IDLE: the worker polls (its watcher with NOOP) on the
/// connections it holds. (Each refusal made them log in again, and the
/// SELECT before it reset their backoff: a login a second per watcher.)
#[test]
fn a_server_that_refuses_idle_is_polled_not_hammered() {
    let d = Dovecot::start();
    let cache = tempfile::tempdir().unwrap();
    let mut cfg = account(&d, cache.path(), Tls::None);
    cfg.imap.as_mut().unwrap().port = support::refusing_proxy(d.imap_port, "IDLE");
    let (w, _notices) = support::started_worker(&cfg);
    let logins = || d.log().matches("imap-login: Info: Login:").count();
    let before = logins();
    std::thread::sleep(Duration::from_secs(4));
    let after = logins();
    w.request(replypad::sync::worker::Request::Stop);
    assert!(before >= 2, "the log counts logins: {before}");
    assert_eq!(after, before, "no logins after the start:\n{}", d.log());
}
