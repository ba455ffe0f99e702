//! `replypad doctor`: checks the config, the secret commands, IMAP and SMTP,
//! and says for each what is wrong and how to fix it.

use crate::config::{Config, run_secret_command};
use crate::sync::imap::{Connection, Credentials};
use anyhow::Result;
use std::path::Path;
use std::process::ExitCode;

struct Report {
    failed: usize,
}

impl Report {
    fn ok(&self, what: &str, detail: &str) {
        println!(
            "  ok    {what}{}",
            if detail.is_empty() {
                String::new()
            } else {
                format!(": {detail}")
            }
        );
    }
    fn note(&self, what: &str, detail: &str) {
        println!("  note  {what}: {}", crate::mail::sanitize::text(detail));
    }
    fn fail(&mut self, what: &str, err: &str, fix: &str) {
        self.failed += 1;
        println!("  FAIL  {what}: {}", crate::mail::sanitize::text(err));
        if !fix.is_empty() {
            println!("        fix: {fix}");
        }
    }
}

/// The roster (is this agent on it, with the key it holds) and the team
/// policy (does the config's own `[review]`, `[labels]`, `[tone]` apply).
fn team(r: &mut Report, cfg: &Config, trust: &crate::domain::roster::Trust) {
    let local_rules = cfg.review != Default::default()
        || !cfg.labels.is_empty()
        || cfg.tone != Default::default();
    match &trust.roster {
        None => r.note(
            "team roster",
            "none yet: any holder of the team key can write events in any agent's name; \
             `replypad team init` starts a roster with per-agent keys",
        ),
        Some(roster) => match roster.get(&cfg.identity.email) {
            Some(m) if m.active && m.key.is_some() => {
                match crate::desk::keys::agent_key(cfg) {
                    Ok(Some(k)) if Some(crate::mail::team_event::public_key(&k)) == m.key => {
                        r.ok("team roster", &format!("you are on it as {} ({})", m.email, m.role))
                    }
                    Ok(Some(_)) => r.fail(
                        "team roster",
                        "your signing key is not the one the roster holds for you: your events are refused",
                        "use the key you joined with (team.signing_key_command or the key file), or ask an admin to invite you again",
                    ),
                    Ok(None) => r.fail(
                        "team roster",
                        &format!("no signing key at {}", crate::desk::keys::key_file(cfg).display()),
                        "restore the key file you joined with, or ask an admin to invite you again",
                    ),
                    Err(e) => r.fail("team roster", &format!("{e:#}"), "fix the signing key named above"),
                }
            }
            Some(m) if m.active => r.fail(
                "team roster",
                "you are invited but have not joined: your events are refused",
                "run `replypad team join CODE` with the code an admin gave you",
            ),
            _ => r.fail(
                "team roster",
                &format!("{} is not an active member: your events are refused", cfg.identity.email),
                "ask an admin for an invitation (`replypad team invite`)",
            ),
        },
    }
    match (&trust.policy, local_rules) {
        (Some(_), true) => r.note(
            "team policy",
            "the team's policy is in force; your config's [review], [labels] and [tone] are ignored",
        ),
        (Some(_), false) => r.ok("team policy", "the team's policy is in force"),
        (None, true) => r.note(
            "team policy",
            "none yet: your config's [review], [labels] and [tone] apply to you alone; an admin can \
             make them the team's with `replypad team policy edit`",
        ),
        (None, false) => {}
    }
}

/// `doctor` on the built-in mailbox: nothing to check.
pub fn nothing_to_check() -> Result<ExitCode> {
    println!("demo mode: no servers, nothing to check. The demo mailbox is built in.");
    Ok(ExitCode::SUCCESS)
}

/// A provider's submission host, the (port, TLS mode) pairs it serves, and
/// what to log in with.
type Provider = (
    &'static str,
    &'static [(u16, crate::config::Tls)],
    &'static str,
);

