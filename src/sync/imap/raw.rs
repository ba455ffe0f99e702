//! A linear-time reader for bulk FETCH responses on the shared socket.
//!
//! It splits the byte stream into responses by lines and `{n}` literals
//! without parsing, reads each complete response once (the common header
//! shape in `fast.rs`, anything else with imap-proto), and
//! stops at its own tagged completion. Used only between the crate's
//! commands, when the crate has nothing buffered.

use super::parse::{Fetched, fetch_response};
use super::{ImapError, clean};
use crate::sync::stream::{MAX_RESPONSE, RawHandle};

fn err(what: &str, reason: impl std::fmt::Display) -> ImapError {
    ImapError::Command {
        what: what.into(),
        reason: clean(reason),
    }
}

/// The socket failed: the command may or may not have taken effect.
fn lost(what: &str, reason: impl std::fmt::Display) -> ImapError {
    ImapError::Lost {
        what: what.into(),
        reason: clean(reason),
    }
}

/// The literal length announced at the end of `line` (`... {123}\r\n`).
fn literal_len(line: &[u8]) -> Option<usize> {
    let l = line
        .strip_suffix(b"\r\n")
        .or_else(|| line.strip_suffix(b"\n"))?;
    let l = l.strip_suffix(b"}")?;
    let open = l.iter().rposition(|b| *b == b'{')?;
    let digits = &l[open + 1..];
    let digits = digits.strip_suffix(b"+").unwrap_or(digits);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// What [`fetch_each`] hands its caller: the next FETCH responses, and
/// whether the command has completed (OK) with them.
pub type OnBatch<'a> = dyn FnMut(Vec<Fetched>, bool) -> Result<(), ImapError> + 'a;

/// How many FETCH responses [`fetch_each`] hands on at a time: `count`,
/// or fewer once they reach `bytes`. What it holds between two hand-offs
/// is capped (64 MiB for [`Batching::ALL`]), so a server cannot grow our
/// memory without bound.
#[derive(Clone, Copy)]
pub struct Batching {
    pub count: usize,
    pub bytes: usize,
}

impl Batching {
    /// Everything at once, at the end.
    pub const ALL: Batching = Batching {
        count: usize::MAX,
        bytes: usize::MAX,
    };
}

/// Splits what the shared socket brings into whole responses in linear
/// time: each byte is searched for a line end once, and a literal is
/// skipped by its announced length, unread. (The crate's reader parses a
/// response again from its start after every line: a long answer, or a
/// literal of many short lines from a hostile server, costs it time
/// quadratic in its size.)
struct Reader<'h> {
    h: &'h RawHandle,
    what: &'h str,
    buf: Vec<u8>,
    chunk: Vec<u8>,
    /// Where the response being read begins.
    start: usize,
    /// Where its current line begins (past any literal).
    scan: usize,
    /// How far from `scan` on the buffer has been searched for a line end.
    searched: usize,
    /// The end of a literal still arriving.
    need: usize,
    /// The last read failed because the read timeout passed.
    timed_out: bool,
}

