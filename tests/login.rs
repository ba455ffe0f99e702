//! How replypad logs in, against a fake server on 127.0.0.1 that records
//! what it is sent: AUTHENTICATE PLAIN where offered (any UTF-8 password
//! works; with SASL-IR in one line), LOGIN where not, and a clear refusal,
//! with no secret sent, where LOGIN is disabled and PLAIN not offered.
//! (Every Dovecot test logs in with AUTHENTICATE PLAIN and SASL-IR:
//! Dovecot offers both.)

mod support;

use replypad::config::{Secret, Tls};
use replypad::sync::imap::{Connection, Credentials};
use std::sync::{Arc, Mutex};

/// A server that greets with `greeting`, answers CAPABILITY with
/// `capabilities` (and gives them in the OK of AUTHENTICATE, not of
/// LOGIN), accepts any password, refuses any XOAUTH2 token as
/// Gmail does (an error challenge, then NO), and records every line it
/// is sent.
fn fake_server(greeting: &'static str, capabilities: &'static str) -> (u16, Arc<Mutex<String>>) {
    support::fake::recording_server(greeting, move |line, f| {
        let tag = line.split(' ').next().unwrap_or("").to_string();
        let reply = if line.contains(" AUTHENTICATE XOAUTH2") {
            if line.split(' ').count() == 3 {
                f.send(b"+ \r\n");
                f.line();
            }
            f.send(format!("+ {GMAIL_REFUSAL}\r\n").as_bytes());
            f.line();
            format!("{tag} NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)\r\n")
        } else if line.contains(" CAPABILITY") {
            format!("* CAPABILITY {capabilities}\r\n{tag} OK done\r\n")
        } else if line.contains(" AUTHENTICATE ") {
            if line.split(' ').count() == 3 {
                // Without SASL-IR the response comes on its own line.
                f.send(b"+ \r\n");
                f.line();
            }
            format!("{tag} OK [CAPABILITY {capabilities}] logged in\r\n")
        } else {
            format!("{tag} OK done\r\n")
        };
        f.send(reply.as_bytes())
    })
}

/// Gmail's error challenge for a bad token: the base64 of
/// `{"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}`.
const GMAIL_REFUSAL: &str = "eyJzdGF0dXMiOiI0MDAiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZ29vZ2xlLmNvbS8ifQ==";

fn connect(port: u16, password: &str) -> Result<Connection, String> {
    let cfg = support::fake_server_config(port, Tls::None);
    Connection::connect(&cfg, &Credentials::Password(Secret::new(password)))
        .map_err(|e| e.to_string())
}

/// The base64 of SASL PLAIN's "\0user\0password".
fn plain(user: &str, password: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("\0{user}\0{password}"))
}

#[test]
fn authenticate_plain_where_offered_carries_any_password() {
    let (port, seen) = fake_server(
        "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN LOGINDISABLED] ready\r\n",
        "IMAP4rev1 IDLE",
    );
    connect(port, "p\u{e4}ss \"w\u{f6}rd\"").unwrap();
    let sent = seen.lock().unwrap().clone();
    assert!(sent.contains(" AUTHENTICATE PLAIN\r\n"), "{sent}");
    assert!(
        sent.contains(&format!(
            "{}\r\n",
            plain("agent", "p\u{e4}ss \"w\u{f6}rd\"")
        )),
        "{sent}"
    );
    assert!(!sent.contains(" LOGIN "), "{sent}");
}

#[test]
fn login_where_plain_is_not_offered() {
    // No capabilities in the greeting: replypad asks before logging in.
    let (port, seen) = fake_server("* OK ready\r\n", "IMAP4rev1 IDLE");
    connect(port, "secret").unwrap();
    let sent = seen.lock().unwrap().clone();
    let first: Vec<&str> = sent.lines().take(3).collect();
    assert!(first[0].ends_with(" CAPABILITY"), "{sent}");
    assert!(first[1].contains(" LOGIN "), "{sent}");
    // LOGIN's OK gave no capabilities: replypad asks again.
    assert!(first[2].ends_with(" CAPABILITY"), "{sent}");
    assert!(!sent.contains("AUTHENTICATE"), "{sent}");
}

