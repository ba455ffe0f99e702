//! The team itself: who is on it (the roster), with which role and key, and
//! which events count. Pure: the log is folded in UID order through
//! [`Trust::admit`], which says for each event whether it counts, given what
//! the message proves about its author ([`Proof`]) and the roster as of that
//! event's place in the log. Every client folding the same log agrees.
//!
//! The rules (ARCHITECTURE.md, "Trust model"):
//! - Before the first roster event, an event counts when it carries the
//!   team key's authenticator (a mailbox from before the roster).
//! - The first roster event (`init`) needs the team key and a signature by
//!   the key it names: its author becomes the first admin.
//! - From then on an event counts only when it is signed by the key the
//!   roster holds for its author, who must be an active member. Roster
//!   changes and the team policy need an admin.
//! - `join`: an invited member publishes their key, signed by that key,
//!   with the one-time code whose hash the invitation holds.

use super::events::{Event, EventKind};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use std::collections::BTreeMap;

/// What a member may do beyond acting on conversations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Agent,
    /// Approves drafts (an admin may too).
    Reviewer,
    /// Changes the roster and the team policy.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Reviewer => "reviewer",
            Role::Admin => "admin",
        }
    }

    /// Whether this role's approval of a draft counts.
    pub fn reviews(self) -> bool {
        matches!(self, Role::Reviewer | Role::Admin)
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s.trim().to_ascii_lowercase().as_str() {
            "agent" => Some(Role::Agent),
            "reviewer" => Some(Role::Reviewer),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A change to the roster (the event kind `roster`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Change {
    /// The roster begins; its author is the first admin, with `key`.
    Init {
        name: String,
        handle: String,
        key: String,
    },
    /// An admin adds a member or changes one. `invite`: the hash of a
    /// one-time join code (the member then joins with a new key); `key`: a
    /// public key given directly.
    Member {
        email: String,
        name: String,
        handle: String,
        role: Role,
        invite: Option<String>,
        key: Option<String>,
    },
    /// An invited member publishes their key with the code they were given.
    Join { key: String, code: String },
    /// An admin removes a member: their later events stop counting.
    Remove { email: String },
}

impl Change {
    pub fn describe(&self) -> String {
        match self {
            Change::Init { .. } => "started the team roster (first admin)".into(),
            Change::Member {
                email,
                role,
                invite: Some(_),
                ..
            } => format!("invited {email} as {role}"),
            Change::Member { email, role, .. } => format!("set {email}: {role}"),
            Change::Join { .. } => "joined the team".into(),
            Change::Remove { email } => format!("removed {email} from the team"),
        }
    }
}

/// One member of the team.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub email: String,
    pub name: String,
    pub handle: String,
    pub role: Role,
    pub active: bool,
    /// The public key (hex), once they joined.
    pub key: Option<String>,
    /// The hash of an open invitation's code.
    pub invite: Option<String>,
}

/// The team's members by lowercased address.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roster {
    pub members: BTreeMap<String, Member>,
}

impl Roster {
    pub fn get(&self, email: &str) -> Option<&Member> {
        self.members.get(&email.to_ascii_lowercase())
    }

    /// Active members, in address order.
    pub fn active(&self) -> impl Iterator<Item = &Member> {
        self.members.values().filter(|m| m.active)
    }

    /// Active admins.
    pub fn admins(&self) -> impl Iterator<Item = &Member> {
        self.active().filter(|m| m.role == Role::Admin)
    }

    /// Active members whose approval of a draft counts: reviewers and admins.
    pub fn reviewers(&self) -> impl Iterator<Item = &Member> {
        self.active().filter(|m| m.role.reviews())
    }

    /// Whether `email` is an active reviewer or admin.
    pub fn may_review(&self, email: &str) -> bool {
        self.get(email)
            .is_some_and(|m| m.active && m.role.reviews())
    }

    /// The active admins' addresses, for "ask an admin (…)".
    pub fn admin_list(&self) -> String {
        self.admins()
            .map(|m| m.email.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn active_admins(&self) -> usize {
        self.admins().count()
    }
}

/// What a message in the log proves about its author.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Proof {
    /// The team key's authenticator is valid.
    pub team_key: bool,
    /// The public key (hex) whose valid signature the message carries.
    pub signed_by: Option<String>,
}

/// An event read from the log with what its message proves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signed {
    pub event: Event,
    pub proof: Proof,
}

impl Signed {
    /// An event with the team key's authenticator only (the demo, tests,
    /// a mailbox from before the roster).
    pub fn team_key_only(event: Event) -> Signed {
        Signed {
            event,
            proof: Proof {
                team_key: true,
                signed_by: None,
            },
        }
    }
}

/// The hash an invitation holds for its join code.
pub fn code_hash(code: &str) -> String {
    sha2::Sha256::digest(code.trim().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What the log says about the team as of a place in it: the roster (None
/// before the first roster event) and the latest valid team policy.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trust {
    pub roster: Option<Roster>,
    /// The latest valid team policy (TOML) and the event that set it.
    pub policy: Option<(String, String)>,
}

impl Trust {
    /// Whether `e` counts here in the log, given `proof`; if it does, a
    /// roster change or a (valid, by `policy_ok`) policy is applied. The
    /// error is the reason it does not count, for `doctor`.
    pub fn admit(
        &mut self,
        e: &Event,
        proof: &Proof,
        policy_ok: &dyn Fn(&str) -> bool,
    ) -> Result<(), String> {
        let Some(roster) = &mut self.roster else {
            return self.admit_before_roster(e, proof);
        };
        if let EventKind::Roster {
            change: Change::Join { key, code },
        } = &e.kind
        {
            let m = roster
                .members
                .get_mut(&e.agent.to_ascii_lowercase())
                .ok_or_else(|| format!("{} was not invited", e.agent))?;
            if !m.active || m.invite.as_deref() != Some(code_hash(code).as_str()) {
                return Err(format!("{} joined without a valid invitation", e.agent));
            }
            if proof.signed_by.as_deref() != Some(key.as_str()) {
                return Err(format!(
                    "{}'s join is not signed by the key it names",
                    e.agent
                ));
            }
            m.key = Some(key.clone());
            m.invite = None;
            return Ok(());
        }
        let m = match roster.get(&e.agent) {
            Some(m) if m.active => m,
            Some(_) => return Err(format!("{} was removed from the team", e.agent)),
            None => return Err(format!("{} is not on the team's roster", e.agent)),
        };
        match (&m.key, &proof.signed_by) {
            (Some(k), Some(s)) if k == s => {}
            (None, _) => return Err(format!("{} has not joined yet (no key)", e.agent)),
            (_, None) => {
                return Err(format!(
                    "event by {} carries no signature of theirs (the team key alone no longer counts)",
                    e.agent
                ));
            }
            _ => return Err(format!("event by {} is signed with another key", e.agent)),
        }
        let admin = m.role == Role::Admin;
        match &e.kind {
            EventKind::Roster { change } => {
                if !admin {
                    return Err(format!(
                        "{} changed the roster but is not an admin",
                        e.agent
                    ));
                }
                Self::change(roster, change)
            }
            EventKind::Policy { toml } => {
                if !admin {
                    return Err(format!(
                        "{} set the team policy but is not an admin",
                        e.agent
                    ));
                }
                if !policy_ok(toml) {
                    return Err("a team policy that does not validate".into());
                }
                self.policy = Some((toml.clone(), e.id.clone()));
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Whether an act by `agent` with `proof` counts here (a checkpoint,
    /// which is not an event): before the roster, the team key's
    /// authenticator; from then on, a signature by the key the roster
    /// holds for an active member.
    pub fn vouches(&self, agent: &str, proof: &Proof) -> Result<(), String> {
        let Some(roster) = &self.roster else {
            return if proof.team_key {
                Ok(())
            } else {
                Err("a bad authenticator (forged, or another team key)".into())
            };
        };
        match roster.get(agent) {
            Some(m) if m.active && m.key.is_some() && m.key == proof.signed_by => Ok(()),
            Some(m) if m.active => Err(format!("not signed with {agent}'s key")),
            Some(_) => Err(format!("{agent} was removed from the team")),
            None => Err(format!("{agent} is not on the team's roster")),
        }
    }

    /// Applies what an event the log already admitted did to the trust
    /// (a roster change, a policy), without the proof it came with: the
    /// trust as of a place in a log, from the admitted events alone (a
    /// checkpoint's writer does not keep each event's signature).
    pub fn replay(&mut self, e: &Event) {
        let key = match (&e.kind, &self.roster) {
            (
                EventKind::Roster {
                    change: Change::Init { key, .. } | Change::Join { key, .. },
                },
                _,
            ) => Some(key.clone()),
            (_, Some(r)) => r.get(&e.agent).and_then(|m| m.key.clone()),
            (_, None) => None,
        };
        let proof = Proof {
            team_key: true,
            signed_by: key,
        };
        // Admitted once, so it passes again; a policy was valid then.
        let _ = self.admit(e, &proof, &|_| true);
    }

    fn admit_before_roster(&mut self, e: &Event, proof: &Proof) -> Result<(), String> {
        if !proof.team_key {
            return Err(format!(
                "event {} has a bad authenticator (forged, or signed with another team key)",
                e.id
            ));
        }
        match &e.kind {
            EventKind::Roster {
                change: Change::Init { name, handle, key },
            } => {
                if proof.signed_by.as_deref() != Some(key.as_str()) {
                    return Err("the roster's first event is not signed by the key it names".into());
                }
                let email = e.agent.to_ascii_lowercase();
                let mut roster = Roster::default();
                roster.members.insert(
                    email.clone(),
                    Member {
                        email,
                        name: name.clone(),
                        handle: handle.clone(),
                        role: Role::Admin,
                        active: true,
                        key: Some(key.clone()),
                        invite: None,
                    },
                );
                self.roster = Some(roster);
                Ok(())
            }
            EventKind::Roster { .. } => Err("a roster change before the roster began".into()),
            EventKind::Policy { .. } => Err("a team policy needs a roster (an admin) first".into()),
            _ => Ok(()),
        }
    }

    fn change(roster: &mut Roster, change: &Change) -> Result<(), String> {
        match change {
            Change::Init { .. } => Err("the team already has a roster".into()),
            // A join is the joining member's own event (`admit`), never
            // an admin's change.
            Change::Join { .. } => Err("a join in someone else's name".into()),
            Change::Member {
                email,
                name,
                handle,
                role,
                invite,
                key,
            } => {
                let email = email.to_ascii_lowercase();
                let old = roster.members.get(&email).cloned();
                let was_admin = old
                    .as_ref()
                    .is_some_and(|m| m.active && m.role == Role::Admin);
                if was_admin && *role != Role::Admin && roster.active_admins() == 1 {
                    return Err("the team's last admin cannot stop being one".into());
                }
                let (old_key, old_invite) = old.map(|m| (m.key, m.invite)).unwrap_or_default();
                let (key, invite) = match (key, invite) {
                    (Some(k), _) => (Some(k.clone()), None),
                    (None, Some(i)) => (None, Some(i.clone())),
                    (None, None) => (old_key, old_invite),
                };
                roster.members.insert(
                    email.clone(),
                    Member {
                        email,
                        name: name.clone(),
                        handle: handle.clone(),
                        role: *role,
                        active: true,
                        key,
                        invite,
                    },
                );
                Ok(())
            }
            Change::Remove { email } => {
                let admins = roster.active_admins();
                let m = roster
                    .members
                    .get_mut(&email.to_ascii_lowercase())
                    .filter(|m| m.active)
                    .ok_or_else(|| format!("{email} is not an active member"))?;
                if m.role == Role::Admin && admins == 1 {
                    return Err("the team's last admin cannot be removed".into());
                }
                m.active = false;
                m.invite = None;
                Ok(())
            }
        }
    }
}

#[cfg(test)]
#[path = "roster_tests.rs"]
mod tests;
