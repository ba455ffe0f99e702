//! Replies end to end against the test Dovecot and a real SMTP server
//! (aiosmtpd): sending and threading, the review queue with two instances,
//! a crash after the server accepted, an SMTP server down and one that
//! refuses, a hostile STARTTLS server, and the collision guard.

mod support;

use replypad::config::Tls;
use std::path::Path;
use support::cli::Instance as Agent;
use support::dovecot::Dovecot;
use support::smtp::{Smtp, SmtpOptions};
use support::{account, message};

const KEY: &str = "s3cret-team-key";

fn smtp_section(port: u16, tls: &str, ca: Option<&Path>) -> String {
    let mut s = format!("[smtp]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"{tls}\"\n");
    if let Some(ca) = ca {
        s += &format!("ca_file = {ca:?}\n");
    }
    s
}

fn agent(d: &Dovecot, name: &str, smtp: &str, review: &str) -> Agent {
    Agent::new(
        d,
        name,
        &format!("key_command = \"printf {KEY}\"\n{smtp}\n{review}"),
    )
}

/// The ids the tests look up.
trait Ids {
    /// The id of the only conversation.
    fn conversation(&self) -> String;
    /// The id of the newest draft.
    fn draft(&self) -> String;
}

impl Ids for Agent {
    fn conversation(&self) -> String {
        let t = self.json(&["threads", "--json"]);
        assert_eq!(t.as_array().unwrap().len(), 1, "{t}");
        t[0]["id"].as_str().unwrap().to_string()
    }

    fn draft(&self) -> String {
        let d = self.json(&["drafts", "list", "--json"]);
        d[0]["id"].as_str().unwrap().to_string()
    }
}

fn seed(d: &Dovecot) {
    let mut c =
        replypad::sync::connect(&account(d, Path::new("/nonexistent"), Tls::Implicit)).unwrap();
    c.append(
        "INBOX",
        &message(
            "t1",
            &[],
            "Refund for order 1234",
            "Please refund order 1234.",
        ),
        false,
    )
    .unwrap();
}

/// A Dovecot with one customer message, a TLS SMTP server, and two agents
/// (ana, bo) with `review` policy config, both synced; and the conversation.
fn two_agents(review: &str) -> (Dovecot, Smtp, Agent, Agent, String) {
    let d = Dovecot::start();
    seed(&d);
    let smtp = tls_smtp();
    let s = smtp_section(smtp.port, "implicit", smtp.cert.as_deref());
    let (ana, bo) = (agent(&d, "ana", &s, review), agent(&d, "bo", &s, review));
    ana.ok(&["sync"]);
    bo.ok(&["sync"]);
    let conv = ana.conversation();
    (d, smtp, ana, bo, conv)
}

/// A Dovecot with one customer message, a TLS SMTP server, and ana,
/// synced; and the conversation.
fn one_agent() -> (Dovecot, Smtp, Agent, String) {
    let d = Dovecot::start();
    seed(&d);
    let smtp = tls_smtp();
    let ana = agent(
        &d,
        "ana",
        &smtp_section(smtp.port, "implicit", smtp.cert.as_deref()),
        "",
    );
    ana.ok(&["sync"]);
    let conv = ana.conversation();
    (d, smtp, ana, conv)
}

fn tls_smtp() -> Smtp {
    Smtp::start(SmtpOptions {
        tls: true,
        ..Default::default()
    })
}

fn header<'a>(raw: &'a str, name: &str) -> Option<&'a str> {
    raw.split("\r\n\r\n").next()?.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