#[test]
fn no_way_to_log_in_is_a_clear_error_before_any_secret_is_sent() {
    let (port, seen) = fake_server("* OK ready\r\n", "IMAP4rev1 LOGINDISABLED AUTH=GSSAPI");
    let e = connect(port, "secret").err().unwrap();
    assert!(e.contains("disables LOGIN"), "{e}");
    std::thread::sleep(std::time::Duration::from_millis(100));
    let sent = seen.lock().unwrap().clone();
    assert!(
        !sent.contains("secret") && !sent.contains("LOGIN ") && !sent.contains("AUTHENTICATE"),
        "{sent}"
    );
}

/// With SASL-IR the response goes with the command: one round trip; and
/// none for the capabilities after login.
#[test]
fn with_sasl_ir_the_response_goes_with_the_command() {
    let (port, seen) = fake_server(
        "* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\r\n",
        "IMAP4rev1 IDLE",
    );
    let c = connect(port, "p\u{e4}ss").unwrap();
    // The capabilities come from the login's OK, not from another round
    // trip, and replace those of the greeting.
    assert!(c.has_capability("IDLE") && !c.has_capability("SASL-IR"));
    let sent = seen.lock().unwrap().clone();
    assert!(!sent.contains(" CAPABILITY"), "{sent}");
    assert!(
        sent.lines().next().is_some_and(|l| l.ends_with(&format!(
            " AUTHENTICATE PLAIN {}",
            plain("agent", "p\u{e4}ss")
        ))),
        "{sent}"
    );
}

/// XOAUTH2, with and without SASL-IR: the token goes once, the server's
/// error challenge gets an empty line, and the error gives its status.
#[test]
fn a_refused_oauth_token_is_answered_with_an_empty_line() {
    let b64 = |s: &str| {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(s)
    };
    let token = b64("user=agent\x01auth=Bearer ya29.token\x01\x01");
    for (greeting, ir) in [
        ("* OK [CAPABILITY IMAP4rev1 AUTH=XOAUTH2] ready\r\n", false),
        (
            "* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=XOAUTH2] ready\r\n",
            true,
        ),
    ] {
        let (port, seen) = fake_server(greeting, "IMAP4rev1");
        let cfg = support::fake_server_config(port, Tls::None);
        let e = Connection::connect(&cfg, &Credentials::OAuth2(Secret::new("ya29.token")))
            .err()
            .expect("refused")
            .to_string();
        assert!(e.contains("status 400"), "{e}");
        assert!(e.contains("https://mail.google.com/"), "{e}");
        assert!(!e.contains("ya29"), "{e}");
        let sent = seen.lock().unwrap().clone();
        let lines: Vec<&str> = sent.lines().collect();
        if ir {
            assert!(
                lines[0].ends_with(&format!(" AUTHENTICATE XOAUTH2 {token}")),
                "{sent}"
            );
            assert_eq!(lines[1..], [""], "{sent}");
        } else {
            assert!(lines[0].ends_with(" AUTHENTICATE XOAUTH2"), "{sent}");
            assert_eq!(lines[1..], [token.as_str(), ""], "{sent}");
        }
    }
}

/// A flood in the answer to the login: the crate reads it (it parses an
/// answer again after every line), so its answers are capped far lower
/// than ours: an error soon, not minutes of CPU. With LOGIN (the crate's
/// ordinary reader) and AUTHENTICATE (its handshake, line by line).
#[test]
fn a_flood_in_the_answer_to_the_login_ends_soon() {
    for greeting in [
        "* OK [CAPABILITY IMAP4rev1] ready\r\n",
        "* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\r\n",
    ] {
        let (port, _) = support::fake::recording_server(greeting, |_, f| {
            f.send(b"* 1 FETCH (BODY[] {60000000}\r\n");
            let chunk = b"\r\n".repeat(32768);
            let mut sent = 0;
            while sent < 200 << 20 && f.send(&chunk) {
                sent += chunk.len();
            }
            false
        });
        let t = std::time::Instant::now();
        let e = connect(port, "secret").err().unwrap();
        assert!(!e.contains("secret"), "{e}");
        assert!(
            t.elapsed() < std::time::Duration::from_secs(10),
            "{greeting}: {:?}",
            t.elapsed()
        );
        if !greeting.contains("AUTH=PLAIN") {
            assert!(e.contains("exceeds 1 MiB"), "{e}");
        }
    }
}
