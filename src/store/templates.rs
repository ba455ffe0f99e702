//! Team templates folded from the log (the latest `template` event per name
//! in log order; a deletion hides it), and local template use for ranking.

use super::Store;
use crate::domain::events::{Event, EventKind};
use anyhow::Result;
use rusqlite::params;
use std::collections::BTreeMap;

impl Store {
    /// The team's templates: name → text (Markdown with front matter).
    pub fn team_templates(&self) -> Result<BTreeMap<String, String>> {
        let mut st = self.conn.prepare_cached(
            "SELECT payload FROM events WHERE kind = 'template' ORDER BY uid IS NULL, uid, seq",
        )?;
        let rows = st.query_map([], |r| r.get::<_, String>(0))?;
        let mut out = BTreeMap::new();
        for r in rows {
            if let Ok(Event {
                kind: EventKind::Template { name, body },
                ..
            }) = serde_json::from_str::<Event>(&r?)
            {
                match body {
                    Some(b) => out.insert(name, b),
                    None => out.remove(&name),
                };
            }
        }
        Ok(out)
    }

    /// The last text of a team template that is deleted now (to restore
    /// it); None when it is not deleted or never existed.
    pub fn deleted_team_template(&self, name: &str) -> Result<Option<String>> {
        let mut st = self.conn.prepare_cached(
            "SELECT payload FROM events WHERE kind = 'template' ORDER BY uid IS NULL, uid, seq",
        )?;
        let rows = st.query_map([], |r| r.get::<_, String>(0))?;
        let (mut last, mut deleted) = (None, false);
        for r in rows {
            if let Ok(Event {
                kind: EventKind::Template { name: n, body },
                ..
            }) = serde_json::from_str::<Event>(&r?)
                && n == name
            {
                deleted = body.is_none();
                if body.is_some() {
                    last = body;
                }
            }
        }
        Ok(last.filter(|_| deleted))
    }

    /// Counts one use of a template (for the picker's ranking).
    pub fn template_used(&mut self, name: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO template_usage(name, uses, last_used) VALUES (?1, 1, ?2)
             ON CONFLICT(name) DO UPDATE SET uses = uses + 1, last_used = excluded.last_used",
            params![name, chrono::Utc::now().timestamp()],
        )?;
        Ok(())
    }

    /// Template name → (uses, last used).
    pub fn template_usage(&self) -> Result<BTreeMap<String, (u32, i64)>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT name, uses, last_used FROM template_usage")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
