//! `replypad daemon`: the automation with no one at the keyboard. A thin
//! front end over the desk: sync, run the jobs (`Desk::run_jobs`), wait
//! for news (IDLE on the inbox and the team log, within the connection
//! budget) or the next due job, again. `--once` runs what is due and
//! exits (cron, tests). SIGTERM or SIGINT end it between two steps: a job
//! under way finishes its step (its SMTP exchange is bounded by the
//! transport's timeouts), and whatever is left resumes at the next start.
//!
//! Lines go to stdout for journald (a `<N>` priority prefix when systemd
//! connected stdout to the journal, `JOURNAL_STREAM`) and to the log file.

use super::account::Account;
use crate::desk::{Desk, JobsReport};
use crate::domain::jobs::JobOutcome;
use crate::sync::worker::Request;
use anyhow::Result;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A line for the journal (or a terminal), and the log file.
fn say(level: u8, msg: &str) {
    let msg = crate::mail::sanitize::line(msg);
    match level {
        0..=3 => tracing::error!("{msg}"),
        4 => tracing::warn!("{msg}"),
        _ => tracing::info!("{msg}"),
    }
    if std::env::var_os("JOURNAL_STREAM").is_some() {
        println!("<{level}>{msg}");
    } else {
        let word = match level {
            0..=3 => "error",
            4 => "warning",
            _ => "info",
        };
        println!(
            "{} {word}: {msg}",
            chrono::Local::now().format("%Y-%m-%d %H:%M:%S")
        );
    }
}

fn report(r: &JobsReport, desk: &Desk) {
    for j in &r.claimed {
        say(6, &format!("claimed job {j}"));
    }
    for j in &r.queued {
        say(6, &format!("job {j}: message queued"));
    }
    for (j, o) in &r.finished {
        let level = match o {
            JobOutcome::Sent { .. } | JobOutcome::Skipped { .. } => 6,
            JobOutcome::Failed { .. } | JobOutcome::Unknown { .. } => 4,
        };
        say(level, &format!("job {j}: {}", o.describe()));
        if level == 4 {
            crate::notify::hook(
                desk.cfg(),
                &crate::notify::Hook::job(j, &o.describe(), "job needs a decision"),
            );
        }
    }
}

pub fn run(acct: Account, once: bool) -> Result<ExitCode> {
    let mut desk = acct.desk_or_new()?;
    desk.can_sync()?;
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(sig, stop.clone())?;
    }
    say(
        6,
        &format!(
            "replypad daemon started (runner {}; acknowledgements {})",
            desk.runner(),
            if desk.cfg().automation.acknowledge {
                "on"
            } else {
                "off"
            }
        ),
    );
    let (tx, rx) = mpsc::channel::<Request>();
    if !once {
        watch(desk.cfg(), &tx);
    }
    let mut alerted = std::collections::BTreeSet::new();
    while !stop.load(Ordering::Relaxed) {
        match desk.sync(false, &|_| {}) {
            Ok(s) => {
                for p in &s.sent.problems {
                    say(4, &super::replies::problem_line(p));
                }
            }
            Err(e) => say(4, &format!("sync failed (retrying): {e:#}")),
        }
        let now = chrono::Utc::now().timestamp();
        match desk.run_jobs(now) {
            Ok(r) => {
                report(&r, &desk);
                for a in r.alerts.iter().filter(|a| alerted.insert((*a).clone())) {
                    let msg = format!(
                        "job {a} held back by the daily cap: a mail loop? look at it with `replypad jobs`"
                    );
                    say(3, &msg);
                    crate::notify::hook(
                        desk.cfg(),
                        &crate::notify::Hook::job(a, &msg, "daily cap"),
                    );
                }
            }
            Err(e) => say(4, &format!("jobs: {e:#}")),
        }
        if once {
            break;
        }
        let next_due = desk
            .jobs()
            .ok()
            .and_then(|v| {
                v.iter()
                    .filter(|j| j.state() == crate::domain::jobs::State::Pending)
                    .filter_map(|j| j.due)
                    .min()
            })
            .map(|d| Duration::from_secs((d - now).clamp(1, i64::MAX) as u64));
        let poll = Duration::from_secs(desk.cfg().automation.poll.max(1));
        let wait = next_due.map_or(poll, |d| d.min(poll));
        let until = Instant::now() + wait;
        // Short slices, so a signal is heard within a second.
        while !stop.load(Ordering::Relaxed) && Instant::now() < until {
            if rx.recv_timeout(Duration::from_millis(500)).is_ok() {
                while rx.try_recv().is_ok() {}
                break;
            }
        }
    }
    desk.stop();
    say(6, "replypad daemon stopped");
    Ok(ExitCode::SUCCESS)
}

/// Watchers that wake the loop on news, within the connection budget:
/// the team log from 2 connections, the inbox too from 3 (below that the
/// loop polls every `[automation] poll` seconds).
fn watch(cfg: &crate::config::Config, tx: &mpsc::Sender<Request>) {
    let budget = cfg.imap.as_ref().map_or(1, |i| i.max_connections.max(1));
    let mut folders = Vec::new();
    if budget >= 2 {
        folders.push(None);
    }
    if budget >= 3
        && let Some(inbox) = cfg.folders.inbox.first()
    {
        folders.push(Some(inbox.clone()));
    }
    for folder in folders {
        let (cfg, tx) = (cfg.clone(), tx.clone());
        let watching = Arc::new(AtomicBool::new(false));
        std::thread::spawn(move || crate::sync::watch::folder_watcher(cfg, folder, tx, watching));
    }
}
