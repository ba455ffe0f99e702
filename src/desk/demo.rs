//! The built-in demo mailbox: `replypad demo` loads assets/demo/ (embedded in
//! the binary) into a temporary cache and runs with no network at all.
//! Sending in demo mode writes .eml files to a local outbox folder.

use crate::config::Config;
use crate::domain::Status;
use crate::domain::events::{Event, EventKind};
use crate::domain::roster::Signed;
use crate::domain::thread::conversation_id;
use crate::mail::parse_message;
use crate::store::{MailboxRole, NewMessage, Store};
use anyhow::{Context, Result};
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

include!(concat!(env!("OUT_DIR"), "/demo_messages.rs"));

#[derive(Deserialize)]
struct DemoState {
    conversation: Vec<DemoConversation>,
}

#[derive(Deserialize)]
struct DemoConversation {
    root: String,
    status: String,
    assignee: Option<String>,
    labels: Vec<String>,
    unread: bool,
}

/// The raw demo messages (for attachments).
pub fn raw_messages() -> impl Iterator<Item = &'static [u8]> {
    DEMO_MESSAGES.iter().map(|(_, raw)| *raw)
}

/// A running demo. Its files live in the state directory (`demo/`): a new
/// `replypad demo` starts them afresh, unless another demo TUI is running,
/// which it joins (so `demo --as lee` in a second terminal is a teammate);
/// `--demo` commands work on what is there. What it sent stays until the
/// next demo starts. A shared lock on `demo/lock` says a demo is running.
pub struct DemoSession {
    _lock: std::fs::File,
    /// The agent's config (the demo account, as `agent`).
    pub cfg: Config,
    pub cache_file: PathBuf,
    /// Where "sent" demo mail goes.
    pub outbox_dir: PathBuf,
}

/// How a demo starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Begin {
    /// `replypad demo`: afresh, unless another demo TUI is running.
    Fresh,
    /// A `--demo` command: on the demo that is there (afresh if none).
    Existing,
}

impl DemoSession {
    /// Opens the demo in `dir` as `agent`; when it starts afresh, loads the
    /// demo mailbox with dates shifted so the newest message arrived five
    /// minutes before `now`, and the teammates' drafts waiting for review.
    pub fn start(dir: &Path, agent: &str, begin: Begin, now: i64) -> Result<DemoSession> {
        let cfg = Config::demo_as(agent)?;
        crate::paths::ensure_private_dir(dir)?;
        let lock = std::fs::File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join("lock"))
            .with_context(|| format!("cannot open {}", dir.join("lock").display()))?;
        // Exclusive while no other demo runs (then it may start afresh);
        // else shared, after any start in progress.
        let alone = flock(&lock, libc::LOCK_EX | libc::LOCK_NB).is_ok();
        if !alone {
            flock(&lock, libc::LOCK_SH).context("cannot join the running demo")?;
        }
        let cache_file = dir.join("demo.sqlite3");
        let outbox_dir = dir.join("outbox");
        if alone && (begin == Begin::Fresh || !cache_file.exists()) {
            for f in ["demo.sqlite3", "demo.sqlite3-wal", "demo.sqlite3-shm"] {
                match std::fs::remove_file(dir.join(f)) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        return Err(e)
                            .with_context(|| format!("cannot remove the last demo's {f}"));
                    }
                    _ => {}
                }
            }
            if outbox_dir.exists() {
                std::fs::remove_dir_all(&outbox_dir)
                    .context("cannot remove the last demo's outbox")?;
            }
            crate::paths::ensure_private_dir(&outbox_dir)?;
            let mut store = Store::open(&cache_file)?;
            load(&mut store, &Config::demo(), now)?;
            drop(store);
            teammates_drafts(&cache_file, &outbox_dir)?;
        }
        if alone {
            flock(&lock, libc::LOCK_SH).context("cannot lock the demo")?;
        }
        Ok(DemoSession {
            _lock: lock,
            cfg,
            cache_file,
            outbox_dir,
        })
    }

    pub fn path(&self) -> &Path {
        self.cache_file.parent().unwrap_or(&self.outbox_dir)
    }
}

