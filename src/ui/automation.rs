//! The automation in the TUI: the agent's notifications (a count in the
//! status bar, `g n` to read them, a bell and a desktop notification where
//! the terminal takes them), the jobs (`g J`), and, with `[automation]
//! run_in_tui`, the same job runs as `replypad daemon` (`Desk::run_jobs`:
//! one step per worker notice; the worker pushes and sends).

use super::app::{App, Level};
use crate::mail::sanitize;
use anyhow::Result;

/// What the TUI keeps of the automation between frames.
#[derive(Debug, Default)]
pub struct AutoState {
    /// Notifications not read yet (`g n` reads them).
    pub unseen: usize,
    /// Desktop notifications for the run loop to write to the terminal.
    pub ring: Vec<String>,
    /// The newest notification already rung (at, text).
    rung: Option<(i64, String)>,
}

/// How many notifications `g n` shows.
const SHOWN: usize = 200;

impl App {
    /// After the worker brought something: new notifications, and a step
    /// of the jobs when this TUI runs them.
    pub fn after_news(&mut self) {
        if let Err(e) = self.refresh_notifications() {
            tracing::warn!("notifications: {e:#}");
        }
        if self.desk.cfg().automation.run_in_tui {
            match self.desk.run_jobs(self.clock.now) {
                Ok(r) => {
                    if let Some(a) = r.alerts.first() {
                        self.message = Some((
                            format!("job {a} held back by the daily cap: a mail loop? (g J)"),
                            Level::Error,
                        ));
                    }
                }
                Err(e) => tracing::warn!("jobs: {e:#}"),
            }
        }
    }

    pub(super) fn refresh_notifications(&mut self) -> Result<()> {
        let me = self.me.clone();
        let list = self.desk.store.notifications(&me, SHOWN)?;
        self.automation.unseen = list.len();
        if let Some(top) = list.first() {
            let key = (top.at, top.text.clone());
            if self.automation.rung.as_ref() != Some(&key) {
                let fresh: Vec<_> = list
                    .iter()
                    .take_while(|n| {
                        self.automation
                            .rung
                            .as_ref()
                            .is_none_or(|r| (n.at, &n.text) != (r.0, &r.1))
                    })
                    .collect();
                for n in fresh.iter().take(3) {
                    crate::notify::hook(self.desk.cfg(), &crate::notify::Hook::of(n));
                    self.automation.ring.push(format!(
                        "{}: {}",
                        sanitize::line(&n.subject),
                        sanitize::line(&n.text)
                    ));
                }
                self.automation.rung = Some(key);
            }
        }
        Ok(())
    }

    /// The desktop notifications to write (the run loop writes them when
    /// `[notify] terminal` is on).
    pub fn take_rings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.automation.ring)
    }

    /// `g n`: the notifications, newest first; they count as read.
    pub(super) fn show_notifications(&mut self) -> Result<()> {
        let me = self.me.clone();
        let list = self.desk.store.notifications(&me, SHOWN)?;
        let mut lines = Vec::new();
        if list.is_empty() {
            lines.push("Nothing new: mentions, assignments to you, replies on conversations you own or follow, and jobs that need you show here.".into());
        }
        for n in &list {
            let what = match n.kind {
                crate::store::NotificationKind::Mention => "mentioned you",
                crate::store::NotificationKind::Assigned => "assigned to you",
                crate::store::NotificationKind::Reply => "replied",
                crate::store::NotificationKind::Job => "job",
            };
            lines.push(format!(
                "{} · {} {what} · {} [{}]",
                self.clock.elapsed(n.at),
                sanitize::line(crate::domain::names::handle(&n.by)),
                sanitize::line(&n.subject),
                sanitize::line(&n.conversation),
            ));
            lines.push(format!("    {}", sanitize::line(&n.text)));
        }
        self.desk.store.mark_notices_seen(&me)?;
        self.automation.unseen = 0;
        self.text_view = Some(super::textview::TextView::of_lines("Notifications", lines));
        Ok(())
    }

    /// `g J`: the automation's jobs.
    pub(super) fn show_jobs(&mut self) -> Result<()> {
        let jobs = self.desk.job_lines()?;
        let mut lines = Vec::new();
        if jobs.is_empty() {
            lines.extend(
                [
                    "No jobs yet.",
                    "",
                    // One line each: the page wraps them to its width.
                    "Alt-l in compose sends a reply later; g U schedules an update unless the customer writes first; with [automation] acknowledge = true new conversations are acknowledged.",
                ]
                .map(String::from),
            );
        }
        for j in &jobs {
            let who = match (&j.runner, &j.scheduled_by) {
                (Some(r), _) => format!(" · run by {r}"),
                (None, Some(b)) => format!(" · by {b}"),
                (None, None) => String::new(),
            };
            lines.push(
                sanitize::line(&format!(
                    "{}{} · {} · {} · {}conversation {} · job {}{who}",
                    if j.alert { "(!) " } else { "" },
                    j.what.as_str(),
                    j.state.as_str(),
                    j.detail,
                    if j.subject.is_empty() {
                        String::new()
                    } else {
                        format!("“{}” · ", j.subject)
                    },
                    j.conversation,
                    j.id.get(..12).unwrap_or(&j.id),
                ))
                .into_owned(),
            );
        }
        self.text_view = Some(super::textview::TextView::of_lines("Jobs", lines));
        Ok(())
    }
}

