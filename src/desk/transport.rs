//! The way from the desk to the servers, chosen once at start: [`Live`]
//! (IMAP and SMTP; inline for the CLI, or a background worker for the TUI)
//! or [`Demo`] (the built-in mailbox: sent mail becomes files, nothing
//! leaves the machine). The desk calls these; nothing else knows which.

use super::Signer;
use crate::config::{Config, Secret};
use crate::store::Store;
use crate::sync::engine::{Depth, Progress, Report};
use crate::sync::outbox::{self, FlushReport, Recovered};
use crate::sync::session::Session;
use crate::sync::worker::{Notify, Request, Worker};
use anyhow::{Result, bail};
use std::path::PathBuf;
use std::sync::Arc;

/// What kind of desk this is, for the front ends to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A real account (`account`: user@host, for the status bar).
    Live { account: String },
    /// The demo: nothing leaves the machine; sent mail goes to `outbox`.
    Demo { outbox: PathBuf },
}

/// How far queued work got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Pushed, and the log read back: outcomes are final.
    Done,
    /// Handed to the background worker; a notice follows.
    Background,
    /// The server is not reachable: queued, it goes with the next sync.
    Offline(String),
    /// The demo: kept in the local cache only.
    Local,
}

/// What a send did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    pub report: FlushReport,
    /// Sends a crash had interrupted, resolved first.
    pub recovered: Vec<Recovered>,
    /// Whether the log and the Sent copies were pushed afterwards.
    pub delivery: Delivery,
}

/// What a sync pass did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Synced {
    pub report: Report,
    pub recovered: Vec<Recovered>,
    pub sent: FlushReport,
}

/// An attachment asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fetched {
    /// Written (and opened, if asked) here.
    Saved(PathBuf),
    /// The worker fetches it; a notice follows.
    Background,
}

pub trait Transport: Send {
    fn mode(&self) -> Mode;
    /// Whether there is a server to sync with (an error says why not).
    fn can_sync(&self) -> Result<()>;
    fn push(&mut self, store: &mut Store, signer: &Signer) -> Delivery;
    fn send(&mut self, store: &mut Store, signer: &Signer, all: bool) -> Result<Sent>;
    fn sync(
        &mut self,
        store: &mut Store,
        signer: &Signer,
        bodies: bool,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<Synced>;
    fn want_bodies(&mut self, conversation: &str);
    fn attachment(
        &mut self,
        store: &Store,
        conversation: &str,
        part: crate::attachments::Part,
        dir: Option<PathBuf>,
        open: bool,
    ) -> Result<Fetched>;
    fn stop(&mut self);
}

/// The real servers.
pub struct Live {
    cfg: Config,
    key: Option<Secret>,
    worker: Option<Worker>,
}

impl Live {
    /// With `notify`, a background worker does the network work and reports
    /// through it; without, each call does it inline.
    pub fn start(
        cfg: Config,
        key: Option<Secret>,
        signer: Arc<Signer>,
        notify: Option<Notify>,
    ) -> Live {
        let worker =
            notify.map(|n| Worker::spawn(cfg.clone(), cfg.cache_file(), key.clone(), signer, n));
        Live { cfg, key, worker }
    }

    /// A CLI command's one connection.
    fn session(&self) -> Result<Session> {
        Session::start(&self.cfg, self.key.clone(), 1)
    }

    /// Pushes queued changes and reads the log back on a new connection.
    fn push_now(&self, store: &mut Store) -> Result<()> {
        let mut s = self.session()?;
        s.push(store)?;
        s.logout();
        Ok(())
    }
}

impl Transport for Live {
    fn can_sync(&self) -> Result<()> {
        Ok(())
    }

    fn mode(&self) -> Mode {
        Mode::Live {
            account: match &self.cfg.imap {
                Some(i) => format!("{}@{}", i.user, i.host),
                None => self.cfg.team.address.clone(),
            },
        }
    }

    fn push(&mut self, store: &mut Store, _signer: &Signer) -> Delivery {
        if let Some(w) = &self.worker {
            w.request(Request::Push);
            return Delivery::Background;
        }
        match self.push_now(store) {
            Ok(()) => Delivery::Done,
            Err(e) => {
                tracing::info!("push deferred: {e:#}");
                Delivery::Offline(format!("{e:#}"))
            }
        }
    }

    fn send(&mut self, store: &mut Store, signer: &Signer, all: bool) -> Result<Sent> {
        if let Some(w) = &self.worker {
            w.request(Request::Send);
            return Ok(Sent {
                report: FlushReport::default(),
                recovered: Vec::new(),
                delivery: Delivery::Background,
            });
        }
        let mut session = match self.session() {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::info!("offline: {e:#}");
                None
            }
        };
        let offline = session
            .is_none()
            .then(|| "the IMAP server is not reachable".to_string());
        let recovered = match session.as_mut() {
            Some(s) => s.recover(store, signer)?,
            None => Vec::new(),
        };
        // SMTP does not need IMAP: a reply goes out even when IMAP is down.
        let now = if all {
            i64::MAX
        } else {
            chrono::Utc::now().timestamp()
        };
        let report = outbox::flush(store, &self.cfg, signer, outbox::Transport::Smtp, now)?;
        let delivery = match session {
            Some(mut s) => {
                s.push(store)?;
                s.logout();
                Delivery::Done
            }
            None => Delivery::Offline(offline.unwrap_or_default()),
        };
        Ok(Sent {
            report,
            recovered,
            delivery,
        })
    }

