//! The byte stream under an IMAP connection: plain TCP (loopback only) or
//! TLS. Reads carry a timeout, and one response is capped in size so a
//! hostile server cannot grow our memory without bound.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// Largest response (bytes read between two writes) we accept.
pub const MAX_RESPONSE: usize = 256 * 1024 * 1024;

#[derive(Debug)]
pub enum Inner {
    Plain(TcpStream),
    Tls(Box<native_tls::TlsStream<TcpStream>>),
}

#[derive(Debug)]
pub struct Stream {
    inner: Inner,
    read_since_write: usize,
}

impl Stream {
    pub fn new(inner: Inner) -> Stream {
        Stream {
            inner,
            read_since_write: 0,
        }
    }

    fn tcp(&self) -> &TcpStream {
        match &self.inner {
            Inner::Plain(s) => s,
            Inner::Tls(s) => s.get_ref(),
        }
    }

    pub fn is_tls(&self) -> bool {
        matches!(self.inner, Inner::Tls(_))
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = match &mut self.inner {
            Inner::Plain(s) => s.read(buf)?,
            Inner::Tls(s) => s.read(buf)?,
        };
        self.read_since_write += n;
        if self.read_since_write > MAX_RESPONSE {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "server response exceeds {} MiB; connection dropped",
                    MAX_RESPONSE >> 20
                ),
            ));
        }
        Ok(n)
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.read_since_write = 0;
        match &mut self.inner {
            Inner::Plain(s) => s.write(buf),
            Inner::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.inner {
            Inner::Plain(s) => s.flush(),
            Inner::Tls(s) => s.flush(),
        }
    }
}

impl imap::extensions::idle::SetReadTimeout for Stream {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> imap::Result<()> {
        self.tcp()
            .set_read_timeout(timeout)
            .map_err(imap::Error::Io)
    }
}
