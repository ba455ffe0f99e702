//! Logs go to a file in the XDG state dir (never the terminal the TUI owns).
//! `RUST_LOG`-style filters via `REPLYPAD_LOG` (default `info`).

use anyhow::Result;
use std::path::{Path, PathBuf};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Starts file logging at `dir/replypad.log`; keep the guard alive until exit.
pub fn init(dir: &Path) -> Result<(WorkerGuard, PathBuf)> {
    crate::paths::ensure_private_dir(dir)?;
    let file = dir.join("replypad.log");
    let appender = tracing_appender::rolling::never(dir, "replypad.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env("REPLYPAD_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok();
    crate::paths::make_private(&file)?;
    Ok((guard, file))
}
