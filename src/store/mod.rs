//! The local SQLite cache (rusqlite, bundled SQLite with FTS5, WAL).
//!
//! SQLite is the UI's only source: workers write here and notify; the UI
//! re-reads the visible page. The cache is disposable: delete the file and a
//! resync produces the same state.

mod checkpoint;
mod conversations;
mod customer;
mod deferred;
mod drafts;
mod filer;
mod filer_maps;
mod history;
mod insight;
mod jobs;
mod messages;
pub mod migrations;
mod notices;
mod outbox;
mod pending;
mod places;
mod search;
mod search_scan;
mod sizes;
mod summary;
mod sync_state;
mod team;
mod templates;
mod threading;
#[cfg(test)]
mod two_writers_tests;

pub use checkpoint::Folded;
pub use conversations::{ListQuery, ListSort};
pub use customer::CustomerContext;
pub use drafts::ReplyContext;
pub use filer::Filer;
pub use history::Unfetched;
pub use jobs::{AckCandidate, JobRun};
pub use messages::{AUTO_BODY_MAX, MailboxRole, NewMessage, snippet};
pub use notices::{Notification, NotificationKind};
pub use outbox::{NewOutgoing, OutboxRow, OutboxState};
pub use pending::{FlagOp, MoveOp, Op, PendingOp};
pub use places::Moved;
pub use search_scan::{NARROW, Search};
pub use sizes::Unsized;
pub use sync_state::{Flags, MailboxState};
pub use team::HistoryEntry;

use anyhow::{Context, Result};
use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// WAL pages between checkpoints during a bulk write (4 KiB pages: 64 MB).
const BULK_CHECKPOINT_PAGES: i64 = 16_384;

/// An open cache. One per thread; open another for a worker thread.
pub struct Store {
    pub(crate) conn: Connection,
    path: Option<PathBuf>,
    /// The message sets of the search being scanned (`search_scan`).
    text_sets: search_scan::TextSets,
    /// See `set_search_scan`.
    search_narrow: usize,
    search_slice: Option<usize>,
    /// The agent's time zone, where a search's dates begin (None: the
    /// system's); see `set_zone`.
    zone: Option<chrono_tz::Tz>,
}

