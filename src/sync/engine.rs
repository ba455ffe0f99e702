//! One sync pass over the team mailbox: for each folder, resync what the
//! cache knows (QRESYNC, else CONDSTORE, else a UID comparison), fetch new
//! messages headers first, then bodies newest first.
//!
//! Fetching and writing overlap: the connection fetches the next chunk while
//! a writer thread parses and commits the previous one. Per-mailbox state is
//! committed with the changes it covers, so an interrupted sync resumes
//! where it stopped, without duplicates.

use super::imap::{Connection, FlagState, uid_set};
use crate::mail::parse_headers;
use crate::store::{Flags, MailboxRole, MailboxState, Store};
use anyhow::{Context, Result};
use std::collections::BTreeSet;
use std::sync::mpsc;
use std::time::Instant;

/// Header responses handed to the writer at a time.
const HEADER_CHUNK: usize = 1000;
/// Messages a first sync caches per folder before the rest: the newest, so
/// today's mail is on screen however large the folder
/// (`history::fetch_history` fetches what is below them).
pub const NEWEST_PAGE: usize = 2_000;
pub use super::bodies::{PARTIAL_MIN, fetch_bodies, store_bodies};
pub use super::replay::replay_pending;
pub use crate::store::AUTO_BODY_MAX;

/// What one pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub new: usize,
    pub changed: usize,
    pub vanished: usize,
    pub bodies: usize,
    /// Team events folded from the log (by conversation touched).
    pub team: usize,
    /// Queued local changes pushed.
    pub pushed: usize,
}

impl Report {
    fn add(&mut self, o: &Report) {
        self.new += o.new;
        self.changed += o.changed;
        self.vanished += o.vanished;
        self.bodies += o.bodies;
        self.team += o.team;
        self.pushed += o.pushed;
    }
}

/// Progress of a long sync, for the status bar (data: the front end words it).
#[derive(Clone, Debug, PartialEq)]
pub enum Progress {
    Headers {
        mailbox: String,
        done: usize,
        total: usize,
        rate: f64,
    },
    Bodies {
        done: usize,
        total: usize,
    },
    /// Older mail filling in behind the newest page of a first sync.
    History {
        mailbox: String,
        done: usize,
        total: usize,
    },
    /// The team log caught up from its checkpoints: `done` of `total` log
    /// UIDs (0 done: the snapshot was laid in, the team's state shows).
    TeamLog {
        done: u32,
        total: u32,
    },
}

/// Who sent what: messages from the team address (or in Sent) are the team's.
pub struct SyncContext<'a> {
    pub team_address: &'a str,
    pub progress: &'a (dyn Fn(Progress) + Sync),
}

fn to_flags(f: &FlagState) -> Flags {
    Flags {
        uid: f.uid,
        seen: f.seen,
        answered: f.answered,
        flagged: f.flagged,
    }
}

/// Resyncs one mailbox and fetches its new headers. Returns the report and
/// the conversations touched (their place, in a team inbox or filed, too).
pub fn sync_mailbox(
    conn: &mut Connection,
    store: &mut Store,
    name: &str,
    role: MailboxRole,
    ctx: &SyncContext<'_>,
) -> Result<(Report, BTreeSet<String>)> {
    let mbox = store.mailbox_id(name, role)?;
    let (report, mut touched) = sync_mailbox_rows(conn, store, mbox, name, role, ctx)?;
    let moved = store.settle_places(mbox, role, Some(&touched))?;
    touched.extend(moved);
    Ok((report, touched))
}

