use super::*;

const GOOD: &str = r##"
[identity]
name = "Ana Lima"
email = "ana@example.com"

[team]
name = "Example Support"
address = "support@example.com"
key_command = "pass show replypad/team-key"

[imap]
host = "imap.example.com"
user = "support@example.com"
password_command = "pass show mail/support"

[smtp]
host = "smtp.example.com"
user = "support@example.com"
password_command = "pass show mail/support"

[labels]
billing = "yellow"
bug = "#ff0000"
"##;

#[test]
fn good_config_parses_with_defaults() {
    let c = Config::parse(GOOD).unwrap();
    let imap = c.imap.unwrap();
    assert_eq!(imap.port, 993);
    assert_eq!(imap.tls, Tls::Implicit);
    assert_eq!(c.smtp.unwrap().port, 465);
    assert_eq!(c.folders.inbox, vec!["INBOX"]);
    assert_eq!(c.folders.prefix, "Replypad");
}

#[test]
fn unknown_key_is_named_with_its_line() {
    let bad = GOOD
        .replace("[cache]", "")
        .replace("[labels]", "[cache]\ndirr = \"/tmp\"\n[labels]");
    let e = Config::parse(&bad).unwrap_err();
    assert!(e.contains("dirr"), "{e}");
    assert!(e.contains("line 22"), "{e}");
}

#[test]
fn bad_port_is_refused() {
    let e = Config::parse(&GOOD.replace(
        "host = \"imap.example.com\"",
        "host = \"imap.example.com\"\nport = 99999",
    ))
    .unwrap_err();
    assert!(e.contains("99999") && e.contains("line 13"), "{e}");
    let e = Config::parse(&GOOD.replace(
        "host = \"imap.example.com\"",
        "host = \"imap.example.com\"\nport = 0",
    ))
    .unwrap_err();
    assert!(e.contains("line 13: imap.port"), "{e}");
    let e = Config::parse(&GOOD.replace(
        "host = \"imap.example.com\"",
        "host = \"imap.example.com\"\nport = \"x\"",
    ))
    .unwrap_err();
    assert!(e.contains("port"), "{e}");
}

#[test]
fn plaintext_only_on_loopback() {
    let e = Config::parse(&GOOD.replace(
        "host = \"imap.example.com\"",
        "host = \"imap.example.com\"\ntls = \"none\"",
    ))
    .unwrap_err();
    assert!(
        e.contains("line 13: imap.tls") && e.contains("loopback"),
        "{e}"
    );
    for host in ["127.0.0.1", "localhost", "::1"] {
        let ok = GOOD.replace(
            "host = \"imap.example.com\"",
            &format!("host = \"{host}\"\ntls = \"none\""),
        );
        assert!(Config::parse(&ok).is_ok(), "{host}");
    }
}

#[test]
fn inline_password_is_refused() {
    let e = Config::parse(&GOOD.replace(
        "password_command = \"pass show mail/support\"\n\n[smtp]",
        "password = \"x\"\n\n[smtp]",
    ))
    .unwrap_err();
    assert!(
        e.contains("imap.password") && e.contains("password_command"),
        "{e}"
    );
    assert!(!e.contains("\"x\""), "{e}");
}

#[test]
fn bad_tls_value_and_colour() {
    let e = Config::parse(&GOOD.replace(
        "host = \"imap.example.com\"",
        "host = \"imap.example.com\"\ntls = \"maybe\"",
    ))
    .unwrap_err();
    assert!(e.contains("maybe") && e.contains("line 13"), "{e}");
    let e = Config::parse(&GOOD.replace("bug = \"#ff0000\"", "bug = \"rainbow\"")).unwrap_err();
    assert!(e.contains("labels.bug") && e.contains("rainbow"), "{e}");
}

#[test]
fn example_config_is_valid() {
    let raw = include_str!("../../config.example.toml");
    Config::parse(raw).unwrap();
}
