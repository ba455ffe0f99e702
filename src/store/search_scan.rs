//! A search that shows its first page at once, however much it matches.
//!
//! Reading every match before the first page costs what the search
//! matches: a common word in a large mailbox is tens of thousands of
//! conversations, each found through its messages. When the words match
//! few messages the whole result is read at once (`TextForm::Index`);
//! otherwise the conversations are scanned newest first, a slice at a
//! time, and each is checked against the messages the words matched,
//! loaded once as sorted sets of message ids (`TextForm::Sets`, the SQL
//! function `rp_text`). The first slice fills the page; the caller
//! continues the scan between keys until it is complete.

use super::Store;
use super::search::{Condition, TextForm, condition};
use anyhow::Result;
use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;
use rusqlite::types::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Words matching at most this many messages are read whole at once.
pub const NARROW: usize = 10_000;

/// Conversations examined by the first statement of a scan; the next
/// are sized to take about `SLICE_TIME` (a word in every other message
/// costs more per conversation than a label).
pub(super) const SLICE: usize = 500;
const SLICE_TIME: Duration = Duration::from_millis(4);
const SLICE_RANGE: (usize, usize) = (50, 20_000);

/// The messages each full-text expression of the current search matched,
/// sorted (read by `rp_text`).
pub(super) type TextSets = Arc<Mutex<HashMap<String, Vec<i64>>>>;

/// Registers `rp_text(expression, message id)` on `conn`: whether the
/// message is in the set loaded for that expression. A set that is not
/// loaded is an error, never a silent "no".
pub(super) fn register(conn: &Connection, sets: TextSets) -> Result<()> {
    conn.create_scalar_function("rp_text", 2, FunctionFlags::SQLITE_UTF8, move |ctx| {
        let expr = ctx.get_raw(0).as_str().unwrap_or_default();
        let id = ctx.get::<i64>(1)?;
        let sets = sets.lock().unwrap_or_else(|e| e.into_inner());
        match sets.get(expr) {
            Some(ids) => Ok(ids.binary_search(&id).is_ok()),
            None => Err(rusqlite::Error::UserFunctionError(
                "search: text set not loaded".into(),
            )),
        }
    })?;
    Ok(())
}

/// Where a scan stopped: the last conversation examined, in list order
/// (newest first, then by id).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Cursor {
    last_date: i64,
    id: String,
}

/// A search under way: the ids found so far, newest first, and where the
/// scan goes on (`None`: complete).
#[derive(Clone, Debug)]
pub struct Search {
    query: String,
    /// The query as SQL, built once (each step of the scan reuses it).
    cond: Condition,
    ids: Vec<String>,
    next: Option<Cursor>,
    /// Conversations examined per statement (`SLICE`, then sized by time).
    slice: usize,
    /// The slice stays as set (tests).
    fixed: bool,
}

impl Search {
    pub fn query(&self) -> &str {
        &self.query
    }

    /// The matches found so far, newest first.
    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    /// Every match is found (the count is final).
    pub fn is_complete(&self) -> bool {
        self.next.is_none()
    }
}

impl Store {
    /// Begins a search for `query`: the whole result when it is cheap to
    /// read at once, else the first `want` matches (or as many as the scan
    /// finds within `budget`), to go on with `search_more`.
    pub fn search_begin(
        &self,
        query: &str,
        me: &str,
        want: usize,
        budget: Duration,
    ) -> Result<Search> {
        let mut search = Search {
            query: query.to_string(),
            cond: condition(query, me, TextForm::Sets, self.zone)?,
            ids: Vec::new(),
            next: None,
            slice: self.search_slice.unwrap_or(SLICE),
            fixed: self.search_slice.is_some(),
        };
        let c = &search.cond;
        // The sets are read first (one query per expression), and tell
        // the fewest messages a match must be among, if any expression is
        // required.
        self.load_text_sets(&c.texts, true)?;
        let fewest = {
            let sets = self.text_sets.lock().unwrap_or_else(|e| e.into_inner());
            c.required
                .iter()
                .filter_map(|r| sets.get(r).map(Vec::len))
                .min()
        };
        if fewest.is_some_and(|n| n <= self.search_narrow) {
            search.ids = self.search_all_ids(query, me)?;
            return Ok(search);
        }
        search.next = Some(Cursor {
            last_date: i64::MAX,
            id: String::new(),
        });
        self.search_more(&mut search, want, budget)?;
        // Not a page in the newest mail, among not many messages: the
        // matches are older mail, close together; read them whole.
        if search.ids.len() < want
            && !search.is_complete()
            && fewest.is_some_and(|n| n <= 4 * self.search_narrow)
        {
            search.ids = self.search_all_ids(query, me)?;
            search.next = None;
        }
        Ok(search)
    }

