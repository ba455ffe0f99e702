//! The automation as a service every runner calls (`replypad daemon`, a
//! TUI with `[automation] run_in_tui`): automatic acknowledgements,
//! replies sent later, scheduled updates. Exactly once across every
//! runner (../shared/DESIGN.md, "Exactly-once automation"): a runner
//! claims a due job in the team log; the first counted claim owns it
//! (`domain::jobs`); the owner queues the message in its outbox under the
//! job's Message-ID and records the result when the outbox has one.
//!
//! Each call of [`Desk::run_jobs`] is one step of a state machine kept in
//! the log and in `job_runs`, so it resumes after a crash at any point: a
//! claim with nothing queued is done now; a queued message is the
//! outbox's (which never resends by itself, `store::outbox`); a claim this
//! cache has no record of (rebuilt since) is "delivery unknown" unless
//! Sent holds its Message-ID.

use super::{Delivery, Desk};
use crate::domain::compose::{Draft, DraftKind, DraftState};
use crate::domain::events::{EventKind, TEAM};
use crate::domain::jobs::{self, Job, JobOutcome, JobSpec, State, What};
use crate::store::{NewOutgoing, OutboxState};
use anyhow::{Context, Result, bail};
use base64::Engine;
use serde::Serialize;

/// What one run of the jobs did (typed; the front ends word it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JobsReport {
    /// Jobs this runner claimed.
    pub claimed: Vec<String>,
    /// Jobs whose message this runner queued.
    pub queued: Vec<String>,
    /// Jobs this runner finished, and how.
    pub finished: Vec<(String, JobOutcome)>,
    /// Jobs an agent should look at (the daily cap tripped).
    pub alerts: Vec<String>,
}

impl JobsReport {
    pub fn is_empty(&self) -> bool {
        self.claimed.is_empty() && self.queued.is_empty() && self.finished.is_empty()
    }
}

/// One line of `replypad jobs`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct JobLine {
    pub id: String,
    pub conversation: String,
    /// The conversation's subject (empty when the cache does not hold it).
    pub subject: String,
    pub what: What,
    pub state: State,
    pub due: Option<i64>,
    pub to: Option<String>,
    /// The runner that owns it.
    pub runner: Option<String>,
    pub scheduled_by: Option<String>,
    pub detail: String,
    pub alert: bool,
}

impl JobLine {
    fn of(j: &Job, zone: Option<chrono_tz::Tz>) -> JobLine {
        JobLine {
            id: j.id.clone(),
            conversation: j.conversation.clone(),
            subject: String::new(),
            what: j.what,
            state: j.state(),
            due: j.due,
            to: j.to.clone(),
            runner: j.owner.as_ref().map(|o| o.runner.clone()),
            scheduled_by: j.scheduled_by.clone(),
            detail: j.describe(|t| crate::domain::when::local_text(t, zone)),
            alert: j.alert,
        }
    }
}

/// A job scheduled, or why not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scheduled {
    Job { id: String, delivery: Delivery },
    Blocked(super::Blocked),
}

fn domain_of(addr: &str) -> &str {
    addr.rsplit_once('@').map_or("replypad.invalid", |(_, d)| d)
}

impl Desk {
    /// Who runs jobs here: the agent, the machine and (a hash of) the
    /// cache, the same after a restart and different for each cache.
    pub fn runner(&self) -> String {
        let mut host = [0u8; 256];
        // SAFETY: gethostname writes at most `len` bytes into the buffer.
        let ok = unsafe { libc::gethostname(host.as_mut_ptr().cast(), host.len()) } == 0;
        let end = host.iter().position(|&b| b == 0).unwrap_or(0);
        let host = if ok {
            String::from_utf8_lossy(&host[..end]).into_owned()
        } else {
            "unknown".into()
        };
        let path = self.cfg.cache_file();
        let hash = crate::domain::roster::code_hash(&path.to_string_lossy());
        format!("{} on {host}/{}", self.me(), &hash[..8.min(hash.len())])
    }

    fn job_rules(&self) -> jobs::Rules {
        self.cfg.automation.rules()
    }