    fn sync(
        &mut self,
        store: &mut Store,
        signer: &Signer,
        bodies: bool,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<Synced> {
        if let Some(w) = &self.worker {
            w.request(Request::SyncNow);
            return Ok(Synced {
                report: Report::default(),
                recovered: Vec::new(),
                sent: FlushReport::default(),
            });
        }
        let mut s = self.session()?;
        let depth = if bodies {
            Depth::Bodies
        } else {
            Depth::Headers
        };
        let (report, _) = s.pass(store, &self.cfg, progress, depth)?;
        if let Err(e) = s.checkpoint(store, signer) {
            tracing::warn!("team log checkpoint not written: {e:#}");
        }
        // The outbox: resolve interrupted sends, send what is due, file the copies.
        let recovered = s.recover(store, signer)?;
        let sent = outbox::flush(
            store,
            &self.cfg,
            signer,
            outbox::Transport::Smtp,
            chrono::Utc::now().timestamp(),
        )?;
        if sent.sent > 0 || store.pending_ops().map(|p| !p.is_empty()).unwrap_or(false) {
            s.push(store)?;
        }
        s.close();
        Ok(Synced {
            report,
            recovered,
            sent,
        })
    }

    fn want_bodies(&mut self, conversation: &str) {
        if let Some(w) = &self.worker {
            w.request(Request::Open(conversation.to_string()));
        }
    }

    fn attachment(
        &mut self,
        store: &Store,
        conversation: &str,
        part: crate::attachments::Part,
        dir: Option<PathBuf>,
        open: bool,
    ) -> Result<Fetched> {
        if let Some(w) = &self.worker {
            w.request(Request::Attachment {
                conversation: conversation.to_string(),
                part,
                dir,
                open,
            });
            return Ok(Fetched::Background);
        }
        let mut conn = None;
        let path = crate::attachments::save(
            store,
            conversation,
            part,
            dir.as_deref(),
            open,
            &mut |mid| {
                if conn.is_none() {
                    conn = Some(crate::sync::connect(&self.cfg)?);
                }
                let c = conn.as_mut().expect("just set");
                crate::sync::engine::fetch_raw(c, store, mid)
            },
        )?;
        Ok(Fetched::Saved(path))
    }

    fn stop(&mut self) {
        if let Some(w) = &self.worker {
            w.request(Request::Stop);
        }
    }
}

const NO_SERVER: &str = "the demo mailbox has no server to sync with";

/// The built-in demo mailbox: no network; sent mail becomes `.eml` files.
/// Tests and benches use it over a cache of their own ([`Demo::files`]).
pub struct Demo {
    outbox: PathBuf,
    /// The demo's temporary directory, kept as long as the desk.
    _session: Option<super::demo::DemoSession>,
}

impl Demo {
    pub fn new(session: super::demo::DemoSession) -> Demo {
        Demo {
            outbox: session.outbox_dir.clone(),
            _session: Some(session),
        }
    }

    /// Sent mail goes to `outbox`, over any cache.
    pub fn files(outbox: PathBuf) -> Demo {
        Demo {
            outbox,
            _session: None,
        }
    }
}

impl Transport for Demo {
    fn can_sync(&self) -> Result<()> {
        bail!(NO_SERVER)
    }

    fn mode(&self) -> Mode {
        Mode::Demo {
            outbox: self.outbox.clone(),
        }
    }

    fn push(&mut self, _store: &mut Store, _signer: &Signer) -> Delivery {
        Delivery::Local
    }

    fn send(&mut self, store: &mut Store, signer: &Signer, all: bool) -> Result<Sent> {
        let recovered = outbox::recover(store, signer, None)?;
        // Files never fail: what is queued is written now, except a
        // message still held for undo send (the TUI sends it when due).
        let now = if all {
            i64::MAX
        } else {
            chrono::Utc::now().timestamp()
        };
        let report = outbox::flush(
            store,
            &Config::demo(),
            signer,
            outbox::Transport::Files(&self.outbox),
            now,
        )?;
        Ok(Sent {
            report,
            recovered,
            delivery: Delivery::Local,
        })
    }

    fn sync(
        &mut self,
        _store: &mut Store,
        _signer: &Signer,
        _bodies: bool,
        _progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<Synced> {
        bail!(NO_SERVER)
    }

    fn want_bodies(&mut self, _conversation: &str) {}

    fn attachment(
        &mut self,
        store: &Store,
        conversation: &str,
        part: crate::attachments::Part,
        dir: Option<PathBuf>,
        open: bool,
    ) -> Result<Fetched> {
        let path =
            crate::attachments::save(store, conversation, part, dir.as_deref(), open, &mut |id| {
                crate::attachments::demo_raw(id)
                    .map(<[u8]>::to_vec)
                    .ok_or_else(|| anyhow::anyhow!("the message is not in the demo mailbox"))
            })?;
        Ok(Fetched::Saved(path))
    }

    fn stop(&mut self) {}
}
