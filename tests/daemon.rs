//! The automation daemon against a real Dovecot and a real SMTP server:
//! automatic acknowledgements (RFC 3834 and loop safety, once per sender,
//! in and out of business hours), replies and updates sent later, and
//! exactly once across runners and crashes.

mod support;

use std::path::Path;
use support::cli::Instance as Agent;
use support::dovecot::Dovecot;
use support::smtp::{Smtp, SmtpOptions};

const KEY: &str = "s3cret-team-key";

fn smtp() -> Smtp {
    Smtp::start(SmtpOptions {
        tls: true,
        ..Default::default()
    })
}

fn agent(d: &Dovecot, s: &Smtp, name: &str, extra: &str) -> Agent {
    let ca = s.cert.as_deref().unwrap_or(Path::new("/nonexistent"));
    Agent::new(
        d,
        name,
        &format!(
            "key_command = \"printf {KEY}\"\n[smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"implicit\"\nca_file = {ca:?}\n{extra}",
            s.port
        ),
    )
}

/// A customer mail from `from`, with `extra` header lines.
fn mail(id: &str, from: &str, subject: &str, extra: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: support@example.com\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\n\
         Date: Fri, 4 Dec 2026 10:00:00 +0000\r\n{extra}\r\nHello, I need help with {subject}.\r\n"
    )
    .into_bytes()
}

fn deliver(d: &Dovecot, raw: &[u8]) {
    let mut c = support::client(d);
    c.append("INBOX", raw, false).unwrap();
}

fn header<'a>(raw: &'a str, name: &str) -> Option<&'a str> {
    raw.split("\r\n\r\n").next()?.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn received(s: &Smtp) -> Vec<String> {
    s.received()
        .iter()
        .map(|r| String::from_utf8_lossy(r).into_owned())
        .collect()
}

/// The acknowledgement switch is in the log before the mail arrives
/// (only mail after it is answered).
fn switch_on(a: &Agent) {
    a.ok(&["daemon", "--once"]);
    std::thread::sleep(std::time::Duration::from_millis(1100));
}

const ACK: &str = "[automation]\nacknowledge = true\n";

#[test]
fn one_acknowledgement_with_the_right_headers_then_none_for_the_same_sender() {
    let d = Dovecot::start();
    let s = smtp();
    // A mail from before the switch: the backlog is never answered.
    deliver(
        &d,
        &mail("old@customer.test", "Old <old@customer.test>", "old", ""),
    );
    let ana = agent(&d, &s, "ana", ACK);
    switch_on(&ana);
    deliver(
        &d,
        &mail(
            "k1@customer.test",
            "Kim Lee <kim@customer.test>",
            "Refund",
            "",
        ),
    );
    let out = ana.ok(&["daemon", "--once"]);
    let got = received(&s);
    assert_eq!(got.len(), 1, "{out}\n{got:?}");
    let ack = &got[0];
    assert_eq!(header(ack, "Auto-Submitted"), Some("auto-replied"));
    assert_eq!(header(ack, "X-Loop"), Some("support@example.com"));
    assert_eq!(header(ack, "In-Reply-To"), Some("<k1@customer.test>"));
    assert!(
        header(ack, "References")
            .unwrap()
            .contains("<k1@customer.test>")
    );
    assert!(header(ack, "To").unwrap().contains("kim@customer.test"));
    assert!(ack.contains("Hi Kim"), "{ack}");
    let conv = ana.json(&["threads", "--json"]);
    let kim = conv
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["subject"] == "Refund")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(ack.contains(&kim), "the ticket id is in the text: {ack}");
    // Done, in the log, by ana's runner.
    let jobs = ana.json(&["jobs", "--json"]);
    let done: Vec<_> = jobs
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| j["state"] == "done")
        .collect();
    assert_eq!(done.len(), 1, "{jobs}");
    assert!(
        done[0]["runner"]
            .as_str()
            .unwrap()
            .starts_with("ana@example.com on ")
    );
    // Again: nothing more.
    ana.ok(&["daemon", "--once"]);
    assert_eq!(received(&s).len(), 1);
    // A second mail from Kim within 7 days: a new conversation, no acknowledgement.
    deliver(
        &d,
        &mail(
            "k2@customer.test",
            "Kim Lee <kim@customer.test>",
            "Invoice",
            "",
        ),
    );
    ana.ok(&["daemon", "--once"]);
    assert_eq!(received(&s).len(), 1);
    let jobs = ana.ok(&["jobs"]);
    assert!(jobs.contains("at most once per 7 days"), "{jobs}");
}

