//! The IMAP commands replypad uses, on top of [`Connection`]. Most go out
//! through `raw` (our own tags, read in linear time by `raw::command`) and
//! are read with imap-proto in `parse`: the crate types neither QRESYNC,
//! CHANGEDSINCE nor VANISHED, and its reader is quadratic in an answer's
//! lines. The crate keeps login and LOGOUT; IDLE is `raw::idle`, APPEND
//! `raw::with_literal`.

use super::parse::{self, ListEntry, Parsed};
pub use super::parse::{Fetched, FlagState, SelectInfo, uid_set};
use super::{Connection, ImapError, clean};
use std::time::Duration;

/// The headers fetched for the thread list before any body.
/// (With the fields the safety rules of `mail::autoreply` read.)
pub const HEADER_FIELDS: &str = concat!(
    "FROM TO CC REPLY-TO SUBJECT DATE MESSAGE-ID IN-REPLY-TO REFERENCES CONTENT-TYPE ",
    "AUTO-SUBMITTED PRECEDENCE LIST-ID LIST-UNSUBSCRIBE LIST-POST LIST-HELP LIST-SUBSCRIBE ",
    "LIST-OWNER LIST-ARCHIVE X-LOOP X-AUTO-RESPONSE-SUPPRESS RETURN-PATH"
);

const ENABLE: &str = "ENABLE QRESYNC";

fn cmd_err(what: &str, reason: impl std::fmt::Display) -> ImapError {
    ImapError::Command {
        what: what.into(),
        reason: clean(reason),
    }
}

/// How long a folder list is trusted before it is asked for again.
pub const FOLDERS_FRESH: std::time::Duration = std::time::Duration::from_secs(600);

/// An IMAP quoted string (the crate leaves LIST patterns and raw commands to us).
pub fn quote(s: &str) -> Result<String, ImapError> {
    if s.contains(['\r', '\n', '\0']) {
        return Err(cmd_err("quote", format!("invalid mailbox name {s:?}")));
    }
    Ok(format!(
        "\"{}\"",
        s.replace('\\', "\\\\").replace('"', "\\\"")
    ))
}

impl Connection {
    /// Runs a raw command and parses its reply; errors unless it ends in OK.
    pub(super) fn raw(&mut self, what: &str, command: &str) -> Result<Parsed, ImapError> {
        let buf = self.raw_answer(what, command)?;
        parse::parse(&buf, what).map_err(|e| cmd_err(what, e))
    }

    /// Sends a command and returns its whole answer, unparsed (see
    /// `raw::command`). A pending ENABLE goes in the same write.
    fn raw_answer(&mut self, what: &str, command: &str) -> Result<Vec<u8>, ImapError> {
        if !self.core.enable_pending {
            let tag = self.next_tag();
            return super::raw::command(&self.core.raw, &tag, command, what);
        }
        self.core.enable_pending = false;
        let (first, tag) = (self.next_tag(), self.next_tag());
        let (enabled, answer) =
            super::raw::pipelined(&self.core.raw, (&first, ENABLE), (&tag, command), what)?;
        self.enabled(&enabled);
        Ok(answer)
    }

    /// Sends a pending ENABLE on its own (before a command that does not
    /// go through [`Connection::raw_answer`]).
    pub(super) fn flush_enable(&mut self) -> Result<(), ImapError> {
        if std::mem::take(&mut self.core.enable_pending) {
            let tag = self.next_tag();
            let a = super::raw::command(&self.core.raw, &tag, ENABLE, ENABLE)?;
            self.enabled(&a);
        }
        Ok(())
    }

    /// Reads the answer to ENABLE QRESYNC. A server that offers QRESYNC
    /// and then refuses it is resynced without (CONDSTORE, or UIDs); the
    /// command pipelined with the ENABLE has its own answer.
    fn enabled(&mut self, answer: &[u8]) {
        if let Err(e) = parse::parse(answer, ENABLE) {
            tracing::warn!(
                "the server refused ENABLE QRESYNC ({}); resyncing without it",
                clean(e)
            );
            self.qresync = false;
        }
    }

