//! Checks serde cannot express: loopback-only plaintext, port 0, addresses,
//! secrets written into the file. Each error names the key and its line.

use super::{Config, Tls};
use std::net::IpAddr;

/// The 1-based line where `key` is set inside `[table]`, if it can be found.
pub(crate) fn find_line(raw: &str, table: &str, key: &str) -> Option<usize> {
    let mut current = String::new();
    for (i, line) in raw.lines().enumerate() {
        let t = line.trim();
        if let Some(name) = t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            current = name.trim().trim_matches(['[', ']']).trim().to_string();
            continue;
        }
        if current == table
            && let Some((k, _)) = t.split_once('=')
            && k.trim().trim_matches('"') == key
        {
            return Some(i + 1);
        }
    }
    None
}

fn at(raw: &str, table: &str, key: &str) -> String {
    match find_line(raw, table, key) {
        Some(l) => format!("line {l}: {table}.{key}"),
        None => format!("{table}.{key}"),
    }
}

/// Hosts `tls = "none"` may talk to: only this machine.
pub fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost") || h.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Refuses `password = ...` and friends before serde's generic "unknown field".
pub(crate) fn no_inline_secrets(raw: &str) -> Result<(), String> {
    for (table, key, fix) in [
        ("imap", "password", "password_command"),
        ("smtp", "password", "password_command"),
        ("team", "key", "key_command"),
        ("team", "signing_key", "signing_key_command"),
        ("imap", "oauth_token", "oauth_token_command"),
    ] {
        if let Some(l) = find_line(raw, table, key) {
            return Err(format!(
                "line {l}: {table}.{key}: secrets are never read from the config file; \
                 set {table}.{fix} to a command that prints it (e.g. \"pass show mail/support\")"
            ));
        }
    }
    Ok(())
}

pub(crate) fn check(cfg: &Config, raw: &str) -> Result<(), String> {
    let mut errors = Vec::new();
    let mut server = |table: &str, host: &str, port: u16, tls: Tls| {
        if host.trim().is_empty() {
            errors.push(format!("{}: must name a host", at(raw, table, "host")));
        }
        if port == 0 {
            errors.push(format!(
                "{}: port 0 is not a valid port (use 1-65535)",
                at(raw, table, "port")
            ));
        }
        if tls == Tls::None && !is_loopback(host) {
            errors.push(format!(
                "{}: tls = \"none\" is only allowed for loopback hosts (localhost, 127.0.0.1, ::1), \
                 not {host:?}; use \"implicit\" or \"starttls\"",
                at(raw, table, "tls")
            ));
        }
    };
    if let Some(i) = &cfg.imap {
        server("imap", &i.host, i.port, i.tls);
    }
    if let Some(s) = &cfg.smtp {
        server("smtp", &s.host, s.port, s.tls);
    }
    if let Some(i) = &cfg.imap
        && !(1..=20).contains(&i.max_connections)
    {
        errors.push(format!(
            "{}: {} is out of range: use 1 to 20 (2, the default, holds one \
             connection for sync and one watching the team log; 1 polls instead)",
            at(raw, "imap", "max_connections"),
            i.max_connections
        ));
    }
    for (table, key, value) in [
        ("identity", "email", &cfg.identity.email),
        ("team", "address", &cfg.team.address),
    ] {
        let v = value.trim();
        if v.is_empty() || !v.contains('@') || v.contains(char::is_whitespace) {
            errors.push(format!(
                "{}: {value:?} is not an email address",
                at(raw, table, key)
            ));
        }
    }
    if cfg.folders.inbox.is_empty() {
        errors.push(format!(
            "{}: list at least one folder",
            at(raw, "folders", "inbox")
        ));
    }
    for (label, colour) in &cfg.labels {
        if colour.parse::<colour_names::Colour>().is_err() {
            errors.push(format!(
                "{}: {colour:?} is not a colour (use a name such as \"red\" or \"#rrggbb\")",
                at(raw, "labels", label)
            ));
        }
    }
    if !(100..=1000).contains(&cfg.split_width) {
        errors.push(format!(
            "{}: {} columns: use 100 to 1000 (the list needs 80 and the conversation 60 beside it; \
             a very large number keeps one pane)",
            find_line(raw, "", "split_width").map_or("split_width".to_string(), |l| format!(
                "line {l}: split_width"
            )),
            cfg.split_width
        ));
    }
    if cfg.undo_send > 120 {
        errors.push(format!(
            "{}: {} seconds is too long to hold a reply (0 to 120; 0 sends at once)",
            find_line(raw, "", "undo_send")
                .map_or("undo_send".to_string(), |l| format!("line {l}: undo_send")),
            cfg.undo_send
        ));
    }
    if let Some(tz) = &cfg.timezone
        && tz.parse::<chrono_tz::Tz>().is_err()
    {
        errors.push(format!(
            "{}: {tz:?} is not a time zone (use an IANA name such as \"Europe/Berlin\" or \"America/New_York\")",
            find_line(raw, "", "timezone")
                .map_or("timezone".to_string(), |l| format!("line {l}: timezone"))
        ));
    }
    if let Some(h) = &cfg.hours {
        errors.extend(h.problems());
    }
    errors.extend(cfg.sla.problems());
    for (i, alias) in cfg.team.aliases.iter().enumerate() {
        let ok = alias.rsplit_once('@').is_some_and(|(l, d)| {
            !l.is_empty() && d.contains('.') && !alias.contains(char::is_whitespace)
        });
        if !ok {
            errors.push(format!(
                "{}: alias {} ({alias:?}) is not an address",
                at(raw, "team", "aliases"),
                i + 1
            ));
        }
    }
    for (role, colour) in &cfg.theme {
        if !super::THEME_ROLES.contains(&role.as_str()) {
            errors.push(format!(
                "{}: no such role (roles: {})",
                at(raw, "theme", role),
                super::THEME_ROLES.join(", ")
            ));
        } else if role == "preset" {
            if !matches!(colour.as_str(), "default" | "high-contrast") {
                errors.push(format!(
                    "{}: {colour:?} is not a theme (\"default\" or \"high-contrast\")",
                    at(raw, "theme", role)
                ));
            }
        } else if colour.parse::<colour_names::Colour>().is_err() {
            errors.push(format!(
                "{}: {colour:?} is not a colour (use a name such as \"red\" or \"#rrggbb\")",
                at(raw, "theme", role)
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}

/// Whether `s` names a colour `[labels]` accepts.
pub(crate) fn is_colour(s: &str) -> bool {
    s.parse::<colour_names::Colour>().is_ok()
}

/// Colour names accepted in `[labels]`, parsed without the terminal crates
/// (the config layer must not import ratatui).
mod colour_names {
    pub struct Colour;
    impl std::str::FromStr for Colour {
        type Err = ();
        fn from_str(s: &str) -> Result<Self, ()> {
            const NAMES: [&str; 17] = [
                "black",
                "red",
                "green",
                "yellow",
                "blue",
                "magenta",
                "cyan",
                "gray",
                "grey",
                "darkgray",
                "lightred",
                "lightgreen",
                "lightyellow",
                "lightblue",
                "lightmagenta",
                "lightcyan",
                "white",
            ];
            let l = s.trim().to_ascii_lowercase().replace(['-', '_', ' '], "");
            let hex = l
                .strip_prefix('#')
                .is_some_and(|h| h.len() == 6 && h.chars().all(|c| c.is_ascii_hexdigit()));
            if hex || NAMES.contains(&l.as_str()) {
                Ok(Colour)
            } else {
                Err(())
            }
        }
    }
}
