//! Secrets from commands. A [`Secret`] never prints its value: not in Debug,
//! not in Display, not in an error.

use std::fmt;
use std::process::{Command, Stdio};

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

/// Runs `command` with `sh -c` and returns the first line of its output.
/// `what` names the key in errors (`imap.password_command`); the command's
/// output never appears in an error, only its exit status and stderr length.
pub fn run_secret_command(what: &str, command: &str) -> anyhow::Result<Secret> {
    let out = Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| anyhow::anyhow!("cannot run {what}: {e}"))?;
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
