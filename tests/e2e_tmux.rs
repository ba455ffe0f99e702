//! End to end: the real binary in a real terminal (tmux), driven by keys and
//! read back with capture-pane. Uses an isolated HOME so logs and state stay
//! in a temp dir.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
    _home: tempfile::TempDir,
}

impl Tmux {
    fn start(width: u16, height: u16, cmd: &str) -> Tmux {
        let tmux = support::require_binary("tmux", &["/usr/bin/tmux"], "tmux");
        let home = tempfile::tempdir().unwrap();
        let socket = format!(
            "replypad-e2e-{}-{}",
            std::process::id(),
            home.path().file_name().unwrap().to_string_lossy()
        );
        let status = Command::new(&tmux)
            .args(["-L", &socket, "-f", "/dev/null", "new-session", "-d", "-x", &width.to_string(), "-y", &height.to_string()])
            .arg(format!(
                // The marker starts a line of its own: after a kill -9 the
                // terminal is still raw (no CR on LF) and the shell's "Killed"
                // report, with the whole command line, comes first; a long
                // temp path would otherwise wrap the marker.
                "env HOME={h} XDG_STATE_HOME={h}/state TERM=xterm-256color {cmd}; rc=$?; printf '\\r\\nREPLYPAD-EXITED:%s\\r\\n' $rc; sleep 30",
                h = home.path().display()
            ))
            .status()
            .unwrap();
        assert!(status.success());
        Tmux {
            socket,
            _home: home,
        }
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", "-t", "0", k]);
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "0"])
    }

    /// Waits until the screen contains `text`; returns how long it took.
    fn wait_for(&self, text: &str, timeout: Duration) -> Duration {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(text) {
                return start.elapsed();
            }
            if start.elapsed() > timeout {
                panic!("{text:?} did not appear within {timeout:?}; the screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Tmux {
    /// Waits until the screen shows every one of `texts` (a frame is
    /// written over several reads: a capture may catch one half drawn);
    /// returns that screen.
    fn wait_all(&self, texts: &[&str], timeout: Duration) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if texts.iter().all(|t| s.contains(t)) {
                return s;
            }
            if start.elapsed() > timeout {
                let missing: Vec<_> = texts.iter().filter(|t| !s.contains(*t)).collect();
                panic!("{missing:?} did not appear within {timeout:?}; the screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}

#[test]
fn demo_in_a_real_terminal() {
    let bin = env!("CARGO_BIN_EXE_replypad");
    let t = Tmux::start(120, 40, &format!("{bin} demo"));
    let took = t.wait_for("Jordan Blake", Duration::from_secs(5));
    eprintln!("first frame with demo subjects after {took:?}");
    // The hostile subject shows as placeholders; nothing reached the terminal raw.
    t.wait_all(
        &[
            "THIS IS UNACCEPTABLE - third",
            "All · 1/46",
            "DEMO",
            "Invoice ␛[31mOVERDUE␛[0m ␀",
        ],
        Duration::from_secs(2),
    );
    let raw = t.tmux(&["capture-pane", "-p", "-e", "-t", "0"]);
    assert!(
        !raw.contains('\u{202e}') && !raw.contains('\0'),
        "raw control characters reached the terminal"
    );
    assert!(
        !raw.contains("\u{1b}[31mOVERDUE"),
        "an escape sequence from mail reached the terminal"
    );

    t.keys(&["j", "j", "j", "j", "Enter"]);
    t.wait_all(
        &[
            "Hostile Sender <mallory@attacker.example>",
            "Invoice ␛[31mOVERDUE␛[0m ␀ pay now ⟪bidi⟫fdp.exe",
            "Body escapes too: ␛[2J␛[31mthis would clear the screen",
        ],
        Duration::from_secs(2),
    );
    let raw = t.tmux(&["capture-pane", "-p", "-e", "-t", "0"]);
    assert!(
        !raw.contains("\u{1b}[2J") && !raw.contains('\u{202e}'),
        "raw escapes from the body reached the terminal"
    );
    t.keys(&["h", "g", "g", "j", "j"]);
    t.wait_for("All · 3/46", Duration::from_secs(2));
    t.keys(&["k"]);
    t.wait_for("All · 2/46", Duration::from_secs(2));
    t.keys(&["Enter"]);
    t.wait_for(
        "Robert Chen <robert.chen@chen-family-dental.com>",
        Duration::from_secs(2),
    );
    // Triage by keys: claim, label, status; the screen shows each at once.
    t.keys(&["a"]);
    t.wait_for("claimed by dana@example.com", Duration::from_secs(2));
    t.keys(&["#"]);
    t.tmux(&["send-keys", "-t", "0", "-l", "+urgent"]);
    t.keys(&["Enter"]);
    t.wait_for("labels +urgent", Duration::from_secs(2));
    t.keys(&["s"]);
    t.tmux(&["send-keys", "-t", "0", "-l", "pending"]);
    t.keys(&["Enter"]);
    t.wait_all(
        &["status pending", "#urgent", "assigned to dana@example.com"],
        Duration::from_secs(2),
    );
    t.keys(&["?"]);
    t.wait_for("Esc or ? closes", Duration::from_secs(2));
    t.wait_for("Next conversation", Duration::from_secs(1));
    // The terminal's own page keys move it, to its end and back.
    t.keys(&["End"]);
    t.wait_for("The palette's previous match", Duration::from_secs(2));
    t.keys(&["Home"]);
    t.wait_for("Keys 1–", Duration::from_secs(2));
    t.keys(&["?", "h"]);
    t.wait_for("All · 2/46", Duration::from_secs(2));
    t.keys(&["q"]);
    t.wait_for("REPLYPAD-EXITED:0", Duration::from_secs(3));
    assert_eq!(
        t.tmux(&["display", "-p", "-t", "0", "#{alternate_on}"])
            .trim(),
        "0",
        "alternate screen left"
    );
    assert!(
        !t.screen().contains("Inbox ·"),
        "the TUI is gone after quit"
    );
}

/// `kill -9` while a reply is being written, then a restart: the draft is
/// there (it is saved on every key), with what was typed.
#[test]
fn a_draft_survives_kill_9_during_compose() {
    let d = support::dovecot::Dovecot::start();
    let mut c = support::client(&d);
    c.append(
        "INBOX",
        &support::message("k9", &[], "Where is my parcel", "It has been two weeks."),
        false,
    )
    .unwrap();
    let ana = support::cli::Instance::new(&d, "ana", "key_command = \"printf k\"");
    let config = &ana.config;
    let bin = env!("CARGO_BIN_EXE_replypad");
    let run = |args: &[&str]| ana.ok(args);
    run(&["sync"]);
    let t = Tmux::start(100, 30, &format!("{bin} --config {}", config.display()));
    t.wait_for("Where is my parcel", Duration::from_secs(10));
    t.keys(&["Enter", "r"]);
    t.wait_for("Ctrl-s send", Duration::from_secs(3));
    t.tmux(&[
        "send-keys",
        "-t",
        "0",
        "-l",
        "Your parcel left our warehouse",
    ]);
    t.wait_for("Your parcel left our warehouse", Duration::from_secs(3));
    eprintln!("before the kill:\n{}", t.screen());
    // The replypad process itself (not the shell tmux runs it in).
    let pids = Command::new("pgrep")
        .args(["-f", &format!("{bin} --config {}", config.display())])
        .output()
        .unwrap();
    let mut killed = 0;
    for pid in String::from_utf8_lossy(&pids.stdout).split_whitespace() {
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if comm.trim() == "replypad" {
            assert!(
                Command::new("kill")
                    .args(["-9", pid])
                    .status()
                    .unwrap()
                    .success()
            );
            killed += 1;
        }
    }
    assert_eq!(killed, 1, "the TUI was running");
    t.wait_for("REPLYPAD-EXITED:137", Duration::from_secs(3));

    let list = run(&["drafts", "list"]);
    assert!(list.contains("Re: Where is my parcel"), "{list}");
    let id = list.split_whitespace().next().unwrap();
    let shown = run(&["drafts", "show", id]);
    assert!(shown.contains("Your parcel left our warehouse"), "{shown}");
    assert!(shown.contains("> It has been two weeks."), "{shown}");
}

/// Ctrl-e in compose hands the draft to `$EDITOR` (a script here) and reads
/// it back; the terminal comes back to the TUI.
#[test]
fn compose_in_the_external_editor() {
    let bin = env!("CARGO_BIN_EXE_replypad");
    let dir = tempfile::tempdir().unwrap();
    let editor = dir.path().join("editor.sh");
    std::fs::write(
        &editor,
        // Headers (To, Cc, Subject), a blank line, then the body: the
        // script writes its line at the top of the body.
        "#!/bin/sh\nperm=$(stat -c %a \"$1\")\n{ head -n 4 \"$1\"; printf 'Written in the editor (mode %s)\\n' \"$perm\"; \
         tail -n +5 \"$1\"; } > \"$1.new\" && cat \"$1.new\" > \"$1\" && rm \"$1.new\"\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).unwrap();
    let t = Tmux::start(120, 40, &format!("EDITOR={} {bin} demo", editor.display()));
    t.wait_for("Jordan Blake", Duration::from_secs(5));
    t.keys(&["Enter", "r"]);
    t.wait_for("Ctrl-s send", Duration::from_secs(3));
    t.keys(&["C-e"]);
    // Back in the compose pane.
    t.wait_all(
        &["Written in the editor (mode 600)", "Ctrl-s send"],
        Duration::from_secs(5),
    );
    // A resize repaints the whole screen (without asking the terminal where
    // the cursor is, which the input reader could swallow).
    t.tmux(&["resize-window", "-t", "0", "-x", "90", "-y", "28"]);
    t.wait_for("Written in the editor", Duration::from_secs(3));
    t.keys(&["Escape"]);
    t.wait_for("draft saved", Duration::from_secs(3));
}

/// A paste into a prompt is one line of text: its line break is no Enter
/// (bracketed paste; without it, the search ran on the first line and the
/// rest went to the list as keys).
#[test]
fn a_paste_into_a_prompt_is_text_not_keys() {
    let bin = env!("CARGO_BIN_EXE_replypad");
    let t = Tmux::start(100, 30, &format!("{bin} demo"));
    t.wait_for("Jordan Blake", Duration::from_secs(5));
    t.keys(&["/"]);
    t.wait_for("/▏", Duration::from_secs(3));
    t.tmux(&["set-buffer", "refund\ninvoice"]);
    t.tmux(&["paste-buffer", "-p", "-t", "0"]);
    t.wait_for("refund invoice▏", Duration::from_secs(3));
    assert!(
        t.screen().contains("All · 1/"),
        "no search ran:\n{}",
        t.screen()
    );
    t.keys(&["Enter"]);
    t.wait_for("/refund invoice", Duration::from_secs(3));
}

/// An editor that cannot be found is named as such, the draft stays, and
/// the line is kept in the messages log (`g l`) after the next key.
#[test]
fn a_missing_editor_is_named_and_logged() {
    let bin = env!("CARGO_BIN_EXE_replypad");
    let t = Tmux::start(120, 40, &format!("EDITOR=/nonexistent/editor {bin} demo"));
    t.wait_for("Jordan Blake", Duration::from_secs(5));
    t.keys(&["Enter", "r"]);
    t.wait_for("Ctrl-s send", Duration::from_secs(3));
    t.keys(&["C-e"]);
    t.wait_all(&["Ctrl-s send", "was not found"], Duration::from_secs(5));
    t.keys(&["Escape"]);
    t.wait_for("draft saved", Duration::from_secs(3));
    t.keys(&["g", "l"]);
    t.wait_all(
        &["Messages", "was not found: set $VISUAL or $EDITOR"],
        Duration::from_secs(3),
    );
}

/// A panic (injected on Ctrl-l) restores the terminal and keeps the demo's
/// files: the drafts and notes written in it are not deleted.
#[test]
fn a_panic_restores_the_terminal_and_keeps_the_demo_files() {
    let bin = env!("CARGO_BIN_EXE_replypad");
    let t = Tmux::start(
        100,
        30,
        &format!("REPLYPAD_FAULT=panic-on-redraw {bin} demo 2>&1"),
    );
    t.wait_for("DEMO", Duration::from_secs(10));
    // A note first: something the agent wrote.
    t.keys(&["c"]);
    t.tmux(&["send-keys", "-t", "0", "-l", "keep this note"]);
    t.keys(&["Enter"]);
    t.wait_for("note added", Duration::from_secs(5));
    t.keys(&["C-l"]);
    let screen = t.wait_all(&["REPLYPAD-EXITED:", "kept in"], Duration::from_secs(10));
    assert!(!screen.contains("REPLYPAD-EXITED:0"), "{screen}");
    // The terminal is back: the shell's output, not the TUI's frame.
    assert!(!screen.contains("DEMO"), "{screen}");
    let kept = screen
        .split("kept in ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .expect("the kept directory is named");
    let cache = std::path::Path::new(kept).join("demo.sqlite3");
    assert!(cache.exists(), "{screen}");
    let store = replypad::store::Store::open(&cache).unwrap();
    let first = store
        .list_conversations(replypad::store::ListQuery {
            offset: 0,
            limit: 1,
        })
        .unwrap()[0]
        .id
        .clone();
    let notes = store.conversation(&first).unwrap().unwrap().notes;
    let _ = std::fs::remove_dir_all(kept);
    assert!(
        notes.iter().any(|n| n.text == "keep this note"),
        "{notes:?}"
    );
}

/// A whole shift in the real binary, as an agent works (issue 26's
/// acceptance): claim, a note with a completed @mention, a template reply
/// with its fields, send and pending, undo send, a forward with the reply
/// draft saved, and a teammate's draft reviewed; at 140x40, then 80x24.
#[test]
fn a_whole_shift_in_the_demo() {
    let bin = env!("CARGO_BIN_EXE_replypad");
    let t = Tmux::start(140, 40, &format!("{bin} demo"));
    t.wait_for("All · 1/46", Duration::from_secs(10));
    // Robert Chen's urgent conversation: open it and claim it.
    t.keys(&["j", "Enter"]);
    t.wait_for(
        "URGENT: all appointments disappeared",
        Duration::from_secs(2),
    );
    t.keys(&["a"]);
    t.wait_for("claimed by dana@example.com", Duration::from_secs(2));
    // A note mentioning Lee, the name completed with Tab.
    t.keys(&["c"]);
    t.tmux(&["send-keys", "-t", "0", "-l", "@le"]);
    t.keys(&["Tab"]);
    t.wait_for("@lee", Duration::from_secs(2));
    t.tmux(&["send-keys", "-t", "0", "-l", " please call him"]);
    t.keys(&["Enter"]);
    t.wait_for("note added (mentions lee)", Duration::from_secs(2));
    // A template reply: the picker asks its two fields.
    t.keys(&["T"]);
    t.wait_for("Templates", Duration::from_secs(2));
    t.tmux(&["send-keys", "-t", "0", "-l", "refund-appr"]);
    t.keys(&["Enter"]);
    t.wait_for("Amount (1/2)", Duration::from_secs(2));
    t.tmux(&["send-keys", "-t", "0", "-l", "$120"]);
    t.keys(&["Enter"]);
    t.tmux(&["send-keys", "-t", "0", "-l", "A-1042"]);
    t.keys(&["Enter"]);
    t.wait_all(&["Ctrl-s send", "A-1042"], Duration::from_secs(2));
    // Send and pending; then undo send: the draft is back, the status too.
    t.keys(&["M-p"]);
    t.wait_for("sending in", Duration::from_secs(2));
    t.keys(&["u"]);
    t.wait_for("send undone", Duration::from_secs(2));
    t.wait_all(&["Ctrl-s send", "A-1042"], Duration::from_secs(2));
    t.keys(&["Escape"]);
    t.wait_for("draft saved", Duration::from_secs(2));
    let s = t.screen();
    assert!(
        s.contains("open · assigned to dana@example.com"),
        "the status is back to open: {s}"
    );
    // Forward with the reply draft saved: a forward, not the reply.
    t.keys(&["f"]);
    t.wait_all(&["Forward · draft", "Fwd: URGENT"], Duration::from_secs(2));
    t.keys(&["Escape"]);
    t.wait_for("draft saved", Duration::from_secs(2));
    // The reply draft is still there for r.
    t.keys(&["r"]);
    t.wait_all(&["resumed your draft", "A-1042"], Duration::from_secs(2));
    t.keys(&["Escape"]);
    // A teammate's draft waits for Dana: approve it.
    t.keys(&["h", "g", "r"]);
    t.wait_for("Review · 1/2", Duration::from_secs(2));
    t.keys(&["Enter"]);
    t.wait_for("DRAFT FOR REVIEW", Duration::from_secs(2));
    t.keys(&["v", "a"]);
    t.wait_for("revision 1: approved", Duration::from_secs(2));
    // Narrow terminal: the same state, one pane at a time.
    t.tmux(&["resize-window", "-t", "0", "-x", "80", "-y", "24"]);
    t.keys(&["h", "g", "i"]);
    t.wait_for("All · 1/46", Duration::from_secs(2));
    t.keys(&["j", "Enter"]);
    t.wait_all(
        &[
            "open · assigned to dana",
            "NOTE  dana@example.com",
            "@lee please call him",
        ],
        Duration::from_secs(2),
    )
    .lines()
    .for_each(|l| assert!(l.chars().count() <= 80, "{l}"));
    t.keys(&["h", "q"]);
    t.wait_for("REPLYPAD-EXITED:0", Duration::from_secs(3));
}

/// A mention by one agent shows in another agent's running TUI within
/// seconds (the log watcher's IDLE), and `g n` reads it.
#[test]
fn a_mention_reaches_a_teammates_running_tui() {
    let d = support::dovecot::Dovecot::start();
    let mut c = support::client(&d);
    c.append(
        "INBOX",
        &support::message("mn", &[], "Broken invoice", "The total is wrong."),
        false,
    )
    .unwrap();
    let ana = support::cli::Instance::new(&d, "ana", "key_command = \"printf k\"");
    let lee = support::cli::Instance::new(&d, "lee", "key_command = \"printf k\"");
    ana.ok(&["sync"]);
    lee.ok(&["sync"]);
    let conv = ana.json(&["threads", "--json"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let bin = env!("CARGO_BIN_EXE_replypad");
    let t = Tmux::start(100, 30, &format!("{bin} --config {}", lee.config.display()));
    t.wait_for("Broken invoice", Duration::from_secs(10));
    // Let the first pass and the log watcher settle.
    std::thread::sleep(Duration::from_secs(2));
    assert!(!t.screen().contains("new (g n)"));
    ana.ok(&["note", &conv, "@lee can you check the total?"]);
    let took = t.wait_for("1 new (g n)", Duration::from_secs(5));
    eprintln!("the mention showed after {took:?}");
    t.keys(&["g", "n"]);
    let s = t.wait_all(
        &["Notifications", "mentioned you", "can you check the total?"],
        Duration::from_secs(3),
    );
    assert!(s.contains("Broken invoice"), "{s}");
    t.keys(&["Escape"]);
    std::thread::sleep(Duration::from_millis(300));
    assert!(!t.screen().contains("new (g n)"), "read: {}", t.screen());
}
