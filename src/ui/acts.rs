//! Team acts from the TUI: claim, assign, labels, status, snooze, note,
//! follow. Each is committed to SQLite at once (the screen shows it) and
//! queued; the worker pushes it and reads the log back, so a lost claim is
//! reported when the store changes.

use super::app::{App, Focus, Level};
use super::prompt::{Prompt, PromptKind};
use crate::domain::Status;
use crate::domain::events::{Event, EventKind, mentions, new_event_id};
use anyhow::{Context as _, Result, anyhow, bail};

impl App {
    /// The conversation an act applies to: the open one when the reader has
    /// focus, else the selected row.
    pub fn current_conversation(&self) -> Option<String> {
        match (&self.reader, self.focus) {
            (Some(r), Focus::Reader) => Some(r.view.id.clone()),
            _ => self.list.selected_row().map(|r| r.id.clone()),
        }
    }

    pub(super) fn open_prompt(&mut self, kind: PromptKind) {
        if kind == PromptKind::Search || self.current_conversation().is_some() {
            self.prompt = Some(Prompt::new(kind));
        }
    }

    /// The user pressed Enter in a prompt.
    pub(super) fn submit_prompt(&mut self, kind: PromptKind, text: &str) -> Result<()> {
        if text.is_empty() {
            return Ok(());
        }
        if kind == PromptKind::Search {
            // Parse first: a bad query is an error line, the list stays.
            crate::domain::search::parse(text).map_err(|e| anyhow!("search: {e}"))?;
            return self.set_view(crate::domain::views::View::Search(text.to_string()));
        }
        let me = self.ctx.me.clone();
        let kind = match kind {
            PromptKind::AssignTo => match text {
                "none" | "nobody" => EventKind::Assign {
                    to: None,
                    reassign: true,
                },
                "me" => EventKind::Assign {
                    to: Some(me),
                    reassign: true,
                },
                who if who.contains('@') => EventKind::Assign {
                    to: Some(who.to_ascii_lowercase()),
                    reassign: true,
                },
                who => {
                    let domain = me
                        .rsplit_once('@')
                        .map(|(_, d)| d.to_string())
                        .unwrap_or_default();
                    EventKind::Assign {
                        to: Some(format!("{}@{domain}", who.to_ascii_lowercase())),
                        reassign: true,
                    }
                }
            },
            PromptKind::Labels => {
                let (mut add, mut remove) = (Vec::new(), Vec::new());
                for w in text.split_whitespace() {
                    match w.strip_prefix('-') {
                        Some(l) if !l.is_empty() => remove.push(l.to_ascii_lowercase()),
                        _ => add.push(w.trim_start_matches('+').to_ascii_lowercase()),
                    }
                }
                EventKind::Label { add, remove }
            }
            PromptKind::Status => match Status::parse(text) {
                Some(s) if s != Status::Snoozed => EventKind::Status {
                    status: s,
                    until: None,
                },
                _ => bail!("unknown status {text:?}: open, pending or closed (S snoozes)"),
            },
            PromptKind::Snooze => {
                let now = chrono::DateTime::from_timestamp(self.clock.now, 0)
                    .unwrap_or_default()
                    .with_timezone(&self.clock.offset);
                let until = crate::domain::when::parse_when(text, now).map_err(|e| anyhow!(e))?;
                EventKind::Status {
                    status: Status::Snoozed,
                    until: Some(until.timestamp()),
                }
            }
            PromptKind::Note => EventKind::Note {
                text: text.to_string(),
                mentions: mentions(text),
            },
            PromptKind::Search => unreachable!("searches are handled above"),
        };
        self.act(kind)
    }

    pub(super) fn claim(&mut self) -> Result<()> {
        let me = self.ctx.me.clone();
        self.act(EventKind::Assign {
            to: Some(me),
            reassign: false,
        })
    }

    pub(super) fn toggle_follow(&mut self) -> Result<()> {
        let conv = self
            .current_conversation()
            .context("no conversation selected")?;
        let following = self.store.followers(&conv)?.contains(&self.ctx.me);
        self.act(EventKind::Follow { on: !following })
    }

    /// Records an event for the current conversation and asks the worker to push it.
    pub(super) fn act(&mut self, kind: EventKind) -> Result<()> {
        let conv = self
            .current_conversation()
            .context("no conversation selected")?;
        let key = self
            .ctx
            .team_key
            .as_ref()
            .context("team acts need the team key: set team.key_command in the config")?;
        let claim = matches!(
            kind,
            EventKind::Assign {
                reassign: false,
                ..
            }
        );
        let event = Event {
            id: new_event_id(),
            conversation: conv.clone(),
            agent: self.ctx.me.clone(),
            at: self.clock.now,
            kind,
        };
        let raw = crate::mail::team_event::encode(&event, key, &self.ctx.team_address);
        let state = self.store.record_local_event(&event, &raw)?;
        if claim && state.assignee.as_deref() != Some(self.ctx.me.as_str()) {
            let owner = state.assignee.unwrap_or_default();
            self.message = Some((
                format!("already owned by {owner}; A reassigns"),
                Level::Error,
            ));
        } else {
            self.message = Some((format!("{} ({conv})", event.kind.describe()), Level::Info));
        }
        if claim {
            self.pending_claim = Some((event.id.clone(), conv));
        }
        if let Some(w) = &self.worker {
            w.request(crate::sync::worker::Request::Push);
        }
        self.refresh_counts()?;
        self.reload()
    }

    /// After the worker read the log back: tell the agent if a claim lost.
    pub(super) fn check_claim(&mut self) -> Result<()> {
        let Some((event_id, conv)) = self.pending_claim.clone() else {
            return Ok(());
        };
        let history = self.store.history(&conv)?;
        if let Some(h) = history.iter().find(|h| h.event.id == event_id && h.pushed) {
            if h.outcome != "applied" {
                self.message = Some((format!("{}: {}", conv, h.outcome), Level::Error));
            }
            self.pending_claim = None;
        }
        Ok(())
    }
}