fn flock(f: &std::fs::File, op: libc::c_int) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a descriptor this File owns; no memory is passed.
    if unsafe { libc::flock(f.as_raw_fd(), op) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

impl Drop for DemoSession {
    fn drop(&mut self) {
        // The files stay (until the next demo starts); after a panic, say where.
        if std::thread::panicking() {
            eprintln!(
                "replypad: the demo's files are kept in {} (its cache holds the drafts and notes)",
                self.path().display()
            );
        }
    }
}

/// Sam's and Lee's replies waiting for Dana's review, written through the
/// desk as they would write them.
fn teammates_drafts(cache: &Path, outbox: &Path) -> Result<()> {
    use crate::domain::compose::DraftKind;
    let drafts: &[(&str, &str, &str)] = &[
        (
            "sam",
            "Nonprofit discount?",
            "Hi Fatima,\n\nThank you for asking. We offer registered nonprofits 30% off \
             every plan; reply with your registration number and I'll apply it to your \
             next invoice.\n",
        ),
        (
            "lee",
            "Booking widget shows wrong timezone",
            "Hi Georgios,\n\nThank you for the clear report. The widget shows times in \
             the visitor's time zone unless the site sets one; Settings > Widget > Time zone \
             set to Europe/Athens fixes it for every visitor.\n",
        ),
    ];
    for (agent, subject, body) in drafts {
        let mut desk = super::Desk::new(
            Store::open(cache)?,
            Config::demo_as(agent)?,
            Some(crate::config::Secret::new(super::DEMO_KEY)),
            Box::new(super::transport::Demo::files(outbox.to_path_buf())),
        );
        let Some(conv) = desk
            .store
            .list_conversations(crate::store::ListQuery::ALL)?
            .into_iter()
            .find(|c| c.subject.contains(subject))
        else {
            continue;
        };
        let mut d = desk.start_reply(&conv.id, DraftKind::Reply)?;
        d.body = format!("{body}{}", d.body);
        desk.submit(&mut d, Some("dana@example.com".into()))?;
        // The shared revision is in the log; the teammate's own working
        // copy lives on their machine, not in Dana's drafts.
        desk.store.delete_draft(&d.id)?;
    }
    Ok(())
}

/// A demo message's text with each reply's attribution ("On Sat, 22 Nov
/// 2025 16:00:00 -0000, Kim wrote:") moved by `shift` seconds as its Date
/// is, so that yesterday's quote does not say it was written a year ago;
/// None when it has none.
fn shift_attributions(raw: &[u8], shift: i64) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(raw).ok()?;
    if !text.contains(" wrote:") {
        return None;
    }
    let line = |l: &str| -> Option<String> {
        let rest = l.strip_prefix("On ")?;
        let (weekday, after) = rest.split_once(", ")?;
        let (date, tail) = after.split_once(", ")?;
        if !tail.trim_end().ends_with("wrote:") {
            return None;
        }
        let at = chrono::DateTime::parse_from_rfc2822(&format!("{weekday}, {date}")).ok()?;
        let moved = chrono::DateTime::from_timestamp(at.timestamp().checked_add(shift)?, 0)?;
        Some(format!(
            "On {}, {tail}",
            moved.format("%a, %d %b %Y %H:%M:%S -0000")
        ))
    };
    let out: String = text
        .split_inclusive('\n')
        .map(|l| line(l).unwrap_or_else(|| l.to_string()))
        .collect();
    Some(out.into_bytes())
}

