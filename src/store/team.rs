//! Team state in the cache: the event log as fetched (plus local events not
//! yet pushed), and each conversation's state folded from it. The fold is
//! recomputed per conversation from its events in log order: confirmed
//! events by UID, then local ones in the order they were made. Every client
//! folding the same log gets the same state; a rebuilt cache too.

use super::Store;
use super::pending::Op;
use crate::domain::events::{Event, Outcome, TeamState};
use crate::domain::roster::{Signed, Trust};
use anyhow::Result;
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::BTreeSet;

/// One line of a conversation's history.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct HistoryEntry {
    pub uid: Option<u32>,
    pub pushed: bool,
    pub event: Event,
    /// Applied, or a claim that lost (serialized as "applied", "claim lost to …").
    pub outcome: Outcome,
}

pub(super) fn insert_event(tx: &Transaction<'_>, uid: Option<u32>, e: &Event) -> Result<bool> {
    let n = tx.prepare_cached(
        "INSERT INTO events(uid, event_id, conversation, kind, agent, at, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(event_id) DO UPDATE SET uid = coalesce(events.uid, excluded.uid)",
    )?
    .execute(params![uid, e.id, e.conversation, e.kind.name(), e.agent, e.at, serde_json::to_string(e)?])?;
    Ok(n > 0)
}

pub(super) fn read_trust(conn: &rusqlite::Connection) -> Result<Trust> {
    let text: Option<String> = conn
        .prepare_cached("SELECT trust FROM team_trust WHERE id = 1")?
        .query_row([], |r| r.get(0))
        .optional()?;
    Ok(match text {
        Some(t) => serde_json::from_str(&t)?,
        None => Trust::default(),
    })
}

/// The policy `trust` holds, parsed (None: the team has none).
fn policy_of(trust: &Trust) -> Option<crate::config::policy::TeamPolicy> {
    trust
        .policy
        .as_ref()
        .and_then(|(text, _)| crate::config::policy::parse(text).ok())
}

/// Whether `e` is a reply the team `policy` says needed approval (its
/// author must be reviewed) and that went out without it: the latest
/// revision of its draft approved by someone else who, where the team has
/// a roster, is a reviewer or an admin.
fn unapproved(
    tx: &Transaction<'_>,
    e: &Event,
    trust: &Trust,
    policy: Option<&crate::config::policy::TeamPolicy>,
) -> Result<bool> {
    use crate::domain::events::EventKind;
    let EventKind::Sent { draft, .. } = &e.kind else {
        return Ok(false);
    };
    let Some(policy) = policy else {
        return Ok(false);
    };
    let events: Vec<Event> = events_of(tx, &e.conversation)?
        .into_iter()
        .filter(|(uid, _)| uid.is_some())
        .map(|(_, e)| e)
        .collect();
    // The labels as of this place in the log (not the cache's current
    // fold, which a batch updates at its end).
    let mut state = TeamState::default();
    for ev in &events {
        state.apply(ev);
    }
    let labels: Vec<String> = state.labels.iter().cloned().collect();
    let shared = crate::domain::review::fold(&events);
    let Some(d) = draft.as_ref().and_then(|d| shared.get(d)) else {
        return Ok(policy.review.requires_review(&e.agent, &labels));
    };
    if !policy.review.requires_review(&d.author, &labels) {
        return Ok(false);
    }
    let reviewer = |who: &str| match &trust.roster {
        Some(r) => r.get(who).is_some_and(|m| m.role.reviews()),
        None => true,
    };
    let approved = d
        .verdict()
        .is_some_and(|v| v.approved && v.by != d.latest().author && reviewer(&v.by));
    Ok(!approved)
}

