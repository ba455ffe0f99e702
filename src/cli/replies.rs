//! Replies from the command line: `reply`, `drafts`, `review`, `outbox`.
//! Each commits to the cache first, then (with an account) pushes events,
//! works the outbox and reads the log back, and says what happened.

use super::account::Account;
use super::output::write_json;
use crate::domain::compose::{Draft, DraftKind, DraftState, diff_lines};
use crate::mail::sanitize;
use crate::replies::{Agent, Blocked, find_shared};
use crate::store::Store;
use crate::sync::outbox::{self, Transport};
use anyhow::{Context, Result, bail};
use clap::Subcommand;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit code when policy or a collision stops an act.
const REFUSED: u8 = 3;

#[derive(Subcommand, Debug)]
pub enum DraftsCmd {
    /// Drafts being written here.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Print a draft.
    Show { id: String },
    /// Replace a draft's text with a file's (signature and quote included as written).
    Edit {
        id: String,
        #[arg(long)]
        file: PathBuf,
    },
    /// Share the draft for review (a new revision).
    Submit {
        id: String,
        #[arg(long)]
        reviewer: Option<String>,
    },
    /// Send the draft (checks review policy and what changed meanwhile).
    Send {
        id: String,
        /// Send although the conversation changed since the draft began.
        #[arg(long)]
        anyway: bool,
    },
    /// Throw the draft away.
    Discard { id: String },
}