#[test]
fn out_of_hours_mail_gets_the_out_of_hours_template() {
    let d = Dovecot::start();
    let s = smtp();
    // Open only on a day that is not today (in UTC).
    let tomorrow = chrono::Utc::now().date_naive().succ_opt().unwrap();
    let day = chrono::Datelike::weekday(&tomorrow)
        .to_string()
        .to_lowercase();
    let hours = format!(
        "[hours]\ntimezone = \"UTC\"\ndays = [\"{day}\"]\nopen = \"09:00\"\nclose = \"17:00\"\n"
    );
    let ana = agent(&d, &s, "ana", &format!("{ACK}{hours}"));
    switch_on(&ana);
    deliver(
        &d,
        &mail("n1@customer.test", "Noor <noor@customer.test>", "Login", ""),
    );
    ana.ok(&["daemon", "--once"]);
    let got = received(&s);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].contains("outside our working hours"), "{}", got[0]);
    assert!(
        got[0].contains("09:00"),
        "the hours are in the text: {}",
        got[0]
    );
}

/// One mail for each rule an automatic reply must respect: none is answered.
#[test]
fn the_loop_safety_matrix_answers_nothing() {
    let d = Dovecot::start();
    let s = smtp();
    let ana = agent(&d, &s, "ana", ACK);
    switch_on(&ana);
    let cases: &[(&str, &str, &str)] = &[
        (
            "Auto-Submitted",
            "a <a@customer.test>",
            "Auto-Submitted: auto-replied\r\n",
        ),
        (
            "Auto-Generated",
            "b <b@customer.test>",
            "Auto-Submitted: auto-generated\r\n",
        ),
        (
            "Precedence bulk",
            "c <c@customer.test>",
            "Precedence: bulk\r\n",
        ),
        (
            "Precedence list",
            "d <d@customer.test>",
            "Precedence: list\r\n",
        ),
        (
            "Precedence junk",
            "e <e@customer.test>",
            "Precedence: junk\r\n",
        ),
        (
            "List-Id",
            "f <f@customer.test>",
            "List-Id: <users.lists.test>\r\n",
        ),
        (
            "List-Unsubscribe",
            "g <g@customer.test>",
            "List-Unsubscribe: <mailto:u@lists.test>\r\n",
        ),
        (
            "X-Loop",
            "h <h@customer.test>",
            "X-Loop: support@example.com\r\n",
        ),
        (
            "Suppress All",
            "i <i@customer.test>",
            "X-Auto-Response-Suppress: All\r\n",
        ),
        (
            "Suppress OOF",
            "j <j@customer.test>",
            "X-Auto-Response-Suppress: DR, OOF\r\n",
        ),
        (
            "Empty return path",
            "k <k@customer.test>",
            "Return-Path: <>\r\n",
        ),
        ("Mailer daemon", "MAILER-DAEMON@mx.customer.test", ""),
        ("Postmaster", "postmaster@customer.test", ""),
        ("Noreply", "No Reply <noreply@customer.test>", ""),
        ("Owner", "owner-users@lists.test", ""),
        ("Request", "users-request@lists.test", ""),
        ("Team address", "Support <support@example.com>", ""),
        ("Agent address", "Ana <ana@example.com>", ""),
    ];
    for (i, (subject, from, extra)) in cases.iter().enumerate() {
        deliver(
            &d,
            &mail(&format!("m{i}@customer.test"), from, subject, extra),
        );
    }
    // Our own Message-ID domain.
    deliver(
        &d,
        &mail("ours@example.com", "l <l@customer.test>", "Own id", ""),
    );
    ana.ok(&["daemon", "--once"]);
    assert_eq!(received(&s), Vec::<String>::new());
    let jobs = ana.json(&["jobs", "--json"]);
    let skipped = jobs.as_array().unwrap();
    // The team address's own mail is the team's, never a candidate at all.
    assert_eq!(skipped.len(), cases.len(), "{jobs}");
    for j in skipped {
        assert_eq!(j["state"], "skipped", "{j}");
        assert!(
            j["detail"]
                .as_str()
                .unwrap()
                .starts_with("not acknowledged: "),
            "{j}"
        );
    }
    // A plain customer mail after them is answered: the rules held, not the daemon.
    deliver(
        &d,
        &mail("ok@customer.test", "Ok <ok@customer.test>", "Fine", ""),
    );
    ana.ok(&["daemon", "--once"]);
    assert_eq!(received(&s).len(), 1);
}

