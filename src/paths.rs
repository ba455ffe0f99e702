//! Where replypad keeps its files (XDG dirs via `directories`), and helpers
//! that create them private: directories 0700, files 0600.

use anyhow::{Context, Result};
use std::fs::{self, DirBuilder, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

fn project() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "replypad")
}

fn home_fallback(sub: &str) -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join(sub)
        .join("replypad")
}

/// `$XDG_CONFIG_HOME/replypad/config.toml`.
pub fn default_config_file() -> PathBuf {
    project()
        .map(|p| p.config_dir().to_path_buf())
        .unwrap_or_else(|| home_fallback(".config"))
        .join("config.toml")
}

/// `$XDG_CACHE_HOME/replypad`.
pub fn default_cache_dir() -> PathBuf {
    project()
        .map(|p| p.cache_dir().to_path_buf())
        .unwrap_or_else(|| home_fallback(".cache"))
}

/// `s` as a file name: letters, digits and `@.-_` kept, anything else `_`.
pub fn safe_file_name(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "@.-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// `$XDG_DATA_HOME/replypad` (the agent's signing keys).
pub fn data_dir() -> PathBuf {
    project()
        .map(|p| p.data_dir().to_path_buf())
        .unwrap_or_else(|| home_fallback(".local/share"))
}

/// `$XDG_STATE_HOME/replypad` (logs).
pub fn state_dir() -> PathBuf {
    project()
        .and_then(|p| p.state_dir().map(Path::to_path_buf))
        .unwrap_or_else(|| home_fallback(".local/state"))
}

/// Creates `dir` (and parents) with mode 0700, and tightens it if it exists.
pub fn ensure_private_dir(dir: &Path) -> Result<()> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("cannot create directory {}", dir.display()))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
        .with_context(|| format!("cannot make directory {} private (0700)", dir.display()))
}

/// Makes an existing file private (0600); missing files are fine.
pub fn make_private(file: &Path) -> Result<()> {
    match fs::set_permissions(file, fs::Permissions::from_mode(0o600)) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other.with_context(|| format!("cannot make {} private (0600)", file.display())),
    }
}

/// Creates a new file with mode 0600, failing if it exists.
pub fn create_private_file(path: &Path) -> Result<fs::File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))
}

/// Files replypad creates are private by default: clear group/other bits
/// from the process umask, so SQLite's -wal/-shm files and logs are 0600 too.
pub fn restrict_umask() {
    // SAFETY: umask only changes this process's file creation mask.
    unsafe {
        libc::umask(0o077);
    }
}