impl<'h> Reader<'h> {
    /// Sends `tag command` and returns the reader of its answer.
    fn send(
        h: &'h RawHandle,
        what: &'h str,
        tag: &str,
        command: &str,
    ) -> Result<Reader<'h>, ImapError> {
        h.write_all(format!("{tag} {command}\r\n").as_bytes())
            .map_err(|e| lost(what, super::io_reason(&e)))?;
        Ok(Reader::new(h, what))
    }

    fn new(h: &'h RawHandle, what: &'h str) -> Reader<'h> {
        Reader {
            h,
            what,
            buf: Vec::with_capacity(256 * 1024),
            chunk: vec![0u8; 256 * 1024],
            start: 0,
            scan: 0,
            searched: 0,
            need: 0,
            timed_out: false,
        }
    }

    /// The next whole response (its literals included).
    fn next(&mut self) -> Result<&[u8], ImapError> {
        loop {
            if self.buf.len() >= self.need {
                let from = self.searched.max(self.scan);
                match self.buf[from..].iter().position(|b| *b == b'\n') {
                    Some(nl) => {
                        let line_end = from + nl + 1;
                        if let Some(n) = literal_len(&self.buf[self.scan..line_end]) {
                            if n > MAX_RESPONSE {
                                return Err(err(
                                    self.what,
                                    format!("the server announced a {n}-byte literal; refusing"),
                                ));
                            }
                            self.need = line_end + n;
                            self.scan = self.need;
                            self.searched = self.need;
                            continue;
                        }
                        let start = std::mem::replace(&mut self.start, line_end);
                        (self.scan, self.searched, self.need) = (line_end, line_end, 0);
                        return Ok(&self.buf[start..line_end]);
                    }
                    None => self.searched = self.buf.len(),
                }
            }
            self.fill()?;
        }
    }

    /// Reads more, first dropping what was handed out already.
    fn fill(&mut self) -> Result<(), ImapError> {
        if self.start > (1 << 20) {
            let s = self.start;
            self.buf.drain(..s);
            self.start = 0;
            self.scan -= s;
            self.searched -= s;
            self.need = self.need.saturating_sub(s);
        }
        // One response (its literals capped above) is all we hold.
        if self.buf.len() - self.start > MAX_RESPONSE + (1 << 20) {
            return Err(err(
                self.what,
                format!("a response exceeds {} MiB; refusing", MAX_RESPONSE >> 20),
            ));
        }
        let n = self.h.read(&mut self.chunk).map_err(|e| {
            self.timed_out = crate::sync::stream::timed_out(&e);
            lost(self.what, super::io_reason(&e))
        })?;
        self.timed_out = false;
        if n == 0 {
            return Err(lost(self.what, "the server closed the connection"));
        }
        self.buf.extend_from_slice(&self.chunk[..n]);
        Ok(())
    }
}

/// Whether `resp` is the completion of command `tag`.
fn tagged<'r>(resp: &'r [u8], tag: &str) -> Option<&'r [u8]> {
    resp.strip_prefix(tag.as_bytes())?.strip_prefix(b" ")
}

/// Sends `tag command` and returns every response up to and including its
/// tagged completion (whatever its status: the caller reads it), read in
/// linear time and capped at [`MAX_RESPONSE`] in all.
pub fn command(h: &RawHandle, tag: &str, command: &str, what: &str) -> Result<Vec<u8>, ImapError> {
    let mut r = Reader::send(h, what, tag, command)?;
    answer(&mut r, tag, what)
}

/// Two commands in one write, so they cost one round trip: `first` must
/// be one whose failure leaves `then` meaningful. Returns both answers, as
/// [`command`] does; both are read whatever the first one says, so the
/// connection stays in step.
pub fn pipelined(
    h: &RawHandle,
    first: (&str, &str),
    then: (&str, &str),
    what: &str,
) -> Result<(Vec<u8>, Vec<u8>), ImapError> {
    h.write_all(format!("{} {}\r\n{} {}\r\n", first.0, first.1, then.0, then.1).as_bytes())
        .map_err(|e| lost(what, super::io_reason(&e)))?;
    let mut r = Reader::new(h, what);
    let a = answer(&mut r, first.0, what)?;
    let b = answer(&mut r, then.0, what)?;
    Ok((a, b))
}

/// `tag command {n}` with `data` as the literal (APPEND): at once where
/// the server takes non-synchronizing literals (`literal_plus`), else
/// after its continuation request; a refusal before it sends nothing.
/// Returns the answer, as [`command`] does, the continuation left out.
pub fn with_literal(
    h: &RawHandle,
    tag: &str,
    command: &str,
    data: &[u8],
    literal_plus: bool,
    what: &str,
) -> Result<Vec<u8>, ImapError> {
    let n = data.len();
    if literal_plus {
        let mut out = format!("{tag} {command} {{{n}+}}\r\n").into_bytes();
        out.extend_from_slice(data);
        out.extend_from_slice(b"\r\n");
        h.write_all(&out)
            .map_err(|e| lost(what, super::io_reason(&e)))?;
        return answer(&mut Reader::new(h, what), tag, what);
    }
    let mut r = Reader::send(h, what, tag, &format!("{command} {{{n}}}"))?;
    let (mut out, go_ahead) = answer_until(&mut r, tag, what, true)?;
    if !go_ahead {
        return Ok(out);
    }
    let mut literal = Vec::with_capacity(n + 2);
    literal.extend_from_slice(data);
    literal.extend_from_slice(b"\r\n");
    h.write_all(&literal)
        .map_err(|e| lost(what, super::io_reason(&e)))?;
    out.extend(answer(&mut r, tag, what)?);
    Ok(out)
}

