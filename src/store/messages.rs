//! Writing messages into the cache, and keeping each conversation's summary
//! columns (counts, dates, snippet) in step.

use super::Store;
use crate::domain::{Address, BodyState};
use crate::mail::ParsedMessage;
use anyhow::Result;
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::{BTreeMap, BTreeSet};

/// Bodies larger than this are fetched only when their conversation is opened.
pub const AUTO_BODY_MAX: u64 = 2 << 20;

/// What a mailbox is for replypad.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailboxRole {
    Inbox,
    Sent,
    Log,
    Drafts,
    Templates,
    Outbox,
    /// Where finished conversations go (`\Archive`).
    Archive,
    /// Spam (`\Junk`).
    Junk,
    /// Deleted conversations (`\Trash`).
    Trash,
}

impl MailboxRole {
    pub fn as_str(self) -> &'static str {
        match self {
            MailboxRole::Inbox => "inbox",
            MailboxRole::Sent => "sent",
            MailboxRole::Log => "log",
            MailboxRole::Drafts => "drafts",
            MailboxRole::Templates => "templates",
            MailboxRole::Outbox => "outbox",
            MailboxRole::Archive => "archive",
            MailboxRole::Junk => "junk",
            MailboxRole::Trash => "trash",
        }
    }

    /// The role `as_str` wrote (None: not one of ours).
    pub fn parse(s: &str) -> Option<MailboxRole> {
        use MailboxRole::*;
        [
            Inbox, Sent, Log, Drafts, Templates, Outbox, Archive, Junk, Trash,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// A message to cache: where it lives on the server, its flags and its parse.
pub struct NewMessage<'a> {
    pub mailbox_id: i64,
    pub uid: u32,
    pub modseq: Option<u64>,
    pub internal_date: i64,
    pub size: u64,
    pub seen: bool,
    pub answered: bool,
    pub flagged: bool,
    pub from_team: bool,
    pub parsed: &'a ParsedMessage,
}

fn addrs_json(a: &[Address]) -> String {
    serde_json::to_string(a).unwrap_or_else(|_| "[]".into())
}

impl Store {
    /// The id of mailbox `name`, created with `role` if it is new.
    pub fn mailbox_id(&mut self, name: &str, role: MailboxRole) -> Result<i64> {
        let existing: Option<i64> = self
            .conn
            .query_row("SELECT id FROM mailboxes WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()?;
        if let Some(id) = existing {
            return Ok(id);
        }
        self.conn.execute(
            "INSERT INTO mailboxes(name, role) VALUES (?1, ?2)",
            params![name, role.as_str()],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Files `raw`, written on this machine (the demo's sent mail), into
    /// mailbox `name` as its next UID, as a sync would have fetched it:
    /// the message joins its conversation. Returns the conversation id.
    pub fn file_local(
        &mut self,
        name: &str,
        role: MailboxRole,
        raw: &[u8],
        now: i64,
        from_team: bool,
    ) -> Result<String> {
        let mailbox_id = self.mailbox_id(name, role)?;
        let parsed = crate::mail::parse_message(raw, now);
        self.transaction(|tx| {
            let uid: u32 = tx.query_row(
                "SELECT coalesce(max(uid), 0) + 1 FROM messages WHERE mailbox_id = ?1",
                [mailbox_id],
                |r| r.get(0),
            )?;
            let conv = Store::put_message(
                tx,
                &NewMessage {
                    mailbox_id,
                    uid,
                    modseq: None,
                    internal_date: now,
                    size: raw.len() as u64,
                    seen: true,
                    answered: false,
                    flagged: false,
                    from_team,
                    parsed: &parsed,
                },
            )?;
            Store::refresh_conversations(tx, &BTreeSet::from([conv.clone()]))?;
            Ok(conv)
        })
    }

    /// Caches `m` (replacing an earlier copy of the same mailbox and UID) and
    /// returns its conversation id. Call [`Store::refresh_conversations`] on the
    /// returned ids before the transaction commits. (For many messages, a
    /// [`super::Filer`] is much faster.)
    pub fn put_message(tx: &Transaction<'_>, m: &NewMessage<'_>) -> Result<String> {
        super::Filer::unsummarized().put(tx, m)
    }

    /// Recomputes the summary columns of the given conversations from their messages.
    pub fn refresh_conversations(tx: &Transaction<'_>, ids: &BTreeSet<String>) -> Result<()> {
        // One pass over the conversation's messages for every count.
        let mut agg = tx.prepare_cached(
            "UPDATE conversations SET (message_count, unread_count, first_date, last_date, has_attachment, waiting_since) =
                (SELECT count(DISTINCT message_id),
                        count(DISTINCT CASE WHEN seen = 0 AND from_team = 0 THEN message_id END),
                        coalesce(min(date), conversations.first_date),
                        coalesce(max(date), conversations.last_date),
                        coalesce(max(attachments != '[]'), 0),
                        -- the customer's first message after the team's last
                        -- (as store::summary::Summary::waiting_since)
                        min(CASE WHEN from_team = 0 AND date > coalesce(
                                (SELECT max(t.date) FROM messages t
                                 WHERE t.conversation_id = ?1 AND t.from_team = 1), -1)
                            THEN date END)
                 FROM messages WHERE conversation_id = ?1)
             WHERE id = ?1",
        )?;
        let mut first = tx.prepare_cached(
            "SELECT subject, from_name, from_email FROM messages WHERE conversation_id = ?1
             ORDER BY from_team, date, id LIMIT 1",
        )?;
        let mut latest =
            tx.prepare_cached("SELECT text FROM messages WHERE conversation_id = ?1 ORDER BY date DESC, id DESC LIMIT 1")?;
        let mut set = tx.prepare_cached(
            "UPDATE conversations SET subject = ?2, customer_name = ?3, customer_email = ?4, snippet = ?5 WHERE id = ?1",
        )?;
        let mut has_events =
            tx.prepare_cached("SELECT EXISTS(SELECT 1 FROM events WHERE conversation = ?1)")?;
        for id in ids {
            agg.execute([id])?;
            // New customer mail may reopen it: re-fold its team state.
            if has_events.query_row([id], |r| r.get::<_, bool>(0))? {
                super::team::refold(tx, id)?;
            }
            let head: Option<(String, Option<String>, String)> = first
                .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?;
            let text: Option<Option<String>> = latest.query_row([id], |r| r.get(0)).optional()?;
            if let Some((subject, name, email)) = head {
                let snippet = snippet(text.flatten().as_deref().unwrap_or(""));
                set.execute(params![id, subject, name, email, snippet])?;
            }
        }
        Ok(())
    }
}

impl Store {
    /// Refreshes what newly cached bodies can change in their
    /// conversations' summaries: the snippet and the attachment mark
    /// (counts, dates and the customer come from headers, already cached).
    /// `ids` maps each conversation to whether one of the new bodies in it
    /// has attachments: a body only adds attachments to what the headers
    /// said, so the mark is set from that without reading every message.
    pub fn refresh_after_bodies(tx: &Transaction<'_>, ids: &BTreeMap<String, bool>) -> Result<()> {
        let mut latest = tx.prepare_cached(
            "SELECT text FROM messages WHERE conversation_id = ?1 ORDER BY date DESC, id DESC LIMIT 1",
        )?;
        let mut set = tx.prepare_cached(
            "UPDATE conversations SET snippet = ?2, has_attachment = has_attachment OR ?3 WHERE id = ?1",
        )?;
        for (id, attachments) in ids {
            let text: Option<Option<String>> = latest.query_row([id], |r| r.get(0)).optional()?;
            if let Some(text) = text {
                set.execute(params![
                    id,
                    snippet(text.as_deref().unwrap_or("")),
                    attachments
                ])?;
            }
        }
        Ok(())
    }
}

/// Inserts message `m` under conversation `conv`, replacing an earlier copy
/// of the same mailbox and UID. Returns the new row id and, when a copy was
/// replaced, the conversation it was in.
pub(super) fn insert_message(
    tx: &Transaction<'_>,
    m: &NewMessage<'_>,
    conv: &str,
) -> Result<(i64, Option<String>)> {
    let p = m.parsed;
    let mut replaced = None;
    loop {
        let inserted = tx
            .prepare_cached(
                "INSERT INTO messages(mailbox_id, uid, modseq, conversation_id, message_id, in_reply_to, refs,
                    from_name, from_email, to_addrs, cc_addrs, subject, date, internal_date, size,
                    seen, answered, flagged, from_team, body_state, text, attachments, parse_error, reply_to,
                    auto_refusal)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,
                    ?21, ?22, ?23, ?24, ?25)
                 ON CONFLICT (mailbox_id, uid) DO NOTHING",
            )?
            .execute(params![
                m.mailbox_id,
                m.uid,
                m.modseq.map(|v| v as i64),
                conv,
                p.message_id,
                p.in_reply_to,
                serde_json::to_string(&p.references)?,
                p.from.name,
                p.from.email,
                addrs_json(&p.to),
                addrs_json(&p.cc),
                p.subject,
                p.date,
                m.internal_date,
                m.size as i64,
                m.seen,
                m.answered,
                m.flagged,
                m.from_team,
                p.body_state.as_str(),
                p.text,
                serde_json::to_string(&p.attachments)?,
                p.parse_error,
                addrs_json(&p.reply_to),
                p.auto_refusal,
            ])?;
        if inserted == 1 {
            break;
        }
        let (old, old_conv): (i64, String) = tx
            .prepare_cached(
                "SELECT id, conversation_id FROM messages WHERE mailbox_id = ?1 AND uid = ?2",
            )?
            .query_row(params![m.mailbox_id, m.uid], |r| Ok((r.get(0)?, r.get(1)?)))?;
        super::threading::keep_names(tx, "id = ?1", [old])?;
        tx.prepare_cached("DELETE FROM messages_fts WHERE rowid = ?1")?
            .execute([old])?;
        tx.prepare_cached("DELETE FROM messages WHERE id = ?1")?
            .execute([old])?;
        anyhow::ensure!(replaced.is_none(), "cannot replace cached message");
        replaced = Some(old_conv);
    }
    let rowid = tx.last_insert_rowid();
    // Headers-only messages are indexed when their body arrives (the
    // header sync stays fast); those too large to fetch by themselves now.
    if p.body_state != BodyState::Headers || m.size > AUTO_BODY_MAX {
        index(tx, rowid, p)?;
    }
    Ok((rowid, replaced))
}

/// Adds message `rowid` to the full-text index: subject and sender always,
/// the body once it is cached.
pub(super) fn index(tx: &Transaction<'_>, rowid: i64, p: &ParsedMessage) -> Result<()> {
    let body = if p.body_state == BodyState::Headers {
        ""
    } else {
        p.text.as_str()
    };
    let body = searchable(tx, rowid, p.in_reply_to.as_deref(), body)?;
    index_text(
        tx,
        rowid,
        &p.subject,
        p.from.name.as_deref(),
        &p.from.email,
        &body,
    )
}

/// The body text the full-text index gets for message `rowid`: without its
/// quoted lines (`>`) when the message it answers is cached too, as those
/// words are indexed with that message and a search finds the
/// conversation through it; whole otherwise (a reply to mail the cache
/// does not have). In generated support mail three words in four of a
/// body are quoted, so this is most of the indexing a first sync does.
pub(super) fn searchable<'a>(
    tx: &Transaction<'_>,
    rowid: i64,
    in_reply_to: Option<&str>,
    text: &'a str,
) -> Result<std::borrow::Cow<'a, str>> {
    let Some(parent) = in_reply_to else {
        return Ok(text.into());
    };
    if !text.lines().any(quoted) {
        return Ok(text.into());
    }
    let cached: bool = tx
        .prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM messages WHERE message_id = ?1 AND id != ?2 AND size <= ?3)",
        )?
        .query_row(params![parent, rowid, AUTO_BODY_MAX as i64], |r| r.get(0))?;
    if !cached {
        return Ok(text.into());
    }
    let mut out = String::with_capacity(text.len() / 2);
    for l in text.lines().filter(|l| !quoted(l)) {
        out.push_str(l);
        out.push('\n');
    }
    Ok(out.into())
}

