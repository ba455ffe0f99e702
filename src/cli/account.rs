//! Opening what a command works on: the configured account, or the demo.
//! This is the one place where the demo is chosen (as the desk's transport).

use crate::config::Config;
use crate::desk::{Desk, Start};
use crate::store::Store;
use crate::ui::{self, App, format::Clock, keymap::Keymap};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub struct Account {
    pub cfg: Config,
    pub cache_file: PathBuf,
    start: Start,
}

impl Account {
    /// The configured account, or the demo (`demo`: how it begins and as
    /// which of its agents).
    pub fn open(
        config: Option<&Path>,
        demo: Option<(crate::demo::Begin, &str)>,
    ) -> Result<Account> {
        if let Some((begin, agent)) = demo {
            let session = crate::demo::DemoSession::start(
                &crate::paths::state_dir().join("demo"),
                agent,
                begin,
                chrono::Utc::now().timestamp(),
            )?;
            return Ok(Account {
                cache_file: session.cache_file.clone(),
                cfg: session.cfg.clone(),
                start: Start::Demo(Box::new(session)),
            });
        }
        let path = config
            .map(Path::to_path_buf)
            .unwrap_or_else(crate::paths::default_config_file);
        let cfg = Config::load(&path)?;
        Ok(Account {
            cache_file: cfg.cache_file(),
            start: Start::Account(Box::new(cfg.clone())),
            cfg,
        })
    }

    fn need_cache(&self) -> Result<()> {
        if !self.cache_file.exists() {
            bail!(
                "no cache at {} yet; run `replypad sync` first",
                self.cache_file.display()
            );
        }
        Ok(())
    }

    /// The cache, for commands that only read; it must exist already
    /// (made by `sync`; the demo's is made at start).
    pub fn store(&self) -> Result<Store> {
        self.need_cache()?;
        let mut store = Store::open(&self.cache_file)?;
        // A search's days begin at the agent's midnight.
        store.set_zone(self.cfg.time_zone());
        Ok(store)
    }

    /// The desk, doing network work inline (the CLI's way).
    pub fn desk(self) -> Result<Desk> {
        self.need_cache()?;
        Desk::open(self.start, None)
    }

    /// The desk, making the cache if there is none yet (the daemon's
    /// first pass fills it, as `sync` does).
    pub fn desk_or_new(self) -> Result<Desk> {
        Desk::open(self.start, None)
    }
}

pub fn run_tui(acct: Account) -> Result<ExitCode> {
    let keymap = Keymap::load(&acct.cfg.keymap).context("key bindings")?;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let notify: crate::desk::Notify = std::sync::Arc::new(move |n| {
        let _ = tx.send(n);
    });
    let desk = Desk::open(acct.start, Some(notify))?;
    let clock = Clock::system_in(desk.cfg().time_zone());
    let app = App::new(desk, keymap, clock)?;
    ui::run::run(app, rx)?;
    Ok(ExitCode::SUCCESS)
}

pub fn sync(acct: Account, rebuild: bool, bodies: bool) -> Result<ExitCode> {
    let cache_file = acct.cache_file.clone();
    let mut desk = Desk::open(acct.start, None)?;
    desk.can_sync()?;
    if rebuild {
        let pending = desk.store.unpushed_local_work()?;
        if pending > 0 {
            bail!(
                "the cache holds {pending} local change(s) not yet on the server (queued acts, unsent \
                 outbox messages or open drafts); push them with `replypad sync` and send or discard \
                 the drafts before rebuilding"
            );
        }
        let cfg = desk.cfg().clone();
        drop(desk);
        for suffix in ["", "-wal", "-shm"] {
            let mut p = cache_file.as_os_str().to_owned();
            p.push(suffix);
            match std::fs::remove_file(&p) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(e)
                        .with_context(|| format!("cannot remove {}", PathBuf::from(&p).display()));
                }
                _ => {}
            }
        }
        desk = Desk::open(Start::Account(Box::new(cfg)), None)?;
    }
    let started = std::time::Instant::now();
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let progress = move |p: crate::sync::engine::Progress| {
        if tty {
            eprint!("\r{p}   ");
        }
    };
    let s = desk.sync(bodies, &progress)?;
    for r in &s.recovered {
        println!("{}", super::replies::recovered_line(r));
    }
    for p in &s.sent.problems {
        println!("{}", super::replies::problem_line(p));
    }
    if tty {
        eprint!("\r\x1b[K");
    }
    let r = &s.report;
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
