//! replypad: a terminal shared inbox for support teams.
//!
//! Layers (see ARCHITECTURE.md): `domain` (pure types and rules), `store`
//! (SQLite cache), `mail` (parse, sanitize, compose), `sync` (IMAP/SMTP IO),
//! `desk` (the service layer every front end uses), `ui` (ratatui front
//! end), `cli` (commands). Only `ui` and `cli` may touch the terminal
//! crates; `tests/layers.rs` enforces it.

pub mod attachments;
pub mod cli;
pub mod config;
pub mod desk;
pub mod domain;
pub mod editor;
pub mod fault;
pub mod logging;
pub mod mail;
pub mod notify;
pub mod paths;
pub mod store;
pub mod sync;
pub mod templates;
pub mod ui;

/// The demo mailbox (part of the desk: it is the demo transport's data).
pub use desk::demo;