    /// Scans on until `search` has `want` matches, is complete, or
    /// `budget` is spent (at least one slice is read).
    pub fn search_more(&self, search: &mut Search, want: usize, budget: Duration) -> Result<()> {
        let started = Instant::now();
        self.load_text_sets(&search.cond.texts, false)?;
        while let Some(from) = search.next.take() {
            let t = Instant::now();
            search.next = self.scan_slice(&search.cond, from, search.slice, &mut search.ids)?;
            if !search.fixed {
                let took = t.elapsed().as_secs_f64().max(1e-6);
                let next = search.slice as f64 * SLICE_TIME.as_secs_f64() / took;
                search.slice = (next as usize).clamp(SLICE_RANGE.0, SLICE_RANGE.1);
            }
            if search.ids.len() >= want || started.elapsed() >= budget {
                break;
            }
        }
        Ok(())
    }

    /// Examines the next `slice` conversations after `from`, adding the
    /// matches to `ids`; where to go on, or `None` at the end.
    fn scan_slice(
        &self,
        c: &Condition,
        from: Cursor,
        slice: usize,
        ids: &mut Vec<String>,
    ) -> Result<Option<Cursor>> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT c.id, c.last_date, coalesce(({}), 0)
             FROM conversations c INDEXED BY conversations_by_last_date
             WHERE c.last_date <= ? AND (c.last_date < ? OR c.id > ?)
             ORDER BY c.last_date DESC, c.id LIMIT ?",
            c.sql
        ))?;
        let mut params = c.params.clone();
        params.extend([
            Value::Integer(from.last_date),
            Value::Integer(from.last_date),
            Value::Text(from.id),
            Value::Integer(slice as i64),
        ]);
        let mut rows = st.query(rusqlite::params_from_iter(params))?;
        let (mut seen, mut last) = (0, None);
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            if r.get::<_, bool>(2)? {
                ids.push(id.clone());
            }
            last = Some(Cursor {
                last_date: r.get(1)?,
                id,
            });
            seen += 1;
        }
        Ok(if seen < slice { None } else { last })
    }

    /// Loads the message set of each expression in `texts` (all of them
    /// afresh when `fresh`: a new search reads the cache as it is now).
    fn load_text_sets(&self, texts: &[String], fresh: bool) -> Result<()> {
        let mut sets = self.text_sets.lock().unwrap_or_else(|e| e.into_inner());
        if fresh {
            sets.clear();
        }
        let mut st = self
            .conn
            .prepare_cached("SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?1")?;
        for t in texts {
            if sets.contains_key(t) {
                continue;
            }
            let mut ids: Vec<i64> = st
                .query_map([t], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            ids.sort_unstable();
            sets.insert(t.clone(), ids);
        }
        Ok(())
    }

    /// Sets how many messages the words may match for a search to be read
    /// whole at once (`NARROW`), and how many conversations a scan
    /// examines per statement (`SLICE`): tests make the demo scan.
    pub fn set_search_scan(&mut self, narrow: usize, slice: usize) {
        self.search_narrow = narrow;
        self.search_slice = Some(slice.max(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Queries of every kind: words common and rare, phrases, senders,
    /// fields, OR, negation, nothing.
    const QUERIES: &[&str] = &[
        "",
        "refund",
        "the",
        "\"storage cluster\"",
        "rechnung",
        "from:blakeandco",
        "from:example",
        "-refund",
        "NOT refund label:billing",
        "refund OR label:bug",
        "from:blakeandco OR the",
        "is:unread the",
        "label:billing",
        "subject:refund",
        "assignee:none -the",
        "nosuchwordanywhere",
    ];

    fn demo() -> Store {
        let mut s = Store::open_in_memory().unwrap();
        crate::demo::load(&mut s, &crate::config::Config::demo(), 1_800_000_000).unwrap();
        s
    }

    /// Runs `query` to the end in slices of `slice`, `want` at a time.
    fn scanned(s: &mut Store, query: &str, slice: Option<usize>, want: usize) -> Vec<String> {
        let me = "dana@example.com";
        s.search_slice = slice;
        let mut search = s.search_begin(query, me, want, Duration::ZERO).unwrap();
        let mut rounds = 0;
        while !search.is_complete() {
            let n = search.ids().len();
            s.search_more(&mut search, n + want, Duration::ZERO)
                .unwrap();
            rounds += 1;
            assert!(rounds < 10_000, "the scan of {query:?} goes on");
        }
        search.ids().to_vec()
    }

    #[test]
    fn a_scan_finds_what_the_whole_search_finds_in_its_order() {
        let mut s = demo();
        let me = "dana@example.com";
        for narrow in [NARROW, 0] {
            s.set_search_scan(narrow, SLICE);
            for q in QUERIES {
                let whole = s.search_all_ids(q, me).unwrap();
                for (slice, want) in [
                    (Some(1), 1),
                    (Some(3), 2),
                    (Some(7), 50),
                    (None, 1),
                    (None, 20),
                ] {
                    assert_eq!(
                        scanned(&mut s, q, slice, want),
                        whole,
                        "{q:?}, narrow {narrow}, slice {slice:?}, want {want}"
                    );
                }
            }
        }
        // Words matching few messages are read whole at once.
        s.set_search_scan(NARROW, 1);
        let first = s.search_begin("refund", me, 1, Duration::ZERO).unwrap();
        assert!(first.is_complete(), "read whole, not scanned");
        s.set_search_scan(0, 1);
        let first = s.search_begin("refund", me, 1, Duration::ZERO).unwrap();
        assert!(!first.is_complete(), "a scan, one conversation at a time");
    }

    #[test]
    fn a_scan_keeps_its_place_among_conversations_of_the_same_time() {
        let mut s = demo();
        s.set_search_scan(0, SLICE);
        // Every conversation at one time: the order is by id alone.
        s.conn
            .execute("UPDATE conversations SET last_date = 1700000000", [])
            .unwrap();
        for q in ["", "the", "-refund", "label:billing"] {
            let whole = s.search_all_ids(q, "dana@example.com").unwrap();
            assert!(whole.len() > 1, "{q:?}");
            assert_eq!(scanned(&mut s, q, Some(1), 1), whole, "{q:?}");
            assert_eq!(scanned(&mut s, q, Some(4), 3), whole, "{q:?}");
        }
    }

    #[test]
    fn a_bad_query_is_an_error_and_a_scan_begun_again_finds_the_same() {
        let mut s = demo();
        s.set_search_scan(0, SLICE);
        let me = "dana@example.com";
        let before = s.search_all_ids("refund", me).unwrap();
        let search = s.search_begin("refund", me, 1, Duration::ZERO).unwrap();
        assert!(!search.ids().is_empty());
        // A bad query is an error, whichever way it would be read.
        assert!(s.search_begin("lable:x", me, 1, Duration::ZERO).is_err());
        assert_eq!(scanned(&mut s, "refund", Some(2), 1), before);
    }

    #[test]
    fn a_first_slice_without_a_page_among_few_messages_reads_them_whole() {
        let mut s = demo();
        let me = "dana@example.com";
        let n = s.fts_matches("\"refund\"*") as usize;
        assert!(n >= 2, "{n}");
        let whole = s.search_all_ids("refund", me).unwrap();
        // More messages than narrow, at most four times as many.
        s.set_search_scan(n / 2, 1);
        let first = s.search_begin("refund", me, 50, Duration::ZERO).unwrap();
        assert!(first.is_complete());
        assert_eq!(first.ids(), whole);
        // More than four times: it scans on.
        s.set_search_scan((n - 1) / 4, 1);
        let first = s.search_begin("refund", me, 50, Duration::ZERO).unwrap();
        assert!(!first.is_complete());
        // A `from:` alone is required too; in an OR it is not.
        let c = condition("from:blakeandco refund", me, TextForm::Sets, None).unwrap();
        assert_eq!(c.required.len(), 2);
        let c = condition("from:blakeandco OR label:bug", me, TextForm::Sets, None).unwrap();
        assert!(c.required.is_empty());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

        /// Any query of the language's pieces, scanned in any slices,
        /// finds what the whole search finds, in its order.
        #[test]
        fn any_query_scans_to_the_whole_result(
            terms in proptest::collection::vec(0usize..TERMS.len(), 0..4),
            ors in proptest::collection::vec(proptest::bool::ANY, 4),
            slice in 1usize..40,
            want in 1usize..30,
        ) {
            let mut s = demo();
            let me = "dana@example.com";
            let mut q = String::new();
            for (i, t) in terms.iter().enumerate() {
                if i > 0 && ors[i] {
                    q.push_str(" OR ");
                } else if i > 0 {
                    q.push(' ');
                }
                q.push_str(TERMS[*t]);
            }
            let whole = s.search_all_ids(&q, me).unwrap();
            s.set_search_scan(0, slice);
            proptest::prop_assert_eq!(scanned(&mut s, &q, Some(slice), want), whole, "{}", q);
        }
    }

    const TERMS: &[&str] = &[
        "refund",
        "the",
        "-the",
        "from:blakeandco",
        "-from:example",
        "label:billing",
        "is:unread",
        "has:attachment",
        "\"storage cluster\"",
        "NOT refund",
        "subject:re",
        "assignee:none",
        "status:pending",
        "to:support",
        "after:2025-01-01",
        "zzzz",
    ];
}
