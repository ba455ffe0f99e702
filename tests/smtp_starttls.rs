//! Sending through a STARTTLS-only submission server (port 587: Microsoft
//! 365 and most hosting providers), with a password or an OAuth2 token
//! (XOAUTH2), against the real aiosmtpd; and the hostile cases against a
//! fake server: one that does not offer STARTTLS gets nothing, one that
//! appends a reply after its `220` to STARTTLS (response injection) is
//! refused before any credential is sent.

mod support;

use replypad::config::{Secret, Smtp as SmtpConfig};
use replypad::sync::smtp::{self, Auth, SendError};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use support::smtp::{Smtp, SmtpOptions};

const RAW: &[u8] = b"From: support@example.com\r\nTo: kim@customer.test\r\nSubject: Hi\r\n\
Message-ID: <m1@example.com>\r\n\r\nHello Kim.\r\n.and a line with a dot\r\n";

fn config(port: u16, ca: Option<&std::path::Path>, token: bool) -> SmtpConfig {
    let toml = format!(
        "host = \"localhost\"\nport = {port}\ntls = \"starttls\"\nuser = \"support@example.com\"\n{}{}",
        if token {
            "oauth_token_command = \"printf good-token\"\n"
        } else {
            "password_command = \"printf s3cret\"\n"
        },
        ca.map(|c| format!("ca_file = {c:?}\n")).unwrap_or_default()
    );
    toml::from_str(&toml).unwrap()
}

fn send(cfg: &SmtpConfig, auth: Option<&Auth>) -> Result<String, SendError> {
    smtp::send(
        cfg,
        auth,
        "support@example.com",
        &["kim@customer.test".to_string()],
        RAW,
    )
}

#[test]
fn a_reply_goes_out_over_starttls_with_a_password() {
    let server = Smtp::start(SmtpOptions {
        tls: true,
        starttls: true,
        auth: Some(("support@example.com".into(), "s3cret".into())),
        ..Default::default()
    });
    let cfg = config(server.port, server.cert.as_deref(), false);
    let auth = smtp::credentials(&cfg).unwrap();
    let answer = send(&cfg, auth.as_ref()).expect("sent over STARTTLS");
    assert!(answer.starts_with("250"), "{answer}");
    let got = server.received();
    assert_eq!(got.len(), 1);
    let text = String::from_utf8_lossy(&got[0]);
    assert!(
        text.contains("Hello Kim.") && text.contains("\r\n.and a line with a dot"),
        "{text}"
    );
    assert!(text.contains("X-Test-Rcpt-To: kim@customer.test"), "{text}");
    // doctor's check: upgrades, logs in to nothing, sends nothing.
    smtp::check_reachable(&cfg).unwrap();
}

#[test]
fn xoauth2_accepted_and_refused_with_the_servers_reason() {
    let server = Smtp::start(SmtpOptions {
        tls: true,
        starttls: true,
        xoauth2: Some(("support@example.com".into(), "good-token".into())),
        ..Default::default()
    });
    let cfg = config(server.port, server.cert.as_deref(), true);
    let auth = smtp::credentials(&cfg).unwrap();
    assert!(matches!(auth, Some(Auth::Token(_))));
    send(&cfg, auth.as_ref()).expect("sent with XOAUTH2");
    assert_eq!(server.received().len(), 1);
    let expired = Auth::Token(Secret::new("expired-token"));
    let e = send(&cfg, Some(&expired)).unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, SendError::NeedsFix(_)), "{e:?}");
    assert!(
        text.contains("XOAUTH2") && text.contains("status 401"),
        "{text}"
    );
    assert!(
        !text.contains("expired-token"),
        "the token never shows: {text}"
    );
    assert_eq!(server.received().len(), 1, "nothing more was sent");
}

/// A fake submission server: its greeting, EHLO answer and STARTTLS answer
/// are scripted; it records every line it receives.
fn fake(ehlo: &'static str, starttls: &'static str) -> (u16, Arc<Mutex<Vec<String>>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let rec = seen.clone();
    std::thread::spawn(move || {
        let Ok((s, _)) = l.accept() else { return };
        let mut w = s.try_clone().unwrap();
        let mut r = BufReader::new(s);
        let _ = w.write_all(b"220 fake.test ESMTP\r\n");
        let mut line = String::new();
        while r.read_line(&mut line).unwrap_or(0) > 0 {
            let cmd = line.trim_end().to_string();
            rec.lock().unwrap().push(cmd.clone());
            let answer = match cmd.split_whitespace().next().unwrap_or("") {
                "EHLO" => ehlo,
                "STARTTLS" => starttls,
                "QUIT" => "221 bye\r\n",
                _ => "250 ok\r\n",
            };
            let _ = w.write_all(answer.as_bytes());
            line.clear();
        }
    });
    (port, seen)
}

