//! The disk fills up under a sync (the real binary, a real Dovecot): the
//! cache file cannot grow (RLIMIT_FSIZE, so writes fail with EFBIG as they
//! would with ENOSPC). The sync stops with a clear error and no panic, the
//! cache stays readable, and once there is room again a sync completes
//! with every message once.

mod support;

use std::os::unix::process::CommandExt;
use std::process::Command;
use support::cli::Instance;
use support::dovecot::Dovecot;
use support::message;
use support::sync::other_client;

const MESSAGES: usize = 300;

/// `replypad args` for `agent`, unable to write files past `limit` bytes.
fn run_limited(agent: &Instance, args: &[&str], limit: u64) -> (i32, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_replypad"));
    cmd.arg("--config")
        .arg(&agent.config)
        .args(args)
        .env("XDG_STATE_HOME", agent.dir.path().join("state"));
    // SAFETY: setrlimit and signal are async-signal-safe; nothing else runs
    // between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            let l = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &l) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // A write past the limit fails (EFBIG) instead of killing the process.
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            Ok(())
        });
    }
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn a_sync_that_fills_the_disk_stops_cleanly_and_resumes() {
    let d = Dovecot::start();
    let mut other = other_client(&d);
    let body = "The order never arrived. ".repeat(80);
    for i in 0..MESSAGES {
        other
            .append(
                "INBOX",
                &message(&format!("m{i}"), &[], &format!("Order {i}"), &body),
                false,
            )
            .unwrap();
    }
    let agent = Instance::new(&d, "ana", "");

    let (code, out) = run_limited(&agent, &["sync"], 400 << 10);
    assert_ne!(code, 0, "the sync cannot have finished: {out}");
    assert!(!out.contains("panicked"), "{out}");
    assert!(
        out.contains("the disk is full or failing"),
        "the agent is told what is wrong: {out}"
    );

    // What the cache holds is consistent and readable.
    let threads = agent.json(&["threads", "--json"]);
    let partial = threads.as_array().unwrap().len();
    assert!(partial < MESSAGES, "{partial}");

    // Room again: the sync completes, every message once, every body in.
    let out = agent.ok(&["sync"]);
    assert!(
        out.contains(&format!("new {}", MESSAGES - partial)),
        "{out}"
    );
    let threads = agent.json(&["threads", "--json"]);
    assert_eq!(threads.as_array().unwrap().len(), MESSAGES);
    let out = agent.ok(&["sync"]);
    assert!(out.contains("new 0,"), "{out}");
}
