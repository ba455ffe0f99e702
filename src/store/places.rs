//! Where a conversation is: in a team inbox (the inbox views) or filed in
//! Archive, Junk or Trash. The place is derived from the folders its
//! messages are in on the server, so every client agrees once it has
//! synced, and a resync from an empty cache gives the same places. A move
//! the agent made is local first (`messages.moved_to`, a queued
//! [`Op::Move`]) until the sync sees the messages leave their folder.

use super::pending::{MoveOp, Op};
use super::{MailboxRole, Store};
use anyhow::Result;
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::{BTreeMap, BTreeSet};

/// The roles of the folders a conversation can be filed in.
const FILING: &str = "('archive', 'junk', 'trash')";

/// The conversations that may have a place: those with one, and those with
/// mail in a filing folder. Two queries, each on its index: as one UNION
/// (or a join with the folders) SQLite scanned every cached conversation
/// or message, most of a first sync's serial tail in a large Inbox.
fn maybe_filed() -> [String; 2] {
    [
        "SELECT id FROM conversations WHERE place IS NOT NULL".to_string(),
        format!(
            "SELECT conversation_id FROM messages
             WHERE mailbox_id IN (SELECT id FROM mailboxes WHERE role IN {FILING})"
        ),
    ]
}

/// What [`Store::file_conversation`] moved.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Moved {
    /// How many messages.
    pub count: usize,
    /// The folder most of them were in (where an undo takes them back).
    pub from: Option<String>,
}

/// A message [`Store::file_conversation`] may move.
struct Row {
    id: i64,
    message_id: String,
    uid: u32,
    mailbox: i64,
    /// Its folder, and that folder's UIDVALIDITY as the cache knows it.
    name: String,
    validity: Option<u32>,
    /// The folder a queued move takes it to.
    moving_to: Option<String>,
}

