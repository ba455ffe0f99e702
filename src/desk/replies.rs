//! Reply steps: start a draft from a conversation, share it for review,
//! give a verdict, check and queue a send. Everything commits to SQLite
//! first; the transport pushes events and works the outbox afterwards.

use super::{Delivery, Desk};
use crate::domain::compose::{self, Draft, DraftKind};
use crate::domain::events::{Event, EventKind, new_event_id};
use crate::domain::review::{DraftCopy, Sender, SharedDraft};
use crate::store::{NewOutgoing, Store};
use anyhow::{Context, Result, bail};

/// What starting a reply came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StartReply {
    Draft(Box<Draft>),
    /// An earlier reply on the conversation is not settled (queued, being
    /// sent, or delivery unknown): say so and ask before starting another.
    Unsettled(Vec<crate::store::OutboxRow>),
}

/// What became of a send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendOutcome {
    /// Not queued: policy, review or a collision stopped it.
    Blocked(Blocked),
    /// Queued as this outbox row, and the outbox worked (see `sent`).
    Queued {
        outbox: i64,
        sent: super::transport::Sent,
        /// What undoes the claim and the status set with the send
        /// (`send_draft_then`): undo send takes them back with it.
        then: Option<super::Undo>,
    },
}

/// Why a send cannot go now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Blocked {
    /// Team policy requires an approval this draft does not have.
    NeedsReview(String),
    /// The conversation changed since the draft began.
    Collision(Vec<String>),
    /// The draft itself is not sendable (empty recipient, template fields …).
    Invalid(String),
    /// It may be a mistake (no text of its own, an attachment mentioned
    /// and none attached): asked first, sent when the agent insists.
    Confirm(String),
}

impl std::fmt::Display for Blocked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Blocked::NeedsReview(s) | Blocked::Invalid(s) | Blocked::Confirm(s) => f.write_str(s),
            Blocked::Collision(v) => {
                writeln!(f, "the conversation changed since this draft began:")?;
                for c in v {
                    writeln!(f, "  - {}", crate::mail::sanitize::line(c))?;
                }
                write!(f, "send anyway, or revise the draft")
            }
        }
    }
}

fn domain_of(addr: &str) -> &str {
    addr.rsplit_once('@')
        .map(|(_, d)| d)
        .unwrap_or("replypad.invalid")
}

impl Desk {
    pub(super) fn need_key(&self) -> Result<()> {
        self.team_key().map(|_| ()).context(
            "team state is off (no team.key_command): drafts cannot be shared for review",
        )?;
        self.check_member()
    }

    /// Records a signed event on `conversation` now (nothing when team
    /// state is off: presence and verdicts need the log).
    pub(super) fn record(&mut self, conversation: &str, kind: EventKind) -> Result<Option<Event>> {
        let signed = self
            .signer()
            .event_at(conversation, kind, chrono::Utc::now().timestamp());
        match signed {
            Some((e, raw)) => {
                self.store.record_local_event(&e, &raw)?;
                Ok(Some(e))
            }
            None => Ok(None),
        }
    }

    /// A new draft replying to `conversation`, unless an earlier reply on it
    /// is not settled and the agent did not insist (`force`).
    pub fn start_reply_checked(
        &mut self,
        conversation: &str,
        kind: DraftKind,
        force: bool,
    ) -> Result<StartReply> {
        let unsettled = self.store.unsettled_sends(conversation)?;
        if !force && !unsettled.is_empty() && kind != DraftKind::Forward {
            return Ok(StartReply::Unsettled(unsettled));
        }
        Ok(StartReply::Draft(Box::new(
            self.start_reply(conversation, kind)?,
        )))
    }

