//! Configuration: a TOML file at the XDG config dir (or `--config PATH`).
//!
//! Unknown keys and bad values are refused with the key and line named.
//! Secrets never live in the file: passwords, OAuth tokens and the team key
//! come from commands (`password_command`, `oauth_token_command`,
//! `key_command`), run when needed and never logged.

pub mod automation;
pub mod policy;
mod secret;
mod validate;

pub use validate::is_loopback as validate_is_loopback;

pub use secret::{Secret, run_secret_command};

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Errors loading a config, each naming the file, and the key and line where known.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    // The reason is the source: a chain printed whole (`{:#}`, as every
    // error is shown) said it twice.
    #[error("cannot read config {path}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config {path} is not valid:\n{message}")]
    Invalid { path: PathBuf, message: String },
    #[error(
        "no config at {path}; copy config.example.toml there (or pass --config PATH), or try `replypad demo`"
    )]
    Missing { path: PathBuf },
}

/// TLS mode of a connection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tls {
    /// TLS from the first byte (IMAPS 993, SMTPS 465). The default.
    #[default]
    Implicit,
    /// Plain connection upgraded with STARTTLS; fails closed.
    Starttls,
    /// No TLS at all: only accepted for loopback hosts (tests, local bridges).
    None,
}

#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The agent's time zone (an IANA name, "Europe/Berlin"), for times
    /// typed ("tomorrow 9:00"); the system's when not set.
    #[serde(default)]
    pub timezone: Option<String>,
    /// Seconds a reply sent from the TUI waits in the outbox, during which
    /// `u` takes it back to the draft (0: sent at once).
    #[serde(default = "default_undo_send")]
    pub undo_send: u32,
    /// Replying to a conversation nobody owns claims it for you.
    #[serde(default)]
    pub assign_on_reply: bool,
    /// From this many columns the TUI shows the list and the conversation
    /// side by side.
    #[serde(default = "default_split_width")]
    pub split_width: u16,
    pub identity: Identity,
    pub team: Team,
    pub imap: Option<Imap>,
    pub smtp: Option<Smtp>,
    #[serde(default)]
    pub cache: Cache,
    #[serde(default)]
    pub folders: Folders,
    /// Label name → colour (a ratatui colour name or `#rrggbb`).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Per-layer key overrides: `[keymap.list] "x" = "quit"`.
    #[serde(default)]
    pub keymap: BTreeMap<String, BTreeMap<String, String>>,
    /// Who must pass review before a reply goes out.
    #[serde(default)]
    pub review: crate::domain::review::Policy,
    /// Saved searches shown as views in the sidebar: name → query.
    #[serde(default)]
    pub views: BTreeMap<String, String>,
    /// More tone rules (added to assets/tone.toml), and whether findings block.
    #[serde(default)]
    pub tone: crate::domain::tone::Rules,
    /// Colours of the TUI by role (`[theme] cursor = "green"`); see [`THEME_ROLES`].
    #[serde(default)]
    pub theme: BTreeMap<String, String>,
    /// What runs by itself: acknowledgements, replies sent later, updates.
    #[serde(default)]
    pub automation: automation::Automation,
    /// How the agent hears of mentions, assignments, replies, jobs.
    #[serde(default)]
    pub notify: automation::Notify,
    /// Business hours (the team policy's replace them).
    #[serde(default)]
    pub hours: Option<policy::Hours>,
    /// Service-level targets (the team policy's replace them).
    #[serde(default)]
    pub sla: policy::Sla,
}

/// The roles `[theme]` may colour (the TUI's `ui::theme::Theme`).
pub const THEME_ROLES: &[&str] = &[
    "preset", "cursor", "marked", "dim", "accent", "heading", "good", "bad", "notice", "bar",
    "banner", "title", "alarm",
];

#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    pub name: String,
    pub email: String,
    /// The agent's signature, above the team's.
    #[serde(default)]
    pub signature: String,
}

