//! The layer rule: domain, store, mail, sync (and config, demo) never use the
//! terminal crates. Only `ui` and `cli` may.

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
        "replies",
    ] {
        rust_files(&src.join(layer), &mut files);
    }
    for single in [
        "demo.rs",
        "paths.rs",
        "logging.rs",
        "fault.rs",
        "attachments.rs",
    ] {
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
