//! Another client's changes that the server reports in the middle of this
//! session's commands, against a real Dovecot. RFC 3501 lets a server send
//! flag updates, expunges and new-mail counts amid the responses to any
//! command but a plain FETCH/STORE/SEARCH by sequence number; Dovecot does,
//! with the session's next command. None of them answers the command, and
//! none may be taken for a message.

mod support;

use replypad::config::Tls;
use replypad::store::Store;
use replypad::sync::engine;
use replypad::sync::imap::Batching;
use support::dovecot::Dovecot;
use support::sync::{context, other_client, threads};
use support::{account, message};

/// Dovecot tells a session of another client's flag changes amid the
/// responses to its FETCH (`* 1 FETCH (UID 1 MODSEQ (3) FLAGS (\Seen))`).
/// Such a response answers no header or body fetch: taken for one, it
/// filed an empty message over the cached one.
#[test]
fn flag_changes_reported_amid_a_fetch_leave_cached_messages_alone() {
    let d = Dovecot::start();
    let cache = tempfile::tempdir().unwrap();
    let cfg = account(&d, cache.path(), Tls::Implicit);
    let mut other = other_client(&d);
    other
        .append("INBOX", &message("q1", &[], "Question", "Hi there."), false)
        .unwrap();
    let mut store = Store::open(&cfg.cache_file()).unwrap();
    let ctx = context(&cfg);
    let mut conn = replypad::sync::connect(&cfg).unwrap();
    engine::sync_all(&mut conn, &mut store, &cfg, &ctx, true).unwrap();
    // A reply, headers only: its body is fetched below.
    other
        .append(
            "INBOX",
            &message("q2", &["q1"], "Re: Question", "More."),
            false,
        )
        .unwrap();
    let (r, _) = engine::sync_all(&mut conn, &mut store, &cfg, &ctx, false).unwrap();
    assert_eq!(r.new, 1, "{r:?}");
    other.select("INBOX", None).unwrap();

    // Another agent reads the question while this session fetches headers.
    other.store_flags("1", true, "\\Seen").unwrap();
    let mut answered = Vec::new();
    conn.fetch_headers_each("2", replypad::sync::imap::Batching::ALL, &mut |b, _| {
        answered.extend(b.iter().map(|f| f.flags.uid));
        Ok(())
    })
    .unwrap();
    assert_eq!(answered, [2], "the flag update is no answer");

    // And flags it while this session fetches the reply's body.
    other.store_flags("1", true, "\\Flagged").unwrap();
    assert_eq!(
        engine::fetch_bodies(&mut conn, &mut store, 10, &ctx).unwrap(),
        1
    );
    let t = threads(&cfg);
    let view = store.conversation(&t[0].id).unwrap().unwrap();
    let texts: Vec<(&str, &str)> = view
        .messages
        .iter()
        .map(|m| (m.subject.as_str(), m.text.trim()))
        .collect();
    assert_eq!(
        texts,
        [("Question", "Hi there."), ("Re: Question", "More.")],
        "the cached question is intact"
    );
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
    let d = Dovecot::start();
    let cache = tempfile::tempdir().unwrap();
    let cfg = account(&d, cache.path(), Tls::Implicit);
    let mut other = other_client(&d);
    for (id, subject, body) in [("q1", "Question", "Hi there."), ("x1", "Spam", "Buy now.")] {
        other
            .append("INBOX", &message(id, &[], subject, body), false)
            .unwrap();
    }
    let mut store = Store::open(&cfg.cache_file()).unwrap();
    let ctx = context(&cfg);
    let mut conn = replypad::sync::connect(&cfg).unwrap();
    engine::sync_all(&mut conn, &mut store, &cfg, &ctx, true).unwrap();
    // A reply, headers only: its body is fetched below.
    other
        .append(
            "INBOX",
            &message("q2", &["q1"], "Re: Question", "More."),
            false,
        )
        .unwrap();
    let (r, _) = engine::sync_all(&mut conn, &mut store, &cfg, &ctx, false).unwrap();
    assert_eq!(r.new, 1, "{r:?}");
    other.select("INBOX", None).unwrap();

    // The spam goes (UID 2, sequence 2) while this session fetches the
    // reply's headers: the reply is sequence 2 now.
    other.store_flags("2", true, "\\Deleted").unwrap();
    other.expunge().unwrap();
    let mut answered = Vec::new();
    conn.fetch_headers_each("3", Batching::ALL, &mut |b, _| {
        answered.extend(b.iter().map(|f| (f.flags.uid, f.content)));
        Ok(())
    })
    .unwrap();
    assert_eq!(answered, [(3, true)], "the expunge is no answer");

    // The question goes, and a new message comes, while this session
    // fetches the reply's body.
    other.store_flags("1", true, "\\Deleted").unwrap();
    other.expunge().unwrap();
    other
        .append("INBOX", &message("n1", &[], "New", "Hello?"), false)
        .unwrap();
    assert_eq!(
        engine::fetch_bodies(&mut conn, &mut store, 10, &ctx).unwrap(),
        1
    );
    let t = threads(&cfg);
    assert_eq!(t.len(), 2, "nothing removed before the resync: {t:?}");
    let question = t.iter().find(|c| c.subject == "Question").unwrap();
    let view = store.conversation(&question.id).unwrap().unwrap();
    let texts: Vec<(&str, &str)> = view
        .messages
        .iter()
        .map(|m| (m.subject.as_str(), m.text.trim()))
        .collect();
    assert_eq!(
        texts,
        [("Question", "Hi there."), ("Re: Question", "More.")],
        "the reply's body is its own, the question intact"
    );

    // The resync removes both and brings the new one, once.
    let (r, _) = engine::sync_all(&mut conn, &mut store, &cfg, &ctx, true).unwrap();
    assert_eq!((r.new, r.vanished), (1, 2), "{r:?}");
    let mut subjects: Vec<(String, u32)> = threads(&cfg)
        .into_iter()
        .map(|c| (c.subject, c.messages))
        .collect();
    subjects.sort();
    assert_eq!(
        subjects,
        [("New".to_string(), 1), ("Re: Question".to_string(), 1)],
        "the reply alone is left of the question's conversation"
    );
    let (r, _) = engine::sync_all(&mut conn, &mut store, &cfg, &ctx, true).unwrap();
    assert_eq!((r.new, r.vanished, r.changed), (0, 0, 0), "{r:?}");
}