fn sync_mailbox_rows(
    conn: &mut Connection,
    store: &mut Store,
    mbox: i64,
    name: &str,
    role: MailboxRole,
    ctx: &SyncContext<'_>,
) -> Result<(Report, BTreeSet<String>)> {
    let mut known = store.mailbox_state(mbox)?;
    let still = match known {
        Some(k) => {
            let m = k.highestmodseq.unwrap_or(0);
            conn.changes_in_selected(name, k.uidvalidity, k.uidnext, m)?
        }
        None => None,
    };
    let (info, arrived) = match still {
        Some((info, new)) => (info, Some(new)),
        None => {
            let k = known.map(|k| (k.uidvalidity, k.highestmodseq.unwrap_or(0)));
            (conn.select(name, k)?, None)
        }
    };
    let mut report = Report::default();
    let mut touched = BTreeSet::new();
    if known.is_some_and(|k| k.uidvalidity != info.uidvalidity) {
        tracing::warn!(
            mailbox = name,
            "UIDVALIDITY changed; refetching the mailbox"
        );
        touched.extend(store.transaction(|tx| {
            let t = Store::reset_mailbox(tx, mbox)?;
            Store::refresh_conversations(tx, &t)?;
            Ok(t)
        })?);
        known = None;
    }
    let modseq = info.highestmodseq;
    // New messages: everything from the last known UIDNEXT on.
    let mut start = known.map(|k| k.uidnext).unwrap_or(1);
    let mut uids: Vec<u32> = match (arrived, known) {
        (Some(new), _) => new,
        // A first sync lists only the newest page's UIDs when there is
        // more (by sequence number), not every UID of the folder.
        (None, None) if info.exists as usize > NEWEST_PAGE => {
            conn.uid_search_newest(info.exists, NEWEST_PAGE as u32)?
        }
        (None, None) => conn.uid_search_all()?,
        (None, Some(k)) if info.uidnext > k.uidnext => conn.uids_from(start)?,
        (None, Some(_)) => Vec::new(),
    };
    let mut floor = super::headers::Floor::Keep;
    if known.is_none() && (uids.len() > NEWEST_PAGE || info.exists as usize > NEWEST_PAGE) {
        // Newest first: the older UIDs are left to `history`.
        let older = uids.len().saturating_sub(NEWEST_PAGE);
        uids.drain(..older);
        if let Some(&first) = uids.first() {
            start = first;
            floor = super::headers::Floor::Newest(start);
        }
    }
    // The newest page of a large folder comes without sizes (see
    // `sync/sizes.rs`); they follow before any history or body.
    let sizes_later = matches!(floor, super::headers::Floor::Newest(_));
    if let Some(k) = known {
        // Changes to what we have: flags and expunges.
        let (flags, vanished) = if conn.qresync && k.highestmodseq.is_some() {
            (info.changed.clone(), info.vanished.clone())
        } else {
            let since = k.highestmodseq.filter(|_| conn.has_capability("CONDSTORE"));
            let flags = if since.is_some() && since == modseq {
                Vec::new()
            } else {
                conn.fetch_flags("1:*", since)?
            };
            let cached = store.cached_uids(mbox)?;
            // EXISTS counts old survivors plus the new ones: any shortfall is an expunge.
            let vanished = if info.exists as usize != cached.len() + uids.len() {
                let on_server: BTreeSet<u32> = conn.uid_search_all()?.into_iter().collect();
                cached
                    .iter()
                    .filter(|u| !on_server.contains(u))
                    .map(|u| *u..=*u)
                    .collect()
            } else {
                Vec::new()
            };
            (flags, vanished)
        };
        let queued = store.pending_flag_uids(name)?;
        let flags: Vec<Flags> = flags
            .iter()
            .filter(|f| !queued.contains(&f.uid))
            .map(to_flags)
            .collect();
        let nothing_new = uids.is_empty();
        let state = MailboxState {
            uidvalidity: info.uidvalidity,
            uidnext: info.uidnext,
            highestmodseq: modseq,
        };
        let (changed, gone, t) = store.transaction(|tx| {
            let (gone, t1) = Store::remove_uids(tx, mbox, &vanished)?;
            Store::refresh_conversations(tx, &t1)?;
            let (changed, t2) = Store::apply_flags(tx, mbox, &flags)?;
            let t: BTreeSet<String> = t1.into_iter().chain(t2).collect();
            // With new mail, the modseq is saved once its headers are in (below).
            if nothing_new {
                Store::save_mailbox_state(tx, mbox, state)?;
            }
            Ok((changed, gone, t))
        })?;
        report.changed += changed;
        report.vanished += gone;
        touched.extend(t);
        if nothing_new {
            return Ok((report, touched));
        }
    }
    let total = uids.len();
    let from_team_box = role == MailboxRole::Sent;
    let team = ctx.team_address.to_ascii_lowercase();
    let began = Instant::now();
    let (tx_batches, rx_batches) = mpsc::sync_channel::<super::headers::Batch>(2);
    let target = super::headers::Target {
        mailbox_id: mbox,
        name,
        total,
        uidvalidity: info.uidvalidity,
        uidnext: info.uidnext,
        modseq,
        known_modseq: known.and_then(|k| k.highestmodseq),
        from_team_box,
        team: &team,
        began,
        floor,
        cached: 0,
        expected: total,
        list_touched: true,
    };
    let writer = std::thread::scope(|scope| -> Result<(usize, BTreeSet<String>)> {
        let handle = std::thread::Builder::new()
            .name("rp-writer".into())
            .spawn_scoped(scope, || {
                super::headers::write(store, rx_batches, &target, ctx)
            })?;
        let cpu0 = super::thread_cpu();
        let mut parse_time = std::time::Duration::ZERO;
        let mut mark = super::headers::Watermark::new(start);
        let commands = super::headers::commands(&uids);
        for (i, command) in commands.iter().enumerate() {
            mark.start(command);
            let last_command = i + 1 == commands.len();
            // One FETCH per command, handed on a batch at a time as it
            // streams in: the server keeps sending while we parse.
            let batching = super::imap::Batching {
                count: HEADER_CHUNK,
                bytes: usize::MAX,
            };
            let mut on = |f: Vec<super::imap::Fetched>, done: bool| {
                let t0 = Instant::now();
                // Parsing here, on the fetching thread, keeps the writer free for SQLite.
                let messages: super::headers::Chunk = f
                    .into_iter()
                    .map(|mut f| {
                        // The raw header is not needed once parsed: drop it before the
                        // batch waits for the writer.
                        let raw = f.data.take().unwrap_or_default();
                        mark.saw(f.flags.uid);
                        let p = parse_headers(&raw, f.internal_date, f.size.into());
                        (f, p)
                    })
                    .collect();
                let next_uid = if done { mark.finish() } else { mark.next_uid() };
                parse_time += t0.elapsed();
                let batch = super::headers::Batch {
                    messages,
                    next_uid,
                    last: done && last_command,
                    floor: None,
                };
                tx_batches
                    .send(batch)
                    .map_err(|_| writer_stopped("UID FETCH headers"))
            };
            let set = uid_set(command);
            let fetched = if sizes_later {
                conn.fetch_unsized_headers_each(&set, batching, &mut on)
            } else {
                conn.fetch_headers_each(&set, batching, &mut on)
            };
            if fetched.is_err() {
                drop(tx_batches);
                return join_writer(handle, fetched);
            }
        }
        drop(tx_batches);
        tracing::debug!(mailbox = name, ?parse_time, fetch_cpu = ?(super::thread_cpu() - cpu0), total = ?began.elapsed(), "header fetch done");
        join_writer(handle, Ok(()))
    })?;
    if total == 0 {
        // Nothing new (UIDNEXT moved past expunged mail): record the state anyway.
        save_selected_state(store, mbox, &info)?;
    }
    report.new += writer.0;
    touched.extend(writer.1);
    Ok((report, touched))
}

