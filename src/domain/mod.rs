//! Pure types and rules: no IO, no terminal. Everything here is unit-tested.

pub mod checkpoint;
pub mod compose;
pub mod events;
pub mod hours;
pub mod ids;
pub mod insight;
pub mod jobs;
pub mod names;
pub mod quotes;
pub mod recipients;
pub mod review;
pub mod roster;
pub mod search;
pub mod thread;
pub mod tone;
pub mod types;
pub mod views;
pub mod when;

pub use types::*;
