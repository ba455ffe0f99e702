//! The compose pane's behaviour: start or resume a reply, type into the
//! built-in editor (ratatui-textarea), hand the draft to `$EDITOR`, submit
//! for review, send. The draft is saved to SQLite on every change, so a
//! killed process loses nothing typed. Acts go through `crate::replies`.

use super::app::{App, Level};
use crate::domain::compose::{Draft, DraftKind};
use crate::replies::{Agent, Blocked};
use anyhow::{Context as _, Result};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

/// A reply being written.
pub struct Compose {
    pub draft: Draft,
    pub editor: TextArea<'static>,
    /// Why the last send or submit did not go (collision, review), shown in the pane.
    pub blocked: Option<String>,
    /// The agent saw a collision; Ctrl-s again sends anyway.
    pub confirm_anyway: bool,
    /// Ctrl-d was pressed once; a second press right after discards.
    pub confirm_discard: bool,
    /// Tone advice on the current text (updated on every change).
    pub tone: Vec<crate::domain::tone::Finding>,
    /// The customer's first name, for the tone check.
    pub first_name: Option<String>,
}

impl Compose {
    pub fn new(draft: Draft) -> Compose {
        let lines: Vec<String> = draft.body.lines().map(str::to_string).collect();
        let mut editor = TextArea::new(if lines.is_empty() {
            vec![String::new()]
        } else {
            lines
        });
        editor.set_cursor_line_style(ratatui::style::Style::default());
        Compose {
            draft,
            editor,
            blocked: None,
            confirm_anyway: false,
            confirm_discard: false,
            tone: Vec::new(),
            first_name: None,
        }
    }

    /// Moves to the next `⟦field⟧` after the cursor (wrapping) and removes
    /// the mark, so typing fills it. False when there is none.
    pub fn next_field(&mut self) -> bool {
        let ratatui_textarea::DataCursor(row, col) = self.editor.cursor();
        let lines = self.editor.lines().to_vec();
        let n = lines.len();
        for k in 0..=n {
            let r = (row + k) % n.max(1);
            let line = &lines[r];
            let from = if k == 0 { col } else { 0 };
            let chars: Vec<char> = line.chars().collect();
            if let Some(start) = (from..chars.len()).find(|&i| chars[i] == '⟦') {
                let end = (start..chars.len())
                    .find(|&i| chars[i] == '⟧')
                    .unwrap_or(chars.len() - 1);
                self.editor.move_cursor(ratatui_textarea::CursorMove::Jump(
                    r.min(u16::MAX as usize) as u16,
                    start.min(u16::MAX as usize) as u16,
                ));
                self.editor.delete_str(end + 1 - start);
                self.sync_body();
                return true;
            }
        }
        false
    }

    /// The editor's text into the draft.
    pub fn sync_body(&mut self) {
        self.draft.body = self.editor.lines().join("\n");
        self.draft.updated_at = chrono::Utc::now().timestamp();
    }

    /// Replaces the text (after `$EDITOR`).
    pub fn set_body(&mut self, body: &str) {
        *self = Compose {
            tone: std::mem::take(&mut self.tone),
            first_name: self.first_name.take(),
            ..Compose::new(Draft {
                body: body.to_string(),
                ..self.draft.clone()
            })
        };
    }
}

impl App {
    /// Starts a reply on the current conversation, or resumes its draft.
    pub(super) fn start_compose(&mut self, kind: DraftKind) -> Result<()> {
        let conv = self
            .current_conversation()
            .context("no conversation selected")?;
        let draft = match self.store.draft_for(&conv)? {
            Some(mut d) => {
                let adopted = self.with_agent(|a, s| a.adopt_latest(s, &mut d))?;
                self.message = Some((
                    if adopted {
                        format!(
                            "resumed your draft, with revision {} a reviewer made",
                            d.revision
                        )
                    } else {
                        "resumed your draft".into()
                    },
                    Level::Info,
                ));
                d
            }
            None => self.with_agent(|a, s| a.start_reply(s, &conv, kind))?,
        };
        self.open_compose(draft)
    }