/// Every response up to and including the completion of `tag`.
fn answer(r: &mut Reader<'_>, tag: &str, what: &str) -> Result<Vec<u8>, ImapError> {
    Ok(answer_until(r, tag, what, false)?.0)
}

/// Every response up to the completion of `tag` (included; returns
/// false) or, with `go_ahead`, up to a continuation request (left out;
/// returns true).
fn answer_until(
    r: &mut Reader<'_>,
    tag: &str,
    what: &str,
    go_ahead: bool,
) -> Result<(Vec<u8>, bool), ImapError> {
    let mut out = Vec::new();
    loop {
        let resp = r.next()?;
        if go_ahead && resp.starts_with(b"+") {
            return Ok((out, true));
        }
        out.extend_from_slice(resp);
        if tagged(resp, tag).is_some() {
            return Ok((out, false));
        }
        if out.len() > MAX_RESPONSE {
            return Err(err(
                what,
                format!("the answer exceeds {} MiB; refusing", MAX_RESPONSE >> 20),
            ));
        }
    }
}

/// IDLE (RFC 2177) on the selected mailbox until the server reports
/// anything, `wait` passes or `stop` says so (asked a few times a second);
/// then DONE. Returns whether the server reported anything. Reads go back
/// to `read_timeout` afterwards.
pub fn idle(
    h: &RawHandle,
    tag: &str,
    wait: std::time::Duration,
    read_timeout: std::time::Duration,
    stop: &mut dyn FnMut() -> bool,
) -> Result<bool, ImapError> {
    /// How long `stop` may go unasked.
    const SLICE: std::time::Duration = std::time::Duration::from_millis(100);
    let what = "IDLE";
    let mut r = Reader::send(h, what, tag, "IDLE")?;
    // News may come before the continuation request.
    let mut news = false;
    loop {
        let resp = r.next()?;
        if resp.starts_with(b"+") {
            break;
        }
        if let Some(rest) = tagged(resp, tag) {
            return Err(err(what, String::from_utf8_lossy(rest).trim_end()));
        }
        news = true;
    }
    if !news {
        let until = std::time::Instant::now() + wait;
        let waited = loop {
            let left = until.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() || stop() {
                break Ok(());
            }
            if let Err(e) = h.set_read_timeout(Some(left.min(SLICE))) {
                break Err(lost(what, super::io_reason(&e)));
            }
            match r.next().map(|_| ()) {
                Ok(()) => {
                    news = true;
                    break Ok(());
                }
                Err(_) if r.timed_out => {}
                Err(e) => break Err(e),
            }
        };
        h.set_read_timeout(Some(read_timeout))
            .map_err(|e| lost(what, super::io_reason(&e)))?;
        waited?;
    }
    h.write_all(b"DONE\r\n")
        .map_err(|e| lost(what, super::io_reason(&e)))?;
    loop {
        let resp = r.next()?;
        match tagged(resp, tag) {
            Some(rest) if rest.starts_with(b"OK") => return Ok(news),
            Some(rest) => return Err(err(what, String::from_utf8_lossy(rest).trim_end())),
            None => news = true,
        }
    }
}

