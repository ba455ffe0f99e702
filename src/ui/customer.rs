//! The customer panel (`C`), the "waiting longest" order (`W`), and
//! merging (`+`) and splitting (`X`) conversations by hand.

use super::app::{App, Level};
use crate::domain::ConversationSummary;
use crate::mail::sanitize;
use crate::store::ListSort;
use anyhow::{Context, Result};

impl App {
    /// `W`: customers waiting longest first, then the soonest SLA target
    /// first (where the team set targets), then back to newest first.
    pub(super) fn toggle_waiting_sort(&mut self) -> Result<()> {
        if self.view.query().is_some() {
            self.message = Some((
                "search results stay newest first; W sorts the views".into(),
                Level::Info,
            ));
            return Ok(());
        }
        let targets = !self.desk.sla_rules().is_empty();
        self.sort = match self.sort {
            ListSort::Newest => ListSort::WaitingLongest,
            ListSort::WaitingLongest if targets => ListSort::SlaDue,
            ListSort::WaitingLongest | ListSort::SlaDue => ListSort::Newest,
        };
        self.list.selected = 0;
        self.list.offset = 0;
        self.message = Some((
            match self.sort {
                ListSort::WaitingLongest if targets => {
                    "sorted: customers waiting longest first (← they wrote last); W again: SLA due soonest"
                }
                ListSort::WaitingLongest => {
                    "sorted: customers waiting longest first (← they wrote last); W again: newest first"
                }
                ListSort::SlaDue => {
                    "sorted: SLA target due soonest first (missed ones on top); W again: newest first"
                }
                ListSort::Newest => "sorted: newest first",
            }
            .into(),
            Level::Info,
        ));
        self.reload()
    }

    /// The whole view's ids, soonest SLA target first (kept until the next
    /// full reload, so moving through the list does not recompute it).
    pub(super) fn sla_ordered(&mut self, v: &crate::domain::views::View) -> Result<&[String]> {
        if self.sla_order.is_none() {
            let all = self.desk.store.list_view_sorted(
                v,
                &self.me,
                crate::store::ListQuery {
                    offset: 0,
                    limit: usize::MAX,
                },
                ListSort::WaitingLongest,
            )?;
            let open: Vec<String> = all
                .iter()
                .filter(|c| c.status == crate::domain::Status::Open)
                .map(|c| c.id.clone())
                .collect();
            let due = self.desk.sla_due_of(&open)?;
            let mut ids: Vec<String> = all.into_iter().map(|c| c.id).collect();
            // Stable: without a target, the waiting order.
            ids.sort_by_key(|id| due.get(id).map_or(i64::MAX, |d| d.1));
            self.sla_order = Some(ids);
        }
        Ok(self.sla_order.as_deref().unwrap_or_default())
    }

    /// `C`: the current conversation's customer, their other conversations
    /// by address and by company domain, and how long they have waited.
    pub(super) fn show_customer(&mut self) -> Result<()> {
        let conv = self
            .current_conversation()
            .context("no conversation selected")?;
        let ctx = self
            .desk
            .store
            .customer_context(&conv)?
            .context("the conversation is not in the cache")?;
        let c = &ctx.conversation;
        // A display name posing as another address is flagged, as in the list.
        let warn = if c.from.looks_forged() { "⚠ " } else { "" };
        let mut lines = vec![
            format!("{warn}{}", sanitize::line(&c.from.to_string())),
            String::new(),
        ];
        lines.push(match c.waiting_since {
            Some(t) => format!(
                "← waiting for us {} (since {})",
                self.clock.elapsed(t),
                self.clock.datetime(t)
            ),
            None if c.status == crate::domain::Status::Closed => "closed".into(),
            None => "we wrote last".into(),
        });
        lines.push(String::new());
        let row = |s: &ConversationSummary, with_sender: bool| {
            let mut l = format!(
                "  {}{:<8} {:<8} {:>8}  {}",
                if s.waiting_since.is_some() {
                    '←'
                } else {
                    ' '
                },
                s.status.as_str(),
                sanitize::line(
                    s.assignee
                        .as_deref()
                        .map(crate::domain::names::handle)
                        .unwrap_or("-")
                ),
                self.clock.age(s.last_date),
                sanitize::line(&s.subject)
            );
            if with_sender {
                l.push_str(&format!("  ({})", sanitize::line(&s.from.email)));
            }
            l
        };
        lines.push(format!(
            "Their other conversations ({}):",
            ctx.by_address.len()
        ));
        if ctx.by_address.is_empty() {
            lines.push("  none: this is their first".into());
        }
        lines.extend(ctx.by_address.iter().map(|s| row(s, false)));
        lines.push(String::new());
        match &ctx.domain {
            Some(d) => {
                lines.push(format!(
                    "Others at {} ({}):",
                    sanitize::line(d),
                    ctx.by_domain.len()
                ));
                if ctx.by_domain.is_empty() {
                    lines.push("  none".into());
                }
                lines.extend(ctx.by_domain.iter().map(|s| row(s, true)));
            }
            None => lines.push("(a free-mail address: no company to look up)".into()),
        }
        lines.push(String::new());
        lines.push(format!(
            "/ from:{} lists them in the list",
            sanitize::line(&c.from.email)
        ));
        self.text_view = Some(super::textview::TextView::of_lines(
            &format!("Customer · {}", c.from.email),
            lines,
        ));
        Ok(())
    }