    /// The jobs as the log tells them.
    pub fn jobs(&self) -> Result<Vec<Job>> {
        let events = self.store.job_events()?;
        let folded = jobs::fold(events.iter().map(|(c, e)| (*c, e)), &self.job_rules());
        let mut v: Vec<Job> = folded.into_values().collect();
        v.sort_by_key(|j| (j.due.unwrap_or(0), j.id.clone()));
        Ok(v)
    }

    /// `replypad jobs`: the log's jobs, and the new conversations an
    /// acknowledgement will not answer (and why).
    pub fn job_lines(&self) -> Result<Vec<JobLine>> {
        let jobs = self.jobs()?;
        let zone = self.cfg.time_zone();
        let mut lines: Vec<JobLine> = jobs.iter().map(|j| JobLine::of(j, zone)).collect();
        if let Some(since) = self.store.acknowledging_since()? {
            for c in self.store.ack_candidates(since)? {
                let id = jobs::ack_job(&c.conversation);
                if jobs.iter().any(|j| j.id == id) {
                    continue;
                }
                let (state, detail) = match self.ack_refusal(&c, &jobs)? {
                    Some(why) => (State::Skipped, format!("not acknowledged: {why}")),
                    None => (State::Pending, "due now".into()),
                };
                lines.push(JobLine {
                    id,
                    conversation: c.conversation,
                    subject: String::new(),
                    what: What::Acknowledge,
                    state,
                    due: Some(c.arrived),
                    to: Some(c.from_email),
                    runner: None,
                    scheduled_by: None,
                    detail,
                    alert: false,
                });
            }
        }
        for l in &mut lines {
            l.subject = self.store.subject_of(&l.conversation)?.unwrap_or_default();
        }
        Ok(lines)
    }

    /// The next scheduled job of a conversation that has not run yet.
    pub fn next_job(&self, conversation: &str) -> Result<Option<Job>> {
        Ok(self
            .jobs()?
            .into_iter()
            .find(|j| j.conversation == conversation && j.state().waiting()))
    }

    fn team_addresses(&self) -> Result<Vec<String>> {
        let mut v = vec![self.cfg.team.address.clone(), self.me().to_string()];
        v.extend(self.cfg.team.aliases.iter().cloned());
        v.extend(self.known_agents()?);
        Ok(v)
    }

    /// Why a new conversation gets no acknowledgement (None: it may).
    fn ack_refusal(&self, c: &crate::store::AckCandidate, jobs: &[Job]) -> Result<Option<String>> {
        if let Some(why) = crate::mail::autoreply::refusal_for_team(
            c.refusal.as_deref(),
            &c.from_email,
            &c.message_id,
            &self.team_addresses()?,
        ) {
            return Ok(Some(why));
        }
        let rules = self.job_rules();
        let to = c.from_email.to_ascii_lowercase();
        let recent = jobs.iter().find(|j| {
            j.what == What::Acknowledge
                && j.to.as_deref().is_some_and(|t| t.eq_ignore_ascii_case(&to))
                && j.owner
                    .as_ref()
                    .is_some_and(|o| o.at > c.arrived - rules.ack_once_per)
                && !matches!(j.state(), State::Skipped | State::Failed | State::Cancelled)
        });
        Ok(recent.map(|j| {
            format!(
                "{to} was acknowledged in conversation {} (at most once per {} days)",
                j.conversation,
                rules.ack_once_per / 86_400
            )
        }))
    }

    /// Keeps the log's acknowledgement switch as the rules say: a runner
    /// whose rules acknowledge turns it on; only a team policy turns it off.
    fn switch_acknowledgements(&mut self, now: i64) -> Result<()> {
        let on = self.store.acknowledging_since()?.is_some();
        let want = self.cfg.automation.acknowledge;
        let policy_says = self.team_policy()?.is_some_and(|p| p.automation.is_some());
        if want && !on || !want && on && policy_says {
            self.record_act(TEAM, EventKind::Automation { acknowledge: want }, now)?;
        }
        Ok(())
    }

