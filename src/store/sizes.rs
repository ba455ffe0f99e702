//! Messages cached before their size was known: a first sync's newest page
//! (see `sync/sizes.rs`). A real message is never 0 octets, so a size of 0
//! means "not known yet"; a partial index lists those rows.

use super::{AUTO_BODY_MAX, Store, messages::index_text};
use anyhow::Result;
use rusqlite::{OptionalExtension, params};

/// A folder with messages whose size is still to fetch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unsized {
    pub mailbox_id: i64,
    pub name: String,
    pub uidvalidity: u32,
    /// Ascending.
    pub uids: Vec<u32>,
}

impl Store {
    /// The folders with messages whose size is not known yet.
    pub fn unsized_messages(&self) -> Result<Vec<Unsized>> {
        let rows: Vec<(i64, String, u32, u32)> = self
            .conn
            .prepare_cached(
                "SELECT m.mailbox_id, b.name, b.uidvalidity, m.uid
                 FROM messages m INDEXED BY messages_unsized
                 JOIN mailboxes b ON b.id = m.mailbox_id
                 WHERE m.size = 0 AND b.uidvalidity IS NOT NULL
                 ORDER BY m.mailbox_id, m.uid",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut out: Vec<Unsized> = Vec::new();
        for (mailbox_id, name, uidvalidity, uid) in rows {
            match out.last_mut() {
                Some(u) if u.mailbox_id == mailbox_id => u.uids.push(uid),
                _ => out.push(Unsized {
                    mailbox_id,
                    name,
                    uidvalidity,
                    uids: vec![uid],
                }),
            }
        }
        Ok(out)
    }

    /// Records the sizes the server gave for `asked` (UIDs of `mailbox_id`
    /// whose size was unknown); a UID it did not answer for (expunged
    /// meanwhile: the next resync removes it) gets 1, so it is not asked
    /// again. A message now known to be over [`AUTO_BODY_MAX`] is indexed
    /// by subject and sender at once, as a header sync indexes it (its body
    /// waits until it is opened).
    pub fn set_sizes(
        &mut self,
        mailbox_id: i64,
        asked: &[u32],
        sizes: &[(u32, u32)],
    ) -> Result<()> {
        let known: std::collections::HashMap<u32, u32> = sizes.iter().copied().collect();
        self.transaction(|tx| {
            let mut update = tx.prepare_cached(
                "UPDATE messages SET size = max(?3, 1)
                 WHERE mailbox_id = ?1 AND uid = ?2 AND size = 0
                 RETURNING id, size, body_state = 'headers', subject, from_name, from_email",
            )?;
            for &uid in asked {
                let size = known.get(&uid).copied().unwrap_or(1);
                type Row = (i64, i64, bool, String, Option<String>, String);
                let row: Option<Row> = update
                    .query_row(params![mailbox_id, uid, size], |r| {
                        Ok((
                            r.get(0)?,
                            r.get(1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                        ))
                    })
                    .optional()?;
                if let Some((id, size, headers_only, subject, from_name, from_email)) = row
                    && headers_only
                    && size > AUTO_BODY_MAX as i64
                {
                    index_text(tx, id, &subject, from_name.as_deref(), &from_email, "")?;
                }
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{MailboxRole, NewMessage};

    #[test]
    fn unknown_sizes_are_listed_until_set_and_large_ones_indexed() {
        let mut s = Store::open_in_memory().unwrap();
        let mbox = s.mailbox_id("INBOX", MailboxRole::Inbox).unwrap();
        s.transaction(|tx| {
            Store::save_mailbox_state(
                tx,
                mbox,
                crate::store::MailboxState {
                    uidvalidity: 7,
                    uidnext: 10,
                    highestmodseq: None,
                },
            )
        })
        .unwrap();
        for uid in 1..=3u32 {
            let raw = format!(
                "From: Ann <ann@example.com>\r\nSubject: zebra{uid}\r\nMessage-ID: <m{uid}@x>\r\nDate: Mon, 7 Dec 2026 10:00:00 +0000\r\n\r\n"
            );
            let p = crate::mail::parse_headers(raw.as_bytes(), 0, 0);
            s.transaction(|tx| {
                Store::put_message(
                    tx,
                    &NewMessage {
                        mailbox_id: mbox,
                        uid,
                        modseq: None,
                        internal_date: 0,
                        size: if uid == 3 { 500 } else { 0 },
                        seen: false,
                        answered: false,
                        flagged: false,
                        from_team: false,
                        parsed: &p,
                    },
                )
                .map(|_| ())
            })
            .unwrap();
        }
        let u = s.unsized_messages().unwrap();
        assert_eq!(
            u,
            vec![Unsized {
                mailbox_id: mbox,
                name: "INBOX".into(),
                uidvalidity: 7,
                uids: vec![1, 2],
            }]
        );
        let found = |s: &Store, word: &str| s.fts_matches(word);
        assert_eq!(
            found(&s, "zebra1"),
            0,
            "headers only: indexed with the body"
        );
        // Uid 1 is large, uid 2 did not answer (expunged meanwhile).
        s.set_sizes(mbox, &[1, 2], &[(1, 3 << 20)]).unwrap();
        assert!(s.unsized_messages().unwrap().is_empty());
        let size = |uid: u32| -> i64 {
            s.conn
                .query_row("SELECT size FROM messages WHERE uid = ?1", [uid], |r| {
                    r.get(0)
                })
                .unwrap()
        };
        assert_eq!((size(1), size(2), size(3)), (3 << 20, 1, 500));
        assert_eq!(
            found(&s, "zebra1"),
            1,
            "too large to fetch by itself: indexed now"
        );
        assert_eq!(found(&s, "zebra2"), 0);
    }
}
