//! Opening what a command works on: the configured account, or the demo.

use crate::config::Config;
use crate::demo::DemoSession;
use crate::store::Store;
use crate::ui::{self, App, format::Clock, keymap::Keymap};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub struct Account {
    pub cfg: Config,
    pub cache_file: PathBuf,
    pub demo: Option<DemoSession>,
}

impl Account {
    pub fn open(config: Option<&Path>, demo: bool) -> Result<Account> {
        if demo {
            let cfg = Config::demo();
            let session = DemoSession::start(&cfg, chrono::Utc::now().timestamp())?;
            return Ok(Account {
                cache_file: session.cache_file.clone(),
                cfg,
                demo: Some(session),
            });
        }
        let path = config
            .map(Path::to_path_buf)
            .unwrap_or_else(crate::paths::default_config_file);
        let cfg = Config::load(&path)?;
        Ok(Account {
            cache_file: cfg.cache_file(),
            cfg,
            demo: None,
        })
    }

    /// The key that signs team events: the account's (`team.key_command`),
    /// or the demo's fixed one. An error says why team state is off.
    pub fn team_key(&self) -> Result<crate::config::Secret> {
        match &self.demo {
            Some(_) => Ok(crate::config::Secret::new(super::acts::DEMO_KEY)),
            None => crate::sync::team::team_key(&self.cfg),
        }
    }

    /// The team key where team state is optional (logged when off).
    pub fn team_key_if_any(&self) -> Option<crate::config::Secret> {
        self.team_key()
            .map_err(|e| tracing::warn!("team state is off: {e:#}"))
            .ok()
    }

    /// The acting agent of this account, signing with `key`.
    pub fn agent<'a>(
        &'a self,
        key: &'a Option<crate::config::Secret>,
    ) -> crate::replies::Agent<'a> {
        crate::replies::Agent {
            cfg: &self.cfg,
            key: key.as_ref(),
        }
    }

    /// The cache; for an account it must exist already (made by `sync`).
    pub fn store(&self) -> Result<Store> {
        if self.demo.is_none() && !self.cache_file.exists() {
            bail!(
                "no cache at {} yet; run `replypad sync` first",
                self.cache_file.display()
            );
        }
        Store::open(&self.cache_file)
    }
}

pub fn run_tui(acct: Account) -> Result<ExitCode> {
    let store = Store::open(&acct.cache_file)?;
    let keymap = Keymap::load(&acct.cfg.keymap).context("key bindings")?;
    let account = match (&acct.demo, &acct.cfg.imap) {
        (Some(_), _) => acct.cfg.team.address.clone(),
        (None, Some(i)) => format!("{}@{}", i.user, i.host),
        (None, None) => acct.cfg.team.address.clone(),
    };
    let ctx = ui::app::Context {
        account,
        me: acct.cfg.identity.email.clone(),
        demo_outbox: acct.demo.as_ref().map(|d| d.outbox_dir.clone()),
        label_colours: acct.cfg.labels.clone(),
        team_key: acct.team_key_if_any(),
        team_address: acct.cfg.team.address.clone(),
        cfg: acct.cfg.clone(),
    };
    let mut app = App::new(store, keymap, ctx, Clock::system())?;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    if acct.demo.is_none() {
        let notify: crate::sync::worker::Notify = std::sync::Arc::new(move |n| {
            let _ = tx.send(n);
        });
        app.worker = Some(crate::sync::worker::Worker::spawn(
            acct.cfg.clone(),
            acct.cache_file.clone(),
            notify,
        ));
    }
    ui::run::run(app, rx)?;
    Ok(ExitCode::SUCCESS)
}

pub fn sync(acct: Account, rebuild: bool, bodies: bool) -> Result<ExitCode> {
    if acct.demo.is_some() {
        bail!("the demo mailbox has no server to sync with");
    }
    if rebuild && acct.cache_file.exists() {
        let store = Store::open(&acct.cache_file)?;
        let pending = store.unpushed_local_work()?;
        if pending > 0 {
            bail!(
                "the cache holds {pending} local change(s) not yet on the server (queued acts, unsent \
                 outbox messages or open drafts); push them with `replypad sync` and send or discard \
                 the drafts before rebuilding"
            );
        }
        drop(store);
        for suffix in ["", "-wal", "-shm"] {
            let mut p = acct.cache_file.as_os_str().to_owned();
            p.push(suffix);
            match std::fs::remove_file(&p) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(e)
                        .with_context(|| format!("cannot remove {}", PathBuf::from(&p).display()));
                }
                _ => {}
            }
        }
    }
    let started = std::time::Instant::now();
    let mut store = Store::open(&acct.cache_file)?;
    let mut conn = crate::sync::connect_syncing(&acct.cfg)?;
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let progress = move |p: crate::sync::engine::Progress| {
        if tty {
            use crate::sync::engine::Progress::*;
            match p {
                Headers {
                    mailbox,
                    done,
                    total,
                    rate,
                } => {
                    eprint!(
                        "\r{}: {done}/{total} headers ({rate:.0}/s)   ",
                        crate::mail::sanitize::line(&mailbox)
                    )
                }
                Bodies { done, total } => eprint!("\rbodies: {done}/{total}   "),
            }
        }
    };
    let ctx = crate::sync::engine::SyncContext {
        team_address: &acct.cfg.team.address,
        progress: &progress,
    };
    let team = crate::sync::engine::TeamLog::resolve(&mut conn, &acct.cfg)?;
    let (r, _) = crate::sync::engine::pass(&mut conn, &mut store, &acct.cfg, &team, &ctx, bodies)?;
    // The outbox: resolve interrupted sends, send what is due, file the copies.
    for line in crate::sync::outbox::recover(
        &mut store,
        &acct.cfg,
        team.key.as_ref(),
        Some((&mut conn, &team.sent)),
    )? {
        println!("{}", crate::mail::sanitize::line(&line));
    }
    let sent = crate::sync::outbox::flush(
        &mut store,
        &acct.cfg,
        team.key.as_ref(),
        crate::sync::outbox::Transport::Smtp,
        chrono::Utc::now().timestamp(),
    )?;
    for p in &sent.problems {
        println!("{}", crate::mail::sanitize::line(p));
    }
    if sent.sent > 0 || store.pending_ops().map(|p| !p.is_empty()).unwrap_or(false) {
        crate::sync::engine::replay_pending(&mut conn, &mut store, &team)?;
    }
    conn.close();
    if tty {
        eprint!("\r\x1b[K");
    }
    println!(
        "pushed {}, new {}, changed {}, vanished {}, bodies {}, team {} in {:.2}s",
        r.pushed,
        r.new,
        r.changed,
        r.vanished,
        r.bodies,
        r.team,
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}
