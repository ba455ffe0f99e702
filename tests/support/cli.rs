//! One agent's replypad for integration tests: its own config file, cache
//! and state dir, driven through the real binary.

use std::path::PathBuf;
use std::process::Command;

pub struct Instance {
    pub config: PathBuf,
    pub cfg: replypad::config::Config,
    pub dir: tempfile::TempDir,
}

impl Instance {
    /// An agent named `name` on `d`; `extra` goes into the `[team]` section
    /// (and may open further sections).
    pub fn new(d: &super::dovecot::Dovecot, name: &str, extra: &str) -> Instance {
        let dir = tempfile::tempdir().unwrap();
        let config = super::write_config(d, dir.path(), name, extra);
        let cfg = replypad::config::Config::load(&config).unwrap();
        Instance { config, cfg, dir }
    }

    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_replypad"))
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .env("XDG_STATE_HOME", self.dir.path().join("state"))
            // The agent's signing key (`team init`/`join`) stays in the temp dir.
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .envs(env.iter().copied())
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code().unwrap_or(-1), text)
    }

    pub fn run(&self, args: &[&str]) -> (i32, String) {
        self.run_env(args, &[])
    }

    /// Runs and asserts success; the output.
    pub fn ok(&self, args: &[&str]) -> String {
        let (code, out) = self.run(args);
        assert_eq!(code, 0, "{args:?}: {out}");
        out
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }

    /// Writes a file in the agent's dir; its path.
    pub fn file(&self, name: &str, text: &str) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_string_lossy().into_owned()
    }
}
