//! Incremental resync on servers without QRESYNC, against a real Dovecot
//! that advertises less: CONDSTORE alone (as Gmail does: CHANGEDSINCE for
//! flags, the EXISTS count for expunges) and neither (every flag fetched,
//! expunges found by comparing UIDs). Each must end where a fresh sync of
//! the same mailbox ends, and a resync with no changes must change nothing.
//! Also a server that offers QRESYNC and then refuses to enable it.

mod support;

use replypad::config::{Config, Tls};
use replypad::store::Store;
use replypad::sync::engine::{self, Report};
use replypad::sync::imap::Connection;
use support::dovecot::Dovecot;
use support::sync::{context, other_client, threads};
use support::{account, message};

/// The capabilities of Dovecot's that replypad may use, less `without`.
fn capabilities(without: &[&str]) -> String {
    let all = "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE NAMESPACE UIDPLUS MOVE \
               SPECIAL-USE LIST-EXTENDED LIST-STATUS LITERAL+ UNSELECT CHILDREN CONDSTORE QRESYNC";
    all.split(' ')
        .filter(|c| !without.contains(c))
        .collect::<Vec<_>>()
        .join(" ")
}

fn resync(conn: &mut Connection, store: &mut Store, cfg: &Config) -> Report {
    let ctx = context(cfg);
    if cfg.imap.as_ref().unwrap().tls == Tls::None {
        // Through the refusing proxy: a new connection each time, whose
        // first SELECT (with QRESYNC where the cache allows) goes out
        // with the ENABLE the proxy refuses.
        *conn = replypad::sync::connect_syncing(cfg, 3).unwrap();
    }
    engine::sync_all(conn, store, cfg, &ctx, true).unwrap().0
}

/// (subject, messages, unread) of every thread, sorted.
fn summary(cfg: &Config) -> Vec<(String, u32, u32)> {
    let mut v: Vec<_> = threads(cfg)
        .into_iter()
        .map(|c| (c.subject, c.messages, c.unread))
        .collect();
    v.sort();
    v
}

/// The scenario, with Dovecot offering all but `without`; replypad talks
/// to it through a proxy that refuses `refused` where given.
fn flags_and_expunges_by_another_client(without: &[&str], refused: Option<&'static str>) {
    let d = Dovecot::start_with(&format!(
        "protocol imap {{\n  imap_capability = {}\n}}\n",
        capabilities(without)
    ));
    let cache = tempfile::tempdir().unwrap();
    let mut cfg = account(&d, cache.path(), Tls::Implicit);
    if let Some(command) = refused {
        cfg = account(&d, cache.path(), Tls::None);
        cfg.imap.as_mut().unwrap().port = support::refusing_proxy(d.imap_port, command);
    }
    let mut other = other_client(&d);
    for c in without {
        assert!(!other.has_capability(c), "the server still offers {c}");
    }
    for m in [
        message("a1", &[], "Refund", "Money back?"),
        message("a2", &["a1"], "Re: Refund", "Still waiting."),
        message("b1", &[], "Login", "Cannot log in."),
    ] {
        other.append("INBOX", &m, false).unwrap();
    }
    let mut store = Store::open(&cfg.cache_file()).unwrap();
    let mut conn = replypad::sync::connect(&cfg).unwrap();
    let r = resync(&mut conn, &mut store, &cfg);
    assert_eq!((r.new, r.bodies), (3, 3), "{r:?}");
    assert_eq!(
        summary(&cfg),
        [("Login".into(), 1, 1), ("Refund".into(), 2, 2)]
    );

    // Another agent reads the refund question, deletes the follow-up, and
    // new mail comes in.
    other.select("INBOX", None).unwrap();
    other.store_flags("1", true, "\\Seen").unwrap();
    other.store_flags("2", true, "\\Deleted").unwrap();
    other.expunge().unwrap();
    other
        .append(
            "INBOX",
            &message("c1", &[], "Invoice", "Where is it?"),
            false,
        )
        .unwrap();
    let r = resync(&mut conn, &mut store, &cfg);
    assert_eq!((r.new, r.changed, r.vanished), (1, 1, 1), "{r:?}");
    let expected = vec![
        ("Invoice".to_string(), 1, 1),
        ("Login".into(), 1, 1),
        ("Refund".into(), 1, 0),
    ];
    assert_eq!(summary(&cfg), expected);

    // A flag change alone (no new mail, no expunge), then nothing at all.
    other.store_flags("3", true, "\\Seen").unwrap();
    let r = resync(&mut conn, &mut store, &cfg);
    assert_eq!((r.new, r.changed, r.vanished), (0, 1, 0), "{r:?}");
    let r = resync(&mut conn, &mut store, &cfg);
    assert_eq!((r.new, r.changed, r.vanished), (0, 0, 0), "{r:?}");
    let synced = summary(&cfg);
    assert_eq!(synced[1], ("Login".into(), 1, 0));

    // The cache is disposable: a fresh one ends in the same place.
    drop(store);
    let fresh = tempfile::tempdir().unwrap();
    let mut cfg2 = cfg.clone();
    cfg2.cache.dir = Some(fresh.path().to_path_buf());
    let mut store2 = Store::open(&cfg2.cache_file()).unwrap();
    resync(&mut conn, &mut store2, &cfg2);
    assert_eq!(summary(&cfg2), synced);
}

/// Gmail's case: CONDSTORE without QRESYNC.
#[test]
fn resync_with_condstore_alone() {
    flags_and_expunges_by_another_client(&["QRESYNC"], None);
}

/// Neither extension: flags all fetched, expunges found by UID. (Nor
/// LITERAL+: the other client's APPENDs wait for the server's go-ahead.)
#[test]
fn resync_with_neither_condstore_nor_qresync() {
    flags_and_expunges_by_another_client(&["QRESYNC", "CONDSTORE", "LITERAL+"], None);
}

/// A server that offers QRESYNC but refuses to enable it (the ENABLE goes
/// out with the first SELECT): replypad goes on with CONDSTORE.
#[test]
fn resync_where_enable_is_refused() {
    flags_and_expunges_by_another_client(&[], Some("ENABLE QRESYNC"));
}