impl Store {
    /// Moves the messages of `conv` that are in a team inbox or a filing
    /// folder (never Sent) to folder `to` (created in the cache with
    /// `role` if new): at once here, queued for the server.
    pub fn file_conversation(&mut self, conv: &str, to: &str, role: MailboxRole) -> Result<Moved> {
        let target = self.mailbox_id(to, role)?;
        let now = chrono::Utc::now().timestamp();
        let moved = self.transaction(|tx| {
            let rows: Vec<Row> = tx
                .prepare(
                    "SELECT m.id, m.message_id, m.uid, m.mailbox_id, b.name, b.uidvalidity, t.name
                     FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id
                     LEFT JOIN mailboxes t ON t.id = m.moved_to
                     WHERE m.conversation_id = ?1
                       AND coalesce(t.role, b.role) IN ('inbox', 'archive', 'junk', 'trash')
                     ORDER BY b.name, m.uid",
                )?
                .query_map([conv], |r| {
                    Ok(Row {
                        id: r.get(0)?,
                        message_id: r.get(1)?,
                        uid: r.get(2)?,
                        mailbox: r.get(3)?,
                        name: r.get(4)?,
                        validity: r.get(5)?,
                        moving_to: r.get(6)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            let mut ops: BTreeMap<(String, u32), MoveOp> = BTreeMap::new();
            let mut from: BTreeMap<String, usize> = BTreeMap::new();
            let mut set = tx.prepare_cached("UPDATE messages SET moved_to = ?2 WHERE id = ?1")?;
            let mut count = 0;
            for Row {
                id,
                message_id,
                uid,
                mailbox,
                name,
                validity,
                moving_to,
            } in rows
            {
                let now_in = moving_to.clone().unwrap_or_else(|| name.clone());
                if now_in == to {
                    continue;
                }
                // Where the server has it now (or will, once an earlier
                // queued move is done), and how to find it there.
                let (key, uid) = match (moving_to, validity) {
                    (None, Some(v)) => ((name, v), Some(uid)),
                    (Some(t), _) => ((t, 0), None),
                    (None, None) => ((name, 0), None),
                };
                let op = ops.entry(key.clone()).or_insert_with(|| MoveOp {
                    from: key.0.clone(),
                    uidvalidity: key.1,
                    uids: Vec::new(),
                    message_ids: Vec::new(),
                    to: to.to_string(),
                });
                op.uids.extend(uid);
                op.message_ids.push(message_id);
                *from.entry(now_in).or_default() += 1;
                let back_home = mailbox == target;
                set.execute(params![id, (!back_home).then_some(target)])?;
                count += 1;
            }
            for op in ops.into_values() {
                tx.execute(
                    "INSERT INTO pending_ops(kind, payload, created_at) VALUES ('move', ?1, ?2)",
                    params![serde_json::to_string(&Op::Move(op))?, now],
                )?;
            }
            refresh_places(tx, &BTreeSet::from([conv.to_string()]))?;
            let from = from.into_iter().max_by_key(|(_, n)| *n).map(|(f, _)| f);
            Ok(Moved { count, from })
        })?;
        Ok(moved)
    }

    /// The place of `conv`: None in the inbox views, else the filing
    /// folder's role (`archive`, `junk`, `trash`).
    pub fn place(&self, conv: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT place FROM conversations WHERE id = ?1",
                [conv],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    /// The folders a conversation can be moved to: the team inboxes and
    /// the filing folders the cache knows, with their roles.
    pub fn move_targets(&self) -> Result<Vec<(String, String)>> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT name, role FROM mailboxes WHERE role = 'inbox' OR role IN {FILING} ORDER BY role != 'inbox', name"
        ))?;
        Ok(st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// The folder of `role` the cache knows (the sync found it), if any.
    pub fn folder_of_role(&self, role: MailboxRole) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT name FROM mailboxes WHERE role = ?1 ORDER BY id LIMIT 1",
                [role.as_str()],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// After a sync of mailbox `mbox` (of `role`) that touched `touched`
    /// (`None`: too many to list, any conversation with mail there):
    /// moves no longer queued are settled (what is still in the folder
    /// did not move: the server refused or found nothing), and the places
    /// of the conversations that may have moved are refreshed. Returns the
    /// conversations whose place changed.
    pub fn settle_places(
        &mut self,
        mbox: i64,
        role: MailboxRole,
        touched: Option<&BTreeSet<String>>,
    ) -> Result<BTreeSet<String>> {
        self.transaction(|tx| {
            let queued: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM pending_ops WHERE kind = 'move')",
                [],
                |r| r.get(0),
            )?;
            let mut ids = BTreeSet::new();
            if !queued {
                let stuck: Vec<String> = tx
                    .prepare_cached(
                        "SELECT DISTINCT conversation_id FROM messages WHERE mailbox_id = ?1 AND moved_to IS NOT NULL",
                    )?
                    .query_map([mbox], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                if !stuck.is_empty() {
                    tracing::info!(
                        count = stuck.len(),
                        "moves the server did not make are taken back"
                    );
                    tx.execute(
                        "UPDATE messages SET moved_to = NULL WHERE mailbox_id = ?1 AND moved_to IS NOT NULL",
                        [mbox],
                    )?;
                }
                ids.extend(stuck);
            }
            match (role, touched) {
                (MailboxRole::Archive | MailboxRole::Junk | MailboxRole::Trash, Some(touched)) => {
                    ids.extend(touched.iter().cloned())
                }
                (MailboxRole::Archive | MailboxRole::Junk | MailboxRole::Trash, None) => {
                    let all: Vec<String> = tx
                        .prepare_cached(
                            "SELECT DISTINCT conversation_id FROM messages WHERE mailbox_id = ?1",
                        )?
                        .query_map([mbox], |r| r.get(0))?
                        .collect::<rusqlite::Result<_>>()?;
                    ids.extend(all);
                }
                // New mail there brings a conversation back (one that is
                // filed has a place); mail that left it may file it.
                (MailboxRole::Inbox, Some(touched)) if touched.len() <= 2000 => {
                    ids.extend(touched.iter().cloned())
                }
                (MailboxRole::Inbox, touched) => {
                    let mut maybe = BTreeSet::new();
                    for sql in maybe_filed() {
                        let mut st = tx.prepare(&sql)?;
                        for id in st.query_map([], |r| r.get::<_, String>(0))? {
                            maybe.insert(id?);
                        }
                    }
                    match touched {
                        Some(touched) => ids.extend(touched.intersection(&maybe).cloned()),
                        // Too many to list: those of them with mail here.
                        None => {
                            let mut here = tx.prepare_cached(
                                "SELECT EXISTS(SELECT 1 FROM messages
                                 WHERE conversation_id = ?1 AND mailbox_id = ?2)",
                            )?;
                            for id in maybe {
                                if here.query_row(params![id, mbox], |r| r.get(0))? {
                                    ids.insert(id);
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
            refresh_places(tx, &ids)
        })
    }
}

/// Recomputes the place of each conversation in `ids`; returns those whose
/// place changed.
pub(super) fn refresh_places(
    tx: &Transaction<'_>,
    ids: &BTreeSet<String>,
) -> Result<BTreeSet<String>> {
    let mut in_inbox = tx.prepare_cached(
        "SELECT EXISTS(SELECT 1 FROM messages m JOIN mailboxes b ON b.id = coalesce(m.moved_to, m.mailbox_id)
         WHERE m.conversation_id = ?1 AND b.role = 'inbox')",
    )?;
    let mut filed = tx.prepare_cached(&format!(
        "SELECT b.role FROM messages m JOIN mailboxes b ON b.id = coalesce(m.moved_to, m.mailbox_id)
         WHERE m.conversation_id = ?1 AND b.role IN {FILING} ORDER BY m.date DESC, m.id DESC LIMIT 1"
    ))?;
    let mut set =
        tx.prepare_cached("UPDATE conversations SET place = ?2 WHERE id = ?1 AND place IS NOT ?2")?;
    let mut changed = BTreeSet::new();
    for id in ids {
        let place: Option<String> = if in_inbox.query_row([id], |r| r.get::<_, bool>(0))? {
            None
        } else {
            filed.query_row([id], |r| r.get(0)).optional()?
        };
        if set.execute(params![id, place])? > 0 {
            changed.insert(id.clone());
        }
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Settling an Inbox sync too large to list what it touched reads the
    /// messages of the filing folders only, not every cached message.
    #[test]
    fn the_conversations_that_may_be_filed_are_found_without_a_scan() {
        let s = Store::open_in_memory().unwrap();
        for sql in maybe_filed() {
            let plan = s.query_plan(&sql, []);
            assert!(
                !plan
                    .iter()
                    .any(|p| p.starts_with("SCAN") && !p.starts_with("SCAN mailboxes")),
                "{plan:?}"
            );
        }
    }

    /// A history fill of a whole folder does not list what it touched:
    /// settling every conversation of each folder finds the same places
    /// as settling the listed ones (the demo's archive and inbox).
    #[test]
    fn settling_an_unlisted_sync_finds_every_place() {
        let mut s = Store::open_in_memory().unwrap();
        crate::demo::load(&mut s, &crate::config::Config::demo(), 1_800_000_000).unwrap();
        let places = |s: &Store| -> Vec<(String, Option<String>)> {
            s.conn
                .prepare("SELECT id, place FROM conversations ORDER BY id")
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        };
        let before = places(&s);
        assert!(
            before.iter().any(|(_, p)| p.is_some()),
            "the demo files some"
        );
        assert!(before.iter().any(|(_, p)| p.is_none()), "and keeps some");
        s.conn
            .execute("UPDATE conversations SET place = 'trash'", [])
            .unwrap();
        let folders: Vec<(i64, String)> = s
            .conn
            .prepare("SELECT id, role FROM mailboxes ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        for (id, role) in folders {
            let role = MailboxRole::parse(&role).unwrap();
            s.settle_places(id, role, None).unwrap();
        }
        assert_eq!(places(&s), before);
    }
}
