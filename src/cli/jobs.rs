//! `replypad jobs` and `replypad schedule`: the automation's jobs, and
//! replies or updates sent later by whichever runner is up then.

use super::account::Account;
use crate::desk::{Delivery, Scheduled, input};
use crate::domain::compose::DraftKind;
use crate::mail::sanitize;
use anyhow::{Context, Result};
use std::path::PathBuf;
use std::process::ExitCode;

const REFUSED: u8 = 3;

#[derive(clap::Subcommand, Debug)]
pub enum ScheduleCmd {
    /// Cancel a scheduled reply or update (a prefix of its id will do);
    /// a reply comes back to your drafts.
    Cancel {
        /// The job's id, as `replypad jobs` shows it (a prefix will do).
        job: String,
        /// Why, for the log and the author.
        #[arg(long, default_value = "cancelled by hand")]
        reason: String,
    },
}

pub struct ScheduleArgs {
    pub id: Option<String>,
    pub at: Option<String>,
    pub file: Option<PathBuf>,
    pub draft: Option<String>,
    pub update: bool,
    pub template: Option<String>,
    pub force: bool,
}

/// A conversation's subject after a job's line ("" when unknown).
fn subject(s: &str) -> String {
    if s.is_empty() {
        String::new()
    } else {
        format!("  “{}”", sanitize::line(s))
    }
}

pub fn list(acct: Account, json: bool) -> Result<ExitCode> {
    let desk = acct.desk()?;
    let lines = desk.job_lines()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&lines)?);
        return Ok(ExitCode::SUCCESS);
    }
    if lines.is_empty() {
        println!("no jobs");
    }
    for l in &lines {
        println!(
            "{:<14} {:<18} {:<16} {:<10} {}{}{}",
            sanitize::line(&l.id[..l.id.len().min(14)]),
            l.what.as_str(),
            l.state.as_str(),
            sanitize::line(&l.conversation),
            sanitize::line(&l.detail),
            subject(&l.subject),
            if l.alert { "  (!)" } else { "" }
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn schedule(acct: Account, cmd: Option<ScheduleCmd>, a: ScheduleArgs) -> Result<ExitCode> {
    let mut desk = acct.desk()?;
    if let Some(ScheduleCmd::Cancel { job, reason }) = cmd {
        let (j, delivery) = desk.cancel_job(&job, &reason)?;
        let about = desk
            .store
            .subject_of(&j.conversation)
            .ok()
            .flatten()
            .unwrap_or_default();
        println!(
            "cancelled {} {} on {}{}",
            j.what,
            j.id,
            j.conversation,
            subject(&about)
        );
        if let Delivery::Offline(why) = delivery {
            println!("(offline: {why}; the cancel goes with the next sync)");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let at =
        a.at.context("say when: --at \"tomorrow 9:00\" (or \"in 2 business days\")")?;
    let now = chrono::Utc::now().timestamp();
    let due = input::due_at(desk.cfg(), &at, now)?;
    let scheduled = if a.update {
        let id =
            a.id.context("which conversation? replypad schedule ID --update --at WHEN")?;
        let conv = desk.store.resolve_conversation(&id)?;
        let body = match (&a.file, &a.template) {
            (Some(f), _) => std::fs::read_to_string(f)
                .with_context(|| format!("cannot read {}", f.display()))?,
            (None, t) => desk.render_for(&conv, t.as_deref().unwrap_or("scheduled-update"))?,
        };
        desk.schedule_update(&conv, due, &body)?
    } else {
        let mut d = match (&a.draft, &a.id) {
            (Some(d), _) => desk.store.draft(d)?,
            (None, Some(id)) => {
                let conv = desk.store.resolve_conversation(id)?;
                let file = a.file.context("--file BODY.txt holds the reply's text")?;
                let text = std::fs::read_to_string(&file)
                    .with_context(|| format!("cannot read {}", file.display()))?;
                let mut d = desk.start_reply(&conv, DraftKind::Reply)?;
                d.body = format!("{}{}", text.trim_end(), d.body);
                desk.store.save_draft(&d)?;
                d
            }
            (None, None) => anyhow::bail!("give a conversation (and --file) or --draft ID"),
        };
        d.updated_at = now;
        desk.schedule_send(&d, due, a.force)?
    };
    match scheduled {
        Scheduled::Job { id, delivery } => {
            // In the agent's zone and the words `jobs` uses.
            let line = desk.job_lines()?.into_iter().find(|l| l.id == id);
            match line {
                Some(l) => println!(
                    "scheduled job {id}  {}{}",
                    sanitize::line(&l.detail),
                    subject(&l.subject)
                ),
                None => println!(
                    "scheduled job {id}  due {}",
                    crate::domain::when::local_text(due, desk.cfg().time_zone())
                ),
            }
            if let Delivery::Offline(why) = delivery {
                println!("(offline: {why}; it reaches the team's log with the next sync)");
            }
            Ok(ExitCode::SUCCESS)
        }
        Scheduled::Blocked(b) => {
            println!("not scheduled: {b}");
            Ok(ExitCode::from(REFUSED))
        }
    }
}