/// Loads the demo mailbox into `store` (see [`DemoSession::start`]).
pub fn load(store: &mut Store, cfg: &Config, now: i64) -> Result<usize> {
    let state: DemoState = toml::from_str(include_str!("../../assets/demo/state.toml"))
        .context("assets/demo/state.toml")?;
    let state: HashMap<String, DemoConversation> = state
        .conversation
        .into_iter()
        .map(|c| (c.root.clone(), c))
        .collect();
    let mut parsed: Vec<_> = DEMO_MESSAGES
        .iter()
        .map(|(_, raw)| (parse_message(raw, now), raw.len()))
        .collect();
    let newest = parsed.iter().map(|(p, _)| p.date).max().unwrap_or(now);
    let shift = now - 300 - newest;
    // Quotes' attributions move with the dates (read again from the text).
    for (i, (_, raw)) in DEMO_MESSAGES.iter().enumerate() {
        if let Some(moved) = shift_attributions(raw, shift) {
            parsed[i].0 = parse_message(&moved, now);
        }
    }
    let team = cfg.team.address.to_ascii_lowercase();
    // The last customer message of each conversation; stays unread where the state says so.
    let mut last_customer: HashMap<String, usize> = HashMap::new();
    for (i, (p, _)) in parsed.iter_mut().enumerate() {
        p.date += shift;
        if p.from.email.to_ascii_lowercase() != team {
            last_customer.insert(p.conversation_key.clone(), i);
        }
    }
    let inbox = store.mailbox_id("INBOX", MailboxRole::Inbox)?;
    let sent = store.mailbox_id("Sent", MailboxRole::Sent)?;
    let count = parsed.len();
    store.transaction(|tx| {
        let mut touched = BTreeSet::new();
        for (i, (p, size)) in parsed.iter().enumerate() {
            let from_team = p.from.email.to_ascii_lowercase() == team;
            let unread = last_customer.get(&p.conversation_key) == Some(&i)
                && state.get(&p.conversation_key).is_some_and(|s| s.unread);
            touched.insert(Store::put_message(
                tx,
                &NewMessage {
                    mailbox_id: if from_team { sent } else { inbox },
                    uid: i as u32 + 1,
                    modseq: None,
                    internal_date: p.date,
                    size: *size as u64,
                    seen: !unread,
                    answered: false,
                    flagged: false,
                    from_team,
                    parsed: p,
                },
            )?);
        }
        Store::refresh_conversations(tx, &touched)
    })?;
    let domain = cfg
        .team
        .address
        .rsplit_once('@')
        .map(|(_, d)| d)
        .unwrap_or("example.com");
    // Team state as the log would carry it, so later acts fold on top of it.
    let mut events = Vec::new();
    let mut roots: Vec<&String> = state.keys().collect();
    roots.sort();
    for root in roots {
        let s = &state[root];
        let conversation = conversation_id(root);
        // Who worked on it: its owner (who claimed it), else Dana triaging.
        let by = format!("{}@{domain}", s.assignee.as_deref().unwrap_or("dana"));
        let mut push = |kind| {
            events.push(Event {
                id: format!("demo-{}", events.len()),
                conversation: conversation.clone(),
                agent: by.clone(),
                at: now - 3600,
                kind,
            })
        };
        if let Some(a) = &s.assignee {
            push(EventKind::Assign {
                to: Some(format!("{a}@{domain}")),
                reassign: true,
            });
        }
        let status = Status::parse(&s.status).unwrap_or_default();
        if status != Status::Open {
            push(EventKind::Status {
                status,
                until: None,
            });
        }
        if !s.labels.is_empty() {
            push(EventKind::Label {
                add: s.labels.clone(),
                remove: vec![],
            });
        }
    }
    // The demo's replies, as the log records them (who sent which).
    for (p, _) in &parsed {
        if p.from.email.to_ascii_lowercase() == team
            && let Some(agent) = super::demo_history::author(p.from.name.as_deref(), domain)
        {
            events.push(Event {
                id: format!("demo-{}", events.len()),
                conversation: conversation_id(&p.conversation_key),
                agent,
                at: p.date,
                kind: EventKind::Sent {
                    draft: None,
                    message_id: p.message_id.clone(),
                    subject: p.subject.clone(),
                },
            });
        }
    }
    // Six weeks of archived history, for the reports.
    let (past, past_events) = super::demo_history::past(now, &cfg.team.address, domain);
    let archive = store.mailbox_id("Archive", MailboxRole::Archive)?;
    let mut touched = BTreeSet::new();
    store.transaction(|tx| {
        for (i, m) in past.iter().enumerate() {
            let p = parse_message(&m.raw, now);
            touched.insert(Store::put_message(
                tx,
                &NewMessage {
                    mailbox_id: if m.from_team { sent } else { archive },
                    uid: 10_000 + i as u32,
                    modseq: None,
                    internal_date: p.date,
                    size: m.raw.len() as u64,
                    seen: true,
                    answered: m.from_team,
                    flagged: false,
                    from_team: m.from_team,
                    parsed: &p,
                },
            )?);
        }
        Store::refresh_conversations(tx, &touched)
    })?;
    store.settle_places(archive, MailboxRole::Archive, Some(&touched))?;
    events.extend(past_events);
    let log: Vec<(u32, Result<Signed, String>)> = events
        .into_iter()
        .enumerate()
        .map(|(i, e)| (i as u32 + 1, Ok(Signed::team_key_only(e))))
        .collect();
    store.transaction(|tx| Store::apply_log(tx, &log))?;
    // What the demo starts with is not news: a teammate's act after it is.
    for (handle, _) in crate::config::DEMO_TEAM {
        store.mark_notices_seen(&format!("{handle}@{domain}"))?;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ListQuery;

    #[test]
    fn demo_loads_everything() {
        let mut s = Store::open_in_memory().unwrap();
        let n = load(&mut s, &Config::demo(), 1_800_000_000).unwrap();
        assert!(n >= 70);
        assert!(s.conversation_count().unwrap() >= 40);
        let all = s.list_conversations(ListQuery::ALL).unwrap();
        assert!(all.iter().any(|c| c.messages >= 4));
        assert!(all.iter().any(|c| c.has_attachment));
        assert!(
            all.iter()
                .any(|c| c.assignee.as_deref() == Some("sam@example.com"))
        );
        assert!(
            all.iter().any(|c| c.subject.contains("ログイン")),
            "ISO-2022-JP decodes"
        );
        assert!(
            all.iter().any(|c| c.subject.contains('\u{1b}')),
            "the hostile subject is kept raw in the cache"
        );
        assert!(all[0].last_date <= 1_800_000_000 && all[0].last_date > 1_800_000_000 - 3600);
    }

    /// A quote's attribution moves with the dates: "On Sat, 22 Nov 2025
    /// …, Kim wrote:" above a reply of yesterday said the customer wrote a
    /// year before.
    #[test]
    fn quotes_are_dated_like_the_messages_they_quote() {
        let mut s = Store::open_in_memory().unwrap();
        let now = 1_800_000_000;
        load(&mut s, &Config::demo(), now).unwrap();
        let mut seen = 0;
        for c in s.list_conversations(ListQuery::ALL).unwrap() {
            let view = s.conversation(&c.id).unwrap().unwrap();
            for m in &view.messages {
                for line in m.text.lines().filter(|l| l.ends_with(" wrote:")) {
                    let rest = line.strip_prefix("On ").unwrap();
                    let date: String = rest.splitn(3, ", ").take(2).collect::<Vec<_>>().join(", ");
                    let at = chrono::DateTime::parse_from_rfc2822(&date)
                        .unwrap_or_else(|e| panic!("{line}: {e}"))
                        .timestamp();
                    assert!(
                        at <= m.date && m.date - at < 60 * 86_400,
                        "{line} in a reply of {}",
                        m.date
                    );
                    seen += 1;
                }
            }
        }
        assert!(seen >= 20, "the demo quotes: {seen}");
    }

    #[test]
    fn the_demo_png_is_a_real_image() {
        use mail_parser::MimeHeaders;
        let raw = raw_messages()
            .find(|m| m.windows(16).any(|w| w == b"import-error.png"))
            .expect("the demo has import-error.png");
        let parsed = mail_parser::MessageParser::default().parse(raw).unwrap();
        let png = parsed
            .attachments()
            .find(|a| a.attachment_name() == Some("import-error.png"))
            .unwrap()
            .contents();
        assert!(
            png.starts_with(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            "{:?}",
            &png[..16]
        );
        assert!(png.ends_with(b"IEND\xaeB`\x82"), "a whole PNG");
    }
}
