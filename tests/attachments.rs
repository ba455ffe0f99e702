//! Attachments against the test Dovecot: saved from the server by number,
//! with a sanitized name, 0600, never over an existing file.

mod support;

use replypad::config::Tls;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use support::dovecot::Dovecot;

#[test]
fn an_attachment_is_fetched_saved_private_and_never_overwrites() {
    let d = Dovecot::start();
    let mut c = replypad::sync::connect(&support::account(
        &d,
        Path::new("/nonexistent"),
        Tls::Implicit,
    ))
    .unwrap();
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
