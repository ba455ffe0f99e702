//! Search: the query language (`domain::search`) turned into SQL over the
//! cache, with FTS5 for the free text. Only the requested page is read.

use super::{ListQuery, Store};
use crate::domain::ConversationSummary;
use crate::domain::search::{Lit, Term, fts_expression, parse, parse_in};
use anyhow::{Result, anyhow};
use rusqlite::OptionalExtension;
use rusqlite::types::Value;

/// How a condition asks the full-text index.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum TextForm {
    /// `c.id IN (matching messages' conversations)`: cheap when few
    /// messages match, and SQLite can start from that list.
    Index,
    /// Per conversation, whether one of its messages is in the matching
    /// set loaded beforehand (`search_scan`): cheap per conversation, for
    /// a scan in date order that stops after a page.
    Sets,
}

/// A query as SQL: the WHERE condition on conversation `c`, its
/// parameters, and the full-text expressions it reads.
#[derive(Clone, Debug)]
pub(super) struct Condition {
    pub sql: String,
    pub params: Vec<Value>,
    /// Every full-text expression the condition reads.
    pub texts: Vec<String>,
    /// The expressions every match must satisfy: the plain words, and a
    /// `from:` that stands alone.
    pub required: Vec<String>,
}

/// The condition for `query`, for agent `me`.
pub(super) fn condition(
    query: &str,
    me: &str,
    form: TextForm,
    zone: Option<chrono_tz::Tz>,
) -> Result<Condition> {
    let query = parse_in(query, zone).map_err(|e| anyhow!("search: {e}"))?;
    let mut sql: Vec<String> = vec!["c.message_count > 0".into()];
    let mut params: Vec<Value> = Vec::new();
    let mut texts = Vec::new();
    let mut required = Vec::new();
    // Plain words and phrases (the common case) go to one FTS5 MATCH.
    let mut words: Vec<&Term> = Vec::new();
    for group in &query.groups {
        if let [
            Lit {
                negated: false,
                term: t @ Term::Text { .. },
            },
        ] = group.as_slice()
        {
            words.push(t);
            continue;
        }
        if let [
            Lit {
                negated: false,
                term: Term::From(x),
            },
        ] = group.as_slice()
        {
            required.extend(from_expression(x));
        }
        let mut any = Vec::new();
        for lit in group {
            let (c, p) = term_sql(&lit.term, me, form);
            if let Some(text) = text_of(&lit.term) {
                texts.push(text);
            }
            params.extend(p);
            // NOT of a NULL comparison (no assignee) is NULL: count it false.
            any.push(if lit.negated {
                format!("NOT coalesce(({c}), 0)")
            } else {
                format!("({c})")
            });
        }
        sql.push(format!("({})", any.join(" OR ")));
    }
    if let Some(fts) = fts_expression(&words) {
        sql.push(text_match(form).into());
        params.push(Value::Text(fts.clone()));
        texts.push(fts.clone());
        required.push(fts);
    }
    Ok(Condition {
        sql: sql.join(" AND "),
        params,
        texts,
        required,
    })
}

/// Conversations with a message the FTS5 expression `?` matches.
const TEXT_MATCH: &str =
    "c.id IN (SELECT m.conversation_id FROM messages_fts f JOIN messages m ON m.id = f.rowid
                      WHERE messages_fts MATCH ?)";

/// The same, from the messages the expression matched, loaded as a set
/// (`rp_text`, see `search_scan`).
const TEXT_IN_SET: &str = "EXISTS (SELECT 1 FROM messages m INDEXED BY messages_by_conversation
                     WHERE m.conversation_id = c.id AND rp_text(?, m.id))";

fn text_match(form: TextForm) -> &'static str {
    match form {
        TextForm::Index => TEXT_MATCH,
        TextForm::Sets => TEXT_IN_SET,
    }
}

/// The full-text expression term `t` reads, if it reads one.
fn text_of(t: &Term) -> Option<String> {
    match t {
        Term::From(x) => from_expression(x),
        Term::Text { .. } => fts_expression(&[t]),
        _ => None,
    }
}

/// `from:billing.test` as the phrase "billing test" in the `sender`
/// column (display name and address, split into words), the last word a
/// prefix; `None` when it has no word.
fn from_expression(x: &str) -> Option<String> {
    let words: Vec<&str> = x
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    (!words.is_empty()).then(|| format!("sender : \"{}\"*", words.join(" ")))
}

/// One term as an SQL condition on conversation `c`, with its parameters.
fn term_sql(t: &Term, me: &str, form: TextForm) -> (String, Vec<Value>) {
    let like = |s: &str| {
        Value::Text(format!(
            "%{}%",
            s.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        ))
    };
    let one = |sql: &str, v: Value| (sql.to_string(), vec![v]);
    match t {
        Term::From(x) => match from_expression(x) {
            Some(e) => one(text_match(form), Value::Text(e)),
            None => ("0".into(), Vec::new()),
        },
        Term::To(x) => (
            "EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND (m.to_addrs LIKE ? ESCAPE '\\' OR m.cc_addrs LIKE ? ESCAPE '\\'))".into(),
            vec![like(x), like(x)],
        ),
        Term::Subject(x) => one("c.subject LIKE ? ESCAPE '\\'", like(x)),
        Term::Label(l) => one(
            "EXISTS (SELECT 1 FROM conversation_labels l WHERE l.conversation_id = c.id AND l.label = ?)",
            Value::Text(l.clone()),
        ),
        Term::Status(s) => one(
            concat!(super::conversations::status_sql!(), " = ?"),
            Value::Text(s.as_str().into()),
        ),
        Term::Assignee(None) => ("c.assignee IS NULL".into(), Vec::new()),
        Term::Assignee(Some(a)) if a == "me" => one("c.assignee = ?", Value::Text(me.into())),
        Term::Assignee(Some(a)) => one(
            "c.assignee LIKE ? ESCAPE '\\'",
            Value::Text(format!(
                "{}%",
                a.replace('%', "\\%").replace('_', "\\_")
            )),
        ),
        Term::Unread => ("c.unread_count > 0".into(), Vec::new()),
        Term::HasAttachment => ("c.has_attachment = 1".into(), Vec::new()),
        Term::Before(t) => one("c.last_date < ?", Value::Integer(*t)),
        Term::After(t) => one("c.last_date >= ?", Value::Integer(*t)),
        Term::Text { .. } => one(
            text_match(form),
            Value::Text(fts_expression(&[t]).unwrap_or_default()),
        ),
    }
}

