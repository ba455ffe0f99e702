//! The facts the figures are computed from (`domain::insight`), read from
//! the cache in a few scans: conversations, their messages, and the log's
//! status and sent events.

use super::Store;
use crate::domain::Status;
use crate::domain::insight::{Case, Reply};
use anyhow::Result;
use rusqlite::OptionalExtension;
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
        // One conversation (a page of the list asks one at a time) is read
        // through the indexes; `?1 IS NULL OR id = ?1` would scan every row
        // of each table for each one. `all` is the condition for every case.
        let by = |all: &'static str, one: &'static str| if only.is_some() { one } else { all };
        let mut st = self.conn.prepare(&format!(
            "SELECT id, subject, assignee FROM conversations
             WHERE (place IS NULL OR place = 'archive') AND message_count > 0 AND {}",
            by("?1 IS NULL", "id = ?1")
        ))?;
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
        let mut st = self.conn.prepare(&format!(
            "SELECT conversation_id, label FROM conversation_labels WHERE {}",
            by("?1 IS NULL", "conversation_id = ?1")
        ))?;
        let rows = st.query_map([only], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        for row in rows {
            let (c, l) = row?;
            if let Some(&i) = index.get(&c) {
                cases[i].labels.push(l);
            }
        }
        // Who sent what, from the log's sent events: all of them for every
        // case; for one, those naming its messages (read below). Two sent
        // events for one message (never written so): the last in the
        // index's order, (message, agent), wins either way.
        let mut senders: HashMap<String, String> = HashMap::new();
        if only.is_none() {
            let mut st = self.conn.prepare(
                "SELECT json_extract(payload, '$.message_id'), agent FROM events WHERE kind = 'sent' AND unapproved = 0
                 ORDER BY kind, json_extract(payload, '$.message_id'), agent",
            )?;
            let rows = st.query_map([], |r| {
                Ok((r.get::<_, Option<String>>(0)?, r.get::<_, String>(1)?))
            })?;
            for row in rows {
                if let (Some(m), agent) = row? {
                    senders.insert(bare(&m).to_string(), agent);
                }
            }
        }
        let mut sender_of = self.conn.prepare_cached(
            "SELECT agent FROM events WHERE kind = 'sent' AND unapproved = 0
               AND json_extract(payload, '$.message_id') IN (?1, '<' || ?1 || '>')
             ORDER BY agent DESC LIMIT 1",
        )?;
        // Messages: a copy in two folders counts once. In (conversation,
        // Message-ID) order copies come together; the index gives that order
        // without a sort. (A GROUP BY in SQL sorts every message and costs
        // several times more.) A first sync builds the index at its end: a
        // report meanwhile sorts instead.
        let hint = if super::deferred::has(&self.conn, "messages_insight")? {
            "INDEXED BY messages_insight"
        } else {
            ""
        };
        let mut st = self.conn.prepare(&format!(
            "SELECT conversation_id, message_id, internal_date, from_team,
                    auto_refusal IS NOT NULL, coalesce(nullif(from_name, ''), from_email)
             FROM messages {hint} WHERE {}
             ORDER BY conversation_id, message_id",
            by("?1 IS NULL", "conversation_id = ?1")
        ))?;
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
                let sent_by = match only {
                    None => senders.get(bare(mid)).cloned(),
                    Some(_) => sender_of.query_row([bare(mid)], |r| r.get(0)).optional()?,
                };
                let agent = match sent_by {
                    Some(a) => a,
                    None => r.get::<_, Option<String>>(5)?.unwrap_or_default(),
                };
                cases[i].replies.push(Reply { at, agent });
            }
        }
        // Status changes, addressed to a conversation or to a name it had
        // before a merge.
        let aliases: HashMap<String, String> = self
            .conn
            .prepare(&format!(
                "SELECT alias, canonical FROM conversation_aliases WHERE {}",
                by("?1 IS NULL", "canonical = ?1")
            ))?
            .query_map([only], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut st = self.conn.prepare(&format!(
            "SELECT conversation, at, json_extract(payload, '$.status') FROM events
             WHERE kind = 'status' AND unapproved = 0 AND {}",
            by(
                "?1 IS NULL",
                "conversation IN (SELECT ?1 UNION ALL SELECT alias FROM conversation_aliases WHERE canonical = ?1)"
            )
        ))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A page of the list reads its conversations one at a time through
    /// the indexes: each agrees with the scan of every case, on the demo
    /// mailbox (weeks of history, several agents, statuses, labels).
    #[test]
    fn one_case_is_read_as_the_scan_of_all_reads_it() {
        let mut s = Store::open_in_memory().unwrap();
        crate::demo::load(&mut s, &crate::config::Config::demo(), 1_800_000_000).unwrap();
        let all = s.insight_cases().unwrap();
        assert!(all.len() > 20, "{} cases", all.len());
        assert!(
            all.iter()
                .any(|c| !c.statuses.is_empty() && !c.replies.is_empty())
        );
        for c in &all {
            assert_eq!(s.insight_case(&c.id).unwrap().as_ref(), Some(c), "{}", c.id);
        }
        assert_eq!(s.insight_case("nothing").unwrap(), None);
    }
}

#[cfg(test)]
mod without_the_index {
    use super::*;

    /// During a first sync the report index is built only at its end: a
    /// report meanwhile reads the same cases, by a sort instead.
    #[test]
    fn a_report_without_its_index_reads_the_same_cases() {
        let mut s = Store::open_in_memory().unwrap();
        crate::demo::load(&mut s, &crate::config::Config::demo(), 1_800_000_000).unwrap();
        let with = s.insight_cases().unwrap();
        let one = s.insight_case(&with[0].id).unwrap();
        s.conn.execute_batch("DROP INDEX messages_insight").unwrap();
        assert_eq!(s.insight_cases().unwrap(), with);
        assert_eq!(s.insight_case(&with[0].id).unwrap(), one);
        // Built again, the planner reads it in order: no sort.
        s.build_indexes().unwrap();
        let plan = s.query_plan(
            "SELECT conversation_id, message_id, internal_date, from_team,
                auto_refusal IS NOT NULL, coalesce(nullif(from_name, ''), from_email)
             FROM messages INDEXED BY messages_insight WHERE ?1 IS NULL
             ORDER BY conversation_id, message_id",
            [rusqlite::types::Null],
        );
        assert!(!plan.iter().any(|p| p.contains("TEMP B-TREE")), "{plan:?}");
    }
}
