//! The compose pane's behaviour: start or resume a reply, type into the
//! built-in editor (ratatui-textarea), hand the draft to `$EDITOR`, submit
//! for review, send. The draft is saved to SQLite on every change, so a
//! killed process loses nothing typed. Acts go through the desk.

use super::action::Action;
use super::app::{App, Level};
use crate::desk::{Blocked, Delivery, Mode, SendOutcome, StartReply};
use crate::domain::Status;
use crate::domain::compose::{Draft, DraftKind};
use crate::store::OutboxState;
use anyhow::{Context as _, Result};
use crossterm::event::KeyEvent;
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
    /// What reviewers said about this draft's shared revisions (newest
    /// first), so its author resuming it sees the changes asked for.
    pub reviews: Vec<crate::domain::review::Verdict>,
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
        // Long lines wrap on screen; the text stays as typed.
        editor.set_wrap_mode(ratatui_textarea::WrapMode::WordOrGlyph);
        Compose {
            draft,
            editor,
            blocked: None,
            confirm_anyway: false,
            confirm_discard: false,
            tone: Vec::new(),
            first_name: None,
            reviews: Vec::new(),
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
        let mut found = self.desk.store.draft_of_kind(&conv, kind, &self.me)?;
        if found.is_none() && kind == DraftKind::Reply {
            found = self.desk.own_shared_draft(&conv)?;
        }
        let draft = match found {
            Some(mut d) => {
                let adopted = self.desk.adopt_latest(&mut d)?;
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
            None => {
                // The same key again right after the question starts it anyway.
                let force = self.confirm_reply.take().as_deref() == Some(conv.as_str());
                match self.desk.start_reply_checked(&conv, kind, force)? {
                    StartReply::Draft(d) => *d,
                    StartReply::Unsettled(rows) => {
                        let what = match rows.iter().any(|r| r.state == OutboxState::Unknown) {
                            true => "of unknown delivery: it may have reached the customer",
                            false => "still on its way",
                        };
                        self.message = Some((
                            format!(
                                "your earlier reply (outbox #{}) is {what}; the same key again replies anyway",
                                rows[0].id
                            ),
                            Level::Error,
                        ));
                        self.confirm_reply = Some(conv);
                        return Ok(());
                    }
                }
            }
        };
        self.open_compose(draft)?;
        // Collision, before it happens: a teammate drafting here too.
        let others = self.desk.others_replying(&conv)?;
        if let Some(who) = super::team::replying_words(&self.names, &others) {
            self.message = Some((
                format!("✎ {who} replying here now: your replies may cross (a note tells them)"),
                Level::Error,
            ));
        }
        Ok(())
    }

    pub(super) fn save_compose_now(&mut self) -> Result<()> {
        self.save_compose()
    }

    pub(super) fn save_compose(&mut self) -> Result<()> {
        if let Some(c) = &mut self.compose {
            c.sync_body();
            c.tone = crate::domain::tone::check(
                &self.desk.cfg().tone_rules(),
                &c.draft.body,
                c.first_name.as_deref(),
            );
            self.desk.store.save_draft(&c.draft)?;
        }
        Ok(())
    }

    /// Presence off on `conv` (the compose pane on it closed), pushed.
    pub(super) fn leave_conversation(&mut self, conv: &str) -> Result<()> {
        self.desk.presence(conv, false)
    }

    /// Opens the compose pane on `draft` (presence on when it has a conversation).
    pub(super) fn open_compose(&mut self, draft: Draft) -> Result<()> {
        if let Some(conv) = draft.conversation.clone() {
            self.desk.presence(&conv, true)?;
        }
        let first = self.desk.customer_first_name(&draft)?;
        let reviews = match &draft.conversation {
            Some(conv) if draft.revision > 0 => self
                .desk
                .store
                .shared_drafts_of(conv)?
                .remove(&draft.id)
                .map(|s| s.verdicts.into_iter().rev().collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let mut c = Compose::new(draft);
        c.first_name = first;
        c.reviews = reviews;
        self.compose = Some(c);
        self.save_compose()
    }

    /// A new message to `to` about `subject` (from the m key's prompts).
    pub(super) fn start_new_message(&mut self, to: &str, subject: &str) -> Result<()> {
        let to = crate::desk::input::addresses(to, "To")?;
        let d = self.desk.start_new(&to, subject)?;
        self.open_compose(d)
    }

    /// The reviewer edits the draft under review here (v e).
    pub(super) fn edit_under_review(&mut self) -> Result<()> {
        let shared = self
            .waiting_draft()?
            .context("no draft under review on this conversation")?;
        let d = self.desk.take_over(&shared.draft)?;
        self.message = Some((
            "editing as reviewer: Ctrl-r shares your edit as a new revision".into(),
            Level::Info,
        ));
        self.open_compose(d)
    }

    /// The reviewer sends the approved draft here (v s; review.sender = "reviewer").
    pub(super) fn send_under_review(&mut self) -> Result<()> {
        let shared = self
            .waiting_draft()?
            .context("no draft under review on this conversation")?;
        let (id, sent) = self.desk.reviewer_send(&shared.draft)?;
        self.message = Some((self.sent_line(id, &sent), Level::Info));
        self.refresh_counts()?;
        self.reload()
    }

    /// Adds a file to the open draft (from the Ctrl-a prompt).
    pub(super) fn attach_file(&mut self, path: &str) -> Result<()> {
        let p = std::path::PathBuf::from(path);
        let c = self.compose.as_mut().context("no draft open")?;
        let mut all = c.draft.attachments.clone();
        all.push(p);
        crate::mail::compose::check_attachments(&all)?;
        c.draft.attachments = all;
        self.message = Some((
            format!(
                "attached {} (Ctrl-x removes the last)",
                crate::mail::sanitize::line(path)
            ),
            Level::Info,
        ));
        self.save_compose()
    }

    /// A key while the compose pane is open; `action`: what the keymap's
    /// compose layer binds it to (other keys go to the editor).
    pub(super) fn compose_key(&mut self, ev: KeyEvent, action: Option<Action>) -> Result<()> {
        let armed = self
            .compose
            .as_mut()
            .is_some_and(|c| std::mem::take(&mut c.confirm_discard));
        match action {
            Some(Action::ComposeClose) => self.close_compose(),
            Some(Action::ComposeDiscard) => self.discard_compose(armed),
            Some(Action::ComposeFields) => self.edit_compose_fields(),
            Some(Action::ComposeSend) => self.compose_send(None),
            Some(Action::ComposeSendLater) => {
                self.prompt = Some(super::prompt::Prompt::new(
                    super::prompt::PromptKind::SendLater,
                ));
                Ok(())
            }
            Some(Action::ComposeSendPending) => self.compose_send(Some(Status::Pending)),
            Some(Action::ComposeSendClose) => self.compose_send(Some(Status::Closed)),
            Some(Action::ComposeSubmit) => self.compose_submit(),
            Some(Action::ComposeEditor) => {
                self.save_compose()?;
                self.external_edit = true;
                Ok(())
            }
            Some(Action::ComposeAttach) => {
                self.prompt = Some(super::prompt::Prompt::new(
                    super::prompt::PromptKind::AttachPath,
                ));
                Ok(())
            }
            Some(Action::ComposeDetach) => {
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
            Some(Action::ComposeTemplate) => {
                self.save_compose()?;
                self.open_picker()
            }
            Some(Action::ComposeNextField) => {
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

    /// Pasted text (bracketed paste): into the prompt if one is open, else
    /// into the draft being written, at once; elsewhere it is dropped.
    pub fn paste(&mut self, text: &str) {
        // A prompt is on top of whatever is open (compose's own included).
        if let Some(p) = &mut self.prompt {
            p.paste(text);
            return;
        }
        // Not into the draft behind the template picker.
        if self.picker.is_some() {
            return;
        }
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
        let r = self.desk.submit(&mut c.draft, None);
        match r {
            Ok((rev, _)) => {
                self.message = Some((
                    format!("draft revision {rev} submitted for review"),
                    Level::Info,
                ));
                let conv = c.draft.conversation.clone();
                self.compose = None;
                if let Some(conv) = conv {
                    self.desk.presence(&conv, false)?;
                }
                self.refresh_counts()?;
                self.reload()?;
                // The draft shared is shown (it heads the conversation);
                // the place read before was pushed down by it.
                if let Some(r) = &mut self.reader {
                    r.scroll = 0;
                    r.jump = None;
                }
                Ok(())
            }
            Err(e) => {
                c.blocked = Some(format!("{e:#}"));
                self.compose = Some(c);
                Ok(())
            }
        }
    }

    /// Sends the draft; `then`: the status the conversation gets with it.
    fn compose_send(&mut self, then: Option<Status>) -> Result<()> {
        self.save_compose()?;
        let Some(mut c) = self.compose.take() else {
            return Ok(());
        };
        let now = self.clock.now;
        let outcome = match self.desk.send_draft_then(
            &c.draft,
            c.confirm_anyway,
            then,
            now,
            self.desk.cfg().undo_send,
        ) {
            Ok(o) => o,
            Err(e) => {
                c.blocked = Some(format!("{e:#}"));
                self.compose = Some(c);
                return Ok(());
            }
        };
        match outcome {
            SendOutcome::Blocked(b @ (Blocked::Collision(_) | Blocked::Confirm(_))) => {
                c.blocked = Some(format!(
                    "{b}\nthe same key again sends anyway; Esc keeps the draft to revise."
                ));
                c.confirm_anyway = true;
                self.compose = Some(c);
                return Ok(());
            }
            SendOutcome::Blocked(b) => {
                c.blocked = Some(b.to_string());
                self.compose = Some(c);
                return Ok(());
            }
            SendOutcome::Queued {
                outbox,
                sent,
                then: status_undo,
            } => {
                let hold = self.desk.cfg().undo_send;
                let mut line =
                    if hold > 0 && sent.report.sent == 0 && sent.report.problems.is_empty() {
                        // The clock counts whole seconds, and the key came
                        // somewhere in this one: due as the outbox has it.
                        let due = crate::domain::compose::held_until(now * 1000, hold);
                        self.held = Some((outbox, due));
                        self.remember(super::acts::Done::Send {
                            outbox,
                            then: status_undo,
                        });
                        held_line(due - now, hold)
                    } else {
                        // Gone at once: u takes back the status alone.
                        if let (Some(undo), Some(s), Some(conv)) =
                            (status_undo, then, c.draft.conversation.clone())
                        {
                            self.remember(super::acts::Done::Act {
                                targets: vec![conv],
                                kind: crate::domain::events::EventKind::Status {
                                    status: s,
                                    until: None,
                                },
                                undo,
                            });
                        }
                        self.sent_line(outbox, &sent)
                    };
                if let Some(s) = then {
                    line.push_str(&format!("; status {s}"));
                }
                self.message = Some((line, Level::Info));
            }
        }
        self.refresh_counts()?;
        self.reload()
    }

    /// The clock ticked: a held reply whose time has come goes (the worker
    /// sends it by itself too; the demo has no worker); the countdown moves.
    pub fn tick(&mut self) {
        let Some((outbox, due)) = self.held else {
            return;
        };
        let left = due - self.clock.now;
        if left > 0 {
            if self
                .message
                .as_ref()
                .is_some_and(|(m, _)| m.starts_with("sending in "))
            {
                self.message = Some((held_line(left, self.desk.cfg().undo_send), Level::Info));
            }
            return;
        }
        self.held = None;
        // Everything queued (the worker would send it by itself too; the
        // demo has no worker).
        let r = self.desk.send(true).map(|sent| {
            self.message = Some((self.sent_line(outbox, &sent), Level::Info));
        });
        let r = r
            .and_then(|_| self.refresh_counts())
            .and_then(|_| self.reload());
        self.report(r);
    }

    /// `u` on a held reply: back to its draft, in the compose pane, and
    /// the status set with it (send and set status) back as it was.
    pub(super) fn unsend(&mut self, outbox: i64, then: Option<crate::desk::Undo>) -> Result<()> {
        self.held = self.held.filter(|(o, _)| *o != outbox);
        let Some(draft) = self.desk.unsend(outbox)? else {
            self.message = Some(("too late: the reply has gone".into(), Level::Error));
            return Ok(());
        };
        let status_back = match then {
            Some(undo) => {
                self.desk.undo(undo, self.clock.now)?;
                " and the conversation as it was"
            }
            None => "",
        };
        let draft = self.desk.store.draft(&draft)?;
        self.open_compose(draft)?;
        self.message = Some((
            format!("send undone: the reply is a draft again{status_back}"),
            Level::Info,
        ));
        self.refresh_counts()?;
        self.reload()
    }

    /// What became of outbox row `id`, for the status line.
    fn sent_line(&self, id: i64, sent: &crate::desk::Sent) -> String {
        if let Some(p) = sent.report.problems.first() {
            return p.to_string();
        }
        match (&sent.delivery, self.desk.mode()) {
            (Delivery::Local, Mode::Demo { outbox }) => {
                format!("sent (demo: written to {})", outbox.display())
            }
            (Delivery::Background, _) => format!("queued as outbox #{id}; sending"),
            (Delivery::Offline(_), _) => {
                format!("queued as outbox #{id}; it goes with the next sync")
            }
            _ if sent.report.sent > 0 => "sent".into(),
            _ => format!("queued as outbox #{id}"),
        }
    }

    /// The shared draft waiting for review on the current conversation.
    pub fn waiting_draft(&self) -> Result<Option<crate::domain::review::SharedDraft>> {
        match self.current_conversation() {
            Some(conv) => super::app::shared_for(&self.desk.store, &conv),
            None => Ok(None),
        }
    }

    /// Approves (or requests changes on) the draft under review here.
    pub(super) fn review_current(&mut self, approved: bool, comment: &str) -> Result<()> {
        let shared = self
            .waiting_draft()?
            .context("no draft waiting for review on this conversation")?;
        let (s, _) = self.desk.review(&shared.draft, approved, comment)?;
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
        let body = crate::mail::sanitize::text(&d.body);
        // Editors expect a file to end with a newline.
        let end = if body.ends_with('\n') { "" } else { "\n" };
        write!(f, "{}\n\n{body}{end}", editor_head(d).join("\n"))?;
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
        // The header lines as `external_edit_file` wrote them: text typed
        // on one, before it (vi opens on the first line), is the agent's.
        let written = editor_head(&c.draft);
        // A wrong address keeps the field as it was and is reported; the
        // text written in the editor is kept whatever happens: a line that
        // is no header goes to the top of the body.
        let mut refused = None;
        let mut stray: Vec<&str> = Vec::new();
        for line in head.lines() {
            let line = match written
                .iter()
                .find(|w| line.len() > w.len() && line.ends_with(w.as_str()))
            {
                Some(w) => {
                    stray.push(&line[..line.len() - w.len()]);
                    &line[line.len() - w.len()..]
                }
                None => line,
            };
            let (field, list) = match line.split_once(':') {
                Some((k, v)) if k.eq_ignore_ascii_case("to") => ("To", v),
                Some((k, v)) if k.eq_ignore_ascii_case("cc") => ("Cc", v),
                Some((k, v)) if k.eq_ignore_ascii_case("subject") => {
                    c.draft.subject = v.trim().to_string();
                    continue;
                }
                _ => {
                    stray.push(line);
                    continue;
                }
            };
            match (crate::desk::input::addresses(list, field), field) {
                (Ok(v), "To") => c.draft.to = v,
                (Ok(v), _) => c.draft.cc = v,
                (Err(e), _) => refused = Some(e),
            }
        }
        stray.retain(|l| !l.trim().is_empty());
        let moved = !stray.is_empty();
        if moved {
            c.set_body(&format!("{}\n{body}", stray.join("\n")));
        } else {
            c.set_body(body);
        }
        self.save_compose()?;
        const MOVED: &str =
            "what you typed among the To, Cc and Subject lines is at the top of the text";
        match refused {
            Some(e) if moved => Err(e.context(format!(
                "the draft's text is saved; that field is unchanged; {MOVED}"
            ))),
            Some(e) => Err(e.context("the draft's text is saved; that field is unchanged")),
            None if moved => {
                self.message = Some((MOVED.into(), super::app::Level::Info));
                Ok(())
            }
            None => Ok(()),
        }
    }
}

/// The header lines of a draft handed to `$EDITOR` (and looked for when
/// it comes back), sanitized.
fn editor_head(d: &crate::domain::compose::Draft) -> [String; 3] {
    let clean = |s: &str| crate::mail::sanitize::line(s).into_owned();
    [
        format!("To: {}", clean(&d.to.join(", "))),
        format!("Cc: {}", clean(&d.cc.join(", "))),
        format!("Subject: {}", clean(&d.subject)),
    ]
}

/// "sending in 8 s · u takes it back": the countdown of a reply held
/// `hold` seconds, `left` to go on the clock (which counts one more than
/// the hold at first: see `held_until`).
fn held_line(left: i64, hold: u32) -> String {
    let left = left.clamp(0, i64::from(hold));
    format!("sending in {left} s · u takes it back")
}
