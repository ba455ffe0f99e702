//! The team itself through the desk: the roster (init, invite, join, role,
//! remove), the team policy, and the agent names acts accept. The rules of
//! which events count are `domain::roster::Trust`'s; these are the acts
//! that write roster and policy events, with the same checks made first
//! here so an agent hears "you are not an admin" rather than finding the
//! event refused later.

use super::{Delivery, Desk, Signer, keys};
use crate::config::policy::{self, TeamPolicy};
use crate::domain::events::{EventKind, TEAM};
use crate::domain::roster::{Change, Member, Role, Roster, code_hash};
use anyhow::{Context, Result, bail};
use std::sync::Arc;

/// What a team act came to.
#[derive(Debug)]
pub enum TeamDone {
    /// In the log and counted by every client.
    Counted,
    /// Queued (offline, or the demo): it counts once the log has it.
    Queued(Delivery),
}

impl Desk {
    /// The roster as of the log this cache has read (None: the team has
    /// no roster yet).
    pub fn roster(&self) -> Result<Option<Roster>> {
        Ok(self.store.trust()?.roster)
    }

    /// The team policy in force (None: the agent's own config rules).
    pub fn team_policy(&self) -> Result<Option<TeamPolicy>> {
        Ok(match self.store.trust()?.policy {
            Some((text, _)) => Some(policy::parse(&text)?),
            None => None,
        })
    }

    /// The policy's text as an admin edits it: the team's, or a first one
    /// from this agent's config.
    pub fn policy_text(&self) -> Result<String> {
        Ok(match self.store.trust()?.policy {
            Some((text, _)) => text,
            None => TeamPolicy::from_config(&self.local_cfg).to_toml(),
        })
    }

    /// Re-reads the team policy into the rules this desk follows (after a
    /// sync brought a new one).
    pub fn refresh_team(&mut self) {
        let mut cfg = self.local_cfg.clone();
        match self.team_policy() {
            Ok(Some(p)) => p.apply_to(&mut cfg),
            Ok(None) => {}
            Err(e) => tracing::warn!("the team policy in the cache does not parse: {e:#}"),
        }
        self.cfg = cfg;
    }

    fn me_in(&self, roster: &Roster) -> Result<Member> {
        roster.get(self.me()).filter(|m| m.active).cloned().with_context(|| {
            format!(
                "{} is not on the team's roster; ask an admin for an invitation (`replypad team invite`)",
                self.me()
            )
        })
    }

    /// Before an act: with a roster, this agent must be an active member
    /// signing with the key it holds, else the log would refuse the act.
    pub fn check_member(&self) -> Result<()> {
        let Some(roster) = self.roster()? else {
            return Ok(());
        };
        let me = roster.get(self.me()).with_context(|| {
            format!(
                "{} is not on the team's roster; ask an admin for an invitation",
                self.me()
            )
        })?;
        if !me.active {
            bail!(
                "{} was removed from the team: acts no longer count",
                self.me()
            );
        }
        if me.key.is_none() {
            bail!(
                "{} is invited but has not joined: run `replypad team join CODE`",
                self.me()
            );
        }
        if me.key != self.signer.public_key() {
            bail!(
                "your signing key is not the one the team's roster holds for {} (see `replypad doctor`)",
                self.me()
            );
        }
        Ok(())
    }

    /// Whether this agent may change the roster and the policy (else why
    /// not, naming the admins), checked before an editor opens.
    pub fn check_admin(&self) -> Result<()> {
        self.admin().map(|_| ())
    }

    fn admin(&self) -> Result<Roster> {
        let roster = self.roster()?.context(
            "the team has no roster yet: `replypad team init` makes you its first admin",
        )?;
        let me = self.me_in(&roster)?;
        if me.role != Role::Admin {
            bail!(
                "only an admin can do this; the team's admins: {}",
                roster.admin_list()
            );
        }
        Ok(roster)
    }