    /// `+`: merges the selected conversations into one, after asking (a
    /// merge is not undone by `u`).
    pub(super) fn merge_selected(&mut self, asked: Option<Vec<String>>) -> Result<()> {
        let targets: Vec<String> = self.selected.iter().cloned().collect();
        if targets.len() < 2 {
            self.message = Some((
                "select the conversations to merge with v (two or more), then +".into(),
                Level::Error,
            ));
            return Ok(());
        }
        if asked.as_ref() != Some(&targets) {
            self.message = Some((
                format!(
                    "merge {} conversations into one? + again merges (u cannot undo a merge)",
                    targets.len()
                ),
                Level::Info,
            ));
            self.confirm_merge = Some(targets);
            return Ok(());
        }
        let (into, _) = self.desk.merge(&targets, self.clock.now)?;
        self.selected.clear();
        self.visual_anchor = None;
        self.message = Some((
            format!("{} conversations merged into {into}", targets.len()),
            Level::Info,
        ));
        self.refresh_counts()?;
        self.reload()
    }

    /// `X` in a conversation: splits it at the message on top of the pane
    /// (it and the replies to it become their own conversation), after
    /// asking.
    pub(super) fn split_here(&mut self, asked: Option<String>) -> Result<()> {
        let Some(r) = &self.reader else {
            return Ok(());
        };
        let i = r.top_message();
        let Some(m) = r.view.messages.get(i) else {
            return Ok(());
        };
        let (conv, message_id) = (r.view.id.clone(), m.message_id.clone());
        if i == 0 {
            self.message = Some((
                "the message on top starts the conversation: scroll it down to the message to split at (j, Space), then X".into(),
                Level::Error,
            ));
            return Ok(());
        }
        if asked.as_deref() != Some(message_id.as_str()) {
            self.message = Some((
                format!(
                    "split off #{} of {} ({}, {}) and its replies? X again splits",
                    i + 1,
                    r.view.messages.len(),
                    sanitize::line(m.from.name.as_deref().unwrap_or(&m.from.email)),
                    self.clock.age(m.date)
                ),
                Level::Info,
            ));
            self.confirm_split = Some(message_id);
            return Ok(());
        }
        let (new, _) = self.desk.split(&conv, &message_id, self.clock.now)?;
        self.message = Some((
            format!("split: that message and its replies are conversation {new}"),
            Level::Info,
        ));
        self.refresh_counts()?;
        self.reload()
    }
}

impl super::app::ReaderPane {
    /// The index of the message on top of the pane; when the pane is
    /// scrolled to its end (or the whole conversation is on screen), the
    /// newest.
    pub fn top_message(&self) -> usize {
        if self.scroll + self.height >= self.rendered_lines {
            self.view.messages.len().saturating_sub(1)
        } else {
            self.message_starts
                .iter()
                .rposition(|&s| s <= self.scroll)
                .unwrap_or(0)
        }
    }
}
