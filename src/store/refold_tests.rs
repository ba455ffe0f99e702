//! A long log folded in chunks: conversations refolded once at the end,
//! queued durably in between.

use super::*;
use crate::domain::Status;
use crate::domain::events::EventKind;

fn log(n: u32) -> Vec<(u32, Result<Signed, String>)> {
    (1..=n)
        .map(|uid| {
            let kind = match uid % 3 {
                0 => EventKind::Status {
                    status: Status::Closed,
                    until: None,
                },
                1 => EventKind::Label {
                    add: vec![format!("l{}", uid % 4)],
                    remove: vec![],
                },
                _ => EventKind::Assign {
                    to: Some(format!("a{}@example.com", uid % 2)),
                    reassign: true,
                },
            };
            let e = Event {
                id: format!("e{uid}"),
                conversation: format!("c{}", uid % 5),
                agent: "ana@example.com".into(),
                at: i64::from(uid),
                kind,
            };
            (uid, Ok(Signed::team_key_only(e)))
        })
        .collect()
}

/// Every conversation's row as the list shows it.
fn rows(s: &Store) -> Vec<String> {
    s.conn
        .prepare(
            "SELECT c.id || ' ' || c.status || ' ' || coalesce(c.assignee, '-') || ' '
                    || coalesce((SELECT group_concat(label) FROM (SELECT label FROM conversation_labels
                                 WHERE conversation_id = c.id ORDER BY label)), '')
             FROM conversations c ORDER BY c.id",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

#[test]
fn a_log_folded_in_chunks_ends_as_one_folded_at_once() {
    let events = log(60);
    let mut whole = Store::open_in_memory().unwrap();
    whole
        .transaction(|tx| Store::apply_log(tx, &events).map(|_| ()))
        .unwrap();
    let want = rows(&whole);
    assert_eq!(want.len(), 5, "{want:?}");

    let mut chunked = Store::open_in_memory().unwrap();
    for chunk in events.chunks(7) {
        chunked
            .transaction(|tx| Store::apply_log_chunk(tx, chunk).map(|_| ()))
            .unwrap();
    }
    // Killed here: the rows wait for their refold, which is queued.
    assert_ne!(rows(&chunked), want);
    let queued: i64 = chunked
        .conn
        .query_row("SELECT count(*) FROM refold_pending", [], |r| r.get(0))
        .unwrap();
    assert_eq!(queued, 5);
    let done = chunked.refold_pending().unwrap();
    assert_eq!(done.len(), 5);
    assert_eq!(rows(&chunked), want);
    assert!(chunked.refold_pending().unwrap().is_empty(), "drained");
}
