//! A `PRAGMA user_version` migration runner: migration N moves the schema
//! from version N-1 to N, inside one transaction with the version bump.

use rusqlite::Connection;

/// The migrations, in order. Append only; never edit a released one.
const MIGRATIONS: &[&str] = &[
    include_str!("sql/0001_init.sql"),
    include_str!("sql/0002_threading.sql"),
    include_str!("sql/0003_events.sql"),
    include_str!("sql/0004_replies.sql"),
    include_str!("sql/0005_templates.sql"),
    include_str!("sql/0006_sync_speed.sql"),
    include_str!("sql/0007_fts_merge.sql"),
    include_str!("sql/0008_append_once.sql"),
    include_str!("sql/0009_stored_rules.sql"),
    include_str!("sql/0010_reply_to.sql"),
    include_str!("sql/0011_events_by_agent.sql"),
    include_str!("sql/0012_places.sql"),
    include_str!("sql/0013_waiting.sql"),
    include_str!("sql/0014_roster.sql"),
    include_str!("sql/0015_automation.sql"),
    include_str!("sql/0016_insight.sql"),
    include_str!("sql/0017_history.sql"),
    include_str!("sql/0018_refold_pending.sql"),
    include_str!("sql/0019_checkpoints.sql"),
    include_str!("sql/0020_scale_reads.sql"),
    include_str!("sql/0021_sizes_later.sql"),
];

/// The version that stores "waiting for review" and followers (older caches refold them once).
pub const STORED_RULES: u32 = 9;

/// The schema version this build writes.
pub const LATEST: u32 = MIGRATIONS.len() as u32;

#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    #[error(
        "cache schema version {found} is newer than this replypad understands ({LATEST}); upgrade replypad or delete the cache"
    )]
    TooNew { found: u32 },
    #[error("cannot migrate cache to schema version {version}: {source}")]
    Failed {
        version: u32,
        source: rusqlite::Error,
    },
}

/// Brings `conn` to [`LATEST`]; returns how many migrations ran.
///
/// Each step runs in an IMMEDIATE transaction that reads the version again
/// inside it, so two processes (or the worker's threads) opening a new
/// cache at once migrate it once: the second waits, then finds it done.
pub fn migrate(conn: &mut Connection) -> Result<usize, MigrationError> {
    let version_of = |c: &Connection| -> rusqlite::Result<u32> {
        c.query_row("PRAGMA user_version", [], |r| r.get(0))
    };
    let current =
        version_of(conn).map_err(|source| MigrationError::Failed { version: 0, source })?;
    if current > LATEST {
        return Err(MigrationError::TooNew { found: current });
    }
    let mut ran = 0;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let version = i as u32 + 1;
        let fail = |source| MigrationError::Failed { version, source };
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(fail)?;
        if version_of(&tx).map_err(fail)? >= version {
            continue; // another connection did this step meanwhile
        }
        tx.execute_batch(sql).map_err(fail)?;
        tx.pragma_update(None, "user_version", version)
            .map_err(fail)?;
        tx.commit().map_err(fail)?;
        ran += 1;
    }
    Ok(ran)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_once_and_refuses_newer() {
        let mut c = Connection::open_in_memory().unwrap();
        assert_eq!(migrate(&mut c).unwrap(), LATEST as usize);
        assert_eq!(migrate(&mut c).unwrap(), 0);
        c.pragma_update(None, "user_version", LATEST + 1).unwrap();
        assert!(matches!(
            migrate(&mut c),
            Err(MigrationError::TooNew { .. })
        ));
    }

    #[test]
    fn the_search_index_merges_by_eight() {
        let mut c = Connection::open_in_memory().unwrap();
        migrate(&mut c).unwrap();
        let n: i64 = c
            .query_row(
                "SELECT v FROM messages_fts_config WHERE k = 'automerge'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 8);
    }

    #[test]
    fn two_connections_opening_a_new_cache_at_once_migrate_it_once() {
        for _ in 0..10 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("c.sqlite3");
            let threads: Vec<_> = (0..3)
                .map(|_| {
                    let p = path.clone();
                    std::thread::spawn(move || crate::store::Store::open(&p).map(|_| ()))
                })
                .collect();
            for t in threads {
                t.join().unwrap().expect("every opener succeeds");
            }
        }
    }
}