/// The submission settings the big providers need.
const PROVIDERS: &[Provider] = {
    use crate::config::Tls::{Implicit, Starttls};
    &[
        (
            "smtp.office365.com",
            &[(587, Starttls)],
            "oauth_token_command (XOAUTH2), or an app password where the tenant allows it",
        ),
        (
            "smtp.gmail.com",
            &[(465, Implicit), (587, Starttls)],
            "an app password, or oauth_token_command (XOAUTH2); provider_saves_sent = true",
        ),
        (
            "smtp.fastmail.com",
            &[(465, Implicit), (587, Starttls)],
            "an app password",
        ),
    ]
};

/// When `smtp` names a known provider with a port and TLS mode it does not
/// serve: what is wrong, and the fix.
fn provider_mismatch(smtp: &crate::config::Smtp) -> Option<(String, String)> {
    let (host, ways, auth) = PROVIDERS
        .iter()
        .find(|(h, _, _)| smtp.host.eq_ignore_ascii_case(h))?;
    if ways.iter().any(|(p, t)| *p == smtp.port && *t == smtp.tls) {
        return None;
    }
    let tls = |t: &crate::config::Tls| match t {
        crate::config::Tls::Implicit => "implicit",
        crate::config::Tls::Starttls => "starttls",
        crate::config::Tls::None => "none",
    };
    let want: Vec<String> = ways
        .iter()
        .map(|(p, t)| format!("port = {p}, tls = \"{}\"", tls(t)))
        .collect();
    Some((
        format!(
            "{host} takes mail on {} (the config has port {} with tls = \"{}\")",
            want.join(" or "),
            smtp.port,
            tls(&smtp.tls)
        ),
        format!("set {} in [smtp]; log in with {auth}", want[0]),
    ))
}

