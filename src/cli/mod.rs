//! The command line (clap). `replypad` opens the TUI; subcommands script the
//! same operations. Human output is sanitized like the TUI; JSON output
//! escapes every control, bidi and invisible character.

mod account;
mod acts;
mod daemon;
mod doctor;
mod init;
mod insight;
mod jobs;
mod output;
mod replies;
mod team;
mod templates;

use account::Account;
use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(name = "replypad", version, about = "A terminal shared inbox for support teams", long_about = None)]
pub struct Cli {
    /// Config file (or REPLYPAD_CONFIG; default: $XDG_CONFIG_HOME/replypad/config.toml
    /// on Linux, ~/Library/Application Support/replypad/config.toml on macOS).
    #[arg(long, global = true, value_name = "PATH", env = "REPLYPAD_CONFIG")]
    pub config: Option<PathBuf>,
    /// Use the built-in demo mailbox instead of an account (no network).
    #[arg(long, global = true)]
    pub demo: bool,
    /// In the demo: work as this teammate (dana, sam or lee; default dana).
    #[arg(long = "as", global = true, value_name = "AGENT")]
    pub as_agent: Option<String>,
    /// Log more (-v debug, -vv trace) to the log file.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Log warnings and errors only.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Open the TUI on the built-in demo mailbox (same as --demo).
    Demo,
    /// Fetch new mail and team state from the server once, then exit.
    Sync {
        /// Drop the cache and rebuild it from the server.
        #[arg(long)]
        rebuild: bool,
        /// Fetch headers only (the thread list); bodies come later or on open.
        #[arg(long)]
        headers_only: bool,
    },
    /// List conversations, newest first.
    Threads {
        /// Print JSON (for scripts) instead of text.
        #[arg(long)]
        json: bool,
        /// all, unassigned, mine, open, pending, snoozed, closed, mentions, following, drafts, review, label:NAME, archive, spam, trash
        #[arg(long, default_value = "all")]
        view: String,
        /// A search: from: to: subject: label: status: assignee: is:unread has:attachment before: after: "phrase" words
        #[arg(long, conflicts_with = "view")]
        search: Option<String>,
    },
    /// Print one conversation.
    Show {
        /// Conversation id (or a unique prefix of at least 4 characters).
        id: String,
        /// Print JSON (for scripts) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Check config, secrets, IMAP and SMTP, and say how to fix what is wrong.
    Doctor,
    /// Write a commented config for a mail provider (where --config or
    /// REPLYPAD_CONFIG says, else the default path), then run doctor on it.
    Init {
        /// The team's mail provider.
        #[arg(long, value_enum, default_value = "generic")]
        provider: init::Provider,
        /// Your name, as customers and teammates see it.
        #[arg(long)]
        name: String,
        /// Your own address (assignments and notes are in its name).
        #[arg(long)]
        email: String,
        /// The team mailbox's address (support@…).
        #[arg(long)]
        team: String,
        /// Replace a config that is there.
        #[arg(long)]
        force: bool,
        /// Only write it (doctor connects to the servers).
        #[arg(long)]
        no_doctor: bool,
    },
    /// Assign a conversation: AGENT is `me` (a claim), an address or name, or `none`.
    Assign {
        /// Conversation id (or a unique prefix of at least 4 characters).
        id: String,
        /// `me` (a claim), a teammate's address or short name, or `none`.
        agent: String,
        /// Take it even if someone else owns it (a reassign, not a claim).
        #[arg(long)]
        force: bool,
    },
    /// Set a conversation's status: open, pending or closed.
    Status {
        /// Conversation id (or a unique prefix of at least 4 characters).
        id: String,
        /// open, pending or closed.
        status: String,
    },
    /// Snooze until WHEN: 3d, 4h, tomorrow, tomorrow 9:00, mon, 2026-12-01 08:00, in 2 business days.
    Snooze {
        /// Conversation id (or a unique prefix of at least 4 characters).
        id: String,
        /// When it comes back: 3d, 4h, tomorrow, tomorrow 9:00, mon, 2026-12-01 08:00, in 2 business days.
        when: String,
    },
    /// Add or remove labels: +billing -urgent.
    Label {
        /// Conversation id (or a unique prefix of at least 4 characters).
        id: String,
        /// Labels to add (`billing` or `+billing`) and remove (`-urgent`).
        #[arg(allow_hyphen_values = true, required = true)]
        changes: Vec<String>,
    },
    /// Add an internal note; @name mentions a teammate.
    Note {
        /// Conversation id (or a unique prefix of at least 4 characters).
        id: String,
        /// The note (for the team only; @name mentions a teammate).
        text: String,
    },
    /// Merge conversations the threading kept apart into one (every agent's client follows).
    Merge {
        /// Two or more conversation ids (or unique prefixes).
        #[arg(required = true, num_args = 2..)]
        ids: Vec<String>,
    },
    /// Split a conversation: message N (as `show` lists them, oldest first) and the replies to it become their own.
    Split {
        /// The conversation id (or a unique prefix).
        id: String,
        /// The message's number in the conversation, or its Message-ID.
        message: String,
    },
    /// Archive conversations (into the folder the server marks Archive, or [folders] archive).
    Archive {
        /// Conversation ids (or unique prefixes).
        #[arg(required = true)]
        ids: Vec<String>,
    },
    /// Mark conversations as spam (moved to the Junk folder).
    Spam {
        /// Conversation ids (or unique prefixes).
        #[arg(required = true)]
        ids: Vec<String>,
    },
    /// Move conversations to the Trash.
    Trash {
        /// Conversation ids (or unique prefixes).
        #[arg(required = true)]
        ids: Vec<String>,
    },
    /// Move conversations to FOLDER: inbox, archive, spam, trash, or a
    /// team inbox's name (`move inbox ID` takes one back).
    Move {
        /// inbox, archive, spam, trash, or a team inbox's name.
        folder: String,
        /// Conversation ids (or unique prefixes).
        #[arg(required = true)]
        ids: Vec<String>,
    },
    /// Follow a conversation (--off to stop).
    Follow {
        /// Conversation id (or a unique prefix of at least 4 characters).
        id: String,
        /// Stop following.
        #[arg(long)]
        off: bool,
    },
    /// Save attachment #N of a conversation (numbered as `show` lists them).
    Save {
        /// Conversation id (or a unique prefix of at least 4 characters).
        id: String,
        /// The attachment's number, as `show` lists them (📎 [N]).
        n: usize,
        /// Directory to save into (default: Downloads). Never overwrites.
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Open it with the system opener afterwards.
        #[arg(long)]
        open: bool,
        /// N is a message (as `show` numbers them, 1 the oldest): save its HTML part, sanitized (scripts, remote images and other requests removed).
        #[arg(long)]
        html: bool,
    },
    /// Figures: new conversations, first-response and resolution times, reopens, backlog, busiest hours, SLA breaches.
    Report {
        /// First day: 2026-11-01, today, 30d or 6w ago (default: four weeks ago).
        #[arg(long)]
        since: Option<String>,
        /// Last day, included: 2026-11-30, today, 7d ago (default: today).
        #[arg(long)]
        until: Option<String>,
        /// Only conversations with this label.
        #[arg(long)]
        label: Option<String>,
        /// Group the table by label, agent or week.
        #[arg(long, value_enum, default_value = "label")]
        by: crate::domain::insight::Group,
        /// Print JSON (for scripts) instead of text.
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// Print the grouped table as CSV (for spreadsheets).
        #[arg(long)]
        csv: bool,
    },
    /// A conversation's post-mortem: every message, note and change with who and when, its timings, and sections to fill in.
    Export {
        /// Conversation id (or a unique prefix of at least 4 characters).
        id: String,
        /// Markdown for people, JSON for tools.
        #[arg(long, value_enum, default_value = "md")]
        format: insight::ExportFormat,
    },
    /// A conversation's team history (who assigned, labelled, noted, when).
    History {
        /// Conversation id (or a unique prefix of at least 4 characters).
        id: String,
        /// Print JSON (for scripts) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Reply to a conversation with the text of a file (sent now, or shared for review).
    Reply {
        /// Conversation id (or a unique prefix of at least 4 characters).
        id: String,
        /// The reply text; the signature and the quoted message follow it.
        #[arg(long)]
        file: PathBuf,
        /// Reply to everyone on the message, not only the sender.
        #[arg(long)]
        all: bool,
        /// Attach a file (repeatable).
        #[arg(long)]
        attach: Vec<PathBuf>,
        /// Share for review instead of sending.
        #[arg(long)]
        submit_for_review: bool,
        /// Ask this teammate to review.
        #[arg(long, requires = "submit_for_review")]
        reviewer: Option<String>,
        /// Only save the draft (send later with `replypad drafts send`).
        #[arg(long, conflicts_with = "submit_for_review")]
        draft: bool,
        /// Set the conversation's status with the send: pending or closed.
        #[arg(long, value_name = "STATUS")]
        then: Option<String>,
        /// Reply although an earlier reply on the conversation is still
        /// queued or of unknown delivery, or the reply looks like a mistake
        /// (no text of its own, an attachment mentioned and none attached);
        /// exit 3 without it.
        #[arg(long)]
        force: bool,
    },
    /// A new message (starts a conversation), sent now or shared for review.
    New {
        /// A recipient (repeatable; `Name <a@b>` or `a@b`).
        #[arg(long, required = true)]
        to: Vec<String>,
        /// A copy recipient (repeatable).
        #[arg(long)]
        cc: Vec<String>,
        /// The subject.
        #[arg(long)]
        subject: String,
        /// The message text; your signature follows it.
        #[arg(long)]
        file: PathBuf,
        /// Attach a file (repeatable).
        #[arg(long)]
        attach: Vec<PathBuf>,
        /// Share for review instead of sending.
        #[arg(long)]
        submit_for_review: bool,
        /// Only save the draft (send later with `replypad drafts send`).
        #[arg(long, conflicts_with = "submit_for_review")]
        draft: bool,
        /// Send although the message looks like a mistake (no text, an
        /// attachment mentioned and none attached).
        #[arg(long)]
        force: bool,
    },
    /// Drafts being written here: list, show, edit, submit, send, discard.
    Drafts {
        #[command(subcommand)]
        cmd: replies::DraftsCmd,
    },
    /// The draft review queue: list, show, approve, request-changes, send.
    Review {
        #[command(subcommand)]
        cmd: replies::ReviewCmd,
    },
    /// Messages on their way out: sends what is queued (not with --json, which only lists). `retry N`, `forget N`.
    Outbox {
        /// List as JSON (for scripts); sends nothing.
        #[arg(long)]
        json: bool,
        #[command(subcommand)]
        cmd: Option<replies::OutboxCmd>,
    },
    /// Reply templates: list, show, render, lint, save, delete.
    Templates {
        #[command(subcommand)]
        cmd: templates::TemplatesCmd,
    },
    /// The team itself: roster (init, invite, join, role, remove) and the team policy.
    Team {
        #[command(subcommand)]
        cmd: team::TeamCmd,
    },
    /// Run the automation headless: acknowledgements, replies sent later, updates.
    Daemon {
        /// Run what is due now, then exit (cron, tests).
        #[arg(long)]
        once: bool,
    },
    /// The automation's jobs: pending, running, done, failed, and who ran them.
    Jobs {
        /// Print JSON (for scripts) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Send a reply (or, with --update, an update unless the customer writes first) later; `schedule cancel JOB`.
    #[command(args_conflicts_with_subcommands = true)]
    Schedule {
        #[command(subcommand)]
        cmd: Option<jobs::ScheduleCmd>,
        /// The conversation.
        id: Option<String>,
        /// When: "tomorrow 9:00", "in 2 business days", "4h", "2026-12-01 08:00".
        #[arg(long)]
        at: Option<String>,
        /// The text (a reply: above the quote and signature).
        #[arg(long)]
        file: Option<PathBuf>,
        /// Schedule this draft (one submitted for review goes once approved).
        #[arg(long)]
        draft: Option<String>,
        /// An update, cancelled when the customer writes, an agent replies or the status changes.
        #[arg(long)]
        update: bool,
        /// The update's template (default: scheduled-update).
        #[arg(long)]
        template: Option<String>,
        /// Schedule although it looks like a mistake.
        #[arg(long)]
        force: bool,
    },
    /// Print a shell completion script: `replypad completions bash > ~/.local/share/bash-completion/completions/replypad`.
    Completions {
        /// The shell: bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `replypad man | man -l -`.
    Man,
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    crate::paths::restrict_umask();
    quiet_on_closed_pipe();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) if broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let msg = crate::mail::sanitize::text(&format!("{e:#}")).into_owned();
            eprintln!("replypad: {msg}");
            if crate::store::disk_trouble(&e) {
                eprintln!("replypad: {}", crate::store::DISK_HINT);
            }
            ExitCode::from(1)
        }
    }
}

/// Whether an error is a write to a closed pipe (`replypad threads | head`).
fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind)
            .or_else(|| {
                c.downcast_ref::<serde_json::Error>()
                    .and_then(serde_json::Error::io_error_kind)
            })
            == Some(std::io::ErrorKind::BrokenPipe)
    })
}

