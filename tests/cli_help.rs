//! The command line documents itself: every command and argument has a help
//! line (they become the man page and the completions' descriptions), and
//! the completion scripts and the man page are well formed.

mod support;

use clap::CommandFactory;
use std::process::Command;

fn missing(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
    for a in cmd.get_arguments() {
        let id = a.get_id().as_str();
        if matches!(id, "help" | "version") {
            continue;
        }
        if a.get_help().is_none() && a.get_long_help().is_none() {
            out.push(format!("{path} {id}"));
        }
    }
    for sub in cmd.get_subcommands() {
        let p = format!("{path} {}", sub.get_name());
        if sub.get_about().is_none() && sub.get_long_about().is_none() {
            out.push(format!("{p} (the command)"));
        }
        missing(sub, &p, out);
    }
}

#[test]
fn every_command_and_argument_has_help() {
    let mut out = Vec::new();
    missing(&replypad::cli::Cli::command(), "replypad", &mut out);
    assert!(out.is_empty(), "no help line:\n{}", out.join("\n"));
}

fn replypad(args: &[&str]) -> Vec<u8> {
    let state = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_replypad"))
        .args(args)
        .env("XDG_STATE_HOME", state.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn completions_are_valid_shell_and_the_man_page_renders() {
    let bash = replypad(&["completions", "bash"]);
    let check = Command::new("bash")
        .arg("-n")
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(&bash)?;
            c.wait()
        })
        .unwrap();
    assert!(check.success(), "bash -n refused the completion script");
    assert!(String::from_utf8_lossy(&bash).contains("snooze"));
    for shell in ["zsh", "fish"] {
        assert!(!replypad(&["completions", shell]).is_empty());
    }
    let man = String::from_utf8(replypad(&["man"])).unwrap();
    assert!(
        man.starts_with(".ie") || man.contains(".TH"),
        "{}",
        &man[..200.min(man.len())]
    );
    for want in ["replypad", "REPLYPAD_CONFIG", "snooze"] {
        assert!(man.contains(want), "the man page names {want}");
    }
    // man renders it.
    let man_bin = support::require_binary("man", &["/usr/bin/man"], "man-db");
    let out = Command::new(man_bin)
        .args(["-l", "-"])
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "80")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(man.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(page.contains("NAME") && page.contains("SYNOPSIS"), "{page}");
}

#[test]
fn replypad_config_names_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere.toml");
    let out = Command::new(env!("CARGO_BIN_EXE_replypad"))
        .args(["threads"])
        .env("REPLYPAD_CONFIG", &missing)
        .env("XDG_STATE_HOME", dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nowhere.toml"), "{err}");
}