#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Team {
    pub name: String,
    pub address: String,
    /// Prints the team's shared key (authenticates team events).
    pub key_command: Option<String>,
    /// Prints this agent's own signing key (64 hex digits; see `replypad
    /// team join`). Unset: the key file `replypad team init`/`join` writes.
    #[serde(default)]
    pub signing_key_command: Option<String>,
    /// The From display name of replies; `{agent}` and `{team}` are filled in.
    #[serde(default = "default_from_format")]
    pub from_format: String,
    /// The team's signature, below the agent's.
    #[serde(default)]
    pub signature: String,
    /// Other addresses that reach the team (help@, billing@): never
    /// added to a reply's recipients.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// A checkpoint of the team log (archive and snapshot, so a new agent
    /// need not replay it message by message) is written once the log
    /// has grown by this many events since the last one; 0: checkpoints
    /// are neither written nor read.
    #[serde(default = "default_checkpoint_every")]
    pub checkpoint_every: u32,
}

fn default_checkpoint_every() -> u32 {
    10_000
}

#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Imap {
    pub host: String,
    #[serde(default = "default_imap_port")]
    pub port: u16,
    #[serde(default)]
    pub tls: Tls,
    pub user: String,
    pub password_command: Option<String>,
    pub oauth_token_command: Option<String>,
    /// A PEM certificate (or CA) to trust for this server, e.g. a self-signed one.
    pub ca_file: Option<PathBuf>,
    /// How many connections a running TUI or daemon may hold at once
    /// (the team shares one login, and servers cap connections per login
    /// and address). A CLI command always uses one.
    #[serde(default = "default_max_connections")]
    pub max_connections: u8,
    /// COMPRESS=DEFLATE (RFC 4978) where the server offers it: true,
    /// false, or unset for "unless the server is on this machine" (on
    /// loopback it only costs CPU).
    #[serde(default)]
    pub compress: Option<bool>,
}

#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Smtp {
    pub host: String,
    #[serde(default = "default_smtp_port")]
    pub port: u16,
    #[serde(default)]
    pub tls: Tls,
    pub user: Option<String>,
    pub password_command: Option<String>,
    /// Prints an OAuth2 access token: AUTH XOAUTH2 (Microsoft 365, Gmail).
    pub oauth_token_command: Option<String>,
    pub ca_file: Option<PathBuf>,
    /// The provider files sent mail in Sent itself (Gmail does): replypad
    /// then does not APPEND its own copy.
    #[serde(default)]
    pub provider_saves_sent: bool,
}

#[derive(Clone, Debug, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Cache {
    /// Where the SQLite cache lives; default the XDG cache dir.
    pub dir: Option<PathBuf>,
}

#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Folders {
    #[serde(default = "default_inbox")]
    pub inbox: Vec<String>,
    /// The Sent folder; default: the one marked `\Sent`, else "Sent".
    pub sent: Option<String>,
    /// Prefix of replypad's own folders (`Replypad/Log`, ...).
    #[serde(default = "default_prefix")]
    pub prefix: String,
    /// Where `archive` files conversations; default: the folder marked
    /// `\Archive`, else "Archive" (created when first needed).
    pub archive: Option<String>,
    /// Where `spam` files them; default: `\Junk`, else "Junk" or "Spam".
    pub spam: Option<String>,
    /// Where `trash` files them; default: `\Trash`, else "Trash".
    pub trash: Option<String>,
}

impl Default for Folders {
    fn default() -> Self {
        Folders {
            inbox: default_inbox(),
            sent: None,
            prefix: default_prefix(),
            archive: None,
            spam: None,
            trash: None,
        }
    }
}

fn default_from_format() -> String {
    "{agent} at {team}".into()
}
fn default_split_width() -> u16 {
    140
}

fn default_undo_send() -> u32 {
    10
}

pub fn default_max_connections() -> u8 {
    2
}

fn default_imap_port() -> u16 {
    993
}
fn default_smtp_port() -> u16 {
    465
}
fn default_inbox() -> Vec<String> {
    vec!["INBOX".into()]
}
fn default_prefix() -> String {
    "Replypad".into()
}

/// The demo team: handle, name. Dana is the default agent.
pub const DEMO_TEAM: &[(&str, &str)] = &[
    ("dana", "Dana Demo"),
    ("sam", "Sam Okafor"),
    ("lee", "Lee Park"),
];

