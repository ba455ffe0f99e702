//! Hearing about changes within the connection budget (`[imap]
//! max_connections`). Every agent logs in as the team account, often from
//! one jump box, and servers cap connections per login and address
//! (Dovecot's `mail_max_userip_connections`, 10 by default), so a running
//! worker holds few:
//!
//! - the sync connection waits in IDLE on the inbox between its own work,
//!   ended (DONE) as soon as the front end asks for something;
//! - with a budget of 2 or more, one more connection IDLEs on the team log
//!   ([`log_watcher`]), so teammates' acts arrive within seconds;
//! - with a budget of 1 there is no watcher: the sync connection, while it
//!   waits on the inbox, also runs a pass every [`ALONE`] for the log.
//!
//! A login the server refuses for too many connections
//! ([`ImapError::Crowded`]) is retried after a long backoff, not hammered.

use super::imap::{ImapError, SelectInfo};
use super::session::Session;
use super::worker::{Backoff, Request};
use crate::config::Config;
use crate::store::Store;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::time::Duration;

/// How often a connection polls a server that has no IDLE (or refuses it).
pub const POLL: Duration = Duration::from_secs(60);

/// How often the sync connection looks at the team log when no watcher
/// holds IDLE on it (a budget of one connection, or the watcher is down).
pub const ALONE: Duration = Duration::from_secs(30);

/// Why the sync connection stopped waiting.
pub enum Woke {
    /// The front end asked for something.
    Request(Request),
    /// The inbox changed (or may have): sync.
    News,
    /// The wait passed: sync anyway (the outbox's next retry, the log).
    Timeout,
    /// The front end is gone.
    Gone,
}

/// How the sync connection waits between passes.
pub struct Waiting {
    inbox: String,
    /// IDLE works on this connection (false once the server refused it).
    idle: bool,
    /// The last wake came from the check before IDLE: do not trust a
    /// second one in a row (the cache may never match the server).
    rechecked: bool,
    /// A [`log_watcher`] holds IDLE on the team log.
    watching: Arc<AtomicBool>,
}

impl Waiting {
    pub fn new(cfg: &Config, watching: Arc<AtomicBool>) -> Waiting {
        Waiting {
            inbox: cfg
                .folders
                .inbox
                .first()
                .cloned()
                .unwrap_or_else(|| "INBOX".into()),
            idle: true,
            rechecked: false,
            watching,
        }
    }

    /// Waits up to `wait` for a request or a change in the inbox.
    pub fn wait(
        &mut self,
        s: &mut Session,
        store: &Store,
        rx: &Receiver<Request>,
        wait: Duration,
    ) -> anyhow::Result<Woke> {
        let wait = if self.watching.load(Ordering::Relaxed) {
            wait
        } else {
            wait.min(ALONE)
        };
        if !(self.idle && s.conn.has_capability("IDLE")) {
            return Ok(match rx.recv_timeout(wait.min(POLL)) {
                Ok(r) => Woke::Request(r),
                Err(RecvTimeoutError::Timeout) => Woke::Timeout,
                Err(RecvTimeoutError::Disconnected) => Woke::Gone,
            });
        }
        // IDLE reports only what happens from now on: mail that came while
        // this connection was busy shows in a NOOP's answer where the inbox
        // is still selected (a SELECT right after another client's change
        // costs a Maildir server a rescan), else in the SELECT's.
        let behind_now = if s.conn.still_selected(&self.inbox, None) {
            s.conn.noop_news()?
        } else {
            let info = s.conn.select(&self.inbox, None)?;
            behind(store, &self.inbox, &info)
        };
        if behind_now && !self.rechecked {
            self.rechecked = true;
            return Ok(Woke::News);
        }
        self.rechecked = false;
        let (mut got, mut gone) = (None, false);
        let mut stop = || match rx.try_recv() {
            Ok(r) => {
                got = Some(r);
                true
            }
            Err(TryRecvError::Empty) => false,
            Err(TryRecvError::Disconnected) => {
                gone = true;
                true
            }
        };
        let news = match s.conn.idle_until(wait, &mut stop) {
            Ok(news) => news,
            Err(e @ ImapError::Command { .. }) => {
                tracing::info!("IDLE refused ({e}); polling every {POLL:?}");
                self.idle = false;
                false
            }
            Err(e) => return Err(e.into()),
        };
        Ok(match (got, gone, news) {
            (_, true, _) => Woke::Gone,
            (Some(r), _, _) => Woke::Request(r),
            (None, _, true) => Woke::News,
            (None, _, false) => Woke::Timeout,
        })
    }
}

/// Whether the server's inbox differs from what the cache last synced.
fn behind(store: &Store, inbox: &str, info: &SelectInfo) -> bool {
    let known = store
        .mailbox_id_of(inbox)
        .and_then(|id| store.mailbox_state(id));
    match known {
        Ok(Some(k)) => {
            k.uidvalidity != info.uidvalidity
                || k.uidnext != info.uidnext
                || (k.highestmodseq.is_some()
                    && info.highestmodseq.is_some()
                    && k.highestmodseq != info.highestmodseq)
        }
        _ => true,
    }
}

/// Whether `e` is a login refused for too many connections.
pub fn crowded(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<ImapError>()
            .is_some_and(ImapError::is_crowded)
    })
}

/// Holds IDLE on the team log and asks for a sync on any change (the
/// daemon watches its inbox this way too: [`folder_watcher`]). IDLE is
/// re-issued well before the 29-minute limit. On a server without IDLE,
/// or one that refuses it, it polls with NOOP every [`POLL`] on the same
/// connection instead (reconnecting after each refusal, with the backoff
/// reset by the successful SELECT, came to a login a second).
pub fn log_watcher(cfg: Config, tx: Sender<Request>, watching: Arc<AtomicBool>) {
    folder_watcher(cfg, None, tx, watching)
}

/// [`log_watcher`] on `folder` (None: the team log).
pub fn folder_watcher(
    cfg: Config,
    folder: Option<String>,
    tx: Sender<Request>,
    watching: Arc<AtomicBool>,
) {
    let mut backoff = Backoff::default();
    loop {
        let r = super::connect(&cfg).and_then(|mut conn| {
            let folder = match &folder {
                Some(f) => f.clone(),
                None => super::team::log_folder(&mut conn, &cfg)?,
            };
            conn.ensure_mailbox(&folder)?;
            conn.select(&folder, None)?;
            backoff.reset();
            let mut idle = conn.has_capability("IDLE");
            watching.store(idle, Ordering::Relaxed);
            loop {
                let news = if idle {
                    match conn.idle_wait(Duration::from_secs(25 * 60)) {
                        Ok(news) => news,
                        Err(e @ ImapError::Command { .. }) => {
                            tracing::info!("IDLE refused ({e}); polling every {POLL:?}");
                            idle = false;
                            watching.store(false, Ordering::Relaxed);
                            continue;
                        }
                        Err(e) => return Err(e.into()),
                    }
                } else {
                    std::thread::sleep(POLL);
                    conn.noop_news()?
                };
                if news && tx.send(Request::SyncNow).is_err() {
                    return Ok(());
                }
            }
        });
        watching.store(false, Ordering::Relaxed);
        match r {
            Ok(()) => return,
            Err(e) => {
                if crowded(&e) {
                    backoff.crowded();
                }
                tracing::info!("team log watcher: {e:#}");
            }
        }
        std::thread::sleep(backoff.next_delay());
        if tx.send(Request::SyncNow).is_err() {
            return;
        }
    }
}
