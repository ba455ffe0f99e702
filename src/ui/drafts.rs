//! Drafts in the TUI beyond typing: the new-message key resumes your
//! unfinished new message (as the reply key resumes a reply), Ctrl-o in
//! compose edits the recipients and subject in prompts, and Ctrl-d pressed
//! twice discards the draft open there.

use super::app::{App, Level};
use super::prompt::{Prompt, PromptKind};
use crate::domain::compose::{Draft, DraftKind, DraftState, split_addresses};
use anyhow::{Result, bail};

impl App {
    /// The m key: your newest unfinished new message if there is one (a new
    /// message has no conversation, so no list row leads back to it),
    /// else the To and Subject prompts of a fresh one.
    pub(super) fn new_message(&mut self) -> Result<()> {
        let mut mine: Vec<_> = self
            .desk
            .store
            .drafts(&self.me)?
            .into_iter()
            .filter(|d| d.kind == DraftKind::New && d.conversation.is_none() && d.author == self.me)
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
        self.desk.store.save_draft(&c.draft)?;
        if let Some(conv) = &c.draft.conversation {
            self.leave_conversation(conv)?;
        }
        self.message = Some(("draft discarded; u brings it back".into(), Level::Info));
        self.remember(super::acts::Done::Discard(c.draft));
        self.refresh_counts()?;
        self.reload()
    }

    /// Ctrl-o in compose: To, then Cc, then Subject, each in a prompt that
    /// starts with the current value (Enter keeps it, Esc stops there).
    pub(super) fn edit_compose_fields(&mut self) -> Result<()> {
        self.save_compose_now()?;
        if let Some(c) = &self.compose {
            let to = c.draft.to.join(", ");
            self.prompt = Some(Prompt::with_input(PromptKind::ComposeTo, to));
        }
        Ok(())
    }

    /// One answer of [`App::edit_compose_fields`]: checked, saved, then the
    /// next field's prompt. A wrong answer leaves its prompt open to mend.
    pub(super) fn compose_field(&mut self, kind: PromptKind, text: &str) -> Result<()> {
        let Some(c) = &mut self.compose else {
            return Ok(());
        };
        match answer(&mut c.draft, kind, text) {
            Ok(next) => {
                self.prompt = next;
                self.save_compose_now()
            }
            Err(e) => {
                // Shown in the prompt, which stays open to mend the answer.
                let mut p = Prompt::with_input(kind, text.to_string());
                p.error = Some(format!("{e:#}"));
                self.prompt = Some(p);
                Ok(())
            }
        }
    }
}

/// Puts a field's answer into `d` (unchanged if it is refused); returns
/// the next field's prompt, if any.
fn answer(d: &mut Draft, kind: PromptKind, text: &str) -> Result<Option<Prompt>> {
    let clean = crate::mail::sanitize::line(text);
    let addresses = |field: &str| -> Result<Vec<String>> {
        let list = split_addresses(&clean);
        for a in &list {
            crate::mail::compose::check_address(a, field)?;
        }
        Ok(list)
    };
    Ok(match kind {
        PromptKind::ComposeTo => {
            let to = addresses("To")?;
            if to.is_empty() {
                bail!("To: the message needs a recipient");
            }
            d.to = to;
            Some(Prompt::with_input(PromptKind::ComposeCc, d.cc.join(", ")))
        }
        PromptKind::ComposeCc => {
            d.cc = addresses("Cc")?;
            Some(Prompt::with_input(
                PromptKind::ComposeSubject,
                d.subject.clone(),
            ))
        }
        _ => {
            let subject = clean.trim();
            if subject.is_empty() {
                bail!("Subject: the message needs a subject");
            }
            d.subject = subject.to_string();
            None
        }
    })
}
