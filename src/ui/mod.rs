//! The terminal front end (ratatui + crossterm). The only layer, with `cli`,
//! that may use the terminal crates.

pub mod action;
pub mod app;
pub mod format;
pub mod keymap;
pub mod panes;
pub mod run;

pub use app::App;
