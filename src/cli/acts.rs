//! Team acts from the command line: assign, status, snooze, label, note,
//! follow, history. Each commits to the cache first (so it works offline),
//! then tries to push it and read back the log, and says what happened.

use super::account::Account;
use crate::domain::Status;
use crate::domain::events::{Event, EventKind, mentions, new_event_id};
use crate::mail::{sanitize, team_event};
use crate::store::Store;
use anyhow::{Result, bail};
use std::process::ExitCode;

/// The demo signs its (local-only) events with a fixed key.
pub(super) const DEMO_KEY: &str = "replypad-demo-team-key";

/// An agent as the user typed it: `me`, an address, or a name at the team's domain.
fn agent(acct: &Account, who: &str) -> String {
    if who == "me" {
        return acct.cfg.identity.email.clone();
    }
    if who.contains('@') {
        return who.to_ascii_lowercase();
    }
    let domain = acct
        .cfg
        .identity
        .email
        .rsplit_once('@')
        .map(|(_, d)| d)
        .unwrap_or("example.com");
    format!("{}@{domain}", who.to_ascii_lowercase())
}

pub fn assign(acct: Account, id: &str, who: &str, force: bool) -> Result<ExitCode> {
    let to = match who {
        "none" | "nobody" => None,
        w => Some(agent(&acct, w)),
    };
    // Taking an unowned conversation for yourself is a claim; anything else reassigns.
    let reassign = force || to.is_none() || to.as_deref() != Some(acct.cfg.identity.email.as_str());
    act(acct, id, EventKind::Assign { to, reassign })
}

pub fn status(acct: Account, id: &str, status: &str) -> Result<ExitCode> {
    let Some(status) = Status::parse(status).filter(|s| *s != Status::Snoozed) else {
        bail!(
            "unknown status {status:?}: use open, pending or closed (or `replypad snooze ID WHEN`)"
        );
    };
    act(
        acct,
        id,
        EventKind::Status {
            status,
            until: None,
        },
    )
}

pub fn snooze(acct: Account, id: &str, when: &str) -> Result<ExitCode> {
    let now = chrono::Local::now().fixed_offset();
    let until = crate::domain::when::parse_when(when, now).map_err(anyhow::Error::msg)?;
    act(
        acct,
        id,
        EventKind::Status {
            status: Status::Snoozed,
            until: Some(until.timestamp()),
        },
    )
}

pub fn label(acct: Account, id: &str, changes: &[String]) -> Result<ExitCode> {
    let (mut add, mut remove) = (Vec::new(), Vec::new());
    for c in changes {
        match (c.strip_prefix('+'), c.strip_prefix('-')) {
            (Some(l), _) if !l.is_empty() => add.push(l.to_ascii_lowercase()),
            (_, Some(l)) if !l.is_empty() => remove.push(l.to_ascii_lowercase()),
            _ => bail!("{c:?}: write +label to add or -label to remove"),
        }
    }
    if add.is_empty() && remove.is_empty() {
        bail!("no labels given: replypad label ID +billing -urgent");
    }
    for l in &add {
        if !acct.cfg.labels.is_empty() && !acct.cfg.labels.contains_key(l) {
            eprintln!("replypad: note: label {l:?} is not defined in [labels] of the config");
        }
    }
    act(acct, id, EventKind::Label { add, remove })
}

pub fn note(acct: Account, id: &str, text: &str) -> Result<ExitCode> {
    if text.trim().is_empty() {
        bail!("the note is empty");
    }
    act(
        acct,
        id,
        EventKind::Note {
            text: text.to_string(),
            mentions: mentions(text),
        },
    )
}

pub fn follow(acct: Account, id: &str, on: bool) -> Result<ExitCode> {
    act(acct, id, EventKind::Follow { on })
}

