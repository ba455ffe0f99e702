//! A resync of a folder its session still has selected (issue 24): no
//! second SELECT (on a Maildir server a SELECT right after another
//! client's change rescans the folder), and the same outcome as one: new
//! mail, flag changes, mail expunged in the middle and at the top. And a
//! pass reaches the inbox before it lists any folder (Dovecot's rawlog
//! tells the order).

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

/// Each IMAP session's commands, as Dovecot's rawlog of `d` recorded them
/// (one file a session), with the files read taken away.
fn sessions(d: &Dovecot) -> Vec<Vec<String>> {
    let dir = d
        .dir
        .path()
        .join("home")
        .join(support::dovecot::USER)
        .join("rawlog");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "in"))
        .collect();
    files.sort();
    let out = files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            text.lines().map(str::to_string).collect()
        })
        .collect();
    for f in std::fs::read_dir(&dir).unwrap() {
        std::fs::remove_file(f.unwrap().path()).unwrap();
    }
    out
}

#[test]
fn a_pass_selects_the_inbox_before_it_lists_folders() {
    // On a Maildir Dovecot the first access to a folder after a LIST in the
    // same session re-reads its whole uidlist (a large inbox: most of the
    // time to the first screen), so a pass reaches the inbox before any
    // LIST, on a first sync and after.
    let d = Dovecot::start_with("protocol imap {\n  rawlog_dir = %h/rawlog\n}\n");
    let mut other = other_client(&d);
    for i in 1..=3 {
        let m = message(&format!("m{i}"), &[], &format!("Question {i}"), "Hello.");
        other.append("INBOX", &m, false).unwrap();
    }
    other.logout();
    let home = d.dir.path().join("home").join(support::dovecot::USER);
    std::fs::create_dir_all(home.join("rawlog")).unwrap();
    d.fix_ownership();
    let agent = support::cli::Instance::new(&d, "ann", "key_command = \"printf k\"");
    for round in ["first sync", "later pass"] {
        agent.ok(&["sync"]);
        let all = sessions(&d);
        let with_inbox: Vec<&Vec<String>> = all
            .iter()
            .filter(|s| s.iter().any(|c| selects_inbox(c)))
            .collect();
        assert_eq!(
            with_inbox.len(),
            1,
            "{round}: one session syncs INBOX: {all:#?}\n{}",
            d.log()
        );
        let s = with_inbox[0];
        let select = s.iter().position(|c| selects_inbox(c)).unwrap();
        // `LIST "" ""` asks only for the hierarchy delimiter.
        let list = s
            .iter()
            .position(|c| command(c).starts_with("LIST") && command(c) != "LIST \"\" \"\"");
        assert!(
            list.is_some(),
            "{round}: the pass lists the team's folders: {s:#?}"
        );
        assert!(
            list.is_some_and(|l| select < l),
            "{round}: a LIST came before INBOX was selected: {s:#?}"
        );
    }
}

/// A rawlog line (a timestamp, a tag, a command) without its timestamp
/// and tag, upper case.
fn command(line: &str) -> String {
    line.splitn(3, ' ')
        .nth(2)
        .unwrap_or("")
        .to_ascii_uppercase()
}

fn selects_inbox(line: &str) -> bool {
    let c = command(line);
    c.starts_with("SELECT INBOX") || c.starts_with("SELECT \"INBOX\"")
}
