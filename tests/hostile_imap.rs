//! Hostile IMAP servers on 127.0.0.1: replypad must refuse them before it
//! sends any credential.

mod support;

use replypad::config::{Imap, Secret, Tls};
use replypad::sync::imap::{Connection, Credentials};
use std::sync::{Arc, Mutex};

/// A fake server that greets with `greeting`, answers STARTTLS with
/// `starttls_reply`, and records every byte the client sends.
fn fake_server(greeting: &'static str, starttls_reply: &'static str) -> (u16, Arc<Mutex<String>>) {
    support::fake::recording_server(greeting, move |line, f| {
        if line.contains("STARTTLS") {
            f.send(starttls_reply.as_bytes());
        }
        true
    })
}

fn cfg(port: u16) -> Imap {
    support::fake_server_config(port, Tls::Starttls)
}

#[test]
fn plaintext_injected_after_starttls_ok_is_refused() {
    let (port, seen) = fake_server(
        "* OK ready\r\n",
        "a0 OK Begin TLS now\r\n* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\r\n",
    );
    let e = Connection::connect(&cfg(port), &Credentials::Password(Secret::new("hunter2")))
        .err()
        .unwrap();
    let msg = e.to_string();
    assert!(msg.contains("possible injection"), "{msg}");
    std::thread::sleep(std::time::Duration::from_millis(100));
    let sent = seen.lock().unwrap().clone();
    assert!(
        !sent.contains("hunter2") && !sent.contains("LOGIN"),
        "credentials leaked: {sent}"
    );
}

#[test]
fn preauth_on_a_starttls_port_is_refused() {
    let (port, seen) = fake_server("* PREAUTH [CAPABILITY IMAP4rev1] logged in already\r\n", "");
    let msg = Connection::connect(&cfg(port), &Credentials::Password(Secret::new("hunter2")))
        .err()
        .unwrap()
        .to_string();
    assert!(msg.contains("PREAUTH"), "{msg}");
    assert!(
        seen.lock().unwrap().is_empty(),
        "nothing may be sent after PREAUTH"
    );
}

#[test]
fn refused_starttls_never_falls_back_to_plaintext() {
    let (port, seen) = fake_server("* OK ready\r\n", "a0 NO TLS is broken today\r\n");
    let msg = Connection::connect(&cfg(port), &Credentials::Password(Secret::new("hunter2")))
        .err()
        .unwrap()
        .to_string();
    assert!(msg.contains("STARTTLS refused"), "{msg}");
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert!(!seen.lock().unwrap().contains("LOGIN"));
}
