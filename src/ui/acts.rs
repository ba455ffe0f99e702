//! Team acts from the TUI: claim, assign, labels, status, snooze, note,
//! follow. The desk commits each to SQLite at once (the screen shows it)
//! and pushes it; a lost claim is reported when the log is read back.

use super::app::{App, Focus, Level};
use super::prompt::{Prompt, PromptKind};
use crate::desk::{Fetched, input};
use crate::domain::events::{EventKind, Outcome};
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
        if kind == PromptKind::Search {
            // `/` offers the last query: typing replaces it, Backspace
            // edits it, Enter runs it again.
            let last = self.last_search.clone().unwrap_or_default();
            self.prompt = Some(Prompt::offering(kind, last));
            return;
        }
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
        if kind == PromptKind::NewSubject && text.trim().is_empty() {
            // Enter on an empty subject dropped the message and the
            // recipients just typed, without a word.
            self.refuse(
                kind,
                text,
                "a new message needs a subject (Esc gives it up)".into(),
            );
            return Ok(());
        }
        if text.is_empty() {
            return Ok(());
        }
        if kind == PromptKind::Palette {
            return self.run_palette(text, 0);
        }
        if kind == PromptKind::ReviewComment {
            return self.review_current(false, text);
        }
        match kind {
            PromptKind::AttachPath => {
                // Refused (no such file, too large): the path stays to mend.
                if let Err(e) = self.attach_file(text) {
                    self.refuse(kind, text, format!("{e:#}"));
                }
                return Ok(());
            }
            PromptKind::NewTo => {
                if let Err(e) = input::addresses(text, "To") {
                    self.refuse(kind, text, format!("{e:#}"));
                    return Ok(());
                }
                self.new_to = Some(text.to_string());
                self.prompt = Some(Prompt::new(PromptKind::NewSubject));
                return Ok(());
            }
            PromptKind::NewSubject => {
                let to = self.new_to.take().unwrap_or_default();
                return self.start_new_message(&to, text);
            }
            PromptKind::MoveTo => return self.file(&crate::desk::Place::parse(text)?),
            PromptKind::SendLater | PromptKind::ScheduleUpdate | PromptKind::CancelJob => {
                // Refused: a bad time, an unknown job.
                if let Err(e) = self.schedule_prompt(kind, text) {
                    self.refuse(kind, text, format!("{e:#}"));
                }
                return Ok(());
            }
            PromptKind::ViewAttachment => {
                let n = text.trim().trim_start_matches('#');
                let n: usize = n.parse().map_err(|_| {
                    anyhow!("{n:?}: give the attachment's number, as listed (📎 [N])")
                })?;
                return self.view_attachment(n);
            }
            _ => {}
        }
        if matches!(
            kind,
            PromptKind::SaveAttachment | PromptKind::OpenAttachment
        ) {
            let (n, dir) = text.trim().split_once(' ').unwrap_or((text.trim(), ""));
            if kind == PromptKind::OpenAttachment && n.eq_ignore_ascii_case("h") {
                return self.open_html();
            }
            let n: usize = n
                .trim_start_matches('#')
                .parse()
                .map_err(|_| anyhow!("{n:?}: give the attachment's number, as listed (📎 [N])"))?;
            let dir = (!dir.trim().is_empty()).then(|| expand_home(dir.trim()));
            return self.save_part(
                crate::attachments::Part::Attachment(n),
                dir,
                kind == PromptKind::OpenAttachment,
            );
        }
        if kind == PromptKind::Search {
            // Parse first: a bad query keeps its prompt open, saying why;
            // the list stays.
            if let Err(e) = crate::domain::search::parse(text) {
                self.refuse(kind, text, format!("search: {e}"));
                return Ok(());
            }
            // Asked from a conversation: the results are in the list, as
            // when the conversation is closed.
            if self.focus == Focus::Reader {
                self.close_reader();
            }
            return self.set_view(crate::domain::views::View::Search(text.to_string()));
        }
        let me = self.me.clone();
        let prompt = kind;
        let parsed = match kind {
            PromptKind::AssignTo => self
                .desk
                .resolve_agent(text)
                .map(|to| input::assign(to, &me, true)),
            PromptKind::Labels => input::labels(text),
            PromptKind::Status => input::status(text),
            PromptKind::Snooze => input::snooze_at(self.desk.cfg(), text, self.clock.now),
            PromptKind::Note => input::note(text),
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
            | PromptKind::ComposeSubject
            | PromptKind::MoveTo
            | PromptKind::ViewAttachment
            | PromptKind::SendLater
            | PromptKind::ScheduleUpdate
            | PromptKind::CancelJob => {
                unreachable!("handled above")
            }
        };
        // Refused: an unknown teammate, a bad time, an @mention off the roster.
        if let Err(e) = parsed.and_then(|kind| self.act(kind)) {
            self.refuse(prompt, text, format!("{e:#}"));
        }
        Ok(())
    }

    /// A refused prompt answer: the prompt stays open with what was typed,
    /// saying why, and the reason is kept in the messages log (`g l`) as a
    /// status line would be. The status line behind the prompt stays.
    fn refuse(&mut self, kind: PromptKind, text: &str, why: String) {
        self.log_line(why.clone(), Level::Error);
        let mut p = Prompt::with_input(kind, text.to_string());
        p.error = Some(why);
        self.prompt = Some(p);
    }

    /// Enter in the palette: `snooze 3d`, `status closed`, `assign lee`,
    /// `label +billing`, `note …`, `search …` act at once with their
    /// argument; anything else runs the chosen match (`choice`, moved with
    /// the arrow keys from the best one).
    pub(super) fn run_palette(&mut self, text: &str, choice: usize) -> Result<()> {
        if let Some((kind, _, rest)) = super::palette::command(text) {
            anyhow::ensure!(
                kind == PromptKind::Search || self.current_conversation().is_some(),
                "no conversation selected"
            );
            return self.submit_prompt(kind, rest);
        }
        let matches = super::palette::matches(&self.keymap, text);
        let Some(best) = matches.get(choice.min(matches.len().saturating_sub(1))) else {
            bail!("no action matches {text:?}");
        };
        self.update(best.action);
        Ok(())
    }

    /// Tab in the assign, labels and note prompts: completes the last word
    /// from the team's agents (`@name` in a note) or the labels in use.
    pub(super) fn complete_prompt(&mut self) -> Result<()> {
        let Some(p) = &self.prompt else {
            return Ok(());
        };
        let kind = p.kind;
        let input = p.input.clone();
        let start = input.rfind(char::is_whitespace).map_or(0, |i| i + 1);
        let (head, word) = input.split_at(start);
        let locals = || -> Result<Vec<String>> {
            Ok(self
                .desk
                .known_agents()?
                .iter()
                .map(|a| self.names.short(a).to_string())
                .collect())
        };
        let (prefix, stem, candidates) = match kind {
            PromptKind::AssignTo => ("", word, locals()?),
            PromptKind::MoveTo => {
                let mut folders: Vec<String> = ["archive", "spam", "trash", "inbox"]
                    .map(String::from)
                    .to_vec();
                folders.extend(self.desk.store.move_targets()?.into_iter().map(|(n, _)| n));
                ("", word, folders)
            }
            PromptKind::Note if word.starts_with('@') => ("@", &word[1..], locals()?),
            PromptKind::Labels => {
                let sign = if word.starts_with(['+', '-']) {
                    &word[..1]
                } else {
                    ""
                };
                let mut labels = self.desk.store.known_labels()?;
                labels.extend(self.desk.cfg().labels.keys().cloned());
                labels.sort();
                labels.dedup();
                (sign, &word[sign.len()..], labels)
            }
            _ => return Ok(()),
        };
        match input::complete(stem, &candidates) {
            Some(done) => {
                if let Some(p) = &mut self.prompt {
                    p.input = format!("{head}{prefix}{done}");
                }
            }
            None => {
                let near = input::closest(stem, &candidates);
                if !near.is_empty()
                    && !candidates.iter().any(|c| c == stem)
                    && let Some(p) = &mut self.prompt
                {
                    p.error = Some(format!("did you mean {}?", near.join(", ")));
                }
            }
        }
        Ok(())
    }

    pub(super) fn claim(&mut self) -> Result<()> {
        let me = self.me.clone();
        self.act(input::assign(Some(me.clone()), &me, false))
    }

    pub(super) fn toggle_follow(&mut self) -> Result<()> {
        let conv = self
            .current_conversation()
            .context("no conversation selected")?;
        let following = self.desk.following(&conv)?;
        self.act(EventKind::Follow { on: !following })
    }

    /// Archive, spam, trash, move: files the current conversation, or every
    /// selected one, in `place`; `u` takes it back.
    pub(super) fn file(&mut self, place: &crate::desk::Place) -> Result<()> {
        let targets = self.targets()?;
        self.file_these(targets, place)
    }

    fn file_these(&mut self, targets: Vec<String>, place: &crate::desk::Place) -> Result<()> {
        let before = self.memberships(&targets)?;
        let filed = self.desk.file(&targets, place, self.clock.now)?;
        let moved = filed.moved.iter().filter(|(_, n)| *n > 0).count();
        let folder = crate::mail::sanitize::line(&filed.folder).into_owned();
        self.message = Some(match (targets.len(), moved) {
            (_, 0) => (format!("already in {folder}"), Level::Info),
            (1, _) => (
                format!("moved to {folder} ({}); u takes it back", targets[0]),
                Level::Info,
            ),
            (n, m) => (
                format!("{m} of {n} conversations moved to {folder}; u takes them back"),
                Level::Info,
            ),
        });
        if moved > 0 {
            self.remember(Done::Act {
                targets: targets.clone(),
                kind: filed.kind,
                undo: filed.undo,
            });
        }
        self.selected.clear();
        self.visual_anchor = None;
        self.counted_reload(&targets, before)
    }

    /// An act in words, times in the agent's zone.
    fn words(&self, kind: &EventKind) -> String {
        kind.describe_in(self.desk.cfg().time_zone())
    }

    /// Records an event for the current conversation, or for every selected
    /// one (bulk), through the desk.
    pub(super) fn act(&mut self, kind: EventKind) -> Result<()> {
        let targets = self.targets()?;
        let before = self.memberships(&targets)?;
        let acted = self.desk.act(&targets, kind.clone(), self.clock.now)?;
        if let (1, [r]) = (targets.len(), acted.reports.as_slice())
            && let EventKind::Assign {
                reassign: false, ..
            } = kind
        {
            self.pending_claim = Some((r.event.id.clone(), r.conversation.clone()));
        }
        let lost = acted.lost();
        self.message = Some(match (targets.len(), lost.first()) {
            (1, Some(owner)) => (
                format!("already owned by {owner}; A reassigns"),
                Level::Error,
            ),
            (1, None) => (
                format!("{} ({})", self.words(&kind), targets[0]),
                Level::Info,
            ),
            (n, _) => (
                format!(
                    "{} on {n} conversations{}",
                    self.words(&kind),
                    if lost.is_empty() {
                        String::new()
                    } else {
                        format!(" ({} already owned)", lost.len())
                    }
                ),
                Level::Info,
            ),
        });
        self.remember(Done::Act {
            targets: targets.clone(),
            kind: kind.clone(),
            undo: acted.undo,
        });
        // The selection is used up by the act.
        self.selected.clear();
        self.visual_anchor = None;
        self.counted_reload(&targets, before)
    }

    /// Keeps what was just done for `u` (a new act forgets what was undone).
    pub(super) fn remember(&mut self, done: Done) {
        self.undo.push(done);
        if self.undo.len() > UNDO_DEPTH {
            self.undo.remove(0);
        }
        self.redo.clear();
    }

    /// Undoes the last act (on every conversation it touched) or brings back
    /// the last discarded draft; `Ctrl-r` does it again.
    pub(super) fn undo_last(&mut self) -> Result<()> {
        let Some(done) = self.undo.pop() else {
            self.message = Some(("nothing to undo".into(), Level::Info));
            return Ok(());
        };
        match done {
            Done::Send { outbox, then } => self.unsend(outbox, then),
            Done::Discard(mut d) => {
                d.state = crate::domain::compose::DraftState::Editing;
                self.desk.store.save_draft(&d)?;
                let key = match d.kind {
                    crate::domain::compose::DraftKind::New => "m",
                    crate::domain::compose::DraftKind::Forward => "f",
                    crate::domain::compose::DraftKind::ReplyAll => "R",
                    crate::domain::compose::DraftKind::Reply => "r",
                };
                self.message = Some((format!("draft brought back; {key} resumes it"), Level::Info));
                self.redo.push(Done::Discard(d));
                self.refresh_counts()?;
                self.reload()
            }
            Done::Act {
                targets,
                kind,
                undo,
            } => {
                let before = self.memberships(&targets)?;
                let (n, _) = self.desk.undo(undo, self.clock.now)?;
                self.message = Some((
                    format!(
                        "undone on {n} conversation{}; Ctrl-r does it again",
                        if n == 1 { "" } else { "s" }
                    ),
                    Level::Info,
                ));
                self.redo.push(Done::Act {
                    targets: targets.clone(),
                    kind,
                    undo: Default::default(),
                });
                self.counted_reload(&targets, before)
            }
        }
    }

    /// Does again what `u` took back last.
    pub(super) fn redo_last(&mut self) -> Result<()> {
        let Some(done) = self.redo.pop() else {
            self.message = Some(("nothing to redo".into(), Level::Info));
            return Ok(());
        };
        let redo = std::mem::take(&mut self.redo);
        let r = match done {
            Done::Send { .. } => Ok(()),
            Done::Discard(mut d) => {
                d.state = crate::domain::compose::DraftState::Discarded;
                self.desk.store.save_draft(&d)?;
                self.message = Some(("draft discarded again".into(), Level::Info));
                self.undo.push(Done::Discard(d));
                self.refresh_counts().and_then(|_| self.reload())
            }
            Done::Act {
                targets,
                kind: EventKind::Filed { folder, .. },
                ..
            } => self.file_these(targets, &crate::desk::Place::Folder(folder)),
            Done::Act { targets, kind, .. } => {
                let before = self.memberships(&targets)?;
                let acted = self.desk.act(&targets, kind.clone(), self.clock.now)?;
                self.message = Some((format!("done again: {}", self.words(&kind)), Level::Info));
                self.undo.push(Done::Act {
                    targets: targets.clone(),
                    kind,
                    undo: acted.undo,
                });
                self.counted_reload(&targets, before)
            }
        };
        self.redo = redo;
        r
    }

    /// Saves (or opens) attachment `n` of the open conversation: at once,
    /// or by the worker (a notice says where).
    pub(super) fn save_part(
        &mut self,
        part: crate::attachments::Part,
        dir: Option<std::path::PathBuf>,
        open: bool,
    ) -> Result<()> {
        let conv = self
            .current_conversation()
            .context("open a conversation first")?;
        let text = match self.desk.attachment(&conv, part, dir, open)? {
            Fetched::Background => format!("fetching {part}…"),
            Fetched::Saved(path) => attachment_line(part, open, &path),
        };
        self.message = Some((text, Level::Info));
        Ok(())
    }

    /// `o`: with attachments, the prompt asks which (or `h`); without, the
    /// message on top opens as HTML in the browser.
    pub(super) fn open_key(&mut self) -> Result<()> {
        let attachments = self
            .reader
            .as_ref()
            .map_or(0, |r| crate::attachments::numbered(&r.view).count());
        if self.reader.is_some() && attachments == 0 {
            return self.open_html();
        }
        self.open_prompt(PromptKind::OpenAttachment);
        Ok(())
    }

    /// The message on top of the conversation, opened in the browser from
    /// a sanitized private copy of its HTML part.
    pub(super) fn open_html(&mut self) -> Result<()> {
        let r = self.reader.as_ref().context("open a conversation first")?;
        let n = r.top_message() + 1;
        self.save_part(crate::attachments::Part::Html(n), None, true)
    }

    /// `i`: a conversation's only attachment is read at once; with more,
    /// the prompt asks which.
    pub(super) fn view_attachment_key(&mut self) -> Result<()> {
        let attachments = self
            .reader
            .as_ref()
            .map_or(0, |r| crate::attachments::numbered(&r.view).count());
        match attachments {
            0 if self.reader.is_some() => bail!("this conversation has no attachments"),
            1 => self.view_attachment(1),
            _ => {
                self.open_prompt(PromptKind::ViewAttachment);
                Ok(())
            }
        }
    }

    /// Reads text attachment `n` here: a private copy is fetched (by the
    /// worker when the message must come from the server), then shown.
    pub(super) fn view_attachment(&mut self, n: usize) -> Result<()> {
        let conv = self
            .current_conversation()
            .context("open a conversation first")?;
        let view = self
            .desk
            .store
            .conversation(&conv)?
            .context("no such conversation")?;
        let a = crate::attachments::numbered(&view)
            .nth(n.wrapping_sub(1))
            .map(|(_, _, a)| a);
        let loading = view
            .messages
            .iter()
            .any(|m| m.body_state == crate::domain::BodyState::Headers);
        let a = match a {
            Some(a) => a,
            None if loading => bail!("the conversation is still loading; try again in a moment"),
            None => bail!("no attachment #{n} here"),
        };
        if !super::textview::is_text(a) {
            bail!(
                "attachment #{n} ({}) is not text: w saves it, o opens it",
                crate::mail::sanitize::line(&a.content_type)
            );
        }
        let dir = viewing_dir()?;
        match self.desk.attachment(
            &conv,
            crate::attachments::Part::Attachment(n),
            Some(dir),
            false,
        )? {
            Fetched::Background => {
                self.pending_view = Some(n);
                self.message = Some((format!("fetching attachment #{n}…"), Level::Info));
            }
            Fetched::Saved(path) => self.show_text(n, &path)?,
        }
        Ok(())
    }

    /// Shows the saved copy of attachment `n`, then removes the copy.
    pub(super) fn show_text(&mut self, n: usize, path: &std::path::Path) -> Result<()> {
        let name = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let v = super::textview::TextView::load(path, &format!("#{n} {name}"));
        let _ = std::fs::remove_file(path);
        self.text_view = Some(v?);
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
        let targets = [conv.clone()];
        let before = self.memberships(&targets)?;
        self.desk.mark_read(&conv, unread)?;
        self.message = Some((
            if unread {
                "marked read"
            } else {
                "marked unread"
            }
            .into(),
            Level::Info,
        ));
        self.counted_reload(&targets, before)
    }

    /// After the worker read the log back: tell the agent if a claim lost.
    pub(super) fn check_claim(&mut self) -> Result<()> {
        let Some((event_id, conv)) = self.pending_claim.clone() else {
            return Ok(());
        };
        if let Some(outcome) = self.desk.outcome_of(&conv, &event_id)? {
            if outcome != Outcome::Applied {
                self.message = Some((format!("{conv}: {outcome}"), Level::Error));
            }
            self.pending_claim = None;
        }
        Ok(())
    }
}