#[test]
fn a_server_without_starttls_gets_no_credentials_and_no_mail() {
    let (port, seen) = fake("250-fake.test\r\n250 AUTH PLAIN\r\n", "502 no\r\n");
    let cfg = config(port, None, false);
    let auth = Auth::Password(Secret::new("s3cret"));
    let e = send(&cfg, Some(&auth)).unwrap_err();
    assert!(e.to_string().contains("does not offer STARTTLS"), "{e}");
    std::thread::sleep(std::time::Duration::from_millis(100));
    let lines = seen.lock().unwrap().clone();
    assert!(
        lines.iter().all(|l| l.starts_with("EHLO")),
        "only EHLO went out in plaintext: {lines:?}"
    );
}

#[test]
fn a_reply_injected_after_the_starttls_answer_is_refused_before_auth() {
    // A man in the middle appends a fake "235 authenticated" and "250" after
    // the server's 220 to STARTTLS, hoping they are read over TLS.
    let (port, seen) = fake(
        "250-fake.test\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n",
        "220 Ready to start TLS\r\n235 2.7.0 Authentication successful\r\n250 ok\r\n",
    );
    let cfg = config(port, None, false);
    let auth = Auth::Password(Secret::new("s3cret"));
    let e = send(&cfg, Some(&auth)).unwrap_err();
    assert!(e.to_string().contains("response injection"), "{e}");
    std::thread::sleep(std::time::Duration::from_millis(100));
    let lines = seen.lock().unwrap().clone();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].starts_with("EHLO") && lines[1] == "STARTTLS",
        "{lines:?}"
    );
}

/// The whole path through the real binary: `replypad reply` on a Dovecot
/// conversation, sent over STARTTLS with an XOAUTH2 token.
#[test]
fn replypad_reply_goes_out_over_starttls_with_xoauth2() {
    use replypad::config::Tls as ImapTls;
    let d = support::dovecot::Dovecot::start();
    let mut c = replypad::sync::connect(&support::account(
        &d,
        std::path::Path::new("/nonexistent"),
        ImapTls::Implicit,
    ))
    .unwrap();
    c.append(
        "INBOX",
        &support::message("s1", &[], "Where is my order?", "It has not arrived."),
        false,
    )
    .unwrap();
    let server = Smtp::start(SmtpOptions {
        tls: true,
        starttls: true,
        xoauth2: Some(("support@example.com".into(), "good-token".into())),
        ..Default::default()
    });
    let ana = support::cli::Instance::new(
        &d,
        "ana",
        &format!(
            "key_command = \"printf k\"\n[smtp]\nhost = \"localhost\"\nport = {}\ntls = \"starttls\"\n\
             user = \"support@example.com\"\noauth_token_command = \"printf good-token\"\nca_file = {:?}\n",
            server.port,
            server.cert.as_deref().unwrap()
        ),
    );
    ana.ok(&["sync"]);
    let id = ana.json(&["threads", "--json"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let body = ana.file("r.txt", "It left our warehouse today.");
    let out = ana.ok(&["reply", &id, "--file", &body]);
    assert!(out.contains(": sent"), "{out}");
    let got = server.received();
    assert_eq!(got.len(), 1);
    eprintln!(
        "sent over STARTTLS with XOAUTH2; the server stored:\n{}",
        String::from_utf8_lossy(&got[0])
            .lines()
            .take(8)
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// XOAUTH2 over implicit TLS (Gmail on 465) goes through lettre: a good
/// token sends; a refused one is an error that needs a fix, not a hang.
#[test]
fn xoauth2_over_implicit_tls() {
    let server = Smtp::start(SmtpOptions {
        tls: true,
        xoauth2: Some(("support@example.com".into(), "good-token".into())),
        ..Default::default()
    });
    let mut cfg = config(server.port, server.cert.as_deref(), true);
    cfg.tls = replypad::config::Tls::Implicit;
    let auth = smtp::credentials(&cfg).unwrap();
    send(&cfg, auth.as_ref()).expect("sent with XOAUTH2 over implicit TLS");
    assert_eq!(server.received().len(), 1);
    let t = std::time::Instant::now();
    let e = send(&cfg, Some(&Auth::Token(Secret::new("expired-token")))).unwrap_err();
    assert!(t.elapsed() < std::time::Duration::from_secs(20), "{e}");
    assert!(!e.to_string().contains("expired-token"), "{e}");
    assert!(
        matches!(e, SendError::NeedsFix(_) | SendError::Permanent(_)),
        "{e:?}"
    );
    assert_eq!(server.received().len(), 1);
}
