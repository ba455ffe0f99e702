//! The layer rules: domain, store, mail, sync, desk (and config) never use
//! the terminal crates, only `ui` and `cli` may; the front ends reach the
//! store and the servers through the desk, which alone builds and signs
//! team events; the worker never words advice for people.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn core_layers_do_not_import_the_terminal_crates() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for layer in [
        "domain",
        "store",
        "mail",
        "sync",
        "config",
        "templates",
        "desk",
    ] {
        rust_files(&src.join(layer), &mut files);
    }
    for single in ["paths.rs", "logging.rs", "fault.rs", "attachments.rs"] {
        files.push(src.join(single));
    }
    assert!(files.len() > 10, "the layout moved; update this test");
    let mut offenders = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if [
                "ratatui::",
                "crossterm::",
                "ratatui_textarea",
                "use ratatui",
                "use crossterm",
            ]
            .iter()
            .any(|c| code.contains(c))
            {
                offenders.push(format!("{}:{}: {}", f.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "terminal crates used below the ui layer:\n{}",
        offenders.join("\n")
    );
}

/// The code of a file: comments and the test module cut, string literals
/// kept (`strings`) or blanked.
fn code_of(path: &Path, strings: bool) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.split("#[cfg(test)]").next().unwrap_or("").to_string();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if t.starts_with("//") {
            continue;
        }
        let mut code = String::new();
        let mut in_str = false;
        let mut prev = ' ';
        for c in line.chars() {
            if c == '"' && prev != '\\' {
                in_str = !in_str;
                code.push('"');
            } else if in_str && !strings {
                code.push('_');
            } else {
                code.push(c);
            }
            prev = c;
        }
        out.push((i + 1, code));
    }
    out
}

fn files_under(dir: &str) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join(dir), &mut files);
    files
}

fn rel(p: &Path) -> String {
    p.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(p)
        .display()
        .to_string()
}

#[test]
fn team_events_are_built_and_signed_only_in_the_desk() {
    let mut offenders = Vec::new();
    for f in files_under("src") {
        let r = rel(&f);
        // The desk builds and signs; the codec defines signing; the domain
        // defines the type; the demo's seed is part of the desk. Unit tests
        // in a file of their own (`#[path = "…_tests.rs"] mod tests`) are
        // skipped like inline test modules.
        if r.starts_with("src/desk/")
            || r == "src/mail/team_event.rs"
            || r == "src/domain/events.rs"
            || r.ends_with("_tests.rs")
        {
            continue;
        }
        let lines = code_of(&f, false);
        for (i, (n, code)) in lines.iter().enumerate() {
            // A construction names the agent within the next lines (a
            // pattern match or the pending-queue variant does not).
            let near: String = lines[i..(i + 8).min(lines.len())]
                .iter()
                .map(|(_, c)| c.as_str())
                .collect();
            let builds = code.contains("Event {")
                && !code.contains("Op::Event")
                && !code.contains("struct Event")
                && near.contains("agent:");
            let signs = code.contains("team_event::encode");
            let fresh_id = code.contains("new_event_id()") && !r.ends_with("compose.rs");
            if builds || signs || fresh_id {
                offenders.push(format!("{r}:{n}: {}", code.trim()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "team events built outside the desk:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_front_ends_reach_sync_only_through_the_desk_and_choose_the_demo_once() {
    let mut offenders = Vec::new();
    for f in files_under("src/ui") {
        for (n, code) in code_of(&f, false) {
            if code.contains("sync::") && !code.contains("tokio::sync") {
                offenders.push(format!("{}:{n}: {}", rel(&f), code.trim()));
            }
        }
    }
    for dir in ["src/ui", "src/cli"] {
        for f in files_under(dir) {
            let r = rel(&f);
            // Where the demo is chosen: the flag, and the transport it picks.
            // Unit tests in a file of their own may load the demo mailbox as
            // data, as inline test modules (skipped by `code_of`) do.
            if r == "src/cli/mod.rs" || r == "src/cli/account.rs" || r.ends_with("_tests.rs") {
                continue;
            }
            for (n, code) in code_of(&f, false) {
                let words = code.split(|c: char| !c.is_alphanumeric() && c != '_');
                if words
                    .into_iter()
                    .any(|w| w == "demo" || w.starts_with("demo_") || w.ends_with("_demo"))
                {
                    offenders.push(format!("{r}:{n}: {}", code.trim()));
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "front-end code that knows the demo or sync:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_worker_never_words_advice_for_people() {
    let mut offenders = Vec::new();
    for f in files_under("src/sync") {
        for (n, code) in code_of(&f, true) {
            if code.contains("`replypad ")
                || code.contains("replypad outbox")
                || code.contains("replypad sync")
            {
                offenders.push(format!("{}:{n}: {}", rel(&f), code.trim()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "advice for people in the sync layer:\n{}",
        offenders.join("\n")
    );
}