    /// One step of every job this runner can move: finish what it owns,
    /// claim what is due. Inline (CLI, daemon), steps repeat until
    /// nothing moves; with a background worker (TUI), the worker's next
    /// notice brings the log back and the caller runs it again.
    pub fn run_jobs(&mut self, now: i64) -> Result<JobsReport> {
        self.check_member()?;
        if self.team_key().is_none() {
            bail!("automation needs team state: set team.key_command in the config");
        }
        let mut report = JobsReport::default();
        for _ in 0..6 {
            let before = report.clone();
            self.jobs_step(now, &mut report)?;
            let delivery = self.push();
            let sent = self.send(false)?;
            let moved = report != before || sent.report.sent > 0;
            if delivery != Delivery::Done || !moved {
                break;
            }
        }
        Ok(report)
    }

    fn jobs_step(&mut self, now: i64, report: &mut JobsReport) -> Result<()> {
        let runner = self.runner();
        self.switch_acknowledgements(now)?;
        let jobs = self.jobs()?;
        for j in jobs.iter().filter(|j| j.owned_by(&runner)) {
            self.work_owned(j, now, report)?;
        }
        for j in &jobs {
            if j.alert && !report.alerts.contains(&j.id) {
                report.alerts.push(j.id.clone());
            }
        }
        // Scheduled jobs that are due.
        for j in jobs.iter().filter(|j| j.claimable_by(&runner)) {
            let Some(spec) = &j.spec else { continue };
            if spec.due() > now {
                continue;
            }
            if let JobSpec::Send {
                approval: Some((draft, hash)),
                ..
            } = spec
                && !self.approved(draft, hash)?
            {
                continue;
            }
            let to = match spec {
                JobSpec::Update { .. } => self.reply_to_address(&j.conversation)?,
                JobSpec::Send { .. } => None,
            };
            self.claim(j.id.clone(), &j.conversation, spec.what(), to, now, report)?;
        }
        // New conversations to acknowledge.
        if !self.cfg.automation.acknowledge {
            return Ok(());
        }
        let Some(since) = self.store.acknowledging_since()? else {
            return Ok(());
        };
        for c in self.store.ack_candidates(since)? {
            let id = jobs::ack_job(&c.conversation);
            if jobs.iter().any(|j| j.id == id) || self.ack_refusal(&c, &jobs)?.is_some() {
                continue;
            }
            let to = self.reply_to_address(&c.conversation)?;
            self.claim(id, &c.conversation, What::Acknowledge, to, now, report)?;
        }
        Ok(())
    }

    fn claim(
        &mut self,
        job: String,
        conversation: &str,
        what: What,
        to: Option<String>,
        now: i64,
        report: &mut JobsReport,
    ) -> Result<()> {
        // Another process on this machine (same cache) may be at it.
        if self.store.take_job(&job)?.is_none() {
            return Ok(());
        }
        let runner = self.runner();
        self.record_act(
            conversation,
            EventKind::JobClaim {
                job: job.clone(),
                runner,
                what,
                to,
            },
            now,
        )?;
        crate::fault::crash_point("after-job-claim");
        report.claimed.push(job);
        Ok(())
    }

    /// Whom an automatic message answering `ctx` goes to: the sender (or
    /// their Reply-To), never the team, never the Cc.
    fn automatic_recipients(
        &self,
        ctx: &crate::store::ReplyContext,
    ) -> Result<Vec<crate::domain::Address>> {
        let us = self.team_addresses()?;
        Ok(
            crate::domain::recipients::reply(
                &ctx.from,
                &ctx.reply_to,
                &ctx.to,
                &ctx.cc,
                &us,
                false,
            )
            .0,
        )
    }

    /// The address an automatic message to `conversation` goes to.
    fn reply_to_address(&self, conversation: &str) -> Result<Option<String>> {
        let Some(ctx) = self.store.reply_context(conversation)? else {
            return Ok(None);
        };
        let to = self.automatic_recipients(&ctx)?;
        Ok(to.first().map(|a| a.email.to_ascii_lowercase()))
    }

    fn job_message_id(&self, j: &Job) -> String {
        match &j.spec {
            Some(JobSpec::Send { message_id, .. }) => message_id.clone(),
            _ => format!("{}@{}", j.id, domain_of(&self.cfg.team.address)),
        }
    }

