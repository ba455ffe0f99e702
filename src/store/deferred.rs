//! Indexes a first sync of a large mailbox builds once at its end instead
//! of keeping them up row by row: SQLite builds an index from sorted rows
//! far faster than it inserts into one at random places (and an index in
//! random order, kept up during a first sync of a large mailbox, has most
//! of its pages rewritten at every commit). `cargo bench --bench sync`
//! measures it.
//!
//! Only indexes nothing in a first sync reads are deferred: the Message-ID
//! index (threading looks names up in SQL only when the cache held
//! something before, see `filer.rs`), the body queue (read once the
//! headers are in), and two that only a report and the customer panel
//! read. A reader meanwhile (the TUI drafting a reply, a report) scans or
//! sorts instead: slower, never wrong. The index of a conversation's
//! messages stays: merges, summaries and the reader need it at every step.
//! If another connection writes the cache during the sync, the filer
//! starts looking names up in SQL and builds the Message-ID index and the
//! body queue first ([`ensure_threading`]); if the sync fails or the
//! process dies, the next header write builds them ([`prepare`]).
//!
//! A history filled a window at a time (the TUI's worker) keeps the
//! Message-ID index (its filer looks names up in SQL) but leaves the two
//! report indexes out until the history is complete.

use anyhow::Result;
use rusqlite::Connection;

const INDEXES: [(&str, &str); 4] = [
    ("messages_by_message_id", "messages(message_id)"),
    (
        "messages_missing_body",
        "messages(date DESC) WHERE body_state = 'headers'",
    ),
    // Read by reports only (`insight.rs`); the widest index of a message,
    // in conversation-id order: kept up row by row, a first sync of a
    // large mailbox rewrites most of its pages at every commit.
    (
        "messages_insight",
        "messages(conversation_id, message_id, internal_date, from_team,
                  auto_refusal IS NOT NULL, coalesce(nullif(from_name, ''), from_email))",
    ),
    // Read by the customer panel (`customer.rs`; without it, a scan of the
    // conversations), in random order like the above.
    (
        "conversations_by_customer",
        "conversations(customer_email COLLATE NOCASE)",
    ),
];

/// Whether deferred index `name` is in the cache (a reader that would name
/// it in `INDEXED BY` asks first: during a first sync it may not be).
pub fn has(conn: &Connection, name: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?1)",
        [name],
        |r| r.get(0),
    )?)
}

/// The first of [`INDEXES`] that only reports and the customer panel read:
/// a history filled a window at a time leaves these out until it is
/// complete (see [`prepare`]).
const REPORTS: usize = 2;

/// Before a header write of about `expected` messages: on a bulk write
/// into a cache that holds no message, conversation or link yet, or at
/// most a quarter of `expected` in messages and links (the filer then reads
/// them all into memory and asks SQL for no name: `filer.rs`), drops the
/// deferred indexes and returns true (build them with [`ensure`] at the
/// end); otherwise makes sure they exist and returns false.
///
/// Of a history filled a window at a time (`window`, the TUI's worker: the
/// cache is not small next to a window, and each window's commit would
/// rewrite the report indexes' pages, in random order), the report
/// indexes are dropped until the history is complete; then the next write
/// or [`ensure`] builds them. Other writes leave them as they are while a
/// history is incomplete.
pub fn prepare(conn: &Connection, bulk: bool, expected: usize, window: bool) -> Result<bool> {
    let empty = || -> Result<bool> {
        Ok(conn.query_row(
            "SELECT NOT EXISTS(SELECT 1 FROM messages)
                AND NOT EXISTS(SELECT 1 FROM conversations)
                AND NOT EXISTS(SELECT 1 FROM message_links)",
            [],
            |r| r.get(0),
        )?)
    };
    let small = || -> Result<bool> {
        let rows: i64 = conn.query_row(
            "SELECT (SELECT count(*) FROM messages) + (SELECT count(*) FROM message_links)",
            [],
            |r| r.get(0),
        )?;
        let expected = i64::try_from(expected).unwrap_or(i64::MAX);
        Ok(rows.saturating_mul(4) <= expected && super::filer::preloads(rows, expected))
    };
    if bulk && (empty()? || small()?) {
        drop_from(conn, 0)?;
        return Ok(true);
    }
    ensure_threading(conn)?;
    if window {
        drop_from(conn, REPORTS)?;
    } else if history_complete(conn)? {
        ensure(conn)?;
    }
    Ok(false)
}

