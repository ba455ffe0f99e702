//! Newest first: a first sync caches each folder's newest page (see
//! `engine::NEWEST_PAGE`) and this fills in the older mail behind it,
//! newest window first, while the agent already works.
//!
//! Windows are UID ranges below the floor (`UID FETCH lo:hi`), not UID
//! lists: no SEARCH of the whole folder per window, which at a million
//! messages would cost more than the window. A window that finds few
//! messages (a folder with many expunged UIDs) doubles the next one. The
//! floor drops to a window's start in the transaction that commits the
//! window's last messages, so a kill anywhere leaves at worst one window to
//! fetch again (its rows are replaced by mailbox and UID: no duplicate).

use super::engine::{SyncContext, join_writer, writer_stopped};
use super::headers::{Batch, Chunk, Floor, Target};
use super::imap::{Batching, Connection};
use crate::mail::parse_headers;
use crate::store::{MailboxRole, Store, Unfetched};
use anyhow::{Context, Result};
use std::collections::BTreeSet;
use std::sync::mpsc;
use std::time::Instant;

/// UIDs in the first window of a call.
pub const WINDOW: u32 = 5_000;
/// UIDs in the first window of a whole history's fill (a budget past
/// [`LISTED`]: the CLI's sync, the daemon's): a window is a transaction
/// (see `headers.rs`), and fewer, larger ones write far less.
pub const BULK_WINDOW: u32 = 50_000;
/// The widest window (a sparse folder).
const MAX_WINDOW: u32 = 1 << 20;

/// A fetch of at most this many messages lists the conversations it
/// touched; a longer one (a whole mailbox's history) does not: it touches
/// nearly every conversation, and the list would be the largest thing in
/// a first sync's memory at its end.
pub const LISTED: usize = 50_000;

/// Fetches older mail behind the newest pages until about `budget`
/// messages are cached (whole windows: it may pass it by one window) or
/// every folder is complete. Returns how many were written and, for a
/// budget of at most [`LISTED`], the conversations they touched (`None`:
/// any of them).
pub fn fetch_history(
    conn: &mut Connection,
    store: &mut Store,
    ctx: &SyncContext<'_>,
    budget: usize,
) -> Result<(usize, Option<BTreeSet<String>>)> {
    // A first sync's newest page came without sizes: they come first.
    super::sizes::fill_sizes(conn, store)?;
    let mut written = 0;
    let list = budget <= LISTED;
    let mut touched = BTreeSet::new();
    for folder in store.unfetched_history()? {
        if written >= budget {
            break;
        }
        let (n, t) =
            fill(conn, store, ctx, &folder, budget - written, list).with_context(|| {
                format!(
                    "cannot fetch the history of {}",
                    crate::mail::sanitize::line(&folder.name)
                )
            })?;
        written += n;
        touched.extend(t);
    }
    if written > 0 && !incomplete(store)? {
        // The report indexes a history filled by windows left out.
        store.build_indexes()?;
    }
    Ok((written, list.then_some(touched)))
}

/// Whether any folder's history is still to fetch.
pub fn incomplete(store: &Store) -> Result<bool> {
    Ok(!store.unfetched_history()?.is_empty())
}

fn fill(
    conn: &mut Connection,
    store: &mut Store,
    ctx: &SyncContext<'_>,
    folder: &Unfetched,
    budget: usize,
    list: bool,
) -> Result<(usize, BTreeSet<String>)> {
    let Some(known) = store.mailbox_state(folder.mailbox_id)? else {
        return Ok((0, BTreeSet::new()));
    };
    // Windows are fetched by UID: a session that still has the folder
    // selected needs no SELECT, which on a large Maildir folder costs the
    // server far more than a window's FETCH (the TUI's worker fills a
    // window at a time).
    let exists = match conn.selected_count(&folder.name, known.uidvalidity) {
        Some(exists) => exists,
        None => {
            let info = conn.select(&folder.name, None)?;
            if info.uidvalidity != known.uidvalidity {
                // The next pass drops the folder and fetches it again.
                return Ok((0, BTreeSet::new()));
            }
            info.exists
        }
    };
    let team = ctx.team_address.to_ascii_lowercase();
    let cached = store.cached_count(folder.mailbox_id)?;
    let target = Target {
        mailbox_id: folder.mailbox_id,
        name: &folder.name,
        total: exists as usize,
        uidvalidity: known.uidvalidity,
        uidnext: known.uidnext,
        modseq: None,
        known_modseq: None,
        from_team_box: folder.role == MailboxRole::Sent,
        team: &team,
        began: Instant::now(),
        floor: Floor::Fill,
        cached,
        expected: (exists as usize).saturating_sub(cached).min(budget),
        list_touched: list,
    };
    let (tx_batches, rx_batches) = mpsc::sync_channel::<Batch>(2);
    let (written, touched) = std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("rp-history".into())
            .spawn_scoped(scope, || {
                super::headers::write(store, rx_batches, &target, ctx)
            })?;
        let width = if list { WINDOW } else { BULK_WINDOW };
        let fetched = windows(conn, folder.below, width, budget, &tx_batches);
        drop(tx_batches);
        join_writer(handle, fetched)
    })?;
    let moved = store.settle_places(folder.mailbox_id, folder.role, list.then_some(&touched))?;
    Ok((written, touched.into_iter().chain(moved).collect()))
}

/// Fetches windows below `floor`, handing each on as it streams in.
fn windows(
    conn: &mut Connection,
    mut floor: u32,
    mut width: u32,
    budget: usize,
    to_writer: &mpsc::SyncSender<Batch>,
) -> Result<(), super::imap::ImapError> {
    let mut sent = 0usize;
    while floor > 1 && sent < budget {
        let lo = floor.saturating_sub(width).max(1);
        let hi = floor - 1;
        let mut got = 0usize;
        let batching = Batching {
            count: 1000,
            bytes: usize::MAX,
        };
        conn.fetch_headers_each(&format!("{lo}:{hi}"), batching, &mut |f, done| {
            let messages: Chunk = f
                .into_iter()
                // A server that answers outside the range asked is ignored
                // (what is above the floor is cached already).
                .filter(|f| (lo..=hi).contains(&f.flags.uid))
                .map(|mut f| {
                    let raw = f.data.take().unwrap_or_default();
                    let p = parse_headers(&raw, f.internal_date, f.size.into());
                    (f, p)
                })
                .collect();
            got += messages.len();
            let batch = Batch {
                messages,
                next_uid: 0,
                last: done,
                floor: Some(if done { lo } else { floor }),
            };
            to_writer
                .send(batch)
                .map_err(|_| writer_stopped("UID FETCH history"))
        })?;
        sent += got;
        floor = lo;
        if got < (width / 4) as usize {
            width = width.saturating_mul(2).min(MAX_WINDOW);
        }
    }
    Ok(())
}
