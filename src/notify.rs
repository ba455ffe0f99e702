//! The `[notify] command` hook: each notification as one JSON object on
//! the command's stdin (`notify-send`, a chat webhook script). Run in the
//! background; a hook that fails is logged, never fatal.

use serde::Serialize;

/// One notification, as the hook gets it.
#[derive(Clone, Debug, Serialize)]
pub struct Hook {
    pub kind: String,
    pub title: String,
    pub text: String,
    pub conversation: Option<String>,
    pub job: Option<String>,
}

impl Hook {
    pub fn job(job: &str, text: &str, title: &str) -> Hook {
        Hook {
            kind: "job".into(),
            title: title.into(),
            text: text.into(),
            conversation: None,
            job: Some(job.into()),
        }
    }
}

/// Runs the hook with `n` on stdin (nothing when none is configured).
pub fn hook(cfg: &crate::config::Config, n: &Hook) {
    let Some(cmd) = cfg.notify.command.clone() else {
        return;
    };
    let json = serde_json::to_string(n).unwrap_or_default();
    std::thread::spawn(move || {
        use std::io::Write;
        let child = std::process::Command::new("sh")
            .arg("-c")
            .arg(&cmd)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        match child {
            Ok(mut c) => {
                if let Some(mut i) = c.stdin.take() {
                    let _ = i.write_all(json.as_bytes());
                    let _ = i.write_all(b"\n");
                }
                match c.wait() {
                    Ok(s) if !s.success() => tracing::warn!("[notify] command exited with {s}"),
                    Err(e) => tracing::warn!("[notify] command: {e}"),
                    _ => {}
                }
            }
            Err(e) => tracing::warn!("[notify] command cannot start: {e}"),
        }
    });
}

impl Hook {
    /// A notification for the agent at the keyboard.
    pub fn of(n: &crate::store::Notification) -> Hook {
        Hook {
            kind: serde_json::to_value(n.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            title: crate::mail::sanitize::line(&n.subject).into_owned(),
            text: crate::mail::sanitize::line(&n.text).into_owned(),
            conversation: Some(n.conversation.clone()),
            job: None,
        }
    }
}