    /// A new draft replying to `conversation` (saved before it is returned),
    /// whatever waits in the outbox (see [`Desk::start_reply_checked`]).
    pub fn start_reply(&mut self, conversation: &str, kind: DraftKind) -> Result<Draft> {
        let ctx = self
            .store
            .reply_context(conversation)?
            .context("the conversation has no message to reply to")?;
        let mut us = vec![self.cfg.team.address.clone(), self.me().to_string()];
        us.extend(self.cfg.team.aliases.iter().cloned());
        let (to, cc) = crate::domain::recipients::reply(
            &ctx.from,
            &ctx.reply_to,
            &ctx.to,
            &ctx.cc,
            &us,
            kind == DraftKind::ReplyAll,
        );
        let mailbox = crate::domain::recipients::mailbox;
        let mut to: Vec<String> = to.iter().map(mailbox).collect();
        let cc: Vec<String> = cc.iter().map(mailbox).collect();
        let when = chrono::DateTime::from_timestamp(ctx.date, 0)
            .unwrap_or_default()
            .format("%a, %d %b %Y %H:%M UTC")
            .to_string();
        let quoted = compose::quote(
            &crate::mail::sanitize::text(&ctx.text),
            &crate::mail::sanitize::line(&ctx.from.display()),
            &when,
        );
        let (subject, in_reply_to, references, body) = if kind == DraftKind::Forward {
            to.clear();
            let fwd = format!(
                "---------- Forwarded message ----------\nFrom: {}\nDate: {when}\nSubject: {}\n\n{}",
                ctx.from.display(),
                ctx.subject,
                crate::mail::sanitize::text(&ctx.text)
            );
            (
                compose::forward_subject(&ctx.subject),
                None,
                vec![],
                self.body_with(Some(&fwd)),
            )
        } else {
            (
                compose::reply_subject(&ctx.subject),
                Some(ctx.message_id.clone()),
                compose::reply_references(&ctx.references, &ctx.message_id),
                self.body_with(Some(&quoted)),
            )
        };
        let d = Draft {
            conversation: Some(conversation.to_string()),
            to: to
                .iter()
                .map(|s| crate::mail::sanitize::line(s).into_owned())
                .collect(),
            cc: cc
                .iter()
                .map(|s| crate::mail::sanitize::line(s).into_owned())
                .collect(),
            subject: crate::mail::sanitize::line(&subject).into_owned(),
            body,
            in_reply_to,
            references,
            baseline: self.store.baseline(conversation)?,
            ..self.blank(kind)
        };
        self.store.save_draft(&d)?;
        Ok(d)
    }

    /// A new message (not a reply), saved before it is returned.
    pub fn start_new(&mut self, to: &[String], subject: &str) -> Result<Draft> {
        let d = Draft {
            to: to
                .iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            subject: crate::mail::sanitize::line(subject.trim()).into_owned(),
            body: self.body_with(None),
            ..self.blank(DraftKind::New)
        };
        if d.subject.is_empty() {
            bail!("a new message needs a subject");
        }
        self.store.save_draft(&d)?;
        Ok(d)
    }

    /// An empty draft by this agent, its Message-ID at the team's domain.
    fn blank(&self, kind: DraftKind) -> Draft {
        Draft::new(
            kind,
            self.me(),
            format!("{}@{}", new_event_id(), domain_of(&self.cfg.team.address)),
            chrono::Utc::now().timestamp(),
        )
    }

    fn body_with(&self, quoted: Option<&str>) -> String {
        compose::initial_body(
            &[&self.cfg.identity.signature, &self.cfg.team.signature],
            quoted,
        )
    }

    /// "Someone is replying" on or off for this conversation (expires by
    /// itself after 15 min), pushed.
    pub fn presence(&mut self, conversation: &str, on: bool) -> Result<()> {
        self.record_presence(conversation, on)?;
        self.push();
        Ok(())
    }

    /// The teammates drafting a reply on `conversation` right now (their
    /// presence unexpired), not the agent: a reply now may cross theirs.
    pub fn others_replying(&mut self, conversation: &str) -> Result<Vec<String>> {
        let now = chrono::Utc::now().timestamp();
        let me = self.me().to_string();
        Ok(self
            .store
            .team_state(conversation)?
            .replying
            .into_iter()
            .filter(|(who, until)| *until > now && !who.eq_ignore_ascii_case(&me))
            .map(|(who, _)| who)
            .collect())
    }

    pub(super) fn record_presence(&mut self, conversation: &str, on: bool) -> Result<()> {
        let until = chrono::Utc::now().timestamp() + 15 * 60;
        self.record(conversation, EventKind::Replying { on, until })?;
        Ok(())
    }