/// The whole raw message with this Message-ID, from the server.
pub fn fetch_raw(conn: &mut Connection, store: &Store, message_id: &str) -> Result<Vec<u8>> {
    let (mailbox, uid) = store
        .message_location(message_id)?
        .context("the message is not in the cache")?;
    let mbox = store.mailbox_id_of(&mailbox)?;
    if !select_cached(conn, store, mbox, &mailbox)? {
        anyhow::bail!("{mailbox} changed on the server; sync, then try again");
    }
    conn.fetch_bodies(&uid.to_string())?
        .into_iter()
        .find_map(|f| f.data)
        .with_context(|| format!("the server has no message UID {uid} in {mailbox} any more"))
}

/// Selects the cached mailbox `mbox` (unless it is selected already) and
/// says whether the cache's UIDs still name the same messages there. If the
/// UIDVALIDITY changed, nothing is fetched by cached UID: the next sync pass
/// drops and refetches the mailbox.
pub fn select_cached(conn: &mut Connection, store: &Store, mbox: i64, name: &str) -> Result<bool> {
    let validity = conn.ensure_selected(name)?;
    let same = store
        .mailbox_state(mbox)?
        .is_some_and(|k| k.uidvalidity == validity);
    if !same {
        tracing::warn!(
            mailbox = %crate::mail::sanitize::line(name),
            "UIDVALIDITY changed; bodies wait for the next sync"
        );
    }
    Ok(same)
}