#[derive(Subcommand, Debug)]
pub enum ReviewCmd {
    /// Drafts shared for review and where they stand.
    List {
        #[arg(long)]
        json: bool,
    },
    /// A shared draft beside the customer's message, with the diff to the previous revision.
    Show { id: String },
    /// Approve the latest revision.
    Approve {
        id: String,
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// Ask the author for changes.
    RequestChanges {
        id: String,
        #[arg(long)]
        comment: String,
    },
    /// Send an approved draft yourself (review.sender = "reviewer").
    Send { id: String },
    /// Edit the draft as the reviewer: the file's text becomes a new revision.
    Edit {
        id: String,
        #[arg(long)]
        file: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum OutboxCmd {
    /// Try a failed or delivery-unknown message again.
    Retry { id: i64 },
    /// Drop a failed or delivery-unknown message.
    Forget { id: i64 },
}

/// Pushes what is queued, works the outbox (everything queued when `all`),
/// and reads the team log back. Offline: says so; nothing is lost.
fn finish(acct: &Account, store: &mut Store, all: bool) -> Result<()> {
    let key = acct.team_key_if_any();
    let now = if all {
        i64::MAX
    } else {
        chrono::Utc::now().timestamp()
    };
    if let Some(demo) = &acct.demo {
        outbox::recover(store, &acct.cfg, key.as_ref(), None)?;
        let r = outbox::flush(
            store,
            &acct.cfg,
            key.as_ref(),
            Transport::Files(&demo.outbox_dir),
            now,
        )?;
        report(&r);
        return Ok(());
    }
    let conn = crate::sync::connect(&acct.cfg);
    let mut conn = match conn {
        Ok(c) => Some(c),
        Err(e) => {
            println!(
                "offline ({}): changes stay queued and go out with the next sync",
                sanitize::line(&format!("{e:#}"))
            );
            None
        }
    };
    if let Some(c) = conn.as_mut() {
        let team = crate::sync::engine::TeamLog::resolve(c, &acct.cfg)?;
        for line in outbox::recover(store, &acct.cfg, key.as_ref(), Some((c, &team.sent)))? {
            println!("{}", sanitize::line(&line));
        }
    }
    // SMTP does not need IMAP: a reply goes out even when IMAP is down.
    let r = outbox::flush(store, &acct.cfg, key.as_ref(), Transport::Smtp, now)?;
    report(&r);
    if let Some(mut c) = conn {
        let team = crate::sync::engine::TeamLog::resolve(&mut c, &acct.cfg)?;
        crate::sync::engine::replay_pending(&mut c, store, &team)?;
        if let Some(k) = &team.key {
            crate::sync::team::sync_log(&mut c, store, &team.folder, k)?;
        }
        c.logout();
    }
    Ok(())
}

fn report(r: &outbox::FlushReport) {
    if r.sent > 0 {
        println!("sent {}", r.sent);
    }
    for p in &r.problems {
        println!("{}", sanitize::line(p));
    }
}

fn read_text(file: &Path) -> Result<String> {
    let raw = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let text =
        String::from_utf8(raw).with_context(|| format!("{} is not UTF-8", file.display()))?;
    Ok(text)
}

pub struct ReplyArgs {
    pub id: String,
    pub file: PathBuf,
    pub all: bool,
    pub attach: Vec<PathBuf>,
    pub submit: bool,
    pub reviewer: Option<String>,
    pub draft_only: bool,
}

pub fn reply(acct: Account, a: ReplyArgs) -> Result<ExitCode> {
    let mut store = acct.store()?;
    let conv = store.resolve_conversation(&a.id)?;
    let text = read_text(&a.file)?;
    let key = acct.team_key_if_any();
    let agent = acct.agent(&key);
    let kind = if a.all {
        DraftKind::ReplyAll
    } else {
        DraftKind::Reply
    };
    let d = agent.start_reply(&mut store, &conv, kind)?;
    let next = Next {
        text: &text,
        attach: &a.attach,
        submit: a.submit.then_some(a.reviewer),
        draft_only: a.draft_only,
        saved: &format!("on {conv}"),
    };
    fill_and_go(&acct, &mut store, &agent, d, next)
}

/// What becomes of a draft `reply` or `new` started.
struct Next<'a> {
    /// The agent's text, put above the quote and signature.
    text: &'a str,
    attach: &'a [PathBuf],
    /// Submit for review (to this reviewer, if any) instead of sending.
    submit: Option<Option<String>>,
    draft_only: bool,
    /// How the saved draft is described ("on <conversation>").
    saved: &'a str,
}

/// Fills and saves the draft, then submits it, keeps it, or sends it.
fn fill_and_go(
    acct: &Account,
    store: &mut Store,
    agent: &Agent<'_>,
    mut d: Draft,
    next: Next<'_>,
) -> Result<ExitCode> {
    d.body = format!("{}{}", next.text.trim_end(), d.body);
    for p in next.attach {
        std::fs::metadata(p).with_context(|| format!("cannot attach {}", p.display()))?;
        d.attachments.push(p.clone());
    }
    store.save_draft(&d)?;
    println!("draft {} {}", d.id, next.saved);
    if let Some(reviewer) = next.submit {
        let rev = agent.submit(store, &mut d, reviewer)?;
        println!("draft {} revision {rev} submitted for review", d.id);
        finish(acct, store, false)?;
        return Ok(ExitCode::SUCCESS);
    }
    if next.draft_only {
        return Ok(ExitCode::SUCCESS);
    }
    send_draft(acct, store, agent, &d, false)
}

fn send_draft(
    acct: &Account,
    store: &mut Store,
    agent: &Agent<'_>,
    d: &Draft,
    anyway: bool,
) -> Result<ExitCode> {
    match agent.check_send(store, d)? {
        Some(Blocked::Collision(_)) if anyway => {}
        Some(b) => {
            println!("not sent: {}", b);
            return Ok(ExitCode::from(REFUSED));
        }
        None => {}
    }
    let id = agent.queue_send(store, d)?;
    println!("draft {} queued as outbox #{id}", d.id);
    finish(acct, store, true)?;
    let row = store.outbox_row(id)?.context("the outbox row vanished")?;
    println!("outbox #{id}: {}", row.state);
    Ok(if row.state == "sent" {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(4)
    })
}

pub struct NewArgs {
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: String,
    pub file: PathBuf,
    pub attach: Vec<PathBuf>,
    pub submit: bool,
    pub draft_only: bool,
}

/// `replypad new`: a message that starts a conversation.
pub fn new_message(acct: Account, a: NewArgs) -> Result<ExitCode> {
    let mut store = acct.store()?;
    let text = read_text(&a.file)?;
    let key = acct.team_key_if_any();
    let agent = acct.agent(&key);
    let mut d = agent.start_new(&mut store, &a.to, &a.subject)?;
    d.cc = a.cc;
    let next = Next {
        text: &text,
        attach: &a.attach,
        submit: a.submit.then_some(None),
        draft_only: a.draft_only,
        saved: "(new message)",
    };
    fill_and_go(&acct, &mut store, &agent, d, next)
}

pub fn drafts(acct: Account, cmd: DraftsCmd) -> Result<ExitCode> {
    let mut store = acct.store()?;
    let key = acct.team_key_if_any();
    let agent = acct.agent(&key);
    match cmd {
        DraftsCmd::List { json } => {
            let shared = store.shared_drafts()?;
            let mut rows = Vec::new();
            for d in store.drafts()? {
                let review = shared.get(&d.id).map(|s| {
                    let mut st = s.state().as_str().to_string();
                    if let Some(v) = s.verdict().filter(|v| !v.comment.is_empty()) {
                        st.push_str(&format!(" by {}: {}", v.by, v.comment));
                    }
                    st
                });
                if json {
                    rows.push(serde_json::json!({
                        "id": d.id, "conversation": d.conversation, "to": d.to, "subject": d.subject,
                        "revision": d.revision, "review": review, "updated_at": d.updated_at,
                    }));
                } else {
                    println!(
                        "{}  {}  {}  [{}]",
                        d.id,
                        d.conversation.as_deref().unwrap_or("(new)"),
                        sanitize::line(&d.subject),
                        sanitize::line(review.as_deref().unwrap_or("not shared"))
                    );
                }
            }
            if json {
                write_json(&mut std::io::stdout().lock(), &rows)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        DraftsCmd::Show { id } => {
            let d = store.draft(&id)?;
            println!("To: {}", sanitize::line(&d.to.join(", ")));
            if !d.cc.is_empty() {
                println!("Cc: {}", sanitize::line(&d.cc.join(", ")));
            }
            println!("Subject: {}\n", sanitize::line(&d.subject));
            println!("{}", sanitize::text(&d.body));
            Ok(ExitCode::SUCCESS)
        }
        DraftsCmd::Edit { id, file } => {
            let mut d = store.draft(&id)?;
            d.body = read_text(&file)?;
            d.updated_at = chrono::Utc::now().timestamp();
            store.save_draft(&d)?;
            println!("draft {} saved", d.id);
            Ok(ExitCode::SUCCESS)
        }
        DraftsCmd::Submit { id, reviewer } => {
            let mut d = store.draft(&id)?;
            let rev = agent.submit(&mut store, &mut d, reviewer)?;
            println!("draft {} revision {rev} submitted for review", d.id);
            finish(&acct, &mut store, false)?;
            Ok(ExitCode::SUCCESS)
        }
        DraftsCmd::Send { id, anyway } => {
            let mut d = store.draft(&id)?;
            if agent.adopt_latest(&mut store, &mut d)? {
                println!(
                    "draft {}: took over revision {} (edited by a reviewer)",
                    d.id, d.revision
                );
            }
            if d.state != DraftState::Editing {
                bail!(
                    "draft {} is not being edited (it was queued or discarded)",
                    d.id
                );
            }
            send_draft(&acct, &mut store, &agent, &d, anyway)
        }
        DraftsCmd::Discard { id } => {
            let mut d = store.draft(&id)?;
            d.state = DraftState::Discarded;
            store.save_draft(&d)?;
            println!("draft {} discarded", d.id);
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub fn review(acct: Account, cmd: ReviewCmd) -> Result<ExitCode> {
    let mut store = acct.store()?;
    let key = acct.team_key_if_any();
    let agent = acct.agent(&key);
    match cmd {
        ReviewCmd::List { json } => {
            let mut rows = Vec::new();
            for s in store.shared_drafts()?.values() {
                let l = s.latest();
                if json {
                    rows.push(serde_json::json!({
                        "draft": s.draft, "conversation": s.conversation, "author": s.author,
                        "revision": l.revision, "reviewer": l.reviewer, "subject": l.subject,
                        "state": s.state(), "verdict": s.verdict(),
                    }));
                } else {
                    println!(
                        "{}  {}  rev {}  {}  by {}  [{}]",
                        s.draft,
                        s.conversation,
                        l.revision,
                        sanitize::line(&l.subject),
                        sanitize::line(&s.author),
                        s.state().as_str()
                    );
                }
            }
            if json {
                write_json(&mut std::io::stdout().lock(), &rows)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        ReviewCmd::Show { id } => {
            let s = find_shared(&store, &id)?;
            let l = s.latest();
            if let Some(ctx) = store.reply_context(&s.conversation)? {
                println!("── customer: {} ──", sanitize::line(&ctx.from.display()));
                println!("{}\n", sanitize::text(ctx.text.trim_end()));
            }
            println!(
                "── draft {} revision {} by {} [{}] ──",
                s.draft,
                l.revision,
                sanitize::line(&s.author),
                s.state().as_str()
            );
            println!(
                "To: {}\nSubject: {}\n",
                sanitize::line(&l.to.join(", ")),
                sanitize::line(&l.subject)
            );
            println!("{}", sanitize::text(l.body.trim_end()));
            if s.revisions.len() > 1 {
                let prev = &s.revisions[s.revisions.len() - 2];
                println!("\n── changes since revision {} ──", prev.revision);
                for (m, line) in diff_lines(&prev.body, &l.body) {
                    if m != ' ' {
                        println!("{m} {}", sanitize::line(&line));
                    }
                }
            }
            let first = store.reply_context(&s.conversation)?.and_then(|c| {
                crate::domain::names::first_name(c.from.name.as_deref(), &c.from.email)
            });
            for f in crate::domain::tone::check(&acct.cfg.tone_rules(), &l.body, first.as_deref()) {
                println!("tone: {}", sanitize::line(&f.message));
            }
            for v in &s.verdicts {
                println!(
                    "verdict on revision {} by {}: {}{}",
                    v.revision,
                    sanitize::line(&v.by),
                    if v.approved {
                        "approved"
                    } else {
                        "changes requested"
                    },
                    if v.comment.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", sanitize::line(&v.comment))
                    }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        ReviewCmd::Approve { id, comment } => {
            verdict(&acct, &mut store, &agent, &id, true, &comment)
        }
        ReviewCmd::RequestChanges { id, comment } => {
            verdict(&acct, &mut store, &agent, &id, false, &comment)
        }
        ReviewCmd::Edit { id, file } => {
            let mut d = agent.take_over(&mut store, &id)?;
            d.body = read_text(&file)?;
            d.updated_at = chrono::Utc::now().timestamp();
            store.save_draft(&d)?;
            let rev = agent.submit(&mut store, &mut d, None)?;
            println!(
                "draft {} revision {rev} (your edit) shared for review",
                d.id
            );
            finish(&acct, &mut store, false)?;
            Ok(ExitCode::SUCCESS)
        }
        ReviewCmd::Send { id } => {
            if acct.cfg.review.sender != crate::domain::review::Sender::Reviewer {
                bail!("the author sends approved drafts here (config review.sender = \"author\")");
            }
            let n = agent.reviewer_send(&mut store, &id)?;
            finish(&acct, &mut store, true)?;
            let row = store.outbox_row(n)?.context("the outbox row vanished")?;
            println!("outbox #{n}: {}", row.state);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn verdict(
    acct: &Account,
    store: &mut Store,
    agent: &Agent<'_>,
    id: &str,
    approved: bool,
    comment: &str,
) -> Result<ExitCode> {
    let s = agent.review(store, id, approved, comment)?;
    println!("{}", s.verdict_line(approved));
    finish(acct, store, false)?;
    Ok(ExitCode::SUCCESS)
}

pub fn outbox(acct: Account, json: bool, cmd: Option<OutboxCmd>) -> Result<ExitCode> {
    let mut store = acct.store()?;
    match cmd {
        Some(OutboxCmd::Retry { id }) => {
            if !store.requeue(id)? {
                bail!("outbox #{id} is not failed or delivery-unknown");
            }
            println!("outbox #{id} queued again");
            finish(&acct, &mut store, true)?;
        }
        Some(OutboxCmd::Forget { id }) => {
            if !store.forget_outgoing(id)? {
                bail!("outbox #{id} is not failed or delivery-unknown");
            }
            println!("outbox #{id} dropped");
            return Ok(ExitCode::SUCCESS);
        }
        // `--json` lists only (machine-readable output stays one document).
        None if json => {}
        None => finish(&acct, &mut store, true)?,
    }
    let rows = store.outbox()?;
    if json {
        write_json(&mut std::io::stdout().lock(), &rows)?;
        return Ok(ExitCode::SUCCESS);
    }
    for r in rows {
        {
            println!(
                "#{}  {}  {}  to {}{}",
                r.id,
                r.state,
                sanitize::line(&r.subject),
                sanitize::line(&r.rcpt.join(", ")),
                r.last_error
                    .as_deref()
                    .map(|e| format!("  ({})", sanitize::line(e)))
                    .unwrap_or_default()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
