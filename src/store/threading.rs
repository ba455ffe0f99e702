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
pub fn canonical(conn: &rusqlite::Connection, id: &str) -> Result<String> {
    let c: Option<String> = conn
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
    alias_all(tx, from, into)?;
    tx.prepare_cached("DELETE FROM conversations WHERE id = ?1")?
        .execute([from])?;
    Ok(())
}

/// Records that conversation `from` now lives under `into`, and so does
/// every id that lived under `from`.
fn alias_all(tx: &Transaction<'_>, from: &str, into: &str) -> Result<()> {
    alias(tx, from, into)?;
    tx.prepare_cached("UPDATE conversation_aliases SET canonical = ?2 WHERE canonical = ?1")?
        .execute(params![from, into])?;
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
        alias_all(tx, &from, &into)?;
    }
    let ids = std::collections::BTreeSet::from([into.clone()]);
    super::Store::refresh_conversations(tx, &ids)?;
    super::places::refresh_places(tx, &ids)?;
    Ok(into)
}

impl super::Store {
    /// The conversation `id` lives under now (itself unless merged away).
    pub fn canonical(&self, id: &str) -> Result<String> {
        canonical(&self.conn, id)
    }
}

/// A split by hand (a `split` event): message `message_id` and every
/// message of its conversation that replies to it, directly or through
/// another (In-Reply-To or References), move to a conversation of their
/// own, whose id comes from that Message-ID as a thread root's does. The
/// filer keeps them apart from then on (see `Filer::names_of`). Returns the
/// two conversations, or None when the message is not in the cache yet
/// (the filer splits it when it comes).
pub(super) fn split_by_hand(
    tx: &Transaction<'_>,
    message_id: &str,
) -> Result<Option<(String, String)>> {
    let from: Option<String> = tx
        .prepare_cached("SELECT conversation_id FROM messages WHERE message_id = ?1 LIMIT 1")?
        .query_row([message_id], |r| r.get(0))
        .optional()?;
    let Some(from) = from else { return Ok(None) };
    let new = crate::domain::thread::conversation_id(message_id);
    // Each message once: its id, its chain (References, then In-Reply-To)
    // and its conversation key.
    let rows: Vec<(String, Vec<String>, String)> = tx
        .prepare_cached(
            "SELECT message_id, in_reply_to, refs FROM messages WHERE conversation_id = ?1",
        )?
        .query_map([&from], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .map(|row| {
            let (id, irt, refs) = row?;
            let refs: Vec<String> = serde_json::from_str(&refs).unwrap_or_default();
            let key =
                crate::domain::thread::conversation_key(&crate::domain::thread::ThreadHeaders {
                    message_id: Some(&id),
                    in_reply_to: irt.as_deref(),
                    references: &refs,
                    ..Default::default()
                });
            let mut chain = refs.clone();
            chain.extend(irt);
            Ok((id, chain, key))
        })
        .collect::<rusqlite::Result<_>>()?;
    let mut moving = std::collections::BTreeSet::from([message_id.to_string()]);
    loop {
        let before = moving.len();
        for (id, chain, _) in &rows {
            if !moving.contains(id) && chain.iter().any(|n| moving.contains(n)) {
                moving.insert(id.clone());
            }
        }
        if moving.len() == before {
            break;
        }
    }
    let staying: std::collections::BTreeSet<&String> = rows
        .iter()
        .map(|(id, _, _)| id)
        .filter(|id| !moving.contains(*id))
        .collect();
    // The names that go with them: their own, and those after the last
    // moving message in a moving message's chain (parents not cached),
    // as the filer cuts a chain at a split point (`Filer::names_of`).
    let mut names = moving.clone();
    for (_, c, _) in rows.iter().filter(|(id, _, _)| moving.contains(id)) {
        if let Some(pos) = c.iter().rposition(|n| moving.contains(n)) {
            names.extend(
                c[pos + 1..]
                    .iter()
                    .filter(|n| !staying.contains(*n))
                    .cloned(),
            );
        }
    }
    if staying.is_empty() && new == from {
        return Ok(None); // split already (or it is the root and alone)
    }
    // Each part takes the id the filer would give it: the part that goes,
    // the split point's; the part that stays, the smallest its own
    // messages' keys give (a conversation's id is the smallest of its keys').
    let rest = rows
        .iter()
        .filter(|(id, _, _)| staying.contains(id))
        .map(|(_, _, k)| (crate::domain::thread::conversation_id(k), k.clone()))
        .min();
    let mut ids = std::collections::BTreeSet::from([from.clone(), new.clone()]);
    if new != from {
        move_part(tx, &from, &new, message_id, names.iter())?;
    }
    if let Some((rest_id, rest_key)) = rest.filter(|(id, _)| *id != from) {
        let linked: Vec<String> = tx
            .prepare_cached("SELECT message_id FROM message_links WHERE conversation_id = ?1")?
            .query_map([&from], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let stay: Vec<String> = staying
            .iter()
            .map(|s| (*s).clone())
            .chain(linked.into_iter().filter(|n| !names.contains(n)))
            .collect();
        move_part(tx, &from, &rest_id, &rest_key, stay.iter())?;
        if new != from {
            // Nothing is left under the old id: it leads to what stayed
            // (its team state goes with it).
            tx.prepare_cached("DELETE FROM conversations WHERE id = ?1")?
                .execute([&from])?;
            alias_all(tx, &from, &rest_id)?;
            ids.remove(&from);
        }
        ids.insert(rest_id);
    }
    super::Store::refresh_conversations(tx, &ids)?;
    super::places::refresh_places(tx, &ids)?;
    for id in &ids {
        super::team::refold(tx, id)?;
    }
    Ok(Some((from, new)))
}

/// Moves the messages and links `names` of conversation `from` to
/// conversation `to` (created with root key `root` if new).
fn move_part<'n>(
    tx: &Transaction<'_>,
    from: &str,
    to: &str,
    root: &str,
    names: impl Iterator<Item = &'n String>,
) -> Result<()> {
    tx.prepare_cached("DELETE FROM conversation_aliases WHERE alias = ?1")?
        .execute([to])?;
    tx.prepare_cached(
        "INSERT INTO conversations(id, root_key, first_date, last_date) VALUES (?1, ?2, 0, 0)
         ON CONFLICT DO NOTHING",
    )?
    .execute(params![to, root])?;
    let mut mv = tx.prepare_cached(
        "UPDATE messages SET conversation_id = ?2 WHERE conversation_id = ?3 AND message_id = ?1",
    )?;
    let mut link = tx.prepare_cached(
        "UPDATE OR REPLACE message_links SET conversation_id = ?2 WHERE conversation_id = ?3 AND message_id = ?1",
    )?;
    for n in names {
        mv.execute(params![n, to, from])?;
        link.execute(params![n, to, from])?;
    }
    Ok(())
}
