//! What the App re-reads after a change: a worker's typed notice names
//! what changed (`Changed`) and only that is read again; an act moves the
//! sidebar's counts by what it changed instead of recounting every view.

use super::app::{App, Level};
use crate::desk::{Changed, Notice};
use anyhow::Result;

impl App {
    /// Re-reads what a worker's notice says changed, and only that.
    pub fn on_changed(&mut self, c: &Changed) -> Result<()> {
        if c.drafts {
            // Team events arrived: the roster or the policy may be new.
            self.refresh_team();
        }
        if c.counts {
            self.refresh_counts()?;
        }
        if c.counts || c.list {
            // A search's matches can change with any new text; a view's
            // members only with what the counts follow.
            let known = match (c.counts, self.view.query()) {
                (_, Some(_)) => None,
                (true, None) => self.counted_total(),
                (false, None) => Some(self.list.total),
            };
            self.reload_list(known)?;
        }
        let open = self.reader.as_ref().map(|r| r.view.id.clone());
        if let Some(id) = open
            && (c.conversations.contains(&id) || c.drafts)
        {
            self.reload_reader(c.drafts || c.conversations.contains(&id))?;
        }
        if let Some((_, conv)) = &self.pending_claim
            && c.conversations.contains(conv)
        {
            self.check_claim()?;
        }
        Ok(())
    }

    /// Which views each of `targets` is in now, to count an act by what it
    /// changed rather than by recounting every view (None: too many
    /// targets, recount instead).
    pub(super) fn memberships(&self, targets: &[String]) -> Result<Option<Vec<Vec<bool>>>> {
        const MOST: usize = 50;
        if targets.len() > MOST || self.view_counts.is_empty() {
            return Ok(None);
        }
        let views = self.views();
        targets
            .iter()
            .map(|id| {
                views
                    .iter()
                    .map(|v| self.desk.store.in_view(v, &self.me, id))
                    .collect::<Result<Vec<bool>>>()
            })
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }

    /// After an act on the conversations `before` was read for: the counts
    /// moved by what changed, then the page (and the open conversation).
    pub(super) fn counted_reload(
        &mut self,
        targets: &[String],
        before: Option<Vec<Vec<bool>>>,
    ) -> Result<()> {
        match (before, self.memberships(targets)?) {
            (Some(before), Some(after)) if before.len() == after.len() => {
                for (b, a) in before.iter().zip(&after) {
                    for (i, (was, is)) in b.iter().zip(a).enumerate() {
                        if let Some(n) = self.view_counts.get_mut(i) {
                            *n = (*n + usize::from(*is)).saturating_sub(usize::from(*was));
                        }
                    }
                }
            }
            _ => self.refresh_counts()?,
        }
        let known = self.counted_total();
        self.reload_list(known)?;
        self.reload_reader(true)
    }

    /// A worker's notice: re-read what changed, or show how the sync goes.
    pub fn on_notice(&mut self, n: Notice) {
        let offline = matches!(n, Notice::Offline { .. });
        let online = matches!(n, Notice::Synced(_) | Notice::Changed(_));
        let changed = matches!(n, Notice::Changed(_));
        self.noticed |= changed;
        self.on_notice_inner(n);
        if changed {
            self.refresh_reports();
        }
        if online {
            self.after_news();
        }
        if offline {
            self.offline_message = true;
        } else if online && std::mem::take(&mut self.offline_message) {
            // The state the message described is over.
            self.message = None;
        }
        self.log_message();
    }

    fn on_notice_inner(&mut self, n: Notice) {
        match n {
            Notice::Changed(c) => {
                let r = self.on_changed(&c);
                self.report(r);
            }
            // Connecting and sending say nothing in the status bar; the
            // outcome of a send comes as its own notice.
            Notice::Connecting | Notice::Sent(_) => {}
            Notice::Progress(p) => {
                // A new agent's cache just got the team's state from a
                // snapshot of the log: the list shows it now, not after
                // the archives.
                if let crate::desk::Progress::TeamLog { done: 0, .. } = p {
                    let r = self.on_changed(&Changed::everything());
                    self.report(r);
                }
                self.activity = Some(p.to_string());
            }
            Notice::Synced(_) => self.activity = None,
            Notice::Offline { error, disk, .. } => {
                let error = if disk {
                    format!("{}: {error}", crate::store::DISK_HINT)
                } else {
                    format!("offline: {error}")
                };
                self.message = Some((error, Level::Error));
                self.activity = None;
            }
            Notice::NotSent(p) => self.message = Some((p.to_string(), Level::Error)),
            Notice::Recovered(r) => self.message = Some((r.to_string(), Level::Error)),
            Notice::Attachment {
                part: crate::attachments::Part::Attachment(n),
                open,
                result,
            } if !open && self.pending_view == Some(n) && result.is_ok() => {
                self.pending_view = None;
                if let Ok(path) = result {
                    let r = self.show_text(n, &path);
                    self.report(r);
                }
            }
            Notice::Attachment { part, open, result } => {
                self.pending_view = None;
                self.message = Some(match result {
                    Ok(path) => (super::acts::attachment_line(part, open, &path), Level::Info),
                    Err(e) => (format!("{part}: {e}"), Level::Error),
                })
            }
            Notice::Error(e) => self.message = Some((e, Level::Error)),
        }
    }

    /// Another process wrote the cache (a `--demo` or CLI command, a
    /// teammate's demo TUI on the same cache): re-reads the counts and what
    /// is on screen. True when it did. The sync worker's writes come with
    /// notices, which re-read what they name: while they come, this does
    /// not recount every view again.
    pub fn check_outside(&mut self) -> bool {
        let Ok(v) = self.desk.store.data_version() else {
            return false;
        };
        let noticed = std::mem::take(&mut self.noticed);
        if v == self.outside {
            return false;
        }
        self.outside = v;
        if noticed {
            return false;
        }
        let r = self.refresh_counts().and_then(|_| self.reload());
        self.report(r);
        // A teammate's mention or assignment in the shared cache rings too.
        if let Err(e) = self.refresh_notifications() {
            tracing::warn!("notifications: {e:#}");
        }
        true
    }
}
