//! Saving and opening attachments. The cache keeps no attachment bytes:
//! they come from the message itself (fetched from the server by the
//! worker, or the demo's embedded mail). Attachments are numbered across a
//! conversation as the reader lists them (1-based). A saved file gets a
//! sanitized base name, mode 0600, and never replaces an existing file: a
//! free name "name (1).ext" is chosen and reported instead.

use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A conversation's attachments in the reader's order (#1 first): each with
/// the message holding it and its index there.
pub fn numbered(
    view: &crate::domain::ConversationView,
) -> impl Iterator<
    Item = (
        &crate::domain::MessageView,
        usize,
        &crate::domain::Attachment,
    ),
> {
    view.messages.iter().flat_map(|m| {
        m.attachments
            .iter()
            .enumerate()
            .map(move |(i, a)| (m, i, a))
    })
}

/// Which message holds attachment `n` of a conversation, and its index there.
pub fn locate(view: &crate::domain::ConversationView, n: usize) -> Result<(String, usize)> {
    match numbered(view).nth(n.wrapping_sub(1)) {
        Some((m, i, _)) if n > 0 => Ok((m.message_id.clone(), i)),
        _ => bail!(
            "no attachment #{n} here (the conversation has {})",
            numbered(view).count()
        ),
    }
}

/// A name in `dir` that does not exist yet: `name`, else `name (1).ext`, ...
pub fn free_name(dir: &Path, name: &str) -> PathBuf {
    let clean = crate::mail::sanitize::filename(name);
    let (stem, ext) = match clean.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s.to_string(), format!(".{e}")),
        _ => (clean.clone(), String::new()),
    };
    let mut p = dir.join(&clean);
    let mut i = 1;
    while p.exists() {
        p = dir.join(format!("{stem} ({i}){ext}"));
        i += 1;
    }
    p
}

/// Writes attachment bytes into `dir` (0600, never over an existing file).
pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for _ in 0..100 {
        let path = free_name(dir, name);
        match crate::paths::create_private_file(&path) {
            Ok(mut f) => {
                f.write_all(bytes)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                return Ok(path);
            }
            Err(e)
                if e.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::AlreadyExists) =>
            {
                continue; // raced with another writer: pick the next free name
            }
            Err(e) => return Err(e),
        }
    }
    bail!("no free file name for {name:?} in {}", dir.display())
}

/// Where attachments go by default: the XDG download dir, else home.
pub fn default_dir() -> PathBuf {
    directories::UserDirs::new()
        .and_then(|u| {
            u.download_dir()
                .map(Path::to_path_buf)
                .or(Some(u.home_dir().to_path_buf()))
        })
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Opens a saved file with the system opener (xdg-open), detached.
pub fn open(path: &Path) -> Result<()> {
    std::process::Command::new("xdg-open")
        .arg(path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(|_| ())
        .map_err(|_| {
            anyhow::anyhow!(
                "no system opener (xdg-open) here; the file is saved at {}",
                path.display()
            )
        })
}

/// What to save or open from a conversation: attachment #N (numbered as
/// the reader lists them), or message #N's HTML part (messages numbered
/// as `show` lists them, 1 the oldest), sanitized.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Attachment(usize),
    Html(usize),
}

impl std::fmt::Display for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Part::Attachment(n) => write!(f, "attachment #{n}"),
            Part::Html(n) => write!(f, "message #{n} as HTML"),
        }
    }
}

/// The demo's raw message with this Message-ID.
pub fn demo_raw(message_id: &str) -> Option<&'static [u8]> {
    crate::demo::raw_messages()
        .find(|raw| crate::mail::parse_message(raw, 0).message_id == message_id)
}

/// Saves (and optionally opens) `part` of `conversation`, reading the
/// message from `raw_for(message_id)`. Returns the file written.
pub fn save(
    store: &crate::store::Store,
    conversation: &str,
    part: Part,
    dir: Option<&Path>,
    open_it: bool,
    raw_for: &mut dyn FnMut(&str) -> Result<Vec<u8>>,
) -> Result<PathBuf> {
    let view = store
        .conversation(conversation)?
        .with_context(|| format!("no conversation {conversation}"))?;
    let (name, bytes) = match part {
        Part::Attachment(n) => {
            let (message_id, index) = locate(&view, n)?;
            let raw = raw_for(&message_id)?;
            crate::mail::parse::attachment(&raw, index)
                .with_context(|| format!("attachment #{n} could not be read from its message"))?
        }
        Part::Html(n) => {
            let m = view
                .messages
                .get(n.wrapping_sub(1))
                .filter(|_| n > 0)
                .with_context(|| {
                    format!(
                        "no message #{n} here (the conversation has {})",
                        view.messages.len()
                    )
                })?;
            let raw = raw_for(&m.message_id)?;
            let html = crate::mail::parse_message(&raw, 0)
                .html
                .with_context(|| format!("message #{n} has no HTML part (it is plain text)"))?;
            (
                format!("message-{n}.html"),
                crate::mail::sanitize::html_document(&html).into_bytes(),
            )
        }
    };
    let dir = match (dir, open_it) {
        (Some(d), _) => d.to_path_buf(),
        (None, true) => {
            let d = std::env::temp_dir().join(format!("replypad-open-{}", unsafe_uid()));
            crate::paths::ensure_private_dir(&d)?;
            d
        }
        (None, false) => default_dir(),
    };
    let path = write(&dir, &name, &bytes)?;
    if open_it {
        open(&path)?;
    }
    Ok(path)
}

fn unsafe_uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_overwrites_and_sanitizes() {
        let d = tempfile::tempdir().unwrap();
        let a = write(d.path(), "../../etc/passwd", b"one").unwrap();
        assert_eq!(a, d.path().join("passwd"));
        let b = write(d.path(), "passwd", b"two").unwrap();
        assert_eq!(b, d.path().join("passwd (1)"));
        let c = write(d.path(), "report.pdf", b"x").unwrap();
        let c2 = write(d.path(), "report.pdf", b"y").unwrap();
        assert_eq!(c2, d.path().join("report (1).pdf"));
        assert_eq!(std::fs::read(&a).unwrap(), b"one");
        assert_eq!(std::fs::read(&c).unwrap(), b"x");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&b).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let e = write(d.path(), "\u{1b}[31mevil\u{202e}fdp.exe", b"z").unwrap();
        let name = e.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            !name.contains('\u{1b}') && !name.contains('\u{202e}'),
            "{name}"
        );
    }
}
