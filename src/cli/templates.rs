//! `replypad templates list|show|render|lint|save|delete`.

use super::account::Account;
use super::output::write_json;
use crate::mail::sanitize;
use crate::templates::{self, Template};
use anyhow::{Context, Result, bail};
use clap::Subcommand;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum TemplatesCmd {
    /// Every template (bundled, team, personal; the closer level wins).
    List {
        /// Print JSON (for scripts) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print a template's source.
    Show {
        /// The template's name, as `templates list` shows it.
        name: String,
    },
    /// Render a template with a conversation's values.
    Render {
        /// The template's name, as `templates list` shows it.
        name: String,
        /// The conversation whose values fill it (id or unique prefix).
        #[arg(long)]
        conversation: String,
        /// An answer to an ask("Field"): --set "Order number=1234" (repeatable).
        #[arg(long = "set", value_name = "FIELD=VALUE")]
        set: Vec<String>,
    },
    /// Check templates (all, or these files): syntax, unknown placeholders
    /// (errors: exit 1), tone (warnings).
    Lint {
        /// Template files to check (default: every template).
        files: Vec<PathBuf>,
    },
    /// Save a team template from a file (shared with everyone after sync).
    Save {
        /// The name it is saved under.
        name: String,
        /// The template file (front matter and text).
        #[arg(long)]
        file: PathBuf,
    },
    /// Delete a team template (`restore` brings it back).
    Delete {
        /// The template's name, as `templates list` shows it.
        name: String,
    },
    /// Bring back a deleted team template (its last text).
    Restore {
        /// The deleted template's name.
        name: String,
    },
}

fn find<'a>(all: &'a [Template], name: &str) -> Result<&'a Template> {
    all.iter()
        .find(|t| t.name == name)
        .with_context(|| format!("no template {name:?} (see `replypad templates list`)"))
}

pub fn run(acct: Account, cmd: TemplatesCmd) -> Result<ExitCode> {
    match cmd {
        TemplatesCmd::Lint { files } if !files.is_empty() => {
            let mut list = Vec::new();
            for f in &files {
                let text = std::fs::read_to_string(f)
                    .with_context(|| format!("cannot read {}", f.display()))?;
                match templates::parse(&text, templates::Origin::Personal) {
                    Ok(t) => list.push(t),
                    Err(e) => {
                        println!("{}: error: {e:#}", f.display());
                        return Ok(ExitCode::from(1));
                    }
                }
            }
            return lint(&list);
        }
        _ => {}
    }
    let mut desk = acct.desk()?;
    let (all, errors) = templates::all(&desk.store, &templates::personal_dir())?;
    for e in &errors {
        eprintln!("replypad: warning: {}", sanitize::line(e));
    }
    match cmd {
        TemplatesCmd::List { json } => {
            if json {
                write_json(&mut std::io::stdout().lock(), &all)?;
            } else {
                use std::io::Write;
                let mut out = std::io::stdout().lock();
                for t in &all {
                    writeln!(
                        out,
                        "{:<24} {:<8} {}  [{}]",
                        t.name,
                        format!("{:?}", t.origin).to_lowercase(),
                        sanitize::line(&t.description),
                        sanitize::line(&t.tags.join(", "))
                    )?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        TemplatesCmd::Show { name } => {
            let t = find(&all, &name)?;
            println!("{}", sanitize::text(&t.source()));
            Ok(ExitCode::SUCCESS)
        }
        TemplatesCmd::Render {
            name,
            conversation,
            set,
        } => {
            let t = find(&all, &name)?;
            let conv = desk.store.resolve_conversation(&conversation)?;
            let values = templates::values_for(
                &desk.store,
                desk.cfg(),
                &conv,
                crate::domain::when::local(chrono::Utc::now().timestamp(), desk.cfg().time_zone()),
            )?;
            let mut answers = BTreeMap::new();
            for s in set {
                let (k, v) = s
                    .split_once('=')
                    .with_context(|| format!("--set {s:?}: write FIELD=VALUE"))?;
                answers.insert(k.trim().to_string(), v.to_string());
            }
            let render = |a: &BTreeMap<String, String>| {
                templates::render::render(&t.body, &values, a)
                    .with_context(|| format!("template {}", t.name))
            };
            let asked = render(&BTreeMap::new())?.fields;
            for k in answers.keys() {
                if !asked.contains(k) {
                    bail!(
                        "--set {k:?}: template {} asks no such field (it asks: {})",
                        t.name,
                        if asked.is_empty() {
                            "nothing".to_string()
                        } else {
                            asked.join(", ")
                        }
                    );
                }
            }
            let r = render(&answers)?;
            println!("{}", sanitize::text(&r.text));
            for f in &r.fields {
                eprintln!(
                    "replypad: unfilled field: {} (--set \"{}=…\")",
                    sanitize::line(f),
                    sanitize::line(f)
                );
            }
            // Unfilled fields: the text is not ready to send.
            Ok(if r.fields.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(3)
            })
        }
        TemplatesCmd::Lint { .. } => lint(&all),
        TemplatesCmd::Save { name, file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let delivery = desk.save_template(&name, Some(&text))?;
            let problems = templates::lint::lint(
                &[templates::parse(&text, templates::Origin::Team)?],
                &crate::domain::tone::bundled(),
            );
            for p in problems {
                println!("{}: {}", p.template, sanitize::line(&p.message));
            }
            println!("team template {name} saved");
            queued_note(&delivery);
            Ok(ExitCode::SUCCESS)
        }
        TemplatesCmd::Restore { name } => {
            let delivery = desk.restore_template(&name)?;
            println!("team template {name} restored");
            queued_note(&delivery);
            Ok(ExitCode::SUCCESS)
        }
        TemplatesCmd::Delete { name } => {
            if !desk.store.team_templates()?.contains_key(&name) {
                bail!("no team template {name:?} (bundled and personal ones are files)");
            }
            let delivery = desk.save_template(&name, None)?;
            println!(
                "team template {name} deleted (`replypad templates restore {name}` brings it back)"
            );
            queued_note(&delivery);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Says so when the change waits in the queue (offline).
fn queued_note(d: &crate::desk::Delivery) {
    if let crate::desk::Delivery::Offline(e) = d {
        tracing::info!("push deferred: {e}");
        println!("queued: the server is not reachable; it goes out with the next sync");
    }
}

fn lint(list: &[Template]) -> Result<ExitCode> {
    let problems = templates::lint::lint(list, &crate::domain::tone::bundled());
    let errors = problems.iter().filter(|p| p.error).count();
    for p in &problems {
        println!(
            "{}: {}: {}",
            p.template,
            if p.error { "error" } else { "warning" },
            sanitize::line(&p.message)
        );
    }
    println!(
        "{} template(s), {errors} error(s), {} warning(s)",
        list.len(),
        problems.len() - errors
    );
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