    fn work_owned(&mut self, j: &Job, now: i64, report: &mut JobsReport) -> Result<()> {
        let Some(before) = self.store.take_job(&j.id)? else {
            return Ok(());
        };
        let mid = self.job_message_id(j);
        if let Some(row) = self.store.outbox_by_message_id(&mid)? {
            let why = || row.last_error.clone().unwrap_or_default();
            let outcome = match row.state {
                OutboxState::Sent => JobOutcome::Sent { message_id: mid },
                OutboxState::Failed => JobOutcome::Failed { reason: why() },
                OutboxState::Unknown => JobOutcome::Unknown { reason: why() },
                OutboxState::Queued | OutboxState::Sending => return Ok(()),
            };
            return self.finish(j, outcome, now, report);
        }
        if before.is_none() {
            // Claimed here, but this cache has no record of it (rebuilt
            // since): Sent tells whether it went; else an agent decides.
            let outcome = if self.store.in_sent(&mid)? {
                JobOutcome::Sent { message_id: mid }
            } else {
                JobOutcome::Unknown {
                    reason: "this runner's cache has no record of the job (rebuilt after the claim?) and Sent does not hold it: send it again by hand if it is still needed".into(),
                }
            };
            return self.finish(j, outcome, now, report);
        }
        if let Some(c) = &j.cancelled {
            let reason = format!("cancelled by {}", c.by);
            return self.finish(j, JobOutcome::Skipped { reason }, now, report);
        }
        let built = match (&j.spec, j.what) {
            (Some(JobSpec::Send { .. }), _) => self.scheduled_message(j),
            (Some(JobSpec::Update { body, .. }), _) => {
                let since = j.scheduled_at.unwrap_or(now);
                if let Some(why) = self.store.moved_since(&j.conversation, since)? {
                    let reason = format!("{why} before it was due");
                    return self.finish(j, JobOutcome::Skipped { reason }, now, report);
                }
                self.automatic_message(&j.conversation, body, &mid, "auto-generated", now)
            }
            (None, What::Acknowledge) => {
                if self.store.answered(&j.conversation)? {
                    let reason = "an agent answered first".to_string();
                    return self.finish(j, JobOutcome::Skipped { reason }, now, report);
                }
                let body = self.ack_text(&j.conversation, now)?;
                self.automatic_message(&j.conversation, &body, &mid, "auto-replied", now)
            }
            (None, _) => bail!("job {} has no schedule in the log", j.id),
        };
        let (raw, subject, mail_from, rcpt) = match built {
            Ok(b) => b,
            Err(e) => {
                let reason = format!("cannot build the message: {e:#}");
                return self.finish(j, JobOutcome::Failed { reason }, now, report);
            }
        };
        self.store.queue_outgoing(&NewOutgoing {
            draft: None,
            conversation: Some(&j.conversation),
            message_id: &mid,
            subject: &subject,
            raw: &raw,
            mail_from: &mail_from,
            rcpt: &rcpt,
            hold: 0,
        })?;
        self.store.set_job_phase(&j.id, "queued", Some(&mid))?;
        report.queued.push(j.id.clone());
        Ok(())
    }

    fn finish(
        &mut self,
        j: &Job,
        outcome: JobOutcome,
        now: i64,
        report: &mut JobsReport,
    ) -> Result<()> {
        let runner = self.runner();
        self.record_act(
            &j.conversation,
            EventKind::JobDone {
                job: j.id.clone(),
                runner,
                outcome: outcome.clone(),
            },
            now,
        )?;
        self.store.set_job_phase(&j.id, "finished", None)?;
        crate::fault::crash_point("after-job-done");
        report.finished.push((j.id.clone(), outcome));
        Ok(())
    }

    /// The acknowledgement of `conversation`: the in-hours or the
    /// out-of-hours template, rendered for it.
    fn ack_text(&self, conversation: &str, now: i64) -> Result<String> {
        let a = &self.cfg.automation;
        let hours = self.cfg.hours.as_ref().and_then(|h| h.business());
        let open = hours.as_ref().is_none_or(|h| h.is_open(now));
        let name = if open {
            &a.template
        } else {
            &a.template_closed
        };
        self.render_named(conversation, name, now, true)
    }

