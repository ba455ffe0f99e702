//! The one action vocabulary shared by the keymap, the help overlay and
//! (later) the command palette. An action names what to do, never how.

/// Something the user asked for. Names are the `run = "..."` values of
/// assets/keymap.toml.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Help,
    FocusNext,
    Redraw,
    Down,
    Up,
    Top,
    Bottom,
    HalfPageDown,
    HalfPageUp,
    PageDown,
    PageUp,
    Open,
    Close,
    ScrollDown,
    ScrollUp,
    NextConversation,
    PrevConversation,
    ToggleQuotes,
    Claim,
    AssignTo,
    Labels,
    SetStatus,
    Snooze,
    Note,
    Follow,
    History,
}

impl Action {
    pub const ALL: [Action; 27] = [
        Action::Quit,
        Action::Help,
        Action::FocusNext,
        Action::Redraw,
        Action::Down,
        Action::Up,
        Action::Top,
        Action::Bottom,
        Action::HalfPageDown,
        Action::HalfPageUp,
        Action::PageDown,
        Action::PageUp,
        Action::Open,
        Action::Close,
        Action::ScrollDown,
        Action::ScrollUp,
        Action::NextConversation,
        Action::PrevConversation,
        Action::ToggleQuotes,
        Action::Claim,
        Action::AssignTo,
        Action::Labels,
        Action::SetStatus,
        Action::Snooze,
        Action::Note,
        Action::Follow,
        Action::History,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::FocusNext => "focus_next",
            Action::Redraw => "redraw",
            Action::Down => "down",
            Action::Up => "up",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::HalfPageDown => "half_page_down",
            Action::HalfPageUp => "half_page_up",
            Action::PageDown => "page_down",
            Action::PageUp => "page_up",
            Action::Open => "open",
            Action::Close => "close",
            Action::ScrollDown => "scroll_down",
            Action::ScrollUp => "scroll_up",
            Action::NextConversation => "next_conversation",
            Action::PrevConversation => "prev_conversation",
            Action::ToggleQuotes => "toggle_quotes",
            Action::Claim => "claim",
            Action::AssignTo => "assign_to",
            Action::Labels => "labels",
            Action::SetStatus => "status",
            Action::Snooze => "snooze",
            Action::Note => "note",
            Action::Follow => "follow",
            Action::History => "history",
        }
    }

    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name.trim())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for a in Action::ALL {
            assert_eq!(Action::from_name(a.name()), Some(a));
        }
    }
}
