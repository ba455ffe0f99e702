//! The application state and its update function. Keys become actions
//! through the keymap; `update` changes state and never does network IO. The
//! only reads are of the visible page from SQLite.

use super::action::Action;
use super::format::Clock;
use super::keymap::{Key, Keymap, Layer, Lookup};
use crate::desk::{Desk, Mode};
use crate::domain::views::View;
use crate::domain::{ConversationSummary, ConversationView};
use crate::store::Store;
use anyhow::{Context as _, Result};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;

mod reading;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    List,
    Reader,
}

/// The visible page of the thread list. `rows` holds only what fits on screen.
#[derive(Debug, Default)]
pub struct ListPane {
    pub selected: usize,
    pub offset: usize,
    pub total: usize,
    pub height: usize,
    pub rows: Vec<ConversationSummary>,
}

impl ListPane {
    pub fn selected_row(&self) -> Option<&ConversationSummary> {
        self.rows.get(self.selected.checked_sub(self.offset)?)
    }
}

#[derive(Debug)]
pub struct ReaderPane {
    pub view: ConversationView,
    pub scroll: usize,
    pub height: usize,
    pub show_quotes: bool,
    /// The team history (who assigned, labelled, noted) shown above the
    /// messages, when toggled on; read from SQLite then and on reload, never in draw.
    pub history: Option<Vec<crate::store::HistoryEntry>>,
    /// Lines in the last render (for scroll limits), and the line each
    /// message starts at (for "the message at the top").
    pub rendered_lines: usize,
    pub message_starts: Vec<usize>,
    /// A draft shared for review on this conversation and its tone advice
    /// (read with the view, not in draw).
    pub review: Option<UnderReview>,
    /// The message the next draw scrolls to (its index): where the agent
    /// left off, the first unread one, else the newest.
    pub jump: Option<usize>,
    /// The next reply or update scheduled on it, in words.
    pub next_job: Option<String>,
    /// Teammates drafting a reply on it now, in words ("dana is"; read
    /// with the view).
    pub others_replying: Option<String>,
    /// The agent's unfinished draft here, in words (see `App::draft_line`).
    pub my_draft: Option<String>,
}

/// A draft under review: the shared draft, the tone advice on its text,
/// and the diff of its latest revision to the one before.
pub type UnderReview = (
    crate::domain::review::SharedDraft,
    Vec<crate::domain::tone::Finding>,
    Vec<(char, String)>,
);

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Level {
    Info,
    Error,
}

/// How many status lines the messages log keeps.
const MESSAGES_KEPT: usize = 100;

