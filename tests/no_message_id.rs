//! Messages without a Message-ID that share sender, date and subject stay
//! distinct (public MIME test corpora are full of them); messages with the
//! same real Message-ID are one. `threads` counts and `show` agree. Against
//! the test Dovecot, through the real binary.

mod support;

use support::cli::Instance as Agent;
use support::dovecot::Dovecot;

#[test]
fn distinct_messages_without_a_message_id_stay_distinct() {
    let d = Dovecot::start();
    let mut c = support::client(&d);
    let head = "From: Test Suite <mime@tests.test>\r\nTo: support@example.com\r\n\
                Subject: MIME test\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\n";
    let bodies = [
        format!("{head}\r\nFirst body.\r\n"),
        format!("{head}\r\nSecond, longer body.\r\n"),
        format!(
            "{head}MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
             --b1\r\nContent-Type: text/plain\r\n\r\nPart one.\r\n--b1--\r\n"
        ),
        format!(
            "{head}MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b2\"\r\n\r\n\
             --b2\r\nContent-Type: text/plain\r\n\r\nPart two.\r\n--b2--\r\n"
        ),
    ];
    for b in &bodies {
        c.append("INBOX", b.as_bytes(), false).unwrap();
    }
    // The same real Message-ID twice (a copy delivered again): one message.
    let twin = "From: Kim <kim@customer.test>\r\nTo: support@example.com\r\nSubject: Twin\r\n\
                Message-ID: <twin@customer.test>\r\nDate: Tue, 1 Dec 2026 11:00:00 +0000\r\n\r\nHello.\r\n";
    c.append("INBOX", twin.as_bytes(), false).unwrap();
    c.append("INBOX", twin.as_bytes(), false).unwrap();

    let ana = Agent::new(&d, "ana", "");
    ana.ok(&["sync"]);
    let t = ana.json(&["threads", "--json"]);
    let threads = t.as_array().unwrap();
    let counted: i64 = threads
        .iter()
        .map(|c| c["messages"].as_i64().unwrap())
        .sum();
    let mut shown = 0;
    for c in threads {
        let v = ana.json(&["show", c["id"].as_str().unwrap(), "--json"]);
        shown += v["messages"].as_array().unwrap().len() as i64;
    }
    assert_eq!(counted, shown, "threads counts and show agree: {t}");
    assert_eq!(
        shown, 5,
        "4 distinct messages without an id, and the twin once: {t}"
    );
    // A rebuilt cache keys them alike.
    ana.ok(&["sync", "--rebuild"]);
    assert_eq!(ana.json(&["threads", "--json"]), t);
}

/// An encoded word in an address's local part is shown as received (not
/// decoded into a name "admin" with the address "@example.com") and flagged.
#[test]
fn an_encoded_word_in_the_local_part_is_shown_as_received_and_flagged() {
    let d = Dovecot::start();
    let mut c = support::client(&d);
    let raw = "From: =?utf-8?q?admin?=@example.com\r\nTo: support@example.com\r\n\
               Subject: Account notice\r\nMessage-ID: <enc1@x.test>\r\n\
               Date: Tue, 1 Dec 2026 10:00:00 +0000\r\n\r\nPlease log in.\r\n";
    c.append("INBOX", raw.as_bytes(), false).unwrap();
    let ana = Agent::new(&d, "ana", "");
    ana.ok(&["sync"]);
    let t = ana.json(&["threads", "--json"]);
    assert_eq!(
        t[0]["from"]["email"], "=?utf-8?q?admin?=@example.com",
        "{t}"
    );
    assert!(t[0]["from"]["name"].is_null(), "{t}");
    let shown = ana.ok(&["show", t[0]["id"].as_str().unwrap()]);
    assert!(shown.contains("=?utf-8?q?admin?=@example.com"), "{shown}");
    assert!(shown.contains("sender looks forged"), "{shown}");
}
