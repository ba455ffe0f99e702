//! `replypad init`: a commented config for a provider, checked before it is
//! written, then `doctor` on it.

use crate::config::Config;
use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// Mail providers `init` knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Provider {
    /// Microsoft 365 / Exchange Online (OAuth2).
    M365,
    /// Google Workspace or Gmail (app password, or OAuth2).
    Gmail,
    /// Fastmail (app password).
    Fastmail,
    /// Any IMAP and SMTP server.
    Generic,
}

/// The config text for `provider`.
pub fn config_text(provider: Provider, name: &str, email: &str, team: &str) -> String {
    // TOML basic strings: backslash and quote escaped.
    let q = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    let domain = q(team.rsplit_once('@').map_or("example.com", |(_, d)| d));
    let (name, email, team) = (q(name), q(email), q(team));
    let (imap, smtp) = match provider {
        Provider::M365 => (
            format!(
                "host = \"outlook.office365.com\"\n# port = 993, tls = \"implicit\"\nuser = \"{team}\"\n\
                 # Microsoft 365 tenants mostly refuse passwords: a command that prints an\n\
                 # OAuth2 access token for the mailbox (for example oama or mailctl).\n\
                 oauth_token_command = \"oama access {team}\""
            ),
            format!(
                "host = \"smtp.office365.com\"\nport = 587\ntls = \"starttls\"\nuser = \"{team}\"\n\
                 oauth_token_command = \"oama access {team}\""
            ),
        ),
        Provider::Gmail => (
            format!(
                "host = \"imap.gmail.com\"\n# port = 993, tls = \"implicit\"\nuser = \"{team}\"\n\
                 # An app password (Google account > Security > App passwords), or\n\
                 # oauth_token_command for OAuth2.\n\
                 password_command = \"pass show mail/{team}\""
            ),
            format!(
                "host = \"smtp.gmail.com\"\n# port = 465, tls = \"implicit\"\nuser = \"{team}\"\n\
                 password_command = \"pass show mail/{team}\"\n\
                 # Gmail files sent mail in Sent itself.\nprovider_saves_sent = true"
            ),
        ),
        Provider::Fastmail => (
            format!(
                "host = \"imap.fastmail.com\"\n# port = 993, tls = \"implicit\"\nuser = \"{team}\"\n\
                 # An app password (Settings > Privacy & Security > App passwords).\n\
                 password_command = \"pass show mail/{team}\""
            ),
            format!(
                "host = \"smtp.fastmail.com\"\n# port = 465, tls = \"implicit\"\nuser = \"{team}\"\n\
                 password_command = \"pass show mail/{team}\""
            ),
        ),
        Provider::Generic => (
            format!(
                "host = \"imap.{domain}\"\n# port = 993\n# tls = \"implicit\"   # or \"starttls\" (fails closed)\n\
                 user = \"{team}\"\npassword_command = \"pass show mail/{team}\""
            ),
            format!(
                "host = \"smtp.{domain}\"\n# port = 465\n# tls = \"implicit\"   # or \"starttls\" on 587\n\
                 user = \"{team}\"\npassword_command = \"pass show mail/{team}\""
            ),
        ),
    };
    format!(
        "# replypad config, written by `replypad init`; config.example.toml in the\n\
         # source documents every key. Secrets never live here: the *_command\n\
         # keys print them.\n\n\
         [identity]\nname = \"{name}\"\nemail = \"{email}\"\n\n\
         [team]\nname = \"{domain} support\"\naddress = \"{team}\"\n\
         # Prints the team's shared key (the same for every agent): it signs\n\
         # assignments, notes and labels in the team log.\n\
         key_command = \"pass show replypad/team-key\"\n\n\
         [imap]\n{imap}\n\n[smtp]\n{smtp}\n",
    )
}

/// Writes the config for `provider` to `path` (refusing to replace one
/// unless `force`), then runs `doctor` on it unless `no_doctor`.
pub fn run(
    path: &Path,
    provider: Provider,
    name: &str,
    email: &str,
    team: &str,
    force: bool,
    no_doctor: bool,
) -> Result<ExitCode> {
    let text = config_text(provider, name, email, team);
    Config::parse(&text).map_err(|e| anyhow::anyhow!("the config would not be valid: {e}"))?;
    if path.exists() && !force {
        bail!(
            "{} exists; replypad init does not replace it (--force does)",
            path.display()
        );
    }
    if let Some(dir) = path.parent() {
        crate::paths::ensure_private_dir(dir)?;
    }
    let _ = std::fs::remove_file(path);
    let mut f = crate::paths::create_private_file(path)?;
    f.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    println!("wrote {}", path.display());
    if no_doctor {
        return Ok(ExitCode::SUCCESS);
    }
    println!("checking it (fix what doctor lists, then run `replypad doctor` again):\n");
    super::doctor::run(Some(path))
}
