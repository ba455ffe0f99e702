//! The background sync worker: owns the network side while the TUI runs.
//!
//! One thread syncs (headers first, then bodies newest first, a
//! conversation's bodies at once when it is opened) and waits in IDLE on
//! the inbox between its work; a second holds IDLE on the team log and
//! wakes the first when a teammate acts (`watch.rs`: the connection
//! budget). A third sends mail over SMTP. Both IMAP threads reconnect with
//! exponential backoff and jitter. They talk to the UI only
//! through small typed [`Notice`]s, never text for people: the front end
//! words them and re-reads from SQLite only what [`Changed`] names.

use super::engine::{Progress, Report};
use super::outbox::{Problem, Recovered, Sign};
use super::session::Session;
use super::watch::{Waiting, Woke};
use crate::config::{Config, Secret};
use crate::store::Store;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

/// What changed in the cache, so a front end re-reads only that.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changed {
    /// Rows of the thread list (a page's summaries).
    pub list: bool,
    /// Which conversations views hold, so the counts (new mail, team state).
    pub counts: bool,
    /// Conversations whose content or team state changed.
    pub conversations: Touched,
    /// Drafts and the review queue.
    pub drafts: bool,
    /// The outbox.
    pub outbox: bool,
}

/// Which conversations a change touched.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Touched {
    #[default]
    None,
    Some(BTreeSet<String>),
    /// Any of them (bodies arrived for conversations not tracked one by one).
    All,
}

impl Touched {
    pub fn contains(&self, id: &str) -> bool {
        match self {
            Touched::None => false,
            Touched::Some(s) => s.contains(id),
            Touched::All => true,
        }
    }
}

impl Changed {
    /// A sync pass that touched `touched` (new mail, flags, team state).
    pub fn pass(touched: BTreeSet<String>, team: bool) -> Changed {
        Changed {
            list: !touched.is_empty(),
            counts: !touched.is_empty(),
            conversations: Touched::Some(touched),
            drafts: team,
            outbox: false,
        }
    }

    /// A batch of bodies: snippets and open conversations, no counts.
    pub fn bodies() -> Changed {
        Changed {
            list: true,
            conversations: Touched::All,
            ..Changed::default()
        }
    }

    /// Everything: messages went out (the outbox, drafts, the Drafts
    /// view's count, the conversations they answer).
    pub fn everything() -> Changed {
        Changed {
            list: true,
            counts: true,
            conversations: Touched::All,
            drafts: true,
            outbox: true,
        }
    }
}

/// What the worker tells the UI. Data only: the front end words it.
#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    /// The cache changed: re-read what is on screen of it.
    Changed(Changed),
    Connecting,
    Progress(Progress),
    /// A pass finished.
    Synced(Report),
    /// The connection failed; the worker tries again after `retry_in`.
    /// `disk`: the cache could not be written (a full or failing disk).
    Offline {
        error: String,
        retry_in: Duration,
        disk: bool,
    },
    /// Messages the outbox sent.
    Sent(usize),
    /// A message that did not go.
    NotSent(Problem),
    /// A send a crash had interrupted, resolved.
    Recovered(Recovered),
    /// An attachment saved (or opened), or why not.
    Attachment {
        part: crate::attachments::Part,
        open: bool,
        result: Result<PathBuf, String>,
    },
    /// Anything else that failed (the error's own words).
    Error(String),
}

/// What the UI asks of the worker.
#[derive(Clone, Debug)]
pub enum Request {
    SyncNow,
    /// Local changes were queued: push them.
    Push,
    /// Fetch the bodies of this conversation first.
    Open(String),
    /// A message was queued in the outbox: send it.
    Send,
    /// Save a part of a conversation (into `dir`, or open it).
    Attachment {
        conversation: String,
        part: crate::attachments::Part,
        dir: Option<PathBuf>,
        open: bool,
    },
    Stop,
}

pub type Notify = Arc<dyn Fn(Notice) + Send + Sync>;

/// Handle to the running worker.
pub struct Worker {
    tx: Sender<Request>,
    /// Wakes the send thread (SMTP runs apart, so a slow or unreachable
    /// SMTP server never holds up sync).
    send_tx: Sender<()>,
}