pub struct App {
    /// The service layer: the cache, the agent, the way to the server.
    pub desk: Desk,
    /// The acting agent's address (kept here for the panes).
    pub me: String,
    /// Demo or a real account (for the status bar).
    pub mode: Mode,
    /// The colours by role (config `[theme]`; none with `NO_COLOR`).
    pub theme: super::theme::Theme,
    pub keymap: Keymap,
    pub clock: Clock,
    pub focus: Focus,
    pub list: ListPane,
    pub reader: Option<ReaderPane>,
    pub help: Option<usize>,
    /// The view the list shows, and the count of every view for the sidebar.
    pub view: View,
    pub view_counts: Vec<usize>,
    /// A one-line prompt (note, labels, ...) that has the keyboard.
    pub prompt: Option<super::prompt::Prompt>,
    /// A claim waiting for the log to say whether it won: (event id, conversation).
    pub pending_claim: Option<(String, String)>,
    /// The last team act, to undo.
    pub undo: Vec<super::acts::Done>,
    /// What `u` took back, to do again (Ctrl-r); cleared by a new act.
    pub redo: Vec<super::acts::Done>,
    /// Conversations marked for a bulk act (v), by id.
    pub selected: std::collections::BTreeSet<String>,
    /// Visual mode (V): the list index where the range started.
    pub visual_anchor: Option<usize>,
    pub message: Option<(String, Level)>,
    /// The last status lines (time, text, level), for `:messages`.
    pub messages: Vec<(i64, String, Level)>,
    /// The status line last kept in `messages` (see [`App::log_message`]).
    message_logged: Option<String>,
    /// The messages log is shown (its scroll), until a key closes it.
    pub messages_view: Option<usize>,
    /// A text attachment read here (`i`), and the one being fetched for it.
    pub text_view: Option<super::textview::TextView>,
    /// The view's order by SLA due time (`W` `W`), while that sort is on.
    pub(super) sla_order: Option<Vec<String>>,
    /// The soonest SLA target of each open conversation on the page.
    pub sla: std::collections::HashMap<String, (crate::domain::insight::SlaKind, i64)>,
    /// The conversations on the page with a draft of the agent's being written.
    pub drafted: std::collections::HashSet<String>,
    /// The reports view (`g R`), while open.
    pub reports: Option<super::reports::ReportsView>,
    /// Members' names from the roster, for the panes.
    pub names: super::team::Names,
    pub(super) pending_view: Option<usize>,
    /// `+` asked to merge these; `+` again merges them.
    pub(super) confirm_merge: Option<Vec<String>>,
    /// `X` asked to split at this Message-ID; `X` again splits.
    pub(super) confirm_split: Option<String>,
    /// The list's order (W toggles waiting longest first).
    pub sort: crate::store::ListSort,
    /// The cache's data version when last read (another process's write
    /// changes it: see `check_outside`).
    pub(super) outside: i64,
    /// A worker's notice came since the last look (its writes are
    /// re-read through the notice, not again by `check_outside`).
    pub(super) noticed: bool,
    /// The status line is the worker's "offline" error: cleared when it
    /// is online again.
    pub(super) offline_message: bool,
    /// What the worker is busy with, while it is ("older mail 77%
    /// (INBOX)"): the status bar shows it when it has no message.
    pub activity: Option<String>,
    /// Notifications and jobs (`ui::automation`).
    pub automation: super::automation::AutoState,
    pub should_quit: bool,
    /// The reply being written, when the compose pane is open.
    pub compose: Option<super::compose::Compose>,
    /// The current search: its matches so far, newest first, and whether
    /// it is complete (`search_step` goes on between keys).
    search_cache: Option<crate::store::Search>,
    /// The current search may miss mail still on its way (the list's
    /// title says so).
    pub search_partial: bool,
    /// The last search typed (`/` starts from it), and the view it was
    /// typed from (`Esc` goes back to it).
    pub(super) last_search: Option<String>,
    /// The first counts were read (`settle`).
    settled: bool,
    /// A reply held in the outbox for undo send: (outbox row, when it goes).
    pub held: Option<(i64, i64)>,
    pub(super) before_search: Option<View>,
    /// Set by Ctrl-e in compose: the run loop hands the draft to `$EDITOR`.
    pub external_edit: bool,
    /// A team template being written in `$EDITOR`.
    pub template_edit: Option<super::picker::TemplateEdit>,
    /// A reply key was refused because an earlier reply on this
    /// conversation is not settled: the same key again replies anyway.
    pub(super) confirm_reply: Option<String>,
    /// A new message's recipient, between its two prompts.
    pub(super) new_to: Option<String>,
    /// The template picker, when open (it has the keyboard).
    pub picker: Option<super::picker::Picker>,
    pending: Vec<Key>,
    pub(super) size: Rect,
}

/// The key an unbound Alt-key stands for after an Esc (Alt-/ for `Esc /`).
fn escape_then(ev: KeyEvent) -> Option<KeyEvent> {
    let rest = ev.modifiers - KeyModifiers::ALT;
    let alt_only = ev.modifiers.contains(KeyModifiers::ALT)
        && (rest.is_empty() || rest == KeyModifiers::SHIFT);
    (alt_only && matches!(ev.code, KeyCode::Char(_))).then(|| KeyEvent::new(ev.code, rest))
}

