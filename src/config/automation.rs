//! `[automation]` (what the daemon, or a TUI with `run_in_tui`, does by
//! itself) and `[notify]` (how the agent hears of what concerns them).
//! The team policy's `[automation]` replaces the team-wide rules.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Automation {
    /// Acknowledge new customer conversations automatically (only mail
    /// that arrives after this is switched on).
    #[serde(default)]
    pub acknowledge: bool,
    /// The template of an acknowledgement in business hours, and out of them.
    #[serde(default = "default_template")]
    pub template: String,
    #[serde(default = "default_template_closed")]
    pub template_closed: String,
    /// A sender gets at most one acknowledgement in this many days.
    #[serde(default = "default_once_per_days")]
    pub ack_once_per_days: u32,
    /// Automatic messages one address may get in 24 hours (0: no cap).
    #[serde(default = "default_daily_cap")]
    pub daily_cap: u32,
    /// Run the jobs in the TUI too (not only in `replypad daemon`).
    #[serde(default)]
    pub run_in_tui: bool,
    /// Seconds between the daemon's passes when no IDLE news comes.
    #[serde(default = "default_poll")]
    pub poll: u64,
}

impl Default for Automation {
    fn default() -> Automation {
        Automation {
            acknowledge: false,
            template: default_template(),
            template_closed: default_template_closed(),
            ack_once_per_days: default_once_per_days(),
            daily_cap: default_daily_cap(),
            run_in_tui: false,
            poll: default_poll(),
        }
    }
}

impl Automation {
    pub fn rules(&self) -> crate::domain::jobs::Rules {
        crate::domain::jobs::Rules {
            ack_once_per: i64::from(self.ack_once_per_days) * 86_400,
            daily_cap: self.daily_cap,
        }
    }
}

/// The team policy's `[automation]`: the rules every agent's runner follows.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TeamAutomation {
    #[serde(default)]
    pub acknowledge: bool,
    #[serde(default = "default_template")]
    pub template: String,
    #[serde(default = "default_template_closed")]
    pub template_closed: String,
    #[serde(default = "default_once_per_days")]
    pub ack_once_per_days: u32,
    #[serde(default = "default_daily_cap")]
    pub daily_cap: u32,
}

impl TeamAutomation {
    pub fn apply_to(&self, a: &mut Automation) {
        a.acknowledge = self.acknowledge;
        a.template = self.template.clone();
        a.template_closed = self.template_closed.clone();
        a.ack_once_per_days = self.ack_once_per_days;
        a.daily_cap = self.daily_cap;
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Notify {
    /// Run for each notification, given it as JSON on stdin (the daemon
    /// and the TUI): `notify-send`, a chat webhook.
    #[serde(default)]
    pub command: Option<String>,
    /// Ring the terminal bell and send a desktop notification (OSC 9 and
    /// 777) from the TUI. Unset: on, except over ssh.
    #[serde(default)]
    pub terminal: Option<bool>,
}

impl Notify {
    pub fn terminal_on(&self) -> bool {
        self.terminal
            .unwrap_or_else(|| std::env::var_os("SSH_CONNECTION").is_none())
    }
}

fn default_template() -> String {
    "auto-acknowledgement".into()
}

fn default_template_closed() -> String {
    "auto-acknowledgement-closed".into()
}

fn default_once_per_days() -> u32 {
    7
}

fn default_daily_cap() -> u32 {
    3
}

fn default_poll() -> u64 {
    30
}