/// Where team state lives on this server, and the key that signs it.
pub struct TeamLog {
    pub folder: String,
    /// Where sent replies are filed: the configured folder, else found by
    /// a LIST when first asked ([`TeamLog::sent`]).
    sent: std::cell::OnceCell<String>,
    configured_sent: Option<String>,
    /// Where drafts shared for review are filed (`Replypad/Drafts`).
    pub drafts: String,
    /// Where team templates are mirrored (`Replypad/Templates`).
    pub templates: String,
    /// None: no `team.key_command`; mail syncs, team state does not.
    pub key: Option<crate::config::Secret>,
    /// Where checkpoints of the log go (`Replypad/Checkpoints`), and after
    /// how many events the next is written (0: none written nor read).
    pub checkpoints: String,
    pub checkpoint_every: u32,
    /// The team's address (the From of the log's messages).
    pub address: String,
}

impl TeamLog {
    /// `key`: the team key the desk resolved (None: team state is off).
    pub fn resolve(
        conn: &mut Connection,
        cfg: &crate::config::Config,
        key: Option<crate::config::Secret>,
    ) -> Result<TeamLog> {
        let folder = super::team::log_folder(conn, cfg)?;
        let drafts = conn.folder(&[&cfg.folders.prefix, "Drafts"])?;
        let templates = conn.folder(&[&cfg.folders.prefix, "Templates"])?;
        let checkpoints = conn.folder(&[&cfg.folders.prefix, "Checkpoints"])?;
        // No LIST of every folder here (the Sent folder is found when first
        // needed): on a Maildir Dovecot a LIST costs the next access to a
        // large inbox in the same session a re-read of its uidlist (0.6 s
        // at a million messages), and the pass begins with the inbox.
        let configured_sent = (cfg.folders.sent.clone()).filter(|s| !cfg.folders.inbox.contains(s));
        Ok(TeamLog {
            folder,
            sent: std::cell::OnceCell::new(),
            configured_sent,
            drafts,
            templates,
            key,
            checkpoints,
            checkpoint_every: cfg.team.checkpoint_every,
            address: cfg.team.address.clone(),
        })
    }
}

impl TeamLog {
    /// Where sent replies are filed: the configured folder, else the one
    /// the server marks \\Sent, else "Sent" (as [`folders`] finds it).
    pub fn sent(&self, conn: &mut Connection) -> Result<&str> {
        if let Some(s) = self.sent.get() {
            return Ok(s);
        }
        let found = match &self.configured_sent {
            Some(s) => s.clone(),
            None => conn.special_use_sent()?.unwrap_or_else(|| "Sent".into()),
        };
        Ok(self.sent.get_or_init(|| found))
    }
}

/// How far a pass goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Depth {
    /// New mail, and only the newest page of a folder synced for the first
    /// time (the TUI's worker fills history in the background).
    Newest,
    /// Every header, history included.
    Headers,
    /// Every header and the bodies.
    Bodies,
}