/// After messages left the cache (conversation, Message-ID): replies to
/// one with no copy left are indexed again, quoted lines and all, as a
/// first sync without it would index them.
pub(super) fn reindex_replies(tx: &Transaction<'_>, gone: &[(String, String)]) -> Result<()> {
    let mut still = tx.prepare_cached(
        "SELECT EXISTS(SELECT 1 FROM messages WHERE message_id = ?1 AND size <= ?2)",
    )?;
    // Replies thread with what they answer: look in its conversation only.
    let mut replies = tx.prepare_cached(
        "SELECT id, subject, from_name, from_email, text FROM messages
         WHERE conversation_id = ?1 AND in_reply_to = ?2 AND body_state != 'headers'",
    )?;
    for (conv, message_id) in gone {
        if still.query_row(params![message_id, AUTO_BODY_MAX as i64], |r| {
            r.get::<_, bool>(0)
        })? {
            continue;
        }
        type Row = (i64, String, Option<String>, String, Option<String>);
        let rows: Vec<Row> = replies
            .query_map([conv, message_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        for (id, subject, name, email, text) in rows {
            let text = text.unwrap_or_default();
            if !text.lines().any(quoted) {
                continue;
            }
            tx.prepare_cached("DELETE FROM messages_fts WHERE rowid = ?1")?
                .execute([id])?;
            index_text(tx, id, &subject, name.as_deref(), &email, &text)?;
        }
    }
    Ok(())
}

fn quoted(line: &str) -> bool {
    line.trim_start().starts_with('>')
}

/// [`index`] from the parts: the subject, the sender's name and address,
/// the body text.
pub(super) fn index_text(
    tx: &Transaction<'_>,
    rowid: i64,
    subject: &str,
    from_name: Option<&str>,
    from_email: &str,
    body: &str,
) -> Result<()> {
    let sender = match from_name {
        Some(n) => format!("{n} {from_email}"),
        None => from_email.to_string(),
    };
    tx.prepare_cached(
        "INSERT INTO messages_fts(rowid, subject, sender, body) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![rowid, subject, sender, body])?;
    Ok(())
}

/// The first meaningful words of a message: quoted lines and greetings
/// skipped, white space folded, at most 160 characters.
pub fn snippet(text: &str) -> String {
    use crate::domain::quotes;
    let mut out = String::new();
    let lines: Vec<&str> = text.lines().collect();
    let tail = quotes::header_block_start(&lines).unwrap_or(lines.len());
    for line in &lines[..tail] {
        let l = line.trim();
        if l.is_empty() || quotes::is_quoted(l) || quotes::is_attribution(l) {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(
            l.split_whitespace()
                .flat_map(|w| w.chars().chain(std::iter::once(' '))),
        );
        out.truncate(out.trim_end().len());
        if out.chars().count() >= 160 {
            break;
        }
    }
    out.chars().take(160).collect()
}

#[cfg(test)]
mod tests {
    use super::snippet;

    #[test]
    fn snippet_skips_quotes() {
        assert_eq!(
            snippet("Hi  there,\n\n> old\nOn Mon, X wrote:\nthanks"),
            "Hi there, thanks"
        );
    }
}
