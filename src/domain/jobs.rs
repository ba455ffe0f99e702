//! Automation jobs (automatic acknowledgements, replies sent later,
//! scheduled updates) kept in the team log, so that every running daemon
//! and TUI agrees whose each job is, with no server of our own: a runner
//! appends a claim; the first counted claim in log order owns the job
//! (unless a rate rule holds it back); the owner does the work and appends
//! the result. Pure: the fold, the rate rules, the words.

use super::events::{Event, EventKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What kind of job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum What {
    /// An automatic acknowledgement of a new conversation.
    Acknowledge,
    /// A reply an agent wrote, sent later.
    Send,
    /// An update sent unless the conversation moves first.
    Update,
}

impl What {
    pub fn as_str(self) -> &'static str {
        match self {
            What::Acknowledge => "acknowledgement",
            What::Send => "scheduled reply",
            What::Update => "scheduled update",
        }
    }

    /// Whether it goes out with no agent at the keyboard (the rate rules
    /// and the daily cap apply).
    pub fn automatic(self) -> bool {
        !matches!(self, What::Send)
    }
}

impl std::fmt::Display for What {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A job an agent scheduled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum JobSpec {
    /// A message built when it was scheduled (`raw`: base64 of its bytes),
    /// sent at `due`; its `Date` is set when it goes. With `approval`
    /// (draft id, content hash), only once a reviewer approved that text.
    Send {
        due: i64,
        message_id: String,
        subject: String,
        mail_from: String,
        rcpt: Vec<String>,
        raw: String,
        draft: Option<String>,
        approval: Option<(String, String)>,
    },
    /// `body` sent to the customer at `due`, unless the customer writes,
    /// an agent replies or the status changes first.
    Update {
        due: i64,
        subject: String,
        body: String,
    },
}

impl JobSpec {
    pub fn due(&self) -> i64 {
        match self {
            JobSpec::Send { due, .. } | JobSpec::Update { due, .. } => *due,
        }
    }

    pub fn what(&self) -> What {
        match self {
            JobSpec::Send { .. } => What::Send,
            JobSpec::Update { .. } => What::Update,
        }
    }

    pub fn describe(&self, when: impl Fn(i64) -> String) -> String {
        // "scheduled reply for …" (the kind says it is scheduled).
        format!("{} for {}", self.what(), when(self.due()))
    }
}

/// How a job ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum JobOutcome {
    Sent {
        message_id: String,
    },
    /// Not sent, on purpose (the conversation moved, a safety rule).
    Skipped {
        reason: String,
    },
    /// Refused for good by the SMTP server, or could not be built.
    Failed {
        reason: String,
    },
    /// Interrupted after the message may have left: an agent decides.
    Unknown {
        reason: String,
    },
}

impl JobOutcome {
    pub fn describe(&self) -> String {
        match self {
            JobOutcome::Sent { .. } => "sent".into(),
            JobOutcome::Skipped { reason } => format!("skipped: {reason}"),
            JobOutcome::Failed { reason } => format!("failed: {reason}"),
            JobOutcome::Unknown { reason } => format!("delivery unknown: {reason}"),
        }
    }

    /// Whether a message may have gone (it counts for the rate rules).
    fn may_have_gone(&self) -> bool {
        matches!(self, JobOutcome::Sent { .. } | JobOutcome::Unknown { .. })
    }
}

/// The id of the acknowledgement job of a conversation.
pub fn ack_job(conversation: &str) -> String {
    format!("ack-{conversation}")
}

