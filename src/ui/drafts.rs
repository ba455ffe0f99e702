//! Finding drafts again from the TUI: the new-message key resumes your
//! unfinished new message (as the reply key resumes a reply), and Ctrl-d
//! pressed twice in compose discards the draft open there.

use super::app::{App, Level};
use crate::domain::compose::{DraftKind, DraftState};
use anyhow::Result;

impl App {
    /// The m key: your newest unfinished new message if there is one (a new
    /// message has no conversation, so no list row leads back to it),
    /// else the To and Subject prompts of a fresh one.
    pub(super) fn new_message(&mut self) -> Result<()> {
        let mut mine: Vec<_> = self
            .store
            .drafts()?
            .into_iter()
            .filter(|d| {
                d.kind == DraftKind::New && d.conversation.is_none() && d.author == self.ctx.me
            })
            .collect();
        if mine.is_empty() {
            self.open_prompt(super::prompt::PromptKind::NewTo);
            return Ok(());
        }
        let d = mine.remove(0);
        let more = match mine.len() {
            0 => String::new(),
            n => format!(" ({n} more: `replypad drafts list`)"),
        };
        let subject = crate::mail::sanitize::line(&d.subject).into_owned();
        self.open_compose(d)?;
        self.message = Some((
            format!("resumed your new message {subject:?}; Ctrl-d twice discards it{more}"),
            Level::Info,
        ));
        Ok(())
    }

    /// Ctrl-d in compose: the first press asks, a second one right after
    /// it (`armed`) discards the draft and closes the pane.
    pub(super) fn discard_compose(&mut self, armed: bool) -> Result<()> {
        let Some(c) = &mut self.compose else {
            return Ok(());
        };
        if c.draft.revision > 0 {
            // Its review copy would stay in the queue for a reviewer.
            self.message = Some((
                format!(
                    "this draft was shared for review; `replypad drafts discard {}` discards it here",
                    c.draft.id
                ),
                Level::Error,
            ));
            return Ok(());
        }
        if !armed {
            c.confirm_discard = true;
            self.message = Some((
                "Ctrl-d again discards this draft (any other key keeps it)".into(),
                Level::Error,
            ));
            return Ok(());
        }
        let Some(mut c) = self.compose.take() else {
            return Ok(());
        };
        c.sync_body();
        c.draft.state = DraftState::Discarded;
        self.store.save_draft(&c.draft)?;
        if let Some(conv) = &c.draft.conversation {
            self.leave_conversation(conv)?;
        }
        self.message = Some(("draft discarded".into(), Level::Info));
        self.refresh_counts()?;
        self.reload()
    }
}
