//! The CLI on the built-in demo mailbox: JSON for scripts, sanitized text for people.

use std::process::Command;

/// The binary on a demo of its own (a new state directory).
fn replypad(args: &[&str]) -> (i32, String, String) {
    replypad_in(tempfile::tempdir().unwrap().path(), args)
}

#[test]
fn demo_threads_and_show_as_json() {
    let (code, out, err) = replypad(&["--demo", "threads", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let threads = v.as_array().unwrap();
    assert_eq!(threads.len(), 46);
    for key in [
        "id",
        "subject",
        "from",
        "last_date",
        "messages",
        "unread",
        "status",
        "assignee",
        "labels",
    ] {
        assert!(
            threads[0].get(key).is_some(),
            "missing {key}: {}",
            threads[0]
        );
    }
    // Terminal-safe JSON: the hostile subject's controls are escapes, the data intact.
    assert!(!out.contains('\u{1b}') && !out.contains('\u{202e}'));
    assert!(out.contains("\\u001b[31mOVERDUE"), "escaped, not dropped");
    let id = threads[2]["id"].as_str().unwrap();
    let (code, out, _) = replypad(&["--demo", "show", id, "--json"]);
    assert_eq!(code, 0);
    let c: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(c["id"], id);
    let m = &c["messages"][0];
    for key in [
        "message_id",
        "from",
        "to",
        "date",
        "subject",
        "text",
        "attachments",
    ] {
        assert!(m.get(key).is_some(), "missing {key}");
    }
}

#[test]
fn human_output_is_sanitized_and_unknown_ids_are_clear() {
    let (code, out, _) = replypad(&["--demo", "threads"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("Invoice ␛[31mOVERDUE␛[0m ␀ pay now ⟪bidi⟫fdp.exe"),
        "{out}"
    );
    assert!(!out.contains('\u{1b}'));
    let (code, _, err) = replypad(&["--demo", "show", "ffffffffffff"]);
    assert_eq!(code, 1);
    assert!(err.contains("no conversation ffffffffffff"), "{err}");
    let (code, out, err) = replypad(&["--demo", "templates", "lint"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("15 template(s), 0 error(s)"), "{out}");
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.md");
    std::fs::write(
        &broken,
        "---\nname: broken\n---\nHi {{ customer.frist_name }} {% if %}",
    )
    .unwrap();
    let (code, out, _) = replypad(&["--demo", "templates", "lint", broken.to_str().unwrap()]);
    assert_eq!(code, 1, "a broken template fails lint: {out}");
    assert!(out.contains("broken: error"), "{out}");
    let (code, _, err) = replypad(&["--demo", "reply", "ffffffffffff", "--file", "x"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no conversation ffffffffffff"), "{err}");
}

#[test]
fn a_bad_config_is_refused_with_the_key_named() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(
        &cfg,
        "[identity]\nname = \"A\"\nemail = \"a@example.com\"\n[team]\nname = \"S\"\naddress = \"s@example.com\"\n\
         [imap]\nhost = \"mail.example.com\"\ntls = \"none\"\nuser = \"u\"\n",
    )
    .unwrap();
    let (code, _, err) = replypad(&["--config", cfg.to_str().unwrap(), "threads"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("line 9: imap.tls") && err.contains("loopback"),
        "{err}"
    );
    // A config that cannot be read says why, once.
    let (code, _, err) = replypad(&["--config", dir.path().to_str().unwrap(), "threads"]);
    assert_eq!(code, 1);
    assert!(err.contains("cannot read config"), "{err}");
    assert_eq!(err.matches("Is a directory").count(), 1, "{err}");
    let (code, out, _) = replypad(&["--config", dir.path().to_str().unwrap(), "doctor"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("Is a directory") && out.contains("a config file you can read"),
        "doctor says why and what to do: {out}"
    );
}

/// A reader that stops early (`| head -1`) ends the command quietly with
/// success, for JSON and for text output.
#[test]
fn a_closed_pipe_ends_quietly_with_success() {
    for args in [
        &["--demo", "threads", "--json"][..],
        &["--demo", "threads"][..],
    ] {
        let state = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_replypad"))
            .args(args)
            .env("XDG_STATE_HOME", state.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Close the pipe before the output comes (the demo takes a moment
        // to load), as a `head` that has read enough does.
        drop(child.stdout.take());
        let done = child.wait_with_output().unwrap();
        assert_eq!(
            done.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&done.stderr)
        );
        assert!(
            done.stderr.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&done.stderr)
        );
    }
}

/// `reply` with no text of its own, or mentioning an attachment with none
/// attached, exits 3 and sends nothing; `--force` sends it.
#[test]
fn an_empty_reply_or_a_missing_attachment_exits_3_without_force() {
    let (_, out, _) = replypad(&["--demo", "threads", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let id = v[0]["id"].as_str().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    let attached = dir.path().join("attached.txt");
    std::fs::write(&attached, "Please see the invoice attached.").unwrap();
    for (file, why) in [
        (&empty, "no text of its own"),
        (&attached, "mentions an attachment"),
    ] {
        let f = file.to_str().unwrap();
        let (code, out, err) = replypad(&["--demo", "reply", &id, "--file", f]);
        assert_eq!(code, 3, "{out}{err}");
        assert!(out.contains(why) && out.contains("--force"), "{out}");
        assert!(!out.contains("outbox #"), "nothing queued: {out}");
        let (code, out, err) = replypad(&["--demo", "reply", &id, "--file", f, "--force"]);
        assert_eq!(code, 0, "{out}{err}");
        assert!(out.contains(": sent"), "{out}");
    }
    // Attachments follow the TUI's rule: a file, once (a directory or a
    // second copy was taken and sent).
    let f = attached.to_str().unwrap();
    let d = dir.path().to_str().unwrap();
    for (attach, why) in [(vec![f, f], "is attached already"), (vec![d], "not a file")] {
        let mut args = vec!["--demo", "reply", &id, "--file", f];
        for a in &attach {
            args.extend(["--attach", a]);
        }
        let (code, out, err) = replypad(&args);
        assert_eq!(code, 1, "{attach:?}: {out}{err}");
        assert!(err.contains(why), "{attach:?}: {err}");
        assert!(!out.contains("outbox #"), "nothing queued: {out}");
    }
}

/// The template commands say what is wrong and what to do: `show` prints
/// the front matter too, `lint` asks for a missing name, `render` refuses
/// an unknown `--set` field and exits 3 with fields unfilled; `doctor`
/// without a config says where it looked, not "the line named above".
#[test]
fn template_commands_and_doctor_say_what_to_do() {
    let (code, out, _) = replypad(&["--demo", "templates", "show", "acknowledgement"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("---\nname: acknowledgement\n"), "{out}");
    let dir = tempfile::tempdir().unwrap();
    let noname = dir.path().join("noname.md");
    std::fs::write(&noname, "---\ndescription: x\n---\nHi\n").unwrap();
    let (code, out, _) = replypad(&["--demo", "templates", "lint", noname.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(out.contains("add a line such as `name:"), "{out}");
    let (_, json, _) = replypad(&["--demo", "threads", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let id = v[0]["id"].as_str().unwrap();
    let render = |extra: &[&str]| {
        let mut a = vec![
            "--demo",
            "templates",
            "render",
            "bug-confirmed",
            "--conversation",
            id,
        ];
        a.extend_from_slice(extra);
        replypad(&a)
    };
    let (code, _, err) = render(&[]);
    assert_eq!(code, 3, "fields unfilled: {err}");
    assert!(err.contains("unfilled field: Workaround"), "{err}");
    let (code, _, err) = render(&["--set", "Workaroud=restart"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("asks no such field") && err.contains("Workaround"),
        "{err}"
    );
    let (code, out, _) = replypad(&["doctor", "--config", "/nonexistent/replypad.toml"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("no config at") && !out.contains("line named above"),
        "{out}"
    );
}

/// The binary with its state (the demo's files) in `state`.
fn replypad_in(state: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_replypad"))
        .args(args)
        .env("XDG_STATE_HOME", state)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The demo is a team: teammates' history and drafts waiting for Dana's
/// review, `--as` another agent, `--demo` commands on one demo (not a new one
/// each), and a sent reply in its conversation and the outbox.
#[test]
fn the_demo_is_a_team_and_its_commands_share_one_demo() {
    let state = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let (code, out, err) = replypad_in(state.path(), args);
        assert_eq!(code, 0, "{args:?}: {err}");
        out
    };
    let review = run(&["--demo", "threads", "--view", "review"]);
    assert!(
        review.contains("Booking widget shows wrong timezone"),
        "{review}"
    );
    assert!(review.contains("Nonprofit discount?"), "{review}");
    let id = review
        .lines()
        .find(|l| l.contains("Booking widget"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_string();
    let history = run(&["--demo", "history", &id]);
    assert!(
        history.contains("lee@example.com  assigned to lee@example.com")
            && history.contains("lee@example.com  draft"),
        "the history credits Lee: {history}"
    );
    // Dana's drafts are hers: the teammates' working copies are not.
    // An empty list says so (it printed nothing, like a command that failed quietly).
    assert_eq!(run(&["--demo", "drafts", "list"]).trim(), "no drafts");
    assert_eq!(run(&["--demo", "drafts", "list", "--json"]).trim(), "[]");
    assert_eq!(run(&["--demo", "outbox"]).trim(), "the outbox is empty");
    assert_eq!(
        run(&["--demo", "threads", "--view", "snoozed"]).trim(),
        "no conversation in Snoozed"
    );
    assert_eq!(
        run(&["--demo", "threads", "--search", "zzqq"]).trim(),
        "nothing matches \"zzqq\""
    );
    let typo = run(&["--demo", "threads", "--view", "label:biling"]);
    assert!(
        typo.starts_with("no conversation has the label \"biling\" (labels: billing, bug"),
        "a label nobody uses names those in use: {typo}"
    );
    assert_eq!(
        run(&["--demo", "threads", "--view", "snoozed", "--json"]).trim(),
        "[]"
    );
    // A second command sees what the first did.
    run(&["--demo", "note", &id, "checked with product"]);
    assert!(run(&["--demo", "history", &id]).contains("note added: checked with product"));
    // As Lee: the review is his to act on after Dana's approval.
    let (code, _, err) = replypad_in(state.path(), &["--demo", "--as", "bob", "threads"]);
    assert_eq!(code, 1);
    assert!(err.contains("dana, sam, lee"), "{err}");
    let (code, _, err) = replypad_in(state.path(), &["--as", "lee", "threads"]);
    assert_ne!(code, 0);
    assert!(err.contains("--as is for the demo"), "{err}");
    let body = state.path().join("r.txt");
    std::fs::write(
        &body,
        "Hi George,\n\nFixed on our side: please try the widget again.\n",
    )
    .unwrap();
    run(&[
        "--demo",
        "--as",
        "lee",
        "reply",
        &id,
        "--file",
        body.to_str().unwrap(),
        "--force",
    ]);
    let shown = run(&["--demo", "show", &id]);
    assert!(
        shown.contains("Fixed on our side") && shown.contains("Lee Park"),
        "the sent reply is in its conversation: {shown}"
    );
    let outbox = state.path().join("replypad/demo/outbox");
    assert_eq!(std::fs::read_dir(&outbox).unwrap().count(), 1);
    // A new demo TUI would start afresh; a --demo command keeps it.
    assert!(run(&["--demo", "history", &id]).contains("checked with product"));
}

/// `save ID N --html`: message N's HTML part, sanitized, 0600, never over a
/// file; a plain-text message says it has none. (The TUI's `o` goes the
/// same way and opens the copy in the browser.)
#[test]
fn an_html_message_is_saved_sanitized() {
    let state = tempfile::tempdir().unwrap();
    let (_, out, _) = replypad_in(state.path(), &["--demo", "threads", "--json"]);
    let threads: serde_json::Value = serde_json::from_str(&out).unwrap();
    let id_of = |subject: &str| {
        threads
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["subject"].as_str().unwrap().starts_with(subject))
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let news = id_of("Your weekly SaaS digest");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let (code, out, err) = replypad_in(
        state.path(),
        &["--demo", "save", &news, "1", "--html", "--dir", d],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("message #1 as HTML saved to"), "{out}");
    let file = dir.path().join("message-1.html");
    let html = std::fs::read_to_string(&file).unwrap();
    assert!(
        html.contains("default-src 'none'") && !html.contains("<script"),
        "{html}"
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let (code, _, _) = replypad_in(
        state.path(),
        &["--demo", "save", &news, "1", "--html", "--dir", d],
    );
    assert_eq!(code, 0);
    assert!(
        dir.path().join("message-1 (1).html").exists(),
        "never over a file"
    );
    let plain = id_of("THIS IS UNACCEPTABLE");
    let (code, _, err) = replypad_in(
        state.path(),
        &["--demo", "save", &plain, "1", "--html", "--dir", d],
    );
    assert_eq!(code, 1);
    assert!(err.contains("has no HTML part"), "{err}");
    let (code, _, err) = replypad_in(
        state.path(),
        &["--demo", "save", &news, "9", "--html", "--dir", d],
    );
    assert_eq!(code, 1);
    assert!(err.contains("no message #9"), "{err}");
}

/// The demo has no shared log: roster commands say so instead of queueing
/// a roster that would count nowhere.
#[test]
fn the_demo_keeps_no_roster() {
    let state = tempfile::tempdir().unwrap();
    let (code, _, err) = replypad_in(state.path(), &["--demo", "team", "init"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("needs a real account"), "{err}");
    let (code, out, _) = replypad_in(state.path(), &["--demo", "team", "list"]);
    assert_eq!(code, 0);
    assert!(out.contains("no roster yet"), "{out}");
}

#[test]
fn report_as_text_json_and_csv_and_its_wrong_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| replypad_in(dir.path(), args);
    let (code, out, err) = run(&["--demo", "report", "--json"]);
    assert_eq!(code, 0, "{err}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    let new = r["totals"]["new"].as_u64().unwrap();
    assert!(new > 50, "six weeks of history: {new}");
    assert_eq!(r["days"].as_array().unwrap().len(), 28);
    // The text says the same.
    let (code, text, _) = run(&["--demo", "report"]);
    assert_eq!(code, 0);
    assert!(
        text.contains(&format!("new {new} · replied {}", r["totals"]["replied"])),
        "{text}"
    );
    let (code, csv, _) = run(&["--demo", "report", "--csv", "--by", "agent"]);
    assert_eq!(code, 0);
    assert!(
        csv.starts_with("agent,conversations,first_response_median_s"),
        "{csv}"
    );
    assert!(csv.contains("\nsam@example.com,"), "{csv}");
    let (_, text, _) = run(&["--demo", "report", "--by", "agent"]);
    assert!(text.contains("answered"), "by agent, first answers: {text}");
    for (args, says) in [
        (&["--since", "yesterday"][..], "cannot read \"yesterday\""),
        (
            &["--since", "2026-12-01", "--until", "2026-11-01"],
            "--since must be before --until",
        ),
        (
            &["--label", "nosuch"],
            "no conversation has the label \"nosuch\"",
        ),
    ] {
        let mut a = vec!["--demo", "report"];
        a.extend_from_slice(args);
        let (code, _, err) = run(&a);
        assert_eq!(code, 1, "{args:?}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

#[test]
fn export_is_the_post_mortem_in_markdown_or_json() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| replypad_in(dir.path(), args);
    let (_, out, _) = run(&["--demo", "threads", "--json"]);
    let threads: serde_json::Value = serde_json::from_str(&out).unwrap();
    // The hostile subject: sanitized like on screen.
    let hostile = threads
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["subject"].as_str().unwrap().contains("OVERDUE"))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (code, md, err) = run(&["--demo", "export", &hostile]);
    assert_eq!(code, 0, "{err}");
    assert!(
        md.starts_with("# Post-mortem: Invoice ␛[31mOVERDUE"),
        "{md}"
    );
    assert!(!md.contains('\u{1b}') && !md.contains('\u{202e}'));
    assert!(md.contains("## What happened") && md.contains("## Prevention"));
    let (code, json, _) = run(&["--demo", "export", &hostile, "--format", "json"]);
    assert_eq!(code, 0);
    let pm: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(!pm["timeline"].as_array().unwrap().is_empty());
    let (code, _, err) = run(&["--demo", "export", "zzzz"]);
    assert_eq!(code, 1);
    assert!(err.contains("is not a conversation id"), "{err}");
}

/// `schedule cancel`, `drafts discard`, `review approve` with no id (or
/// blanks) act on nothing: "" is a prefix of every id, so with one job or
/// draft they took that one unasked.
#[test]
fn a_cancel_without_an_id_cancels_nothing() {
    let state = tempfile::tempdir().unwrap();
    let body = state.path().join("reply.txt");
    std::fs::write(&body, "Hi Emily, any news on the export?").unwrap();
    let (_, threads, _) = replypad_in(state.path(), &["--demo", "threads"]);
    let id = threads
        .lines()
        .find(|l| l.contains("Data export stuck"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_string();
    let (code, out, err) = replypad_in(
        state.path(),
        &[
            "--demo",
            "schedule",
            &id,
            "--at",
            "tomorrow 10:00",
            "--file",
            body.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    for blank in ["", " ", "\t"] {
        let (code, _, err) = replypad_in(state.path(), &["--demo", "schedule", "cancel", blank]);
        assert_eq!(code, 1, "{blank:?}: {err}");
        assert!(err.contains("which job?"), "{err}");
        // Nor a draft (the scheduled reply's is the only one), nor a review.
        for cmd in [
            &["drafts", "discard"][..],
            &["drafts", "send"],
            &["review", "approve"],
        ] {
            let args: Vec<&str> = ["--demo"]
                .iter()
                .chain(cmd)
                .chain([&blank])
                .copied()
                .collect();
            let (code, _, err) = replypad_in(state.path(), &args);
            assert_eq!(code, 1, "{args:?}: {err}");
            assert!(err.contains("which draft?"), "{args:?}: {err}");
        }
    }
    let (_, jobs, _) = replypad_in(state.path(), &["--demo", "jobs"]);
    assert!(jobs.contains("pending"), "still pending: {jobs}");
    // The history is who did what: the draft's presence ("replying",
    // "stopped replying") is not part of it.
    let (_, history, _) = replypad_in(state.path(), &["--demo", "history", &id]);
    assert!(history.contains("scheduled reply for "), "{history}");
    assert!(!history.contains("replying"), "{history}");
}