    /// The tag of the next command replypad sends itself (the crate's are `aN`).
    pub(super) fn next_tag(&mut self) -> String {
        self.core.raw_tag += 1;
        format!("rp{}", self.core.raw_tag)
    }

    /// A FETCH read in linear time on the shared socket (see `raw`).
    fn bulk_fetch(&mut self, what: &str, command: &str) -> Result<Vec<Fetched>, ImapError> {
        let mut out = Vec::new();
        self.stream_fetch(what, command, super::Batching::ALL, &mut |b, _| {
            out.extend(b);
            Ok(())
        })?;
        Ok(out)
    }

    /// A FETCH streamed to `on` in batches (see `raw::fetch_each`).
    fn stream_fetch(
        &mut self,
        what: &str,
        command: &str,
        batch: super::Batching,
        on: &mut super::raw::OnBatch<'_>,
    ) -> Result<(), ImapError> {
        self.flush_enable()?;
        let tag = self.next_tag();
        // Every bulk fetch asks for body sections or BODYSTRUCTURE: a
        // response without them is another client's flag change the
        // server reports meanwhile (Dovecot does), not an answer. Taken
        // for one, it would file an empty message over a cached one.
        super::raw::fetch_each(
            &self.core.raw,
            &tag,
            command,
            what,
            batch,
            &mut |b, done| {
                let before = b.len();
                let answers: Vec<Fetched> = b.into_iter().filter(|f| f.content).collect();
                if answers.len() < before {
                    tracing::debug!(
                        skipped = before - answers.len(),
                        "flag updates amid a fetch left for the next resync"
                    );
                }
                on(answers, done)
            },
        )
    }

    /// Turns QRESYNC on for this connection where the server offers it.
    /// The ENABLE goes out with the next command replypad sends itself (a
    /// SELECT, as a rule), saving a round trip per connection: a server
    /// runs commands in order, so the SELECT already has QRESYNC on.
    pub(super) fn enable_qresync(&mut self) {
        if self.has_capability("QRESYNC") {
            self.core.enable_pending = true;
            self.qresync = true;
        }
    }

    /// The server's hierarchy delimiter ("/" on Gmail, "." on a default Dovecot).
    pub fn delimiter(&mut self) -> Result<String, ImapError> {
        if let Some(d) = &self.delimiter {
            return Ok(d.clone());
        }
        let p = self.on_session_for(None, |c| c.raw("LIST", "LIST \"\" \"\""))?;
        let d = p
            .list
            .into_iter()
            .find_map(|(_, d, _)| d)
            .unwrap_or_else(|| "/".into());
        self.delimiter = Some(d.clone());
        Ok(d)
    }

    /// A folder name from its parts, joined with the server's delimiter.
    pub fn folder(&mut self, parts: &[&str]) -> Result<String, ImapError> {
        let d = self.delimiter()?;
        Ok(parts.join(&d))
    }

    /// Every folder on the server, as listed at most [`FOLDERS_FRESH`] ago.
    fn folders(&mut self) -> Result<&[ListEntry], ImapError> {
        if self
            .folders
            .as_ref()
            .is_none_or(|(at, _)| at.elapsed() > FOLDERS_FRESH)
        {
            let list = self.list_all()?;
            self.folders = Some((std::time::Instant::now(), list));
        }
        Ok(self
            .folders
            .as_ref()
            .map(|(_, l)| l.as_slice())
            .unwrap_or(&[]))
    }

    /// Every folder on the server: asked on a side connection when
    /// [`Connection::list_aside`] set one up (here if it cannot be opened).
    fn list_all(&mut self) -> Result<Vec<ListEntry>, ImapError> {
        const LIST: &str = "LIST \"\" \"*\"";
        let early = self.early_list.take().and_then(|h| h.join().ok());
        let side = early.or_else(|| self.list_on_side.then(|| self.another()).flatten());
        if let Some(side) = side {
            let listed = side.and_then(|mut side| {
                let p = side.raw("LIST", LIST);
                side.close();
                p
            });
            match listed {
                Ok(p) => return Ok(p.list),
                Err(e) => tracing::info!("listing folders here: no side connection ({e})"),
            }
        }
        self.listed = true;
        Ok(self.on_session_for(None, |c| c.raw("LIST", LIST))?.list)
    }