impl App {
    pub fn new(desk: Desk, keymap: Keymap, clock: Clock) -> Result<App> {
        let mode = desk.mode();
        let message = match &mode {
            Mode::Demo { outbox } => Some((
                format!(
                    "demo mode: nothing leaves this machine; sent mail is written to {}",
                    outbox.display()
                ),
                Level::Info,
            )),
            Mode::Live { .. } => None,
        };
        let mut app = App {
            me: desk.me().to_string(),
            theme: super::theme::Theme::load(
                &desk.cfg().theme,
                super::theme::Theme::no_color_env(),
            )
            .unwrap_or_default(),
            mode,
            desk,
            keymap,
            clock,
            focus: Focus::List,
            list: ListPane {
                height: 20,
                ..Default::default()
            },
            reader: None,
            help: None,
            view: View::All,
            view_counts: Vec::new(),
            prompt: None,
            pending_claim: None,
            undo: Vec::new(),
            redo: Vec::new(),
            selected: Default::default(),
            visual_anchor: None,
            message,
            activity: None,
            automation: Default::default(),
            messages: Vec::new(),
            message_logged: None,
            messages_view: None,
            text_view: None,
            reports: None,
            sla: Default::default(),
            drafted: Default::default(),
            sla_order: None,
            names: Default::default(),
            pending_view: None,
            sort: Default::default(),
            confirm_merge: None,
            confirm_split: None,
            outside: 0,
            noticed: false,
            offline_message: false,
            should_quit: false,
            compose: None,
            search_cache: None,
            search_partial: false,
            last_search: None,
            held: None,
            before_search: None,
            external_edit: false,
            picker: None,
            new_to: None,
            confirm_reply: None,

            template_edit: None,
            pending: Vec::new(),
            size: Rect::new(0, 0, 80, 24),
            settled: false,
        };
        app.outside = app.desk.store.data_version()?;
        app.names = super::team::Names::load(&app.desk);
        // The sidebar's counts and the list's total come after the first
        // frame (`settle`): at a million messages they cost more than the
        // page the agent reads. Until then the list is taken to go on.
        app.list.total = usize::MAX;
        app.reload_page()?;
        Ok(app)
    }

    /// After the first frame: the sidebar's counts, read once the page is
    /// on screen. True the first time (a failure is reported, not retried
    /// every frame: the next notice or act counts again).
    pub fn settle(&mut self) -> bool {
        if std::mem::replace(&mut self.settled, true) {
            return false;
        }
        let r = self
            .refresh_counts()
            .and_then(|_| self.reload_list(self.counted_total()));
        self.report(r);
        true
    }

    /// Wide terminals show list and conversation side by side.
    /// List and conversation side by side (`split_width`, 140 columns).
    pub fn is_wide(&self) -> bool {
        self.size.width >= self.desk.cfg().split_width.max(super::panes::SPLIT_MIN)
    }

    /// The terminal size changed: recompute pane heights and re-read the page.
    pub fn resize(&mut self, width: u16, height: u16) {
        self.size = Rect::new(0, 0, width, height);
        let body = height.saturating_sub(1) as usize; // status bar
        self.list.height = body.saturating_sub(2).max(1); // borders
        if let Some(r) = &mut self.reader {
            r.height = body.saturating_sub(2).max(1);
        }
        // A new size shows more or less of the same list: its page, not
        // a recount.
        let r = self.reload_page();
        self.report(r);
    }

    pub(super) fn report(&mut self, r: Result<()>) {
        if let Err(e) = r {
            tracing::error!("{e:#}");
            self.message = Some((format!("{e:#}"), Level::Error));
        }
    }

    /// A scroll key in the help: within its text at the screen's size, so
    /// that the way back up starts at once.
    fn scroll_help(&mut self, a: Action) {
        let (page, last) = super::panes::help::extent(self, self.size);
        let Some(s) = self.help else { return };
        let s = s.min(last);
        let to = match a {
            Action::ScrollDown => s + 1,
            Action::ScrollUp => s.saturating_sub(1),
            Action::PageDown => s + page.saturating_sub(1).max(1),
            Action::PageUp => s.saturating_sub(page.saturating_sub(1).max(1)),
            Action::HalfPageDown => s + (page / 2).max(1),
            Action::HalfPageUp => s.saturating_sub((page / 2).max(1)),
            Action::Top => 0,
            Action::Bottom => last,
            _ => s,
        };
        self.help = Some(to.min(last));
    }

    fn layer(&self) -> Layer {
        if self.help.is_some() {
            Layer::Help
        } else if self.focus == Focus::Reader && self.reader.is_some() {
            Layer::Reader
        } else {
            Layer::List
        }
    }

