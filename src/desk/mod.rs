//! The desk: everything the front ends do that is not drawing or argument
//! parsing. The TUI, the CLI and the daemon are thin front ends
//! over it; a rule (who may claim, how a label is parsed, when a draft may
//! go) is written here once.
//!
//! It owns the cache ([`Store`]), the acting agent's identity and team key
//! (resolved once, at start: [`Signer`]), and a [`Transport`] chosen once at
//! start: the real IMAP/SMTP side ([`transport::Live`], inline for the CLI
//! or a background worker for the TUI) or the demo ([`transport::Demo`],
//! files and no network). No other part of the front ends knows which.
//!
//! Operations are typed, and so are their outcomes ([`ActReport`],
//! [`Delivery`], [`Blocked`], [`crate::sync::outbox::Problem`]): the front
//! ends turn them into words. Team events are built and signed only here
//! ([`Signer`]); the sync layer asks for a signed `sent` event through the
//! [`crate::sync::outbox::Sign`] trait.

use crate::config::{Config, Secret};
use crate::domain::events::{Event, EventKind, new_event_id};
use crate::store::Store;
use anyhow::{Context, Result};
use std::sync::Arc;

mod acts;
pub mod demo;
mod demo_history;
mod filing;
pub mod input;
pub mod insight;
mod jobs;
pub mod keys;
mod postmortem;
mod replies;
mod shared;
mod team;
mod templates;
pub mod transport;
pub mod words;

pub use acts::{ActReport, Acted, Undo};
pub use filing::{Filed, Place};
pub use jobs::{JobLine, JobsReport, Scheduled};
pub use postmortem::PostMortem;
pub use replies::{Blocked, SendOutcome, StartReply, find_shared, unfilled_message};
pub use team::TeamDone;
pub use transport::{Delivery, Fetched, Mode, Sent, Transport};

/// What the workers tell a front end (typed; the front end words it).
pub use crate::sync::engine::Progress;
pub use crate::sync::worker::{Changed, Notice, Notify};

/// The key that signs team events, from `team.key_command`. Run once per
/// process, by [`Desk`] (and by `doctor`, which checks it).
pub fn team_key(cfg: &Config) -> Result<Secret> {
    let cmd = cfg
        .team
        .key_command
        .as_deref()
        .context("team.key_command is not set; every agent needs the team's shared key to read and write team state")?;
    crate::config::run_secret_command("team.key_command", cmd)
}

/// The key the demo signs its local-only events with.
pub const DEMO_KEY: &str = "replypad-demo-team-key";

/// The acting agent, the team key and the agent's own key: builds and
/// signs every team event.
pub struct Signer {
    agent: String,
    team_address: String,
    key: Option<Secret>,
    agent_key: Option<ed25519_dalek::SigningKey>,
}

impl Signer {
    pub fn new(cfg: &Config, key: Option<Secret>) -> Signer {
        Signer {
            agent: cfg.identity.email.clone(),
            team_address: cfg.team.address.clone(),
            key,
            agent_key: None,
        }
    }

    /// Signs with the agent's own key too (a team with a roster counts
    /// only events signed by their author).
    pub fn with_agent_key(mut self, key: Option<ed25519_dalek::SigningKey>) -> Signer {
        self.agent_key = key;
        self
    }

    /// The agent's public key (hex), if they have a key.
    pub fn public_key(&self) -> Option<String> {
        self.agent_key
            .as_ref()
            .map(crate::mail::team_event::public_key)
    }

    /// An event by this agent at `at`, signed (None: team state is off).
    pub fn event_at(
        &self,
        conversation: &str,
        kind: EventKind,
        at: i64,
    ) -> Option<(Event, Vec<u8>)> {
        self.build(conversation, kind, at, None)
    }

    /// An event by this agent now, signed with `key` (a new key, as `team
    /// init` and `join` use) instead of the agent's own.
    pub(crate) fn event_with_key(
        &self,
        conversation: &str,
        kind: EventKind,
        key: Option<&ed25519_dalek::SigningKey>,
    ) -> Option<(Event, Vec<u8>)> {
        self.build(conversation, kind, chrono::Utc::now().timestamp(), key)
    }

    fn build(
        &self,
        conversation: &str,
        kind: EventKind,
        at: i64,
        key: Option<&ed25519_dalek::SigningKey>,
    ) -> Option<(Event, Vec<u8>)> {
        self.key.as_ref()?;
        let e = Event {
            id: new_event_id(),
            conversation: conversation.to_string(),
            agent: self.agent.clone(),
            at,
            kind,
        };
        let raw = crate::mail::team_event::encode(
            &e,
            self.key.as_ref(),
            key.or(self.agent_key.as_ref()),
            &self.team_address,
        );
        Some((e, raw))
    }

    pub fn key(&self) -> Option<&Secret> {
        self.key.as_ref()
    }
}

impl crate::sync::outbox::Sign for Signer {
    fn sign(&self, conversation: &str, kind: EventKind) -> Option<(Event, Vec<u8>)> {
        self.event_at(conversation, kind, chrono::Utc::now().timestamp())
    }

    fn prove(&self, body: &[u8]) -> Option<(String, String)> {
        let key = self.key.as_ref()?;
        let proof =
            crate::mail::team_event::proof_headers(body, Some(key), self.agent_key.as_ref());
        Some((self.agent.clone(), proof))
    }
}

