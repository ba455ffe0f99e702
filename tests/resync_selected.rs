//! A resync of a folder its session still has selected (issue 24): no
//! second SELECT (on a Maildir server a SELECT right after another
//! client's change rescans the folder), and the same outcome as one: new
//! mail, flag changes, mail expunged in the middle and at the top.

mod support;

use replypad::config::Tls;
use replypad::store::Store;
use replypad::sync::engine;
use support::dovecot::Dovecot;
use support::sync::{context, other_client};
use support::{account, message};

/// The UIDs of INBOX as the cache has them.
fn cached(store: &mut Store) -> Vec<u32> {
    let inbox = store
        .mailbox_id("INBOX", replypad::store::MailboxRole::Inbox)
        .unwrap();
    let mut v: Vec<u32> = store.cached_uids(inbox).unwrap().into_iter().collect();
    v.sort_unstable();
    v
}

#[test]
fn a_folder_still_selected_is_resynced_without_selecting_it_again() {
    let d = Dovecot::start();
    let cache = tempfile::tempdir().unwrap();
    let cfg = account(&d, cache.path(), Tls::Implicit);
    let mut other = other_client(&d);
    for i in 1..=6 {
        let id = format!("m{i}");
        let m = message(&id, &[], &format!("Question {i}"), "Hello.");
        other.append("INBOX", &m, false).unwrap();
    }
    let mut store = Store::open(&cfg.cache_file()).unwrap();
    let ctx = context(&cfg);
    let mut conn = replypad::sync::connect_syncing(&cfg, 3).unwrap();
    engine::sync_all(&mut conn, &mut store, &cfg, &ctx, false).unwrap();
    assert_eq!(cached(&mut store), [1, 2, 3, 4, 5, 6]);
    // Nothing changed: nothing is selected again either.
    let selects = conn.selects();
    let (r, _) = engine::sync_all(&mut conn, &mut store, &cfg, &ctx, false).unwrap();
    assert_eq!((r.new, r.changed, r.vanished), (0, 0, 0), "{r:?}");
    let quiet_pass = conn.selects() - selects;

    // Another agent: two new messages, a flag, UIDs 3 and 6 (the highest
    // before the new mail) expunged.
    other.select("INBOX", None).unwrap();
    other.store_flags("2", true, "\\Flagged").unwrap();
    other.store_flags("3,6", true, "\\Deleted").unwrap();
    other.expunge().unwrap();
    for i in 7..=8 {
        let id = format!("m{i}");
        let m = message(&id, &[], &format!("Question {i}"), "Hello.");
        other.append("INBOX", &m, false).unwrap();
    }
    let before = conn.selects();
    let (r, _) = engine::sync_all(&mut conn, &mut store, &cfg, &ctx, false).unwrap();
    assert_eq!((r.new, r.changed, r.vanished), (2, 1, 2), "{r:?}");
    assert_eq!(cached(&mut store), [1, 2, 4, 5, 7, 8]);
    assert_eq!(
        conn.selects() - before,
        quiet_pass,
        "INBOX was selected again (a quiet pass selects {quiet_pass} other folders)"
    );
    // Then the top expunged alone (UIDNEXT stays, HIGHESTMODSEQ moves).
    other.store_flags("8", true, "\\Deleted").unwrap();
    other.expunge().unwrap();
    let (r, _) = engine::sync_all(&mut conn, &mut store, &cfg, &ctx, false).unwrap();
    assert_eq!((r.new, r.vanished), (0, 1), "{r:?}");
    assert_eq!(cached(&mut store), [1, 2, 4, 5, 7]);

    // A fresh cache of the same mailbox (every folder selected) agrees.
    let fresh = tempfile::tempdir().unwrap();
    let cfg2 = account(&d, fresh.path(), Tls::Implicit);
    let mut store2 = Store::open(&cfg2.cache_file()).unwrap();
    let mut conn2 = replypad::sync::connect(&cfg2).unwrap();
    engine::sync_all(&mut conn2, &mut store2, &cfg2, &context(&cfg2), false).unwrap();
    assert_eq!(cached(&mut store2), cached(&mut store));
    let flagged = |cfg: &replypad::config::Config| {
        rusqlite::Connection::open(cfg.cache_file())
            .unwrap()
            .query_row(
                "SELECT group_concat(uid) FROM messages WHERE flagged ORDER BY uid",
                [],
                |r| r.get::<_, Option<String>>(0),
            )
            .unwrap()
    };
    assert_eq!(flagged(&cfg), Some("2".into()));
    assert_eq!(flagged(&cfg2), flagged(&cfg));
}
