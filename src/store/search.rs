//! Search: the query language (`domain::search`) turned into SQL over the
//! cache, with FTS5 for the free text. Only the requested page is read.

use super::{ListQuery, Store};
use crate::domain::ConversationSummary;
use crate::domain::search::{Term, fts_expression, parse};
use anyhow::{Result, anyhow};
use rusqlite::OptionalExtension;
use rusqlite::types::Value;

/// The WHERE condition and its parameters for `query`, for agent `me`.
fn condition(query: &str, me: &str) -> Result<(String, Vec<Value>)> {
    let terms = parse(query).map_err(|e| anyhow!("search: {e}"))?;
    let mut sql: Vec<String> = vec!["c.message_count > 0".into()];
    let mut params: Vec<Value> = Vec::new();
    let like = |s: &str| {
        Value::Text(format!(
            "%{}%",
            s.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        ))
    };
    for t in &terms {
        match t {
            // The sender through the full-text index (its `sender` column:
            // display name and address, split into words): `from:billing.test`
            // is the phrase "billing test", the last word a prefix.
            Term::From(x) => {
                let words: Vec<&str> = x
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|w| !w.is_empty())
                    .collect();
                if words.is_empty() {
                    sql.push("0".into());
                    continue;
                }
                sql.push(
                    "c.id IN (SELECT m.conversation_id FROM messages_fts f JOIN messages m ON m.id = f.rowid
                              WHERE messages_fts MATCH ?)"
                        .into(),
                );
                params.push(Value::Text(format!("sender : \"{}\"*", words.join(" "))));
            }
            Term::To(x) => {
                sql.push("EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND (m.to_addrs LIKE ? ESCAPE '\\' OR m.cc_addrs LIKE ? ESCAPE '\\'))".into());
                params.push(like(x));
                params.push(like(x));
            }
            Term::Subject(x) => {
                sql.push("c.subject LIKE ? ESCAPE '\\'".into());
                params.push(like(x));
            }
            Term::Label(l) => {
                sql.push("EXISTS (SELECT 1 FROM conversation_labels l WHERE l.conversation_id = c.id AND l.label = ?)".into());
                params.push(Value::Text(l.clone()));
            }
            Term::Status(s) => {
                sql.push(concat!(super::conversations::status_sql!(), " = ?").into());
                params.push(Value::Text(s.as_str().into()));
            }
            Term::Assignee(None) => sql.push("c.assignee IS NULL".into()),
            Term::Assignee(Some(a)) if a == "me" => {
                sql.push("c.assignee = ?".into());
                params.push(Value::Text(me.into()));
            }
            Term::Assignee(Some(a)) => {
                sql.push("c.assignee LIKE ? ESCAPE '\\'".into());
                params.push(Value::Text(format!(
                    "{}%",
                    a.replace('%', "\\%").replace('_', "\\_")
                )));
            }
            Term::Unread => sql.push("c.unread_count > 0".into()),
            Term::HasAttachment => sql.push("c.has_attachment = 1".into()),
            Term::Before(t) => {
                sql.push("c.last_date < ?".into());
                params.push(Value::Integer(*t));
            }
            Term::After(t) => {
                sql.push("c.last_date >= ?".into());
                params.push(Value::Integer(*t));
            }
            Term::Text { .. } => {}
        }
    }
    if let Some(fts) = fts_expression(&terms) {
        sql.push(
            "c.id IN (SELECT m.conversation_id FROM messages_fts f JOIN messages m ON m.id = f.rowid
                      WHERE messages_fts MATCH ?)"
                .into(),
        );
        params.push(Value::Text(fts));
    }
    Ok((sql.join(" AND "), params))
}

impl Store {
    /// How many conversations match `query`.
    pub fn search_count(&self, query: &str, me: &str) -> Result<usize> {
        let (cond, params) = condition(query, me)?;
        let mut st = self.conn.prepare(&format!(
            "SELECT count(*) FROM conversations c WHERE {cond}"
        ))?;
        Ok(st.query_row(rusqlite::params_from_iter(params), |r| r.get::<_, i64>(0))? as usize)
    }