fn only_conversation(a: &Agent) -> String {
    let t = a.json(&["threads", "--json"]);
    assert_eq!(t.as_array().unwrap().len(), 1, "{t}");
    t[0]["id"].as_str().unwrap().to_string()
}

fn job_state(a: &Agent, id: &str) -> serde_json::Value {
    let jobs = a.json(&["jobs", "--json"]);
    jobs.as_array()
        .unwrap()
        .iter()
        .find(|j| j["id"].as_str().unwrap().starts_with(id))
        .unwrap_or_else(|| panic!("no job {id} in {jobs}"))
        .clone()
}

fn scheduled_id(out: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix("scheduled job "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no job in {out}"))
        .to_string()
}

#[test]
fn a_reply_scheduled_by_one_agent_is_sent_by_anothers_daemon_once_and_a_cancelled_one_never() {
    let d = Dovecot::start();
    let s = smtp();
    deliver(
        &d,
        &mail(
            "q1@customer.test",
            "Kim <kim@customer.test>",
            "Question",
            "",
        ),
    );
    let ana = agent(&d, &s, "ana", "");
    let lee = agent(&d, &s, "lee", "");
    ana.ok(&["sync"]);
    let conv = only_conversation(&ana);
    let body = ana.file("reply.txt", "Here is the answer you asked for.");
    let out = ana.ok(&["schedule", &conv, "--at", "4s", "--file", &body]);
    let job = scheduled_id(&out);
    let out = ana.ok(&["schedule", &conv, "--at", "4s", "--file", &body, "--force"]);
    let cancelled = scheduled_id(&out);
    ana.ok(&["schedule", "cancel", &cancelled]);
    // Ana's laptop is closed: Lee's daemon runs. Not due yet: nothing.
    lee.ok(&["daemon", "--once"]);
    assert_eq!(received(&s).len(), 0);
    assert_eq!(job_state(&lee, &job)["state"], "pending");
    std::thread::sleep(std::time::Duration::from_secs(5));
    lee.ok(&["daemon", "--once"]);
    lee.ok(&["daemon", "--once"]);
    let got = received(&s);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].contains("Here is the answer you asked for."));
    assert!(
        header(&got[0], "From")
            .unwrap()
            .contains("support@example.com")
    );
    let j = job_state(&ana, &job);
    assert_eq!(j["state"], "pending", "ana has not synced yet: {j}");
    ana.ok(&["sync"]);
    let j = job_state(&ana, &job);
    assert_eq!(j["state"], "done", "{j}");
    assert!(
        j["runner"]
            .as_str()
            .unwrap()
            .starts_with("lee@example.com on ")
    );
    assert_eq!(job_state(&ana, &cancelled)["state"], "cancelled");
    // Ana's daemon now has nothing to do either.
    ana.ok(&["daemon", "--once"]);
    assert_eq!(received(&s).len(), 1);
    // A job that ran cannot be cancelled.
    let (code, out) = ana.run(&["schedule", "cancel", &job]);
    assert_ne!(code, 0, "{out}");
}

