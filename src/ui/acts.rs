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
        if matches!(
            kind,
            PromptKind::Search | PromptKind::Palette | PromptKind::NewTo | PromptKind::AttachPath
        ) || self.current_conversation().is_some()
        {
            self.prompt = Some(Prompt::new(kind));
        }
    }

    /// The user pressed Enter in a prompt.
    pub(super) fn submit_prompt(&mut self, kind: PromptKind, text: &str) -> Result<()> {
        if matches!(
            kind,
            PromptKind::ComposeTo | PromptKind::ComposeCc | PromptKind::ComposeSubject
        ) {
            // An empty Cc is an answer too.
            return self.compose_field(kind, text);
        }
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
        match kind {
            PromptKind::AttachPath => return self.attach_file(text),
            PromptKind::NewTo => {
                self.new_to = Some(text.to_string());
                self.prompt = Some(Prompt::new(PromptKind::NewSubject));
                return Ok(());
            }
            PromptKind::NewSubject => {
                let to = self.new_to.take().unwrap_or_default();
                return self.start_new_message(&to, text);
            }
            _ => {}
        }
        if matches!(
            kind,
            PromptKind::SaveAttachment | PromptKind::OpenAttachment
        ) {
            let (n, dir) = text.trim().split_once(' ').unwrap_or((text.trim(), ""));
            let n: usize = n
                .trim_start_matches('#')
                .parse()
                .map_err(|_| anyhow!("{n:?}: give the attachment's number, as listed (📎 [N])"))?;
            let dir = (!dir.trim().is_empty()).then(|| expand_home(dir.trim()));
            return self.save_attachment(n, dir, kind == PromptKind::OpenAttachment);
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
            PromptKind::Search
            | PromptKind::Palette
            | PromptKind::ReviewComment
            | PromptKind::SaveAttachment
            | PromptKind::OpenAttachment
            | PromptKind::AttachPath
            | PromptKind::NewTo
            | PromptKind::NewSubject
            | PromptKind::ComposeTo
            | PromptKind::ComposeCc
            | PromptKind::ComposeSubject => {
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

    /// Records an event for the current conversation, or for every selected
    /// one (bulk), and asks the worker to push.
    pub(super) fn act(&mut self, kind: EventKind) -> Result<()> {
        let targets = self.targets()?;
        anyhow::ensure!(!targets.is_empty(), "no conversation selected");
        let mut undo = Vec::new();
        let mut lost = Vec::new();
        for conv in &targets {
            let (before, lost_to) = self.act_on(conv, kind.clone())?;
            undo.push((conv.clone(), before, kind.clone()));
            if let Some(owner) = lost_to {
                lost.push(owner);
            }
        }
        self.undo = Some(undo);
        self.message = Some(match (targets.len(), lost.first()) {
            (1, Some(owner)) => (
                format!("already owned by {owner}; A reassigns"),
                Level::Error,
            ),
            (1, None) => (format!("{} ({})", kind.describe(), targets[0]), Level::Info),
            (n, _) => (
                format!(
                    "{} on {n} conversations{}",
                    kind.describe(),
                    if lost.is_empty() {
                        String::new()
                    } else {
                        format!(" ({} already owned)", lost.len())
                    }
                ),
                Level::Info,
            ),
        });
        // The selection is used up by the act.
        self.selected.clear();
        self.visual_anchor = None;
        if let Some(w) = &self.worker {
            w.request(crate::sync::worker::Request::Push);
        }
        self.refresh_counts()?;
        self.reload()
    }

    /// One act on one conversation: (state before, the owner if a claim lost).
    fn act_on(
        &mut self,
        conv: &str,
        kind: EventKind,
    ) -> Result<(crate::domain::events::TeamState, Option<String>)> {
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
            conversation: conv.to_string(),
            agent: self.ctx.me.clone(),
            at: self.clock.now,
            kind,
        };
        let raw = crate::mail::team_event::encode(&event, key, &self.ctx.team_address);
        let before = self.store.team_state(conv)?;
        let state = self.store.record_local_event(&event, &raw)?;
        if claim {
            self.pending_claim = Some((event.id.clone(), conv.to_string()));
        }
        let lost = (claim && state.assignee.as_deref() != Some(self.ctx.me.as_str()))
            .then(|| state.assignee.unwrap_or_default());
        Ok((before, lost))
    }

    /// Undoes the last team act (on every conversation it touched) by
    /// recording inverses (the log is append-only: undo is a new event,
    /// visible to everyone like the act).
    pub(super) fn undo_last(&mut self) -> Result<()> {
        let Some(entries) = self.undo.take() else {
            self.message = Some(("nothing to undo".into(), Level::Info));
            return Ok(());
        };
        let n = entries.len();
        for (conv, before, kind) in entries {
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
            self.act_on(&conv, inverse)?;
        }
        self.message = Some((
            format!(
                "undone on {n} conversation{}",
                if n == 1 { "" } else { "s" }
            ),
            Level::Info,
        ));
        if let Some(w) = &self.worker {
            w.request(crate::sync::worker::Request::Push);
        }
        self.refresh_counts()?;
        self.reload()
    }

    /// Saves (or opens) attachment `n` of the open conversation: the worker
    /// fetches the message; the demo reads its embedded mail at once.
    pub(super) fn save_attachment(
        &mut self,
        n: usize,
        dir: Option<std::path::PathBuf>,
        open: bool,
    ) -> Result<()> {
        let conv = self
            .current_conversation()
            .context("open a conversation first")?;
        if let Some(w) = &self.worker {
            w.request(crate::sync::worker::Request::Attachment {
                conversation: conv,
                n,
                dir,
                open,
            });
            self.message = Some((format!("fetching attachment #{n}…"), Level::Info));
            return Ok(());
        }
        let path =
            crate::attachments::save(&self.store, &conv, n, dir.as_deref(), open, &mut |id| {
                crate::attachments::demo_raw(id)
                    .map(<[u8]>::to_vec)
                    .context("the message is not in the demo mailbox")
            })?;
        self.message = Some((
            format!(
                "attachment #{n} {} {}",
                if open { "opened from" } else { "saved to" },
                crate::mail::sanitize::line(&path.display().to_string())
            ),
            Level::Info,
        ));
        Ok(())
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

/// `~/x` → the home directory's x.
fn expand_home(p: &str) -> std::path::PathBuf {
    match (p.strip_prefix("~/"), directories::UserDirs::new()) {
        (Some(rest), Some(u)) => u.home_dir().join(rest),
        _ => std::path::PathBuf::from(p),
    }
}
