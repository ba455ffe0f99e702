//! Attachments against the test Dovecot: saved from the server by number,
//! with a sanitized name, 0600, never over an existing file.

mod support;

use std::os::unix::fs::PermissionsExt;
use support::dovecot::Dovecot;

#[test]
fn an_attachment_is_fetched_saved_private_and_never_overwrites() {
    let d = Dovecot::start();
    let mut c = support::client(&d);
    let payload = "line one\r\nline two: the customer's export\r\n";
    let raw = format!(
        "From: Kim <kim@shop.test>\r\nTo: support@example.com\r\nSubject: Export attached\r\n\
         Message-ID: <att1@shop.test>\r\nDate: Tue, 1 Jul 2025 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\n\
         See attached.\r\n--b1\r\nContent-Type: text/csv\r\n\
         Content-Disposition: attachment; filename=\"../../.bashrc\x1b[31m.csv\"\r\n\r\n{payload}--b1--\r\n"
    );
    c.append("INBOX", raw.as_bytes(), false).unwrap();
    let ana = support::cli::Instance::new(&d, "ana", "");
    let run = |args: &[&str]| ana.ok(args);
    run(&["sync"]);
    let t: serde_json::Value = serde_json::from_str(&run(&["threads", "--json"])).unwrap();
    let id = t[0]["id"].as_str().unwrap().to_string();
    let out_dir = ana.dir.path().join("saved");
    let a = run(&["save", &id, "1", "--dir", out_dir.to_str().unwrap()]);
    let b = run(&["save", &id, "1", "--dir", out_dir.to_str().unwrap()]);
    assert!(a.contains("saved to") && b.contains("(1)"), "{a}{b}");
    let mut files: Vec<_> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(
        files.len(),
        2,
        "the second save did not overwrite the first"
    );
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        assert!(!name.starts_with('.') && !name.contains('\u{1b}'), "{name}");
        // (the CRLF before a boundary belongs to the boundary)
        assert_eq!(std::fs::read_to_string(f).unwrap(), payload.trim_end());
        assert_eq!(
            std::fs::metadata(f).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let (code, err) = ana.run(&["save", &id, "7"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("no attachment #7 here (the conversation has 1)"),
        "{err}"
    );
}

/// `i` in the TUI over the real worker: the message comes from the server,
/// the text attachment is shown in place (sanitized), its private copy
/// removed.
#[test]
fn a_text_attachment_from_the_server_is_read_in_the_tui() {
    use std::time::{Duration, Instant};
    let d = Dovecot::start();
    let mut c = support::client(&d);
    let raw = "From: Kim <kim@shop.test>\r\nTo: support@example.com\r\nSubject: Crash log\r\n\
         Message-ID: <log1@shop.test>\r\nDate: Tue, 1 Jul 2025 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\n\
         Log attached.\r\n--b1\r\nContent-Type: application/octet-stream\r\n\
         Content-Disposition: attachment; filename=\"app.log\"\r\n\r\n\
         10:00 started\r\n10:01 \x1b[31mERROR\x1b[0m disk full\r\n--b1--\r\n";
    c.append("INBOX", raw.as_bytes(), false).unwrap();
    let ana = support::cli::Instance::new(&d, "ana", "");
    ana.ok(&["sync", "--headers-only"]);
    let (mut app, rx) = support::live_app(&ana.cfg, true, 120, 40);
    app.feed("<Enter>");
    // Opening it fetches its body (headers only were synced).
    let t0 = Instant::now();
    while app.reader.as_ref().unwrap().view.messages[0]
        .attachments
        .is_empty()
    {
        if let Ok(n) = rx.recv_timeout(Duration::from_millis(200)) {
            app.on_notice(n);
        }
        assert!(t0.elapsed() < Duration::from_secs(10), "no body");
    }
    app.feed("i");
    app.type_text("1");
    app.feed("<Enter>");
    while app.text_view.is_none() {
        if let Ok(n) = rx.recv_timeout(Duration::from_millis(200)) {
            app.on_notice(n);
        }
        assert!(t0.elapsed() < Duration::from_secs(10), "{:?}", app.message);
    }
    let v = app.text_view.as_ref().unwrap();
    assert!(v.title.contains("app.log"), "{}", v.title);
    assert_eq!(v.lines[0], "10:00 started");
    assert!(
        v.lines[1].contains("ERROR disk full") || v.lines[1].contains("␛[31mERROR"),
        "{:?}",
        v.lines
    );
    assert!(v.lines.iter().all(|l| !l.contains('\u{1b}')));
    // SAFETY: getuid has no preconditions.
    let dir = std::env::temp_dir().join(format!("replypad-view-{}", unsafe { libc::getuid() }));
    assert!(!dir.join("app.log").exists(), "the private copy is removed");
    app.desk.stop();
}
