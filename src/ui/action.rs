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
    Search,
    Undo,
    ToggleRead,
    Palette,
    ViewNext,
    ViewPrev,
    ViewAll,
    ViewUnassigned,
    ViewMine,
    ViewOpen,
    ViewPending,
    ViewSnoozed,
    ViewClosed,
    ViewMentions,
    ViewFollowing,
    ViewDrafts,
    ViewReview,
    Reply,
    ReplyAll,
    Forward,
    Approve,
    RequestChanges,
    TemplateReply,
    ToggleSelect,
    VisualSelect,
    ClearSelection,
}

impl Action {
    pub const ALL: [Action; 53] = [
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
        Action::Search,
        Action::Undo,
        Action::ToggleRead,
        Action::Palette,
        Action::ViewNext,
        Action::ViewPrev,
        Action::ViewAll,
        Action::ViewUnassigned,
        Action::ViewMine,
        Action::ViewOpen,
        Action::ViewPending,
        Action::ViewSnoozed,
        Action::ViewClosed,
        Action::ViewMentions,
        Action::ViewFollowing,
        Action::ViewDrafts,
        Action::ViewReview,
        Action::Reply,
        Action::ReplyAll,
        Action::Forward,
        Action::Approve,
        Action::RequestChanges,
        Action::TemplateReply,
        Action::ToggleSelect,
        Action::VisualSelect,
        Action::ClearSelection,
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
            Action::Search => "search",
            Action::Undo => "undo",
            Action::ToggleRead => "toggle_read",
            Action::Palette => "palette",
            Action::ViewNext => "view_next",
            Action::ViewPrev => "view_prev",
            Action::ViewAll => "view_all",
            Action::ViewUnassigned => "view_unassigned",
            Action::ViewMine => "view_mine",
            Action::ViewOpen => "view_open",
            Action::ViewPending => "view_pending",
            Action::ViewSnoozed => "view_snoozed",
            Action::ViewClosed => "view_closed",
            Action::ViewMentions => "view_mentions",
            Action::ViewFollowing => "view_following",
            Action::ViewDrafts => "view_drafts",
            Action::ViewReview => "view_review",
            Action::Reply => "reply",
            Action::ReplyAll => "reply_all",
            Action::Forward => "forward",
            Action::Approve => "approve",
            Action::RequestChanges => "request_changes",
            Action::TemplateReply => "template_reply",
            Action::ToggleSelect => "toggle_select",
            Action::VisualSelect => "visual_select",
            Action::ClearSelection => "clear_selection",
        }
    }

    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name.trim())
    }
}

impl Action {
    /// The view a "go to view" action names.
    pub fn view(self) -> Option<crate::domain::views::View> {
        use crate::domain::views::View;
        Some(match self {
            Action::ViewAll => View::All,
            Action::ViewUnassigned => View::Unassigned,
            Action::ViewMine => View::Mine,
            Action::ViewOpen => View::Open,
            Action::ViewPending => View::Pending,
            Action::ViewSnoozed => View::Snoozed,
            Action::ViewClosed => View::Closed,
            Action::ViewMentions => View::Mentions,
            Action::ViewFollowing => View::Following,
            Action::ViewDrafts => View::Drafts,
            Action::ViewReview => View::Review,
            _ => return None,
        })
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
