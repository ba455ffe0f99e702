//! A one-line text prompt (assign to, labels, status, snooze, note), shown in
//! the status bar row. Keys go to it, not to the keymap, while it is open.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

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
}

impl PromptKind {
    pub fn label(self) -> &'static str {
        match self {
            PromptKind::AssignTo => "Assign to (name, address, me or none): ",
            PromptKind::Labels => "Labels (+add -remove): ",
            PromptKind::Status => "Status (open, pending, closed): ",
            PromptKind::Snooze => "Snooze until (3d, tomorrow 9:00, mon): ",
            PromptKind::Note => "Internal note (@name mentions): ",
            PromptKind::Search => "/",
            PromptKind::Palette => ":",
            PromptKind::ReviewComment => "Request changes (what should change): ",
            PromptKind::SaveAttachment => {
                "Save attachment # (and a directory; default Downloads): "
            }
            PromptKind::OpenAttachment => "Open attachment #: ",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub input: String,
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
        Prompt {
            kind,
            input: String::new(),
        }
    }

    pub fn key(&mut self, ev: KeyEvent) -> PromptKey {
        match ev.code {
            KeyCode::Esc => PromptKey::Cancel,
            KeyCode::Char('c') if ev.modifiers.contains(KeyModifiers::CONTROL) => PromptKey::Cancel,
            KeyCode::Enter => PromptKey::Submit(self.input.trim().to_string()),
            KeyCode::Backspace => {
                self.input.pop();
                PromptKey::Editing
            }
            KeyCode::Char('u') if ev.modifiers.contains(KeyModifiers::CONTROL) => {
                self.input.clear();
                PromptKey::Editing
            }
            KeyCode::Char(c) if !c.is_control() && self.input.chars().count() < 2000 => {
                self.input.push(c);
                PromptKey::Editing
            }
            _ => PromptKey::Editing,
        }
    }
}