    /// Shares the draft for review as a new revision, and pushes it;
    /// returns its number.
    pub fn submit(
        &mut self,
        draft: &mut Draft,
        reviewer: Option<String>,
    ) -> Result<(u32, Delivery)> {
        self.need_key()?;
        if !draft.edited_since_shared() {
            bail!(
                "revision {} is already shared and unchanged",
                draft.revision
            );
        }
        if let Some(why) = unfilled_message(draft) {
            bail!("{why}");
        }
        let reviewer = match reviewer {
            Some(r) => Some(self.resolve_reviewer(&r)?),
            None => None,
        };
        let conv = self.draft_conversation(draft);
        let shared = self.store.shared_drafts_of(&conv)?;
        let last = shared
            .get(&draft.id)
            .map(|s| s.latest().revision)
            .unwrap_or(0);
        draft.revision = draft.revision.max(last) + 1;
        let copy = DraftCopy {
            draft: draft.id.clone(),
            revision: draft.revision,
            author: draft.author.clone(),
            reviewer: reviewer.clone(),
            to: draft.to.clone(),
            cc: draft.cc.clone(),
            subject: draft.subject.clone(),
            body: draft.body.clone(),
            message_id: draft.message_id.clone(),
            in_reply_to: draft.in_reply_to.clone(),
            references: draft.references.clone(),
            hash: draft.content_hash(),
        };
        self.record(&conv, EventKind::DraftSubmitted { copy })?;
        // A readable copy in Replypad/Drafts for other mail clients.
        if let Ok(copy) = crate::mail::compose::build(
            draft,
            &self.from_name(),
            &self.cfg.team.address,
            std::time::SystemTime::now(),
        ) {
            self.store.queue_copy(&crate::store::Op::AppendDraft {
                raw: String::from_utf8_lossy(&copy.raw).into_owned(),
            })?;
        }
        draft.shared_hash = Some(draft.content_hash());
        draft.updated_at = chrono::Utc::now().timestamp();
        self.store.save_draft(draft)?;
        Ok((draft.revision, self.push()))
    }

    fn draft_conversation(&self, d: &Draft) -> String {
        d.conversation
            .clone()
            .unwrap_or_else(|| crate::domain::thread::conversation_id(&d.message_id))
    }

    pub fn from_name(&self) -> String {
        compose::from_name(
            &self.cfg.team.from_format,
            &self.cfg.identity.name,
            &self.cfg.team.name,
        )
    }

    /// Whether this agent may give a verdict on `shared`: not on their own
    /// draft, either way (a request for changes to oneself means nothing).
    pub fn may_review(&self, shared: &SharedDraft) -> Result<()> {
        if shared.author.eq_ignore_ascii_case(self.me()) {
            bail!("you wrote this draft: a teammate reviews it (edit it with the reply key)");
        }
        Ok(())
    }

    /// A reviewer's verdict on the latest revision of a shared draft, pushed.
    pub fn review(
        &mut self,
        draft: &str,
        approved: bool,
        comment: &str,
    ) -> Result<(SharedDraft, Delivery)> {
        self.need_key()?;
        let shared = find_shared(&self.store, draft)?;
        if shared.sent {
            bail!("draft {} was sent already", shared.draft);
        }
        self.may_review(&shared)?;
        if !approved && comment.trim().is_empty() {
            bail!("say what should change (a comment is required)");
        }
        let kind = EventKind::Review {
            draft: shared.draft.clone(),
            revision: shared.latest().revision,
            approved,
            comment: comment.trim().to_string(),
        };
        self.record(&shared.conversation, kind)?;
        Ok((shared, self.push()))
    }

