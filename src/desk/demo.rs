//! The built-in demo mailbox: `replypad demo` loads assets/demo/ (embedded in
//! the binary) into a temporary cache and runs with no network at all.
//! Sending in demo mode writes .eml files to a local outbox folder.

use crate::config::Config;
use crate::domain::Status;
use crate::domain::events::{Event, EventKind};
use crate::domain::thread::conversation_id;
use crate::mail::parse_message;
use crate::store::{MailboxRole, NewMessage, Store};
use anyhow::{Context, Result};
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

include!(concat!(env!("OUT_DIR"), "/demo_messages.rs"));

#[derive(Deserialize)]
struct DemoState {
    conversation: Vec<DemoConversation>,
}

#[derive(Deserialize)]
struct DemoConversation {
    root: String,
    status: String,
    assignee: Option<String>,
    labels: Vec<String>,
    unread: bool,
}

/// The raw demo messages (for attachments).
pub fn raw_messages() -> impl Iterator<Item = &'static [u8]> {
    DEMO_MESSAGES.iter().map(|(_, raw)| *raw)
}

/// A running demo: its temporary directory lives as long as this value,
/// and outlives it when the process panics (its drafts and notes are kept).
pub struct DemoSession {
    dir: Option<tempfile::TempDir>,
    pub cache_file: PathBuf,
    /// Where "sent" demo mail goes.
    pub outbox_dir: PathBuf,
}

impl DemoSession {
    /// Creates a temporary cache and loads the demo mailbox into it, with dates
    /// shifted so the newest message arrived five minutes before `now`.
    pub fn start(cfg: &Config, now: i64) -> Result<DemoSession> {
        let dir = tempfile::Builder::new()
            .prefix("replypad-demo-")
            .tempdir()
            .context("cannot create a temporary directory for the demo")?;
        let cache_file = dir.path().join("demo.sqlite3");
        let outbox_dir = dir.path().join("outbox");
        crate::paths::ensure_private_dir(&outbox_dir)?;
        let mut store = Store::open(&cache_file)?;
        load(&mut store, cfg, now)?;
        Ok(DemoSession {
            dir: Some(dir),
            cache_file,
            outbox_dir,
        })
    }

    pub fn path(&self) -> &Path {
        self.cache_file.parent().unwrap_or(&self.outbox_dir)
    }
}

impl Drop for DemoSession {
    fn drop(&mut self) {
        // A panic unwinds through here: keep what the agent wrote.
        if std::thread::panicking()
            && let Some(dir) = self.dir.take()
        {
            let kept = dir.keep();
            eprintln!(
                "replypad: the demo's files are kept in {} (its cache holds the drafts and notes)",
                kept.display()
            );
        }
    }
}

/// Loads the demo mailbox into `store` (see [`DemoSession::start`]).
pub fn load(store: &mut Store, cfg: &Config, now: i64) -> Result<usize> {
    let state: DemoState = toml::from_str(include_str!("../../assets/demo/state.toml"))
        .context("assets/demo/state.toml")?;
    let state: HashMap<String, DemoConversation> = state
        .conversation
        .into_iter()
        .map(|c| (c.root.clone(), c))
        .collect();
    let mut parsed: Vec<_> = DEMO_MESSAGES
        .iter()
        .map(|(_, raw)| (parse_message(raw, now), raw.len()))
        .collect();
    let newest = parsed.iter().map(|(p, _)| p.date).max().unwrap_or(now);
    let shift = now - 300 - newest;
    let team = cfg.team.address.to_ascii_lowercase();
    // The last customer message of each conversation; stays unread where the state says so.
    let mut last_customer: HashMap<String, usize> = HashMap::new();
    for (i, (p, _)) in parsed.iter_mut().enumerate() {
        p.date += shift;
        if p.from.email.to_ascii_lowercase() != team {
            last_customer.insert(p.conversation_key.clone(), i);
        }
    }
    let inbox = store.mailbox_id("INBOX", MailboxRole::Inbox)?;
    let sent = store.mailbox_id("Sent", MailboxRole::Sent)?;
    let count = parsed.len();
    store.transaction(|tx| {
        let mut touched = BTreeSet::new();
        for (i, (p, size)) in parsed.iter().enumerate() {
            let from_team = p.from.email.to_ascii_lowercase() == team;
            let unread = last_customer.get(&p.conversation_key) == Some(&i)
                && state.get(&p.conversation_key).is_some_and(|s| s.unread);
            touched.insert(Store::put_message(
                tx,
                &NewMessage {
                    mailbox_id: if from_team { sent } else { inbox },
                    uid: i as u32 + 1,
                    modseq: None,
                    internal_date: p.date,
                    size: *size as u64,
                    seen: !unread,
                    answered: false,
                    flagged: false,
                    from_team,
                    parsed: p,
                },
            )?);
        }
        Store::refresh_conversations(tx, &touched)
    })?;
    let domain = cfg
        .team
        .address
        .rsplit_once('@')
        .map(|(_, d)| d)
        .unwrap_or("example.com");
    // Team state as the log would carry it, so later acts fold on top of it.
    let mut events = Vec::new();
    let mut roots: Vec<&String> = state.keys().collect();
    roots.sort();
    for root in roots {
        let s = &state[root];
        let conversation = conversation_id(root);
        let mut push = |kind| {
            events.push(Event {
                id: format!("demo-{}", events.len()),
                conversation: conversation.clone(),
                agent: format!("dana@{domain}"),
                at: now - 3600,
                kind,
            })
        };
        if let Some(a) = &s.assignee {
            push(EventKind::Assign {
                to: Some(format!("{a}@{domain}")),
                reassign: true,
            });
        }
        let status = Status::parse(&s.status).unwrap_or_default();
        if status != Status::Open {
            push(EventKind::Status {
                status,
                until: None,
            });
        }
        if !s.labels.is_empty() {
            push(EventKind::Label {
                add: s.labels.clone(),
                remove: vec![],
            });
        }
    }
    let log: Vec<(u32, Result<Event, String>)> = events
        .into_iter()
        .enumerate()
        .map(|(i, e)| (i as u32 + 1, Ok(e)))
        .collect();
    store.transaction(|tx| Store::apply_log(tx, &log))?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ListQuery;

    #[test]
    fn demo_loads_everything() {
        let mut s = Store::open_in_memory().unwrap();
        let n = load(&mut s, &Config::demo(), 1_800_000_000).unwrap();
        assert!(n >= 70);
        assert!(s.conversation_count().unwrap() >= 40);
        let all = s.list_conversations(ListQuery::ALL).unwrap();
        assert!(all.iter().any(|c| c.messages >= 4));
        assert!(all.iter().any(|c| c.has_attachment));
        assert!(
            all.iter()
                .any(|c| c.assignee.as_deref() == Some("sam@example.com"))
        );
        assert!(
            all.iter().any(|c| c.subject.contains("ログイン")),
            "ISO-2022-JP decodes"
        );
        assert!(
            all.iter().any(|c| c.subject.contains('\u{1b}')),
            "the hostile subject is kept raw in the cache"
        );
        assert!(all[0].last_date <= 1_800_000_000 && all[0].last_date > 1_800_000_000 - 3600);
    }
}
