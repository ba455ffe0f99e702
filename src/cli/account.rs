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
    };
    let app = App::new(store, keymap, ctx, Clock::system())?;
    let (_tx, rx) = tokio::sync::mpsc::unbounded_channel();
    ui::run::run(app, rx)?;
    Ok(ExitCode::SUCCESS)
}

pub fn sync(acct: Account, rebuild: bool) -> Result<ExitCode> {
    if acct.demo.is_some() {
        bail!("the demo mailbox has no server to sync with");
    }
    let _ = rebuild;
    eprintln!("replypad: `sync` is not built yet in this version; see the project's open issues");
    Ok(ExitCode::from(2))
}