#[test]
fn a_customer_reply_cancels_a_scheduled_update() {
    let d = Dovecot::start();
    let s = smtp();
    deliver(
        &d,
        &mail("u1@customer.test", "Kim <kim@customer.test>", "Waiting", ""),
    );
    let ana = agent(&d, &s, "ana", "");
    let lee = agent(&d, &s, "lee", "");
    ana.ok(&["sync"]);
    let conv = only_conversation(&ana);
    let out = ana.ok(&["schedule", &conv, "--update", "--at", "3s"]);
    let job = scheduled_id(&out);
    let out = ana.ok(&["schedule", &conv, "--update", "--at", "3s"]);
    let second = scheduled_id(&out);
    ana.ok(&["schedule", "cancel", &second]);
    // The customer writes again before it is due.
    let reply = "From: Kim <kim@customer.test>\r\nTo: support@example.com\r\nSubject: Re: Waiting\r\n\
         Message-ID: <u2@customer.test>\r\nIn-Reply-To: <u1@customer.test>\r\nReferences: <u1@customer.test>\r\n\
         Date: Fri, 4 Dec 2026 11:00:00 +0000\r\n\r\nAny news?\r\n";
    std::thread::sleep(std::time::Duration::from_millis(1100));
    deliver(&d, reply.as_bytes());
    std::thread::sleep(std::time::Duration::from_secs(3));
    lee.ok(&["daemon", "--once"]);
    assert_eq!(received(&s).len(), 0);
    let j = job_state(&lee, &job);
    assert_eq!(j["state"], "skipped", "{j}");
    assert!(
        j["detail"]
            .as_str()
            .unwrap()
            .contains("the customer wrote again"),
        "{j}"
    );
    // Without a reply, an update goes, once.
    let out = ana.ok(&["schedule", &conv, "--update", "--at", "2s"]);
    let third = scheduled_id(&out);
    std::thread::sleep(std::time::Duration::from_secs(3));
    lee.ok(&["daemon", "--once"]);
    ana.ok(&["daemon", "--once"]);
    let got = received(&s);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].contains("still working on it"), "{}", got[0]);
    assert_eq!(header(&got[0], "Auto-Submitted"), Some("auto-generated"));
    assert_eq!(job_state(&ana, &third)["state"], "done");
}

/// A crash at each point of a job, then a restart: nothing lost, nothing
/// sent twice without an agent being told.
#[test]
fn kill_at_claim_smtp_accept_and_done_then_restart() {
    for (point, sends, state) in [
        ("after-job-claim", 1, "done"),
        ("after-smtp-accept", 1, "unknown"),
        ("after-job-done", 1, "done"),
    ] {
        let d = Dovecot::start();
        let s = smtp();
        let ana = agent(&d, &s, "ana", ACK);
        switch_on(&ana);
        deliver(
            &d,
            &mail("c1@customer.test", "Kim <kim@customer.test>", "Crash", ""),
        );
        let (code, out) = ana.run_env(&["daemon", "--once"], &[("REPLYPAD_FAULT", point)]);
        assert_ne!(code, 0, "{point}: the fault point was not reached: {out}");
        ana.ok(&["daemon", "--once"]);
        ana.ok(&["daemon", "--once"]);
        assert_eq!(received(&s).len(), sends, "{point}");
        let jobs = ana.json(&["jobs", "--json"]);
        let j = &jobs.as_array().unwrap()[0];
        assert_eq!(j["state"], state, "{point}: {jobs}");
        if state == "unknown" {
            let outbox = ana.ok(&["outbox", "--json"]);
            assert!(outbox.contains("unknown"), "{outbox}");
        }
    }
}

/// A running `replypad daemon` for `a`, stopped (SIGTERM) when dropped.
struct Running(std::process::Child);