fn drop_from(conn: &Connection, first: usize) -> Result<()> {
    for (name, _) in &INDEXES[first..] {
        conn.execute_batch(&format!("DROP INDEX IF EXISTS {name}"))?;
    }
    Ok(())
}

/// Whether every folder's history is cached (see `history.rs`).
fn history_complete(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT NOT EXISTS(SELECT 1 FROM mailboxes
                           WHERE history_below > 1 AND uidvalidity IS NOT NULL)",
        [],
        |r| r.get(0),
    )?)
}

/// Builds the deferred indexes SQL lookups of threading data need (a
/// filer that finds another writer in the cache).
pub fn ensure_threading(conn: &Connection) -> Result<()> {
    for (name, on) in &INDEXES[..REPORTS] {
        conn.execute_batch(&format!("CREATE INDEX IF NOT EXISTS {name} ON {on}"))?;
    }
    Ok(())
}

/// Builds whichever deferred index is missing.
pub fn ensure(conn: &Connection) -> Result<()> {
    for (name, on) in INDEXES {
        conn.execute_batch(&format!("CREATE INDEX IF NOT EXISTS {name} ON {on}"))?;
    }
    Ok(())
}

/// The deferred indexes the cache has (tests).
pub fn present(conn: &Connection) -> Result<usize> {
    let mut n = 0;
    for (name, _) in INDEXES {
        n += usize::from(has(conn, name)?);
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropped_only_in_an_empty_cache_and_built_again() {
        let s = crate::store::Store::open_in_memory().unwrap();
        let c = &s.conn;
        assert_eq!(present(c).unwrap(), INDEXES.len());
        assert!(!prepare(c, false, 0, false).unwrap(), "not a bulk write");
        assert!(prepare(c, true, 0, false).unwrap());
        assert_eq!(present(c).unwrap(), 0);
        // The process died there: the next header write, bulk or not,
        // builds them.
        assert!(!prepare(c, false, 0, false).unwrap());
        assert_eq!(present(c).unwrap(), INDEXES.len());
        assert!(prepare(c, true, 0, false).unwrap());
        // A write into a cache that holds something builds them too.
        c.execute_batch(
            "INSERT INTO conversations(id, root_key) VALUES ('c1', 'k1');
             INSERT INTO message_links(message_id, conversation_id) VALUES ('<k1>', 'c1');",
        )
        .unwrap();
        assert!(
            !prepare(c, true, 0, false).unwrap(),
            "the cache holds something"
        );
        assert_eq!(present(c).unwrap(), INDEXES.len());
        // ... unless the write dwarfs it (history behind a newest page).
        for m in 0..9 {
            c.execute(
                "INSERT INTO message_links(message_id, conversation_id) VALUES (?1, 'c1')",
                [format!("<m{m}@x>")],
            )
            .unwrap();
        }
        assert!(!prepare(c, true, 39, false).unwrap());
        assert!(prepare(c, true, 40, false).unwrap());
        assert!(!prepare(c, false, 0, false).unwrap());
        assert_eq!(present(c).unwrap(), INDEXES.len());
        // The same definitions as the migrations', so the planner uses them.
        let plan: String = c
            .query_row(
                "EXPLAIN QUERY PLAN SELECT id FROM messages WHERE message_id = 'x'",
                [],
                |r| r.get(3),
            )
            .unwrap();
        assert!(plan.contains("messages_by_message_id"), "{plan}");
        let plan: String = c
            .query_row(
                "EXPLAIN QUERY PLAN SELECT id FROM conversations
                 WHERE customer_email = 'x' COLLATE NOCASE",
                [],
                |r| r.get(3),
            )
            .unwrap();
        assert!(plan.contains("conversations_by_customer"), "{plan}");
    }
}