    /// Forgets the folder list, so the next use lists again.
    pub fn forget_folders(&mut self) {
        self.folders = None;
    }

    /// The folder the server marks `\Sent` (SPECIAL-USE), if any.
    pub fn special_use_sent(&mut self) -> Result<Option<String>, ImapError> {
        self.special_use("Sent")
    }

    /// The folder the server marks with SPECIAL-USE attribute `\{attr}`
    /// (`Archive`, `Junk`, `Trash`, `Sent`), if any.
    pub fn special_use(&mut self, attr: &str) -> Result<Option<String>, ImapError> {
        Ok(self
            .folders()?
            .iter()
            .find(|(attrs, _, _)| attrs.iter().any(|a| a.contains(attr)))
            .map(|(_, _, n)| n.clone()))
    }

    /// True when `mailbox` exists (as listed at most [`FOLDERS_FRESH`] ago).
    pub fn mailbox_exists(&mut self, mailbox: &str) -> Result<bool, ImapError> {
        Ok(self.folders()?.iter().any(|(_, _, n)| n == mailbox))
    }

    /// Creates `mailbox` unless it exists. Another client creating it at the
    /// same moment (ALREADYEXISTS) counts as success.
    pub fn ensure_mailbox(&mut self, mailbox: &str) -> Result<(), ImapError> {
        if self.mailbox_exists(mailbox)? {
            return Ok(());
        }
        let command = format!("CREATE {}", quote(mailbox)?);
        let created = self.on_session_for(Some(mailbox), |c| {
            c.raw(&format!("CREATE {mailbox}"), &command)
        });
        // Whatever happened, the list is stale now.
        self.folders = None;
        match created {
            Ok(_) => Ok(()),
            Err(e) if self.mailbox_exists(mailbox)? => {
                tracing::debug!("CREATE raced with another client: {e}");
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Appends `raw` to `mailbox`; returns the new UID where the server says (UIDPLUS).
    pub fn append(
        &mut self,
        mailbox: &str,
        raw: &[u8],
        seen: bool,
    ) -> Result<Option<u32>, ImapError> {
        let name = quote(mailbox)?;
        let command = if seen {
            format!("APPEND {name} (\\Seen)")
        } else {
            format!("APPEND {name}")
        };
        let what = format!("APPEND to {mailbox}");
        self.on_session_for(Some(mailbox), |c| {
            let tag = c.next_tag();
            let plus = c.has_capability("LITERAL+");
            let buf = super::raw::with_literal(&c.core.raw, &tag, &command, raw, plus, &what)?;
            let p = parse::parse(&buf, &what).map_err(|e| cmd_err(&what, e))?;
            Ok(p.appended)
        })
    }

    /// Selects `mailbox`. With `known` (UIDVALIDITY, HIGHESTMODSEQ) and
    /// QRESYNC, the reply carries what vanished and what changed since.
    pub fn select(
        &mut self,
        mailbox: &str,
        known: Option<(u32, u64)>,
    ) -> Result<SelectInfo, ImapError> {
        let name = quote(mailbox)?;
        let command = |c: &Connection| match known {
            Some((v, m)) if c.qresync && m > 0 => format!("SELECT {name} (QRESYNC ({v} {m}))"),
            _ if c.has_capability("CONDSTORE") => format!("SELECT {name} (CONDSTORE)"),
            _ => format!("SELECT {name}"),
        };
        self.use_session_for(mailbox);
        // A failed SELECT leaves no mailbox selected (RFC 3501 6.3.1).
        self.core.selected = None;
        let what = format!("SELECT {mailbox}");
        self.core.selects += 1;
        let first = command(self);
        let p = match self.raw(&what, &first) {
            // The ENABLE that went with it was refused: once more without.
            Err(ImapError::Command { .. }) if first != command(self) => {
                self.raw(&what, &command(self))?
            }
            r => r?,
        };
        self.core.selected = Some((mailbox.to_string(), p.select.uidvalidity));
        self.core.selected_exists = p.select.exists;
        if !self.core.opened.iter().any(|m| m == mailbox) {
            self.core.opened.push(mailbox.to_string());
        }
        Ok(p.select)
    }

    /// Puts `mailbox`'s session in use; whether it has the folder selected
    /// (with this UIDVALIDITY, when given).
    pub fn still_selected(&mut self, mailbox: &str, uidvalidity: Option<u32>) -> bool {
        self.use_session_for(mailbox);
        matches!(&self.core.selected, Some((m, v)) if m == mailbox && uidvalidity.is_none_or(|u| u == *v))
    }

    /// How many messages `mailbox` had when this session last selected it,
    /// if it is still selected with `uidvalidity` (no command is sent: the
    /// count may miss mail that came since, which is above every UID a
    /// history window asks for).
    pub fn selected_count(&mut self, mailbox: &str, uidvalidity: u32) -> Option<u32> {
        self.still_selected(mailbox, Some(uidvalidity))
            .then_some(self.core.selected_exists)
    }

    /// What changed in `mailbox` since `modseq` and the UIDs from `uidnext`
    /// on, when the folder is still selected in its session since an
    /// earlier pass (same UIDVALIDITY) and QRESYNC is on: one `UID FETCH
    /// (CHANGEDSINCE .. VANISHED)` instead of a SELECT, which on a Maildir
    /// server right after another client's change rescans the folder.
    /// Returns what a QRESYNC SELECT would have said (UIDNEXT and
    /// HIGHESTMODSEQ as far as the answer shows them: never above the
    /// server's, so nothing is skipped next time) and the new UIDs; None
    /// when the folder is not selected so (the caller SELECTs).
    pub fn changes_in_selected(
        &mut self,
        mailbox: &str,
        uidvalidity: u32,
        uidnext: u32,
        modseq: u64,
    ) -> Result<Option<(SelectInfo, Vec<u32>)>, ImapError> {
        if !self.qresync || modseq == 0 {
            return Ok(None);
        }
        if !self.still_selected(mailbox, Some(uidvalidity)) {
            return Ok(None);
        }
        // Every UID, not `1:*`: `*` is the highest UID left, and mail
        // expunged above it must be reported too.
        let command = format!(
            "UID FETCH 1:{} (UID FLAGS) (CHANGEDSINCE {modseq} VANISHED)",
            u32::MAX
        );
        let mut info = SelectInfo::default();
        let mut found = std::collections::BTreeMap::new();
        // A server runs a FETCH on the folder as the session last saw it
        // and brings the view up to date at its end: mail that came since
        // shows as an EXISTS there, and the FETCH is asked again to see it.
        // (A NOOP before it would cost that round trip every time; a NOOP
        // pipelined with it does not help: Dovecot runs the FETCH on the
        // old view all the same.)
        for _ in 0..3 {
            let p = self.raw("UID FETCH changes", &command)?;
            info.vanished.extend(p.select.vanished);
            for f in p.fetches.into_iter().filter(|f| f.has_flags) {
                found.insert(f.flags.uid, f.flags);
            }
            if p.select.exists == 0 {
                break;
            }
        }
        let mut highest = modseq;
        let mut new = Vec::new();
        for (uid, f) in found {
            highest = highest.max(f.modseq.unwrap_or(0));
            if uid >= uidnext {
                new.push(uid);
            } else {
                info.changed.push(f);
            }
        }
        info.uidvalidity = uidvalidity;
        info.uidnext = new
            .last()
            .map_or(uidnext, |u| uidnext.max(u.saturating_add(1)));
        info.highestmodseq = Some(highest);
        Ok(Some((info, new)))
    }

    /// Selects `mailbox` unless it is selected already: for FETCHes by UID,
    /// which need no fresh SELECT answer (and a SELECT can cost the server a
    /// rescan of the mailbox). Returns its UIDVALIDITY, to compare with the
    /// cache's before trusting cached UIDs.
    pub fn ensure_selected(&mut self, mailbox: &str) -> Result<u32, ImapError> {
        self.use_session_for(mailbox);
        match &self.core.selected {
            Some((m, v)) if m == mailbox => Ok(*v),
            _ => Ok(self.select(mailbox, None)?.uidvalidity),
        }
    }

    /// Headers (HEADER_FIELDS), flags, date and size of the messages in `uids`.
    pub fn fetch_headers(&mut self, uids: &str) -> Result<Vec<Fetched>, ImapError> {
        let c = self.headers_command(uids, true);
        self.bulk_fetch("UID FETCH headers", &c)
    }

    /// Headers of `uids`, handed to `on` a batch at a time as they arrive
    /// (see [`super::raw::fetch_each`]).
    pub fn fetch_headers_each(
        &mut self,
        uids: &str,
        batch: super::Batching,
        on: &mut super::raw::OnBatch<'_>,
    ) -> Result<(), ImapError> {
        let c = self.headers_command(uids, true);
        self.stream_fetch("UID FETCH headers", &c, batch, on)
    }

    /// As [`Connection::fetch_headers_each`], without RFC822.SIZE (each
    /// message's size comes as 0): a first sync's newest page.
    pub fn fetch_unsized_headers_each(
        &mut self,
        uids: &str,
        batch: super::Batching,
        on: &mut super::raw::OnBatch<'_>,
    ) -> Result<(), ImapError> {
        let c = self.headers_command(uids, false);
        self.stream_fetch("UID FETCH headers", &c, batch, on)
    }

    fn headers_command(&self, uids: &str, sized: bool) -> String {
        let modseq = if self.has_capability("CONDSTORE") {
            " MODSEQ"
        } else {
            ""
        };
        // A first sync's newest page goes without sizes: for RFC822.SIZE a
        // Maildir Dovecot reads the folder's whole uidlist (at a million
        // messages about 0.7 s, the page's headers themselves 50 ms). The
        // sizes follow (`sync/sizes.rs`).
        let size = if sized { " RFC822.SIZE" } else { "" };
        format!(
            "UID FETCH {uids} (UID FLAGS INTERNALDATE{size}{modseq} BODY.PEEK[HEADER.FIELDS ({HEADER_FIELDS})])"
        )
    }

    /// The RFC822.SIZE of the messages in `uids`: (uid, size).
    pub fn fetch_sizes(&mut self, uids: &str) -> Result<Vec<(u32, u32)>, ImapError> {
        let p = self.raw(
            "UID FETCH sizes",
            &format!("UID FETCH {uids} (UID RFC822.SIZE)"),
        )?;
        Ok(p.fetches.iter().map(|f| (f.flags.uid, f.size)).collect())
    }

    /// Whole messages (without setting \Seen).
    pub fn fetch_bodies(&mut self, uids: &str) -> Result<Vec<Fetched>, ImapError> {
        self.bulk_fetch("UID FETCH bodies", &bodies_command(uids))
    }

    /// The bodies of messages whose headers are cached: each message's
    /// MIME header fields ([`MIME_FIELDS`]) in `data` and its body
    /// (`BODY[TEXT]`) in `text`, handed to `on` a batch at a time as they
    /// arrive (see [`super::raw::fetch_each`]). The rest of the header
    /// (Received chains, signatures) is neither sent nor parsed again.
    pub fn fetch_bodies_each(
        &mut self,
        uids: &str,
        batch: super::Batching,
        on: &mut super::raw::OnBatch<'_>,
    ) -> Result<(), ImapError> {
        self.fetch_parts_each(uids, "BODY.PEEK[TEXT]", batch, on)
    }

    /// The FETCH `items` of `uids` (body sections: `BODY.PEEK[1]` lands
    /// in `sections`, a header in `data`).
    pub fn fetch_sections(&mut self, uids: &str, items: &str) -> Result<Vec<Fetched>, ImapError> {
        self.bulk_fetch(
            "UID FETCH sections",
            &format!("UID FETCH {uids} (UID {items})"),
        )
    }

    /// The BODYSTRUCTURE of `uids`, as a plan for fetching each without
    /// its attachments (`Fetched::plan`; None: fetch it whole).
    pub fn fetch_structures(&mut self, uids: &str) -> Result<Vec<Fetched>, ImapError> {
        let c = format!("UID FETCH {uids} (UID BODYSTRUCTURE)");
        self.bulk_fetch("UID FETCH structure", &c)
    }

    /// The MIME header fields of `uids` (in `data`) and the sections
    /// `items` names (`BODY.PEEK[TEXT]` in `text`, a plan's `items()` in
    /// `sections`), streamed to `on`.
    pub fn fetch_parts_each(
        &mut self,
        uids: &str,
        items: &str,
        batch: super::Batching,
        on: &mut super::raw::OnBatch<'_>,
    ) -> Result<(), ImapError> {
        let c = format!("UID FETCH {uids} (UID BODY.PEEK[HEADER.FIELDS ({MIME_FIELDS})] {items})");
        self.stream_fetch("UID FETCH bodies", &c, batch, on)
    }

    /// Flags of `uids`, only those changed since `modseq` when given (CONDSTORE).
    pub fn fetch_flags(
        &mut self,
        uids: &str,
        changed_since: Option<u64>,
    ) -> Result<Vec<FlagState>, ImapError> {
        let c = match changed_since {
            Some(m) => format!("UID FETCH {uids} (UID FLAGS) (CHANGEDSINCE {m})"),
            None => format!("UID FETCH {uids} (UID FLAGS)"),
        };
        Ok(self
            .raw("UID FETCH flags", &c)?
            .fetches
            .into_iter()
            .map(|f| f.flags)
            .collect())
    }

    /// UIDs from `start` on in the selected mailbox, ascending. (`start:*`
    /// always names the last message, even below `start`: filtered out.)
    pub fn uids_from(&mut self, start: u32) -> Result<Vec<u32>, ImapError> {
        let mut v: Vec<u32> = self
            .fetch_flags(&format!("{start}:*"), None)?
            .iter()
            .map(|f| f.uid)
            .filter(|u| *u >= start)
            .collect();
        v.sort_unstable();
        Ok(v)
    }

    /// The UIDs of the newest `count` messages of the selected mailbox,
    /// which holds `exists` (by message sequence number: no list of every
    /// UID, which at a million messages costs the server a fifth of a
    /// second and the line 7 MB).
    pub fn uid_search_newest(&mut self, exists: u32, count: u32) -> Result<Vec<u32>, ImapError> {
        if exists == 0 || count == 0 {
            return Ok(Vec::new());
        }
        let first = exists.saturating_sub(count) + 1;
        let mut v = self
            .raw("UID SEARCH", &format!("UID SEARCH {first}:*"))?
            .search;
        v.sort_unstable();
        Ok(v)
    }

    /// Every UID in the selected mailbox.
    pub fn uid_search_all(&mut self) -> Result<Vec<u32>, ImapError> {
        let mut v = self.raw("UID SEARCH", "UID SEARCH ALL")?.search;
        v.sort_unstable();
        Ok(v)
    }

    /// Whether `mailbox` holds a message with this Message-ID (selects it).
    pub fn search_message_id(
        &mut self,
        mailbox: &str,
        message_id: &str,
    ) -> Result<bool, ImapError> {
        if !self.mailbox_exists(mailbox)? {
            return Ok(false);
        }
        self.select(mailbox, None)?;
        let id = crate::domain::thread::normalize_message_id(message_id).unwrap_or_default();
        let q = quote(&format!("<{id}>"))?;
        Ok(!self
            .raw("UID SEARCH", &format!("UID SEARCH HEADER Message-ID {q}"))?
            .search
            .is_empty())
    }

    /// The UIDs of the messages with these Message-IDs in the selected
    /// mailbox (ids that are not real Message-IDs are skipped).
    pub fn uids_of_message_ids(&mut self, ids: &[String]) -> Result<Vec<u32>, ImapError> {
        let mut uids = Vec::new();
        for id in ids {
            let Some(id) = crate::domain::thread::normalize_message_id(id) else {
                continue;
            };
            let q = quote(&format!("<{id}>"))?;
            uids.extend(
                self.raw("UID SEARCH", &format!("UID SEARCH HEADER Message-ID {q}"))?
                    .search,
            );
        }
        uids.sort_unstable();
        uids.dedup();
        Ok(uids)
    }

    /// Moves `uids` of the selected mailbox to `to`: UID MOVE (RFC 6851)
    /// where offered, else (or if the server refuses it) UID COPY, STORE
    /// \Deleted and UID EXPUNGE of just those UIDs (plain EXPUNGE without
    /// UIDPLUS, as other clients do).
    pub fn move_uids(&mut self, uids: &str, to: &str) -> Result<(), ImapError> {
        let target = quote(to)?;
        if self.has_capability("MOVE") {
            match self.raw("UID MOVE", &format!("UID MOVE {uids} {target}")) {
                Ok(_) => return Ok(()),
                Err(e @ ImapError::Command { .. }) => {
                    tracing::info!("UID MOVE refused ({e}); copying and expunging instead");
                }
                Err(e) => return Err(e),
            }
        }
        self.raw("UID COPY", &format!("UID COPY {uids} {target}"))?;
        self.store_flags(uids, true, "\\Deleted")?;
        if self.has_capability("UIDPLUS") {
            self.raw("UID EXPUNGE", &format!("UID EXPUNGE {uids}"))?;
        } else {
            self.expunge()?;
        }
        Ok(())
    }

    /// `UID STORE uids +FLAGS.SILENT (flags)` (or `-FLAGS` when `add` is false).
    pub fn store_flags(&mut self, uids: &str, add: bool, flags: &str) -> Result<(), ImapError> {
        let sign = if add { '+' } else { '-' };
        self.raw(
            "UID STORE",
            &format!("UID STORE {uids} {sign}FLAGS.SILENT ({flags})"),
        )?;
        Ok(())
    }

    /// Waits in IDLE (on the selected mailbox) until the server reports a
    /// change or `timeout` passes. Returns true on a change.
    pub fn idle_wait(&mut self, timeout: Duration) -> Result<bool, ImapError> {
        self.idle_until(timeout, &mut || false)
    }

    /// [`Connection::idle_wait`], ended early (with DONE) once `stop`
    /// returns true: a connection that also answers its owner's requests.
    pub fn idle_until(
        &mut self,
        timeout: Duration,
        stop: &mut dyn FnMut() -> bool,
    ) -> Result<bool, ImapError> {
        self.flush_enable()?;
        let tag = self.next_tag();
        super::raw::idle(&self.core.raw, &tag, timeout, super::READ_TIMEOUT, stop)
    }

    /// Permanently removes messages flagged \\Deleted in the selected mailbox.
    pub fn expunge(&mut self) -> Result<(), ImapError> {
        self.raw("EXPUNGE", "EXPUNGE").map(|_| ())
    }

    /// Deletes a mailbox.
    pub fn delete_mailbox(&mut self, mailbox: &str) -> Result<(), ImapError> {
        let command = format!("DELETE {}", quote(mailbox)?);
        let deleted = self.on_session_for(Some(mailbox), |c| {
            let deleted = c.raw(&format!("DELETE {mailbox}"), &command);
            if c.core.selected.as_ref().is_some_and(|(m, _)| m == mailbox) {
                c.core.selected = None;
            }
            deleted
        });
        self.folders = None;
        deleted.map(|_| ())
    }

    /// NOOP: keeps the connection alive and collects pending updates.
    pub fn noop(&mut self) -> Result<(), ImapError> {
        self.raw("NOOP", "NOOP").map(|_| ())
    }

    /// NOOP on the selected mailbox: whether the server reported anything
    /// with it (new mail, flag changes, expunges). Polling for a server
    /// without IDLE.
    pub fn noop_news(&mut self) -> Result<bool, ImapError> {
        let buf = self.raw_answer("NOOP", "NOOP")?;
        parse::parse(&buf, "NOOP").map_err(|e| cmd_err("NOOP", e))?;
        Ok(buf.split(|b| *b == b'\n').any(|l| l.starts_with(b"* ")))
    }
}

/// The header fields that say how a message's body is built.
pub const MIME_FIELDS: &str =
    "MIME-VERSION CONTENT-TYPE CONTENT-TRANSFER-ENCODING CONTENT-DISPOSITION";

fn bodies_command(uids: &str) -> String {
    format!("UID FETCH {uids} (UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])")
}