    /// Checks whether `draft` may be sent now (unfilled template fields,
    /// policy, approval, a likely mistake, collisions). With `anyway`, what
    /// the agent may overrule (a likely mistake, a collision) is let go.
    pub fn check_send(&mut self, draft: &Draft, anyway: bool) -> Result<Option<Blocked>> {
        // A removed (or not yet joined) agent's client sends nothing in the
        // team's name; the mail server alone could not stop them.
        if let Err(e) = self.check_member() {
            return Ok(Some(Blocked::Invalid(format!("{e:#}"))));
        }
        if draft.to.is_empty() {
            return Ok(Some(Blocked::Invalid("the draft has no recipient".into())));
        }
        if let Some(why) = unfilled_message(draft) {
            return Ok(Some(Blocked::Invalid(why)));
        }
        let rules = self.cfg.tone_rules();
        if rules.block {
            let first = self.customer_first_name(draft)?;
            let findings = crate::domain::tone::check(&rules, &draft.body, first.as_deref());
            if !findings.is_empty() {
                let list: Vec<String> = findings.iter().map(|f| f.message.clone()).collect();
                return Ok(Some(Blocked::Invalid(format!(
                    "the team's tone rules block this draft ([tone] block = true): {}",
                    list.join("; ")
                ))));
            }
        }
        let policy = &self.cfg.review;
        let labels = match &draft.conversation {
            Some(c) => self.store.team_summary(c)?.1,
            None => Vec::new(),
        };
        if policy.requires_review(&draft.author, &labels) {
            let shared = self.store.shared_drafts()?;
            if !self.approved(&draft.id, &draft.content_hash())? {
                let why = match shared.get(&draft.id) {
                    None => {
                        "review is required (the team's review rules): submit the draft for review first"
                            .to_string()
                    }
                    Some(s) if draft.edited_since_shared() => format!(
                        "review is required: the draft changed after revision {} was shared; submit it again",
                        s.latest().revision
                    ),
                    Some(s) => format!(
                        "review is required: revision {} is {}",
                        s.latest().revision,
                        s.state().as_str()
                    ),
                };
                return Ok(Some(Blocked::NeedsReview(why)));
            }
            if policy.sender == Sender::Reviewer {
                return Ok(Some(Blocked::NeedsReview(
                    "approved drafts are sent by the reviewer (review.sender = \"reviewer\")"
                        .into(),
                )));
            }
        }
        if anyway {
            return Ok(None);
        }
        let own = compose::own_text(&draft.body);
        if own.is_empty() && draft.kind != DraftKind::Forward {
            return Ok(Some(Blocked::Confirm(
                "the draft has no text of its own (only the signature and the quote)".into(),
            )));
        }
        if draft.attachments.is_empty()
            && (compose::mentions_attachment(&own) || compose::mentions_attachment(&draft.subject))
        {
            return Ok(Some(Blocked::Confirm(
                "the draft mentions an attachment, but nothing is attached".into(),
            )));
        }
        if let Some(conv) = &draft.conversation {
            let me = self.me().to_string();
            let changes = self.store.changes_since(conv, draft.baseline, &me)?;
            if !changes.is_empty() {
                return Ok(Some(Blocked::Collision(changes)));
            }
        }
        Ok(None)
    }

    /// Whether revision text `hash` of draft `id` is approved (with a
    /// roster, only a reviewer's or an admin's approval counts).
    pub(super) fn approved(&self, id: &str, hash: &str) -> Result<bool> {
        let shared = self.store.shared_drafts()?;
        let roster = self.roster()?;
        Ok(shared.get(id).is_some_and(|s| {
            s.approves(hash)
                && match &roster {
                    Some(r) => s.verdict().is_some_and(|v| r.may_review(&v.by)),
                    None => true,
                }
        }))
    }

    /// Queues the draft for sending (after `check_send`, or when the agent
    /// chose to send anyway). Returns the outbox row.
    pub fn queue_send(&mut self, draft: &Draft) -> Result<i64> {
        self.queue_send_held(draft, 0)
    }

    /// [`Desk::queue_send`], due only after `hold` seconds (undo send).
    pub fn queue_send_held(&mut self, draft: &Draft, hold: u32) -> Result<i64> {
        let out = crate::mail::compose::build(
            draft,
            &self.from_name(),
            &self.cfg.team.address,
            std::time::SystemTime::now(),
        )?;
        let id = self.store.queue_outgoing(&NewOutgoing {
            draft: Some(draft),
            conversation: draft.conversation.as_deref(),
            message_id: &draft.message_id,
            subject: &draft.subject,
            raw: &out.raw,
            mail_from: &out.mail_from,
            rcpt: &out.rcpt,
            hold,
        })?;
        if let Some(c) = &draft.conversation {
            let _ = self.record_presence(c, false);
        }
        Ok(id)
    }

    /// Checks the draft and, unless something blocks it (a likely mistake
    /// or a collision block only without `anyway`), queues and sends it.
    pub fn send_draft(&mut self, draft: &Draft, anyway: bool) -> Result<SendOutcome> {
        self.send_draft_held(draft, anyway, 0)
    }

