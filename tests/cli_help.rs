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

/// The binary with its state in `state`; it must succeed; its stdout.
fn replypad_in(state: &std::path::Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_replypad"))
        .args(args)
        .env("XDG_STATE_HOME", state)
        .env_remove("REPLYPAD_LOG")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn replypad(args: &[&str]) -> Vec<u8> {
    replypad_in(tempfile::tempdir().unwrap().path(), args)
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

/// The log file rotates daily and keeps a week: older files go, today's is
/// written (0600), `replypad.log` leads to it; an older replypad's single
/// `replypad.log` is kept aside; `-v`/`-q` are accepted everywhere.
#[test]
fn logs_rotate_daily_and_keep_a_week() {
    let run = |state: &std::path::Path, args: &[&str]| {
        replypad_in(state, args);
    };
    let state = tempfile::tempdir().unwrap();
    let logs = state.path().join("replypad");
    std::fs::create_dir_all(&logs).unwrap();
    for day in 1..=12 {
        std::fs::write(logs.join(format!("replypad.2026-11-{day:02}.log")), "old\n").unwrap();
    }
    for args in [
        &["-v", "--demo", "threads"][..],
        &["-q", "--demo", "threads"],
        &["--demo", "-vv", "threads"],
    ] {
        run(state.path(), args);
    }
    let dated: Vec<String> = std::fs::read_dir(&logs)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("replypad.2") && n.ends_with(".log"))
        .collect();
    assert!(dated.len() <= replypad::logging::KEEP_DAYS, "{dated:?}");
    let today = chrono::Utc::now()
        .format("replypad.%Y-%m-%d.log")
        .to_string();
    assert!(dated.contains(&today), "{dated:?}");
    let link = logs.join("replypad.log");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(logs.join(&today))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o077, 0, "private: {mode:o}");
    // An older replypad's one growing file is kept aside, not overwritten.
    let state = tempfile::tempdir().unwrap();
    let logs = state.path().join("replypad");
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::write(logs.join("replypad.log"), "from an older replypad\n").unwrap();
    run(state.path(), &["--demo", "threads"]);
    assert!(
        std::fs::read_to_string(logs.join("replypad.old.log"))
            .unwrap()
            .contains("older")
    );
    assert!(
        std::fs::symlink_metadata(logs.join("replypad.log"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

/// `replypad init` writes a commented, valid, private config for each
/// provider, never over an existing one without --force, refuses bad
/// addresses before writing anything, and runs doctor on what it wrote.
#[test]
fn init_writes_a_valid_private_config_per_provider() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let init = |path: &std::path::Path, extra: &[&str]| {
        let mut args = vec![
            "init",
            "--name",
            "Ana \"Lima\"",
            "--email",
            "ana@acme.io",
            "--team",
            "support@acme.io",
        ];
        args.extend_from_slice(extra);
        Command::new(env!("CARGO_BIN_EXE_replypad"))
            .args(&args)
            .env("REPLYPAD_CONFIG", path)
            .env("XDG_STATE_HOME", dir.path())
            .output()
            .unwrap()
    };
    for (provider, smtp_host, smtp_port) in [
        ("m365", "smtp.office365.com", 587),
        ("gmail", "smtp.gmail.com", 465),
        ("fastmail", "smtp.fastmail.com", 465),
        ("generic", "smtp.acme.io", 465),
    ] {
        let path = dir.path().join(provider).join("config.toml");
        let out = init(&path, &["--provider", provider, "--no-doctor"]);
        assert!(
            out.status.success(),
            "{provider}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let cfg = replypad::config::Config::load(&path).unwrap();
        assert_eq!(cfg.identity.name, "Ana \"Lima\"");
        let smtp = cfg.smtp.unwrap();
        assert_eq!(
            (smtp.host.as_str(), smtp.port),
            (smtp_host, smtp_port),
            "{provider}"
        );
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{provider}: {mode:o}");
        // Never over an existing config without --force.
        let again = init(&path, &["--provider", provider, "--no-doctor"]);
        assert!(!again.status.success());
        assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
        assert!(
            init(&path, &["--provider", provider, "--no-doctor", "--force"])
                .status
                .success()
        );
    }
    // A bad address: nothing written.
    let bad = dir.path().join("bad/config.toml");
    let out = Command::new(env!("CARGO_BIN_EXE_replypad"))
        .args([
            "init",
            "--name",
            "x",
            "--email",
            "not an address",
            "--team",
            "s@acme.io",
            "--no-doctor",
        ])
        .env("REPLYPAD_CONFIG", &bad)
        .env("XDG_STATE_HOME", dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an email address"));
    assert!(!bad.exists());
    // Without --no-doctor, doctor checks what was written (its secret
    // commands do not exist here, so it fails, and says so).
    let path = dir.path().join("doctor/config.toml");
    let mut args = vec![
        "init",
        "--name",
        "Ana",
        "--email",
        "ana@localhost",
        "--team",
        "support@localhost",
    ];
    args.push("--provider");
    args.push("generic");
    let out = Command::new(env!("CARGO_BIN_EXE_replypad"))
        .args(&args)
        .env("REPLYPAD_CONFIG", &path)
        .env("XDG_STATE_HOME", dir.path())
        .env("XDG_CACHE_HOME", dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("replypad doctor") && text.contains("ok    config"),
        "{text}"
    );
    assert!(
        !out.status.success(),
        "the secrets are placeholders: {text}"
    );
}

/// The screen without a terminal (a pipe, cron, ssh without a tty) says
/// what to do instead of panicking, before the demo starts afresh.
#[test]
fn the_screen_without_a_terminal_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    for args in [&["demo"][..], &[]] {
        let out = Command::new(env!("CARGO_BIN_EXE_replypad"))
            .args(args)
            .env("XDG_STATE_HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path())
            .env("XDG_DATA_HOME", dir.path())
            .env("XDG_CACHE_HOME", dir.path())
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("needs a terminal"), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}