/// The rate rules for automatic messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rules {
    /// Seconds within which a sender gets at most one acknowledgement.
    pub ack_once_per: i64,
    /// Automatic messages one address may get in 24 hours (the last loop
    /// breaker; 0: no cap).
    pub daily_cap: u32,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            ack_once_per: 7 * 86_400,
            daily_cap: 3,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Claim {
    pub runner: String,
    pub agent: String,
    pub at: i64,
    /// In the log (only counted claims can own a job).
    pub counted: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Done {
    pub runner: String,
    pub at: i64,
    pub outcome: JobOutcome,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Cancelled {
    pub by: String,
    pub at: i64,
    pub reason: String,
}

/// One job as the log tells it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Job {
    pub id: String,
    pub conversation: String,
    pub what: What,
    #[serde(skip)]
    pub spec: Option<JobSpec>,
    pub due: Option<i64>,
    pub scheduled_by: Option<String>,
    /// When it was (last) scheduled.
    pub scheduled_at: Option<i64>,
    pub to: Option<String>,
    pub claims: Vec<Claim>,
    pub owner: Option<Claim>,
    /// Why no claim could own it (a rate rule).
    pub held_back: Option<String>,
    /// The daily cap held it back: an agent should look.
    pub alert: bool,
    pub done: Option<Done>,
    pub cancelled: Option<Cancelled>,
}

/// Where a job stands, in one word for lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Pending,
    Running,
    Done,
    Failed,
    /// Interrupted where the message may have gone: an agent decides.
    Unknown,
    Skipped,
    Cancelled,
}

impl State {
    /// Not run yet: what waits to be sent, and may still be cancelled.
    pub fn waiting(self) -> bool {
        matches!(self, State::Pending | State::Running)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Running => "running",
            State::Done => "done",
            State::Failed => "failed",
            State::Unknown => "delivery unknown",
            State::Skipped => "skipped",
            State::Cancelled => "cancelled",
        }
    }
}

impl Job {
    fn new(id: &str, conversation: &str, what: What) -> Job {
        Job {
            id: id.to_string(),
            conversation: conversation.to_string(),
            what,
            spec: None,
            due: None,
            scheduled_by: None,
            scheduled_at: None,
            to: None,
            claims: Vec::new(),
            owner: None,
            held_back: None,
            alert: false,
            done: None,
            cancelled: None,
        }
    }

    pub fn state(&self) -> State {
        match (&self.done, &self.cancelled, &self.owner, &self.held_back) {
            (Some(d), _, _, _) => match d.outcome {
                JobOutcome::Sent { .. } => State::Done,
                JobOutcome::Skipped { .. } => State::Skipped,
                JobOutcome::Failed { .. } => State::Failed,
                JobOutcome::Unknown { .. } => State::Unknown,
            },
            (None, Some(_), _, _) => State::Cancelled,
            (None, None, Some(_), _) => State::Running,
            (None, None, None, Some(_)) => State::Skipped,
            (None, None, None, None) => State::Pending,
        }
    }

    /// Whether `runner` may still claim it: nobody owns it, it is not
    /// finished, and `runner` has not claimed it already.
    pub fn claimable_by(&self, runner: &str) -> bool {
        self.state() == State::Pending && !self.claims.iter().any(|c| c.runner == runner)
    }

    /// Whether `runner` owns it and it is not finished.
    pub fn owned_by(&self, runner: &str) -> bool {
        self.done.is_none() && self.owner.as_ref().is_some_and(|c| c.runner == runner)
    }

    /// What happened, in a few words; `when` writes a time (the agent's
    /// zone on screen).
    pub fn describe(&self, when: impl Fn(i64) -> String) -> String {
        if let Some(d) = &self.done {
            return d.outcome.describe();
        }
        if let Some(c) = &self.cancelled {
            return format!("cancelled by {}: {}", c.by, c.reason);
        }
        if let Some(o) = &self.owner {
            return format!("being sent by {}", o.runner);
        }
        if let Some(h) = &self.held_back {
            return format!("held back: {h}");
        }
        match self.due {
            Some(d) => format!("due {}", when(d)),
            None => "due now".into(),
        }
    }
}

