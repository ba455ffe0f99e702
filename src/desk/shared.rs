//! Acts on drafts shared for review that someone else wrote: the reviewer
//! edits (a new revision), the reviewer sends (policy `sender =
//! "reviewer"`), and the author adopts a newer revision made by a reviewer.

use super::{Desk, find_shared};
use crate::domain::compose::{Draft, DraftKind};
use crate::domain::review::ReviewState;
use anyhow::{Result, bail};

/// A draft made from the latest shared revision.
fn from_shared(shared: &crate::domain::review::SharedDraft) -> Draft {
    let c = shared.latest();
    Draft {
        id: c.draft.clone(),
        conversation: Some(shared.conversation.clone()),
        to: c.to.clone(),
        cc: c.cc.clone(),
        subject: c.subject.clone(),
        body: c.body.clone(),
        in_reply_to: c.in_reply_to.clone(),
        references: c.references.clone(),
        revision: c.revision,
        shared_hash: Some(c.hash.clone()),
        ..Draft::new(
            DraftKind::Reply,
            &c.author,
            c.message_id.clone(),
            chrono::Utc::now().timestamp(),
        )
    }
}

impl Desk {
    /// The reviewer sends an approved draft (policy `sender = "reviewer"`).
    pub fn reviewer_send(&mut self, draft: &str) -> Result<(i64, super::transport::Sent)> {
        if self.cfg().review.sender != crate::domain::review::Sender::Reviewer {
            bail!("the author sends approved drafts here (config review.sender = \"author\")");
        }
        let shared = find_shared(&self.store, draft)?;
        if shared.state() != ReviewState::Approved {
            bail!(
                "draft {} is {}, not approved",
                shared.draft,
                shared.state().as_str()
            );
        }
        let mut d = from_shared(&shared);
        d.baseline = self.store.baseline(&shared.conversation)?;
        let id = self.queue_send(&d)?;
        Ok((id, self.send(true)?))
    }

    /// The agent's own reply draft shared for review on `conversation` and
    /// not sent, when this cache has no working copy of it (a new machine,
    /// a rebuilt cache): made from its latest revision and saved here.
    pub fn own_shared_draft(&mut self, conversation: &str) -> Result<Option<Draft>> {
        let me = self.me().to_ascii_lowercase();
        let mine = self
            .store
            .shared_drafts_of(conversation)?
            .into_values()
            .filter(|s| !s.sent && s.author.to_ascii_lowercase() == me)
            .max_by_key(|s| s.revisions.len());
        let Some(shared) = mine else {
            return Ok(None);
        };
        let mut d = from_shared(&shared);
        d.baseline = self.store.baseline(&shared.conversation)?;
        self.store.save_draft(&d)?;
        Ok(Some(d))
    }

    /// The reviewer takes the latest revision to edit it (saved here as a
    /// local draft with the author's id; submitting makes a new revision).
    pub fn take_over(&mut self, draft: &str) -> Result<Draft> {
        let shared = find_shared(&self.store, draft)?;
        if shared.sent {
            bail!("draft {} was sent already", shared.draft);
        }
        let mut d = from_shared(&shared);
        d.baseline = self.store.baseline(&shared.conversation)?;
        self.store.save_draft(&d)?;
        Ok(d)
    }

    /// When a teammate shared a newer revision of this draft (a reviewer's
    /// edit) and it was not changed here since it was shared, takes it over.
    /// Returns whether it did.
    pub fn adopt_latest(&mut self, draft: &mut Draft) -> Result<bool> {
        if draft.edited_since_shared() {
            return Ok(false);
        }
        let conv = draft
            .conversation
            .clone()
            .unwrap_or_else(|| crate::domain::thread::conversation_id(&draft.message_id));
        let Some(shared) = self.store.shared_drafts_of(&conv)?.remove(&draft.id) else {
            return Ok(false);
        };
        let latest = shared.latest();
        if latest.revision <= draft.revision || latest.hash == draft.content_hash() {
            return Ok(false);
        }
        draft.to = latest.to.clone();
        draft.cc = latest.cc.clone();
        draft.subject = latest.subject.clone();
        draft.body = latest.body.clone();
        draft.revision = latest.revision;
        draft.shared_hash = Some(latest.hash.clone());
        draft.updated_at = chrono::Utc::now().timestamp();
        self.store.save_draft(draft)?;
        Ok(true)
    }
}
