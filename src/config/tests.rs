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
    assert_eq!(imap.max_connections, 2);
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
fn the_connection_budget_is_one_to_twenty() {
    let with = |n: &str| {
        Config::parse(&GOOD.replace(
            "host = \"imap.example.com\"",
            &format!("host = \"imap.example.com\"\nmax_connections = {n}"),
        ))
    };
    assert_eq!(with("1").unwrap().imap.unwrap().max_connections, 1);
    let e = with("0").unwrap_err();
    assert!(
        e.contains("line 13: imap.max_connections") && e.contains("1 to 20"),
        "{e}"
    );
    assert!(with("300").is_err());
    assert!(with("-1").is_err());
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

/// config.example.toml documents every key of the config, and names none
/// the config does not have: the keys of each table (commented out or not)
/// against the config struct, through its serialized form.
#[test]
fn the_example_documents_every_key() {
    use std::collections::BTreeSet;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let cfg = Config::parse(&text).unwrap();
    let json = serde_json::to_value(&cfg).unwrap();
    // Tables whose keys are the user's own (label names, views, keys).
    const OPEN: &[&str] = &["labels", "keymap", "views", "theme"];
    let mut want = BTreeSet::new();
    for (table, v) in json.as_object().unwrap() {
        match v.as_object() {
            Some(fields) if !OPEN.contains(&table.as_str()) => {
                for k in fields.keys() {
                    want.insert(format!("{table}.{k}"));
                }
            }
            _ => {
                want.insert(table.clone());
            }
        }
    }
    let mut have = BTreeSet::new();
    let mut table = String::new();
    for line in text.lines() {
        let l = line.trim_start_matches('#').trim();
        if let Some(t) = l.strip_prefix("[[").and_then(|t| t.strip_suffix("]]")) {
            table = t.to_string();
            continue;
        }
        if let Some(t) = l.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            table = t.split('.').next().unwrap_or(t).to_string();
            // An optional table (unset: null) is documented by its example.
            if OPEN.contains(&table.as_str()) || json.get(&table).is_some_and(|v| v.is_null()) {
                have.insert(table.clone());
            }
            continue;
        }
        let Some((k, _)) = l.split_once('=') else {
            continue;
        };
        let k = k.trim();
        if k.contains(' ')
            || k.is_empty()
            || OPEN.contains(&table.as_str())
            || json.get(&table).is_some_and(|v| v.is_null())
        {
            continue;
        }
        if table.is_empty() {
            have.insert(k.to_string());
            continue;
        }
        // A `[[tone.avoid]]` entry's keys belong to the tone table's `avoid`.
        match table.split_once('.') {
            Some((t, sub)) => have.insert(format!("{t}.{sub}")),
            None => have.insert(format!("{table}.{k}")),
        };
    }
    let missing: Vec<_> = want.difference(&have).collect();
    let unknown: Vec<_> = have.difference(&want).collect();
    assert!(
        missing.is_empty(),
        "keys config.example.toml does not document: {missing:?}"
    );
    assert!(
        unknown.is_empty(),
        "keys config.example.toml names that do not exist: {unknown:?}"
    );
}

#[test]
fn a_time_zone_is_an_iana_name() {
    let good = format!("timezone = \"America/New_York\"\n{GOOD}");
    let c = Config::parse(&good).unwrap();
    assert_eq!(c.time_zone(), Some(chrono_tz::America::New_York));
    let bad = format!("timezone = \"Mars/Olympus\"\n{GOOD}");
    let e = Config::parse(&bad).unwrap_err().to_string();
    assert!(
        e.contains("timezone") && e.contains("not a time zone"),
        "{e}"
    );
}

#[test]
fn a_theme_preset_is_high_contrast_or_default() {
    let good = format!("{GOOD}\n[theme]\npreset = \"high-contrast\"\ncursor = \"green\"\n");
    assert!(Config::parse(&good).is_ok());
    let bad = format!("{GOOD}\n[theme]\npreset = \"neon\"\n");
    let e = Config::parse(&bad).unwrap_err();
    assert!(e.contains("preset") && e.contains("high-contrast"), "{e}");
}
