//! Reading conversations: one page of the thread list, one whole conversation.
//! The UI only ever asks for what is visible.

use super::Store;
use crate::domain::views::View;
use crate::domain::{
    Address, Attachment, BodyState, ConversationSummary, ConversationView, MessageView, Status,
};
use anyhow::{Result, bail};
use rusqlite::{OptionalExtension, Row, params};

/// Which page of the thread list to read (newest first).
/// The list's order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ListSort {
    /// The newest conversation first.
    #[default]
    Newest,
    /// Customers waiting for the team first, who waited longest at the top.
    WaitingLongest,
    /// The soonest SLA target first. The due time depends on labels and
    /// business hours, so the store gives the waiting order and the desk
    /// sorts (`ui` keeps the order of the whole view).
    SlaDue,
}

#[derive(Clone, Copy, Debug)]
pub struct ListQuery {
    pub offset: usize,
    pub limit: usize,
}

impl ListQuery {
    pub const ALL: ListQuery = ListQuery {
        offset: 0,
        limit: usize::MAX >> 1,
    };
}

/// A conversation's status as of now: a snooze whose time has come reads
/// as open, with no daemon and no event needed (every client agrees, since
/// it depends only on the folded `snoozed_until` and the clock).
macro_rules! status_sql {
    () => {
        "(CASE WHEN c.status = 'snoozed' AND coalesce(c.snoozed_until, 0) <= CAST(strftime('%s', 'now') AS INTEGER) THEN 'open' ELSE c.status END)"
    };
}
pub(super) use status_sql;

/// The SQL condition of a view. Parameters: ?3 my address, ?4 my mention
/// name (local part), ?5 the label.
fn view_filter(view: &View) -> &'static str {
    match view {
        View::All | View::Search(_) | View::Saved { .. } => "1", // searches go through store::search
        View::Unassigned => concat!("c.assignee IS NULL AND ", status_sql!(), " = 'open'"),
        View::Mine => "c.assignee = ?3 AND c.status != 'closed'",
        View::Open => concat!(status_sql!(), " = 'open'"),
        View::Pending => "c.status = 'pending'",
        View::Snoozed => concat!(status_sql!(), " = 'snoozed'"),
        View::Closed => "c.status = 'closed'",
        View::Archive | View::Spam | View::Trash => "1",
        View::Label(_) => {
            "EXISTS (SELECT 1 FROM conversation_labels l WHERE l.conversation_id = c.id AND l.label = ?5)"
        }
        // Read once per statement (the notes through `events_notes`), not
        // once per conversation.
        View::Mentions => {
            "c.id IN (SELECT e.conversation FROM events e, json_each(e.payload, '$.mentions') m
                      WHERE e.kind = 'note' AND m.value = ?4)"
        }
        View::Drafts => {
            "EXISTS (SELECT 1 FROM drafts d WHERE d.conversation_id = c.id AND d.state = 'editing'
                     AND json_extract(d.payload, '$.author') = ?3 COLLATE NOCASE)"
        }
        // Stored when the events are folded, by the domain's rule
        // (`SharedDraft::waiting`): not restated in SQL.
        View::Review => "c.review_waiting = 1",
        // Stored by the fold (`TeamState::followers`), not restated in SQL.
        View::Following => {
            "EXISTS (SELECT 1 FROM conversation_followers f WHERE f.conversation_id = c.id AND f.agent = ?3)"
        }
    }
}

/// Where the conversations of a view are: the filing views hold what was
/// filed there, every other view what is in a team inbox.
fn place_filter(view: &View) -> &'static str {
    match view {
        View::Archive => "c.place = 'archive'",
        View::Spam => "c.place = 'junk'",
        View::Trash => "c.place = 'trash'",
        _ => "c.place IS NULL",
    }
}

/// Always true; names every parameter so each view binds the same five.
const ALL_PARAMS: &str = "coalesce(?1, ?2, ?3, ?4, ?5, 1) IS NOT NULL";

fn view_params(view: &View, me: &str) -> (String, String) {
    let me_local = me.split('@').next().unwrap_or(me).to_ascii_lowercase();
    let label = match view {
        View::Label(l) => l.clone(),
        _ => String::new(),
    };
    (me_local, label)
}