/// How many acts `u` can take back.
const UNDO_DEPTH: usize = 50;

/// Something `u` can take back: a team act, or a discarded draft.
#[derive(Clone, Debug)]
pub enum Done {
    Act {
        targets: Vec<String>,
        kind: EventKind,
        undo: crate::desk::Undo,
    },
    Discard(crate::domain::compose::Draft),
    /// A reply held in the outbox (undo send).
    Send {
        outbox: i64,
        /// The status set with it (send and set status), undone with it.
        then: Option<crate::desk::Undo>,
    },
}

/// "attachment #2 saved to ~/Downloads/x.pdf".
pub(super) fn attachment_line(
    part: crate::attachments::Part,
    open: bool,
    path: &std::path::Path,
) -> String {
    format!(
        "{part} {} {}",
        if open { "opened from" } else { "saved to" },
        crate::mail::sanitize::line(&path.display().to_string())
    )
}
/// Where copies of attachments being read are saved: a private directory.
fn viewing_dir() -> Result<std::path::PathBuf> {
    // SAFETY: getuid has no preconditions and cannot fail.
    let uid = unsafe { libc::getuid() };
    let d = std::env::temp_dir().join(format!("replypad-view-{uid}"));
    crate::paths::ensure_private_dir(&d)?;
    Ok(d)
}

/// `~/x` → the home directory's x.
fn expand_home(p: &str) -> std::path::PathBuf {
    match (p.strip_prefix("~/"), directories::UserDirs::new()) {
        (Some(rest), Some(u)) => u.home_dir().join(rest),
        _ => std::path::PathBuf::from(p),
    }
}
