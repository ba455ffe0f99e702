//! Team templates as acts: saved (a new version) or deleted.

use super::Agent;
use crate::domain::compose;
use crate::domain::events::EventKind;
use crate::store::Store;
use anyhow::{Result, bail};

impl Agent<'_> {
    /// Saves a team template (a new version) or deletes it (`text: None`):
    /// a signed event in the log, and a readable copy in the Templates folder.
    pub fn save_template(&self, store: &mut Store, name: &str, text: Option<&str>) -> Result<()> {
        self.key()?;
        if let Some(t) = text {
            let parsed = crate::templates::parse(t, crate::templates::Origin::Team)?;
            if parsed.name != name {
                bail!("the front matter names {:?}, not {name:?}", parsed.name);
            }
            let unknown = crate::templates::render::unknown_placeholders(&parsed.body)?;
            if !unknown.is_empty() {
                bail!("unknown placeholders: {}", unknown.join(", "));
            }
        }
        let kind = EventKind::Template {
            name: name.to_string(),
            body: text.map(str::to_string),
        };
        self.record(store, "_templates", kind)?;
        let now = chrono::Utc::now().to_rfc2822();
        let copy = format!(
            "From: replypad <{team}>\r\nTo: <{team}>\r\nSubject: [replypad template] {name}{gone}\r\nDate: {now}\r\n\
             MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}",
            team = self.cfg.team.address,
            gone = if text.is_none() { " (deleted)" } else { "" },
            body = compose::normalize_crlf(text.unwrap_or("")),
        );
        store.queue_copy(&crate::store::Op::AppendTemplate { raw: copy })?;
        Ok(())
    }
}