pub(super) const SUMMARY_COLUMNS: &str = concat!(
    "c.id, c.subject, c.customer_name, c.customer_email, c.last_date, c.message_count,
    c.unread_count, ",
    status_sql!(),
    ", c.assignee,
    (SELECT json_group_array(label) FROM (SELECT label FROM conversation_labels l
        WHERE l.conversation_id = c.id ORDER BY label)),
    c.snippet, c.has_attachment,
    CASE WHEN c.replying_until > CAST(strftime('%s', 'now') AS INTEGER) THEN c.replying END,
    CASE WHEN c.status != 'closed' THEN c.waiting_since END"
);

pub(super) fn summary(r: &Row<'_>) -> rusqlite::Result<ConversationSummary> {
    let labels: String = r.get(9)?;
    let name: Option<String> = r.get(2)?;
    let email: String = r.get(3)?;
    Ok(ConversationSummary {
        id: r.get(0)?,
        subject: r.get(1)?,
        from: Address::new(name.as_deref(), &email),
        last_date: r.get(4)?,
        messages: r.get(5)?,
        unread: r.get(6)?,
        status: Status::parse(&r.get::<_, String>(7)?).unwrap_or_default(),
        assignee: r.get(8)?,
        labels: serde_json::from_str(&labels).unwrap_or_default(),
        snippet: r.get(10)?,
        has_attachment: r.get(11)?,
        replying: r.get(12)?,
        waiting_since: r.get(13)?,
    })
}

impl Store {
    /// How many conversations the list has.
    pub fn conversation_count(&self) -> Result<usize> {
        self.count_view(&View::All, "")
    }

    /// One page of the thread list, newest first.
    pub fn list_conversations(&self, q: ListQuery) -> Result<Vec<ConversationSummary>> {
        self.list_view(&View::All, "", q)
    }

    /// How many conversations `view` holds for agent `me`.
    pub fn count_view(&self, view: &View, me: &str) -> Result<usize> {
        if let Some(q) = view.query() {
            return self.search_count(q, me);
        }
        let sql = format!(
            "SELECT count(*) FROM conversations c WHERE c.message_count > 0 AND {} AND {} AND {ALL_PARAMS}",
            place_filter(view),
            view_filter(view)
        );
        let mut st = self.conn.prepare_cached(&sql)?;
        let (me_local, label) = view_params(view, me);
        Ok(st.query_row(params![0, 0, me, me_local, label], |r| r.get::<_, i64>(0))? as usize)
    }

    /// How many conversations each of `views` holds for agent `me`: every
    /// view but a search is one condition of a single scan of the
    /// conversations (a recount reads the table once, not once per view).
    pub fn count_views(&self, views: &[View], me: &str) -> Result<Vec<usize>> {
        let (me_local, _) = view_params(&View::All, me);
        let mut params: Vec<rusqlite::types::Value> = vec![
            0.into(),
            0.into(),
            me.to_string().into(),
            me_local.into(),
            String::new().into(),
        ];
        let mut sums = Vec::new();
        for v in views.iter().filter(|v| v.query().is_none()) {
            let mut cond = view_filter(v).to_string();
            if let View::Label(l) = v {
                params.push(l.clone().into());
                cond = cond.replace("?5", &format!("?{}", params.len()));
            }
            sums.push(format!(
                "coalesce(sum(({}) AND ({cond})), 0)",
                place_filter(v)
            ));
        }
        let mut scanned = Vec::new();
        if !sums.is_empty() {
            let sql = format!(
                "SELECT {} FROM conversations c WHERE c.message_count > 0 AND {ALL_PARAMS}",
                sums.join(", ")
            );
            let mut st = self.conn.prepare_cached(&sql)?;
            scanned = st.query_row(rusqlite::params_from_iter(params), |r| {
                (0..sums.len())
                    .map(|i| r.get::<_, i64>(i).map(|n| n as usize))
                    .collect::<rusqlite::Result<Vec<_>>>()
            })?;
        }
        let mut scanned = scanned.into_iter();
        views
            .iter()
            .map(|v| match v.query() {
                Some(q) => self.search_count(q, me),
                None => Ok(scanned.next().unwrap_or(0)),
            })
            .collect()
    }

