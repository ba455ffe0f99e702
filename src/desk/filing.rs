//! Archive, spam, trash and move: a conversation's messages in a team
//! inbox or a filing folder go to another folder (IMAP MOVE, queued like
//! every act), and a signed event says who did it ("archived by lee").
//! Where a conversation is comes from the folders, so it leaves the inbox
//! views on every client once each has synced (`store/places.rs`).

use super::acts::Undo;
use super::{Delivery, Desk};
use crate::domain::events::EventKind;
use crate::store::MailboxRole;
use anyhow::{Result, bail, ensure};

/// Where an act files conversations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    Archive,
    Spam,
    Trash,
    /// Back to the (first) team inbox.
    Inbox,
    /// A folder by name: a team inbox or a filing folder replypad syncs.
    Folder(String),
}

impl Place {
    /// `archive`, `spam` (or `junk`), `trash`, `inbox`, else a folder name.
    pub fn parse(s: &str) -> Result<Place> {
        let t = s.trim();
        ensure!(
            !t.is_empty(),
            "name a folder: archive, spam, trash, inbox or a folder's name"
        );
        Ok(match t.to_ascii_lowercase().as_str() {
            "archive" => Place::Archive,
            "spam" | "junk" => Place::Spam,
            "trash" => Place::Trash,
            "inbox" => Place::Inbox,
            _ => Place::Folder(t.to_string()),
        })
    }
}

/// What filing did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filed {
    /// The folder the conversations went to.
    pub folder: String,
    /// Each conversation and how many of its messages moved (0: it was
    /// there already).
    pub moved: Vec<(String, usize)>,
    /// The event it records (`Filed`).
    pub kind: EventKind,
    pub undo: Undo,
    pub delivery: Delivery,
}

impl Desk {
    /// Files every conversation in `targets` in `place`, then pushes.
    pub fn file(&mut self, targets: &[String], place: &Place, now: i64) -> Result<Filed> {
        ensure!(!targets.is_empty(), "no conversation selected");
        let (folder, role) = self.folder_for(place)?;
        let mut undo = Undo::default();
        let mut moved = Vec::new();
        for conv in targets {
            let before = self.store.team_state(conv)?;
            let (n, from, kind) = self.file_one(conv, &folder, now)?;
            if let Some(from) = from {
                undo.moved_from.insert(conv.clone(), from);
                undo.entries.push((conv.clone(), before, kind));
            }
            moved.push((conv.clone(), n));
        }
        let delivery = self.push();
        Ok(Filed {
            kind: EventKind::Filed {
                folder: folder.clone(),
                role: role.as_str().to_string(),
            },
            folder,
            moved,
            undo,
            delivery,
        })
    }

    /// Moves one conversation to `folder` and records who did it (when
    /// team state is on). Returns how many messages moved, the folder most
    /// came from, and the event's kind.
    pub(super) fn file_one(
        &mut self,
        conv: &str,
        folder: &str,
        now: i64,
    ) -> Result<(usize, Option<String>, EventKind)> {
        let role = self.role_of(folder)?;
        let m = self.store.file_conversation(conv, folder, role)?;
        let kind = EventKind::Filed {
            folder: folder.to_string(),
            role: role.as_str().to_string(),
        };
        if m.count > 0 && self.signer().event_at(conv, kind.clone(), now).is_some() {
            self.record_act(conv, kind.clone(), now)?;
        }
        Ok((m.count, m.from, kind))
    }

