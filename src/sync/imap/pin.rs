//! A folder pinned to a session of its own.
//!
//! On a Maildir Dovecot, a session that has opened more than one folder (or
//! listed folders) pays, on every later SELECT, a re-read of the folder's
//! whole `dovecot-uidlist`: 28 ms at 50,000 messages, against under 1 ms in
//! a session that only ever opens one folder. A syncing connection
//! ([`crate::sync::connect_syncing`]) pins the team inbox, the large folder
//! it resyncs on every change, to a second session that does nothing else;
//! every other folder shares the first. Commands that name a folder
//! (APPEND, CREATE, DELETE, LIST) go to that folder's session without
//! changing the one in use, so FETCHes always reach the mailbox the last
//! SELECT opened.

use super::{Connection, Core, ImapError};

#[derive(Default)]
pub(super) struct Pin {
    /// The pinned folder (None: every folder shares one session).
    folder: Option<String>,
    /// The session not in use now: the pinned folder's or the shared one.
    other: Option<Core>,
    /// The session in use (`Connection::core`) is the pinned folder's.
    active: bool,
    /// The pinned folder's session, logging in on another thread since
    /// [`Connection::pin`]: its login overlaps the shared session's first
    /// commands instead of following them (a login is several round
    /// trips: over a WAN, a good part of a second).
    early: Option<std::thread::JoinHandle<Result<Connection, ImapError>>>,
}

impl Connection {
    /// Gives `folder` a session of its own, opened at its first use with
    /// the login data of [`Connection::may_log_in_again`]. Without that data, or
    /// if the server refuses another session (a per-user connection
    /// limit), the folder shares this session as before.
    pub fn pin(&mut self, folder: &str) {
        self.pin.folder = Some(folder.to_string());
        if let Some(data) = self.aside.as_deref() {
            let (cfg, creds) = data.clone();
            self.pin.early = std::thread::Builder::new()
                .name("rp-login".into())
                .spawn(move || Connection::connect(&cfg, &creds))
                .ok();
        }
    }

    /// The mailboxes each open session has selected, in order.
    pub fn sessions(&self) -> Vec<Vec<String>> {
        std::iter::once(&self.core)
            .chain(&self.pin.other)
            .map(|c| c.opened.clone())
            .collect()
    }

    /// SELECT commands sent on every session so far.
    pub fn selects(&self) -> usize {
        self.core.selects + self.pin.other.as_ref().map_or(0, |c| c.selects)
    }

    /// Whether commands on `mailbox` go to the pinned session.
    fn pinned(&self, mailbox: &str) -> bool {
        self.pin.folder.as_deref() == Some(mailbox)
    }

    /// Puts the session for `mailbox` in use, before a SELECT of it.
    pub(super) fn use_session_for(&mut self, mailbox: &str) {
        let pinned = self.pinned(mailbox);
        self.switch(pinned);
    }

    /// Puts the pinned session (or the shared one) in use, opening the
    /// pinned one if need be. If it cannot be opened, pinning is turned
    /// off and the shared session stays in use.
    fn switch(&mut self, pinned: bool) {
        if self.pin.active == pinned {
            return;
        }
        let other = match self.pin.other.take() {
            Some(c) => c,
            None => match self.open_core() {
                Some(c) => c,
                None => {
                    self.pin.folder = None;
                    return;
                }
            },
        };
        self.pin.other = Some(std::mem::replace(&mut self.core, other));
        self.pin.active = pinned;
    }

    fn open_core(&mut self) -> Option<Core> {
        // The early login may have lost a race for the server's last
        // connection slot to a short-lived listing connection: one more try.
        let early = self.pin.early.take().and_then(|h| h.join().ok());
        let conn = match early {
            Some(Ok(c)) => Some(Ok(c)),
            Some(Err(e)) => {
                tracing::debug!("early login of the pinned session: {e}");
                self.another()
            }
            None => self.another(),
        };
        match conn? {
            Ok(c) => Some(c.core),
            Err(e) => {
                tracing::info!("the pinned folder shares the session: {e}");
                None
            }
        }
    }

    /// Runs `f` on the session for `mailbox` (None: the shared one), then
    /// puts the session that was in use back.
    pub(super) fn on_session_for<T>(
        &mut self,
        mailbox: Option<&str>,
        f: impl FnOnce(&mut Connection) -> Result<T, ImapError>,
    ) -> Result<T, ImapError> {
        let back = self.pin.active;
        let want = mailbox.is_some_and(|m| self.pinned(m));
        self.switch(want);
        let out = f(self);
        self.switch(back);
        out
    }

    /// The sessions still logging in on other threads (the listing one,
    /// the pinned folder's), once they have; those that failed are gone.
    fn early_sessions(&mut self) -> Vec<Connection> {
        [self.early_list.take(), self.pin.early.take()]
            .into_iter()
            .flatten()
            .filter_map(|h| h.join().ok()?.ok())
            .collect()
    }

    /// Logs every session out without waiting for the server's answer:
    /// for a connection whose work is done (a listing connection, the end
    /// of `replypad sync`), a round trip saved per session.
    pub fn close(mut self) {
        self.early_sessions()
            .into_iter()
            .for_each(Connection::close);
        for core in std::iter::once(&self.core).chain(&self.pin.other) {
            let _ = core.raw.write_all(b"rpz LOGOUT\r\n");
        }
    }

    /// Logs every session out.
    pub fn logout(mut self) {
        self.early_sessions()
            .into_iter()
            .for_each(Connection::logout);
        if let Some(mut other) = self.pin.other.take() {
            let _ = other.session.logout();
        }
        let _ = self.core.session.logout();
    }
}