/// The jobs the automation events tell, folded in log order: `events`
/// are the counted ones in UID order, then (`counted` false) this
/// client's own that the log has not given back yet.
pub fn fold<'a>(
    events: impl IntoIterator<Item = (bool, &'a Event)>,
    rules: &Rules,
) -> BTreeMap<String, Job> {
    let events: Vec<(bool, &Event)> = events.into_iter().collect();
    // How each job ended, wherever its result is in the log: a job whose
    // owner sent nothing does not count for the rate rules.
    let mut ended: BTreeMap<&str, &JobOutcome> = BTreeMap::new();
    for (_, e) in &events {
        if let EventKind::JobDone { job, outcome, .. } = &e.kind {
            ended.insert(job, outcome);
        }
    }
    let mut jobs: BTreeMap<String, Job> = BTreeMap::new();
    for (counted, e) in events {
        match &e.kind {
            EventKind::Job { job, spec } => {
                let j = jobs
                    .entry(job.clone())
                    .or_insert_with(|| Job::new(job, &e.conversation, spec.what()));
                // Rescheduled: the latest counts until someone owns it.
                if j.owner.is_none() && j.done.is_none() && j.cancelled.is_none() {
                    j.what = spec.what();
                    j.due = Some(spec.due());
                    j.spec = Some(spec.clone());
                    j.scheduled_by = Some(e.agent.clone());
                    j.scheduled_at = Some(e.at);
                }
            }
            EventKind::JobClaim {
                job,
                runner,
                what,
                to,
            } => {
                let claim = Claim {
                    runner: runner.clone(),
                    agent: e.agent.clone(),
                    at: e.at,
                    counted,
                };
                let open = jobs
                    .get(job)
                    .is_none_or(|j| j.owner.is_none() && j.done.is_none() && j.cancelled.is_none());
                let held = if counted && open {
                    held_back(&jobs, &ended, job, *what, to.as_deref(), e.at, rules)
                } else {
                    None
                };
                let j = jobs
                    .entry(job.clone())
                    .or_insert_with(|| Job::new(job, &e.conversation, *what));
                if j.to.is_none() {
                    j.to = to.clone();
                }
                j.claims.push(claim.clone());
                if counted && open {
                    match held {
                        Some((why, alert)) => {
                            j.held_back = Some(why);
                            j.alert |= alert;
                        }
                        None => {
                            j.owner = Some(claim);
                            j.held_back = None;
                        }
                    }
                }
            }
            EventKind::JobDone {
                job,
                runner,
                outcome,
            } => {
                if let Some(j) = jobs.get_mut(job)
                    && j.done.is_none()
                    && j.owner
                        .as_ref()
                        .is_some_and(|o| o.runner == *runner && o.agent == e.agent)
                {
                    j.done = Some(Done {
                        runner: runner.clone(),
                        at: e.at,
                        outcome: outcome.clone(),
                    });
                }
            }
            EventKind::JobCancel { job, reason } => {
                if let Some(j) = jobs.get_mut(job)
                    && j.done.is_none()
                    && j.cancelled.is_none()
                {
                    j.cancelled = Some(Cancelled {
                        by: e.agent.clone(),
                        at: e.at,
                        reason: reason.clone(),
                    });
                }
            }
            _ => {}
        }
    }
    jobs
}

/// Why a claim made at `at` cannot own job `job` (and whether an agent
/// should be told), by the rate rules over the jobs owned before it.
fn held_back(
    jobs: &BTreeMap<String, Job>,
    ended: &BTreeMap<&str, &JobOutcome>,
    job: &str,
    what: What,
    to: Option<&str>,
    at: i64,
    rules: &Rules,
) -> Option<(String, bool)> {
    let to = to?;
    if !what.automatic() {
        return None;
    }
    let earlier = jobs.values().filter(|j| {
        j.id != job
            && j.what.automatic()
            && j.to.as_deref().is_some_and(|t| t.eq_ignore_ascii_case(to))
            && ended.get(j.id.as_str()).is_none_or(|o| o.may_have_gone())
    });
    let mut today = 0u32;
    for j in earlier {
        let Some(o) = &j.owner else { continue };
        if what == What::Acknowledge
            && j.what == What::Acknowledge
            && o.at > at - rules.ack_once_per
            && o.at <= at
        {
            return Some((
                format!(
                    "{to} was acknowledged at {} (at most once per {} days)",
                    super::when::utc_text(o.at),
                    rules.ack_once_per / 86_400
                ),
                false,
            ));
        }
        if o.at > at - 86_400 && o.at <= at {
            today += 1;
        }
    }
    (rules.daily_cap > 0 && today >= rules.daily_cap).then(|| {
        (
            format!(
                "{to} already got {today} automatic messages in 24 hours (the daily cap): a mail loop?"
            ),
            true,
        )
    })
}

#[cfg(test)]
#[path = "jobs_tests.rs"]
mod tests;
