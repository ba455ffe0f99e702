//! The team in the TUI: members' names from the roster for the panes, and
//! the team view (`g T`): who is on the team, their roles, who is active.

use super::app::App;
use crate::desk::Desk;
use crate::domain::roster::Role;
use crate::mail::sanitize;
use anyhow::Result;
use std::collections::BTreeMap;

/// Short and display names by address, from the roster (read once per
/// change of the log, not per frame).
#[derive(Default)]
pub struct Names {
    by_email: BTreeMap<String, (String, String)>,
}

impl Names {
    pub fn load(desk: &Desk) -> Names {
        let roster = desk.roster().ok().flatten().unwrap_or_default();
        Names {
            by_email: roster
                .members
                .into_values()
                .map(|m| (m.email, (m.handle, m.name)))
                .collect(),
        }
    }

    /// The member's handle (the list's owner column), else the address's
    /// local part.
    pub fn short<'a>(&'a self, email: &'a str) -> &'a str {
        match self.by_email.get(&email.to_ascii_lowercase()) {
            Some((h, _)) if !h.is_empty() => h,
            _ => crate::domain::names::handle(email),
        }
    }

    /// The member's display name, else the address.
    pub fn full<'a>(&'a self, email: &'a str) -> &'a str {
        match self.by_email.get(&email.to_ascii_lowercase()) {
            Some((_, n)) if !n.is_empty() => n,
            _ => email,
        }
    }
}

impl App {
    /// The log brought team events: the rules in force and the names.
    pub(super) fn refresh_team(&mut self) {
        self.desk.refresh_team();
        self.names = Names::load(&self.desk);
    }

    /// `g T`: the roster, roles, and who was active lately (their last act
    /// in the log; "replying" while they draft a reply).
    pub(super) fn show_team(&mut self) -> Result<()> {
        let now = self.clock.now;
        let seen = self.desk.store.agents_last_seen()?;
        let replying = self.desk.store.replying_now(now)?;
        let activity = |email: &str| -> String {
            if let Some(subject) = replying.get(email) {
                return format!("replying: {}", sanitize::line(subject));
            }
            match seen.get(email) {
                Some(t) if now - t < 15 * 60 => "active now".into(),
                Some(t) => format!("last act {} ago", self.clock.elapsed(*t)),
                None => "no acts yet".into(),
            }
        };
        let mut lines = Vec::new();
        match self.desk.roster()? {
            None => {
                lines.push("The team has no roster yet: the team key alone signs events.".into());
                lines.push(String::new());
                lines.push("Agents seen in the log:".into());
                for email in self.desk.known_agents()? {
                    lines.push(format!(
                        "  {} · {}",
                        sanitize::line(&email),
                        activity(&email)
                    ));
                }
                lines.push(String::new());
                lines.push("`replypad team init` starts a roster with you as its admin.".into());
            }
            Some(r) => {
                for role in [Role::Admin, Role::Reviewer, Role::Agent] {
                    let members: Vec<_> = r.active().filter(|m| m.role == role).collect();
                    if members.is_empty() {
                        continue;
                    }
                    lines.push(format!("{}s:", role.as_str()));
                    for m in members {
                        let state = if m.key.is_none() {
                            "invited, not joined".to_string()
                        } else {
                            activity(&m.email)
                        };
                        // Two lines a member: fits 80 columns.
                        lines.push(format!(
                            "  {} ({}) · {}",
                            sanitize::line(&m.name),
                            sanitize::line(&m.handle),
                            sanitize::line(&m.email),
                        ));
                        lines.push(format!("      {state}"));
                    }
                    lines.push(String::new());
                }
                let removed: Vec<String> = r
                    .members
                    .values()
                    .filter(|m| !m.active)
                    .map(|m| sanitize::line(&m.email).into_owned())
                    .collect();
                if !removed.is_empty() {
                    lines.push(format!("removed: {}", removed.join(", ")));
                }
            }
        }
        let policy = if self.desk.team_policy()?.is_some() {
            "the team policy is in force (`replypad team policy show`)"
        } else {
            "no team policy: your config's [review], [labels] and [tone] apply"
        };
        lines.push(policy.into());
        self.text_view = Some(super::textview::TextView::of_lines("Team", lines));
        Ok(())
    }
}

/// "dana is", "dana and lee are": teammates drafting a reply, by their
/// short names, sanitized (None: nobody).
pub fn replying_words(names: &Names, who: &[String]) -> Option<String> {
    let names: Vec<String> = who
        .iter()
        .map(|w| crate::mail::sanitize::line(names.short(w)).into_owned())
        .collect();
    match names.as_slice() {
        [] => None,
        [one] => Some(format!("{one} is")),
        [rest @ .., last] => Some(format!("{} and {last} are", rest.join(", "))),
    }
}
