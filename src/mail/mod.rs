//! Mail as data: parsing raw RFC 5322 bytes into domain types, HTML to text,
//! and the sanitizer every untrusted string passes before it is shown.

pub mod autoreply;
pub mod checkpoint;
pub mod compose;
pub mod parse;
pub mod sanitize;
pub mod team_event;
pub mod twins;

pub use parse::{ParsedMessage, parse_headers, parse_message};
