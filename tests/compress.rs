//! COMPRESS=DEFLATE (RFC 4978) against a real Dovecot with its imap_zlib
//! plugin: a whole sync with bodies, compressed, plain and under TLS,
//! gives the cache an uncompressed one gives; IDLE still wakes up; a
//! server without COMPRESS, or `compress = false`, is spoken to plainly.

mod support;

use replypad::config::Tls;
use replypad::store::{ListQuery, Store};
use replypad::sync::engine::Depth;
use replypad::sync::session::Session;
use support::dovecot::Dovecot;
use support::{account, message};

const ZLIB: &str = "mail_plugins = $mail_plugins zlib\nprotocol imap {\n  mail_plugins = $mail_plugins imap_zlib\n}\n";

fn seed(d: &Dovecot) {
    let mut c = support::client(d);
    for i in 0..120 {
        let refs: Vec<String> = if i % 3 == 0 {
            Vec::new()
        } else {
            vec![format!("<m{}@shop.test>", i - i % 3)]
        };
        let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
        let body = format!(
            "Order {i}: the parcel has not arrived. {}\n",
            "Tracking says delivered. ".repeat(40)
        );
        c.append(
            "INBOX",
            &message(
                &format!("m{i}"),
                &refs,
                &format!("Order {}", i - i % 3),
                &body,
            ),
            false,
        )
        .unwrap();
    }
}

/// Syncs everything into a fresh cache; returns what the cache shows and
/// the connection's (compressed, inflated) byte counts.
fn sync(d: &Dovecot, tls: Tls, compress: Option<bool>) -> (String, Option<(u64, u64)>) {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = account(d, dir.path(), tls);
    cfg.imap.as_mut().unwrap().compress = compress;
    let mut store = Store::open(&cfg.cache_file()).unwrap();
    let mut s = Session::start(&cfg, None, 1).unwrap();
    s.pass(&mut store, &cfg, &|_| {}, Depth::Bodies).unwrap();
    let counts = s.conn.compressed();
    s.logout();
    let rows = store.list_conversations(ListQuery::ALL).unwrap();
    let mut shown = format!("{rows:?}");
    for r in &rows {
        shown.push_str(&format!("{:?}", store.conversation(&r.id).unwrap()));
    }
    (shown, counts)
}

#[test]
fn a_compressed_sync_caches_what_a_plain_one_does() {
    let d = Dovecot::start_with(ZLIB);
    seed(&d);
    let (want, none) = sync(&d, Tls::None, None);
    assert!(none.is_none(), "not on loopback unless asked");
    assert!(want.contains("Tracking says delivered"), "bodies synced");
    for tls in [Tls::None, Tls::Implicit] {
        let (got, counts) = sync(&d, tls, Some(true));
        let (read, inflated) = counts.expect("compressed");
        assert!(
            inflated > 3 * read,
            "{tls:?}: {read} bytes read inflated to {inflated}"
        );
        assert_eq!(got, want, "{tls:?}");
    }
    let (_, off) = sync(&d, Tls::None, Some(false));
    assert!(off.is_none());
}

#[test]
fn idle_wakes_up_on_a_compressed_connection() {
    let d = Dovecot::start_with(ZLIB);
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = account(&d, dir.path(), Tls::Implicit);
    cfg.imap.as_mut().unwrap().compress = Some(true);
    let mut conn = replypad::sync::connect(&cfg).unwrap();
    assert!(conn.compressed().is_some());
    conn.select("INBOX", None).unwrap();
    let appender = std::thread::spawn({
        let mut other = support::client(&d);
        move || {
            std::thread::sleep(std::time::Duration::from_millis(300));
            other
                .append("INBOX", &message("late", &[], "Late", "Hello"), false)
                .unwrap();
        }
    });
    assert!(
        conn.idle_wait(std::time::Duration::from_secs(10)).unwrap(),
        "the server's news arrived through the inflater"
    );
    appender.join().unwrap();
    assert_eq!(conn.uids_from(1).unwrap(), vec![1]);
}

#[test]
fn a_server_without_compress_is_spoken_to_plainly() {
    let d = Dovecot::start();
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = account(&d, dir.path(), Tls::Implicit);
    cfg.imap.as_mut().unwrap().compress = Some(true);
    let mut conn = replypad::sync::connect(&cfg).unwrap();
    assert!(conn.compressed().is_none());
    conn.select("INBOX", None).unwrap();
}
