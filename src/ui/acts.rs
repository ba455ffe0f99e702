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
        if let Some(c) = &self.undo_target {
            return Some(c.clone());
        }
        match (&self.reader, self.focus) {
            (Some(r), Focus::Reader) => Some(r.view.id.clone()),
            _ => self.list.selected_row().map(|r| r.id.clone()),
        }
    }

    pub(super) fn open_prompt(&mut self, kind: PromptKind) {
        if matches!(kind, PromptKind::Search | PromptKind::Palette)
            || self.current_conversation().is_some()
        {
            self.prompt = Some(Prompt::new(kind));
        }
    }

    /// The user pressed Enter in a prompt.
    pub(super) fn submit_prompt(&mut self, kind: PromptKind, text: &str) -> Result<()> {
        if text.is_empty() {
            return Ok(());
        }
        if kind == PromptKind::Palette {
            let Some(best) = super::palette::matches(&self.keymap, text)
                .into_iter()
                .next()
            else {
                bail!("no action matches {text:?}");
            };
            self.update(best.action);
            return Ok(());
        }
        if kind == PromptKind::ReviewComment {
            return self.review_current(false, text);
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
            PromptKind::Search | PromptKind::Palette | PromptKind::ReviewComment => {
                unreachable!("handled above")
            }
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
        let before = self.store.team_state(&conv)?;
        let state = self.store.record_local_event(&event, &raw)?;
        self.undo = Some((conv.clone(), before, event.kind.clone()));
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

    /// Undoes the last team act by recording its inverse (the log is
    /// append-only: undo is a new event, visible to everyone like the act).
    pub(super) fn undo_last(&mut self) -> Result<()> {
        let Some((conv, before, kind)) = self.undo.take() else {
            self.message = Some(("nothing to undo".into(), Level::Info));
            return Ok(());
        };
        let inverse = match kind {
            EventKind::Assign { .. } => EventKind::Assign {
                to: before.assignee,
                reassign: true,
            },
            EventKind::Status { .. } => EventKind::Status {
                status: before.status,
                until: before.snoozed_until,
            },
            EventKind::Label { add, remove } => EventKind::Label {
                add: remove
                    .into_iter()
                    .filter(|l| before.labels.contains(l))
                    .collect(),
                remove: add
                    .into_iter()
                    .filter(|l| !before.labels.contains(l))
                    .collect(),
            },
            EventKind::Follow { on } => EventKind::Follow { on: !on },
            EventKind::Note { .. } => {
                bail!("a note cannot be undone; add another note to correct it")
            }
            other => bail!("{} cannot be undone", other.name()),
        };
        // Act on the conversation the undone act was on, wherever the cursor is now.
        self.undo_target = Some(conv);
        let r = self.act(inverse);
        self.undo_target = None;
        self.undo = None;
        r
    }

    /// Marks the current conversation read, or unread if it is read.
    pub(super) fn toggle_read(&mut self) -> Result<()> {
        let conv = self
            .current_conversation()
            .context("no conversation selected")?;
        let unread = self
            .list
            .rows
            .iter()
            .find(|r| r.id == conv)
            .map(|r| r.unread > 0)
            .unwrap_or(false);
        self.store.mark_conversation_read(&conv, unread)?;
        if let Some(w) = &self.worker {
            w.request(crate::sync::worker::Request::Push);
        }
        self.message = Some((
            if unread {
                "marked read"
            } else {
                "marked unread"
            }
            .into(),
            Level::Info,
        ));
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
