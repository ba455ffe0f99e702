//! Secrets from commands. A [`Secret`] never prints its value: not in Debug,
//! not in Display, not in an error.

use std::fmt;
use std::process::{Command, Stdio};
use std::time::Duration;

/// A password, token or key. Deliberately not `Display`; `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The secret itself; call only where it is handed to a protocol.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How long a secret command may take: long enough to unlock a password
/// store or refresh a token through a GUI prompt; a command that hangs
/// (a prompt nobody sees) must not hold a sync, or the TUI's worker, for
/// ever.
pub const SECRET_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs `command` with `sh -c` and returns the first line of its output.
/// `what` names the key in errors (`imap.password_command`); the command's
/// output never appears in an error, only its exit status and the first
/// line of its stderr. It is killed after [`SECRET_TIMEOUT`].
pub fn run_secret_command(what: &str, command: &str) -> anyhow::Result<Secret> {
    run_within(what, command, SECRET_TIMEOUT)
}

fn run_within(what: &str, command: &str, timeout: Duration) -> anyhow::Result<Secret> {
    let child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| anyhow::anyhow!("cannot run {what}: {e}"))?;
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = match rx.recv_timeout(timeout) {
        Ok(out) => out.map_err(|e| anyhow::anyhow!("cannot run {what}: {e}"))?,
        Err(_) => {
            // The shell we spawned: its waiter has not reaped it (it has
            // not sent), so the pid is still its own.
            // SAFETY: kill(2) takes no pointers.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
            anyhow::bail!(
                "{what} did not finish within {} s and was stopped (is it waiting for a prompt?)",
                timeout.as_secs()
            );
        }
    };
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let first = crate::mail::sanitize::line(err.lines().next().unwrap_or(""))
            .chars()
            .take(200)
            .collect::<String>();
        anyhow::bail!(
            "{what} failed ({}){}",
            out.status,
            if first.is_empty() {
                String::new()
            } else {
                format!(": {first}")
            }
        );
    }
    let stdout = String::from_utf8(out.stdout)
        .map_err(|_| anyhow::anyhow!("{what} printed something that is not UTF-8"))?;
    let line = stdout
        .lines()
        .next()
        .unwrap_or("")
        .trim_end_matches('\r')
        .to_string();
    if line.is_empty() {
        anyhow::bail!("{what} printed nothing; it must print the secret on its first line");
    }
    Ok(Secret(line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_is_redacted() {
        let s = run_secret_command("t", "printf 'hunter2\\nrest'").unwrap();
        assert_eq!(s.expose(), "hunter2");
        assert_eq!(format!("{s:?}"), "Secret(***)");
    }

    #[test]
    fn a_command_that_hangs_is_stopped() {
        let t = std::time::Instant::now();
        let e = run_within(
            "imap.password_command",
            "sleep 30",
            Duration::from_millis(300),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("did not finish within"), "{e}");
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    }

    #[test]
    fn failing_command_names_key_not_output() {
        let e = run_secret_command("imap.password_command", "echo hunter2; exit 3")
            .unwrap_err()
            .to_string();
        assert!(e.contains("imap.password_command"), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
        let e = run_secret_command("k", "true").unwrap_err().to_string();
        assert!(e.contains("printed nothing"), "{e}");
    }
}
