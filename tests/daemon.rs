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