    /// Records `kind` about the team, signed with `key` (else the agent's
    /// own), pushes it and says whether it counted.
    fn team_event(
        &mut self,
        kind: EventKind,
        key: Option<&ed25519_dalek::SigningKey>,
    ) -> Result<TeamDone> {
        // The demo has no shared log: a roster kept on one machine would
        // say "queued" forever and count nowhere.
        if matches!(self.mode(), super::Mode::Demo { .. }) {
            bail!(
                "the demo has no team log to keep a roster in; `replypad team` needs a real account"
            );
        }
        let (e, raw) = self
            .signer
            .event_with_key(TEAM, kind, key)
            .context("team state is off: set team.key_command (the team's shared key) first")?;
        self.store.record_local_event(&e, &raw)?;
        match self.push() {
            Delivery::Done => {}
            other => return Ok(TeamDone::Queued(other)),
        }
        if self.store.event_counted(&e.id)? {
            Ok(TeamDone::Counted)
        } else {
            let why = self
                .store
                .rejected_events()?
                .pop()
                .map(|(_, r)| r)
                .unwrap_or_default();
            bail!(
                "the team log did not accept it: {}",
                crate::mail::sanitize::line(&why)
            )
        }
    }

    fn use_key(&mut self, key: ed25519_dalek::SigningKey) {
        let signer =
            Signer::new(&self.local_cfg, self.signer.key().cloned()).with_agent_key(Some(key));
        self.signer = Arc::new(signer);
    }

    /// Starts the roster with this agent as its first admin (a new key is
    /// made if they have none).
    pub fn team_init(&mut self, name: &str, handle: &str) -> Result<TeamDone> {
        if let Some(r) = self.roster()? {
            if let Some(m) = r.get(self.me()).filter(|m| m.active) {
                bail!("the team already has a roster; you are on it as {}", m.role);
            }
            bail!(
                "the team already has a roster; ask an admin ({}) for an invitation",
                r.admin_list()
            );
        }
        let key = keys::create_agent_key(&self.local_cfg)?;
        let change = Change::Init {
            name: name.to_string(),
            handle: handle.to_string(),
            key: crate::mail::team_event::public_key(&key),
        };
        let done = self.team_event(EventKind::Roster { change }, Some(&key))?;
        self.use_key(key);
        Ok(done)
    }

    /// Invites `email` (admin): returns the one-time code they join with.
    pub fn team_invite(
        &mut self,
        email: &str,
        name: Option<&str>,
        handle: Option<&str>,
        role: Option<Role>,
        new_key: bool,
    ) -> Result<(String, TeamDone)> {
        let roster = self.admin()?;
        let email = super::input::addresses(email, "the agent's address")?
            .into_iter()
            .next()
            .context("give the new agent's address")?;
        if !new_key
            && roster
                .get(&email)
                .is_some_and(|m| m.active && m.key.is_some())
        {
            bail!(
                "{email} is already on the team (`replypad team role` changes a role; \
                 `--new-key` invites them again when their key is lost or leaked)"
            );
        }
        // A member invited again keeps what is not given anew.
        let old = roster.get(&email);
        let name = name
            .map(str::to_string)
            .or_else(|| old.map(|m| m.name.clone()))
            .unwrap_or_default();
        let handle = handle
            .map(str::to_string)
            .or_else(|| old.map(|m| m.handle.clone()))
            .unwrap_or_else(|| crate::domain::names::handle(&email).to_string());
        let role = role.or_else(|| old.map(|m| m.role)).unwrap_or(Role::Agent);
        let code = keys::new_code()?;
        let change = Change::Member {
            email,
            name,
            handle,
            role,
            invite: Some(code_hash(&code)),
            key: None,
        };
        let done = self.team_event(EventKind::Roster { change }, None)?;
        Ok((code, done))
    }

    /// Joins the team with an invitation's code and a new key.
    pub fn team_join(&mut self, code: &str) -> Result<TeamDone> {
        let roster = self.roster()?.context(
            "the team has no roster yet: run `replypad sync`, or `replypad team init` to start one",
        )?;
        let me = roster.get(self.me()).filter(|m| m.active).with_context(|| {
            format!("{} has no invitation on the team's roster (ask an admin; check identity.email)", self.me())
        })?;
        if me.key.is_some() {
            bail!("{} has already joined the team", self.me());
        }
        if me.invite.as_deref() != Some(code_hash(code).as_str()) {
            bail!("that code does not match {}'s invitation", self.me());
        }
        let key = keys::fresh_agent_key(&self.local_cfg)?;
        let change = Change::Join {
            key: crate::mail::team_event::public_key(&key),
            code: code.trim().to_string(),
        };
        let done = self.team_event(EventKind::Roster { change }, Some(&key))?;
        self.use_key(key);
        Ok(done)
    }