    /// Template `name` rendered for `conversation` now, as the agent
    /// would insert it (for a scheduled update).
    pub fn render_for(&self, conversation: &str, name: &str) -> Result<String> {
        self.render_named(conversation, name, chrono::Utc::now().timestamp(), false)
    }

    /// Template `name` rendered for `conversation` at `now` (in the team's
    /// time zone where hours are set); `automatic`: signed by the team.
    /// Err when a field stays unfilled: nothing automatic asks.
    fn render_named(
        &self,
        conversation: &str,
        name: &str,
        now: i64,
        automatic: bool,
    ) -> Result<String> {
        let hours = self.cfg.hours.as_ref().and_then(|h| h.business());
        let (all, _) = crate::templates::all(&self.store, &crate::templates::personal_dir())?;
        let t = all
            .iter()
            .find(|t| t.name == *name)
            .with_context(|| format!("no template named {name:?}"))?;
        let offset = match &hours {
            Some(h) => crate::domain::when::local(now, Some(h.tz)),
            None => crate::domain::when::local(now, self.cfg.time_zone()),
        };
        let mut values =
            crate::templates::values_for(&self.store, &self.cfg, conversation, offset)?;
        if automatic {
            values.agent_name = self.cfg.team.name.clone();
            values.agent_email = self.cfg.team.address.clone();
        }
        let r = crate::templates::render::render(&t.body, &values, &Default::default())?;
        let text = r.text;
        if let Some((_, field)) = crate::templates::render::unfilled(&text).first() {
            bail!("template {name} leaves {field} unfilled");
        }
        Ok(text)
    }

    /// An automatic reply in `conversation` with `body`: to the customer
    /// (their Reply-To), threaded, marked for RFC 3834 and loops.
    fn automatic_message(
        &self,
        conversation: &str,
        body: &str,
        message_id: &str,
        auto: &str,
        now: i64,
    ) -> Result<(Vec<u8>, String, String, Vec<String>)> {
        let ctx = self
            .store
            .reply_context(conversation)?
            .context("the conversation has no message to answer")?;
        let to = self.automatic_recipients(&ctx)?;
        let draft = Draft {
            conversation: Some(conversation.to_string()),
            to: to.iter().map(crate::domain::recipients::mailbox).collect(),
            subject: crate::domain::compose::reply_subject(&ctx.subject),
            body: body.to_string(),
            in_reply_to: Some(ctx.message_id.clone()),
            references: crate::domain::compose::reply_references(&ctx.references, &ctx.message_id),
            ..Draft::new(DraftKind::Reply, self.me(), message_id.to_string(), now)
        };
        let out = crate::mail::compose::build(
            &draft,
            &self.cfg.team.name,
            &self.cfg.team.address,
            std::time::SystemTime::now(),
        )?;
        let mut raw = format!(
            "Auto-Submitted: {auto}\r\nX-Loop: {}\r\n",
            crate::mail::sanitize::line(&self.cfg.team.address)
        )
        .into_bytes();
        raw.extend_from_slice(&out.raw);
        Ok((raw, draft.subject, out.mail_from, out.rcpt))
    }