impl Worker {
    /// `key`: the team key the desk resolved; `sign`: makes the `sent` events.
    pub fn spawn(
        cfg: Config,
        cache: PathBuf,
        key: Option<Secret>,
        sign: Arc<dyn Sign>,
        notify: Notify,
    ) -> Worker {
        let (tx, rx) = mpsc::channel();
        let (send_tx, send_rx) = mpsc::channel();
        let idle_tx = tx.clone();
        let cfg2 = cfg.clone();
        {
            let (cfg, cache, tx, notify, sign) = (
                cfg.clone(),
                cache.clone(),
                tx.clone(),
                notify.clone(),
                sign.clone(),
            );
            std::thread::Builder::new()
                .name("replypad-send".into())
                .spawn(move || send_thread(cfg, cache, sign, send_rx, tx, notify))
                .expect("spawn send thread");
        }
        let nudge = send_tx.clone();
        // The connection budget: the sync connection (with a session of
        // its own for the inbox when the budget allows), and a watcher on
        // the team log when there are two or more.
        let budget = cfg2.imap.as_ref().map_or(2, |i| i.max_connections.max(1)) as usize;
        let watching = Arc::new(AtomicBool::new(false));
        let sync_share = budget.saturating_sub(1).max(1);
        {
            let watching = watching.clone();
            std::thread::Builder::new()
                .name("replypad-sync".into())
                .spawn(move || {
                    let plan = Plan {
                        connections: sync_share,
                        watching,
                    };
                    sync_thread(cfg, cache, key, sign, rx, nudge, notify, plan)
                })
                .expect("spawn sync thread");
        }
        if budget >= 2 {
            let (cfg, tx) = (cfg2, idle_tx);
            std::thread::Builder::new()
                .name("replypad-idle".into())
                .spawn(move || super::watch::log_watcher(cfg, tx, watching))
                .expect("spawn idle thread");
        }
        Worker { tx, send_tx }
    }

    pub fn request(&self, r: Request) {
        match r {
            Request::Send => {
                let _ = self.send_tx.send(());
            }
            r => {
                let _ = self.tx.send(r);
            }
        }
    }
}

/// Exponential backoff from 1 s to 5 min, with ±25 % jitter.
pub struct Backoff {
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            next: Duration::from_secs(1),
        }
    }
}

impl Backoff {
    pub fn next_delay(&mut self) -> Duration {
        let base = self.next;
        self.next = (self.next * 2).min(Duration::from_secs(300));
        let jitter = {
            use std::hash::{BuildHasher, Hasher};
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u128(Instant::now().elapsed().as_nanos());
            (h.finish() % 1000) as f64 / 1000.0
        };
        base.mul_f64(0.75 + jitter * 0.5)
    }

    pub fn reset(&mut self) {
        self.next = Duration::from_secs(1);
    }

    /// The server refused a login for too many connections: they are
    /// held by teammates and will not be free in a second.
    pub fn crowded(&mut self) {
        self.next = self.next.max(Duration::from_secs(30));
    }
}