    /// Changes a member's role (admin).
    pub fn team_role(&mut self, who: &str, role: Role) -> Result<TeamDone> {
        let roster = self.admin()?;
        let m = self.member(&roster, who)?;
        let change = Change::Member {
            email: m.email,
            name: m.name,
            handle: m.handle,
            role,
            invite: None,
            key: None,
        };
        self.team_event(EventKind::Roster { change }, None)
    }

    /// Removes a member (admin): their later events stop counting.
    pub fn team_remove(&mut self, who: &str) -> Result<TeamDone> {
        let roster = self.admin()?;
        let m = self.member(&roster, who)?;
        if m.role == Role::Admin && roster.admins().count() == 1 {
            bail!(
                "{} is the team's last admin; make someone else admin first",
                m.email
            );
        }
        self.team_event(
            EventKind::Roster {
                change: Change::Remove { email: m.email },
            },
            None,
        )
    }

    /// Sets the team policy (admin), checked first.
    pub fn set_policy(&mut self, text: &str) -> Result<TeamDone> {
        self.admin()?;
        policy::parse(text).context("the team policy was not changed")?;
        self.team_event(
            EventKind::Policy {
                toml: text.to_string(),
            },
            None,
        )
    }

    /// An active member by address, handle or name.
    fn member(&self, roster: &Roster, who: &str) -> Result<Member> {
        let email = super::input::roster_agent(who, self.me(), roster)?.context("name a member")?;
        roster.get(&email).cloned().context("no such member")
    }

    /// The agent `text` names, for assign and mentions: with a roster, one
    /// of its active members (by address, handle or name), else refused
    /// with the closest; without, as before (an address, or a handle the
    /// cache has seen).
    pub fn resolve_agent(&self, text: &str) -> Result<Option<String>> {
        match self.roster()? {
            Some(r) => super::input::roster_agent(text, self.me(), &r),
            None => super::input::known_agent(text, self.me(), &self.known_agents()?),
        }
    }

    /// A note's @mentions, with a roster: each must name an active member
    /// (by handle, address or name; else refused with the closest), and is
    /// kept as the local part of their address, which the Mentions view
    /// matches.
    pub(super) fn roster_mentions(&self, kind: EventKind) -> Result<EventKind> {
        let EventKind::Note { text, mentions } = kind else {
            return Ok(kind);
        };
        let Some(roster) = self.roster()? else {
            return Ok(EventKind::Note { text, mentions });
        };
        let mut out: Vec<String> = Vec::new();
        for m in &mentions {
            let who = super::input::roster_agent(m, self.me(), &roster)
                .with_context(|| format!("@{m} in the note"))?
                .unwrap_or_default();
            let local = crate::domain::names::handle(&who).to_lowercase();
            if !who.is_empty() && !out.contains(&local) {
                out.push(local);
            }
        }
        Ok(EventKind::Note {
            text,
            mentions: out,
        })
    }

    /// The reviewer `text` names: with a roster, an active reviewer or
    /// admin (else refused, naming the team's reviewers); without, as typed.
    pub fn resolve_reviewer(&self, text: &str) -> Result<String> {
        let Some(roster) = self.roster()? else {
            return Ok(text.trim().to_string());
        };
        let who =
            super::input::roster_agent(text, self.me(), &roster)?.context("name a reviewer")?;
        if !roster.may_review(&who) {
            let reviewers: Vec<&str> = roster.reviewers().map(|m| m.email.as_str()).collect();
            bail!(
                "{who} is not a reviewer; the team's reviewers: {}",
                reviewers.join(", ")
            );
        }
        Ok(who)
    }
}