    /// The layer keys are looked up in: in the Review view, where reviewers
    /// work from the list, `v` starts the review keys of the conversation
    /// (`v a` approves) instead of selecting a row and then claiming it.
    fn key_layer(&self) -> Layer {
        let review_key = self
            .pending
            .first()
            .is_some_and(|k| k.code == KeyCode::Char('v') && k.mods == KeyModifiers::NONE);
        match self.layer() {
            Layer::List if self.view == View::Review && review_key => Layer::Reader,
            l => l,
        }
    }

    /// Feeds one key press through the keymap (and keeps the status line
    /// it leaves in the messages log).
    pub fn handle_key(&mut self, ev: KeyEvent) {
        if self.messages_view.take().is_some() {
            return; // any key closes the messages log
        }
        if let Some(v) = &mut self.text_view {
            if !v.key(ev) {
                self.text_view = None;
            }
            return;
        }
        if self.reports.is_some() {
            if !self.reports_key(ev) {
                self.reports = None;
            }
            return;
        }
        self.handle_key_inner(ev);
        self.log_message();
    }

    /// Keeps the current status line in the log (`:messages`) when it is
    /// new: not the one last seen here (a line that comes back, as the one
    /// a refused prompt answer stood in front of, is not logged twice).
    pub(super) fn log_message(&mut self) {
        if let Some((m, level)) = &self.message
            && self.message_logged.as_ref() != Some(m)
        {
            let (m, level) = (m.clone(), level.clone());
            self.message_logged = Some(m.clone());
            self.log_line(m, level);
        }
    }

    /// Adds a line to the messages log (`g l`).
    pub(super) fn log_line(&mut self, line: String, level: Level) {
        self.messages.push((self.clock.now, line, level));
        if self.messages.len() > MESSAGES_KEPT {
            self.messages.remove(0);
        }
    }

