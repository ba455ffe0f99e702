//! Which conversation a new message joins, and merges when a message links
//! two conversations (a late message with a truncated References chain).
//!
//! Every message names Message-IDs: its own, In-Reply-To and References.
//! `message_links` remembers which conversation each name was filed under.
//! A new message joins the conversation of any name it shares; if it shares
//! names with several, they merge. The survivor is the smallest conversation
//! id among them and the message's own, so the final grouping and ids are the
//! same on every client whatever order the mail arrived in.

use crate::domain::thread::conversation_id;
use crate::mail::ParsedMessage;
use anyhow::Result;
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::BTreeSet;

/// The conversation `id` now lives under (itself unless merged away).
pub fn canonical(tx: &Transaction<'_>, id: &str) -> Result<String> {
    let c: Option<String> = tx
        .prepare_cached("SELECT canonical FROM conversation_aliases WHERE alias = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    Ok(c.unwrap_or_else(|| id.to_string()))
}

/// Files `p` under a conversation (creating or merging as needed) and returns its id.
pub fn file_message(tx: &Transaction<'_>, p: &ParsedMessage) -> Result<String> {
    let own = canonical(tx, &conversation_id(&p.conversation_key))?;
    let mut names: Vec<&str> = vec![p.message_id.as_str()];
    names.extend(p.in_reply_to.as_deref());
    names.extend(p.references.iter().map(String::as_str));
    let mut convs = BTreeSet::from([own.clone()]);
    // Links always point at live conversations: a merge moves them to the
    // survivor. (One indexed probe per name: an IN over json_each would
    // build temporary b-trees on every call.)
    let mut q =
        tx.prepare_cached("SELECT conversation_id FROM message_links WHERE message_id = ?1")?;
    for n in &names {
        for c in q.query_map([n], |r| r.get::<_, String>(0))? {
            convs.insert(c?);
        }
    }
    let target = convs.first().cloned().unwrap_or(own);
    tx.prepare_cached(
        "INSERT INTO conversations(id, root_key, subject, first_date, last_date) VALUES (?1, ?2, ?3, ?4, ?4)
         ON CONFLICT DO NOTHING",
    )?
    .execute(params![target, p.conversation_key, p.subject, p.date])?;
    for other in convs.iter().filter(|c| **c != target) {
        merge(tx, other, &target)?;
    }
    let mut link = tx.prepare_cached(
        "INSERT OR IGNORE INTO message_links(message_id, conversation_id) VALUES (?1, ?2)",
    )?;
    for n in &names {
        link.execute(params![n, target])?;
    }
    Ok(target)
}

/// Moves everything of conversation `from` into `into` and records the alias.
fn merge(tx: &Transaction<'_>, from: &str, into: &str) -> Result<()> {
    tracing::debug!(from, into, "merging conversations linked by a message");
    tx.prepare_cached("UPDATE messages SET conversation_id = ?2 WHERE conversation_id = ?1")?
        .execute(params![from, into])?;
    tx.prepare_cached(
        "INSERT OR IGNORE INTO message_links(message_id, conversation_id)
         SELECT message_id, ?2 FROM message_links WHERE conversation_id = ?1",
    )?
    .execute(params![from, into])?;
    tx.prepare_cached("DELETE FROM message_links WHERE conversation_id = ?1")?
        .execute([from])?;
    tx.prepare_cached(
        "INSERT OR IGNORE INTO conversation_labels(conversation_id, label)
         SELECT ?2, label FROM conversation_labels WHERE conversation_id = ?1",
    )?
    .execute(params![from, into])?;
    // Team state the survivor lacks comes from the merged conversation.
    tx.prepare_cached("UPDATE conversations SET assignee = coalesce(assignee, (SELECT assignee FROM conversations WHERE id = ?1))
         WHERE id = ?2")?.execute(params![from, into],
    )?;
    tx.prepare_cached(
        "INSERT OR REPLACE INTO conversation_aliases(alias, canonical) VALUES (?1, ?2)",
    )?
    .execute(params![from, into])?;
    tx.prepare_cached("UPDATE conversation_aliases SET canonical = ?2 WHERE canonical = ?1")?
        .execute(params![from, into])?;
    tx.prepare_cached("DELETE FROM conversations WHERE id = ?1")?
        .execute([from])?;
    Ok(())
}
