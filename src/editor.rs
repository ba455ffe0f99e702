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

/// What an editor's failing exit status says, for the agent: a shell
/// reports a command it cannot find as 127 and one it cannot run as 126
/// (its own message went to the screen the TUI has just painted over).
pub fn failure(status: ExitStatus) -> String {
    match status.code() {
        Some(127) => format!(
            "the editor {:?} was not found: set $VISUAL or $EDITOR",
            command()
        ),
        Some(126) => format!("the editor {:?} cannot be run", command()),
        _ => format!("the editor exited with {status}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_editor_is_named() {
        let status = |cmd: &str| Command::new("sh").arg("-c").arg(cmd).status().unwrap();
        assert!(failure(status("/nonexistent/editor")).contains("was not found"));
        assert!(failure(status("exit 3")).contains("exited with"));
    }
}
