//! The terminal front end (ratatui + crossterm). The only layer, with `cli`,
//! that may use the terminal crates.

pub mod action;
pub mod acts;
pub mod app;
mod automation;
pub mod compose;
mod customer;
mod drafts;
pub mod format;
pub mod keymap;
pub mod palette;
pub mod panes;
pub mod picker;
pub mod prompt;
mod refresh;
pub mod reports;
pub mod run;
mod select;
mod team;
pub mod textview;
pub mod theme;

pub use app::App;
