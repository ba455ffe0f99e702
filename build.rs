//! Embeds the demo mailbox (assets/demo/*.eml) into the binary, so
//! `replypad demo` runs from anywhere with no files beside it.

use std::{env, fs, path::Path};

fn main() {
    let dir = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap()).join("assets/demo");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<_> = fs::read_dir(&dir)
        .expect("assets/demo exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    names.sort();
    let mut out = String::from(
        "/// The demo mailbox: (file name, raw message), sorted by name.\npub static DEMO_MESSAGES: &[(&str, &[u8])] = &[\n",
    );
    for p in &names {
        println!("cargo:rerun-if-changed={}", p.display());
        out += &format!(
            "    ({:?}, include_bytes!({:?})),\n",
            p.file_name().unwrap().to_string_lossy(),
            p.display().to_string()
        );
    }
    out += "];\n";
    fs::write(
        Path::new(&env::var("OUT_DIR").unwrap()).join("demo_messages.rs"),
        out,
    )
    .unwrap();
}