impl Store {
    /// Opens (creating if needed) the cache at `path`: directory 0700, file 0600, WAL.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent() {
            crate::paths::ensure_private_dir(dir)?;
        }
        // Another opener (the worker's other thread, a CLI command) may be
        // creating or migrating the same new cache: SQLite then answers
        // "locked" at once for some steps, without waiting; try again.
        let mut attempt = 0;
        let store = loop {
            let conn = Connection::open(path)
                .with_context(|| format!("cannot open cache {}", path.display()))?;
            match Store::init(conn, Some(path.to_path_buf())) {
                Ok(s) => break s,
                Err(e) if attempt < 50 && is_busy(&e) => {
                    attempt += 1;
                    std::thread::sleep(std::time::Duration::from_millis(20 * attempt.min(10)));
                }
                Err(e) => {
                    return Err(e)
                        .with_context(|| format!("cannot prepare cache {}", path.display()));
                }
            }
        };
        for suffix in ["", "-wal", "-shm"] {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            crate::paths::make_private(Path::new(&p))?;
        }
        Ok(store)
    }

    /// A throwaway cache in memory (tests).
    pub fn open_in_memory() -> Result<Store> {
        Store::init(Connection::open_in_memory()?, None)
    }

    fn init(mut conn: Connection, path: Option<PathBuf>) -> Result<Store> {
        // First, so that switching to WAL and migrating wait for another
        // opener instead of failing at once.
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "cache_size", -16_000)?; // KiB: 16 MB of page cache
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        conn.pragma_update(None, "journal_size_limit", 64 << 20)?;
        conn.set_prepared_statement_cache_capacity(64);
        let before: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        migrations::migrate(&mut conn)?;
        let text_sets = search_scan::TextSets::default();
        search_scan::register(&conn, text_sets.clone())?;
        let mut store = Store {
            conn,
            path,
            text_sets,
            search_narrow: search_scan::NARROW,
            search_slice: None,
            zone: None,
        };
        if before > 0 && before < migrations::STORED_RULES {
            store.transaction(drafts::refresh_stored_rules)?;
        }
        Ok(store)
    }

    /// The agent's time zone (config `timezone`; None: the system's):
    /// where a search's `before:` and `after:` days begin.
    pub fn set_zone(&mut self, zone: Option<chrono_tz::Tz>) {
        self.zone = zone;
    }

    /// Where this cache lives (`None` in memory).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Runs `f`, as a bulk write (a first sync) when `bulk` is set: SQLite
    /// then checkpoints its write-ahead log every 64 MB instead of every
    /// 4 MB (each checkpoint syncs the disk) and uses a smaller page cache.
    /// Afterwards, also when `f` fails, the usual settings come back and
    /// the log is checkpointed once (and cut back to 64 MB).
    pub fn bulk<T>(&mut self, bulk: bool, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        if !bulk {
            return f(self);
        }
        self.bulk_settings(true)?;
        let out = f(self);
        let restored = self.bulk_settings(false);
        let out = out?;
        restored?;
        Ok(out)
    }

    fn bulk_settings(&mut self, on: bool) -> Result<()> {
        self.conn.pragma_update(
            None,
            "wal_autocheckpoint",
            if on { BULK_CHECKPOINT_PAGES } else { 1000 },
        )?;
        // A bulk write streams through the cache: a smaller page cache keeps
        // a first sync of a large mailbox within its memory budget (a larger
        // one is faster, `cargo bench --bench sync` row (e) says what it costs).
        self.conn
            .pragma_update(None, "cache_size", if on { -8_000 } else { -16_000 })?;
        if !on {
            self.conn
                .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        }
        Ok(())
    }

    /// Before a header write of about `expected` messages: a bulk write
    /// into an empty cache, or one that dwarfs what the cache holds (the
    /// history behind a newest page), leaves the deferred indexes to
    /// [`Store::build_indexes`] at its end (returns true); otherwise they
    /// are made sure of (see `deferred.rs`).
    pub fn prepare_indexes(&mut self, bulk: bool, expected: usize, window: bool) -> Result<bool> {
        deferred::prepare(&self.conn, bulk, expected, window)
    }

    /// Builds the indexes [`Store::prepare_indexes`] left out.
    pub fn build_indexes(&mut self) -> Result<()> {
        // The sort behind an index of every message spills to a temp file
        // past the page cache; kept in memory (`temp_store`), it would hold
        // the whole index once more at the end of a first sync.
        self.conn.pragma_update(None, "temp_store", "FILE")?;
        let built = (|| {
            let tx = self
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            deferred::ensure(&tx)?;
            tx.commit()?;
            Ok(())
        })();
        self.conn.pragma_update(None, "temp_store", "MEMORY")?;
        built
    }

    /// How many of the deferred indexes the cache has (tests: all of them
    /// after any sync).
    pub fn deferred_indexes_present(&self) -> Result<usize> {
        deferred::present(&self.conn)
    }

    /// SQLite's plan of `sql` with `params`, one line a step (tests: that a
    /// query uses its index).
    #[cfg(test)]
    pub(crate) fn query_plan(&self, sql: &str, params: impl rusqlite::Params) -> Vec<String> {
        self.conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .and_then(|mut st| {
                st.query_map(params, |r| r.get::<_, String>(3))?
                    .collect::<rusqlite::Result<_>>()
            })
            .expect("a query to plan")
    }

    /// How many messages the full-text index matches for `query` (tests).
    #[cfg(test)]
    pub(crate) fn fts_matches(&self, query: &str) -> i64 {
        self.conn
            .query_row(
                "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?1",
                [query],
                |r| r.get(0),
            )
            .expect("a full-text query")
    }

    /// SQLite's data version: it changes when another connection (another
    /// process) commits to the cache.
    pub fn data_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    /// Runs `f` in one transaction (large batches are much faster this way).
    /// The write lock is taken at BEGIN (IMMEDIATE): a deferred transaction
    /// that reads first and writes later fails at once, without the busy
    /// wait, when another connection (the UI saving a draft while the sync
    /// worker files mail) committed in between.
    pub fn transaction<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }
}

/// What to tell the agent when [`disk_trouble`] holds.
pub const DISK_HINT: &str = "the cache cannot be written: the disk is full or failing. Free some \
     space where the cache lives; nothing queued is lost, and the next sync resumes where this one stopped";

/// Whether `e` is the disk refusing a write (full, failing, a file size
/// limit) rather than the network or the server: retrying at once will not
/// help, and "offline" would mislead.
pub fn disk_trouble(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<rusqlite::Error>().is_some_and(|r| {
            matches!(
                r.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DiskFull | rusqlite::ErrorCode::SystemIoFailure)
            )
        }) || c.downcast_ref::<std::io::Error>().is_some_and(|io| {
            io.kind() == std::io::ErrorKind::StorageFull || io.raw_os_error() == Some(libc::EFBIG)
        })
    })
}

/// Whether an error is SQLite's "busy" or "locked".
fn is_busy(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<rusqlite::Error>().is_some_and(|r| {
            matches!(
                r.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            )
        }) || c
            .downcast_ref::<migrations::MigrationError>()
            .is_some_and(|m| match m {
                migrations::MigrationError::Failed { source, .. } => matches!(
                    source.sqlite_error_code(),
                    Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
                ),
                _ => false,
            })
    })
}