    fn handle_key_inner(&mut self, ev: KeyEvent) {
        let modal = |layer| self.keymap.modal(layer, Key::from(ev));
        let (in_prompt, in_picker, in_compose) = (
            modal(Layer::Prompt),
            modal(Layer::Picker),
            modal(Layer::Compose),
        );
        if let Some(p) = &self.prompt
            && in_prompt == Some(Action::PromptComplete)
            && matches!(
                p.kind,
                super::prompt::PromptKind::AssignTo
                    | super::prompt::PromptKind::Labels
                    | super::prompt::PromptKind::Note
                    | super::prompt::PromptKind::MoveTo
            )
        {
            let r = self.complete_prompt();
            self.report(r);
            return;
        }
        if let Some(p) = &mut self.prompt {
            match p.key(ev, in_prompt) {
                super::prompt::PromptKey::Editing => {}
                super::prompt::PromptKey::Cancel => self.prompt = None,
                super::prompt::PromptKey::Submit(text) => {
                    let (kind, choice) = (p.kind, p.selected);
                    self.prompt = None;
                    let r = match kind {
                        super::prompt::PromptKind::Palette => self.run_palette(&text, choice),
                        _ => self.submit_prompt(kind, &text),
                    };
                    self.report(r);
                }
            }
            return;
        }
        if self.picker.is_some() {
            let r = self.picker_key(ev, in_picker);
            self.report(r);
            return;
        }
        if self.compose.is_some() && self.help.is_none() {
            let r = self.compose_key(ev, in_compose);
            self.report(r);
            return;
        }
        let key = Key::from(ev);
        self.pending.push(key);
        match self.keymap.lookup(self.key_layer(), &self.pending) {
            Lookup::Action(a) => {
                self.pending.clear();
                self.update(a);
            }
            Lookup::Pending => {}
            Lookup::None => {
                let retry = self.pending.len() > 1;
                self.pending.clear();
                if retry {
                    self.handle_key_inner(ev);
                } else if let Some(key) = escape_then(ev) {
                    // Esc and the key typed after it can arrive as one
                    // Alt-key (the two bytes in one read, as over a slow
                    // ssh link): unbound, it is taken as the two keys, not
                    // dropped, so a query typed after `Esc /` is not run
                    // as commands.
                    self.handle_key_inner(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
                    self.handle_key_inner(key);
                }
            }
        }
    }

    /// Applies an action. Pure state change plus page reads; no network.
    pub fn update(&mut self, action: Action) {
        let r = self.apply(action);
        self.report(r);
    }

    fn apply(&mut self, action: Action) -> Result<()> {
        if !matches!(action, Action::Reply | Action::ReplyAll) {
            self.confirm_reply = None;
        }
        let confirm_merge = self.confirm_merge.take();
        let confirm_split = self.confirm_split.take();
        match (self.layer(), action) {
            (_, Action::Quit) => {
                self.desk.stop();
                self.should_quit = true
            }
            (_, Action::Help) => self.help = if self.help.is_some() { None } else { Some(0) },
            (_, Action::Redraw) => crate::fault::panic_point("panic-on-redraw"),
            (_, Action::Messages) => self.messages_view = Some(0),
            (Layer::Help, a) => self.scroll_help(a),
            (_, Action::Claim) => self.claim()?,
            (_, Action::AssignTo) => self.open_prompt(super::prompt::PromptKind::AssignTo),
            (_, Action::Labels) => self.open_prompt(super::prompt::PromptKind::Labels),
            (_, Action::SetStatus) => self.open_prompt(super::prompt::PromptKind::Status),
            (_, Action::Snooze) => self.open_prompt(super::prompt::PromptKind::Snooze),
            (_, Action::Note) => self.open_prompt(super::prompt::PromptKind::Note),
            (_, Action::Follow) => self.toggle_follow()?,
            (_, Action::Archive) => self.file(&crate::desk::Place::Archive)?,
            (_, Action::Spam) => self.file(&crate::desk::Place::Spam)?,
            (_, Action::Trash) => self.file(&crate::desk::Place::Trash)?,
            (_, Action::MoveTo) => self.open_prompt(super::prompt::PromptKind::MoveTo),
            (_, Action::Search) => self.open_prompt(super::prompt::PromptKind::Search),
            (_, Action::Undo) => self.undo_last()?,
            (_, Action::Redo) => self.redo_last()?,
            (_, Action::Palette) => self.open_prompt(super::prompt::PromptKind::Palette),
            (_, Action::ToggleRead) => self.toggle_read()?,
            (_, Action::Reply) => self.start_compose(crate::domain::compose::DraftKind::Reply)?,
            (_, Action::ReplyAll) => {
                self.start_compose(crate::domain::compose::DraftKind::ReplyAll)?
            }
            (_, Action::Forward) => {
                self.start_compose(crate::domain::compose::DraftKind::Forward)?
            }
            (_, Action::Approve) => self.review_current(true, "")?,
            (_, Action::TemplateReply) => self.open_picker()?,
            (_, Action::NewMessage) => self.new_message()?,
            (_, Action::ReviewEdit) => self.edit_under_review()?,
            (_, Action::ReviewSend) => self.send_under_review()?,
            (_, Action::SaveAttachment) => {
                self.open_prompt(super::prompt::PromptKind::SaveAttachment)
            }
            (_, Action::Customer) => self.show_customer()?,
            (_, Action::Team) => self.show_team()?,
            (_, Action::Notifications) => self.show_notifications()?,
            (_, Action::Jobs) => self.show_jobs()?,
            (_, Action::Reports) => self.show_reports()?,
            (_, Action::PostMortem) => self.post_mortem()?,
            (_, Action::CancelJob | Action::ScheduleUpdate) => self.schedule_key(action),
            (Layer::List, Action::Merge) => self.merge_selected(confirm_merge)?,
            (Layer::Reader, Action::Split) => self.split_here(confirm_split)?,
            (Layer::List, Action::SortWaiting) => self.toggle_waiting_sort()?,
            (_, Action::ViewAttachment) => self.view_attachment_key()?,
            (_, Action::OpenAttachment) => self.open_key()?,
            (Layer::List, Action::ToggleSelect) => self.toggle_select()?,
            (Layer::List, Action::VisualSelect) => self.visual_select()?,
            (Layer::List, Action::ClearSelection) => {
                let nothing_selected = self.selected.is_empty() && self.visual_anchor.is_none();
                self.clear_selection();
                // Esc with nothing selected leaves a search.
                if nothing_selected && matches!(self.view, View::Search(_)) {
                    let back = self.before_search.take().unwrap_or(View::All);
                    self.set_view(back)?;
                }
            }
            (_, Action::RequestChanges) => {
                let shared = self
                    .waiting_draft()?
                    .context("no draft waiting for review on this conversation")?;
                self.desk.may_review(&shared)?;
                self.open_prompt(super::prompt::PromptKind::ReviewComment)
            }
            (_, Action::FocusNext) => {
                self.focus = match self.focus {
                    Focus::List if self.reader.is_some() => Focus::Reader,
                    _ => Focus::List,
                }
            }
            (_, a) if a.only_in().is_some() => {
                let w = a.only_in().unwrap_or_default();
                anyhow::bail!("{} works {w} (its key is in the help, ?)", a.description())
            }
            (Layer::Reader, a) => self.reader_action(a)?,
            (_, a) => self.list_action(a)?,
        }
        Ok(())
    }

    fn move_to(&mut self, index: usize) -> Result<()> {
        self.list.selected = index.min(self.list.total.saturating_sub(1));
        self.reload_page()
    }

    fn list_action(&mut self, a: Action) -> Result<()> {
        let (sel, h) = (self.list.selected, self.list.height);
        match a {
            Action::Down => self.move_to(sel + 1)?,
            Action::Up => self.move_to(sel.saturating_sub(1))?,
            Action::Top => self.move_to(0)?,
            Action::Bottom => self.move_to(usize::MAX)?,
            Action::HalfPageDown => self.move_to(sel + h / 2)?,
            Action::HalfPageUp => self.move_to(sel.saturating_sub(h / 2))?,
            Action::PageDown => self.move_to(sel + h)?,
            Action::PageUp => self.move_to(sel.saturating_sub(h))?,
            Action::Open => self.open_selected()?,
            Action::Close => self.focus = Focus::List,
            Action::ViewNext | Action::ViewPrev => {
                let (views, shown) = (self.views(), self.shown_views());
                let i = shown.iter().position(|&i| views[i] == self.view);
                let n = shown.len();
                let j = match (i, a == Action::ViewNext) {
                    (Some(i), true) => (i + 1) % n,
                    (Some(i), false) => (i + n - 1) % n,
                    (None, _) => 0,
                };
                self.set_view(views[shown[j]].clone())?;
            }
            other => {
                if let Some(v) = other.view() {
                    self.set_view(v)?;
                }
            }
        }
        Ok(())
    }

    fn open_selected(&mut self) -> Result<()> {
        let Some(id) = self.list.selected_row().map(|r| r.id.clone()) else {
            return Ok(());
        };
        let Some(view) = self.desk.store.conversation(&id)? else {
            return Ok(());
        };
        if view
            .messages
            .iter()
            .any(|m| m.body_state == crate::domain::BodyState::Headers)
        {
            self.desk.want_bodies(&id);
        }
        // Opening reads it: local first, pushed after.
        // No view but a search's depends on being read: its count stands.
        if view.messages.iter().any(|m| m.unread) && self.desk.mark_read(&id, true)? > 0 {
            self.reload_list(Some(self.list.total))?;
            self.reload_reader(true)?;
        }
        let height = self.list.height;
        let review = under_review(&self.desk.store, self.desk.cfg(), &view)?;
        // Open where reading starts: the first unread message, else the
        // newest (the first one needs no jump: the subject stays in view).
        let jump = view
            .messages
            .iter()
            .position(|m| m.unread)
            .unwrap_or(view.messages.len().saturating_sub(1));
        let review_first = review.is_some();
        self.reader = Some(ReaderPane {
            view,
            scroll: 0,
            height,
            show_quotes: false,
            history: None,
            rendered_lines: 0,
            message_starts: Vec::new(),
            review,
            // A draft under review is drawn first: the reviewer starts there.
            jump: (jump > 0 && !review_first).then_some(jump),
            next_job: super::automation::next_job_line(&self.desk, &id),
            my_draft: self.draft_line(&id),
            others_replying: super::team::replying_words(
                &self.names,
                &self.desk.others_replying(&id)?,
            ),
        });
        self.focus = Focus::Reader;
        Ok(())
    }

    fn reader_action(&mut self, a: Action) -> Result<()> {
        let Some(r) = &mut self.reader else {
            return Ok(());
        };
        let max = r.rendered_lines.saturating_sub(r.height);
        match a {
            Action::ScrollDown | Action::Down => r.scroll = (r.scroll + 1).min(max),
            Action::ScrollUp | Action::Up => r.scroll = r.scroll.saturating_sub(1),
            Action::HalfPageDown => r.scroll = (r.scroll + r.height / 2).min(max),
            Action::HalfPageUp => r.scroll = r.scroll.saturating_sub(r.height / 2),
            Action::PageDown => r.scroll = (r.scroll + r.height.saturating_sub(1)).min(max),
            Action::PageUp => r.scroll = r.scroll.saturating_sub(r.height.saturating_sub(1)),
            Action::Top => r.scroll = 0,
            Action::Bottom => r.scroll = max,
            Action::ToggleQuotes => r.show_quotes = !r.show_quotes,
            Action::History => {
                r.history = match r.history {
                    Some(_) => None,
                    None => Some(self.desk.store.history(&r.view.id)?),
                };
                // The history is drawn first: bring it into view.
                if r.history.is_some() {
                    r.scroll = 0;
                    r.jump = None;
                }
            }
            Action::Close => self.close_reader(),
            Action::NextConversation => {
                self.move_to(self.list.selected + 1)?;
                self.open_selected()?;
            }
            Action::PrevConversation => {
                self.move_to(self.list.selected.saturating_sub(1))?;
                self.open_selected()?;
            }
            Action::Open => {}
            _ => self.list_action(a)?,
        }
        Ok(())
    }

    /// Types `text` literally, one key per character (for prompts in tests).
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
    }

