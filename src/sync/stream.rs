//! The byte stream under an IMAP connection: plain TCP (loopback only) or
//! TLS. Reads carry a timeout, and one response is capped in size so a
//! hostile server cannot grow our memory without bound.
//!
//! The socket is shared between the `imap` crate's session and a
//! [`RawHandle`]: bulk FETCHes bypass the crate, whose response reader
//! re-parses a response from its start after every line (quadratic in the
//! size of a message), and read the same socket in linear time (`imap::raw`).

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// Largest response (bytes read between two writes) we accept.
pub const MAX_RESPONSE: usize = 64 * 1024 * 1024;

/// Largest answer read by the `imap` crate (bytes read between two
/// writes): it reads only the greeting, CAPABILITY, the login and LOGOUT,
/// a few hundred bytes each, and its reader parses a response again after
/// every line (quadratic: a flood up to [`MAX_RESPONSE`] in a login's
/// answer would hold a connection for minutes). Our own reader (`raw`)
/// reads past this, capping each response itself.
pub const CRATE_MAX_RESPONSE: usize = 1 << 20;

/// Whether an IO error is a read or write that timed out (a socket with
/// a timeout says WouldBlock, "Resource temporarily unavailable").
pub fn timed_out(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

/// A TCP socket whose reads and writes are retried when a signal
/// interrupts them. A read on a socket with a receive timeout (ours all
/// have one) fails with EINTR whenever a signal handler runs, even under
/// SA_RESTART, and also, with no handler at all, when the process is
/// stopped and continued (SIGSTOP/SIGCONT, a frozen container): see
/// signal(7). OpenSSL treats EINTR during a handshake as fatal, so without
/// this a terminal resize (crossterm's SIGWINCH handler) or a paused job
/// could fail a connection.
#[derive(Debug)]
pub struct Socket(pub TcpStream);

/// Runs `f` again for as long as it is interrupted by a signal.
fn retry_interrupted<T>(mut f: impl FnMut() -> io::Result<T>) -> io::Result<T> {
    loop {
        match f() {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            r => return r,
        }
    }
}

impl Read for Socket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        retry_interrupted(|| self.0.read(buf))
    }
}

impl Write for Socket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        retry_interrupted(|| self.0.write(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        retry_interrupted(|| self.0.flush())
    }
}

#[derive(Debug)]
pub enum Inner {
    Plain(Socket),
    Tls(Box<native_tls::TlsStream<Socket>>),
}

impl Inner {
    fn tcp(&self) -> &TcpStream {
        match self {
            Inner::Plain(s) => &s.0,
            Inner::Tls(s) => &s.get_ref().0,
        }
    }
}

#[derive(Debug)]
struct Shared {
    inner: Inner,
    /// COMPRESS=DEFLATE, once the server agreed to it.
    deflate: Option<Box<super::deflate::Deflate>>,
    read_since_write: usize,
    /// A copy of what is read, while [`RawHandle::tap`] asks for one.
    tap: Option<Vec<u8>>,
    /// An answer read by the crate went over [`CRATE_MAX_RESPONSE`].
    overflowed: bool,
}

/// Bytes a tap keeps at most (a login's answer is a few hundred).
const TAP_MAX: usize = 16 * 1024;

impl Shared {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = match (&mut self.deflate, &mut self.inner) {
            (Some(d), inner) => d.read(inner, buf)?,
            (None, Inner::Plain(s)) => s.read(buf)?,
            (None, Inner::Tls(s)) => s.read(buf)?,
        };
        self.read_since_write += n;
        if let Some(t) = &mut self.tap {
            let keep = n.min(TAP_MAX.saturating_sub(t.len()));
            t.extend_from_slice(&buf[..keep]);
        }
        if self.read_since_write > CRATE_MAX_RESPONSE {
            self.overflowed = true;
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "server response exceeds {} MiB; connection dropped",
                    CRATE_MAX_RESPONSE >> 20
                ),
            ));
        }
        Ok(n)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.read_since_write = 0;
        match (&mut self.deflate, &mut self.inner) {
            (Some(d), inner) => return d.write_all(inner, buf),
            (None, Inner::Plain(s)) => s.write_all(buf)?,
            (None, Inner::Tls(s)) => s.write_all(buf)?,
        }
        self.flush()
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.inner {
            Inner::Plain(s) => s.flush(),
            Inner::Tls(s) => s.flush(),
        }
    }
}

