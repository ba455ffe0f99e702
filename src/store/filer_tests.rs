//! Tests of the filer against the one-message SQL path.

use super::*;
use crate::mail::{ParsedMessage, parse_message};
use crate::store::MailboxRole;

/// A thread-shaped mailbox delivered out of order: replies before their
/// parents, truncated References, a team reply, a second copy.
/// A message replying along `refs` (the last one is its In-Reply-To).
fn reply(from: &str, subject: &str, id: &str, refs: &[String], date: &str, body: &str) -> String {
    format!(
        "From: {from}\r\nSubject: {subject}\r\nMessage-ID: {id}\r\n{}{}Date: {date}\r\n\r\n{body}\r\n",
        refs.last()
            .map(|r| format!("In-Reply-To: {r}\r\n"))
            .unwrap_or_default(),
        if refs.is_empty() {
            String::new()
        } else {
            format!("References: {}\r\n", refs.join(" "))
        },
    )
}

fn mailbox() -> Vec<(u32, ParsedMessage, bool)> {
    let mut out = Vec::new();
    let mut uid = 0;
    for t in 0..40u32 {
        for i in (0..(t % 5 + 1)).rev() {
            let refs: Vec<String> = (0..i).map(|j| format!("<m{t}.{j}@x>")).collect();
            // Every third reply lost its References: only In-Reply-To links it.
            let refs = if i % 3 == 2 {
                refs[refs.len() - 1..].to_vec()
            } else {
                refs
            };
            let from = if i % 2 == 1 {
                "support@example.com"
            } else {
                "c@shop.test"
            };
            let raw = reply(
                from,
                &format!("t{t}"),
                &format!("<m{t}.{i}@x>"),
                &refs,
                &format!(
                    "Tue, 14 Nov 2023 {:02}:{:02}:00 +0000",
                    (t * 5 + i) / 60,
                    (t * 5 + i) % 60
                ),
                &format!("body {t} {i}"),
            );
            uid += 1;
            out.push((
                uid,
                parse_message(raw.as_bytes(), 0),
                from.starts_with("support"),
            ));
        }
    }
    let dup = out[3].1.clone();
    out.push((uid + 1, dup, false));
    out
}

