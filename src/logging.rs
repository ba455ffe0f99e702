//! Logs go to a file in the XDG state dir (never the terminal the TUI owns),
//! one a day, a week of them kept. `RUST_LOG`-style filters via
//! `REPLYPAD_LOG` (default `info`; `-v` debug, `-vv` trace, `-q` warnings).

use anyhow::Result;
use std::path::{Path, PathBuf};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// How many daily log files are kept (today's included).
pub const KEEP_DAYS: usize = 7;

/// Starts file logging: one file a day (`replypad.YYYY-MM-DD.log`, the last
/// [`KEEP_DAYS`] kept), `dir/replypad.log` a link to today's. `level` (from
/// `-v`/`-q`) overrides the default `info`; `REPLYPAD_LOG` overrides both.
/// Keep the guard alive until exit.
pub fn init(dir: &Path, level: Option<&str>) -> Result<(WorkerGuard, PathBuf)> {
    crate::paths::ensure_private_dir(dir)?;
    let link = dir.join("replypad.log");
    // An older replypad wrote one growing file under the link's name.
    if std::fs::symlink_metadata(&link).is_ok_and(|m| m.is_file()) {
        let _ = std::fs::rename(&link, dir.join("replypad.old.log"));
    }
    let appender = tracing_appender::rolling::RollingFileAppender::builder()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("replypad")
        .filename_suffix("log")
        .max_log_files(KEEP_DAYS)
        .latest_symlink("replypad.log")
        .build(dir)?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env("REPLYPAD_LOG")
        .unwrap_or_else(|_| EnvFilter::new(level.unwrap_or("info")));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok();
    Ok((guard, link))
}