/// One agent's desk: the cache, who they are, and the way to the server.
pub struct Desk {
    pub store: Store,
    /// The rules in force: the agent's config with the team policy over it.
    cfg: Config,
    /// The agent's own config as loaded.
    local_cfg: Config,
    signer: Arc<Signer>,
    transport: Box<dyn Transport>,
}

impl Desk {
    /// A desk over `store` with the transport chosen by the caller (tests,
    /// benches). The front ends use [`Desk::open`].
    pub fn new(
        store: Store,
        cfg: Config,
        key: Option<Secret>,
        transport: Box<dyn Transport>,
    ) -> Desk {
        let signer = Arc::new(Signer::new(&cfg, key));
        let mut store = store;
        store.set_zone(cfg.time_zone());
        let mut desk = Desk {
            store,
            local_cfg: cfg.clone(),
            cfg,
            signer,
            transport,
        };
        desk.refresh_team();
        desk
    }

    /// Opens the configured account (`notify`: run a background worker
    /// that reports through it, as the TUI does; None: do network work
    /// inline, as the CLI does) or the demo. The one place where the demo
    /// is chosen.
    pub fn open(start: Start, notify: Option<Notify>) -> Result<Desk> {
        match start {
            Start::Demo(session) => {
                let cfg = session.cfg.clone();
                let store = Store::open(&session.cache_file)?;
                let demo = transport::Demo::new(*session);
                Ok(Desk::new(
                    store,
                    cfg,
                    Some(Secret::new(DEMO_KEY)),
                    Box::new(demo),
                ))
            }
            Start::Account(cfg) => {
                let cfg = *cfg;
                let mut store = Store::open(&cfg.cache_file())?;
                store.set_zone(cfg.time_zone());
                let key = team_key(&cfg)
                    .map_err(|e| tracing::warn!("team state is off: {e:#}"))
                    .ok();
                let agent_key = keys::agent_key(&cfg)
                    .map_err(|e| tracing::warn!("no signing key of your own: {e:#}"))
                    .ok()
                    .flatten();
                let signer = Arc::new(Signer::new(&cfg, key.clone()).with_agent_key(agent_key));
                let live = transport::Live::start(cfg.clone(), key, signer.clone(), notify);
                let mut desk = Desk {
                    store,
                    local_cfg: cfg.clone(),
                    cfg,
                    signer,
                    transport: Box::new(live),
                };
                desk.refresh_team();
                Ok(desk)
            }
        }
    }

    pub fn cfg(&self) -> &Config {
        &self.cfg
    }

    /// The acting agent's address.
    pub fn me(&self) -> &str {
        &self.cfg.identity.email
    }

    pub fn mode(&self) -> Mode {
        self.transport.mode()
    }

    /// The agents this desk knows: the roster's active members, else
    /// those seen in the log or as owners, and me.
    pub fn known_agents(&self) -> Result<Vec<String>> {
        if let Some(r) = self.roster()? {
            return Ok(r.active().map(|m| m.email.clone()).collect());
        }
        let mut v = self.store.known_agents()?;
        if !v.iter().any(|a| a == self.me()) {
            v.push(self.me().to_string());
        }
        Ok(v)
    }

    /// Whether team events can be written (a team key is set).
    pub fn team_key(&self) -> Option<&Secret> {
        self.signer.key()
    }

    pub(crate) fn signer(&self) -> &Signer {
        &self.signer
    }

    /// Pushes what is queued (acts, copies) and reads the log back: now
    /// (CLI), by the worker (TUI), or not at all (demo).
    pub fn push(&mut self) -> Delivery {
        let d = self.transport.push(&mut self.store, &self.signer);
        // Only a push that read the log back can have brought a new policy
        // (the TUI's worker pushes in the background: its notice re-reads).
        if d == Delivery::Done {
            self.refresh_team();
        }
        d
    }

    /// Works the outbox (everything queued when `all`, else what is due).
    pub fn send(&mut self, all: bool) -> Result<transport::Sent> {
        self.transport.send(&mut self.store, &self.signer, all)
    }

    /// A whole sync pass (`replypad sync`); the worker syncs by itself.
    pub fn sync(
        &mut self,
        bodies: bool,
        progress: &(dyn Fn(crate::sync::engine::Progress) + Sync),
    ) -> Result<transport::Synced> {
        let synced = self
            .transport
            .sync(&mut self.store, &self.signer, bodies, progress);
        self.refresh_team();
        synced
    }

    /// Whether there is a server to sync with (the demo has none).
    pub fn can_sync(&self) -> Result<()> {
        self.transport.can_sync()
    }

    /// The agent opened `conversation`: its missing bodies are wanted first.
    pub fn want_bodies(&mut self, conversation: &str) {
        self.transport.want_bodies(conversation);
    }

    /// Saves (or opens) a part of a conversation: an attachment, or a
    /// message's HTML.
    pub fn attachment(
        &mut self,
        conversation: &str,
        part: crate::attachments::Part,
        dir: Option<std::path::PathBuf>,
        open: bool,
    ) -> Result<Fetched> {
        self.transport
            .attachment(&self.store, conversation, part, dir, open)
    }

    /// The front end is closing: stop background work.
    pub fn stop(&mut self) {
        self.transport.stop();
    }
}

/// What to open: the configured account or the demo.
pub enum Start {
    Account(Box<Config>),
    Demo(Box<demo::DemoSession>),
}