/// Works the outbox: on a nudge, and when the next retry is due.
fn send_thread(
    cfg: Config,
    cache: PathBuf,
    sign: Arc<dyn Sign>,
    rx: mpsc::Receiver<()>,
    sync: Sender<Request>,
    notify: Notify,
) {
    let mut store = match Store::open(&cache) {
        Ok(s) => s,
        Err(e) => return notify(Notice::Error(format!("{e:#}"))),
    };
    loop {
        let now = chrono::Utc::now().timestamp();
        match super::outbox::flush(
            &mut store,
            &cfg,
            sign.as_ref(),
            super::outbox::Transport::Smtp,
            now,
        ) {
            Ok(r) => {
                for p in r.problems {
                    notify(Notice::NotSent(p));
                }
                if r.sent > 0 {
                    notify(Notice::Sent(r.sent));
                    notify(Notice::Changed(Changed::everything()));
                    // The sync thread files the copy in Sent and pushes the event.
                    let _ = sync.send(Request::Push);
                }
            }
            Err(e) => notify(Notice::Error(format!("{e:#}"))),
        }
        let wait = store
            .next_outbox_due()
            .ok()
            .flatten()
            .map(|t| (t - chrono::Utc::now().timestamp()).clamp(1, 300) as u64)
            .unwrap_or(300);
        match rx.recv_timeout(Duration::from_secs(wait)) {
            Ok(()) | Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// The sync connection's share of the connection budget.
struct Plan {
    /// Connections the sync session may hold ([`super::connect_syncing`]).
    connections: usize,
    /// A watcher holds IDLE on the team log.
    watching: Arc<AtomicBool>,
}

#[allow(clippy::too_many_arguments)]
fn sync_thread(
    cfg: Config,
    cache: PathBuf,
    key: Option<Secret>,
    sign: Arc<dyn Sign>,
    rx: mpsc::Receiver<Request>,
    nudge: Sender<()>,
    notify: Notify,
    plan: Plan,
) {
    let mut store = match Store::open(&cache) {
        Ok(s) => s,
        Err(e) => return notify(Notice::Error(format!("{e:#}"))),
    };
    let mut backoff = Backoff::default();
    loop {
        notify(Notice::Connecting);
        let result = Session::start(&cfg, key.clone(), plan.connections).and_then(|mut s| {
            backoff.reset();
            let mut waiting = Waiting::new(&cfg, plan.watching.clone());
            session(
                &mut s,
                &mut store,
                &cfg,
                sign.as_ref(),
                (&rx, &mut waiting),
                &nudge,
                &notify,
            )
        });
        match result {
            Ok(()) => return, // asked to stop
            Err(e) => {
                tracing::warn!("sync: {e:#}");
                if super::watch::crowded(&e) {
                    backoff.crowded();
                }
                let delay = backoff.next_delay();
                notify(Notice::Offline {
                    error: format!("{e:#}"),
                    retry_in: delay,
                    disk: crate::store::disk_trouble(&e),
                });
                match rx.recv_timeout(delay) {
                    Ok(Request::Stop) | Err(RecvTimeoutError::Disconnected) => return,
                    _ => {}
                }
            }
        }
    }
}

/// Syncs until asked to stop (Ok) or the connection fails (Err).
fn session(
    s: &mut Session,
    store: &mut Store,
    cfg: &Config,
    sign: &dyn Sign,
    (rx, waiting): (&mpsc::Receiver<Request>, &mut Waiting),
    nudge: &Sender<()>,
    notify: &Notify,
) -> anyhow::Result<()> {
    let progress = |p: Progress| notify(Notice::Progress(p));
    let ctx = super::engine::SyncContext {
        team_address: &cfg.team.address,
        progress: &progress,
    };
    for r in s.recover(store, sign)? {
        notify(Notice::Recovered(r));
    }
    loop {
        let (report, touched) = s.pass(store, cfg, &progress, super::engine::Depth::Newest)?;
        if let Err(e) = s.checkpoint(store, sign) {
            tracing::warn!("team log checkpoint not written: {e:#}");
        }
        // Online again: the send thread tries what waits in the outbox.
        let _ = nudge.send(());
        notify(Notice::Changed(Changed::pass(touched, report.team > 0)));
        notify(Notice::Synced(report.clone()));
        // Bodies in the background, a batch at a time, answering requests between batches.
        let answer = |s: &mut Session, store: &mut Store, r: Request| -> anyhow::Result<Flow> {
            match r {
                Request::Stop => return Ok(Flow::Stop),
                Request::SyncNow => return Ok(Flow::Resync),
                Request::Open(id) => open(&mut s.conn, store, &id, notify)?,
                Request::Push => push(s, store, notify)?,
                Request::Send => {
                    let _ = nudge.send(());
                }
                Request::Attachment {
                    conversation,
                    part,
                    dir,
                    open,
                } => attachment(&mut s.conn, store, &conversation, part, dir, open, notify),
            }
            Ok(Flow::Continue)
        };
        loop {
            match rx.try_recv() {
                Err(mpsc::TryRecvError::Disconnected) => return Ok(()),
                Ok(r) => match answer(s, store, r)? {
                    Flow::Stop => return Ok(()),
                    Flow::Resync => break,
                    Flow::Continue => {}
                },
                Err(mpsc::TryRecvError::Empty) => {
                    // Older mail behind a first sync's newest page, a
                    // window at a time, then bodies.
                    let (n, touched) = super::history::fetch_history(
                        &mut s.conn,
                        store,
                        &ctx,
                        super::history::WINDOW as usize,
                    )?;
                    let changed = match touched {
                        Some(t) => Changed::pass(t, false),
                        None => Changed::everything(),
                    };
                    if n > 0 || changed.list {
                        notify(Notice::Changed(changed));
                        continue;
                    }
                    let n = super::engine::fetch_bodies(&mut s.conn, store, 200, &ctx)?;
                    if n > 0 {
                        notify(Notice::Changed(Changed::bodies()));
                        continue;
                    }
                    notify(Notice::Synced(report.clone()));
                    // Wake for the next outbox retry, or every 5 minutes.
                    let wait = store
                        .next_outbox_due()?
                        .map(|t| (t - chrono::Utc::now().timestamp()).clamp(1, 300) as u64)
                        .unwrap_or(300);
                    match waiting.wait(s, store, rx, Duration::from_secs(wait))? {
                        Woke::Gone => return Ok(()),
                        Woke::News | Woke::Timeout => break,
                        Woke::Request(r) => match answer(s, store, r)? {
                            Flow::Stop => return Ok(()),
                            Flow::Resync => break,
                            Flow::Continue => {}
                        },
                    }
                }
            }
        }
    }
}

/// What the session loop does after answering a request.
enum Flow {
    Continue,
    Resync,
    Stop,
}

/// Pushes queued changes and reads the log back (claims learn their outcome).
fn push(s: &mut Session, store: &mut Store, notify: &Notify) -> anyhow::Result<()> {
    let touched = s.push(store)?;
    notify(Notice::Changed(Changed {
        list: true,
        counts: true,
        conversations: Touched::Some(touched),
        drafts: true,
        outbox: true,
    }));
    Ok(())
}

/// Saves (or opens) an attachment; says where, or why not.
fn attachment(
    conn: &mut super::imap::Connection,
    store: &mut Store,
    conversation: &str,
    part: crate::attachments::Part,
    dir: Option<PathBuf>,
    open: bool,
    notify: &Notify,
) {
    let r = crate::attachments::save(store, conversation, part, dir.as_deref(), open, &mut |id| {
        super::engine::fetch_raw(conn, store, id)
    });
    notify(Notice::Attachment {
        part,
        open,
        result: r.map_err(|e| format!("{e:#}")),
    });
}

/// Fetches the missing bodies of one conversation now (it was just opened).
fn open(
    conn: &mut super::imap::Connection,
    store: &mut Store,
    id: &str,
    notify: &Notify,
) -> anyhow::Result<()> {
    let missing = store.conversation_missing_bodies(id)?;
    let mut mailboxes: Vec<i64> = missing.iter().map(|(m, _)| *m).collect();
    mailboxes.dedup();
    for mbox in mailboxes {
        let mut uids: Vec<u32> = missing
            .iter()
            .filter(|(m, _)| *m == mbox)
            .map(|(_, u)| *u)
            .collect();
        uids.sort_unstable();
        if !super::engine::select_cached(conn, store, mbox, &store.mailbox_name(mbox)?)? {
            continue;
        }
        let fetched = conn.fetch_bodies(&super::imap::uid_set(&uids))?;
        super::engine::store_bodies(store, mbox, &fetched)?;
    }
    notify(Notice::Changed(Changed {
        list: true,
        conversations: Touched::Some(BTreeSet::from([id.to_string()])),
        ..Changed::default()
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_caps() {
        let mut b = Backoff::default();
        let first = b.next_delay();
        assert!(first >= Duration::from_millis(750) && first <= Duration::from_millis(1250));
        for _ in 0..20 {
            b.next_delay();
        }
        assert!(b.next_delay() <= Duration::from_secs(375));
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(1250));
    }
}