fn act(acct: Account, id: &str, kind: EventKind) -> Result<ExitCode> {
    let mut store = acct.store()?;
    let conv = store.resolve_conversation(id)?;
    let key = acct.team_key()?;
    let event = Event {
        id: new_event_id(),
        conversation: conv.clone(),
        agent: acct.cfg.identity.email.clone(),
        at: chrono::Utc::now().timestamp(),
        kind,
    };
    let raw = team_event::encode(&event, &key, &acct.cfg.team.address);
    store.record_local_event(&event, &raw)?;
    let what = sanitize::line(&event.kind.describe()).into_owned();
    if acct.demo.is_some() {
        println!("{conv}: {what} (demo: kept in the demo cache only)");
        return Ok(ExitCode::SUCCESS);
    }
    match push(&acct, &mut store) {
        Ok(()) => {}
        Err(e) => {
            println!(
                "{conv}: {what} (queued: the server is not reachable; it goes out with the next sync)"
            );
            tracing::info!("push deferred: {e:#}");
            return Ok(ExitCode::SUCCESS);
        }
    }
    let entry = store
        .history(&conv)?
        .into_iter()
        .find(|h| h.event.id == event.id);
    match entry {
        Some(h) if h.outcome != "applied" => {
            println!("{conv}: not {what}: {}", sanitize::line(&h.outcome));
            Ok(ExitCode::from(3))
        }
        _ => {
            println!("{conv}: {what}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Pushes what is queued, or says it stays queued (offline, demo).
pub(super) fn push_or_queue(acct: &Account, store: &mut Store) {
    if acct.demo.is_some() {
        return;
    }
    if let Err(e) = push(acct, store) {
        println!("queued: the server is not reachable; it goes out with the next sync");
        tracing::info!("push deferred: {e:#}");
    }
}

/// Pushes queued changes and folds the log (no mail sync).
fn push(acct: &Account, store: &mut Store) -> Result<()> {
    let mut conn = crate::sync::connect(&acct.cfg)?;
    let team = crate::sync::engine::TeamLog::resolve(&mut conn, &acct.cfg)?;
    crate::sync::engine::replay_pending(&mut conn, store, &team)?;
    if let Some(key) = &team.key {
        crate::sync::team::sync_log(&mut conn, store, &team.folder, key)?;
    }
    conn.logout();
    Ok(())
}

pub fn history(acct: Account, id: &str, json: bool) -> Result<ExitCode> {
    let mut store = acct.store()?;
    let conv = store.resolve_conversation(id)?;
    let h = store.history(&conv)?;
    if json {
        super::output::write_json(&mut std::io::stdout().lock(), &h)?;
        return Ok(ExitCode::SUCCESS);
    }
    for e in &h {
        let when = chrono::DateTime::from_timestamp(e.event.at, 0)
            .unwrap_or_default()
            .with_timezone(&chrono::Local);
        let mut line = format!(
            "{}  {}  {}",
            when.format("%Y-%m-%d %H:%M"),
            e.event.agent,
            e.event.kind.describe()
        );
        if let EventKind::Note { text, .. } = &e.event.kind {
            line.push_str(&format!(": {text}"));
        }
        if e.outcome != "applied" {
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
) -> Result<ExitCode> {
    let store = acct.store()?;
    let conv = store.resolve_conversation(id)?;
    let mut conn = None;
    let path = crate::attachments::save(&store, &conv, n, dir, open, &mut |mid| {
        if acct.demo.is_some() {
            return crate::attachments::demo_raw(mid)
                .map(<[u8]>::to_vec)
                .ok_or_else(|| anyhow::anyhow!("the message is not in the demo mailbox"));
        }
        if conn.is_none() {
            conn = Some(crate::sync::connect(&acct.cfg)?);
        }
        crate::sync::engine::fetch_raw(conn.as_mut().expect("just set"), &store, mid)
    })?;
    println!(
        "attachment #{n} {} {}",
        if open { "opened from" } else { "saved to" },
        sanitize::line(&path.display().to_string())
    );
    Ok(ExitCode::SUCCESS)
}