fn dump(s: &Store) -> Vec<String> {
    let mut st = s
        .conn
        .prepare(
            "SELECT id, subject, customer_email, first_date, last_date, message_count,
                    unread_count, snippet, waiting_since FROM conversations ORDER BY id",
        )
        .unwrap();
    let mut rows: Vec<String> = st
        .query_map([], |r| {
            Ok(format!(
                "{}|{}|{}|{}|{}|{}|{}|{}|{:?}",
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, i64>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, Option<i64>>(8)?
            ))
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    rows.extend(sorted_strings(
        s,
        "SELECT uid || '>' || conversation_id FROM messages
         UNION ALL SELECT alias || '=' || canonical FROM conversation_aliases
         UNION ALL SELECT * FROM (SELECT message_id || '~' || conversation_id FROM message_links
            UNION SELECT message_id || '~' || conversation_id FROM messages)",
    ));
    rows
}

/// The strings a query gives, sorted.
fn sorted_strings(s: &Store, sql: &str) -> Vec<String> {
    let mut st = s.conn.prepare(sql).unwrap();
    let mut rows: Vec<String> = st
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    rows.sort();
    rows
}

/// Message `uid` of the test mailbox: every fourth one read.
fn message(mbox: i64, uid: u32, p: &ParsedMessage, team: bool) -> NewMessage<'_> {
    NewMessage {
        mailbox_id: mbox,
        uid,
        modseq: None,
        internal_date: 0,
        size: 100,
        seen: uid.is_multiple_of(4),
        answered: false,
        flagged: false,
        from_team: team,
        parsed: p,
    }
}

fn file(store: &mut Store, mail: &[(u32, ParsedMessage, bool)], chunk: usize, fast: bool) {
    file_by(store, mail, chunk, fast, Filer::new());
}

fn file_by(
    store: &mut Store,
    mail: &[(u32, ParsedMessage, bool)],
    chunk: usize,
    fast: bool,
    mut filer: Filer,
) {
    filer.expect(mail.len());
    let mbox = store.mailbox_id("INBOX", MailboxRole::Inbox).unwrap();
    for c in mail.chunks(chunk) {
        store
            .transaction(|tx| {
                filer.begin(tx)?;
                let mut t = BTreeSet::new();
                let batch: Vec<NewMessage<'_>> = c
                    .iter()
                    .map(|(uid, p, team)| message(mbox, *uid, p, *team))
                    .collect();
                if fast {
                    filer.put_all(tx, &batch)?;
                } else {
                    for m in &batch {
                        t.insert(Store::put_message(tx, m)?);
                    }
                }
                filer.flush(tx)?;
                Store::refresh_conversations(tx, &t)
            })
            .unwrap();
    }
}

#[test]
fn summaries_in_memory_match_the_sql_refresh() {
    let mail = mailbox();
    let mut slow = Store::open_in_memory().unwrap();
    file(&mut slow, &mail, 1000, false);
    let want = dump(&slow);
    assert!(want.iter().any(|r| r.contains("|t3|")));
    let merges: i64 = slow
        .conn
        .query_row("SELECT count(*) FROM conversation_aliases", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(merges > 5, "the mailbox merges conversations ({merges})");
    for chunk in [1, 7, 1000] {
        let mut fast = Store::open_in_memory().unwrap();
        file(&mut fast, &mail, chunk, true);
        assert_eq!(dump(&fast), want, "chunk {chunk}");
    }
    // Keeping few summaries in memory: the rest are refreshed by SQL when
    // they get another message.
    for (chunk, kept_limit) in [(1, 0), (1, 3), (7, 2), (7, 10)] {
        let mut fast = Store::open_in_memory().unwrap();
        let filer = Filer {
            kept_limit,
            ..Filer::new()
        };
        file_by(&mut fast, &mail, chunk, true, filer);
        assert_eq!(dump(&fast), want, "chunk {chunk}, kept {kept_limit}");
    }
    // Again into a cache that already holds half of it (the memory starts empty).
    let mut fast = Store::open_in_memory().unwrap();
    file(&mut fast, &mail[..mail.len() / 2], 5, true);
    file(&mut fast, &mail[mail.len() / 2..], 5, true);
    assert_eq!(dump(&fast), want);
}

/// History filled in behind a newest page: the newer half is cached
/// first, then the older half is filed by a new filer, which reads the
/// small cache into memory; it files as the SQL path and as a filer that
/// looks every name up in SQL.
#[test]
fn history_behind_a_cached_page_files_as_sql_does() {
    // Threads span both halves: roots and first replies older, later
    // replies newer; then the other way round (replies first, their roots
    // filed later merge what the page had apart).
    for replies_first in [false, true] {
        let mut mail = mailbox();
        mail.sort_by_key(|(uid, p, _)| (p.references.len(), *uid));
        if replies_first {
            mail.reverse();
        }
        let (older, newer) = mail.split_at(mail.len() / 2);
        let mut slow = Store::open_in_memory().unwrap();
        file(&mut slow, newer, 1000, false);
        file(&mut slow, older, 1000, false);
        let want = dump(&slow);
        for chunk in [1, 7, 1000] {
            for (preload_rows, kept_limit) in
                [(0, 1), (PRELOAD_ROWS, KEPT_SUMMARIES), (PRELOAD_ROWS, 2)]
            {
                let mut fast = Store::open_in_memory().unwrap();
                file(&mut fast, newer, 1000, true);
                let filer = Filer {
                    preload_rows,
                    kept_limit,
                    ..Filer::new()
                };
                file_by(&mut fast, older, chunk, true, filer);
                let at = format!(
                    "replies first {replies_first}, chunk {chunk}, preload {preload_rows}, kept {kept_limit}"
                );
                assert_eq!(dump(&fast), want, "{at}");
            }
        }
    }
}

#[test]
fn another_writer_between_chunks_is_noticed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.sqlite3");
    let mail = mailbox();
    let mut a = Store::open(&path).unwrap();
    let mut b = Store::open(&path).unwrap();
    let mbox = a.mailbox_id("INBOX", MailboxRole::Inbox).unwrap();
    // As a first sync: the Message-ID index is left to the end.
    assert!(a.prepare_indexes(true, 0, false).unwrap());
    let mut filer = Filer::new();
    for (i, (uid, p, team)) in mail.iter().enumerate() {
        // Every other message is filed by another connection.
        let (store, f) = if i % 2 == 0 {
            (&mut a, Some(&mut filer))
        } else {
            (&mut b, None)
        };
        store
            .transaction(|tx| {
                let m = message(mbox, *uid, p, *team);
                match f {
                    Some(f) => {
                        f.begin(tx)?;
                        f.put(tx, &m)?;
                        f.flush(tx).map(|_| ())
                    }
                    None => {
                        let c = Store::put_message(tx, &m)?;
                        Store::refresh_conversations(tx, &BTreeSet::from([c]))
                    }
                }
            })
            .unwrap();
    }
    // The first foreign write made the filer build it (and the body
    // queue) before its lookups; the report indexes wait for the end of
    // the write (`build_indexes`).
    assert_eq!(a.deferred_indexes_present().unwrap(), 2);
    a.build_indexes().unwrap();
    assert_eq!(a.deferred_indexes_present().unwrap(), 4);
    let mut want = Store::open_in_memory().unwrap();
    file(&mut want, &mail, 1000, false);
    assert_eq!(dump(&a), dump(&want));
}

/// Which conversation each message is in, and each conversation's counts.
fn grouping(s: &Store) -> Vec<String> {
    sorted_strings(
        s,
        "SELECT uid || '>' || conversation_id FROM messages
         UNION ALL SELECT id || ':' || message_count || ':' || coalesce(waiting_since, '-')
         FROM conversations WHERE message_count > 0",
    )
}

/// A thread in the order its mail was written: `n` messages, each replying
/// to the one before; every third lost its References (In-Reply-To only),
/// and those from `cut + 3` on quote a chain that leaves out `{tag}.{cut}`.
fn chronological(tag: &str, n: usize, cut: usize) -> Vec<(u32, ParsedMessage, bool)> {
    (0..n)
        .map(|i| {
            let mut refs: Vec<String> = (0..i).map(|j| format!("<{tag}.{j}@x>")).collect();
            if i % 3 == 2 {
                refs = refs[refs.len() - 1..].to_vec();
            }
            if i > cut + 2 {
                refs.retain(|r| *r != format!("<{tag}.{cut}@x>"));
            }
            let raw = reply(
                if i % 2 == 1 {
                    "support@example.com"
                } else {
                    "c@shop.test"
                },
                tag,
                &format!("<{tag}.{i}@x>"),
                &refs,
                &chrono::DateTime::from_timestamp(1_700_000_000 + i as i64 * 60, 0)
                    .unwrap()
                    .to_rfc2822(),
                "body",
            );
            (i as u32 + 1, parse_message(raw.as_bytes(), 0), i % 2 == 1)
        })
        .collect()
}

/// A split by hand gives the same grouping on a client that had the thread
/// up to the split point when the split came and filed the rest after it
/// (the filer's split rules), and on a rebuilt cache that files all the mail
/// first and then regroups (the split's SQL): split points with whole and
/// with truncated References, later replies whose chain skips the split
/// point, in one chunk or many.
#[test]
fn a_split_groups_alike_whatever_mail_came_after_it() {
    use crate::domain::events::{Event, EventKind};
    let split = |s: &mut Store, point: &str| {
        let e = Event {
            id: format!("split-{point}"),
            conversation: "x".into(),
            agent: "ana@example.com".into(),
            at: 0,
            kind: EventKind::Split {
                message_id: point.to_string(),
            },
        };
        s.transaction(|tx| {
            Store::apply_log(
                tx,
                &[(
                    1,
                    Ok(crate::domain::roster::Signed::team_key_only(e.clone())),
                )],
            )
            .map(|_| ())
        })
        .unwrap();
    };
    for (tag, n, cut) in [("a", 9, 3), ("b", 9, 2), ("c", 8, 5), ("d", 6, 1)] {
        let mail = chronological(tag, n, cut);
        let point = format!("{tag}.{cut}@x");
        let mut rebuilt = Store::open_in_memory().unwrap();
        file(&mut rebuilt, &mail, 1000, true);
        let whole = grouping(&rebuilt);
        split(&mut rebuilt, &point);
        let want = grouping(&rebuilt);
        assert_ne!(want, whole, "{point}: the split moved messages");
        for chunk in [1, 2, 1000] {
            let mut client = Store::open_in_memory().unwrap();
            file(&mut client, &mail[..=cut], 1000, true);
            split(&mut client, &point);
            file(&mut client, &mail[cut + 1..], chunk, true);
            assert_eq!(grouping(&client), want, "{point}, chunk {chunk}");
        }
    }
}