/// The next reply or update scheduled on `conversation`, in words.
pub(super) fn next_job_line(desk: &crate::desk::Desk, conversation: &str) -> Option<String> {
    let j = desk.next_job(conversation).ok()??;
    let zone = desk.cfg().time_zone();
    let when = j
        .due
        .map(|d| crate::domain::when::local_text(d, zone))
        .unwrap_or_default();
    let by = j
        .scheduled_by
        .as_deref()
        .map(|b| format!(" by {}", sanitize::line(crate::domain::names::handle(b))))
        .unwrap_or_default();
    Some(format!(
        "{} {when}{by}, job {}",
        j.what,
        sanitize::line(&j.id)
    ))
}

impl App {
    /// `g U` (an update later, on the conversation at hand) and `g X`
    /// (cancel a job): their prompts.
    pub(super) fn schedule_key(&mut self, a: super::action::Action) {
        use super::prompt::{Prompt, PromptKind};
        match a {
            super::action::Action::ScheduleUpdate => self.open_prompt(PromptKind::ScheduleUpdate),
            _ => {
                // The conversation's next job, ready to confirm with Enter.
                let next = self
                    .current_conversation()
                    .and_then(|c| self.desk.next_job(&c).ok().flatten())
                    .map(|j| j.id);
                let waiting = next.is_some()
                    || self
                        .desk
                        .jobs()
                        .is_ok_and(|all| all.iter().any(|j| j.state().waiting()));
                if !waiting {
                    self.message = Some((
                        "nothing waits to be sent: no reply or update is scheduled (g J lists the jobs)"
                            .into(),
                        Level::Info,
                    ));
                    return;
                }
                self.prompt = Some(Prompt::with_input(
                    PromptKind::CancelJob,
                    next.unwrap_or_default(),
                ));
            }
        }
    }

    /// An answer to the send-later, update or cancel prompt.
    pub(super) fn schedule_prompt(
        &mut self,
        kind: super::prompt::PromptKind,
        text: &str,
    ) -> Result<()> {
        use super::prompt::PromptKind;
        let now = self.clock.now;
        match kind {
            PromptKind::CancelJob => {
                let (j, _) = self.desk.cancel_job(text.trim(), "cancelled by hand")?;
                self.message = Some((
                    format!(
                        "cancelled the {} on {}",
                        j.what,
                        sanitize::line(&j.conversation)
                    ),
                    Level::Info,
                ));
            }
            PromptKind::ScheduleUpdate => {
                let conv = self
                    .current_conversation()
                    .ok_or_else(|| anyhow::anyhow!("no conversation selected"))?;
                let due = crate::desk::input::due_at(self.desk.cfg(), text, now)?;
                let body = self.desk.render_for(&conv, "scheduled-update")?;
                self.desk.schedule_update(&conv, due, &body)?;
                self.message = Some((
                    format!(
                        "update scheduled for {} unless the customer writes first",
                        crate::domain::when::local_text(due, self.desk.cfg().time_zone())
                    ),
                    Level::Info,
                ));
            }
            _ => {
                let due = crate::desk::input::due_at(self.desk.cfg(), text, now)?;
                self.save_compose()?;
                let Some(mut c) = self.compose.take() else {
                    return Ok(());
                };
                match self.desk.schedule_send(&c.draft, due, c.confirm_anyway) {
                    Ok(crate::desk::Scheduled::Job { .. }) => {
                        self.message = Some((
                            format!(
                                "the reply goes {} (any agent's daemon sends it; g J lists it, g X cancels)",
                                crate::domain::when::local_text(due, self.desk.cfg().time_zone())
                            ),
                            Level::Info,
                        ));
                    }
                    Ok(crate::desk::Scheduled::Blocked(b)) => {
                        c.blocked = Some(b.to_string());
                        self.compose = Some(c);
                    }
                    Err(e) => {
                        c.blocked = Some(format!("{e:#}"));
                        self.compose = Some(c);
                    }
                }
            }
        }
        self.reload_reader(false)
    }
}
