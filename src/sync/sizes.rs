//! The sizes of a first sync's newest page. That page is fetched without
//! RFC822.SIZE: a Maildir Dovecot reads a large folder's whole uidlist to
//! answer it (at a million messages the page's headers take about 50 ms,
//! with sizes about 0.7 s). The sizes follow here, one FETCH of sizes
//! alone, before any history or body: a body fetch decides by size what
//! to fetch (`bodies.rs`). A sync killed meanwhile finds the rows again
//! (their size is 0: see `store/sizes.rs`).

use super::headers::commands;
use super::imap::{Connection, uid_set};
use crate::store::Store;
use anyhow::{Context, Result};

/// Fetches the size of every cached message that has none yet; returns
/// how many were asked.
pub fn fill_sizes(conn: &mut Connection, store: &mut Store) -> Result<usize> {
    let mut asked = 0;
    for folder in store.unsized_messages()? {
        let validity = conn.ensure_selected(&folder.name).with_context(|| {
            format!(
                "cannot fetch message sizes in {}",
                crate::mail::sanitize::line(&folder.name)
            )
        })?;
        if validity != folder.uidvalidity {
            // The next pass drops the folder and fetches it again.
            continue;
        }
        for uids in commands(&folder.uids) {
            let sizes = conn.fetch_sizes(&uid_set(uids))?;
            store.set_sizes(folder.mailbox_id, uids, &sizes)?;
            asked += uids.len();
        }
    }
    Ok(asked)
}