pub fn run(config: Option<&Path>) -> Result<ExitCode> {
    let path = config
        .map(Path::to_path_buf)
        .unwrap_or_else(crate::paths::default_config_file);
    let mut r = Report { failed: 0 };
    println!("replypad doctor");
    let cfg = match Config::load(&path) {
        Ok(c) => {
            r.ok("config", &path.display().to_string());
            c
        }
        Err(e) => {
            // A missing file says itself what to do; a wrong one names its line.
            let fix = match e {
                crate::config::ConfigError::Missing { .. } => "",
                crate::config::ConfigError::Read { .. } => {
                    "give the path of a config file you can read (--config PATH or REPLYPAD_CONFIG)"
                }
                _ => "correct the line named above; config.example.toml documents every key",
            };
            // With its reason (the chain: an io error is the source).
            r.fail("config", &format!("{:#}", anyhow::Error::from(e)), fix);
            return Ok(ExitCode::from(1));
        }
    };
    match &cfg.team.key_command {
        Some(_) => match crate::desk::team_key(&cfg) {
            Ok(_) => r.ok("team key", "team.key_command printed a key"),
            Err(e) => r.fail(
                "team key",
                &e.to_string(),
                "make team.key_command print the team's shared key",
            ),
        },
        None => r.fail(
            "team key",
            "team.key_command is not set",
            "set it to a command that prints the team's shared key",
        ),
    }
    let cache = cfg.cache_file();
    r.ok("cache", &cache.display().to_string());
    if cache.exists() {
        match crate::store::Store::open(&cache).and_then(|s| s.rejected_events()) {
            Ok(rejected) if rejected.is_empty() => {
                r.ok("team log", "no forged or malformed events")
            }
            Ok(rejected) => {
                let list: Vec<String> = rejected
                    .iter()
                    .take(5)
                    .map(|(uid, why)| format!("UID {uid}: {why}"))
                    .collect();
                r.fail(
                    "team log",
                    &format!("{} message(s) in the log folder are not valid events and were ignored: {}", rejected.len(), list.join("; ")),
                    "if they are forged, someone can deliver mail into the log folder; events of a removed agent are refused on purpose; otherwise check every agent's team.key_command and signing key (`replypad doctor` on their machine)",
                );
            }
            Err(e) => r.fail(
                "cache",
                &format!("{e:#}"),
                "delete the cache file; `replypad sync` rebuilds it",
            ),
        }
        if let Ok(trust) = crate::store::Store::open(&cache).and_then(|s| s.trust()) {
            team(&mut r, &cfg, &trust);
        }
    }
    match &cfg.imap {
        None => r.fail(
            "imap",
            "no [imap] table",
            "add [imap] with host, user and password_command",
        ),
        Some(imap) => {
            let creds = match (&imap.oauth_token_command, &imap.password_command) {
                (Some(cmd), _) => {
                    run_secret_command("imap.oauth_token_command", cmd).map(Credentials::OAuth2)
                }
                (None, Some(cmd)) => {
                    run_secret_command("imap.password_command", cmd).map(Credentials::Password)
                }
                (None, None) => Err(anyhow::anyhow!(
                    "neither imap.password_command nor imap.oauth_token_command is set"
                )),
            };
            match creds {
                Err(e) => r.fail(
                    "imap credentials",
                    &e.to_string(),
                    if imap.oauth_token_command.is_some() {
                        "make the command print a current OAuth2 access token on its first line"
                    } else {
                        "make the command print the password on its first line"
                    },
                ),
                Ok(creds) => match Connection::connect(imap, &creds) {
                    Ok(conn) => {
                        r.ok(
                            "imap",
                            &format!(
                                "{}:{} logged in as {} ({})",
                                imap.host,
                                imap.port,
                                imap.user,
                                if conn.tls {
                                    "TLS"
                                } else {
                                    "plaintext, loopback"
                                }
                            ),
                        );
                        for cap in ["IDLE", "CONDSTORE", "QRESYNC", "UIDPLUS", "MOVE"] {
                            if conn.has_capability(cap) {
                                r.ok(&format!("imap {cap}"), "");
                            } else {
                                println!(
                                    "  warn  imap {cap}: not offered; replypad falls back to slower ways"
                                );
                            }
                        }
                        conn.logout();
                    }
                    Err(e) => r.fail(
                        "imap",
                        &e.to_string(),
                        "check host, port and tls; a self-signed server needs imap.ca_file",
                    ),
                },
            }
        }
    }
    match &cfg.smtp {
        None => r.fail(
            "smtp",
            "no [smtp] table",
            "add [smtp] with host, user and password_command",
        ),
        Some(smtp) if provider_mismatch(smtp).is_some() => {
            let (what, fix) = provider_mismatch(smtp).unwrap_or_default();
            r.fail("smtp", &what, &fix)
        }
        Some(smtp) => match crate::sync::smtp::check_reachable(smtp) {
            Ok(()) => r.ok("smtp", &format!("{}:{} answers", smtp.host, smtp.port)),
            Err(e) => r.fail(
                "smtp",
                &format!("{e:#}"),
                "check host, port and tls (465 implicit TLS is the default)",
            ),
        },
    }
    if r.failed == 0 {
        println!("all checks passed");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("{} check(s) failed", r.failed);
        Ok(ExitCode::from(1))
    }
}

#[cfg(test)]
mod tests {
    use super::provider_mismatch;

    fn smtp(host: &str, port: u16, tls: &str) -> crate::config::Smtp {
        toml::from_str(&format!("host = {host:?}\nport = {port}\ntls = {tls:?}\n")).unwrap()
    }

    #[test]
    fn known_providers_are_told_apart_from_a_wrong_port_or_tls() {
        let (what, fix) = provider_mismatch(&smtp("smtp.office365.com", 465, "implicit")).unwrap();
        assert!(what.contains("port = 587, tls = \"starttls\""), "{what}");
        assert!(fix.contains("oauth_token_command"), "{fix}");
        assert!(provider_mismatch(&smtp("smtp.office365.com", 587, "starttls")).is_none());
        assert!(provider_mismatch(&smtp("SMTP.gmail.com", 465, "implicit")).is_none());
        assert!(provider_mismatch(&smtp("smtp.gmail.com", 587, "implicit")).is_some());
        assert!(provider_mismatch(&smtp("mail.example.com", 25, "starttls")).is_none());
    }
}
