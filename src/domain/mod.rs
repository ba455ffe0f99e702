//! Pure types and rules: no IO, no terminal. Everything here is unit-tested.

pub mod thread;
pub mod types;

pub use types::*;
