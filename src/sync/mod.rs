//! Network IO: the IMAP connection (behind our own small API, so the `imap`
//! crate can be swapped), and later the sync worker, team log and SMTP.
//! Never imports the terminal crates.

mod bodies;
pub mod checkpoint;
mod deflate;
pub mod engine;
mod headers;
pub mod history;
pub mod imap;
pub mod outbox;
mod replay;
pub mod session;
pub mod sizes;
pub mod smtp;
mod smtp_client;
mod stream;
pub mod team;
pub mod watch;
pub mod worker;

pub use stream::Stream;

use crate::config::{Config, run_secret_command};
use anyhow::{Context, Result};

/// Connects and logs in to the account's IMAP server, running the secret command.
pub fn connect(cfg: &Config) -> Result<imap::Connection> {
    let (imap, creds) = login_data(cfg)?;
    Ok(imap::Connection::connect(imap, &creds)?)
}

/// [`connect`], for a session that syncs again and again (the worker's),
/// using up to `connections` connections: with 2 or more the team inbox
/// gets a session of its own ([`imap::Connection::pin`]), with 3 or more
/// folder listings go over a short-lived side connection
/// ([`imap::Connection::list_aside`]). With 1, it is [`connect`].
pub fn connect_syncing(cfg: &Config, connections: usize) -> Result<imap::Connection> {
    let (imap, creds) = login_data(cfg)?;
    let mut conn = imap::Connection::connect(imap, &creds)?;
    if connections >= 3 {
        conn.list_aside(imap, &creds);
    } else if connections == 2 {
        conn.may_log_in_again(imap, &creds);
    }
    if connections >= 2
        && let Some(inbox) = cfg.folders.inbox.first()
    {
        conn.pin(inbox);
    }
    Ok(conn)
}

/// The `[imap]` table and the credentials its secret command gives.
fn login_data(cfg: &Config) -> Result<(&crate::config::Imap, imap::Credentials)> {
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
    Ok((imap, creds))
}

/// CPU time the calling thread has used (for the sync's debug log: unlike
/// wall time, it does not count waiting for the server or for the disk).
pub(crate) fn thread_cpu() -> std::time::Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec to the pointer given.
    let ok = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) } == 0;
    if !ok {
        return std::time::Duration::ZERO;
    }
    std::time::Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}