#[test]
fn a_reply_reaches_the_smtp_server_and_threads_into_the_conversation_once() {
    let d = Dovecot::start();
    seed(&d);
    // With SMTP AUTH: the password comes from password_command.
    let smtp = Smtp::start(SmtpOptions {
        tls: true,
        auth: Some(("agent".into(), "pw".into())),
        ..Default::default()
    });
    let section = smtp_section(smtp.port, "implicit", smtp.cert.as_deref())
        + "user = \"agent\"\npassword_command = \"printf pw\"\n";
    let ana = agent(&d, "ana", &section, "");
    ana.ok(&["sync"]);
    let conv = ana.conversation();
    let body = ana.file("reply.txt", "Hi,\n\nThe refund is on its way.\n.\nAna");
    let out = ana.ok(&["reply", &conv, "--file", &body]);
    assert!(out.contains("sent"), "{out}");

    let got = smtp.received();
    assert_eq!(got.len(), 1, "exactly one message reached the server");
    let raw = String::from_utf8(got[0].clone()).unwrap();
    assert_eq!(header(&raw, "In-Reply-To"), Some("<t1@shop.test>"), "{raw}");
    assert_eq!(header(&raw, "References"), Some("<t1@shop.test>"), "{raw}");
    assert_eq!(header(&raw, "Subject"), Some("Re: Refund for order 1234"));
    assert_eq!(
        header(&raw, "From"),
        Some("\"ana at Support\" <support@example.com>")
    );
    assert!(
        header(&raw, "To")
            .unwrap()
            .contains("customer-t1@shop.test")
    );
    assert!(
        header(&raw, "X-Test-Rcpt-To")
            .unwrap()
            .contains("customer-t1@shop.test")
    );
    let mid = header(&raw, "Message-ID").unwrap().to_string();
    assert!(raw.contains("> Please refund order 1234."), "quoted: {raw}");
    assert!(
        raw.contains("\r\n..\r\n") || raw.contains("\r\n.\r\nAna"),
        "a lone dot survives: {raw}"
    );

    // On resync the reply is in Sent and in the conversation, once.
    ana.ok(&["sync"]);
    let show = ana.json(&["show", &conv, "--json"]);
    let msgs = show["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 2, "{show}");
    assert_eq!(msgs[1]["from_team"], true);
    assert_eq!(
        format!("<{}>", msgs[1]["message_id"].as_str().unwrap()),
        mid
    );
    ana.ok(&["sync"]);
    assert_eq!(ana.conversation(), conv, "still one conversation");
    let h = ana.json(&["history", &conv, "--json"]);
    assert!(h.to_string().contains("\"sent\""), "a sent event: {h}");
    let outbox = ana.json(&["outbox", "--json"]);
    assert_eq!(outbox[0]["state"], "sent");
}

#[test]
fn review_flow_with_two_instances() {
    let (_d, smtp, ana, bo, conv) = two_agents("[review]\nrequired = \"everyone\"\n");
    let v1 = ana.file("v1.txt", "Refund done.");
    ana.ok(&["reply", &conv, "--file", &v1, "--draft"]);
    let draft = ana.draft();

    // With review required, sending unapproved is refused.
    let (code, out) = ana.run(&["drafts", "send", &draft]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("review is required"), "{out}");

    ana.ok(&["drafts", "submit", &draft, "--reviewer", "bo"]);
    bo.ok(&["sync"]);
    let queue = bo.json(&["review", "list", "--json"]);
    assert_eq!(queue[0]["draft"], draft.as_str(), "{queue}");
    assert_eq!(queue[0]["state"], "waiting");
    let shown = bo.ok(&["review", "show", &draft]);
    assert!(
        shown.contains("Please refund order 1234."),
        "customer beside draft: {shown}"
    );
    let (code, out) = ana.run(&["review", "approve", &draft]);
    assert_ne!(code, 0, "an author cannot approve their own draft: {out}");
    bo.ok(&[
        "review",
        "request-changes",
        &draft,
        "--comment",
        "Thank them and give the date",
    ]);

    ana.ok(&["sync"]);
    let mine = ana.ok(&["drafts", "list"]);
    assert!(
        mine.contains("changes requested by bo@example.com: Thank them and give the date"),
        "{mine}"
    );
    let (code, out) = ana.run(&["drafts", "send", &draft]);
    assert_eq!(code, 3, "still not approved: {out}");
    let v2 = ana.file(
        "v2.txt",
        "Thank you for your patience. The refund reaches you by Friday.\n",
    );
    ana.ok(&["drafts", "edit", &draft, "--file", &v2]);
    ana.ok(&["drafts", "submit", &draft]);

    bo.ok(&["sync"]);
    let shown = bo.ok(&["review", "show", &draft]);
    assert!(shown.contains("changes since revision 1"), "{shown}");
    assert!(shown.contains("+ Thank you for your patience"), "{shown}");
    bo.ok(&["review", "approve", &draft]);
    assert!(
        smtp.received().is_empty(),
        "nothing sent before the author sends"
    );

    ana.ok(&["sync"]);
    let out = ana.ok(&["drafts", "send", &draft]);
    assert!(out.contains(": sent"), "{out}");
    let got = smtp.received();
    assert_eq!(got.len(), 1);
    let raw = String::from_utf8_lossy(&got[0]);
    assert!(
        raw.contains("reaches you by Friday"),
        "the approved revision: {raw}"
    );
    bo.ok(&["sync"]);
    assert_eq!(bo.json(&["review", "list", "--json"])[0]["state"], "sent");
}

#[test]
fn a_crash_after_the_server_accepted_does_not_send_twice() {
    let (_d, smtp, ana, conv) = one_agent();
    let body = ana.file("r.txt", "On its way.");
    let (code, out) = ana.run_env(
        &["reply", &conv, "--file", &body],
        &[("REPLYPAD_FAULT", "after-smtp-accept")],
    );
    assert_ne!(code, 0, "the fault hook aborts the process: {out}");
    assert_eq!(smtp.received().len(), 1, "the server accepted it");

    // Running the same command again (the agent saw it die) does not send
    // the customer the same answer twice: it says so and exits 3.
    let (code, out) = ana.run_env(&["reply", &conv, "--file", &body], &[]);
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains("earlier reply") && out.contains("--force"),
        "{out}"
    );
    assert_eq!(smtp.received().len(), 1, "not sent again");

    // Restart: the send is found interrupted, not repeated; the agent is told.
    let out = ana.ok(&["outbox"]);
    assert!(out.contains("delivery unknown"), "{out}");
    ana.ok(&["sync"]);
    ana.ok(&["outbox"]);
    assert_eq!(smtp.received().len(), 1, "never sent a second time");
    let rows = ana.json(&["outbox", "--json"]);
    assert_eq!(rows[0]["state"], "unknown", "{rows}");
    // The agent decides: forget it (a mistyped number says there is none).
    let (code, out) = ana.run(&["outbox", "forget", "7"]);
    assert!(code != 0 && out.contains("no outbox entry #7"), "{out}");
    ana.ok(&["outbox", "forget", "1"]);
    assert!(
        ana.json(&["outbox", "--json"])
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn smtp_down_waits_in_the_outbox_and_a_5xx_is_shown_and_kept() {
    let d = Dovecot::start();
    seed(&d);
    let cert_dir = tempfile::tempdir().unwrap();
    let cert = support::make_cert(cert_dir.path());
    let ca = cert.0.clone();
    let smtp = Smtp::start(SmtpOptions {
        tls: true,
        cert: Some(cert.clone()),
        ..Default::default()
    });
    let port = smtp.port;
    drop(smtp); // the server goes down
    let ana = agent(&d, "ana", &smtp_section(port, "implicit", Some(&ca)), "");
    ana.ok(&["sync"]);
    let conv = ana.conversation();
    let body = ana.file("r.txt", "On its way.");
    let (code, out) = ana.run(&["reply", &conv, "--file", &body]);
    assert_eq!(code, 4, "not sent yet: {out}");
    assert!(out.contains("waits in the outbox"), "{out}");
    assert_eq!(ana.json(&["outbox", "--json"])[0]["state"], "queued");

    // Back (same port, same certificate): `replypad outbox` sends it.
    let back = Smtp::start(SmtpOptions {
        tls: true,
        port: Some(port),
        cert: Some(cert.clone()),
        ..Default::default()
    });
    let out = ana.ok(&["outbox"]);
    assert!(out.contains("sent 1"), "{out}");
    assert_eq!(back.received().len(), 1);
    drop(back);

    // A server that refuses with 5xx: the text is shown, the message kept.
    let refusing = Smtp::start(SmtpOptions {
        tls: true,
        port: Some(port),
        cert: Some(cert),
        reject: Some("554 5.7.1 Rejected by policy".into()),
        ..Default::default()
    });
    let body = ana.file("r2.txt", "And another thing.");
    let (code, out) = ana.run(&["reply", &conv, "--file", &body]);
    assert_eq!(code, 4, "{out}");
    assert!(
        out.contains("554") && out.contains("Rejected by policy"),
        "{out}"
    );
    let rows = ana.json(&["outbox", "--json"]);
    assert_eq!(rows[1]["state"], "failed", "{rows}");
    assert!(refusing.received().is_empty());
}

/// A hostile server on 127.0.0.1: offers STARTTLS and injects plaintext
/// replies after its 220 (the response-injection attack).
fn hostile_starttls_server() -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{BufRead, BufReader, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let datas = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = datas.clone();
    std::thread::spawn(move || {
        for c in l.incoming() {
            let Ok(mut c) = c else { return };
            let mut r = BufReader::new(c.try_clone().unwrap());
            let _ = c.write_all(b"220 hostile ESMTP\r\n");
            let mut line = String::new();
            while r.read_line(&mut line).is_ok_and(|n| n > 0) {
                let cmd = line.trim().to_ascii_uppercase();
                let reply: &[u8] = if cmd.starts_with("EHLO") {
                    b"250-hostile\r\n250 STARTTLS\r\n"
                } else if cmd == "STARTTLS" {
                    b"220 go ahead\r\n250-injected\r\n250 AUTH PLAIN\r\n250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n"
                } else if cmd == "DATA" {
                    seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    b"354 go\r\n"
                } else {
                    b"250 ok\r\n"
                };
                let _ = c.write_all(reply);
                line.clear();
            }
        }
    });
    (port, datas)
}

#[test]
fn a_hostile_starttls_server_cannot_make_a_message_look_sent() {
    let d = Dovecot::start();
    seed(&d);
    let (port, datas) = hostile_starttls_server();
    let ana = agent(&d, "ana", &smtp_section(port, "starttls", None), "");
    ana.ok(&["sync"]);
    let conv = ana.conversation();
    let body = ana.file("r.txt", "Hello");
    let (code, out) = ana.run(&["reply", &conv, "--file", &body]);
    assert_eq!(code, 4, "{out}");
    assert!(
        out.contains("not sent") && out.contains("response injection"),
        "{out}"
    );
    let rows = ana.json(&["outbox", "--json"]);
    assert_eq!(rows[0]["state"], "failed", "{rows}");
    assert_eq!(datas.load(std::sync::atomic::Ordering::SeqCst), 0);
    assert!(!ana.ok(&["history", &conv]).contains("replied"));
}

#[test]
fn a_teammates_note_while_drafting_stops_the_send() {
    let (_d, smtp, ana, bo, conv) = two_agents("");
    let body = ana.file("r.txt", "Refund done.");
    ana.ok(&["reply", &conv, "--file", &body, "--draft"]);
    let draft = ana.draft();
    bo.ok(&[
        "note",
        &conv,
        "Careful: the customer called, refund already issued by phone",
    ]);
    ana.ok(&["sync"]);
    let (code, out) = ana.run(&["drafts", "send", &draft]);
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains("note by bo@example.com: Careful: the customer called"),
        "{out}"
    );
    assert!(smtp.received().is_empty());
    let out = ana.ok(&["drafts", "send", &draft, "--anyway"]);
    assert!(out.contains(": sent"), "{out}");
    assert_eq!(smtp.received().len(), 1);
}

#[test]
fn replying_presence_is_seen_by_a_teammate_and_expires() {
    use replypad::domain::events::{Event, EventKind, new_event_id};
    let d = Dovecot::start();
    seed(&d);
    let (ana, bo) = (agent(&d, "ana", "", ""), agent(&d, "bo", "", ""));
    ana.ok(&["sync"]);
    bo.ok(&["sync"]);
    let conv = ana.conversation();
    // Ana starts drafting (what the TUI's reply key does) and it is pushed.
    let cfg = replypad::config::Config::load(&ana.config).unwrap();
    let key = replypad::config::Secret::new(KEY);
    {
        // A desk that keeps the event local; the sync below pushes it.
        let store = replypad::store::Store::open(&cfg.cache_file()).unwrap();
        let outbox = tempfile::tempdir().unwrap();
        let mut me = replypad::desk::Desk::new(
            store,
            cfg.clone(),
            Some(key.clone()),
            Box::new(replypad::desk::transport::Demo::files(outbox.path().into())),
        );
        me.presence(&conv, true).unwrap();
    }
    ana.ok(&["sync"]);
    bo.ok(&["sync"]);
    let t = bo.json(&["threads", "--json"]);
    assert_eq!(t[0]["replying"], "ana@example.com", "{t}");

    // Presence expires by itself: one whose time is up shows nothing.
    {
        let mut store = replypad::store::Store::open(&cfg.cache_file()).unwrap();
        let e = Event {
            id: new_event_id(),
            conversation: conv.clone(),
            agent: "ana@example.com".into(),
            at: chrono::Utc::now().timestamp(),
            kind: EventKind::Replying {
                on: true,
                until: chrono::Utc::now().timestamp() - 1,
            },
        };
        let raw = replypad::mail::team_event::encode(&e, Some(&key), None, "support@example.com");
        store.record_local_event(&e, &raw).unwrap();
    }
    ana.ok(&["sync"]);
    bo.ok(&["sync"]);
    let t = bo.json(&["threads", "--json"]);
    assert!(t[0]["replying"].is_null(), "{t}");
}

#[test]
fn a_team_template_saved_by_one_agent_is_offered_by_the_others_picker() {
    let d = Dovecot::start();
    seed(&d);
    let (ana, bo) = (agent(&d, "ana", "", ""), agent(&d, "bo", "", ""));
    ana.ok(&["sync"]);
    bo.ok(&["sync"]);
    let tpl = ana.file(
        "shipping.md",
        "---\nname: shipping-delay\ndescription: The parcel is late\ntags: [shipping]\n---\n\
         Hi {{ customer.first_name | default(\"there\", true) }},\n\nThank you for your patience: \
         your parcel {{ ask(\"Tracking number\") }} is delayed by a day.\n",
    );
    let out = ana.ok(&["templates", "save", "shipping-delay", "--file", &tpl]);
    assert!(out.contains("saved"), "{out}");
    let broken = ana.file(
        "broken.md",
        "---\nname: broken\n---\n{{ customer.frist_name }}",
    );
    let (code, out) = ana.run(&["templates", "save", "broken", "--file", &broken]);
    assert_ne!(code, 0, "{out}");
    assert!(
        out.contains("unknown placeholders: customer.frist_name"),
        "{out}"
    );

    bo.ok(&["sync"]);
    let list = bo.ok(&["templates", "list"]);
    assert!(
        list.contains("shipping-delay") && list.contains("team"),
        "{list}"
    );

    // Bo's picker (the real App on Bo's cache) offers it.
    let cfg = replypad::config::Config::load(&bo.config).unwrap();
    let (mut app, _) = support::live_app(&cfg, false, 120, 40);
    app.feed("<Enter>T");
    app.type_text("shipping");
    let p = app.picker.as_ref().expect("picker open");
    assert_eq!(p.current().unwrap().name, "shipping-delay");
    // "Customer t1" is no first name: the fallback is used.
    assert!(
        p.preview().unwrap().text.starts_with("Hi there,"),
        "{:?}",
        p.preview()
    );

    // Deleted by one, gone for the other after sync.
    ana.ok(&["templates", "delete", "shipping-delay"]);
    bo.ok(&["sync"]);
    assert!(!bo.ok(&["templates", "list"]).contains("shipping-delay"));
}

#[test]
fn a_reviewer_edits_and_approves_and_the_author_sends_the_edit_and_a_new_message_goes_out() {
    let (_d, smtp, ana, bo, conv) =
        two_agents("[review]\nrequired = \"listed\"\nagents = [\"ana@example.com\"]\n");
    let v1 = ana.file("v1.txt", "refund ok");
    ana.ok(&["reply", &conv, "--file", &v1, "--submit-for-review"]);
    let draft = ana.draft();
    bo.ok(&["sync"]);
    let edit = bo.file(
        "edit.txt",
        "Hi,\n\nThank you for waiting: your refund for order 1234 is on its way.\n",
    );
    let out = bo.ok(&["review", "edit", &draft, "--file", &edit]);
    assert!(out.contains("revision 2"), "{out}");
    bo.ok(&["review", "approve", &draft]);
    ana.ok(&["sync"]);
    let out = ana.ok(&["drafts", "send", &draft]);
    assert!(out.contains("took over revision 2"), "{out}");
    assert!(out.contains(": sent"), "{out}");
    let got = smtp.received();
    assert_eq!(got.len(), 1);
    assert!(String::from_utf8_lossy(&got[0]).contains("your refund for order 1234"));

    // Bo is not on the review list: a new message goes straight out.
    let body = bo.file("new.txt", "Hi Kim,\n\nWelcome aboard.");
    let out = bo.ok(&[
        "new",
        "--to",
        "Kim <kim@shop.test>",
        "--subject",
        "Welcome to Example",
        "--file",
        &body,
    ]);
    assert!(out.contains(": sent"), "{out}");
    let got = smtp.received();
    assert_eq!(got.len(), 2);
    let raw = String::from_utf8_lossy(&got[1]).into_owned();
    assert!(header(&raw, "In-Reply-To").is_none(), "{raw}");
    assert_eq!(header(&raw, "Subject"), Some("Welcome to Example"));
    bo.ok(&["sync"]);
    let t = bo.json(&["threads", "--json"]);
    assert!(
        t.as_array()
            .unwrap()
            .iter()
            .any(|c| c["subject"] == "Welcome to Example"),
        "the new message is a conversation after sync: {t}"
    );
}

#[test]
fn the_background_worker_sends_a_queued_reply_and_files_it_in_sent() {
    use replypad::domain::compose::DraftKind;
    let (_d, smtp, ana, conv) = one_agent();
    let (w, notices) = support::started_worker(&ana.cfg);
    // What the TUI's Ctrl-s does: queue, then ask the worker to send.
    {
        let store = replypad::store::Store::open(&ana.cfg.cache_file()).unwrap();
        let key = replypad::config::Secret::new(KEY);
        let outbox = tempfile::tempdir().unwrap();
        let mut me = replypad::desk::Desk::new(
            store,
            ana.cfg.clone(),
            Some(key),
            Box::new(replypad::desk::transport::Demo::files(outbox.path().into())),
        );
        let mut draft = me.start_reply(&conv, DraftKind::Reply).unwrap();
        draft.body = format!("Sent by the worker.{}", draft.body);
        me.queue_send(&draft).unwrap();
    }
    w.request(replypad::sync::worker::Request::Send);
    let t0 = std::time::Instant::now();
    loop {
        let store = replypad::store::Store::open(&ana.cfg.cache_file()).unwrap();
        let filed = store
            .conversation(&conv)
            .unwrap()
            .unwrap()
            .messages
            .iter()
            .any(|m| m.from_team);
        if smtp.received().len() == 1 && filed {
            break;
        }
        assert!(
            t0.elapsed() < std::time::Duration::from_secs(15),
            "not sent and filed: {:?}",
            notices.lock().unwrap()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    w.request(replypad::sync::worker::Request::Stop);
    assert_eq!(ana.json(&["outbox", "--json"])[0]["state"], "sent");
}

/// Undo send against the real worker and SMTP server: a reply held for
/// undo send is not sent before its time although the worker is asked to
/// send, `unsend` takes it back while it waits, and a held reply left
/// alone goes out when due.
#[test]
fn the_worker_keeps_a_held_reply_until_its_time_and_unsend_wins() {
    use replypad::domain::compose::DraftKind;
    use std::time::{Duration, Instant};
    let (_d, smtp, ana, conv) = one_agent();
    let (w, _notices) = support::started_worker(&ana.cfg);
    let store = replypad::store::Store::open(&ana.cfg.cache_file()).unwrap();
    let outbox = tempfile::tempdir().unwrap();
    let mut me = replypad::desk::Desk::new(
        store,
        ana.cfg.clone(),
        Some(replypad::config::Secret::new(KEY)),
        Box::new(replypad::desk::transport::Demo::files(outbox.path().into())),
    );
    let mut draft = me.start_reply(&conv, DraftKind::Reply).unwrap();
    draft.body = format!("Taken back.{}", draft.body);
    let held = me.queue_send_held(&draft, 3).unwrap();
    w.request(replypad::sync::worker::Request::Send);
    std::thread::sleep(Duration::from_millis(1500));
    assert!(smtp.received().is_empty(), "sent before its time");
    let back = me.unsend(held).unwrap().expect("taken back while held");
    assert_eq!(back, draft.id);
    assert_eq!(
        me.store.draft(&back).unwrap().state,
        replypad::domain::compose::DraftState::Editing
    );
    assert!(me.unsend(held).unwrap().is_none(), "only once");
    std::thread::sleep(Duration::from_secs(3));
    assert!(smtp.received().is_empty(), "an unsent reply never goes");
    // Held again and left alone: out when due (the worker wakes for it).
    let t0 = Instant::now();
    let again = me.queue_send_held(&draft, 2).unwrap();
    w.request(replypad::sync::worker::Request::Send);
    while smtp.received().is_empty() {
        assert!(t0.elapsed() < Duration::from_secs(10), "not sent when due");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        t0.elapsed() >= Duration::from_millis(1500),
        "{:?}",
        t0.elapsed()
    );
    assert!(me.unsend(again).unwrap().is_none(), "too late once sent");
    w.request(replypad::sync::worker::Request::Stop);
}
