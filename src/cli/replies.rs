//! Replies from the command line: `reply`, `drafts`, `review`, `outbox`.
//! Each commits to the cache first, then (with an account) pushes events,
//! works the outbox and reads the log back, and says what happened.

use super::account::Account;
use super::output::write_json;
use crate::desk::{Blocked, Delivery, Desk, SendOutcome, StartReply, find_shared};
use crate::domain::compose::{Draft, DraftKind, DraftState, diff_lines};
use crate::mail::sanitize;
use crate::store::OutboxState;
use crate::sync::outbox::{Problem, Recovered};
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
        /// Print JSON (for scripts) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print a draft.
    Show {
        /// Draft id (or a unique prefix), as `drafts list` shows it.
        id: String,
    },
    /// Replace a draft's text with a file's (signature and quote included as written).
    Edit {
        /// Draft id (or a unique prefix), as `drafts list` shows it.
        id: String,
        /// The new text.
        #[arg(long)]
        file: PathBuf,
    },
    /// Share the draft for review (a new revision).
    Submit {
        /// Draft id (or a unique prefix), as `drafts list` shows it.
        id: String,
        /// Ask this teammate to review.
        #[arg(long)]
        reviewer: Option<String>,
    },
    /// Send the draft (checks review policy and what changed meanwhile).
    Send {
        /// Draft id (or a unique prefix), as `drafts list` shows it.
        id: String,
        /// Send although the conversation changed since the draft began, or
        /// the draft looks like a mistake (no text, a missing attachment).
        #[arg(long, alias = "force")]
        anyway: bool,
    },
    /// Throw the draft away.
    Discard {
        /// Draft id (or a unique prefix), as `drafts list` shows it.
        id: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ReviewCmd {
    /// Drafts shared for review and where they stand.
    List {
        /// Print JSON (for scripts) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// A shared draft beside the customer's message, with the diff to the previous revision.
    Show {
        /// Draft id (or a unique prefix), as `review list` shows it.
        id: String,
    },
    /// Approve the latest revision.
    Approve {
        /// Draft id (or a unique prefix), as `review list` shows it.
        id: String,
        /// A word for the author (optional).
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// Ask the author for changes.
    RequestChanges {
        /// Draft id (or a unique prefix), as `review list` shows it.
        id: String,
        /// What to change.
        #[arg(long)]
        comment: String,
    },
    /// Send an approved draft yourself (review.sender = "reviewer").
    Send {
        /// Draft id (or a unique prefix), as `review list` shows it.
        id: String,
    },
    /// Edit the draft as the reviewer: the file's text becomes a new revision.
    Edit {
        /// Draft id (or a unique prefix), as `review list` shows it.
        id: String,
        /// The new text.
        #[arg(long)]
        file: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum OutboxCmd {
    /// Try a failed or delivery-unknown message again.
    Retry {
        /// The outbox number, as `replypad outbox` lists it.
        id: i64,
    },
    /// Drop a failed or delivery-unknown message.
    Forget {
        /// The outbox number, as `replypad outbox` lists it.
        id: i64,
    },
}

/// A message that did not go, with what to do about it.
pub(super) fn problem_line(p: &Problem) -> String {
    let line = match p {
        Problem::Deferred { .. } => p.to_string(),
        Problem::Failed { id, .. } => format!("{p} (fix it, then `replypad outbox retry {id}`)"),
    };
    sanitize::line(&line).into_owned()
}

/// A send a crash interrupted, with what to do about it.
pub(super) fn recovered_line(r: &Recovered) -> String {
    let line = match r {
        Recovered::WentOut { .. } => r.to_string(),
        Recovered::Unknown { id } => format!(
            "{r}: `replypad outbox retry {id}` sends it (again), `replypad outbox forget {id}` drops it"
        ),
    };
    sanitize::line(&line).into_owned()
}

/// Says how a push went when it did not reach the server.
fn report_delivery(d: &Delivery) {
    if let Delivery::Offline(e) = d {
        println!(
            "offline ({}): changes stay queued and go out with the next sync",
            sanitize::line(e)
        );
    }
}

/// Works the outbox (everything queued when `all`) and reports.
fn send_all(desk: &mut Desk, all: bool) -> Result<()> {
    let sent = desk.send(all)?;
    report_sent(&sent);
    Ok(())
}

fn report_sent(sent: &crate::desk::Sent) {
    report_delivery(&sent.delivery);
    for r in &sent.recovered {
        println!("{}", recovered_line(r));
    }
    if sent.report.sent > 0 {
        println!("sent {}", sent.report.sent);
    }
    for p in &sent.report.problems {
        println!("{}", problem_line(p));
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
    pub then: Option<String>,
    pub force: bool,
}

pub fn reply(acct: Account, a: ReplyArgs) -> Result<ExitCode> {
    let then = match a
        .then
        .as_deref()
        .map(crate::desk::input::status)
        .transpose()?
    {
        Some(crate::domain::events::EventKind::Status { status, .. }) => Some(status),
        _ => None,
    };
    let mut desk = acct.desk()?;
    let conv = desk.store.resolve_conversation(&a.id)?;
    let text = read_text(&a.file)?;
    let kind = if a.all {
        DraftKind::ReplyAll
    } else {
        DraftKind::Reply
    };
    let d = match desk.start_reply_checked(&conv, kind, a.force)? {
        StartReply::Draft(d) => *d,
        StartReply::Unsettled(rows) => {
            for r in &rows {
                println!(
                    "not started: your earlier reply on {conv} (outbox #{}, {:?}) is {}",
                    r.id,
                    sanitize::line(&r.subject),
                    match r.state {
                        OutboxState::Unknown =>
                            "of unknown delivery: it may have reached the customer",
                        _ => "still on its way",
                    }
                );
            }
            println!(
                "`replypad outbox` shows it; `replypad reply {} --force` replies again anyway",
                a.id
            );
            return Ok(ExitCode::from(REFUSED));
        }
    };
    let next = Next {
        text: &text,
        attach: &a.attach,
        submit: a.submit.then_some(a.reviewer),
        draft_only: a.draft_only,
        force: a.force,
        then,
        saved: &format!("on {conv}"),
    };
    fill_and_go(&mut desk, d, next)
}

/// What becomes of a draft `reply` or `new` started.
struct Next<'a> {
    /// The agent's text, put above the quote and signature.
    text: &'a str,
    attach: &'a [PathBuf],
    /// Submit for review (to this reviewer, if any) instead of sending.
    submit: Option<Option<String>>,
    draft_only: bool,
    /// Send although it looks like a mistake (no text, a missing attachment).
    force: bool,
    /// The conversation's status to set with the send.
    then: Option<crate::domain::Status>,
    /// How the saved draft is described ("on <conversation>").
    saved: &'a str,
}

/// Fills and saves the draft, then submits it, keeps it, or sends it.
fn fill_and_go(desk: &mut Desk, mut d: Draft, next: Next<'_>) -> Result<ExitCode> {
    d.body = format!("{}{}", next.text.trim_end(), d.body);
    d.attachments.extend(next.attach.iter().cloned());
    // The TUI's rule: files, each once, within what a message can carry.
    crate::mail::compose::check_attachments(&d.attachments)?;
    desk.store.save_draft(&d)?;
    println!("draft {} {}", d.id, next.saved);
    if let Some(reviewer) = next.submit {
        let (rev, delivery) = desk.submit(&mut d, reviewer)?;
        println!("draft {} revision {rev} submitted for review", d.id);
        report_delivery(&delivery);
        return Ok(ExitCode::SUCCESS);
    }
    if next.draft_only {
        return Ok(ExitCode::SUCCESS);
    }
    send_draft(desk, &d, next.force, next.then)
}

fn send_draft(
    desk: &mut Desk,
    d: &Draft,
    anyway: bool,
    then: Option<crate::domain::Status>,
) -> Result<ExitCode> {
    let now = chrono::Utc::now().timestamp();
    let (id, sent) = match desk.send_draft_then(d, anyway, then, now, 0)? {
        SendOutcome::Blocked(b) => {
            println!("not sent: {b}");
            if matches!(b, Blocked::Confirm(_) | Blocked::Collision(_)) {
                println!("(--force sends it anyway)");
            }
            return Ok(ExitCode::from(REFUSED));
        }
        SendOutcome::Queued { outbox, sent, .. } => (outbox, sent),
    };
    println!("draft {} queued as outbox #{id}", d.id);
    report_sent(&sent);
    outbox_state(desk, id)
}

/// Prints where outbox row `id` stands; exit 4 unless it was sent.
fn outbox_state(desk: &Desk, id: i64) -> Result<ExitCode> {
    let row = desk
        .store
        .outbox_row(id)?
        .context("the outbox row vanished")?;
    println!("outbox #{id}: {}", row.state);
    Ok(if row.state == OutboxState::Sent {
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
    pub force: bool,
}

/// Addresses as given with repeated flags, each possibly a list.
fn address_args(args: &[String], field: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for a in args {
        out.extend(crate::desk::input::addresses(a, field)?);
    }
    Ok(out)
}

/// `replypad new`: a message that starts a conversation.
pub fn new_message(acct: Account, a: NewArgs) -> Result<ExitCode> {
    let text = read_text(&a.file)?;
    let to = address_args(&a.to, "To")?;
    let cc = address_args(&a.cc, "Cc")?;
    let mut desk = acct.desk()?;
    let mut d = desk.start_new(&to, &a.subject)?;
    d.cc = cc;
    let next = Next {
        text: &text,
        attach: &a.attach,
        submit: a.submit.then_some(None),
        draft_only: a.draft_only,
        force: a.force,
        then: None,
        saved: "(new message)",
    };
    fill_and_go(&mut desk, d, next)
}

pub fn drafts(acct: Account, cmd: DraftsCmd) -> Result<ExitCode> {
    let mut desk = acct.desk()?;
    match cmd {
        DraftsCmd::List { json } => {
            let shared = desk.store.shared_drafts()?;
            let mut rows = Vec::new();
            let drafts = desk.store.drafts(desk.me())?;
            if drafts.is_empty() && !json {
                println!("no drafts");
            }
            for d in drafts {
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
            let d = desk.store.draft(&id)?;
            println!("To: {}", sanitize::line(&d.to.join(", ")));
            if !d.cc.is_empty() {
                println!("Cc: {}", sanitize::line(&d.cc.join(", ")));
            }
            println!("Subject: {}\n", sanitize::line(&d.subject));
            println!("{}", sanitize::text(&d.body));
            Ok(ExitCode::SUCCESS)
        }
        DraftsCmd::Edit { id, file } => {
            let mut d = desk.store.draft(&id)?;
            d.body = read_text(&file)?;
            d.updated_at = chrono::Utc::now().timestamp();
            desk.store.save_draft(&d)?;
            println!("draft {} saved", d.id);
            Ok(ExitCode::SUCCESS)
        }
        DraftsCmd::Submit { id, reviewer } => {
            let mut d = desk.store.draft(&id)?;
            let (rev, delivery) = desk.submit(&mut d, reviewer)?;
            println!("draft {} revision {rev} submitted for review", d.id);
            report_delivery(&delivery);
            Ok(ExitCode::SUCCESS)
        }
        DraftsCmd::Send { id, anyway } => {
            let mut d = desk.store.draft(&id)?;
            if desk.adopt_latest(&mut d)? {
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
            send_draft(&mut desk, &d, anyway, None)
        }
        DraftsCmd::Discard { id } => {
            let mut d = desk.store.draft(&id)?;
            d.state = DraftState::Discarded;
            desk.store.save_draft(&d)?;
            println!("draft {} discarded", d.id);
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub fn review(acct: Account, cmd: ReviewCmd) -> Result<ExitCode> {
    let mut desk = acct.desk()?;
    match cmd {
        ReviewCmd::List { json } => {
            let mut rows = Vec::new();
            let shared = desk.store.shared_drafts()?;
            if shared.is_empty() && !json {
                println!("no drafts shared for review");
            }
            for s in shared.values() {
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
        ReviewCmd::Show { id } => show_review(&desk, &id),
        ReviewCmd::Approve { id, comment } => verdict(&mut desk, &id, true, &comment),
        ReviewCmd::RequestChanges { id, comment } => verdict(&mut desk, &id, false, &comment),
        ReviewCmd::Edit { id, file } => {
            let mut d = desk.take_over(&id)?;
            d.body = read_text(&file)?;
            d.updated_at = chrono::Utc::now().timestamp();
            desk.store.save_draft(&d)?;
            let (rev, delivery) = desk.submit(&mut d, None)?;
            println!(
                "draft {} revision {rev} (your edit) shared for review",
                d.id
            );
            report_delivery(&delivery);
            Ok(ExitCode::SUCCESS)
        }
        ReviewCmd::Send { id } => {
            let (n, sent) = desk.reviewer_send(&id)?;
            report_sent(&sent);
            let row = desk
                .store
                .outbox_row(n)?
                .context("the outbox row vanished")?;
            println!("outbox #{n}: {}", row.state);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `review show`: the draft beside the customer's message, the changes
/// since the previous revision, tone advice and verdicts.
fn show_review(desk: &Desk, id: &str) -> Result<ExitCode> {
    let store = &desk.store;
    let s = find_shared(store, id)?;
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
    let first = store
        .reply_context(&s.conversation)?
        .and_then(|c| crate::domain::names::first_name(c.from.name.as_deref(), &c.from.email));
    for f in crate::domain::tone::check(&desk.cfg().tone_rules(), &l.body, first.as_deref()) {
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

fn verdict(desk: &mut Desk, id: &str, approved: bool, comment: &str) -> Result<ExitCode> {
    let (s, delivery) = desk.review(id, approved, comment)?;
    println!("{}", s.verdict_line(approved));
    report_delivery(&delivery);
    Ok(ExitCode::SUCCESS)
}

pub fn outbox(acct: Account, json: bool, cmd: Option<OutboxCmd>) -> Result<ExitCode> {
    let mut desk = acct.desk()?;
    // Why `retry` or `forget` of entry `id` refused: it is not there, or
    // it is on its way (only a failed or delivery-unknown one is touched).
    let refused = |desk: &Desk, id: i64| -> Result<anyhow::Error> {
        Ok(match desk.store.outbox()?.iter().find(|r| r.id == id) {
            None => anyhow::anyhow!("no outbox entry #{id} (`replypad outbox --json` lists them)"),
            Some(r) => anyhow::anyhow!(
                "outbox #{id} is {}: only a failed or delivery-unknown one can be retried or forgotten",
                r.state.as_str()
            ),
        })
    };
    match cmd {
        Some(OutboxCmd::Retry { id }) => {
            if !desk.store.requeue(id)? {
                return Err(refused(&desk, id)?);
            }
            println!("outbox #{id} queued again");
            send_all(&mut desk, true)?;
        }
        Some(OutboxCmd::Forget { id }) => {
            if !desk.store.forget_outgoing(id)? {
                return Err(refused(&desk, id)?);
            }
            println!("outbox #{id} dropped");
            return Ok(ExitCode::SUCCESS);
        }
        // `--json` lists only (machine-readable output stays one document).
        None if json => {}
        None => send_all(&mut desk, true)?,
    }
    let rows = desk.store.outbox()?;
    if json {
        write_json(&mut std::io::stdout().lock(), &rows)?;
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        println!("the outbox is empty");
    }
    for r in rows {
        let advice = match r.state {
            OutboxState::Failed | OutboxState::Unknown => format!(
                "; `replypad outbox retry {}` or `replypad outbox forget {}`",
                r.id, r.id
            ),
            _ => String::new(),
        };
        println!(
            "#{}  {}  {}  to {}{}",
            r.id,
            r.state,
            sanitize::line(&r.subject),
            sanitize::line(&r.rcpt.join(", ")),
            r.last_error
                .as_deref()
                .map(|e| format!("  ({}{advice})", sanitize::line(e)))
                .unwrap_or_default()
        );
    }
    Ok(ExitCode::SUCCESS)
}
