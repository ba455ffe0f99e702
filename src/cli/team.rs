//! `replypad team list|init|invite|join|role|remove|policy show|policy edit`:
//! the roster and the team policy, kept in the team log (see
//! `domain::roster` for which events count).

use super::account::Account;
use super::output::write_json;
use crate::desk::{Delivery, Desk, TeamDone};
use crate::domain::roster::Role;
use crate::mail::sanitize;
use anyhow::{Context, Result, bail};
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum TeamCmd {
    /// The team's members: address, name, handle, role, whether they joined or were removed.
    List {
        /// Print JSON (for scripts) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Start the team's roster with you as its first admin (makes your signing key).
    Init {
        /// Your display name (default: identity.name).
        #[arg(long)]
        name: Option<String>,
        /// Your short handle for assign and @mentions (default: your address's local part).
        #[arg(long)]
        handle: Option<String>,
    },
    /// Invite an agent (admin): prints the one-time code they join with.
    Invite {
        /// The new agent's address (their identity.email).
        email: String,
        /// Their display name.
        #[arg(long)]
        name: Option<String>,
        /// Their short handle (default: the address's local part).
        #[arg(long)]
        handle: Option<String>,
        /// agent, reviewer or admin (default: agent, or the member's role when invited again).
        #[arg(long)]
        role: Option<String>,
        /// Invite a member again whose key is lost or leaked: their old key stops counting.
        #[arg(long)]
        new_key: bool,
    },
    /// Join the team with the code an admin gave you (makes your signing key).
    Join {
        /// The code from `replypad team invite`.
        code: String,
    },
    /// Change a member's role (admin).
    Role {
        /// The member: address, handle or name.
        who: String,
        /// agent, reviewer or admin.
        role: String,
    },
    /// Remove a member (admin): their later events stop counting; their earlier acts stay in the history.
    Remove {
        /// The member: address, handle or name.
        who: String,
    },
    /// The team policy: review rules, labels, tone, business hours, SLA targets.
    Policy {
        #[command(subcommand)]
        cmd: PolicyCmd,
    },
}

#[derive(Subcommand, Debug)]
pub enum PolicyCmd {
    /// Print the policy in force (TOML), or the config's rules while the team has none.
    Show {
        /// Print JSON (for scripts) instead of TOML.
        #[arg(long)]
        json: bool,
    },
    /// Edit the policy in $VISUAL/$EDITOR (admin); checked before it is written.
    Edit {
        /// Set it from a file instead of opening an editor.
        #[arg(long)]
        file: Option<std::path::PathBuf>,
    },
}

fn role(text: &str) -> Result<Role> {
    Role::parse(text)
        .with_context(|| format!("{:?} is not a role: agent, reviewer or admin", text.trim()))
}

fn handle_of(email: &str) -> String {
    crate::domain::names::handle(email).to_string()
}

/// Says what became of a team act; the exit code.
fn outcome(done: TeamDone, what: &str) -> ExitCode {
    match done {
        TeamDone::Counted => {
            println!("{what}");
            ExitCode::SUCCESS
        }
        TeamDone::Queued(Delivery::Offline(why)) => {
            println!(
                "{what} (queued: the server is not reachable: {}; `replypad sync` sends it)",
                sanitize::line(&why)
            );
            ExitCode::SUCCESS
        }
        TeamDone::Queued(_) => {
            println!("{what} (queued)");
            ExitCode::SUCCESS
        }
    }
}

pub fn run(acct: Account, cmd: TeamCmd) -> Result<ExitCode> {
    let mut desk = acct.desk()?;
    match cmd {
        TeamCmd::List { json } => list(&desk, json),
        TeamCmd::Init { name, handle } => {
            let name = name.unwrap_or_else(|| desk.cfg().identity.name.clone());
            let handle = handle.unwrap_or_else(|| handle_of(desk.me()));
            let done = desk.team_init(&name, &handle)?;
            Ok(outcome(
                done,
                &format!("the team's roster begins: {} is its first admin", desk.me()),
            ))
        }
        TeamCmd::Invite {
            email,
            name,
            handle,
            role: r,
            new_key,
        } => {
            let r = r.as_deref().map(role).transpose()?;
            let was = desk.roster()?.and_then(|ro| ro.get(&email).map(|m| m.role));
            let (code, done) =
                desk.team_invite(&email, name.as_deref(), handle.as_deref(), r, new_key)?;
            let r = r.or(was).unwrap_or(Role::Agent);
            let code_line = format!(
                "invited {} as {r}. Give them this one-time code (not by the team mailbox):\n  {code}\n\
                 They run: replypad team join {code}",
                sanitize::line(&email)
            );
            Ok(outcome(done, &code_line))
        }
        TeamCmd::Join { code } => {
            let done = desk.team_join(&code)?;
            Ok(outcome(done, &format!("{} joined the team", desk.me())))
        }
        TeamCmd::Role { who, role: r } => {
            let r = role(&r)?;
            let done = desk.team_role(&who, r)?;
            Ok(outcome(
                done,
                &format!("{} is now {r}", sanitize::line(&who)),
            ))
        }
        TeamCmd::Remove { who } => {
            let done = desk.team_remove(&who)?;
            Ok(outcome(
                done,
                &format!(
                    "{} was removed from the team; their later events no longer count",
                    sanitize::line(&who)
                ),
            ))
        }
        TeamCmd::Policy {
            cmd: PolicyCmd::Show { json },
        } => {
            if json {
                let p = match desk.team_policy()? {
                    Some(p) => serde_json::json!({"source": "team", "policy": p}),
                    None => serde_json::json!({
                        "source": "config",
                        "policy": crate::config::policy::TeamPolicy::from_config(desk.cfg()),
                    }),
                };
                write_json(&mut std::io::stdout().lock(), &p)?;
            } else {
                if desk.team_policy()?.is_none() {
                    println!("# The team has no policy yet: these are your config's rules.");
                }
                print!("{}", sanitize::text(&desk.policy_text()?));
            }
            Ok(ExitCode::SUCCESS)
        }
        TeamCmd::Policy {
            cmd: PolicyCmd::Edit { file },
        } => edit_policy(&mut desk, file),
    }
}

fn list(desk: &Desk, json: bool) -> Result<ExitCode> {
    let Some(roster) = desk.roster()? else {
        if json {
            write_json(&mut std::io::stdout().lock(), &serde_json::json!([]))?;
        } else {
            println!("the team has no roster yet: `replypad team init` makes you its first admin");
        }
        return Ok(ExitCode::SUCCESS);
    };
    if json {
        write_json(
            &mut std::io::stdout().lock(),
            &roster.members.values().collect::<Vec<_>>(),
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    for m in roster.members.values() {
        let state = match (m.active, &m.key) {
            (false, _) => "removed".to_string(),
            (true, None) => "invited".to_string(),
            (true, Some(k)) => format!("key {}", k.get(..16).unwrap_or(k)),
        };
        println!(
            "{:<32} {:<20} {:<10} {:<8} {state}",
            sanitize::line(&m.email),
            sanitize::line(&m.name),
            sanitize::line(&m.handle),
            m.role
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn edit_policy(desk: &mut Desk, file: Option<std::path::PathBuf>) -> Result<ExitCode> {
    let text = match file {
        Some(f) => {
            std::fs::read_to_string(&f).with_context(|| format!("cannot read {}", f.display()))?
        }
        None => {
            // Checked before anything is written: an agent who is not an
            // admin hears so before editing.
            desk.check_admin()?;
            let mut tmp = tempfile::Builder::new().suffix(".toml").tempfile()?;
            use std::io::Write;
            tmp.write_all(desk.policy_text()?.as_bytes())?;
            tmp.flush()?;
            loop {
                let status = crate::editor::run(tmp.path())?;
                if !status.success() {
                    bail!(
                        "{}; the team policy was not changed",
                        crate::editor::failure(status)
                    );
                }
                let text = std::fs::read_to_string(tmp.path())?;
                match crate::config::policy::parse(&text) {
                    Ok(_) => break text,
                    Err(e) => {
                        eprintln!("replypad: {}", sanitize::line(&format!("{e:#}")));
                        if !ask("edit again? [Y/n] ")? {
                            bail!("the team policy was not changed");
                        }
                    }
                }
            }
        }
    };
    if desk.team_policy()?.is_some() && text == desk.policy_text()? {
        println!("the team policy is unchanged");
        return Ok(ExitCode::SUCCESS);
    }
    let done = desk.set_policy(&text)?;
    Ok(outcome(
        done,
        "the team policy is set; every agent's replypad follows it from their next sync",
    ))
}

fn ask(prompt: &str) -> Result<bool> {
    use std::io::Write;
    eprint!("{prompt}");
    std::io::stderr().flush()?;
    let mut line = String::new();
    if std::io::stdin().read_line(&mut line)? == 0 {
        return Ok(false);
    }
    Ok(!line.trim().eq_ignore_ascii_case("n"))
}
