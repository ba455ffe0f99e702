//! A logged-in connection with the team's folders resolved: the one place a
//! sync pass, a push and the recovery of interrupted sends are put
//! together, for `replypad sync`, the CLI's acts and the TUI's worker alike.

use super::engine::{self, Depth, Progress, Report, SyncContext, TeamLog};
use super::imap::Connection;
use super::outbox::{Recovered, Sign};
use crate::config::{Config, Secret};
use crate::store::Store;
use anyhow::Result;
use std::collections::BTreeSet;

pub struct Session {
    pub conn: Connection,
    pub team: TeamLog,
}

impl Session {
    /// Logs in and finds the team's folders, on up to `connections`
    /// connections (1 for a CLI command; the worker's share of the
    /// `[imap] max_connections` budget: [`super::connect_syncing`]).
    pub fn start(cfg: &Config, key: Option<Secret>, connections: usize) -> Result<Session> {
        let mut conn = super::connect_syncing(cfg, connections)?;
        let team = TeamLog::resolve(&mut conn, cfg, key)?;
        Ok(Session { conn, team })
    }

    /// Resolves sends a crash interrupted (looked for in Sent).
    pub fn recover(&mut self, store: &mut Store, sign: &dyn Sign) -> Result<Vec<Recovered>> {
        super::outbox::recover(store, sign, Some((&mut self.conn, &self.team)))
    }

    /// A whole pass: push, mail folders (newest first), team log, then as
    /// much history and as many bodies as `depth` asks.
    pub fn pass(
        &mut self,
        store: &mut Store,
        cfg: &Config,
        progress: &(dyn Fn(Progress) + Sync),
        depth: Depth,
    ) -> Result<(Report, BTreeSet<String>)> {
        let ctx = SyncContext {
            team_address: &cfg.team.address,
            progress,
        };
        engine::pass(&mut self.conn, store, cfg, &self.team, &ctx, depth)
    }

    /// Pushes queued changes and reads the log back (claims learn their
    /// outcome). Returns the conversations the log touched.
    pub fn push(&mut self, store: &mut Store) -> Result<BTreeSet<String>> {
        engine::replay_pending(&mut self.conn, store, &self.team)?;
        match &self.team.key {
            Some(key) => super::team::sync_log(&mut self.conn, store, &self.team, key, &|_| {}),
            None => Ok(BTreeSet::new()),
        }
    }

    /// Writes the next checkpoint of the team log if it is due (see
    /// [`super::checkpoint`]); how many were written. A checkpoint only
    /// saves others time: its failure is the caller's to log, not to stop on.
    pub fn checkpoint(&mut self, store: &mut Store, sign: &dyn Sign) -> Result<usize> {
        super::checkpoint::write_if_due(&mut self.conn, store, &self.team, sign)
    }

    /// Logs out, waiting for the answer.
    pub fn logout(self) {
        self.conn.logout();
    }

    /// Logs out without waiting (the end of `replypad sync`).
    pub fn close(self) {
        self.conn.close();
    }
}
