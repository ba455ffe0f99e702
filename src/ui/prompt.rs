//! A one-line text prompt (assign to, labels, status, snooze, note), shown in
//! the status bar row. While it is open it has the keyboard: the keymap's
//! "prompt" layer says which keys answer, close or clear it; the rest type.

use super::action::Action;
use crossterm::event::{KeyCode, KeyEvent};

/// What the prompt is asking for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptKind {
    AssignTo,
    Labels,
    Status,
    Snooze,
    Note,
    Search,
    Palette,
    /// What should change in the draft under review.
    ReviewComment,
    /// "N" or "N directory": save attachment #N.
    SaveAttachment,
    /// "N": open attachment #N with the system opener.
    OpenAttachment,
    /// A file to attach to the draft (Tab completes the path).
    AttachPath,
    /// A new message: the recipient, then the subject.
    NewTo,
    NewSubject,
    /// The open draft's recipients and subject, one after another (Ctrl-o).
    ComposeTo,
    ComposeCc,
    ComposeSubject,
    /// Where to move the conversation (Tab completes the folders).
    MoveTo,
    /// "N": read text attachment #N here.
    ViewAttachment,
    /// When the draft goes (send later).
    SendLater,
    /// When the update goes, unless the customer writes first.
    ScheduleUpdate,
    /// Which job to cancel.
    CancelJob,
}