    /// The folder a place means, and its role.
    pub fn folder_for(&self, place: &Place) -> Result<(String, MailboxRole)> {
        let f = &self.cfg().folders;
        let known = |role: MailboxRole, set: &Option<String>, default: &str| -> Result<String> {
            Ok(match self.store.folder_of_role(role)? {
                Some(n) => n,
                None => set.clone().unwrap_or_else(|| default.to_string()),
            })
        };
        Ok(match place {
            Place::Archive => (
                known(MailboxRole::Archive, &f.archive, "Archive")?,
                MailboxRole::Archive,
            ),
            Place::Spam => (
                known(MailboxRole::Junk, &f.spam, "Junk")?,
                MailboxRole::Junk,
            ),
            Place::Trash => (
                known(MailboxRole::Trash, &f.trash, "Trash")?,
                MailboxRole::Trash,
            ),
            Place::Inbox => (
                f.inbox.first().cloned().unwrap_or_else(|| "INBOX".into()),
                MailboxRole::Inbox,
            ),
            Place::Folder(name) => {
                let name = name.as_str();
                let targets = self.store.move_targets()?;
                match targets.iter().find(|(n, _)| {
                    n == name
                        || (n.eq_ignore_ascii_case("INBOX") && name.eq_ignore_ascii_case("INBOX"))
                }) {
                    Some((n, _)) => (n.clone(), self.role_of(n)?),
                    None => {
                        let names: Vec<&str> = targets.iter().map(|(n, _)| n.as_str()).collect();
                        bail!(
                            "replypad moves conversations between the folders it syncs ({}); \
                             to use {:?}, add it to [folders] inbox (a team inbox) or name it as \
                             [folders] archive, spam or trash",
                            if names.is_empty() {
                                "none synced yet".to_string()
                            } else {
                                names.join(", ")
                            },
                            crate::mail::sanitize::line(name)
                        )
                    }
                }
            }
        })
    }

    /// The role of folder `name`: a team inbox, a filing folder, or (for
    /// a folder not synced yet) the role the config gives it.
    fn role_of(&self, name: &str) -> Result<MailboxRole> {
        let f = &self.cfg().folders;
        if f.inbox.iter().any(|i| i == name) {
            return Ok(MailboxRole::Inbox);
        }
        for (role, set, default) in [
            (MailboxRole::Archive, &f.archive, "Archive"),
            (MailboxRole::Junk, &f.spam, "Junk"),
            (MailboxRole::Trash, &f.trash, "Trash"),
        ] {
            let known = self.store.folder_of_role(role)?;
            let named = known.as_deref().or(set.as_deref()).unwrap_or(default);
            if named == name {
                return Ok(role);
            }
        }
        bail!(
            "{:?} is not a folder replypad files conversations in",
            crate::mail::sanitize::line(name)
        )
    }
}

impl Desk {
    /// Merges conversations by hand (the threading kept apart what belongs
    /// together): one `merge` event per conversation after the first, so
    /// every client joins them; returns the conversation they became.
    /// Merges are not undone by `u` (a split is the way back).
    pub fn merge(&mut self, convs: &[String], now: i64) -> Result<(String, Delivery)> {
        let mut ids = Vec::new();
        for c in convs {
            let id = self.store.resolve_conversation(c)?;
            let id = self.store.canonical(&id)?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        ensure!(
            ids.len() >= 2,
            "merging needs two different conversations (they are one already)"
        );
        let first = ids[0].clone();
        for other in &ids[1..] {
            self.record_act(
                other,
                EventKind::Merge {
                    into: first.clone(),
                },
                now,
            )?;
        }
        let survivor = self.store.canonical(&first)?;
        Ok((survivor, self.push()))
    }
}

impl Desk {
    /// Splits conversation `conv` at message `message_id`: it and the
    /// replies to it become a conversation of their own (a `split` event,
    /// which every client applies). Returns the new conversation's id.
    pub fn split(&mut self, conv: &str, message_id: &str, now: i64) -> Result<(String, Delivery)> {
        let conv = self
            .store
            .canonical(&self.store.resolve_conversation(conv)?)?;
        let view = self
            .store
            .conversation(&conv)?
            .ok_or_else(|| anyhow::anyhow!("no conversation {conv} in the cache"))?;
        let at = view
            .messages
            .iter()
            .position(|m| m.message_id == message_id)
            .ok_or_else(|| anyhow::anyhow!("that message is not in conversation {conv}"))?;
        ensure!(
            at > 0,
            "that message starts the conversation: split at a later one"
        );
        let new = crate::domain::thread::conversation_id(message_id);
        self.record_act(
            &conv,
            EventKind::Split {
                message_id: message_id.to_string(),
            },
            now,
        )?;
        // The part that went has the split point's id.
        Ok((new, self.push()))
    }
}