pub(super) fn events_of(tx: &Transaction<'_>, conv: &str) -> Result<Vec<(Option<u32>, Event)>> {
    let mut st = tx.prepare_cached(
        "SELECT uid, payload FROM events
         WHERE conversation = ?1 OR conversation IN (SELECT alias FROM conversation_aliases WHERE canonical = ?1)
         ORDER BY uid IS NULL, uid, seq",
    )?;
    let rows = st.query_map([conv], |r| {
        Ok((r.get::<_, Option<u32>>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (uid, payload) = row?;
        if let Ok(e) = serde_json::from_str(&payload) {
            out.push((uid, e));
        }
    }
    Ok(out)
}

/// A conversation's team state folded from `events` (in log order), and
/// when its status last changed.
pub(super) fn fold<'a>(events: impl IntoIterator<Item = &'a Event>) -> (TeamState, i64) {
    let mut acc = fold_start();
    for e in events {
        fold_step(&mut acc, e);
    }
    acc
}

/// Where [`fold`] starts.
pub(super) fn fold_start() -> (TeamState, i64) {
    (TeamState::default(), i64::MIN)
}

/// One event of [`fold`].
pub(super) fn fold_step((state, status_at): &mut (TeamState, i64), e: &Event) {
    if matches!(e.kind, crate::domain::events::EventKind::Status { .. }) {
        *status_at = e.at;
    }
    state.apply(e);
}

/// Re-folds a conversation's team state from its events into the cache.
pub(super) fn refold(tx: &Transaction<'_>, conv: &str) -> Result<TeamState> {
    let conv = super::threading::canonical(tx, conv)?;
    let events = events_of(tx, &conv)?;
    let (state, status_at) = fold(events.iter().map(|(_, e)| e));
    write_state(tx, &conv, state, status_at)
}

/// Writes a conversation's folded team state into its row, labels and
/// followers.
pub(super) fn write_state(
    tx: &Transaction<'_>,
    conv: &str,
    mut state: TeamState,
    status_at: i64,
) -> Result<TeamState> {
    let conv = conv.to_string();
    // A customer writing after the conversation was closed, snoozed or set
    // pending reopens it (the server's arrival time of their mail decides).
    if state.status != crate::domain::Status::Open {
        let last_customer: Option<i64> = tx
            .prepare_cached("SELECT max(internal_date) FROM messages WHERE conversation_id = ?1 AND from_team = 0")?
            .query_row([&conv], |r| r.get(0))?;
        if last_customer.is_some_and(|t| t > status_at) {
            state.status = crate::domain::Status::Open;
            state.snoozed_until = None;
        }
    }
    tx.prepare_cached("INSERT INTO conversations(id, root_key) VALUES (?1, 'event:' || ?1) ON CONFLICT DO NOTHING")?
        .execute([&conv])?;
    // Presence: the agent whose "replying" lasts longest.
    let replying = state.replying.iter().max_by_key(|(_, until)| **until);
    tx.prepare_cached(
        "UPDATE conversations SET status = ?2, assignee = ?3, snoozed_until = ?4, replying = ?5, replying_until = ?6 WHERE id = ?1",
    )?
    .execute(params![
        conv,
        state.status.as_str(),
        state.assignee,
        state.snoozed_until,
        replying.map(|(a, _)| a),
        replying.map(|(_, u)| u)
    ])?;
    tx.prepare_cached("DELETE FROM conversation_labels WHERE conversation_id = ?1")?
        .execute([&conv])?;
    let mut ins = tx.prepare_cached(
        "INSERT INTO conversation_labels(conversation_id, label) VALUES (?1, ?2)",
    )?;
    for l in &state.labels {
        ins.execute(params![conv, l])?;
    }
    tx.prepare_cached("DELETE FROM conversation_followers WHERE conversation_id = ?1")?
        .execute([&conv])?;
    let mut ins = tx.prepare_cached(
        "INSERT INTO conversation_followers(conversation_id, agent) VALUES (?1, ?2)",
    )?;
    for a in &state.followers {
        ins.execute(params![conv, a])?;
    }
    Ok(state)
}

/// A merge or split by hand regroups messages: returns the conversations
/// it touched (none for other events).
pub(super) fn regroup(tx: &Transaction<'_>, e: &Event) -> Result<Vec<String>> {
    use crate::domain::events::EventKind;
    Ok(match &e.kind {
        EventKind::Merge { into } => {
            vec![super::threading::merge_by_hand(tx, &e.conversation, into)?]
        }
        EventKind::Split { message_id } => super::threading::split_by_hand(tx, message_id)?
            .map(|(a, b)| vec![a, b])
            .unwrap_or_default(),
        _ => Vec::new(),
    })
}

/// Records a local event inside a transaction: applied at once, queued to push.
pub(super) fn record_event_tx(tx: &Transaction<'_>, e: &Event, raw: &[u8]) -> Result<TeamState> {
    let now = chrono::Utc::now().timestamp();
    insert_event(tx, None, e)?;
    let op = Op::Event {
        event_id: e.id.clone(),
        raw: String::from_utf8_lossy(raw).into_owned(),
    };
    tx.execute(
        "INSERT INTO pending_ops(kind, payload, created_at) VALUES ('event', ?1, ?2)",
        params![serde_json::to_string(&op)?, now],
    )?;
    super::drafts::review_event_stored(tx, e)?;
    regroup(tx, e)?;
    if e.kind.affects_row() {
        refold(tx, &e.conversation)
    } else {
        Ok(TeamState::default())
    }
}

impl Store {
    /// Records an event made here: applied locally at once, queued to push.
    /// `raw` is the signed message for the log folder.
    pub fn record_local_event(&mut self, e: &Event, raw: &[u8]) -> Result<TeamState> {
        self.transaction(|tx| record_event_tx(tx, e, raw))
    }

    /// Folds events fetched from the log (in UID order, continuing from
    /// the last fetched UID); `Err` entries are messages that are not
    /// events. Each event counts only if the roster as of its place in the
    /// log admits it ([`Trust::admit`]); the others are kept in
    /// `rejected_events` with the reason (and a local copy of one, which
    /// the screen showed before the log refused it, is taken back).
    /// Returns the conversations whose state changed.
    pub fn apply_log(
        tx: &Transaction<'_>,
        fetched: &[(u32, Result<Signed, String>)],
    ) -> Result<BTreeSet<String>> {
        apply_log(tx, fetched, false)
    }

    /// [`Store::apply_log`] for one chunk of a long log: the touched
    /// conversations are not refolded but queued (in the same
    /// transaction); [`Store::refold_pending`] refolds each once after the
    /// last chunk. A conversation with events in every chunk is then read
    /// once instead of once per chunk.
    pub fn apply_log_chunk(
        tx: &Transaction<'_>,
        fetched: &[(u32, Result<Signed, String>)],
    ) -> Result<BTreeSet<String>> {
        apply_log(tx, fetched, true)
    }

    /// Refolds the conversations [`Store::apply_log_chunk`] queued, in
    /// transactions of a few thousand; returns them.
    pub fn refold_pending(&mut self) -> Result<BTreeSet<String>> {
        let mut done = BTreeSet::new();
        loop {
            let batch = self.transaction(|tx| {
                let convs: Vec<String> = tx
                    .prepare_cached("SELECT conversation FROM refold_pending LIMIT 2000")?
                    .query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                let mut gone =
                    tx.prepare_cached("DELETE FROM refold_pending WHERE conversation = ?1")?;
                for c in &convs {
                    refold(tx, c)?;
                    gone.execute([c])?;
                }
                Ok(convs)
            })?;
            if batch.is_empty() {
                return Ok(done);
            }
            done.extend(batch);
        }
    }
}

/// Puts an event the log admitted (at `uid`) into the cache, marked where
/// `unapproved` (asked once the event is in) says it is a reply sent
/// without the approval the policy asks for. Adds the conversation to
/// `touched` where its row or the Review view changes; returns the
/// conversations a merge or split regrouped.
pub(super) fn take_event(
    tx: &Transaction<'_>,
    uid: u32,
    e: &Event,
    unapproved: impl FnOnce() -> Result<bool>,
    touched: &mut BTreeSet<String>,
) -> Result<Vec<String>> {
    insert_event(tx, Some(uid), e)?;
    if unapproved()? {
        tx.prepare_cached("UPDATE events SET unapproved = 1 WHERE event_id = ?1")?
            .execute([&e.id])?;
    }
    // (A merge or split made here comes back from the log too: doing it
    // again does nothing.)
    let regrouped = regroup(tx, e)?;
    // A draft, verdict or send changes what the Review view holds: its
    // conversation is touched too (not refolded).
    if super::drafts::review_event_stored(tx, e)? || e.kind.affects_row() {
        touched.insert(e.conversation.clone());
    }
    Ok(regrouped)
}

/// Queues `touched` (without the team's own pseudo-conversation) for
/// [`Store::refold_pending`].
pub(super) fn queue_refold(tx: &Transaction<'_>, touched: &BTreeSet<String>) -> Result<()> {
    let mut queue = tx.prepare_cached(
        "INSERT INTO refold_pending(conversation) VALUES (?1) ON CONFLICT DO NOTHING",
    )?;
    for c in touched.iter().filter(|c| *c != crate::domain::events::TEAM) {
        queue.execute([c])?;
    }
    Ok(())
}

/// Stores the trust the log reached.
pub(super) fn write_trust(tx: &Transaction<'_>, trust: &Trust) -> Result<()> {
    tx.prepare_cached("INSERT OR REPLACE INTO team_trust(id, trust) VALUES (1, ?1)")?
        .execute([serde_json::to_string(trust)?])?;
    Ok(())
}

fn apply_log(
    tx: &Transaction<'_>,
    fetched: &[(u32, Result<Signed, String>)],
    defer: bool,
) -> Result<BTreeSet<String>> {
    {
        let mut touched = BTreeSet::new();
        let now = chrono::Utc::now().timestamp();
        let mut trust = read_trust(tx)?;
        let before = trust.clone();
        let policy_ok = |text: &str| crate::config::policy::parse(text).is_ok();
        // Parsed once, and again only when the log sets a new one.
        let mut policy = policy_of(&trust);
        for (uid, got) in fetched {
            let admitted = got.as_ref().map_err(Clone::clone).and_then(|s| {
                trust
                    .admit(&s.event, &s.proof, &policy_ok)
                    .map(|()| &s.event)
            });
            match admitted {
                Ok(e) => {
                    if matches!(e.kind, crate::domain::events::EventKind::Policy { .. }) {
                        policy = policy_of(&trust);
                    }
                    let flag = || unapproved(tx, e, &trust, policy.as_ref());
                    let regrouped = take_event(tx, *uid, e, flag, &mut touched)?;
                    touched.extend(regrouped);
                }
                Err(reason) => {
                    tracing::warn!(uid, %reason, "ignoring a message in the team log");
                    tx.prepare_cached("INSERT OR REPLACE INTO rejected_events(uid, reason, seen_at) VALUES (?1, ?2, ?3)")?
                        .execute(params![uid, reason, now])?;
                    if let Ok(s) = got {
                        let gone = tx
                            .prepare_cached(
                                "DELETE FROM events WHERE event_id = ?1 AND uid IS NULL",
                            )?
                            .execute([&s.event.id])?;
                        if gone > 0 {
                            touched.insert(s.event.conversation.clone());
                        }
                    }
                }
            }
        }
        if trust != before {
            write_trust(tx, &trust)?;
        }
        touched.remove(crate::domain::events::TEAM);
        if defer {
            queue_refold(tx, &touched)?;
        } else {
            for c in &touched {
                refold(tx, c)?;
            }
        }
        if trust != before {
            // Not a conversation: tells the caller the roster or the policy
            // changed (the sync's "team" count, the TUI's re-read).
            touched.insert(crate::domain::events::TEAM.to_string());
        }
        Ok(touched)
    }
}

impl Store {
    /// Whether event `id` is in the log and counted (false: refused by the
    /// log, or not pushed yet).
    pub fn event_counted(&self, id: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT uid IS NOT NULL FROM events WHERE event_id = ?1")?
            .query_row([id], |r| r.get::<_, bool>(0))
            .optional()?
            .unwrap_or(false))
    }

    /// Each agent's latest act in the log (by their clock), for "who is
    /// active".
    pub fn agents_last_seen(&self) -> Result<std::collections::BTreeMap<String, i64>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT agent, max(at) FROM events GROUP BY agent")?;
        Ok(st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Who is drafting a reply now, and on which conversation (subject).
    pub fn replying_now(&self, now: i64) -> Result<std::collections::BTreeMap<String, String>> {
        let mut st = self.conn.prepare_cached(
            "SELECT replying, subject FROM conversations WHERE replying IS NOT NULL AND replying_until > ?1",
        )?;
        Ok(st
            .query_map([now], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// What the log says about the team: roster and policy (empty before
    /// the log has a roster).
    pub fn trust(&self) -> Result<Trust> {
        read_trust(&self.conn)
    }

    /// Forgets the fetched log (its UIDVALIDITY changed); local events stay.
    pub fn reset_log(tx: &Transaction<'_>) -> Result<()> {
        tx.execute("UPDATE events SET uid = NULL", [])?;
        tx.execute(
            "DELETE FROM events WHERE event_id NOT IN (SELECT json_extract(payload, '$.event_id') FROM pending_ops WHERE kind = 'event')",
            [],
        )?;
        tx.execute("DELETE FROM rejected_events", [])?;
        tx.execute("DELETE FROM team_trust", [])?;
        tx.execute("DELETE FROM checkpoint_chain", [])?;
        Ok(())
    }

    /// A conversation's history in log order, with claim outcomes.
    pub fn history(&mut self, conv: &str) -> Result<Vec<HistoryEntry>> {
        self.transaction(|tx| {
            let conv = super::threading::canonical(tx, conv)?;
            let mut state = TeamState::default();
            let mut out = Vec::new();
            let flagged: BTreeSet<String> = tx
                .prepare_cached("SELECT event_id FROM events WHERE unapproved = 1")?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for (uid, e) in events_of(tx, &conv)? {
                let mut outcome = state.apply(&e);
                // Folded (later events' outcomes depend on them), not told.
                if !e.kind.in_history() {
                    continue;
                }
                if flagged.contains(&e.id) {
                    outcome = Outcome::Unapproved;
                }
                out.push(HistoryEntry {
                    uid,
                    pushed: uid.is_some(),
                    event: e,
                    outcome,
                });
            }
            Ok(out)
        })
    }

    /// Messages in the log that were not valid events: (uid, reason).
    pub fn rejected_events(&self) -> Result<Vec<(u32, String)>> {
        let mut st = self
            .conn
            .prepare("SELECT uid, reason FROM rejected_events ORDER BY uid")?;
        Ok(st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// A conversation's team state, folded from its events now.
    pub fn team_state(&mut self, conv: &str) -> Result<TeamState> {
        self.transaction(|tx| {
            let conv = super::threading::canonical(tx, conv)?;
            let mut state = TeamState::default();
            for (_, e) in events_of(tx, &conv)? {
                state.apply(&e);
            }
            Ok(state)
        })
    }

    /// Who follows a conversation.
    pub fn followers(&mut self, conv: &str) -> Result<std::collections::BTreeSet<String>> {
        Ok(self.team_state(conv)?.followers)
    }

    /// The agents this cache has seen: authors of team events and owners.
    pub fn known_agents(&self) -> Result<Vec<String>> {
        let mut st = self.conn.prepare_cached(
            "SELECT agent FROM events UNION SELECT assignee FROM conversations
             WHERE assignee IS NOT NULL ORDER BY 1",
        )?;
        Ok(st
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// The labels in use on any conversation.
    pub fn known_labels(&self) -> Result<Vec<String>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT DISTINCT label FROM conversation_labels ORDER BY 1")?;
        Ok(st
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// The current owner of a conversation, if any.
    pub fn assignee(&self, conv: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT assignee FROM conversations WHERE id = ?1",
                [conv],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }
}

impl Store {
    /// The customer messages of a conversation, by inbox folder: (folder, uids).
    pub fn inbox_uids(&self, conv: &str) -> Result<Vec<(String, Vec<u32>)>> {
        let mut st = self.conn.prepare_cached(
            "SELECT mb.name, m.uid FROM messages m JOIN mailboxes mb ON mb.id = m.mailbox_id
             WHERE m.conversation_id = ?1 AND mb.role = 'inbox' ORDER BY mb.name, m.uid",
        )?;
        let rows = st.query_map([conv], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?))
        })?;
        let mut out: Vec<(String, Vec<u32>)> = Vec::new();
        for row in rows {
            let (name, uid) = row?;
            match out.last_mut() {
                Some((n, v)) if *n == name => v.push(uid),
                _ => out.push((name, vec![uid])),
            }
        }
        Ok(out)
    }

    /// A conversation's status and labels as folded.
    pub fn team_summary(&self, conv: &str) -> Result<(crate::domain::Status, Vec<String>)> {
        let status: Option<String> = self
            .conn
            .query_row(
                "SELECT status FROM conversations WHERE id = ?1",
                [conv],
                |r| r.get(0),
            )
            .optional()?;
        let mut st = self.conn.prepare_cached(
            "SELECT label FROM conversation_labels WHERE conversation_id = ?1 ORDER BY label",
        )?;
        let labels = st
            .query_map([conv], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok((
            status
                .and_then(|s| crate::domain::Status::parse(&s))
                .unwrap_or_default(),
            labels,
        ))
    }
}

#[cfg(test)]
#[path = "refold_tests.rs"]
mod refold_tests;
