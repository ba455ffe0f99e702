//! Team acts from the command line: assign, status, snooze, label, note,
//! follow, history. The desk commits each to the cache first (so it works
//! offline), pushes it and reads the log back; this says what happened.

use super::account::Account;
use crate::desk::{Delivery, Desk, Fetched, Place, input};
use crate::domain::events::{EventKind, Outcome};
use crate::mail::sanitize;
use anyhow::{Context, Result};
use std::process::ExitCode;

/// Exit code when a claim lost (or policy refused an act).
const REFUSED: u8 = 3;

pub fn assign(acct: Account, id: &str, who: &str, force: bool) -> Result<ExitCode> {
    let desk = acct.desk()?;
    let me = desk.me().to_string();
    let kind = input::assign(desk.resolve_agent(who)?, &me, force);
    act(desk, id, kind)
}

pub fn status(acct: Account, id: &str, status: &str) -> Result<ExitCode> {
    act(acct.desk()?, id, input::status(status)?)
}

pub fn snooze(acct: Account, id: &str, when: &str) -> Result<ExitCode> {
    let desk = acct.desk()?;
    let kind = input::snooze_at(desk.cfg(), when, chrono::Utc::now().timestamp())?;
    act(desk, id, kind)
}

pub fn label(acct: Account, id: &str, changes: &[String]) -> Result<ExitCode> {
    let kind = input::labels(&changes.join(" "))?;
    let desk = acct.desk()?;
    if let EventKind::Label { add, .. } = &kind {
        let defined = &desk.cfg().labels;
        let whose = if desk.team_policy()?.is_some() {
            "the team policy's [labels]"
        } else {
            "[labels] of the config"
        };
        for l in add
            .iter()
            .filter(|l| !defined.is_empty() && !defined.contains_key(*l))
        {
            eprintln!("replypad: note: label {l:?} is not defined in {whose}");
        }
    }
    act(desk, id, kind)
}

pub fn note(acct: Account, id: &str, text: &str) -> Result<ExitCode> {
    act(acct.desk()?, id, input::note(text)?)
}

pub fn follow(acct: Account, id: &str, on: bool) -> Result<ExitCode> {
    act(acct.desk()?, id, EventKind::Follow { on })
}

/// Archive, spam, trash, move: files each conversation in the folder.
pub fn file(acct: Account, place: &str, ids: &[String]) -> Result<ExitCode> {
    let mut desk = acct.desk()?;
    let place = Place::parse(place)?;
    let convs = ids
        .iter()
        .map(|i| desk.store.resolve_conversation(i))
        .collect::<Result<Vec<_>>>()?;
    let filed = desk.file(&convs, &place, chrono::Utc::now().timestamp())?;
    let folder = sanitize::line(&filed.folder).into_owned();
    for (conv, n) in &filed.moved {
        match n {
            0 => println!("{conv}: already in {folder}"),
            1 => println!(
                "{conv}: 1 message moved to {folder}{}",
                delivery_note(&filed.delivery)
            ),
            n => println!(
                "{conv}: {n} messages moved to {folder}{}",
                delivery_note(&filed.delivery)
            ),
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn merge(acct: Account, ids: &[String]) -> Result<ExitCode> {
    let mut desk = acct.desk()?;
    let (into, delivery) = desk.merge(ids, chrono::Utc::now().timestamp())?;
    println!("merged into {into}{}", delivery_note(&delivery));
    Ok(ExitCode::SUCCESS)
}

pub fn split(acct: Account, id: &str, message: &str) -> Result<ExitCode> {
    let mut desk = acct.desk()?;
    let conv = desk.store.resolve_conversation(id)?;
    let view = desk
        .store
        .conversation(&conv)?
        .context("the conversation is not in the cache")?;
    let message_id = match message.trim().parse::<usize>() {
        Ok(n) => view
            .messages
            .get(n.wrapping_sub(1))
            .map(|m| m.message_id.clone())
            .with_context(|| {
                format!(
                    "no message #{n}: the conversation has {} (1 is the oldest)",
                    view.messages.len()
                )
            })?,
        Err(_) => message
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .to_string(),
    };
    let (new, delivery) = desk.split(&conv, &message_id, chrono::Utc::now().timestamp())?;
    println!(
        "{conv}: split; the message and its replies are now {new}{}",
        delivery_note(&delivery)
    );
    Ok(ExitCode::SUCCESS)
}

fn act(mut desk: Desk, id: &str, kind: EventKind) -> Result<ExitCode> {
    let conv = desk.store.resolve_conversation(id)?;
    let acted = desk.act(
        std::slice::from_ref(&conv),
        kind,
        chrono::Utc::now().timestamp(),
    )?;
    let Some(r) = acted.reports.first() else {
        return Ok(ExitCode::SUCCESS);
    };
    let what = sanitize::line(&r.event.kind.describe_in(desk.cfg().time_zone())).into_owned();
    if r.outcome != Outcome::Applied {
        println!(
            "{conv}: not {what}: {}",
            sanitize::line(&r.outcome.to_string())
        );
        return Ok(ExitCode::from(REFUSED));
    }
    println!("{conv}: {what}{}", delivery_note(&acted.delivery));
    Ok(ExitCode::SUCCESS)
}

/// What follows an act's line when it did not reach the server.
pub(super) fn delivery_note(d: &Delivery) -> &'static str {
    match d {
        Delivery::Done | Delivery::Background => "",
        Delivery::Offline(_) => {
            " (queued: the server is not reachable; it goes out with the next sync)"
        }
        Delivery::Local => " (demo: kept in the demo cache only)",
    }
}

pub fn history(acct: Account, id: &str, json: bool) -> Result<ExitCode> {
    let mut store = acct.store()?;
    let conv = store.resolve_conversation(id)?;
    let h = store.history(&conv)?;
    if json {
        super::output::write_json(&mut std::io::stdout().lock(), &h)?;
        return Ok(ExitCode::SUCCESS);
    }
    // Times in the agent's zone (config `timezone`, else the machine's),
    // the event's and those in its words.
    let zone = acct.cfg.time_zone();
    let local = |t: i64| {
        crate::domain::when::local(t, zone)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    for e in &h {
        let mut line = format!(
            "{}  {}  {}",
            local(e.event.at),
            e.event.agent,
            e.event.kind.describe_with(local)
        );
        if let EventKind::Note { text, .. } = &e.event.kind {
            line.push_str(&format!(": {text}"));
        }
        if e.outcome != Outcome::Applied {
            line.push_str(&format!(" [{}]", e.outcome));
        }
        if !e.pushed {
            line.push_str(" (not pushed yet)");
        }
        println!("{}", sanitize::line(&line));
    }
    Ok(ExitCode::SUCCESS)
}

/// `replypad save ID N [--dir D] [--open]`: attachment #N of a conversation.
pub fn save_attachment(
    acct: Account,
    id: &str,
    n: usize,
    dir: Option<&std::path::Path>,
    open: bool,
    html: bool,
) -> Result<ExitCode> {
    let mut desk = acct.desk()?;
    let conv = desk.store.resolve_conversation(id)?;
    let part = if html {
        crate::attachments::Part::Html(n)
    } else {
        crate::attachments::Part::Attachment(n)
    };
    if let Fetched::Saved(path) = desk.attachment(&conv, part, dir.map(Into::into), open)? {
        println!(
            "{part} {} {}",
            if open { "opened from" } else { "saved to" },
            sanitize::line(&path.display().to_string())
        );
    }
    Ok(ExitCode::SUCCESS)
}