/// Whether `query` reads the full-text index (words, phrases, `from:`).
fn uses_text(query: &str) -> bool {
    parse(query).is_ok_and(|q| {
        q.groups
            .iter()
            .flatten()
            .any(|l| matches!(l.term, Term::Text { .. } | Term::From(_)))
    })
}

impl Store {
    /// Whether a search for `query` may miss mail that is on its way: it
    /// reads the full-text index, and older mail is still to fetch or a
    /// message's text is not cached yet (a message enters the index with
    /// its body; one too large to fetch by itself, with its headers).
    pub fn search_is_partial(&self, query: &str) -> Result<bool> {
        if !uses_text(query) {
            return Ok(false);
        }
        if !self.unfetched_history()?.is_empty() {
            return Ok(true);
        }
        Ok(self.conn.query_row(
            "SELECT EXISTS(SELECT 1 FROM messages WHERE body_state = 'headers' AND size <= ?1)",
            [super::messages::AUTO_BODY_MAX as i64],
            |r| r.get(0),
        )?)
    }

    /// How many conversations match `query`.
    pub fn search_count(&self, query: &str, me: &str) -> Result<usize> {
        let Condition {
            sql: cond, params, ..
        } = condition(query, me, TextForm::Index, self.zone)?;
        let mut st = self.conn.prepare(&format!(
            "SELECT count(*) FROM conversations c WHERE {cond}"
        ))?;
        Ok(st.query_row(rusqlite::params_from_iter(params), |r| r.get::<_, i64>(0))? as usize)
    }

    /// Whether conversation `id` matches `query`.
    pub fn search_has(&self, query: &str, me: &str, id: &str) -> Result<bool> {
        let Condition {
            sql: cond,
            mut params,
            ..
        } = condition(query, me, TextForm::Index, self.zone)?;
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
        let Condition {
            sql: cond, params, ..
        } = condition(query, me, TextForm::Index, self.zone)?;
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
        let Condition {
            sql: cond,
            mut params,
            ..
        } = condition(query, me, TextForm::Index, self.zone)?;
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
            vec![
                "THIS IS UNACCEPTABLE - third outage this week",
                "Adding five seats for new hires",
                "Sync delays after the October update"
            ]
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

    /// `before:` and `after:` days begin at the agent's midnight: in
    /// Auckland a conversation last written at 12:00 UTC on day D is on
    /// D + 1 there, so `before:D+1` leaves it out (at UTC's it was in).
    #[test]
    fn dates_begin_at_the_agents_midnight() {
        let mut s = Store::open_in_memory().unwrap();
        crate::demo::load(&mut s, &crate::config::Config::demo(), 1_800_000_000).unwrap();
        let me = "dana@example.com";
        let c = s
            .list_conversations(ListQuery::ALL)
            .unwrap()
            .into_iter()
            .find(|c| {
                let h = (c.last_date.rem_euclid(86_400)) / 3600;
                (12..22).contains(&h)
            })
            .expect("a conversation last written in the UTC afternoon");
        let day = chrono::DateTime::from_timestamp(c.last_date, 0)
            .unwrap()
            .date_naive();
        let next = (day + chrono::Duration::days(1)).format("%Y-%m-%d");
        let q = format!("before:{next}");
        s.set_zone(Some(chrono_tz::UTC));
        assert!(
            s.search_has(&q, me, &c.id).unwrap(),
            "{q} at UTC's midnight"
        );
        s.set_zone(Some(chrono_tz::Pacific::Auckland));
        assert!(
            !s.search_has(&q, me, &c.id).unwrap(),
            "{q} at Auckland's midnight"
        );
        assert!(s.search_has(&format!("after:{next}"), me, &c.id).unwrap());
    }

    #[test]
    fn or_and_negation_over_the_demo() {
        let mut s = Store::open_in_memory().unwrap();
        crate::demo::load(&mut s, &crate::config::Config::demo(), 1_800_000_000).unwrap();
        let me = "dana@example.com";
        let n = |q: &str| s.search_count(q, me).unwrap();
        let all = n("");
        let (billing, bug) = (n("label:billing"), n("label:bug"));
        let both = n("label:billing label:bug");
        assert!(billing > 0 && bug > 0);
        assert_eq!(n("label:billing OR label:bug"), billing + bug - both);
        assert_eq!(n("-label:billing"), all - billing);
        assert_eq!(n("NOT label:billing"), all - billing);
        // NOT of "no assignee" counts the unassigned out, not as unknown.
        assert_eq!(n("-assignee:me") + n("assignee:me"), all);
        let refund = n("refund");
        assert_eq!(n("-refund"), all - refund);
        assert_eq!(
            n("refund OR label:bug"),
            n("refund") + bug - n("refund label:bug")
        );
        assert!(
            s.search_count("lable:bug", me)
                .unwrap_err()
                .to_string()
                .contains("unknown field")
        );
    }
}