/// Sends `tag command` and hands the FETCH responses to `on` as they
/// arrive, a [`Batching`] at a time (the server goes on sending meanwhile); the
/// last call, after the tagged OK, says so. If `on` fails, the rest of the
/// command's responses are read and dropped (the connection stays usable)
/// and its error is returned.
pub fn fetch_each(
    h: &RawHandle,
    tag: &str,
    command: &str,
    what: &str,
    batch: Batching,
    on: &mut OnBatch<'_>,
) -> Result<(), ImapError> {
    let mut r = Reader::send(h, what, tag, command)?;
    let mut out = Vec::new();
    // Bytes of the responses in `out`: what we hold until the next hand-off.
    let mut held = 0;
    let mut failed: Option<ImapError> = None;
    let mut hand = |out: Vec<Fetched>, done: bool, failed: &mut Option<ImapError>| {
        if failed.is_none()
            && let Err(e) = on(out, done)
        {
            *failed = Some(e);
        }
    };
    loop {
        let resp = r.next()?;
        if let Some(rest) = tagged(resp, tag) {
            if !rest.starts_with(b"OK") {
                return Err(err(what, String::from_utf8_lossy(rest).trim_end()));
            }
            hand(std::mem::take(&mut out), true, &mut failed);
            return failed.map_or(Ok(()), Err);
        }
        // The common header-sync shape is read directly; anything
        // else goes to imap-proto.
        let fetched = match super::fast::fetch(resp) {
            Some(f) => Some(Some(f)),
            None => match imap_proto::parser::parse_response(resp) {
                Ok((_, imap_proto::types::Response::Fetch(_, attrs))) => {
                    Some(fetch_response(attrs))
                }
                Ok(_) => None,
                Err(_) => {
                    let shown = String::from_utf8_lossy(&resp[..resp.len().min(120)]).into_owned();
                    tracing::warn!(response = %clean(&shown), "skipping a response replypad cannot read");
                    None
                }
            },
        };
        if let Some(f) = fetched
            && failed.is_none()
        {
            held += resp.len();
            out.extend(f);
            if out.len() >= batch.count || held >= batch.bytes {
                hand(std::mem::take(&mut out), false, &mut failed);
                held = 0;
            } else if held > MAX_RESPONSE {
                return Err(err(
                    what,
                    format!("responses exceed {} MiB; refusing", MAX_RESPONSE >> 20),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::literal_len;
    use crate::sync::stream::{Inner, Socket, Stream};
    use std::io::Write;
    use std::net::{TcpListener, TcpStream};

    /// `command` against a peer that answers with `parts`, written one by
    /// one with pauses, so responses and literals arrive cut anywhere.
    fn answer(parts: &'static [&'static [u8]]) -> Result<Vec<u8>, crate::sync::imap::ImapError> {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let peer = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            for p in parts {
                s.write_all(p).unwrap();
                std::thread::sleep(std::time::Duration::from_millis(15));
            }
        });
        let stream = Stream::new(Inner::Plain(Socket(
            TcpStream::connect(("127.0.0.1", port)).unwrap(),
        )));
        let out = super::command(&stream.raw_handle(), "t1", "NOOP", "NOOP");
        peer.join().unwrap();
        out
    }

    #[test]
    fn responses_and_literals_cut_anywhere_are_read_whole() {
        let got = answer(&[
            b"* 1 FETCH (BODY[] {1",
            b"1}\r\nt1 OK a\nb\r\n",
            b")\r\n* SEARCH 1",
            b" 2\r\nt1 O",
            b"K done\r\n",
        ])
        .unwrap();
        assert_eq!(
            got, b"* 1 FETCH (BODY[] {11}\r\nt1 OK a\nb\r\n)\r\n* SEARCH 1 2\r\nt1 OK done\r\n",
            "the tagged line inside the literal is no completion"
        );
    }

    #[test]
    fn a_closed_connection_mid_answer_is_lost_not_refused() {
        let e = answer(&[b"* 1 FETCH (BODY[] {100}\r\nshort"]).unwrap_err();
        assert!(
            matches!(e, crate::sync::imap::ImapError::Lost { .. }),
            "{e}"
        );
    }

    #[test]
    fn literals() {
        assert_eq!(literal_len(b"* 1 FETCH (BODY[] {12}\r\n"), Some(12));
        assert_eq!(literal_len(b"* 1 FETCH (BODY[] {12+}\r\n"), Some(12));
        assert_eq!(literal_len(b"a1 OK done\r\n"), None);
        assert_eq!(literal_len(b"x {}\r\n"), None);
    }
}
