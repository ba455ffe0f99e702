//! Network IO: the IMAP connection (behind our own small API, so the `imap`
//! crate can be swapped), and later the sync worker, team log and SMTP.
//! Never imports the terminal crates.

pub mod imap;
pub mod smtp;
mod stream;

pub use stream::Stream;