impl PromptKind {
    pub fn label(self) -> &'static str {
        match self {
            PromptKind::AssignTo => "Assign to (name, address, me or none): ",
            PromptKind::Labels => "Labels (+add -remove): ",
            PromptKind::Status => "Status (open, pending, closed): ",
            PromptKind::Snooze => "Snooze until (3d, tomorrow 9:00, mon): ",
            PromptKind::SendLater => "Send at (tomorrow 9:00, in 2 business days, 4h): ",
            PromptKind::ScheduleUpdate => {
                "Send an update unless they write first, at (in 2 business days, mon 9:00): "
            }
            PromptKind::CancelJob => "Cancel job (its id, from g J): ",
            PromptKind::Note => "Internal note (@name mentions): ",
            PromptKind::Search => "/",
            PromptKind::Palette => ":",
            PromptKind::ReviewComment => "Request changes (what should change): ",
            PromptKind::SaveAttachment => {
                "Save attachment # (and a directory; default Downloads): "
            }
            PromptKind::OpenAttachment => "Open attachment # (h: the message on top as HTML): ",
            PromptKind::ViewAttachment => "Read attachment # here: ",
            PromptKind::AttachPath => "Attach file (Tab completes): ",
            PromptKind::NewTo => "New message to: ",
            PromptKind::NewSubject | PromptKind::ComposeSubject => "Subject: ",
            PromptKind::ComposeTo => "To (commas between; Enter keeps, Esc stops): ",
            PromptKind::ComposeCc => "Cc: ",
            PromptKind::MoveTo => {
                "Move to (inbox, archive, spam, trash or a folder; Tab completes): "
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub input: String,
    /// Why the last answer was refused, shown before the label until the
    /// input changes (the status row holds the prompt, not messages).
    pub error: Option<String>,
    /// The palette's chosen line (arrow keys), counted from the best match.
    pub selected: usize,
    /// The input is offered, as selected text is: the first character
    /// typed replaces it; Backspace starts editing it instead.
    pub offered: bool,
}

/// What a key did to the prompt.
#[derive(Debug, PartialEq, Eq)]
pub enum PromptKey {
    Editing,
    Cancel,
    Submit(String),
}

impl Prompt {
    pub fn new(kind: PromptKind) -> Prompt {
        Prompt::with_input(kind, String::new())
    }

    /// A prompt that starts with `input` typed (to edit a value).
    pub fn with_input(kind: PromptKind, input: String) -> Prompt {
        Prompt {
            kind,
            input,
            error: None,
            selected: 0,
            offered: false,
        }
    }

    /// A prompt that offers `input` (the last search): typing replaces it.
    pub fn offering(kind: PromptKind, input: String) -> Prompt {
        Prompt {
            offered: !input.is_empty(),
            ..Prompt::with_input(kind, input)
        }
    }

    /// Pasted text (bracketed paste), at the end of the input: one line
    /// (line breaks become spaces), cleaned of control characters, within
    /// the length a typed answer may have. A paste is never an Enter.
    pub fn paste(&mut self, text: &str) {
        if std::mem::take(&mut self.offered) {
            self.input.clear();
        }
        self.error = None;
        self.selected = 0;
        let room = INPUT_MAX.saturating_sub(self.input.chars().count());
        let line = text.replace(['\r', '\n', '\t'], " ");
        let clean = crate::mail::sanitize::line(&line);
        self.input
            .extend(clean.chars().filter(|c| !c.is_control()).take(room));
    }

    /// A key; `action` is what the keymap's prompt layer binds it to.
    pub fn key(&mut self, ev: KeyEvent, action: Option<Action>) -> PromptKey {
        if action != Some(Action::PromptSubmit) {
            self.error = None;
        }
        let offered = std::mem::take(&mut self.offered);
        match action {
            Some(Action::PromptCancel) => return PromptKey::Cancel,
            Some(Action::PromptSubmit) => return PromptKey::Submit(self.input.trim().to_string()),
            Some(Action::PromptClear) => {
                self.input.clear();
                return PromptKey::Editing;
            }
            Some(Action::PromptDown) => {
                self.selected = self.selected.saturating_add(1);
                return PromptKey::Editing;
            }
            Some(Action::PromptUp) => {
                self.selected = self.selected.saturating_sub(1);
                return PromptKey::Editing;
            }
            Some(Action::PromptComplete) => {
                if self.kind == PromptKind::AttachPath {
                    self.input = complete_path(&self.input);
                }
                return PromptKey::Editing;
            }
            _ => {}
        }
        match ev.code {
            KeyCode::Backspace => {
                self.input.pop();
                self.selected = 0;
            }
            KeyCode::Char(c) if !c.is_control() && self.input.chars().count() < INPUT_MAX => {
                if offered {
                    self.input.clear();
                }
                self.input.push(c);
                self.selected = 0;
            }
            _ => {}
        }
        PromptKey::Editing
    }
}

/// The most characters an answer may have, typed or pasted.
const INPUT_MAX: usize = 2000;

/// Completes a path as far as it is unambiguous (the longest common prefix
/// of the matching entries; a lone directory gets its `/`).
pub fn complete_path(input: &str) -> String {
    let expanded = match (input.strip_prefix("~/"), directories::UserDirs::new()) {
        (Some(rest), Some(u)) => format!("{}/{rest}", u.home_dir().display()),
        _ => input.to_string(),
    };
    let (dir, prefix) = match expanded.rfind('/') {
        Some(i) => (&expanded[..=i], &expanded[i + 1..]),
        None => ("./", expanded.as_str()),
    };
    let Ok(rd) = std::fs::read_dir(dir) else {
        return input.to_string();
    };
    let mut names: Vec<(String, bool)> = rd
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            (n.starts_with(prefix) && (!n.starts_with('.') || prefix.starts_with('.')))
                .then(|| (n, e.path().is_dir()))
        })
        .collect();
    names.sort();
    let Some(first) = names.first() else {
        return input.to_string();
    };
    let mut common = first.0.clone();
    for (n, _) in &names[1..] {
        while !n.starts_with(&common) {
            common.pop();
        }
    }
    let base = if expanded.contains('/') { dir } else { "" };
    let mut out = format!("{base}{common}");
    if names.len() == 1 && first.1 {
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paste_is_one_clean_line_within_the_limit() {
        let mut p = Prompt::offering(PromptKind::Search, "old query".into());
        p.paste("refund\r\ninvoice\t\u{1b}[31mred\u{7}");
        assert!(
            !p.input.contains("old query"),
            "a paste replaces an offered answer"
        );
        assert!(p.input.starts_with("refund  invoice "), "{:?}", p.input);
        assert!(!p.input.chars().any(char::is_control), "{:?}", p.input);
        p.paste(&"x".repeat(5000));
        assert_eq!(p.input.chars().count(), INPUT_MAX);
        p.paste("more");
        assert_eq!(p.input.chars().count(), INPUT_MAX, "full: nothing more");
    }

    #[test]
    fn path_completion() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("invoice-2026.pdf"), b"x").unwrap();
        std::fs::write(d.path().join("invoice-2025.pdf"), b"x").unwrap();
        std::fs::create_dir(d.path().join("logs")).unwrap();
        let p = |s: &str| format!("{}/{s}", d.path().display());
        assert_eq!(super::complete_path(&p("inv")), p("invoice-202"));
        assert_eq!(
            super::complete_path(&p("invoice-2026")),
            p("invoice-2026.pdf")
        );
        assert_eq!(super::complete_path(&p("lo")), p("logs/"));
        assert_eq!(super::complete_path(&p("zzz")), p("zzz"));
    }
}
