//! What the sync tests share: a quiet sync context, a second client (the
//! other agent), and the thread list as the cache has it.

use super::account;
use super::dovecot::Dovecot;
use replypad::config::{Config, Tls};
use replypad::store::{ListQuery, Store};
use replypad::sync::engine::{self, SyncContext};
use replypad::sync::imap::Connection;

pub fn quiet(_: engine::Progress) {}

pub fn context(cfg: &Config) -> SyncContext<'_> {
    SyncContext {
        team_address: &cfg.team.address,
        progress: &quiet,
    }
}

/// Another client of the same mailbox (another agent's replypad, or webmail).
pub fn other_client(d: &Dovecot) -> Connection {
    replypad::sync::connect(&account(
        d,
        std::path::Path::new("/nonexistent"),
        Tls::Implicit,
    ))
    .unwrap()
}

pub fn threads(cfg: &Config) -> Vec<replypad::domain::ConversationSummary> {
    Store::open(&cfg.cache_file())
        .unwrap()
        .list_conversations(ListQuery::ALL)
        .unwrap()
}