    /// Whether conversation `id` matches `query`.
    pub fn search_has(&self, query: &str, me: &str, id: &str) -> Result<bool> {
        let (cond, mut params) = condition(query, me)?;
        params.push(id.to_string().into());
        let mut st = self.conn.prepare(&format!(
            "SELECT EXISTS (SELECT 1 FROM conversations c WHERE {cond} AND c.id = ?)"
        ))?;
        Ok(st.query_row(rusqlite::params_from_iter(params), |r| r.get(0))?)
    }

    /// One page of the conversations matching `query`, newest first.
    /// Every conversation matching `query`, newest first (ids only): run
    /// once per search; the list pages over it with `summaries`.
    pub fn search_all_ids(&self, query: &str, me: &str) -> Result<Vec<String>> {
        let (cond, params) = condition(query, me)?;
        let mut st = self.conn.prepare(&format!(
            "SELECT c.id FROM conversations c WHERE {cond} ORDER BY c.last_date DESC, c.id"
        ))?;
        let rows = st.query_map(rusqlite::params_from_iter(params), |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The summaries of `ids`, in that order (one page of a search).
    pub fn summaries(&self, ids: &[String]) -> Result<Vec<ConversationSummary>> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {} FROM conversations c WHERE c.id = ?1",
            super::conversations::SUMMARY_COLUMNS
        ))?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(s) = st
                .query_row([id], super::conversations::summary)
                .optional()?
            {
                out.push(s);
            }
        }
        Ok(out)
    }

    pub fn search(&self, query: &str, me: &str, q: ListQuery) -> Result<Vec<ConversationSummary>> {
        let (cond, mut params) = condition(query, me)?;
        params.push(Value::Integer(q.limit as i64));
        params.push(Value::Integer(q.offset as i64));
        let sql = format!(
            "SELECT {} FROM conversations c WHERE {cond} ORDER BY c.last_date DESC, c.id LIMIT ? OFFSET ?",
            super::conversations::SUMMARY_COLUMNS
        );
        let mut st = self.conn.prepare(&sql)?;
        let rows = st.query_map(
            rusqlite::params_from_iter(params),
            super::conversations::summary,
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_over_the_demo() {
        let mut s = Store::open_in_memory().unwrap();
        crate::demo::load(&mut s, &crate::config::Config::demo(), 1_800_000_000).unwrap();
        let me = "dana@example.com";
        let subjects = |q: &str| -> Vec<String> {
            s.search(q, me, ListQuery::ALL)
                .unwrap()
                .into_iter()
                .map(|c| c.subject)
                .collect()
        };
        assert_eq!(
            subjects("from:blakeandco"),
            vec!["THIS IS UNACCEPTABLE - third outage this week"]
        );
        assert!(
            subjects("refund")
                .iter()
                .any(|s| s.contains("Refund request"))
        );
        assert!(
            subjects("\"storage cluster\"")
                .iter()
                .any(|s| s.contains("UNACCEPTABLE")),
            "phrase in a body"
        );
        assert!(
            subjects("rechnung").iter().any(|s| s.contains("Rechnung")),
            "diacritics and case"
        );
        let mine = s
            .search("assignee:me status:pending", me, ListQuery::ALL)
            .unwrap();
        assert!(!mine.is_empty() && mine.iter().all(|c| c.assignee.as_deref() == Some(me)));
        assert!(
            s.search("has:attachment label:bug", me, ListQuery::ALL)
                .unwrap()
                .iter()
                .all(|c| c.has_attachment)
        );
        assert_eq!(
            s.search_count("is:unread assignee:none", me).unwrap(),
            s.search("is:unread assignee:none", me, ListQuery::ALL)
                .unwrap()
                .len()
        );
        assert!(
            s.search("status:done", me, ListQuery::ALL)
                .unwrap_err()
                .to_string()
                .contains("unknown status")
        );
        assert_eq!(s.search_count("after:2099-01-01", me).unwrap(), 0);
    }
}
