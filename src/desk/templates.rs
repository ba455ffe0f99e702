//! Team templates as acts: saved (a new version) or deleted.

use super::Desk;
use crate::domain::compose;
use crate::domain::events::EventKind;
use anyhow::{Result, bail};

impl Desk {
    /// Brings back a deleted team template (its last text, as a new version).
    pub fn restore_template(&mut self, name: &str) -> Result<super::Delivery> {
        let Some(text) = self.store.deleted_team_template(name)? else {
            bail!("no deleted team template {name:?} to bring back");
        };
        self.save_template(name, Some(&text))
    }

    /// Saves a team template (a new version) or deletes it (`text: None`):
    /// a signed event in the log, and a readable copy in the Templates folder.
    /// Pushed at once; says how far it got.
    pub fn save_template(&mut self, name: &str, text: Option<&str>) -> Result<super::Delivery> {
        self.need_key()?;
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
        self.record("_templates", kind)?;
        let now = chrono::Utc::now().to_rfc2822();
        let copy = format!(
            "From: replypad <{team}>\r\nTo: <{team}>\r\nSubject: [replypad template] {name}{gone}\r\nDate: {now}\r\n\
             MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}",
            team = self.cfg.team.address,
            gone = if text.is_none() { " (deleted)" } else { "" },
            body = compose::normalize_crlf(text.unwrap_or("")),
        );
        self.store
            .queue_copy(&crate::store::Op::AppendTemplate { raw: copy })?;
        Ok(self.push())
    }
}