impl Read for Inner {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Inner::Plain(s) => s.read(buf),
            Inner::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Inner {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Inner::Plain(s) => s.write(buf),
            Inner::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Inner::Plain(s) => s.flush(),
            Inner::Tls(s) => s.flush(),
        }
    }
}

fn lock(s: &Arc<Mutex<Shared>>) -> MutexGuard<'_, Shared> {
    s.lock().unwrap_or_else(|e| e.into_inner())
}

/// The stream handed to the `imap` crate.
#[derive(Debug)]
pub struct Stream {
    shared: Arc<Mutex<Shared>>,
    tls: bool,
}

/// Direct access to the same socket, for commands read by `imap::raw`.
#[derive(Clone, Debug)]
pub struct RawHandle(Arc<Mutex<Shared>>);

impl Stream {
    pub fn new(inner: Inner) -> Stream {
        let tls = matches!(inner, Inner::Tls(_));
        Stream {
            shared: Arc::new(Mutex::new(Shared {
                inner,
                deflate: None,
                read_since_write: 0,
                tap: None,
                overflowed: false,
            })),
            tls,
        }
    }

    pub fn is_tls(&self) -> bool {
        self.tls
    }

    pub fn raw_handle(&self) -> RawHandle {
        RawHandle(self.shared.clone())
    }
}

impl RawHandle {
    pub fn write_all(&self, buf: &[u8]) -> io::Result<()> {
        lock(&self.0).write_all(buf)
    }

    /// Starts keeping a copy of what is read (up to 16 KiB), for an answer
    /// the `imap` crate reads but does not return (the capabilities in a
    /// login's OK).
    pub fn tap(&self) {
        lock(&self.0).tap = Some(Vec::new());
    }

    /// What was read since [`RawHandle::tap`]; stops keeping a copy.
    pub fn untap(&self) -> Vec<u8> {
        lock(&self.0).tap.take().unwrap_or_default()
    }

    /// Whether an answer read by the `imap` crate went over its cap (the
    /// crate may report that as something else, a BYE say).
    pub fn overflowed(&self) -> bool {
        lock(&self.0).overflowed
    }

    /// Everything from now on is DEFLATE-compressed both ways (the
    /// server said OK to COMPRESS DEFLATE).
    pub fn start_deflate(&self) {
        lock(&self.0).deflate = Some(Box::default());
    }

    /// (compressed bytes read, what they inflated to), once compressing.
    pub fn deflate_counts(&self) -> Option<(u64, u64)> {
        lock(&self.0).deflate.as_ref().map(|d| (d.read, d.inflated))
    }

    /// How long a read waits for the server (None: for ever).
    pub fn set_read_timeout(&self, t: Option<Duration>) -> io::Result<()> {
        lock(&self.0).inner.tcp().set_read_timeout(t)
    }

    /// Reads without the cap on bytes since the last write: for a reader
    /// that caps each response itself (a streamed FETCH is many responses).
    pub fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        let mut s = lock(&self.0);
        s.read_since_write = 0;
        s.read(buf)
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        lock(&self.shared).read(buf)
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut s = lock(&self.shared);
        s.read_since_write = 0;
        let s = &mut *s;
        match (&mut s.deflate, &mut s.inner) {
            (Some(d), inner) => d.write_all(inner, buf).map(|()| buf.len()),
            (None, Inner::Plain(t)) => t.write(buf),
            (None, Inner::Tls(t)) => t.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        lock(&self.shared).flush()
    }
}