    /// A reply scheduled by an agent, dated now.
    fn scheduled_message(&self, j: &Job) -> Result<(Vec<u8>, String, String, Vec<String>)> {
        let Some(JobSpec::Send {
            raw,
            subject,
            mail_from,
            rcpt,
            ..
        }) = &j.spec
        else {
            bail!("not a scheduled reply");
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(raw)
            .context("the scheduled message in the log is not base64")?;
        Ok((
            crate::mail::compose::redate(&bytes, std::time::SystemTime::now()),
            subject.clone(),
            mail_from.clone(),
            rcpt.clone(),
        ))
    }

    /// Schedules `draft` to be sent at `due` by whichever runner is up
    /// then. A draft the team's review rules hold is sent once approved
    /// (it must have been submitted for review).
    pub fn schedule_send(&mut self, draft: &Draft, due: i64, anyway: bool) -> Result<Scheduled> {
        let approval = match self.check_send(draft, anyway)? {
            None => None,
            Some(super::Blocked::NeedsReview(why)) => {
                let shared = self.store.shared_drafts()?;
                if !shared.contains_key(&draft.id) || draft.edited_since_shared() {
                    return Ok(Scheduled::Blocked(super::Blocked::NeedsReview(format!(
                        "{why}; a scheduled reply that needs review is sent once approved, but it must be submitted first"
                    ))));
                }
                Some((draft.id.clone(), draft.content_hash()))
            }
            Some(b) => return Ok(Scheduled::Blocked(b)),
        };
        let out = crate::mail::compose::build(
            draft,
            &self.from_name(),
            &self.cfg.team.address,
            std::time::SystemTime::now(),
        )?;
        let conversation = draft
            .conversation
            .clone()
            .unwrap_or_else(|| crate::domain::thread::conversation_id(&draft.message_id));
        let id = crate::domain::events::new_event_id()[..12].to_string();
        let spec = JobSpec::Send {
            due,
            message_id: draft.message_id.clone(),
            subject: draft.subject.clone(),
            mail_from: out.mail_from,
            rcpt: out.rcpt,
            raw: base64::engine::general_purpose::STANDARD.encode(&out.raw),
            draft: Some(draft.id.clone()),
            approval,
        };
        let now = chrono::Utc::now().timestamp();
        self.record_act(
            &conversation,
            EventKind::Job {
                job: id.clone(),
                spec,
            },
            now,
        )?;
        let mut d = draft.clone();
        d.state = DraftState::Queued;
        d.updated_at = now;
        self.store.save_draft(&d)?;
        if let Some(c) = &draft.conversation {
            let _ = self.record_presence(c, false);
        }
        let delivery = self.push();
        Ok(Scheduled::Job { id, delivery })
    }

    /// Schedules an update to the customer of `conversation` at `due`,
    /// sent unless the customer writes, an agent replies or the status
    /// changes first.
    pub fn schedule_update(
        &mut self,
        conversation: &str,
        due: i64,
        body: &str,
    ) -> Result<Scheduled> {
        self.check_member()?;
        if !crate::templates::render::unfilled(body).is_empty() {
            bail!("the update still has unfilled fields (⟦…⟧)");
        }
        let ctx = self
            .store
            .reply_context(conversation)?
            .context("the conversation has no message to answer")?;
        let id = crate::domain::events::new_event_id()[..12].to_string();
        let spec = JobSpec::Update {
            due,
            subject: crate::domain::compose::reply_subject(&ctx.subject),
            body: body.to_string(),
        };
        let now = chrono::Utc::now().timestamp();
        self.record_act(
            conversation,
            EventKind::Job {
                job: id.clone(),
                spec,
            },
            now,
        )?;
        let delivery = self.push();
        Ok(Scheduled::Job { id, delivery })
    }

    /// Cancels job `job` (a prefix of its id will do). A reply it held
    /// comes back to the author's drafts. Err when it has run already.
    pub fn cancel_job(&mut self, job: &str, reason: &str) -> Result<(Job, Delivery)> {
        let job = crate::domain::ids::prefix(job, "job", "`replypad jobs` or g J")
            .map_err(anyhow::Error::msg)?;
        let all = self.jobs()?;
        let found: Vec<&Job> = all.iter().filter(|j| j.id.starts_with(job)).collect();
        let j = match found.as_slice() {
            [one] => (*one).clone(),
            [] => bail!("no job {job:?} (see `replypad jobs`)"),
            _ => bail!("{job:?} names {} jobs: give more of the id", found.len()),
        };
        let s = j.state();
        if !s.waiting() {
            bail!("job {} is {} already: nothing to cancel", j.id, s.as_str());
        }
        let now = chrono::Utc::now().timestamp();
        self.record_act(
            &j.conversation,
            EventKind::JobCancel {
                job: j.id.clone(),
                reason: reason.to_string(),
            },
            now,
        )?;
        if let Some(JobSpec::Send { draft: Some(d), .. }) = &j.spec
            && let Ok(mut draft) = self.store.draft(d)
            && draft.state == DraftState::Queued
        {
            draft.state = DraftState::Editing;
            draft.updated_at = now;
            self.store.save_draft(&draft)?;
        }
        let delivery = self.push();
        Ok((j, delivery))
    }
}
