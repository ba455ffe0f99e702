//! Tests of the header writer's pieces.

use super::*;

#[test]
fn the_watermark_never_passes_a_uid_still_to_come() {
    let mut m = Watermark::new(3);
    m.start(&[3, 4, 7, 9]);
    m.saw(4);
    assert_eq!(m.next_uid(), 3, "4 came before 3");
    m.saw(3);
    assert_eq!(m.next_uid(), 5);
    m.saw(9);
    assert_eq!(m.next_uid(), 5, "7 is still to come");
    // 7 was expunged meanwhile: the completed FETCH covers it.
    assert_eq!(m.finish(), 10);
    m.start(&[12]);
    assert_eq!(m.next_uid(), 10);
}

#[test]
fn commands_stay_short_on_a_fragmented_mailbox() {
    let dense: Vec<u32> = (1..=25_000).collect();
    let c = commands(&dense);
    assert_eq!(
        c.iter().map(|c| c.len()).collect::<Vec<_>>(),
        [10_000, 10_000, 5_000]
    );
    let sparse: Vec<u32> = (1..=20_000).map(|u| u * 2).collect();
    let c = commands(&sparse);
    assert!(c.iter().all(|c| uid_set(c).len() <= COMMAND_SET_CHARS));
    assert_eq!(c.concat(), sparse);
}

/// `n` messages in threads of five (a root and four replies), each
/// delivered after its parent, as a history window brings them.
fn thread_batches(n: u32, per_batch: usize) -> Vec<Chunk> {
    let all: Vec<(Fetched, ParsedMessage)> = (1..=n)
        .map(|uid| {
            let (t, i) = ((uid - 1) / 5, (uid - 1) % 5);
            let date = 1_700_000_000 + i64::from(uid) * 60;
            let refs: Vec<String> = (0..i).map(|j| format!("<m{t}.{j}@x>")).collect();
            let raw = format!(
                "From: c{t}@shop.test\r\nSubject: t{t}\r\nMessage-ID: <m{t}.{i}@x>\r\n{}Date: {}\r\n\r\n",
                if refs.is_empty() {
                    String::new()
                } else {
                    format!("In-Reply-To: {}\r\nReferences: {}\r\n", refs[refs.len() - 1], refs.join(" "))
                },
                date,
            );
            let f = Fetched {
                flags: crate::sync::imap::FlagState {
                    uid,
                    seen: uid % 3 == 0,
                    ..Default::default()
                },
                internal_date: date,
                size: 100,
                ..Default::default()
            };
            let p = crate::mail::parse_headers(raw.as_bytes(), f.internal_date, 100);
            (f, p)
        })
        .collect();
    all.chunks(per_batch).map(<[_]>::to_vec).collect()
}

/// Writes `batches` as one window of a history fill; returns every
/// conversation's summary.
fn fill(batches: Vec<Chunk>, list_touched: bool) -> Vec<(String, i64, i64, i64, String)> {
    let mut store = Store::open_in_memory().unwrap();
    let mailbox_id = store
        .mailbox_id("INBOX", crate::store::MailboxRole::Inbox)
        .unwrap();
    let n: usize = batches.iter().map(Vec::len).sum();
    let t = Target {
        mailbox_id,
        name: "INBOX",
        total: n,
        uidvalidity: 1,
        uidnext: n as u32 + 1,
        modseq: None,
        known_modseq: None,
        from_team_box: false,
        team: "support@example.com",
        began: Instant::now(),
        floor: Floor::Fill,
        cached: 0,
        expected: n,
        list_touched,
    };
    let ctx = SyncContext {
        team_address: "support@example.com",
        progress: &|_| {},
    };
    let (tx, rx) = mpsc::sync_channel(batches.len());
    let count = batches.len();
    for (i, messages) in batches.into_iter().enumerate() {
        let last = i + 1 == count;
        let floor = Some(if last { 1 } else { n as u32 + 1 });
        tx.send(Batch {
            messages,
            next_uid: 0,
            last,
            floor,
        })
        .unwrap();
    }
    drop(tx);
    let (written, _) = write(&mut store, rx, &t, &ctx).unwrap();
    assert_eq!(written, n);
    store
        .conn
        .prepare(
            "SELECT id, message_count, unread_count, last_date, snippet || '|' || subject
             FROM conversations ORDER BY id",
        )
        .unwrap()
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

#[test]
fn a_whole_history_in_long_transactions_files_as_windows_do() {
    // A whole history's fill keeps a transaction open past TX_MESSAGES and
    // writes the summaries inside it every TX_MESSAGES; the TUI's windows
    // commit each time. Both must leave the same conversations.
    let n = 3 * TX_MESSAGES as u32 / 2;
    let long = fill(thread_batches(n, TX_MESSAGES / 2 + 1), false);
    let short = fill(thread_batches(n, 1000), true);
    assert_eq!(long.len(), n as usize / 5);
    assert!(long.iter().all(|c| c.1 == 5), "threads of five");
    assert!(long == short, "filed otherwise in long transactions");
}