/// A whole pass: push queued changes, sync the mail folders (newest
/// first), fold the team log, then fetch the history `depth` asks for.
/// Returns the report and the conversations touched, the history's not
/// listed (it touches every one).
pub fn pass(
    conn: &mut Connection,
    store: &mut Store,
    cfg: &crate::config::Config,
    team: &TeamLog,
    ctx: &SyncContext<'_>,
    depth: Depth,
) -> Result<(Report, BTreeSet<String>)> {
    let pushed = replay_pending(conn, store, team)?;
    let (mut report, mut touched) = sync_newest(conn, store, cfg, ctx)?;
    report.pushed = pushed;
    if let Some(key) = &team.key {
        let t = super::team::sync_log(conn, store, team, key, ctx.progress)?;
        report.team = t.len();
        if let Err(e) = super::team::mirror_keywords(conn, store, &t) {
            // A mirror, not the truth: never let it stop a sync.
            tracing::warn!("keyword mirror: {e:#}");
        }
        touched.extend(t);
    }
    if depth != Depth::Newest {
        // A whole history touches every conversation: not listed.
        let (n, _) = super::history::fetch_history(conn, store, ctx, usize::MAX)?;
        report.new += n;
    }
    if depth == Depth::Bodies {
        report.bodies += fetch_bodies(conn, store, usize::MAX >> 1, ctx)?;
    }
    Ok((report, touched))
}

/// The folders to sync: the configured inboxes, and the Sent folder (the
/// configured one, else the one marked \\Sent, else "Sent" if it exists).
pub fn folders(
    conn: &mut Connection,
    cfg: &crate::config::Config,
) -> Result<Vec<(String, MailboxRole)>> {
    let mut out: Vec<(String, MailboxRole)> = cfg
        .folders
        .inbox
        .iter()
        .map(|f| (f.clone(), MailboxRole::Inbox))
        .collect();
    let sent = match &cfg.folders.sent {
        Some(s) => Some(s.clone()),
        None => match conn.special_use_sent()? {
            Some(s) => Some(s),
            None => conn.mailbox_exists("Sent")?.then(|| "Sent".to_string()),
        },
    };
    if let Some(s) = sent.filter(|s| !out.iter().any(|(n, _)| n == s)) {
        out.push((s, MailboxRole::Sent));
    }
    for role in [MailboxRole::Archive, MailboxRole::Junk, MailboxRole::Trash] {
        if let Some(f) =
            filing_folder(conn, cfg, role)?.filter(|f| !out.iter().any(|(n, _)| n == f))
            && conn.mailbox_exists(&f)?
        {
            out.push((f, role));
        }
    }
    Ok(out)
}

fn is_filing(role: MailboxRole) -> bool {
    matches!(
        role,
        MailboxRole::Archive | MailboxRole::Junk | MailboxRole::Trash
    )
}

/// The folder conversations of `role` are filed in: the config's, else
/// the one the server marks for it (SPECIAL-USE), else a usual name that
/// exists, else None (the first act of the kind names the default).
pub fn filing_folder(
    conn: &mut Connection,
    cfg: &crate::config::Config,
    role: MailboxRole,
) -> Result<Option<String>> {
    let (configured, attr, names): (&Option<String>, &str, &[&str]) = match role {
        MailboxRole::Archive => (&cfg.folders.archive, "Archive", &["Archive"]),
        MailboxRole::Junk => (&cfg.folders.spam, "Junk", &["Junk", "Spam"]),
        MailboxRole::Trash => (&cfg.folders.trash, "Trash", &["Trash"]),
        _ => return Ok(None),
    };
    if let Some(c) = configured {
        return Ok(Some(c.clone()));
    }
    if let Some(f) = conn.special_use(attr)? {
        return Ok(Some(f));
    }
    for n in names {
        if conn.mailbox_exists(n)? {
            return Ok(Some(n.to_string()));
        }
    }
    Ok(None)
}