    /// Whether conversation `id` is in `view` for agent `me` (an act's
    /// change to the counts is read per conversation, not by recounting).
    pub fn in_view(&self, view: &View, me: &str, id: &str) -> Result<bool> {
        if let Some(q) = view.query() {
            return self.search_has(q, me, id);
        }
        let sql = format!(
            "SELECT EXISTS (SELECT 1 FROM conversations c WHERE c.id = ?1 AND c.message_count > 0 AND {} AND {} AND {ALL_PARAMS})",
            place_filter(view),
            view_filter(view)
        );
        let mut st = self.conn.prepare_cached(&sql)?;
        let (me_local, label) = view_params(view, me);
        Ok(st.query_row(params![id, 0, me, me_local, label], |r| r.get(0))?)
    }

    /// One page of `view` for agent `me`, newest first.
    pub fn list_view(
        &self,
        view: &View,
        me: &str,
        q: ListQuery,
    ) -> Result<Vec<ConversationSummary>> {
        self.list_view_sorted(view, me, q, ListSort::Newest)
    }

    /// One page of `view` for agent `me` in `sort` order (a search's
    /// results stay newest first).
    pub fn list_view_sorted(
        &self,
        view: &View,
        me: &str,
        q: ListQuery,
        sort: ListSort,
    ) -> Result<Vec<ConversationSummary>> {
        if let Some(query) = view.query() {
            return self.search(query, me, q);
        }
        let order = match sort {
            ListSort::Newest => "c.last_date DESC, c.id",
            // Waiting customers first, who waited longest at the top; the
            // rest newest first. (Closed ones wait for nobody.)
            ListSort::WaitingLongest | ListSort::SlaDue => {
                "(CASE WHEN c.status != 'closed' THEN c.waiting_since END) IS NULL,
                 (CASE WHEN c.status != 'closed' THEN c.waiting_since END), c.last_date DESC, c.id"
            }
        };
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM conversations c WHERE c.message_count > 0 AND {} AND {} AND {ALL_PARAMS}
             ORDER BY {order} LIMIT ?1 OFFSET ?2",
            place_filter(view),
            view_filter(view)
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let (me_local, label) = view_params(view, me);
        let rows = stmt.query_map(
            params![q.limit as i64, q.offset as i64, me, me_local, label],
            summary,
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The full id of the conversation `prefix` names (at least 4 characters,
    /// unique), or an error that says what went wrong.
    pub fn resolve_conversation(&self, prefix: &str) -> Result<String> {
        let p = prefix.trim().to_ascii_lowercase();
        if p.len() < 4 || !p.chars().all(|c| c.is_ascii_hexdigit()) {
            bail!(
                "{prefix:?} is not a conversation id (ids are hex, e.g. 3fa9c2e1d0b7; 4 characters at least)"
            );
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM conversations WHERE id >= ?1 AND id < ?1 || 'g'
             UNION SELECT canonical FROM conversation_aliases WHERE alias >= ?1 AND alias < ?1 || 'g'
             LIMIT 2",
        )?;
        let ids: Vec<String> = stmt
            .query_map([&p], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        match ids.as_slice() {
            [one] => Ok(one.clone()),
            [] => bail!("no conversation {prefix} in the cache (try `replypad threads`)"),
            _ => bail!("conversation id {prefix} is ambiguous; give more characters"),
        }
    }

    /// Conversations whose messages match an FTS5 query, newest first.
    pub fn search_ids(&self, fts_query: &str) -> Result<Vec<String>> {
        let mut st = self.conn.prepare_cached(
            "SELECT DISTINCT m.conversation_id FROM messages_fts f JOIN messages m ON m.id = f.rowid
             WHERE messages_fts MATCH ?1 ORDER BY m.date DESC",
        )?;
        Ok(st
            .query_map([fts_query], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// The subject of conversation `id` (or of the one it was merged
    /// into), or `None` when the cache does not hold it.
    pub fn subject_of(&self, id: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT subject FROM conversations WHERE id = coalesce(
                    (SELECT canonical FROM conversation_aliases WHERE alias = ?1), ?1)",
            )?
            .query_row([id], |r| r.get(0))
            .optional()?)
    }

    /// A whole conversation with its messages in date order, or `None`.
    pub fn conversation(&self, id: &str) -> Result<Option<ConversationView>> {
        let head = self
            .conn
            .query_row(
                &format!("SELECT {SUMMARY_COLUMNS} FROM conversations c WHERE c.id = ?1"),
                [id],
                summary,
            )
            .optional()?;
        let Some(head) = head else { return Ok(None) };
        let mut stmt = self.conn.prepare_cached(
            "SELECT message_id, from_name, from_email, to_addrs, cc_addrs, date, subject, text, attachments,
                    seen, from_team, body_state
             FROM messages WHERE conversation_id = ?1
               AND id IN (SELECT min(id) FROM messages WHERE conversation_id = ?1 GROUP BY message_id)
             ORDER BY date, id",
        )?;
        let messages = stmt
            .query_map([id], |r| {
                let name: Option<String> = r.get(1)?;
                let email: String = r.get(2)?;
                let json = |i: usize| -> rusqlite::Result<String> { r.get(i) };
                Ok(MessageView {
                    message_id: r.get(0)?,
                    from: Address::new(name.as_deref(), &email),
                    to: serde_json::from_str(&json(3)?).unwrap_or_default(),
                    cc: serde_json::from_str(&json(4)?).unwrap_or_default(),
                    date: r.get(5)?,
                    subject: r.get(6)?,
                    text: r.get::<_, Option<String>>(7)?.unwrap_or_default(),
                    attachments: serde_json::from_str::<Vec<Attachment>>(&json(8)?)
                        .unwrap_or_default(),
                    unread: !r.get::<_, bool>(9)?,
                    from_team: r.get(10)?,
                    body_state: BodyState::parse(&r.get::<_, String>(11)?),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut st = self.conn.prepare_cached(
            "SELECT at, agent, json_extract(payload, '$.text'), uid IS NOT NULL FROM events
             WHERE kind = 'note' AND (conversation = ?1
                OR conversation IN (SELECT alias FROM conversation_aliases WHERE canonical = ?1))
             ORDER BY uid IS NULL, uid, seq",
        )?;
        let notes = st
            .query_map([id], |r| {
                Ok(crate::domain::Note {
                    at: r.get(0)?,
                    agent: r.get(1)?,
                    text: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                    pushed: r.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Some(ConversationView {
            id: head.id,
            subject: head.subject,
            status: head.status,
            assignee: head.assignee,
            labels: head.labels,
            waiting_since: head.waiting_since,
            messages,
            notes,
        }))
    }

    /// Sets team state directly (the demo seeds it; later the event fold does).
    pub fn set_team_state(
        &mut self,
        id: &str,
        status: Status,
        assignee: Option<&str>,
        labels: &[&str],
    ) -> Result<()> {
        self.transaction(|tx| {
            tx.execute(
                "UPDATE conversations SET status = ?2, assignee = ?3 WHERE id = ?1",
                params![id, status.as_str(), assignee],
            )?;
            tx.execute(
                "DELETE FROM conversation_labels WHERE conversation_id = ?1",
                [id],
            )?;
            for l in labels {
                tx.execute(
                    "INSERT INTO conversation_labels(conversation_id, label) VALUES (?1, ?2)",
                    params![id, l],
                )?;
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-scan recount agrees with counting each view alone, for every
    /// kind of view (team state, labels, mentions, filing places, searches)
    /// and two agents.
    #[test]
    fn counting_every_view_at_once_agrees_with_each_alone() {
        let mut s = Store::open_in_memory().unwrap();
        let cfg = crate::config::Config::demo();
        crate::demo::load(&mut s, &cfg, 1_800_000_000).unwrap();
        let mut views: Vec<View> = View::FIXED.to_vec();
        views.extend(cfg.labels.keys().map(|l| View::Label(l.clone())));
        views.extend(View::FILED);
        views.push(View::Search("is:unread".into()));
        views.insert(3, View::Search("refund".into()));
        let mut nonzero = 0;
        for me in ["dana@example.com", "sam@example.com", ""] {
            let all = s.count_views(&views, me).unwrap();
            for (v, n) in views.iter().zip(&all) {
                assert_eq!(*n, s.count_view(v, me).unwrap(), "{v:?} for {me}");
                nonzero += usize::from(*n > 0);
            }
        }
        assert!(nonzero > 20, "the demo fills most views: {nonzero}");
        assert_eq!(s.count_views(&[], "x").unwrap(), Vec::<usize>::new());
    }

    use crate::store::{MailboxRole, NewMessage};
    use std::collections::BTreeSet;

    fn add(store: &mut Store, uid: u32, raw: &str) -> String {
        add_at(store, uid, raw, 0)
    }

    /// Caches `raw` as customer mail in INBOX that arrived at `internal_date`.
    fn add_at(store: &mut Store, uid: u32, raw: &str, internal_date: i64) -> String {
        let mbox = store.mailbox_id("INBOX", MailboxRole::Inbox).unwrap();
        let parsed = crate::mail::parse_message(raw.as_bytes(), internal_date);
        store
            .transaction(|tx| {
                let c = Store::put_message(
                    tx,
                    &NewMessage {
                        mailbox_id: mbox,
                        uid,
                        modseq: None,
                        internal_date,
                        size: raw.len() as u64,
                        seen: false,
                        answered: false,
                        flagged: false,
                        from_team: false,
                        parsed: &parsed,
                    },
                )?;
                Store::refresh_conversations(tx, &BTreeSet::from([c.clone()]))?;
                Ok(c)
            })
            .unwrap()
    }

    #[test]
    fn threads_and_pages() {
        let mut s = Store::open_in_memory().unwrap();
        let a = add(
            &mut s,
            1,
            "From: Ana <ana@x.test>\nSubject: Help\nMessage-ID: <r@x>\nDate: Tue, 1 Jul 2025 10:00:00 +0000\n\nfirst",
        );
        let b = add(
            &mut s,
            2,
            "From: Ana <ana@x.test>\nSubject: Re: Help\nMessage-ID: <s@x>\nReferences: <r@x>\nDate: Tue, 1 Jul 2025 11:00:00 +0000\n\nsecond",
        );
        let c = add(
            &mut s,
            3,
            "From: Bo <bo@y.test>\nSubject: Other\nMessage-ID: <t@x>\nDate: Tue, 1 Jul 2025 09:00:00 +0000\n\nthird",
        );
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(s.conversation_count().unwrap(), 2);
        let page = s
            .list_conversations(ListQuery {
                offset: 0,
                limit: 1,
            })
            .unwrap();
        assert_eq!(page.len(), 1);
        assert_eq!(page[0].id, a);
        assert_eq!(page[0].messages, 2);
        assert_eq!(page[0].unread, 2);
        assert_eq!(page[0].subject, "Help");
        assert_eq!(page[0].snippet, "second");
        let view = s.conversation(&a).unwrap().unwrap();
        assert_eq!(view.messages.len(), 2);
        assert_eq!(view.messages[0].text.trim(), "first");
        assert_eq!(s.resolve_conversation(&a[..6]).unwrap(), a);
        assert!(s.resolve_conversation("zz").is_err());
        // Re-caching the same UID replaces, never doubles.
        add(
            &mut s,
            2,
            "From: Ana <ana@x.test>\nSubject: Re: Help\nMessage-ID: <s@x>\nReferences: <r@x>\nDate: Tue, 1 Jul 2025 11:00:00 +0000\n\nsecond",
        );
        assert_eq!(s.conversation(&a).unwrap().unwrap().messages.len(), 2);
        s.set_team_state(&a, Status::Pending, Some("ana"), &["bug", "billing"])
            .unwrap();
        let page = s.list_conversations(ListQuery::ALL).unwrap();
        assert_eq!(page[0].labels, vec!["billing", "bug"]);
        assert_eq!(page[0].status, Status::Pending);
    }

    #[test]
    fn late_links_merge_alike_in_any_order() {
        let msgs = [
            "From: a@x.test\nSubject: Help\nMessage-ID: <a@x>\nDate: Tue, 1 Jul 2025 10:00:00 +0000\n\n1",
            "From: s@ex.test\nSubject: Re: Help\nMessage-ID: <b@x>\nReferences: <a@x>\nDate: Tue, 1 Jul 2025 11:00:00 +0000\n\n2",
            // A client that kept only the last reference: its key is b@x, not a@x.
            "From: a@x.test\nSubject: Re: Help\nMessage-ID: <c@x>\nIn-Reply-To: <b@x>\nReferences: <b@x>\nDate: Tue, 1 Jul 2025 12:00:00 +0000\n\n3",
        ];
        let mut ids = Vec::new();
        for order in [[0, 1, 2], [2, 1, 0], [2, 0, 1], [1, 2, 0]] {
            let mut s = Store::open_in_memory().unwrap();
            for (uid, i) in order.iter().enumerate() {
                add(&mut s, uid as u32 + 1, msgs[*i]);
            }
            let all = s.list_conversations(ListQuery::ALL).unwrap();
            assert_eq!(all.len(), 1, "order {order:?}: {all:?}");
            assert_eq!(all[0].messages, 3);
            ids.push(all[0].id.clone());
            if order == [2, 0, 1] {
                // Both conversations existed before B linked them: both old ids resolve.
                for key in ["a@x", "b@x"] {
                    let old = crate::domain::thread::conversation_id(key);
                    assert_eq!(
                        s.resolve_conversation(&old).unwrap(),
                        all[0].id,
                        "old ids still resolve"
                    );
                }
            }
        }
        assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
    }

    #[test]
    fn an_expunged_message_still_links_its_late_replies() {
        let msgs = [
            "From: a@x.test\nSubject: Help\nMessage-ID: <a@x>\nDate: Tue, 1 Jul 2025 10:00:00 +0000\n\n1",
            "From: s@ex.test\nSubject: Re: Help\nMessage-ID: <b@x>\nReferences: <a@x>\nDate: Tue, 1 Jul 2025 11:00:00 +0000\n\n2",
            // Names only B, which is gone by the time it arrives.
            "From: a@x.test\nSubject: Re: Help\nMessage-ID: <c@x>\nIn-Reply-To: <b@x>\nReferences: <b@x>\nDate: Tue, 1 Jul 2025 12:00:00 +0000\n\n3",
        ];
        let mut s = Store::open_in_memory().unwrap();
        let a = add(&mut s, 1, msgs[0]);
        assert_eq!(add(&mut s, 2, msgs[1]), a);
        let mbox = s.mailbox_id("INBOX", MailboxRole::Inbox).unwrap();
        s.transaction(|tx| Store::remove_uids(tx, mbox, &[2..=2]))
            .unwrap();
        let c = add(&mut s, 3, msgs[2]);
        // One conversation (under the smaller id of the two it joined).
        assert_eq!(
            s.resolve_conversation(&a).unwrap(),
            c,
            "B's Message-ID outlives its row"
        );
        let all = s.list_conversations(ListQuery::ALL).unwrap();
        assert_eq!((all.len(), all[0].messages), (1, 2));
    }

    #[test]
    fn views_filter_by_team_state() {
        let mut s = Store::open_in_memory().unwrap();
        crate::demo::load(&mut s, &crate::config::Config::demo(), 1_800_000_000).unwrap();
        let me = "dana@example.com";
        let n = |v: &View| s.count_view(v, me).unwrap();
        assert_eq!(n(&View::All), 46);
        assert_eq!(
            n(&View::Open) + n(&View::Pending) + n(&View::Closed) + n(&View::Snoozed),
            46
        );
        assert!(n(&View::Unassigned) > 0 && n(&View::Unassigned) < n(&View::Open));
        let mine = s.list_view(&View::Mine, me, ListQuery::ALL).unwrap();
        assert!(!mine.is_empty() && mine.iter().all(|c| c.assignee.as_deref() == Some(me)));
        let billing = s
            .list_view(&View::Label("billing".into()), me, ListQuery::ALL)
            .unwrap();
        assert!(
            billing
                .iter()
                .all(|c| c.labels.contains(&"billing".to_string()))
                && !billing.is_empty()
        );
        assert_eq!(n(&View::Mentions), 0);
        assert_eq!(n(&View::Following), 0);
    }

    #[test]
    fn a_snooze_wakes_up_by_itself_when_its_time_comes() {
        use crate::domain::events::{Event, EventKind, new_event_id};
        let mut s = Store::open_in_memory().unwrap();
        // Mail from before the snooze (a later customer reply would reopen it).
        let day_ago = chrono::Utc::now().timestamp() - 86_400;
        crate::demo::load(&mut s, &crate::config::Config::demo(), day_ago).unwrap();
        let me = "dana@example.com";
        let id = s.list_view(&View::Open, me, ListQuery::ALL).unwrap()[0]
            .id
            .clone();
        let now = chrono::Utc::now().timestamp();
        let snooze = |s: &mut Store, until: i64| {
            let e = Event {
                id: new_event_id(),
                conversation: id.clone(),
                agent: me.into(),
                at: now,
                kind: EventKind::Status {
                    status: Status::Snoozed,
                    until: Some(until),
                },
            };
            s.record_local_event(&e, b"x").unwrap();
        };
        let in_view = |s: &Store, v: &View| {
            s.list_view(v, me, ListQuery::ALL)
                .unwrap()
                .iter()
                .any(|c| c.id == id)
        };
        snooze(&mut s, now + 3600);
        assert!(in_view(&s, &View::Snoozed) && !in_view(&s, &View::Open));
        snooze(&mut s, now - 1);
        assert!(in_view(&s, &View::Open) && !in_view(&s, &View::Snoozed));
        assert_eq!(s.conversation(&id).unwrap().unwrap().status, Status::Open);
        assert!(s.search_all_ids("status:open", me).unwrap().contains(&id));
    }

    #[test]
    fn a_customer_reply_reopens_a_closed_conversation() {
        let mut s = Store::open_in_memory().unwrap();
        let now = 1_800_000_000;
        crate::demo::load(&mut s, &crate::config::Config::demo(), now).unwrap();
        let closed = s
            .list_view(&View::Closed, "", ListQuery::ALL)
            .unwrap()
            .into_iter()
            .find(|c| c.subject.starts_with("API rate limit"))
            .unwrap();
        let root = s.conversation(&closed.id).unwrap().unwrap().messages[0]
            .message_id
            .clone();
        let raw = format!(
            "From: Marcus Webb <marcus.webb@gmail.com>\nSubject: Re: API rate limit\nMessage-ID: <again@x>\n\
             References: <{root}>\n\nIt's happening again."
        );
        add_at(&mut s, 9999, &raw, now);
        let after = s.conversation(&closed.id).unwrap().unwrap();
        assert_eq!(
            after.status,
            Status::Open,
            "the customer's reply reopened it"
        );
        assert_eq!(
            after.assignee.as_deref(),
            Some("lee@example.com"),
            "the owner stays"
        );
    }

    #[test]
    fn fts_finds_diacritics() {
        let mut s = Store::open_in_memory().unwrap();
        add(
            &mut s,
            1,
            "From: a@x.test\nSubject: Rechnung\nMessage-ID: <r@x>\n\nDie Überweisung fehlt",
        );
        assert_eq!(s.fts_matches("uberweisung"), 1);
    }

    #[test]
    fn quoted_lines_are_indexed_only_when_the_quoted_message_is_not_cached() {
        let mut s = Store::open_in_memory().unwrap();
        let hits = |s: &Store, word: &str| s.fts_matches(word);
        add(
            &mut s,
            1,
            "From: a@x.test\nSubject: Invoice\nMessage-ID: <p@x>\n\nWhere is invoice 4711?",
        );
        add(
            &mut s,
            2,
            "From: support@example.com\nSubject: Re: Invoice\nMessage-ID: <r@x>\nIn-Reply-To: <p@x>\n\n\
             Attached.\n\n> Where is invoice 4711?\n",
        );
        add(
            &mut s,
            3,
            "From: b@x.test\nSubject: Re: Newsletter\nMessage-ID: <n@x>\nIn-Reply-To: <gone@x>\n\n\
             Unsubscribe me.\n> Our spring catalogue\n",
        );
        assert_eq!(hits(&s, "4711"), 1, "the quote is indexed with its message");
        assert_eq!(hits(&s, "attached"), 1);
        assert_eq!(hits(&s, "catalogue"), 1, "quoting mail the cache lacks");
        let conv = s.search_ids("4711").unwrap();
        assert_eq!(conv.len(), 1, "the conversation is found all the same");
        // The quoted message leaves the server: its reply carries the words now.
        let mbox = s.mailbox_id("INBOX", MailboxRole::Inbox).unwrap();
        s.transaction(|tx| Store::remove_uids(tx, mbox, &[1..=1]))
            .unwrap();
        assert_eq!(hits(&s, "4711"), 1, "indexed with the reply now");
        assert_eq!(s.search_ids("4711").unwrap(), conv);
    }
}