/// A reader that stops early (`| head`) ends the command quietly with
/// success, as other Unix tools do: `println!` panics on a closed pipe, so
/// that one panic exits 0 without a word; any other panic is reported.
fn quiet_on_closed_pipe() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.contains("failed printing to stdout") && msg.contains("Broken pipe") {
            std::process::exit(0);
        }
        report(info);
    }));
}

/// The log filter `-v`/`-q` ask for (None: the default). More detail is
/// replypad's own: libraries stay at info (their debug output can carry
/// protocol lines, credentials included).
fn log_level(verbose: u8, quiet: bool) -> Option<&'static str> {
    match (verbose, quiet) {
        (_, true) => Some("warn"),
        (0, _) => None,
        (1, _) => Some("info,replypad=debug"),
        _ => Some("info,replypad=trace"),
    }
}

pub fn run(cli: Cli) -> Result<ExitCode> {
    // The one choice of the demo: the desk's transport (`Account::open`);
    // doctor and the daemon have nothing to do there.
    let demo = cli.demo || matches!(cli.command, Some(Command::Demo));
    let _log = crate::logging::init(
        &crate::paths::state_dir(),
        log_level(cli.verbose, cli.quiet),
    )
    .context("cannot start the log file")?;
    if cli.as_agent.is_some() && !demo {
        bail!(
            "--as is for the demo (replypad demo --as lee); an account's agent is [identity] in its config"
        );
    }
    let begin = if matches!(cli.command, None | Some(Command::Demo)) {
        crate::demo::Begin::Fresh
    } else {
        crate::demo::Begin::Existing
    };
    let agent = cli.as_agent.as_deref().unwrap_or("dana");
    let open = || Account::open(cli.config.as_deref(), demo.then_some((begin, agent)));
    match cli.command {
        None | Some(Command::Demo) => {
            // Before the demo starts afresh or a cache opens: the screen
            // needs a terminal (ratatui's init panicked without one).
            use std::io::IsTerminal;
            if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
                bail!(
                    "the screen needs a terminal (stdin and stdout); without one use the commands: replypad --help"
                );
            }
            account::run_tui(open()?)
        }
        Some(Command::Sync {
            rebuild,
            headers_only,
        }) => account::sync(open()?, rebuild, !headers_only),
        Some(Command::Threads { json, view, search }) => {
            let acct = open()?;
            let parsed = match search {
                Some(q) => Some(crate::domain::views::View::Search(q)),
                None => crate::domain::views::View::parse(&view),
            };
            let view = parsed.with_context(|| {
                format!(
                    "unknown view {view:?}: {}",
                    crate::domain::views::View::known()
                )
            })?;
            output::threads(
                &acct.store()?,
                json,
                &view,
                &acct.cfg.identity.email,
                acct.cfg.time_zone(),
            )
        }
        Some(Command::Show { id, json }) => output::show(&open()?.store()?, &id, json),
        Some(Command::Doctor) if demo => doctor::nothing_to_check(),
        Some(Command::Doctor) => doctor::run(cli.config.as_deref()),
        Some(Command::Init { .. }) if demo => {
            bail!("init writes a config for an account; the demo needs none")
        }
        Some(Command::Init {
            provider,
            name,
            email,
            team,
            force,
            no_doctor,
        }) => init::run(
            &cli.config
                .clone()
                .unwrap_or_else(crate::paths::default_config_file),
            provider,
            &name,
            &email,
            &team,
            force,
            no_doctor,
        ),
        Some(Command::Assign { id, agent, force }) => acts::assign(open()?, &id, &agent, force),
        Some(Command::Status { id, status }) => acts::status(open()?, &id, &status),
        Some(Command::Snooze { id, when }) => acts::snooze(open()?, &id, &when),
        Some(Command::Label { id, changes }) => acts::label(open()?, &id, &changes),
        Some(Command::Note { id, text }) => acts::note(open()?, &id, &text),
        Some(Command::Follow { id, off }) => acts::follow(open()?, &id, !off),
        Some(Command::Merge { ids }) => acts::merge(open()?, &ids),
        Some(Command::Split { id, message }) => acts::split(open()?, &id, &message),
        Some(Command::Archive { ids }) => acts::file(open()?, "archive", &ids),
        Some(Command::Spam { ids }) => acts::file(open()?, "spam", &ids),
        Some(Command::Trash { ids }) => acts::file(open()?, "trash", &ids),
        Some(Command::Move { folder, ids }) => acts::file(open()?, &folder, &ids),
        Some(Command::History { id, json }) => acts::history(open()?, &id, json),
        Some(Command::Report {
            since,
            until,
            label,
            by,
            json,
            csv,
        }) => insight::report(
            open()?,
            insight::ReportArgs {
                since,
                until,
                label,
                by,
                json,
                csv,
            },
        ),
        Some(Command::Export { id, format }) => insight::export(open()?, &id, format),
        Some(Command::Save {
            id,
            n,
            dir,
            open: o,
            html,
        }) => acts::save_attachment(open()?, &id, n, dir.as_deref(), o, html),
        Some(Command::Reply {
            id,
            file,
            all,
            attach,
            submit_for_review,
            reviewer,
            draft,
            then,
            force,
        }) => replies::reply(
            open()?,
            replies::ReplyArgs {
                id,
                file,
                all,
                attach,
                submit: submit_for_review,
                reviewer,
                draft_only: draft,
                then,
                force,
            },
        ),
        Some(Command::New {
            to,
            cc,
            subject,
            file,
            attach,
            submit_for_review,
            draft,
            force,
        }) => replies::new_message(
            open()?,
            replies::NewArgs {
                to,
                cc,
                subject,
                file,
                attach,
                submit: submit_for_review,
                draft_only: draft,
                force,
            },
        ),
        Some(Command::Drafts { cmd }) => replies::drafts(open()?, cmd),
        Some(Command::Review { cmd }) => replies::review(open()?, cmd),
        Some(Command::Outbox { json, cmd }) => replies::outbox(open()?, json, cmd),
        Some(Command::Templates { cmd }) => templates::run(open()?, cmd),
        Some(Command::Team { cmd }) => team::run(open()?, cmd),
        Some(Command::Daemon { .. }) if demo => {
            bail!("the daemon needs a real account; it has nothing to do in demo mode")
        }
        Some(Command::Daemon { once }) => daemon::run(open()?, once),
        Some(Command::Jobs { json }) => jobs::list(open()?, json),
        Some(Command::Schedule {
            cmd,
            id,
            at,
            file,
            draft,
            update,
            template,
            force,
        }) => jobs::schedule(
            open()?,
            cmd,
            jobs::ScheduleArgs {
                id,
                at,
                file,
                draft,
                update,
                template,
                force,
            },
        ),
        Some(Command::Completions { shell }) => {
            use clap::CommandFactory;
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "replypad",
                &mut std::io::stdout(),
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Man) => {
            use clap::CommandFactory;
            clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
