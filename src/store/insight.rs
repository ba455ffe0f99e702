//! The facts the figures are computed from (`domain::insight`), read from
//! the cache in a few scans: conversations, their messages, and the log's
//! status and sent events.

use super::Store;
use crate::domain::Status;
use crate::domain::insight::{Case, Reply};
use anyhow::Result;
use std::collections::HashMap;

fn bare(id: &str) -> &str {
    id.trim().trim_matches(|c| c == '<' || c == '>')
}

impl Store {
    /// Every conversation that is not spam or in the trash, as a
    /// [`Case`]: customer messages, replies by people (automatic mail such
    /// as acknowledgements is left out), status changes.
    pub fn insight_cases(&self) -> Result<Vec<Case>> {
        self.cases_of(None)
    }

    /// One conversation as a [`Case`] (None: no such conversation, or no
    /// message in it).
    pub fn insight_case(&self, id: &str) -> Result<Option<Case>> {
        Ok(self.cases_of(Some(id))?.pop())
    }

    fn cases_of(&self, only: Option<&str>) -> Result<Vec<Case>> {
        let mut cases: Vec<Case> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut st = self.conn.prepare(
            "SELECT id, subject, assignee FROM conversations
             WHERE (place IS NULL OR place = 'archive') AND message_count > 0
               AND (?1 IS NULL OR id = ?1)",
        )?;
        let rows = st.query_map([only], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })?;
        for row in rows {
            let (id, subject, assignee) = row?;
            index.insert(id.clone(), cases.len());
            cases.push(Case {
                id,
                subject,
                assignee,
                ..Case::default()
            });
        }
        let mut st = self
            .conn
            .prepare("SELECT conversation_id, label FROM conversation_labels WHERE ?1 IS NULL OR conversation_id = ?1")?;
        let rows = st.query_map([only], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        for row in rows {
            let (c, l) = row?;
            if let Some(&i) = index.get(&c) {
                cases[i].labels.push(l);
            }
        }
        // Who sent what, from the log's sent events.
        let mut senders: HashMap<String, String> = HashMap::new();
        let mut st = self.conn.prepare(
            "SELECT json_extract(payload, '$.message_id'), agent FROM events WHERE kind = 'sent' AND unapproved = 0",
        )?;
        let rows = st.query_map([], |r| {
            Ok((r.get::<_, Option<String>>(0)?, r.get::<_, String>(1)?))
        })?;
        for row in rows {
            if let (Some(m), agent) = row? {
                senders.insert(bare(&m).to_string(), agent);
            }
        }
        // Messages: a copy in two folders counts once. The index gives them
        // in (conversation, Message-ID) order, so copies come together.
        // (A GROUP BY in SQL sorts every message and costs several times more.)
        let mut st = self.conn.prepare(
            "SELECT conversation_id, message_id, internal_date, from_team,
                    auto_refusal IS NOT NULL, coalesce(nullif(from_name, ''), from_email)
             FROM messages INDEXED BY messages_insight WHERE ?1 IS NULL OR conversation_id = ?1",
        )?;
        let mut rows = st.query([only])?;
        let (mut last_c, mut last_m) = (String::new(), String::new());
        while let Some(r) = rows.next()? {
            let c = r.get_ref(0)?.as_str()?;
            let mid = r.get_ref(1)?.as_str()?;
            if c == last_c && mid == last_m {
                continue;
            }
            last_c.clear();
            last_c.push_str(c);
            last_m.clear();
            last_m.push_str(mid);
            let Some(&i) = index.get(c) else { continue };
            let at: i64 = r.get(2)?;
            let (team, automatic): (bool, bool) = (r.get(3)?, r.get(4)?);
            if !team {
                cases[i].customer.push(at);
            } else if !automatic {
                let agent = match senders.get(bare(mid)) {
                    Some(a) => a.clone(),
                    None => r.get::<_, Option<String>>(5)?.unwrap_or_default(),
                };
                cases[i].replies.push(Reply { at, agent });
            }
        }
        // Status changes, addressed to a conversation or to a name it had
        // before a merge.
        let aliases: HashMap<String, String> = self
            .conn
            .prepare("SELECT alias, canonical FROM conversation_aliases")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut st = self.conn.prepare(
            "SELECT conversation, at, json_extract(payload, '$.status') FROM events
             WHERE kind = 'status' AND unapproved = 0
               AND (?1 IS NULL OR conversation = ?1
                    OR conversation IN (SELECT alias FROM conversation_aliases WHERE canonical = ?1))",
        )?;
        let rows = st.query_map([only], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })?;
        for row in rows {
            let (c, at, status) = row?;
            let c = aliases.get(&c).unwrap_or(&c);
            let (Some(&i), Some(s)) = (index.get(c), status.as_deref().and_then(Status::parse))
            else {
                continue;
            };
            cases[i].statuses.push((at, s));
        }
        for c in &mut cases {
            // By time (two changes in the same second: in the index's order).
            c.statuses.sort_by_key(|s| s.0);
            c.labels.sort();
            c.customer.sort_unstable();
            c.replies.sort_by_key(|r| r.at);
        }
        Ok(cases)
    }
}
