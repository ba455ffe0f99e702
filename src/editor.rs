//! `$VISUAL` / `$EDITOR` (default `vi`) on a file, as a shell would run it
//! (the variable may carry arguments: `code --wait`). For the compose pane
//! (which leaves the TUI's terminal modes around it) and `team policy edit`.

use std::path::Path;
use std::process::{Command, ExitStatus};

/// The editor command the agent chose.
pub fn command() -> String {
    std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| "vi".into())
}

/// Runs the editor on `file` and waits; `Err` names the editor that could
/// not be started.
pub fn run(file: &Path) -> anyhow::Result<ExitStatus> {
    let editor = command();
    Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(file)
        .status()
        .map_err(|e| anyhow::anyhow!("cannot run the editor {editor:?}: {e}"))
}
