//! Network IO: the IMAP connection (behind our own small API, so the `imap`
//! crate can be swapped), and later the sync worker, team log and SMTP.
//! Never imports the terminal crates.

pub mod engine;
mod headers;
pub mod imap;
pub mod outbox;
pub mod smtp;
mod stream;
pub mod team;
pub mod worker;

pub use stream::Stream;

use crate::config::{Config, run_secret_command};
use anyhow::{Context, Result};

/// Connects and logs in to the account's IMAP server, running the secret command.
pub fn connect(cfg: &Config) -> Result<imap::Connection> {
    let imap = cfg
        .imap
        .as_ref()
        .context("the config has no [imap] table")?;
    let creds = match (&imap.oauth_token_command, &imap.password_command) {
        (Some(cmd), _) => {
            imap::Credentials::OAuth2(run_secret_command("imap.oauth_token_command", cmd)?)
        }
        (None, Some(cmd)) => {
            imap::Credentials::Password(run_secret_command("imap.password_command", cmd)?)
        }
        (None, None) => {
            anyhow::bail!("set imap.password_command (or imap.oauth_token_command) in the config")
        }
    };
    Ok(imap::Connection::connect(imap, &creds)?)
}
