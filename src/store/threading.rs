//! Which conversation a new message joins, and merges when a message links
//! two conversations (a late message with a truncated References chain).
//!
//! Every message names Message-IDs: its own, In-Reply-To and References.
//! A cached message's row says which conversation its own Message-ID was
//! filed under; `message_links` says it for the other names (a parent not
//! in the cache, or one since expunged: [`keep_names`] moves a row's name
//! there before the row goes), so the cache never forgets a name.
//! A new message joins the conversation of any name it shares; if it shares
//! names with several, they merge. The survivor is the smallest conversation
//! id among them and the message's own, so the final grouping and ids are the
//! same on every client whatever order the mail arrived in.
//!
//! The filing itself, with its lookups cached in memory, is `filer.rs`.

use anyhow::Result;
use rusqlite::{OptionalExtension, Transaction, params};

/// The conversation `id` now lives under (itself unless merged away).
pub fn canonical(tx: &Transaction<'_>, id: &str) -> Result<String> {
    let c: Option<String> = tx
        .prepare_cached("SELECT canonical FROM conversation_aliases WHERE alias = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    Ok(c.unwrap_or_else(|| id.to_string()))
}

/// Moves everything of conversation `from` into `into` and records the alias.
pub(super) fn merge(tx: &Transaction<'_>, from: &str, into: &str) -> Result<()> {
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
    tx.prepare_cached(
        "INSERT OR IGNORE INTO conversation_followers(conversation_id, agent)
         SELECT ?2, agent FROM conversation_followers WHERE conversation_id = ?1",
    )?
    .execute(params![from, into])?;
    tx.prepare_cached(
        "UPDATE conversations SET review_waiting = max(review_waiting,
            coalesce((SELECT review_waiting FROM conversations WHERE id = ?1), 0)) WHERE id = ?2",
    )?
    .execute(params![from, into])?;
    // Team state the survivor lacks comes from the merged conversation.
    tx.prepare_cached("UPDATE conversations SET assignee = coalesce(assignee, (SELECT assignee FROM conversations WHERE id = ?1))
         WHERE id = ?2")?.execute(params![from, into],
    )?;
    alias(tx, from, into)?;
    tx.prepare_cached("UPDATE conversation_aliases SET canonical = ?2 WHERE canonical = ?1")?
        .execute(params![from, into])?;
    tx.prepare_cached("DELETE FROM conversations WHERE id = ?1")?
        .execute([from])?;
    Ok(())
}

/// Records that conversation id `from` now lives under `into`.
pub(super) fn alias(tx: &Transaction<'_>, from: &str, into: &str) -> Result<()> {
    tx.prepare_cached(
        "INSERT OR REPLACE INTO conversation_aliases(alias, canonical) VALUES (?1, ?2)",
    )?
    .execute(params![from, into])?;
    Ok(())
}

/// Keeps the Message-IDs of the messages `filter` selects (a condition on
/// `messages`, with the given parameters) as links, before they are deleted.
pub(super) fn keep_names(
    tx: &Transaction<'_>,
    filter: &str,
    params: impl rusqlite::Params,
) -> Result<()> {
    tx.prepare_cached(&format!(
        "INSERT OR IGNORE INTO message_links(message_id, conversation_id)
         SELECT message_id, conversation_id FROM messages WHERE {filter}"
    ))?
    .execute(params)?;
    Ok(())
}

/// A merge by hand (a `merge` event on `a`, naming `b`): the two
/// conversations they live under become one, the smaller id surviving as
/// in a merge by links, so every client ends with the same conversation
/// whatever order the mail and the event came in. Returns the survivor.
pub(super) fn merge_by_hand(tx: &Transaction<'_>, a: &str, b: &str) -> Result<String> {
    let (x, y) = (canonical(tx, a)?, canonical(tx, b)?);
    if x == y {
        return Ok(x);
    }
    let (from, into) = if x < y { (y, x) } else { (x, y) };
    tracing::debug!(from, into, "merging conversations by hand");
    tx.prepare_cached(
        "INSERT INTO conversations(id, root_key) VALUES (?1, 'event:' || ?1) ON CONFLICT DO NOTHING",
    )?
    .execute([&into])?;
    let exists: bool = tx
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM conversations WHERE id = ?1)")?
        .query_row([&from], |r| r.get(0))?;
    if exists {
        merge(tx, &from, &into)?;
    } else {
        alias(tx, &from, &into)?;
        tx.prepare_cached("UPDATE conversation_aliases SET canonical = ?2 WHERE canonical = ?1")?
            .execute(params![from, into])?;
    }
    let ids = std::collections::BTreeSet::from([into.clone()]);
    super::Store::refresh_conversations(tx, &ids)?;
    super::places::refresh_places(tx, &ids)?;
    Ok(into)
}

impl super::Store {
    /// The conversation `id` lives under now (itself unless merged away).
    pub fn canonical(&self, id: &str) -> Result<String> {
        let c: Option<String> = self
            .conn
            .prepare_cached("SELECT canonical FROM conversation_aliases WHERE alias = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?;
        Ok(c.unwrap_or_else(|| id.to_string()))
    }
}
