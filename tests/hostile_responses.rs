//! Hostile answers after login, from a fake server on 127.0.0.1: a huge
//! literal announced, an endless line, a literal of many short lines. Each
//! must end in a clear error, soon, without holding more than the response
//! cap in memory; never a hang or an abort.

mod support;

use replypad::config::{Secret, Tls};
use replypad::sync::imap::{Batching, Connection, Credentials};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// A server that logs anyone in, offers a 3-message INBOX, and answers
/// every other command with `hostile(tag, stream)`.
fn fake_server(hostile: fn(&str, &mut TcpStream)) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        s.write_all(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n")
            .unwrap();
        let mut r = BufReader::new(s.try_clone().unwrap());
        let mut line = String::new();
        while r.read_line(&mut line).unwrap_or(0) > 0 {
            let (tag, rest) = line.split_once(' ').unwrap_or((&line, ""));
            let tag = tag.to_string();
            let command = rest
                .split(' ')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_uppercase();
            let reply = match command.as_str() {
                "AUTHENTICATE" => {
                    let _ = s.write_all(b"+ \r\n");
                    line.clear();
                    let _ = r.read_line(&mut line);
                    format!("{tag} OK done\r\n")
                }
                "LOGIN" | "ENABLE" | "NOOP" | "LOGOUT" => format!("{tag} OK done\r\n"),
                "CAPABILITY" => format!("* CAPABILITY IMAP4rev1 IDLE\r\n{tag} OK done\r\n"),
                "SELECT" => format!(
                    "* 3 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n* OK [UIDNEXT 4] n\r\n{tag} OK [READ-WRITE] done\r\n"
                ),
                _ => {
                    hostile(&tag, &mut s);
                    break;
                }
            };
            if s.write_all(reply.as_bytes()).is_err() {
                break;
            }
            line.clear();
        }
    });
    port
}

fn connect(port: u16) -> Connection {
    let cfg = support::fake_server_config(port, Tls::None);
    let mut c = Connection::connect(&cfg, &Credentials::Password(Secret::new("pw"))).unwrap();
    c.select("INBOX", None).unwrap();
    c
}

/// Writes `chunk` until the client hangs up (or 200 MiB went out).
fn flood(s: &mut TcpStream, chunk: &[u8]) {
    let mut sent = 0;
    while sent < 200 << 20 && s.write_all(chunk).is_ok() {
        sent += chunk.len();
    }
}

/// A header fetch of the three messages; its error.
fn header_fetch(c: &mut Connection) -> String {
    c.fetch_headers_each("1:3", Batching::ALL, &mut |_, _| Ok(()))
        .unwrap_err()
        .to_string()
}

#[test]
fn a_huge_literal_announced_in_a_fetch_is_refused_unread() {
    let mut c = connect(fake_server(|_, s| {
        let _ = s.write_all(b"* 1 FETCH (UID 1 BODY[HEADER] {4000000000}\r\nFrom: x\r\n");
        std::thread::sleep(Duration::from_secs(30));
    }));
    let t = Instant::now();
    let e = header_fetch(&mut c);
    assert!(e.contains("literal") && e.contains("refusing"), "{e}");
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
}

#[test]
fn an_endless_line_in_a_fetch_ends_at_the_cap() {
    let mut c = connect(fake_server(|_, s| {
        let _ = s.write_all(b"* 1 FETCH (UID 1 FLAGS (");
        flood(s, &[b'x'; 65536]);
    }));
    let t = Instant::now();
    let e = header_fetch(&mut c);
    assert!(e.contains("exceeds") && e.contains("MiB"), "{e}");
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
}

#[test]
fn an_endless_line_in_a_search_ends_at_the_cap() {
    let mut c = connect(fake_server(|_, s| {
        let _ = s.write_all(b"* SEARCH 1");
        flood(s, &b" 1".repeat(32768));
    }));
    let t = Instant::now();
    let e = c.uid_search_all().unwrap_err().to_string();
    assert!(e.contains("exceeds") && e.contains("MiB"), "{e}");
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
}

/// The crate that reads ordinary answers parses a response again from its
/// start after every line it reads: a literal of many short lines is where
/// a hostile server could make that cost explode.
#[test]
fn a_literal_of_many_short_lines_in_an_ordinary_answer_ends_soon() {
    let mut c = connect(fake_server(|_, s| {
        let _ = s.write_all(b"* 1 FETCH (UID 1 FLAGS () BODY[] {60000000}\r\n");
        flood(s, &b"\r\n".repeat(32768));
    }));
    let t = Instant::now();
    let e = c.fetch_flags("1:*", None).unwrap_err().to_string();
    assert!(e.contains("exceeds") && e.contains("MiB"), "{e}");
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
}

/// IDLE is read by the same linear reader: a flood of short lines after
/// the continuation ends when the server stops, in bounded memory.
#[test]
fn a_flood_during_idle_ends_soon() {
    let mut c = connect(fake_server(|_, s| {
        let _ = s.write_all(b"+ idling\r\n* 1 FETCH (UID 1 BODY[] {60000000}\r\n");
        flood(s, &b"\r\n".repeat(32768));
    }));
    let t = Instant::now();
    let e = c
        .idle_wait(Duration::from_secs(60))
        .unwrap_err()
        .to_string();
    assert!(e.contains("IDLE"), "{e}");
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
}

/// APPEND (a reply's Sent copy, a team event, a draft for review): the
/// same flood in its answer, after the continuation.
#[test]
fn a_flood_in_the_answer_to_an_append_ends_soon() {
    let mut c = connect(fake_server(|_, s| {
        let _ = s.write_all(b"+ go ahead\r\n* 1 FETCH (UID 1 BODY[] {60000000}\r\n");
        flood(s, &b"\r\n".repeat(32768));
    }));
    let t = Instant::now();
    let e = c
        .append("INBOX", b"Subject: hi\r\n\r\nbody\r\n", false)
        .unwrap_err()
        .to_string();
    assert!(e.contains("APPEND"), "{e}");
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
}

/// A server that refuses an APPEND at once (no such folder, over quota)
/// never asks for the message: replypad must not wait for it to.
#[test]
fn an_append_refused_before_its_literal_is_an_error_not_a_hang() {
    let mut c = connect(fake_server(|tag, s| {
        let _ = s.write_all(format!("{tag} NO [TRYCREATE] no such folder\r\n").as_bytes());
        std::thread::sleep(Duration::from_secs(30));
    }));
    let t = Instant::now();
    let e = c
        .append("Nowhere", b"Subject: hi\r\n\r\nbody\r\n", false)
        .unwrap_err()
        .to_string();
    assert!(e.contains("no such folder"), "{e}");
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
}
