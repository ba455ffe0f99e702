//! The agent's own Ed25519 signing key: from `team.signing_key_command`
//! (a password manager), else the private file `replypad team init` or
//! `join` writes under `$XDG_DATA_HOME/replypad/keys/` (0600, never in the
//! disposable cache). The key is never logged; errors name the file or the
//! config key, never the key.

use crate::config::Config;
use anyhow::{Context, Result, bail};
use ed25519_dalek::SigningKey;
use std::path::PathBuf;

/// Where this agent's key file lives.
pub fn key_file(cfg: &Config) -> PathBuf {
    let name = crate::paths::safe_file_name(&cfg.identity.email);
    crate::paths::data_dir()
        .join("keys")
        .join(format!("{name}.key"))
}

fn parse(text: &str, from: &str) -> Result<SigningKey> {
    let bytes: [u8; 32] = crate::mail::team_event::unhex(text.trim())
        .and_then(|b| b.try_into().ok())
        .with_context(|| format!("{from} does not hold a signing key (64 hex digits)"))?;
    Ok(SigningKey::from_bytes(&bytes))
}

/// This agent's signing key, if they have one.
pub fn agent_key(cfg: &Config) -> Result<Option<SigningKey>> {
    if let Some(cmd) = &cfg.team.signing_key_command {
        let secret = crate::config::run_secret_command("team.signing_key_command", cmd)?;
        return parse(secret.expose(), "the output of team.signing_key_command").map(Some);
    }
    let path = key_file(cfg);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)?.permissions().mode();
            if mode & 0o077 != 0 {
                bail!(
                    "{} is readable by others (mode {:o}): chmod 600 it",
                    path.display(),
                    mode & 0o777
                );
            }
            parse(&text, &path.display().to_string()).map(Some)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// A new key for this agent, written to its private file (an existing key
/// is kept: returned as it is).
pub fn create_agent_key(cfg: &Config) -> Result<SigningKey> {
    if let Some(k) = agent_key(cfg)? {
        return Ok(k);
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)
        .map_err(|e| anyhow::anyhow!("the system has no randomness for a new key: {e}"))?;
    let key = SigningKey::from_bytes(&seed);
    let path = key_file(cfg);
    if let Some(dir) = path.parent() {
        crate::paths::ensure_private_dir(dir)?;
    }
    use std::io::Write;
    let mut f = crate::paths::create_private_file(&path)?;
    writeln!(f, "{}", crate::mail::team_event::hex(&key.to_bytes()))
        .and_then(|()| f.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(key)
}

/// A new key for joining: an existing key file is kept aside as
/// `<name>.key.old` (a re-invitation means the old key is lost or leaked);
/// with `team.signing_key_command`, the key it prints.
pub fn fresh_agent_key(cfg: &Config) -> Result<SigningKey> {
    if cfg.team.signing_key_command.is_none() {
        let path = key_file(cfg);
        if path.exists() {
            let mut old = path.clone().into_os_string();
            old.push(".old");
            std::fs::rename(&path, &old)
                .with_context(|| format!("cannot move {} aside", path.display()))?;
        }
    }
    create_agent_key(cfg)
}

/// A one-time join code for an invitation (16 random bytes, hex).
pub fn new_code() -> Result<String> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b)
        .map_err(|e| anyhow::anyhow!("the system has no randomness for a join code: {e}"))?;
    Ok(crate::mail::team_event::hex(&b))
}
