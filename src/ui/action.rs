//! The one action vocabulary shared by the keymap, the help overlay and
//! the command palette. An action names what to do, never how. Every
//! action is declared once, below: its variant, its name (the `run = "..."`
//! of assets/keymap.toml and of config overrides) and its description (the
//! palette's words); the enum, the list of all actions and the lookups are
//! generated from that one declaration.

macro_rules! actions {
    ($($variant:ident = $name:literal, $desc:literal;)+) => {
        /// Something the user asked for.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Action {
            $($variant,)+
        }

        impl Action {
            /// Every action, in declaration order.
            pub const ALL: &'static [Action] = &[$(Action::$variant,)+];

            /// The name bindings use (`run = "..."`).
            pub fn name(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)+
                }
            }

            /// What it does, in people's words (the palette shows it).
            pub fn description(self) -> &'static str {
                match self {
                    $(Action::$variant => $desc,)+
                }
            }
        }
    };
}

actions! {
    Quit = "quit", "Quit replypad";
    Help = "help", "Show or hide the keys";
    FocusNext = "focus_next", "Switch between list and conversation";
    Redraw = "redraw", "Redraw the screen";
    Messages = "messages", "Show the last status messages";
    Down = "down", "Next conversation";
    Up = "up", "Previous conversation";
    Top = "top", "First conversation";
    Bottom = "bottom", "Last conversation";
    HalfPageDown = "half_page_down", "Half a page down";
    HalfPageUp = "half_page_up", "Half a page up";
    PageDown = "page_down", "Page down";
    PageUp = "page_up", "Page up";
    Open = "open", "Open the conversation";
    Close = "close", "Back to the list";
    ScrollDown = "scroll_down", "Scroll down";
    ScrollUp = "scroll_up", "Scroll up";
    NextConversation = "next_conversation", "Open the next conversation";
    PrevConversation = "prev_conversation", "Open the previous conversation";
    ToggleQuotes = "toggle_quotes", "Show or fold quoted text";
    Claim = "claim", "Claim the conversation (assign to me)";
    AssignTo = "assign_to", "Assign to…";
    Labels = "labels", "Add or remove labels…";
    SetStatus = "status", "Set status…";
    Snooze = "snooze", "Snooze…";
    Note = "note", "Add an internal note…";
    Follow = "follow", "Follow or unfollow";
    Archive = "archive", "Archive (out of the inbox; u takes it back)";
    Spam = "spam", "Mark as spam (to the Junk folder)";
    Trash = "trash", "Move to the trash";
    MoveTo = "move_to", "Move to a folder… (inbox, archive, spam, trash, a team inbox)";
    History = "history", "Show or hide the team history";
    Search = "search", "Search…";
    Undo = "undo", "Undo the last act";
    Redo = "redo", "Do again what was undone";
    ToggleRead = "toggle_read", "Mark read or unread";
    Palette = "palette", "Command palette";
    ViewNext = "view_next", "Next view";
    ViewPrev = "view_prev", "Previous view";
    ViewAll = "view_all", "View: all";
    ViewUnassigned = "view_unassigned", "View: unassigned";
    ViewMine = "view_mine", "View: mine";
    ViewOpen = "view_open", "View: open";
    ViewPending = "view_pending", "View: pending";
    ViewSnoozed = "view_snoozed", "View: snoozed";
    ViewClosed = "view_closed", "View: closed";
    ViewMentions = "view_mentions", "View: mentions of me";
    ViewFollowing = "view_following", "View: following";
    ViewDrafts = "view_drafts", "View: my drafts";
    ViewReview = "view_review", "View: waiting for review";
    ViewArchive = "view_archive", "View: archived";
    ViewSpam = "view_spam", "View: spam";
    ViewTrash = "view_trash", "View: trash";
    Reply = "reply", "Reply";
    ReplyAll = "reply_all", "Reply to all";
    Forward = "forward", "Forward";
    Approve = "approve", "Approve the draft under review";
    RequestChanges = "request_changes", "Request changes on the draft under review…";
    TemplateReply = "template_reply", "Reply with a template…";
    ToggleSelect = "toggle_select", "Select or unselect for a bulk act";
    VisualSelect = "visual_select", "Select a range";
    ClearSelection = "clear_selection", "Clear the selection";
    SaveAttachment = "save_attachment", "Save an attachment…";
    OpenAttachment = "open_attachment", "Open an attachment, or the message as HTML in the browser…";
    ViewAttachment = "view_attachment", "Read a text attachment here (logs, CSV, patches)…";
    NewMessage = "new_message", "New message…";
    Merge = "merge", "Merge the selected conversations into one (asks first)";
    Split = "split", "Split the conversation at the message on top (asks first)";
    Customer = "customer", "Customer: their other conversations, and how long they have waited";
    Team = "team", "The team: members, roles, who is active";
    Notifications = "notifications", "Notifications: mentions, assignments, replies, jobs that need you";
    Jobs = "jobs", "The automation's jobs: acknowledgements, scheduled replies and updates";
    Reports = "reports", "Reports: volume, response times, backlog, busiest hours, SLA";
    PostMortem = "post_mortem", "Post-mortem of the conversation: timeline, timings, sections to fill (saved as Markdown)";
    ComposeSendLater = "compose_send_later", "Send the draft later (asks when)";
    ScheduleUpdate = "schedule_update", "Send an update later unless the customer writes first (asks when)";
    CancelJob = "cancel_job", "Cancel a scheduled reply or update (asks which)";
    SortWaiting = "sort_waiting", "Sort: customers waiting longest first (again: newest first)";
    ReviewEdit = "review_edit", "Edit the draft under review";
    ReviewSend = "review_send", "Send the approved draft (as reviewer)";
    ComposeClose = "compose_close", "Close the draft (it stays saved)";
    ComposeDiscard = "compose_discard", "Discard the draft (press twice)";
    ComposeFields = "compose_fields", "Edit To, Cc and Subject";
    ComposeSend = "compose_send", "Send the draft";
    ComposeSendPending = "compose_send_pending", "Send the draft and set the conversation pending";
    ComposeSendClose = "compose_send_close", "Send the draft and close the conversation";
    ComposeSubmit = "compose_submit", "Submit the draft for review";
    ComposeEditor = "compose_editor", "Edit the draft in $EDITOR";
    ComposeAttach = "compose_attach", "Attach a file…";
    ComposeDetach = "compose_detach", "Remove the last attachment";
    ComposeTemplate = "compose_template", "Insert a template…";
    ComposeNextField = "compose_next_field", "Jump to the next unfilled template field";
    PickerDown = "picker_down", "Next template";
    PickerUp = "picker_up", "Previous template";
    PickerChoose = "picker_choose", "Use this template";
    PickerCancel = "picker_cancel", "Close the picker";
    PickerDelete = "picker_delete", "Delete this team template";
    PickerEdit = "picker_edit", "Edit this template in $EDITOR (saved for the team)";
    PickerFirstName = "picker_first_name", "Correct the customer's first name";
    PickerNew = "picker_new", "New team template (with an empty filter), else next";
    PromptSubmit = "prompt_submit", "Answer the prompt";
    PromptCancel = "prompt_cancel", "Close the prompt";
    PromptClear = "prompt_clear", "Clear what is typed";
    PromptUp = "prompt_up", "The palette's previous match";
    PromptDown = "prompt_down", "The palette's next match";
    PromptComplete = "prompt_complete", "Complete a file path";
}

impl Action {
    /// Where an action of a modal layer works ("while writing a reply"),
    /// for the palette, which lists every action but runs from the list.
    pub fn only_in(self) -> Option<&'static str> {
        let name = self.name();
        if name.starts_with("compose_") {
            Some("while writing a reply")
        } else if name.starts_with("picker_") {
            Some("in the template picker")
        } else if name.starts_with("prompt_") {
            Some("in a prompt")
        } else {
            None
        }
    }

    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL
            .iter()
            .copied()
            .find(|a| a.name() == name.trim())
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
            Action::ViewArchive => View::Archive,
            Action::ViewSpam => View::Spam,
            Action::ViewTrash => View::Trash,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for &a in Action::ALL {
            assert_eq!(Action::from_name(a.name()), Some(a));
            assert!(!a.description().is_empty());
        }
    }
}
