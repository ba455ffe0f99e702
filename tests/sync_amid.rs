//! Another client's changes that the server reports in the middle of this
//! session's commands, against a real Dovecot. RFC 3501 lets a server send
//! flag updates, expunges and new-mail counts amid the responses to any
//! command but a plain FETCH/STORE/SEARCH by sequence number; Dovecot does,
//! with the session's next command. None of them answers the command, and
//! none may be taken for a message.

mod support;

use replypad::config::{Config, Tls};
use replypad::store::Store;
use replypad::sync::engine::{self, Report};
use replypad::sync::imap::{Batching, Connection};
use support::dovecot::Dovecot;
use support::sync::{context, other_client, threads};
use support::{account, message};

/// A cache holding `first` (id, subject, body; bodies fetched) and the
/// reply "q2" to "q1" (headers only), and another client with INBOX open.
struct Scene {
    _d: Dovecot,
    _cache: tempfile::TempDir,
    cfg: Config,
    other: Connection,
    store: Store,
    conn: Connection,
}

impl Scene {
    fn new(first: &[(&str, &str, &str)]) -> Scene {
        let d = Dovecot::start();
        let cache = tempfile::tempdir().unwrap();
        let cfg = account(&d, cache.path(), Tls::Implicit);
        let mut other = other_client(&d);
        for (id, subject, body) in first {
            other
                .append("INBOX", &message(id, &[], subject, body), false)
                .unwrap();
        }
        let store = Store::open(&cfg.cache_file()).unwrap();
        let conn = replypad::sync::connect(&cfg).unwrap();
        let mut s = Scene {
            _d: d,
            _cache: cache,
            cfg,
            other,
            store,
            conn,
        };
        s.sync(true);
        // A reply, headers only: its body is fetched by the tests.
        s.other
            .append(
                "INBOX",
                &message("q2", &["q1"], "Re: Question", "More."),
                false,
            )
            .unwrap();
        assert_eq!(s.sync(false).new, 1);
        s.other.select("INBOX", None).unwrap();
        s
    }

    fn sync(&mut self, bodies: bool) -> Report {
        let ctx = context(&self.cfg);
        engine::sync_all(&mut self.conn, &mut self.store, &self.cfg, &ctx, bodies)
            .unwrap()
            .0
    }

    /// A header fetch of `uid`: the UIDs it answered, and whether each
    /// answer carried the headers.
    fn fetch_headers(&mut self, uid: &str) -> Vec<(u32, bool)> {
        let mut answered = Vec::new();
        self.conn
            .fetch_headers_each(uid, Batching::ALL, &mut |b, _| {
                answered.extend(b.iter().map(|f| (f.flags.uid, f.content)));
                Ok(())
            })
            .unwrap();
        answered
    }

    fn fetch_bodies(&mut self) -> usize {
        let ctx = context(&self.cfg);
        engine::fetch_bodies(&mut self.conn, &mut self.store, 10, &ctx).unwrap()
    }

    /// Subject and text of each message in the question's conversation.
    fn question(&self) -> Vec<(String, String)> {
        let t = threads(&self.cfg);
        let q = t.iter().find(|c| c.subject == "Question").unwrap();
        let view = self.store.conversation(&q.id).unwrap().unwrap();
        view.messages
            .iter()
            .map(|m| (m.subject.clone(), m.text.trim().to_string()))
            .collect()
    }
}

fn intact() -> Vec<(String, String)> {
    vec![
        ("Question".into(), "Hi there.".into()),
        ("Re: Question".into(), "More.".into()),
    ]
}

/// Dovecot tells a session of another client's flag changes amid the
/// responses to its FETCH (`* 1 FETCH (UID 1 MODSEQ (3) FLAGS (\Seen))`).
/// Such a response answers no header or body fetch: taken for one, it
/// filed an empty message over the cached one.
#[test]
fn flag_changes_reported_amid_a_fetch_leave_cached_messages_alone() {
    let mut s = Scene::new(&[("q1", "Question", "Hi there.")]);
    // Another agent reads the question while this session fetches headers.
    s.other.store_flags("1", true, "\\Seen").unwrap();
    assert_eq!(
        s.fetch_headers("2"),
        [(2, true)],
        "the flag update is no answer"
    );
    // And flags it while this session fetches the reply's body.
    s.other.store_flags("1", true, "\\Flagged").unwrap();
    assert_eq!(s.fetch_bodies(), 1);
    assert_eq!(s.question(), intact(), "the cached question is intact");
}

/// Another agent deletes mail (or new mail comes in) while this session
/// fetches headers and bodies: Dovecot reports `* VANISHED 1` (or
/// `* 1 EXPUNGE`) and `* 4 EXISTS` amid the responses, and the sequence
/// numbers of its FETCH responses shift. Fetching goes by UID, so each
/// fetch still answers exactly what it asked for; the expunged messages
/// stay cached until the next resync removes them, and the new one comes
/// with it.
#[test]
fn expunges_and_new_mail_reported_amid_a_fetch_wait_for_the_next_resync() {
    let mut s = Scene::new(&[("q1", "Question", "Hi there."), ("x1", "Spam", "Buy now.")]);
    // The spam goes (UID 2, sequence 2) while this session fetches the
    // reply's headers: the reply is sequence 2 now.
    s.other.store_flags("2", true, "\\Deleted").unwrap();
    s.other.expunge().unwrap();
    assert_eq!(
        s.fetch_headers("3"),
        [(3, true)],
        "the expunge is no answer"
    );

    // The question goes, and a new message comes, while this session
    // fetches the reply's body.
    s.other.store_flags("1", true, "\\Deleted").unwrap();
    s.other.expunge().unwrap();
    s.other
        .append("INBOX", &message("n1", &[], "New", "Hello?"), false)
        .unwrap();
    assert_eq!(s.fetch_bodies(), 1);
    let t = threads(&s.cfg);
    assert_eq!(t.len(), 2, "nothing removed before the resync: {t:?}");
    assert_eq!(
        s.question(),
        intact(),
        "the reply's body is its own, the question intact"
    );

    // The resync removes both and brings the new one, once.
    let r = s.sync(true);
    assert_eq!((r.new, r.vanished), (1, 2), "{r:?}");
    let mut subjects: Vec<(String, u32)> = threads(&s.cfg)
        .into_iter()
        .map(|c| (c.subject, c.messages))
        .collect();
    subjects.sort();
    assert_eq!(
        subjects,
        [("New".to_string(), 1), ("Re: Question".to_string(), 1)],
        "the reply alone is left of the question's conversation"
    );
    let r = s.sync(true);
    assert_eq!((r.new, r.vanished, r.changed), (0, 0, 0), "{r:?}");
}
