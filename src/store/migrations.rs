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
    include_str!("sql/0022_root_key_not_unique.sql"),
    include_str!("sql/0023_notices_by_agent.sql"),
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
    // The reason is the source (a chain printed whole, `{:#}`, said it
    // twice); the disk-full check finds the SQLite error in the chain.
    #[error("cannot migrate cache to schema version {version}")]
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
    migrate_to(conn, LATEST)
}

/// [`migrate`], up to schema version `last`.
///
/// Foreign keys are off while migrations run (SQLite ignores the pragma
/// inside a transaction): a migration that rebuilds a table drops the old
/// one, which would otherwise delete the rows that reference it. A rebuild
/// keeps every id, so what referenced the old table references the new.
fn migrate_to(conn: &mut Connection, last: u32) -> Result<usize, MigrationError> {
    let setup = |source| MigrationError::Failed { version: 0, source };
    let foreign_keys: bool = conn
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .map_err(setup)?;
    conn.pragma_update(None, "foreign_keys", "OFF")
        .map_err(setup)?;
    // Restored whether or not the migrations ran; their error comes first.
    let ran = run(conn, last);
    let restored = conn.pragma_update(None, "foreign_keys", foreign_keys);
    let ran = ran?;
    restored.map_err(setup)?;
    Ok(ran)
}

fn run(conn: &mut Connection, last: u32) -> Result<usize, MigrationError> {
    let version_of = |c: &Connection| -> rusqlite::Result<u32> {
        c.query_row("PRAGMA user_version", [], |r| r.get(0))
    };
    let current =
        version_of(conn).map_err(|source| MigrationError::Failed { version: 0, source })?;
    if current > LATEST {
        return Err(MigrationError::TooNew { found: current });
    }
    let mut ran = 0;
    for (i, sql) in (MIGRATIONS.iter().enumerate())
        .take(last as usize)
        .skip(current as usize)
    {
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

    /// Every row of `sql`, each as text, in order.
    fn rows(c: &Connection, sql: &str) -> Vec<String> {
        let mut st = c.prepare(sql).unwrap();
        let n = st.column_count();
        st.query_map([], |r| {
            use rusqlite::types::ValueRef;
            let cols: Vec<String> = (0..n)
                .map(|i| match r.get_ref(i).unwrap() {
                    ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    ValueRef::Integer(i) => i.to_string(),
                    other => format!("{other:?}"),
                })
                .collect();
            Ok(cols.join("|"))
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
    }

    #[test]
    fn rebuilding_conversations_keeps_every_row_and_what_refers_to_it() {
        let mut c = Connection::open_in_memory().unwrap();
        c.pragma_update(None, "foreign_keys", "ON").unwrap();
        migrate_to(&mut c, 21).unwrap();
        c.execute_batch(
            "INSERT INTO mailboxes(id, name, role) VALUES (1, 'INBOX', 'inbox');
             INSERT INTO conversations(id, root_key, subject, status, assignee, place,
                                       waiting_since, review_waiting, customer_email)
                 VALUES ('c1', 'k1', 'Refund', 'pending', 'ana', 'Archive', 5, 1, 'x@y'),
                        ('c2', 'k2', 'Login', 'open', NULL, NULL, NULL, 0, '');
             DELETE FROM conversations WHERE id = 'c2';
             INSERT INTO conversations(id, root_key) VALUES ('c3', 'k3');
             INSERT INTO conversation_labels VALUES ('c1', 'billing'), ('c3', 'bug');
             INSERT INTO messages(mailbox_id, uid, conversation_id, message_id)
                 VALUES (1, 7, 'c1', '<m1@x>'), (1, 8, 'c3', '<m3@x>');",
        )
        .unwrap();
        let columns = "SELECT * FROM pragma_table_info('conversations')";
        let indexes = "SELECT name, \"unique\", partial FROM pragma_index_list('conversations')
                       WHERE origin = 'c' ORDER BY name";
        let all = "SELECT rowid, * FROM conversations ORDER BY rowid";
        let (cols, idx, before) = (rows(&c, columns), rows(&c, indexes), rows(&c, all));
        let labels = rows(&c, "SELECT * FROM conversation_labels ORDER BY 1, 2");
        let messages = rows(&c, "SELECT * FROM messages ORDER BY id");

        assert_eq!(migrate(&mut c).unwrap(), LATEST as usize - 21);
        assert_eq!(rows(&c, columns), cols, "the same columns");
        assert_eq!(rows(&c, indexes), idx, "the same indexes");
        assert_eq!(rows(&c, all), before, "the same rows and rowids");
        assert_eq!(
            rows(&c, "SELECT * FROM conversation_labels ORDER BY 1, 2"),
            labels
        );
        assert_eq!(rows(&c, "SELECT * FROM messages ORDER BY id"), messages);
        assert!(rows(&c, "PRAGMA foreign_key_check").is_empty());
        let on: bool = c
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert!(on, "foreign keys are on again");
        // Only the primary key is unique now; it still cascades.
        let unique = "SELECT count(*) FROM pragma_index_list('conversations') WHERE \"unique\"";
        assert_eq!(rows(&c, unique), ["1"]);
        c.execute(
            "INSERT INTO conversations(id, root_key) VALUES ('c4', 'k1')",
            [],
        )
        .unwrap();
        c.execute_batch(
            "DELETE FROM messages WHERE conversation_id = 'c3';
                         DELETE FROM conversations WHERE id = 'c3';",
        )
        .unwrap();
        assert_eq!(
            rows(&c, "SELECT * FROM conversation_labels"),
            ["c1|billing"]
        );
        assert!(
            c.execute("DELETE FROM conversations WHERE id = 'c1'", [])
                .is_err(),
            "a message still refers to it"
        );
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
