//! Replies go where the customer asked: `Reply-To` (all of its addresses)
//! over `From`; a reply to all adds To and Cc without the team's own
//! addresses or aliases, and without anyone twice. Against the test
//! Dovecot and SMTP server, through the real binary.

mod support;

use support::cli::Instance as Agent;
use support::dovecot::Dovecot;
use support::smtp::{Smtp, SmtpOptions};

const KEY: &str = "reply-to-team-key";

/// Dovecot with one raw message in INBOX, an SMTP server, and an agent
/// (with `[team] aliases`) synced; the conversation's id.
fn setup(raw: &str) -> (Dovecot, Smtp, Agent, String) {
    let d = Dovecot::start();
    let mut c = support::client(&d);
    c.append("INBOX", raw.replace('\n', "\r\n").as_bytes(), false)
        .unwrap();
    let smtp = Smtp::start(SmtpOptions {
        tls: true,
        ..Default::default()
    });
    let ana = Agent::new(
        &d,
        "ana",
        &format!(
            "key_command = \"printf {KEY}\"\naliases = [\"help@example.com\"]\n\
             [smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"implicit\"\nca_file = {:?}\n",
            smtp.port,
            smtp.cert.as_deref().unwrap()
        ),
    );
    ana.ok(&["sync"]);
    let t = ana.json(&["threads", "--json"]);
    let conv = t[0]["id"].as_str().unwrap().to_string();
    (d, smtp, ana, conv)
}

/// Sends a reply (`all`: to all) and returns (envelope recipients, To, Cc).
fn reply(ana: &Agent, smtp: &Smtp, conv: &str, all: bool) -> (Vec<String>, String, String) {
    let body = ana.file("r.txt", "Thanks, we are on it.");
    let mut args = vec!["reply", conv, "--file", &body];
    if all {
        args.push("--all");
    }
    let out = ana.ok(&args);
    assert!(out.contains(": sent"), "{out}");
    let raw = String::from_utf8_lossy(smtp.received().last().unwrap()).into_owned();
    // Unfolded: a long Cc continues on lines that start with a space.
    let block = raw
        .split("\r\n\r\n")
        .next()
        .unwrap()
        .replace("\r\n ", " ")
        .replace("\r\n\t", " ");
    let head = |name: &str| {
        block
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
            })
            .unwrap_or_default()
    };
    let mut rcpt: Vec<String> = head("X-Test-Rcpt-To")
        .split(", ")
        .filter(|s| !s.is_empty())
        .map(str::to_lowercase)
        .collect();
    rcpt.sort();
    (rcpt, head("To"), head("Cc"))
}

#[test]
fn a_form_message_is_answered_at_its_reply_to() {
    let (_d, smtp, ana, conv) = setup(
        "From: Example Shop <noreply@shop.test>\nTo: support@example.com\n\
         Reply-To: Kim Customer <kim@customer.test>, kim.work@customer.test\n\
         Subject: Contact form: where is my order?\nMessage-ID: <form1@shop.test>\n\
         Date: Tue, 1 Dec 2026 10:00:00 +0000\n\nMy order 77 has not arrived.\n",
    );
    let (rcpt, to, cc) = reply(&ana, &smtp, &conv, false);
    assert_eq!(rcpt, ["kim.work@customer.test", "kim@customer.test"]);
    assert!(
        to.contains("kim@customer.test") && !to.contains("noreply"),
        "{to}"
    );
    assert!(cc.is_empty(), "{cc}");
    // To all: the no-reply sender is not added, nor the team.
    let (rcpt, _, _) = reply(&ana, &smtp, &conv, true);
    assert_eq!(rcpt, ["kim.work@customer.test", "kim@customer.test"]);
}

#[test]
fn a_list_message_goes_to_the_list_and_to_all_adds_the_others_once() {
    let (_d, smtp, ana, conv) = setup(
        "From: Ann Partner <ann@partner.test>\nTo: help@example.com, Bo <bo@partner.test>\n\
         Cc: \"Lima, Ana\" <ana.lima@partner.test>, ann@partner.test\n\
         Reply-To: Dev list <dev@lists.partner.test>\n\
         Subject: API question\nMessage-ID: <list1@partner.test>\n\
         Date: Tue, 1 Dec 2026 10:00:00 +0000\n\nHow do webhooks retry?\n",
    );
    let (rcpt, to, _) = reply(&ana, &smtp, &conv, false);
    assert_eq!(rcpt, ["dev@lists.partner.test"], "{to}");
    let (rcpt, _, cc) = reply(&ana, &smtp, &conv, true);
    assert_eq!(
        rcpt,
        [
            "ana.lima@partner.test",
            "ann@partner.test",
            "bo@partner.test",
            "dev@lists.partner.test"
        ]
    );
    // The quoted name with a comma stays one address.
    assert!(cc.contains("Lima, Ana") || cc.contains("=?"), "{cc}");
}

#[test]
fn a_message_with_the_team_in_cc_never_copies_the_team() {
    let (_d, smtp, ana, conv) = setup(
        "From: Kim <kim@customer.test>\nTo: Ana <ana@example.com>\n\
         Cc: support@example.com, help@example.com, Lee <lee@customer.test>\n\
         Subject: Invoice\nMessage-ID: <cc1@customer.test>\n\
         Date: Tue, 1 Dec 2026 10:00:00 +0000\n\nPlease resend the invoice.\n",
    );
    let (rcpt, _, _) = reply(&ana, &smtp, &conv, true);
    assert_eq!(rcpt, ["kim@customer.test", "lee@customer.test"]);
}