    /// [`Desk::send_draft`], the message held `hold` seconds in the outbox
    /// first, during which [`Desk::unsend`] takes it back (the TUI's undo
    /// send; the CLI sends at once).
    pub fn send_draft_held(
        &mut self,
        draft: &Draft,
        anyway: bool,
        hold: u32,
    ) -> Result<SendOutcome> {
        if let Some(b) = self.check_send(draft, anyway)? {
            return Ok(SendOutcome::Blocked(b));
        }
        let outbox = self.queue_send_held(draft, hold)?;
        let sent = self.send(hold == 0)?;
        Ok(SendOutcome::Queued {
            outbox,
            sent,
            then: None,
        })
    }

    /// Takes back a held message before it goes (undo send): its draft is
    /// being edited again. None when it is too late.
    pub fn unsend(&mut self, outbox: i64) -> Result<Option<String>> {
        self.store.take_back(outbox)
    }

    /// [`Desk::send_draft`], then (when it went into the outbox) the
    /// conversation's status set to `then` in the same step: "send and
    /// set pending", "send and close".
    pub fn send_draft_then(
        &mut self,
        draft: &Draft,
        anyway: bool,
        then: Option<crate::domain::Status>,
        now: i64,
        hold: u32,
    ) -> Result<SendOutcome> {
        let mut out = self.send_draft_held(draft, anyway, hold)?;
        let (SendOutcome::Queued { then: undo, .. }, Some(conv)) = (&mut out, &draft.conversation)
        else {
            return Ok(out);
        };
        let mut taken_back = super::Undo::default();
        // Policy: replying to an unowned conversation claims it (a claim:
        // it loses to a teammate's earlier one).
        if self.cfg.assign_on_reply && self.store.team_state(conv)?.assignee.is_none() {
            let me = self.me().to_string();
            let acted = self.act(
                std::slice::from_ref(conv),
                super::input::assign(Some(me.clone()), &me, false),
                now,
            )?;
            taken_back.entries.extend(acted.undo.entries);
        }
        if let Some(status) = then {
            let acted = self.act(
                std::slice::from_ref(conv),
                EventKind::Status {
                    status,
                    until: None,
                },
                now,
            )?;
            taken_back.entries.extend(acted.undo.entries);
        }
        if !taken_back.entries.is_empty() {
            *undo = Some(taken_back);
        }
        Ok(out)
    }

    /// The first name of the customer a draft answers, if there is one.
    pub fn customer_first_name(&self, draft: &Draft) -> Result<Option<String>> {
        let Some(conv) = &draft.conversation else {
            return Ok(None);
        };
        Ok(self
            .store
            .reply_context(conv)?
            .and_then(|c| crate::domain::names::first_name(c.from.name.as_deref(), &c.from.email)))
    }
}

/// Says where a draft still holds a template field or template syntax.
pub fn unfilled_message(draft: &Draft) -> Option<String> {
    let mut gaps = crate::templates::render::unfilled(&draft.body);
    gaps.extend(
        crate::templates::render::unfilled(&draft.subject)
            .into_iter()
            .map(|(_, f)| (0, f)),
    );
    if gaps.is_empty() {
        return None;
    }
    let list: Vec<String> = gaps
        .iter()
        .map(|(line, f)| match line {
            0 => format!("⟦{f}⟧ in the subject"),
            n => format!("⟦{f}⟧ on line {n}"),
        })
        .collect();
    Some(format!(
        "the draft still holds unfilled template fields: {} (fill them in or remove them)",
        list.join(", ")
    ))
}

/// A shared draft by id or prefix.
pub fn find_shared(store: &Store, draft: &str) -> Result<SharedDraft> {
    let draft = crate::domain::ids::prefix(draft, "draft", "`replypad review list`")
        .map_err(anyhow::Error::msg)?;
    let all = store.shared_drafts()?;
    let hits: Vec<&SharedDraft> = all
        .values()
        .filter(|s| s.draft.starts_with(draft))
        .collect();
    match hits.as_slice() {
        [one] => Ok((*one).clone()),
        [] => bail!("no draft {draft:?} in the review queue (sync first?)"),
        _ => bail!("draft id {draft:?} is ambiguous"),
    }
}