impl Running {
    fn start(a: &Agent) -> Running {
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_replypad"))
            .arg("--config")
            .arg(&a.config)
            .arg("daemon")
            .env("XDG_STATE_HOME", a.dir.path().join("state"))
            .env("XDG_DATA_HOME", a.dir.path().join("data"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        Running(child)
    }

    /// SIGTERM; true when it exited by itself within 10 s.
    fn stop(&mut self) -> bool {
        // SAFETY: kill with a valid pid and signal.
        unsafe { libc::kill(self.0.id() as libc::pid_t, libc::SIGTERM) };
        let t0 = std::time::Instant::now();
        while t0.elapsed() < std::time::Duration::from_secs(10) {
            if let Ok(Some(s)) = self.0.try_wait() {
                return s.success();
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        false
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Two daemons and a TUI (`run_in_tui`) on one mailbox, over 50 jobs of
/// each kind: each happens exactly once.
#[test]
fn two_daemons_and_a_tui_do_each_of_150_jobs_exactly_once() {
    const N: usize = 50;
    let d = Dovecot::start();
    let s = smtp();
    let auto = "[automation]\nacknowledge = true\npoll = 1\nrun_in_tui = true\n";
    let (ana, lee, sam) = (
        agent(&d, &s, "ana", auto),
        agent(&d, &s, "lee", auto),
        agent(&d, &s, "sam", auto),
    );
    // Conversations for the scheduled replies and updates, from before the
    // acknowledgements are on (never acknowledged).
    for i in 0..2 * N {
        deliver(
            &d,
            &mail(
                &format!("old{i}@customer.test"),
                &format!("C{i} <c{i}@customer.test>"),
                &format!("Old {i}"),
                "",
            ),
        );
    }
    ana.ok(&["sync"]);
    let mut desk = replypad::desk::Desk::open(
        replypad::desk::Start::Account(Box::new(ana.cfg.clone())),
        None,
    )
    .unwrap();
    let threads = ana.json(&["threads", "--json"]);
    let convs: Vec<String> = threads
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(convs.len(), 2 * N);
    let due = chrono::Utc::now().timestamp() + 25;
    for (i, c) in convs.iter().enumerate() {
        if i < N {
            let mut dr = desk
                .start_reply(c, replypad::domain::compose::DraftKind::Reply)
                .unwrap();
            dr.body = format!("Scheduled answer {i}.\n{}", dr.body);
            desk.store.save_draft(&dr).unwrap();
            let r = desk.schedule_send(&dr, due, true).unwrap();
            assert!(matches!(r, replypad::desk::Scheduled::Job { .. }), "{r:?}");
        } else {
            desk.schedule_update(c, due, &format!("Update {i}: still on it."))
                .unwrap();
        }
    }
    drop(desk);
    let mut a = Running::start(&ana);
    let mut l = Running::start(&lee);
    sam.ok(&["sync"]);
    let (mut tui, rx) = support::live_app(&sam.cfg, true, 120, 40);
    // The switch is in the log once a runner has made a pass.
    let t0 = std::time::Instant::now();
    loop {
        let store = replypad::store::Store::open(&sam.cfg.cache_file()).unwrap();
        if store.acknowledging_since().unwrap().is_some() {
            break;
        }
        while let Ok(n) = rx.try_recv() {
            tui.on_notice(n);
        }
        assert!(
            t0.elapsed() < std::time::Duration::from_secs(20),
            "no runner switched acknowledgements on"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    std::thread::sleep(std::time::Duration::from_millis(1100));
    for i in 0..N {
        deliver(
            &d,
            &mail(
                &format!("new{i}@customer.test"),
                &format!("N{i} <n{i}@customer.test>"),
                &format!("New {i}"),
                "",
            ),
        );
    }
    // Run until every job is done (or two minutes pass).
    let t0 = std::time::Instant::now();
    let mut last_tick = std::time::Instant::now();
    let mut done = 0;
    while t0.elapsed() < std::time::Duration::from_secs(150) {
        if let Ok(n) = rx.recv_timeout(std::time::Duration::from_millis(200)) {
            tui.on_notice(n);
        }
        if last_tick.elapsed() > std::time::Duration::from_secs(2) {
            last_tick = std::time::Instant::now();
            tui.after_news();
            done = received(&s).len();
            if done >= 3 * N {
                break;
            }
        }
    }
    // A little longer: anything sent twice would show now.
    std::thread::sleep(std::time::Duration::from_secs(3));
    assert!(a.stop(), "ana's daemon ends on SIGTERM");
    assert!(l.stop(), "lee's daemon ends on SIGTERM");
    let got = received(&s);
    let mut ids: Vec<String> = got
        .iter()
        .map(|m| header(m, "Message-ID").unwrap_or("").to_string())
        .collect();
    ids.sort();
    let before = ids.len();
    ids.dedup();
    assert_eq!(before, ids.len(), "a message went twice");
    assert_eq!(
        got.len(),
        3 * N,
        "after {done} seen: {} acks, {} replies, {} updates",
        got.iter()
            .filter(|m| m.contains("Auto-Submitted: auto-replied"))
            .count(),
        got.iter()
            .filter(|m| m.contains("Scheduled answer"))
            .count(),
        got.iter().filter(|m| m.contains("still on it")).count()
    );
    lee.ok(&["sync"]);
    let jobs = lee.json(&["jobs", "--json"]);
    let jobs = jobs.as_array().unwrap();
    assert_eq!(jobs.len(), 3 * N);
    let mut by_runner = std::collections::BTreeMap::new();
    for j in jobs {
        assert_eq!(j["state"], "done", "{j}");
        *by_runner
            .entry(
                j["runner"]
                    .as_str()
                    .unwrap()
                    .split(" on ")
                    .next()
                    .unwrap()
                    .to_string(),
            )
            .or_insert(0) += 1;
    }
    eprintln!("jobs by runner: {by_runner:?}");
}

/// `schedule` confirms the time in the agent's zone (config `timezone`),
/// in the words `jobs` uses: it printed the machine's zone, so a jump box
/// on UTC confirmed "tomorrow 10:00" in Auckland as 21:00 the day before.
#[test]
fn schedule_confirms_in_the_agents_zone() {
    let d = Dovecot::start();
    let s = smtp();
    deliver(
        &d,
        &mail("z1@customer.test", "Kim <kim@customer.test>", "Zones", ""),
    );
    let ana = agent(&d, &s, "ana", "");
    let text = std::fs::read_to_string(&ana.config).unwrap();
    std::fs::write(
        &ana.config,
        format!("timezone = \"Pacific/Auckland\"\n{text}"),
    )
    .unwrap();
    ana.ok(&["sync"]);
    let conv = only_conversation(&ana);
    let body = ana.file("reply.txt", "The fix is out.");
    let (code, out) = ana.run_env(
        &["schedule", &conv, "--at", "tomorrow 10:00", "--file", &body],
        &[("TZ", "UTC")],
    );
    assert_eq!(code, 0, "{out}");
    let tomorrow =
        chrono::Utc::now().with_timezone(&chrono_tz::Pacific::Auckland) + chrono::Duration::days(1);
    let due = format!("due {}", tomorrow.format("%a %d %b 10:00"));
    assert!(out.contains(&due), "{due}: {out}");
    let (_, jobs) = ana.run_env(&["jobs"], &[("TZ", "UTC")]);
    assert!(jobs.contains(&due), "{jobs}");
    // The history and the list read times in the same zone.
    let (_, history) = ana.run_env(&["history", &conv], &[("TZ", "UTC")]);
    let at = tomorrow.format("%Y-%m-%d 10:00").to_string();
    assert!(history.contains(&at), "{at}: {history}");
    let job = scheduled_id(&out);
    let (code, out) = ana.run_env(&["schedule", "cancel", &job], &[("TZ", "UTC")]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("“Zones”"),
        "a cancel names the conversation: {out}"
    );
}