    /// Runs an act that needs the agent and the store together.
    fn with_agent<T>(
        &mut self,
        f: impl FnOnce(&Agent<'_>, &mut crate::store::Store) -> Result<T>,
    ) -> Result<T> {
        let agent = Agent {
            cfg: &self.ctx.cfg,
            key: self.ctx.team_key.as_ref(),
        };
        f(&agent, &mut self.store)
    }

    fn push(&self) {
        if let Some(w) = &self.worker {
            w.request(crate::sync::worker::Request::Push);
        }
    }

    pub(super) fn save_compose_now(&mut self) -> Result<()> {
        self.save_compose()
    }

    fn save_compose(&mut self) -> Result<()> {
        if let Some(c) = &mut self.compose {
            c.sync_body();
            c.tone = crate::domain::tone::check(
                &self.ctx.cfg.tone_rules(),
                &c.draft.body,
                c.first_name.as_deref(),
            );
            self.store.save_draft(&c.draft)?;
        }
        Ok(())
    }

    /// Presence off on `conv` (the compose pane on it closed), pushed.
    pub(super) fn leave_conversation(&mut self, conv: &str) -> Result<()> {
        self.with_agent(|a, s| a.presence(s, conv, false))?;
        self.push();
        Ok(())
    }

    /// Opens the compose pane on `draft` (presence on when it has a conversation).
    pub(super) fn open_compose(&mut self, draft: Draft) -> Result<()> {
        if let Some(conv) = draft.conversation.clone() {
            self.with_agent(|a, s| a.presence(s, &conv, true))?;
            self.push();
        }
        let first = self.with_agent(|a, s| a.customer_first_name(s, &draft))?;
        let mut c = Compose::new(draft);
        c.first_name = first;
        self.compose = Some(c);
        self.save_compose()
    }

    /// A new message to `to` about `subject` (from the m key's prompts).
    pub(super) fn start_new_message(&mut self, to: &str, subject: &str) -> Result<()> {
        let to: Vec<String> = to.split(',').map(|s| s.trim().to_string()).collect();
        let d = self.with_agent(|a, s| a.start_new(s, &to, subject))?;
        self.open_compose(d)
    }

    /// The reviewer edits the draft under review here (v e).
    pub(super) fn edit_under_review(&mut self) -> Result<()> {
        let shared = self
            .waiting_draft()?
            .context("no draft under review on this conversation")?;
        let d = self.with_agent(|a, s| a.take_over(s, &shared.draft))?;
        self.message = Some((
            "editing as reviewer: Ctrl-r shares your edit as a new revision".into(),
            Level::Info,
        ));
        self.open_compose(d)
    }

    /// The reviewer sends the approved draft here (v s; review.sender = "reviewer").
    pub(super) fn send_under_review(&mut self) -> Result<()> {
        anyhow::ensure!(
            self.ctx.cfg.review.sender == crate::domain::review::Sender::Reviewer,
            "the author sends approved drafts here (config review.sender = \"author\")"
        );
        let shared = self
            .waiting_draft()?
            .context("no draft under review on this conversation")?;
        let id = self.with_agent(|a, s| a.reviewer_send(s, &shared.draft))?;
        if let Some(w) = &self.worker {
            w.request(crate::sync::worker::Request::Send);
        }
        self.message = Some((format!("queued as outbox #{id}; sending"), Level::Info));
        self.refresh_counts()?;
        self.reload()
    }

    /// Adds a file to the open draft (from the Ctrl-a prompt).
    pub(super) fn attach_file(&mut self, path: &str) -> Result<()> {
        let p = std::path::PathBuf::from(path);
        let meta = std::fs::metadata(&p).with_context(|| format!("cannot attach {path}"))?;
        anyhow::ensure!(meta.is_file(), "{path} is not a file");
        let c = self.compose.as_mut().context("no draft open")?;
        c.draft.attachments.push(p);
        self.message = Some((
            format!(
                "attached {} (Ctrl-x removes the last)",
                crate::mail::sanitize::line(path)
            ),
            Level::Info,
        ));
        self.save_compose()
    }

    /// A key while the compose pane is open.
    pub(super) fn compose_key(&mut self, ev: KeyEvent) -> Result<()> {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let armed = self
            .compose
            .as_mut()
            .is_some_and(|c| std::mem::take(&mut c.confirm_discard));
        match (ev.code, ctrl) {
            (KeyCode::Esc, _) => self.close_compose(),
            (KeyCode::Char('d'), true) => self.discard_compose(armed),
            (KeyCode::Char('o'), true) => self.edit_compose_fields(),
            (KeyCode::Char('s'), true) => self.compose_send(),
            (KeyCode::Char('r'), true) => self.compose_submit(),
            (KeyCode::Char('e'), true) => {
                self.save_compose()?;
                self.external_edit = true;
                Ok(())
            }
            (KeyCode::Char('a'), true) => {
                self.prompt = Some(super::prompt::Prompt::new(
                    super::prompt::PromptKind::AttachPath,
                ));
                Ok(())
            }
            (KeyCode::Char('x'), true) => {
                if let Some(c) = &mut self.compose
                    && let Some(p) = c.draft.attachments.pop()
                {
                    self.message = Some((
                        format!(
                            "removed attachment {}",
                            crate::mail::sanitize::line(&p.display().to_string())
                        ),
                        Level::Info,
                    ));
                }
                self.save_compose()
            }
            (KeyCode::Char('t'), true) => {
                self.save_compose()?;
                self.open_picker()
            }
            (KeyCode::Tab, _) => {
                if let Some(c) = &mut self.compose
                    && !c.next_field()
                {
                    self.message = Some(("no unfilled field left".into(), Level::Info));
                }
                Ok(())
            }
            _ => {
                let Some(c) = &mut self.compose else {
                    return Ok(());
                };
                if c.editor.input(ev) {
                    c.confirm_anyway = false;
                    self.save_compose()?;
                }
                Ok(())
            }
        }
    }

    /// Pasted text (bracketed paste) goes into the editor at once.
    pub fn paste(&mut self, text: &str) {
        if let Some(c) = &mut self.compose {
            c.editor.insert_str(crate::mail::sanitize::text(text));
            let r = self.save_compose();
            self.report(r);
        }
    }

    /// Closes the pane; the draft stays (resume with the reply key).
    fn close_compose(&mut self) -> Result<()> {
        self.save_compose()?;
        let mut resume = "the reply key";
        if let Some(c) = self.compose.take() {
            match &c.draft.conversation {
                Some(conv) => self.leave_conversation(conv)?,
                None => resume = "m",
            }
        }
        self.message = Some((format!("draft saved; {resume} resumes it"), Level::Info));
        self.refresh_counts()?;
        self.reload()
    }

    fn compose_submit(&mut self) -> Result<()> {
        self.save_compose()?;
        let Some(mut c) = self.compose.take() else {
            return Ok(());
        };
        let r = self.with_agent(|a, s| a.submit(s, &mut c.draft, None));
        match r {
            Ok(rev) => {
                self.message = Some((
                    format!("draft revision {rev} submitted for review"),
                    Level::Info,
                ));
                self.push();
                let conv = c.draft.conversation.clone();
                self.compose = None;
                if let Some(conv) = conv {
                    self.with_agent(|a, s| a.presence(s, &conv, false))?;
                }
                self.refresh_counts()?;
                self.reload()
            }
            Err(e) => {
                c.blocked = Some(format!("{e:#}"));
                self.compose = Some(c);
                Ok(())
            }
        }
    }

    fn compose_send(&mut self) -> Result<()> {
        self.save_compose()?;
        let Some(mut c) = self.compose.take() else {
            return Ok(());
        };
        let check = self.with_agent(|a, s| a.check_send(s, &c.draft))?;
        match check {
            Some(Blocked::Collision(_)) if c.confirm_anyway => {}
            Some(b @ Blocked::Collision(_)) => {
                c.blocked = Some(format!(
                    "{b}\nCtrl-s again sends anyway; Esc keeps the draft to revise."
                ));
                c.confirm_anyway = true;
                self.compose = Some(c);
                return Ok(());
            }
            Some(b) => {
                c.blocked = Some(b.to_string());
                self.compose = Some(c);
                return Ok(());
            }
            None => {}
        }
        let id = self.with_agent(|a, s| a.queue_send(s, &c.draft));
        let id = match id {
            Ok(id) => id,
            Err(e) => {
                c.blocked = Some(format!("{e:#}"));
                self.compose = Some(c);
                return Ok(());
            }
        };
        let text = match (&self.ctx.demo_outbox, &self.worker) {
            (Some(dir), _) => {
                let dir = dir.clone();
                let key = self.ctx.team_key.clone();
                let cfg = self.ctx.cfg.clone();
                let r = crate::sync::outbox::flush(
                    &mut self.store,
                    &cfg,
                    key.as_ref(),
                    crate::sync::outbox::Transport::Files(&dir),
                    i64::MAX,
                )?;
                match r.problems.first() {
                    Some(p) => p.clone(),
                    None => format!("sent (demo: written to {})", dir.display()),
                }
            }
            (None, Some(w)) => {
                w.request(crate::sync::worker::Request::Send);
                format!("queued as outbox #{id}; sending")
            }
            (None, None) => format!("queued as outbox #{id}; it goes with the next sync"),
        };
        self.message = Some((text, Level::Info));
        self.refresh_counts()?;
        self.reload()
    }

    /// The shared draft waiting for review on the current conversation.
    pub fn waiting_draft(&self) -> Result<Option<crate::domain::review::SharedDraft>> {
        match self.current_conversation() {
            Some(conv) => super::app::shared_for(&self.store, &conv),
            None => Ok(None),
        }
    }

    /// Approves (or requests changes on) the draft under review here.
    pub(super) fn review_current(&mut self, approved: bool, comment: &str) -> Result<()> {
        let shared = self
            .waiting_draft()?
            .context("no draft waiting for review on this conversation")?;
        let s = self.with_agent(|a, st| a.review(st, &shared.draft, approved, comment))?;
        self.push();
        self.message = Some((s.verdict_line(approved), Level::Info));
        self.refresh_counts()?;
        self.reload()
    }

    /// Writes the draft to a private temp file for `$EDITOR` (headers on top).
    pub fn external_edit_file(&self) -> Result<tempfile::NamedTempFile> {
        use std::io::Write;
        if let Some(t) = &self.template_edit {
            let mut f = tempfile::Builder::new()
                .prefix("replypad-template-")
                .suffix(".md")
                .tempfile()?; // created 0600
            f.write_all(crate::mail::sanitize::text(&t.text).as_bytes())?;
            f.flush()?;
            return Ok(f);
        }
        let c = self.compose.as_ref().context("no draft open")?;
        let mut f = tempfile::Builder::new()
            .prefix("replypad-draft-")
            .suffix(".eml.txt")
            .tempfile()?; // created 0600
        let d = &c.draft;
        let clean = |s: &str| crate::mail::sanitize::line(s).into_owned();
        write!(
            f,
            "To: {}\nCc: {}\nSubject: {}\n\n{}",
            clean(&d.to.join(", ")),
            clean(&d.cc.join(", ")),
            clean(&d.subject),
            crate::mail::sanitize::text(&d.body)
        )?;
        f.flush()?;
        Ok(f)
    }

    /// Reads the file back after `$EDITOR` (headers, blank line, body).
    pub fn external_edit_done(&mut self, text: &str) -> Result<()> {
        if let Some(t) = self.template_edit.take() {
            return self.save_team_template(t, text);
        }
        let Some(c) = &mut self.compose else {
            return Ok(());
        };
        let (head, body) = text.split_once("\n\n").unwrap_or(("", text));
        let list = crate::domain::compose::split_addresses;
        for line in head.lines() {
            match line.split_once(':') {
                Some((k, v)) if k.eq_ignore_ascii_case("to") => c.draft.to = list(v),
                Some((k, v)) if k.eq_ignore_ascii_case("cc") => c.draft.cc = list(v),
                Some((k, v)) if k.eq_ignore_ascii_case("subject") => {
                    c.draft.subject = v.trim().to_string()
                }
                _ => {}
            }
        }
        c.set_body(body);
        self.save_compose()
    }
}