impl Config {
    /// Reads and validates the config at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let raw = match std::fs::read_to_string(path) {
            Ok(r) => r,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ConfigError::Missing {
                    path: path.to_path_buf(),
                });
            }
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        Config::parse(&raw).map_err(|message| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Parses and validates config text; the error names key and line.
    pub fn parse(raw: &str) -> Result<Config, String> {
        validate::no_inline_secrets(raw)?;
        let cfg: Config = toml::from_str(raw).map_err(|e| e.to_string().trim_end().to_string())?;
        validate::check(&cfg, raw)?;
        for (name, query) in &cfg.views {
            crate::domain::search::parse(query)
                .map_err(|e| format!("views.{name:?}: the search {query:?} is not valid: {e}"))?;
        }
        Ok(cfg)
    }

    /// The configuration `replypad demo` runs with: no servers at all.
    /// The demo account as one of [`DEMO_TEAM`] (`dana`, `sam`, `lee`).
    pub fn demo_as(agent: &str) -> anyhow::Result<Config> {
        let handle = agent.trim().to_ascii_lowercase();
        let handle = handle.split('@').next().unwrap_or_default();
        let Some((h, name)) = DEMO_TEAM.iter().find(|(h, _)| *h == handle) else {
            let team: Vec<&str> = DEMO_TEAM.iter().map(|(h, _)| *h).collect();
            anyhow::bail!(
                "{:?} is not on the demo team: it is {}",
                crate::mail::sanitize::line(agent),
                team.join(", ")
            );
        };
        let mut cfg = Config::demo();
        cfg.identity = Identity {
            name: (*name).into(),
            email: format!("{h}@example.com"),
            signature: name.split(' ').next().unwrap_or(name).into(),
        };
        Ok(cfg)
    }

    pub fn demo() -> Config {
        Config {
            timezone: None,
            undo_send: default_undo_send(),
            assign_on_reply: false,
            split_width: default_split_width(),
            identity: Identity {
                name: "Dana Demo".into(),
                email: "dana@example.com".into(),
                signature: "Dana".into(),
            },
            team: Team {
                name: "Example Support".into(),
                address: "support@example.com".into(),
                key_command: None,
                signing_key_command: None,
                from_format: default_from_format(),
                signature: "Example Support · help.example.com".into(),
                aliases: Vec::new(),
                checkpoint_every: default_checkpoint_every(),
            },
            imap: None,
            smtp: None,
            automation: automation::Automation::default(),
            notify: automation::Notify::default(),
            hours: None,
            sla: policy::Sla {
                first_response: Some("4h".into()),
                next_response: Some("1d".into()),
                resolution: Some("3d".into()),
                label: [(
                    "urgent".to_string(),
                    policy::SlaTargets {
                        first_response: Some("1h".into()),
                        ..Default::default()
                    },
                )]
                .into(),
            },
            cache: Cache::default(),
            folders: Folders::default(),
            labels: [
                ("billing", "yellow"),
                ("bug", "red"),
                ("feature", "cyan"),
                ("urgent", "magenta"),
            ]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
            keymap: BTreeMap::new(),
            review: Default::default(),
            tone: Default::default(),
            theme: BTreeMap::new(),
            views: [("Unread billing", "label:billing is:unread")]
                .into_iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        }
    }

    /// The agent's time zone, when the config names one (validated at load).
    pub fn time_zone(&self) -> Option<chrono_tz::Tz> {
        self.timezone.as_deref().and_then(|t| t.parse().ok())
    }

    /// The tone rules in force: the bundled ones plus the config's.
    pub fn tone_rules(&self) -> crate::domain::tone::Rules {
        let mut r = crate::domain::tone::bundled();
        r.avoid.extend(self.tone.avoid.iter().cloned());
        r.block = self.tone.block;
        r
    }

    /// The cache database for this account.
    pub fn cache_file(&self) -> PathBuf {
        let dir = self
            .cache
            .dir
            .clone()
            .unwrap_or_else(crate::paths::default_cache_dir);
        let account = match &self.imap {
            Some(i) => format!("{}@{}", i.user, i.host),
            None => self.team.address.clone(),
        };
        dir.join(format!(
            "{}.sqlite3",
            crate::paths::safe_file_name(&account)
        ))
    }
}

#[cfg(test)]
mod tests;
