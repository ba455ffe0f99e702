//! Newest first: which folders' history (the UIDs below the newest page a
//! first sync fetched) is still to fetch. The floor is committed with the
//! messages it covers, so a sync killed anywhere resumes with no gap and no
//! duplicate (a window fetched twice replaces its rows by mailbox and UID).

use super::{MailboxRole, Store};
use anyhow::Result;
use rusqlite::{Transaction, params};

/// A folder whose older mail is still on the server only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unfetched {
    pub mailbox_id: i64,
    pub name: String,
    pub role: MailboxRole,
    /// Every UID from here up is cached; the ones below are not yet.
    pub below: u32,
}

impl Store {
    /// Records that the UIDs below `below` are still to fetch (None or 1:
    /// the folder is complete).
    pub fn save_history(tx: &Transaction<'_>, mailbox_id: i64, below: Option<u32>) -> Result<()> {
        let below = below.filter(|b| *b > 1);
        tx.prepare_cached("UPDATE mailboxes SET history_below = ?2 WHERE id = ?1")?
            .execute(params![mailbox_id, below])?;
        Ok(())
    }

    /// The folders whose history is incomplete, in the order a first sync
    /// lists them (by id).
    pub fn unfetched_history(&self) -> Result<Vec<Unfetched>> {
        let rows: Vec<(i64, String, String, u32)> = self
            .conn
            .prepare_cached(
                "SELECT id, name, role, history_below FROM mailboxes
                 WHERE history_below > 1 AND uidvalidity IS NOT NULL ORDER BY id",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows
            .into_iter()
            .filter_map(|(mailbox_id, name, role, below)| {
                Some(Unfetched {
                    mailbox_id,
                    name,
                    role: MailboxRole::parse(&role)?,
                    below,
                })
            })
            .collect())
    }

    /// Messages cached from mailbox `mailbox_id`.
    pub fn cached_count(&self, mailbox_id: i64) -> Result<usize> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM messages WHERE mailbox_id = ?1",
            [mailbox_id],
            |r| r.get::<_, i64>(0),
        )? as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_floor_is_kept_until_the_folder_is_complete() {
        let mut s = Store::open_in_memory().unwrap();
        let inbox = s.mailbox_id("INBOX", MailboxRole::Inbox).unwrap();
        let sent = s.mailbox_id("Sent", MailboxRole::Sent).unwrap();
        s.transaction(|tx| {
            Store::save_mailbox_state(
                tx,
                inbox,
                super::super::MailboxState {
                    uidvalidity: 7,
                    uidnext: 5000,
                    highestmodseq: None,
                },
            )?;
            Store::save_history(tx, inbox, Some(3001))?;
            // A folder never synced has no floor to resume from.
            Store::save_history(tx, sent, Some(10))
        })
        .unwrap();
        let u = s.unfetched_history().unwrap();
        assert_eq!(u.len(), 1);
        assert_eq!((u[0].name.as_str(), u[0].below), ("INBOX", 3001));
        s.transaction(|tx| Store::save_history(tx, inbox, Some(1)))
            .unwrap();
        assert!(s.unfetched_history().unwrap().is_empty());
        // A UIDVALIDITY change forgets the floor with the messages.
        s.transaction(|tx| Store::save_history(tx, inbox, Some(40)))
            .unwrap();
        s.transaction(|tx| Store::reset_mailbox(tx, inbox).map(|_| ()))
            .unwrap();
        assert!(s.unfetched_history().unwrap().is_empty());
        let left: Option<u32> = s
            .conn
            .query_row(
                "SELECT history_below FROM mailboxes WHERE id = ?1",
                [inbox],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(left, None);
    }
}