    /// Feeds keys written as in the keymap ("j j <Enter>" or "jj<Enter>"):
    /// for tests and scripted sessions.
    pub fn feed(&mut self, keys: &str) {
        let mut rest = keys;
        while let Some(c) = rest.chars().next() {
            if c == ' ' {
                rest = &rest[1..];
                continue;
            }
            let (spec, len) = if c == '<' {
                match rest.find('>') {
                    Some(end) => (&rest[..=end], end + 1),
                    None => (&rest[..1], 1),
                }
            } else {
                (&rest[..c.len_utf8()], c.len_utf8())
            };
            rest = &rest[len..];
            let key = super::keymap::parse_keys(spec)
                .map(|k| k[0])
                .unwrap_or(Key {
                    code: KeyCode::Char(c),
                    mods: KeyModifiers::NONE,
                });
            self.handle_key(KeyEvent::new(key.code, key.mods));
        }
    }
}

/// The draft under review on a conversation, with the tone check of its
/// text and the diff to the previous revision (computed here, once per
/// read, never in draw).
fn under_review(
    store: &Store,
    cfg: &crate::config::Config,
    view: &ConversationView,
) -> Result<Option<UnderReview>> {
    let Some(d) = shared_for(store, &view.id)? else {
        return Ok(None);
    };
    let first = view
        .messages
        .iter()
        .find(|m| !m.from_team)
        .and_then(|m| crate::domain::names::first_name(m.from.name.as_deref(), &m.from.email));
    let tone = crate::domain::tone::check(&cfg.tone_rules(), &d.latest().body, first.as_deref());
    let l = d.latest();
    let diff = match d.revisions.len().checked_sub(2).map(|i| &d.revisions[i]) {
        Some(p) => crate::domain::compose::diff_lines(&p.body, &l.body),
        None => l.body.lines().map(|x| (' ', x.to_string())).collect(),
    };
    Ok(Some((d, tone, diff)))
}

/// The newest unsent draft shared for review on a conversation.
pub(super) fn shared_for(
    store: &Store,
    conv: &str,
) -> Result<Option<crate::domain::review::SharedDraft>> {
    Ok(store
        .shared_drafts_of(conv)?
        .into_values()
        .filter(|s| s.conversation == conv && !s.sent)
        .max_by_key(|s| s.latest().revision))
}