/// One pass over every folder, history included; bodies too when
/// `bodies` is set. The conversations touched are listed as by [`pass`].
pub fn sync_all(
    conn: &mut Connection,
    store: &mut Store,
    cfg: &crate::config::Config,
    ctx: &SyncContext<'_>,
    bodies: bool,
) -> Result<(Report, BTreeSet<String>)> {
    let (mut report, touched) = sync_newest(conn, store, cfg, ctx)?;
    // A whole history touches every conversation: not listed.
    let (n, _) = super::history::fetch_history(conn, store, ctx, usize::MAX)?;
    report.new += n;
    if bodies {
        report.bodies += fetch_bodies(conn, store, usize::MAX >> 1, ctx)?;
    }
    Ok((report, touched))
}

/// One pass over every folder: what changed, new mail, and of a folder
/// synced for the first time its newest [`NEWEST_PAGE`] messages.
pub fn sync_newest(
    conn: &mut Connection,
    store: &mut Store,
    cfg: &crate::config::Config,
    ctx: &SyncContext<'_>,
) -> Result<(Report, BTreeSet<String>)> {
    let mut report = Report::default();
    let mut touched = BTreeSet::new();
    let mut done: Vec<(String, MailboxRole)> = Vec::new();
    let mut inbox_vanished = false;
    let mut listed = Vec::new();
    for round in 0..3 {
        let todo = match round {
            // The configured inboxes need no LIST, and go first: on a
            // Maildir Dovecot the first access to a folder after a LIST in
            // the same session re-reads its whole uidlist (at a million
            // messages 0.6 s against 4 ms; see `imap/pin.rs`).
            0 => (cfg.folders.inbox.iter())
                .map(|f| (f.clone(), MailboxRole::Inbox))
                .collect(),
            1 => {
                listed = folders(conn, cfg)?;
                listed.clone()
            }
            // Mail left a team inbox while a filing folder was missing from
            // the (cached) folder list: a teammate may have just created
            // it by archiving. Look again, so the conversation lands in
            // its view in this pass rather than in ten minutes.
            _ if inbox_vanished && listed.iter().filter(|(_, r)| is_filing(*r)).count() < 3 => {
                conn.forget_folders();
                folders(conn, cfg)?
            }
            _ => break,
        };
        let todo: Vec<_> = todo.into_iter().filter(|f| !done.contains(f)).collect();
        for (name, role) in todo {
            let (r, t) = sync_mailbox(conn, store, &name, role, ctx).with_context(|| {
                format!("cannot sync folder {}", crate::mail::sanitize::line(&name))
            })?;
            inbox_vanished |= role == MailboxRole::Inbox && r.vanished > 0;
            report.add(&r);
            touched.extend(t);
            done.push((name, role));
        }
    }
    Ok((report, touched))
}

/// Records what SELECT said of a mailbox as the cache's sync state.
pub(super) fn save_selected_state(
    store: &mut Store,
    mbox: i64,
    info: &super::imap::SelectInfo,
) -> Result<()> {
    let state = MailboxState {
        uidvalidity: info.uidvalidity,
        uidnext: info.uidnext,
        highestmodseq: info.highestmodseq,
    };
    store.transaction(|tx| Store::save_mailbox_state(tx, mbox, state))
}

/// What a streamed fetch reports when the cache writer it feeds has stopped.
pub(super) fn writer_stopped(what: &str) -> super::imap::ImapError {
    super::imap::ImapError::Command {
        what: what.into(),
        reason: "the cache writer stopped".into(),
    }
}

/// Waits for a cache writer (its senders dropped) and returns what it
/// wrote. After a failed fetch, the writer's own error, if it stopped,
/// says more than the fetch's.
pub(super) fn join_writer<T>(
    writer: std::thread::ScopedJoinHandle<'_, Result<T>>,
    fetched: Result<(), super::imap::ImapError>,
) -> Result<T> {
    let written = writer
        .join()
        .map_err(|_| anyhow::anyhow!("the cache writer panicked"))??;
    fetched?;
    Ok(written)
}
