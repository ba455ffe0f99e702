//! IMAP COMPRESS=DEFLATE (RFC 4978): once the server said OK to
//! `COMPRESS DEFLATE`, everything either side sends is raw DEFLATE (no
//! zlib header), each of our writes ended with a sync flush so the server
//! can act on it at once. For agents on slow links: headers and bodies
//! shrink several times over.
//!
//! flate2's low-level `Compress`/`Decompress` (its pure-Rust backend) on
//! our own buffers, so the stream keeps its read timeouts and its cap on a
//! response's size, which count what the reader sees (inflated bytes).

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use std::io::{self, Read, Write};

/// The two directions' DEFLATE state of one connection.
pub struct Deflate {
    out: Compress,
    inp: Decompress,
    /// Compressed bytes read from the socket and not inflated yet.
    pending: Vec<u8>,
    at: usize,
    /// Inflated bytes in all (for the benchmark's figures).
    pub inflated: u64,
    /// Compressed bytes read in all.
    pub read: u64,
}

impl std::fmt::Debug for Deflate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deflate")
            .field("read", &self.read)
            .field("inflated", &self.inflated)
            .finish()
    }
}

impl Default for Deflate {
    fn default() -> Self {
        Deflate {
            out: Compress::new(Compression::fast(), false),
            inp: Decompress::new(false),
            pending: Vec::with_capacity(64 * 1024),
            at: 0,
            inflated: 0,
            read: 0,
        }
    }
}

impl Deflate {
    /// Inflates what `from` sends into `buf`: at least one byte, unless
    /// the stream ended (0) or failed.
    pub fn read(&mut self, from: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            // What is buffered (and what the inflater holds back) first.
            let (before_in, before_out) = (self.inp.total_in(), self.inp.total_out());
            let status = self
                .inp
                .decompress(&self.pending[self.at..], buf, FlushDecompress::None)
                .map_err(|e| {
                    io::Error::new(io::ErrorKind::InvalidData, format!("COMPRESS: {e}"))
                })?;
            self.at += (self.inp.total_in() - before_in) as usize;
            let produced = (self.inp.total_out() - before_out) as usize;
            if self.at == self.pending.len() {
                self.pending.clear();
                self.at = 0;
            }
            if produced > 0 {
                self.inflated += produced as u64;
                return Ok(produced);
            }
            if status == Status::StreamEnd {
                return Ok(0);
            }
            if self.at < self.pending.len() {
                // Input left that produced nothing and was not taken: the
                // inflater wants room it has; cannot happen with buf > 0.
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "COMPRESS: the inflater is stuck",
                ));
            }
            let mut chunk = [0u8; 16 * 1024];
            let n = from.read(&mut chunk)?;
            if n == 0 {
                return Ok(0);
            }
            self.read += n as u64;
            self.pending.extend_from_slice(&chunk[..n]);
        }
    }

    /// Deflates `buf` with a sync flush and sends it all to `to`.
    pub fn write_all(&mut self, to: &mut impl Write, buf: &[u8]) -> io::Result<()> {
        let mut out = Vec::with_capacity(buf.len() / 2 + 64);
        let mut at = 0;
        loop {
            let before = self.out.total_in();
            out.reserve(buf.len().saturating_sub(at) / 2 + 1024);
            self.out
                .compress_vec(&buf[at..], &mut out, FlushCompress::Sync)
                .map_err(|e| io::Error::other(format!("COMPRESS: {e}")))?;
            at += (self.out.total_in() - before) as usize;
            // Done when all input is in and the flush left spare room.
            if at == buf.len() && out.len() < out.capacity() {
                break;
            }
        }
        to.write_all(&out)?;
        to.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A socket: what one side wrote, read back in pieces of `step`.
    struct Pipe {
        data: Vec<u8>,
        at: usize,
        step: usize,
    }

    impl Read for Pipe {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.data.len() - self.at);
            buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    fn round_trip(messages: &[Vec<u8>], step: usize, out_buf: usize) -> Vec<u8> {
        let (mut a, mut b) = (Deflate::default(), Deflate::default());
        let mut wire = Vec::new();
        for m in messages {
            a.write_all(&mut wire, m).unwrap();
        }
        let mut pipe = Pipe {
            data: wire,
            at: 0,
            step,
        };
        let mut got = Vec::new();
        let mut buf = vec![0u8; out_buf];
        loop {
            let n = b.read(&mut pipe, &mut buf).unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        got
    }

    #[test]
    fn what_one_side_writes_the_other_reads() {
        let big: Vec<u8> = (0..300_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        let msgs = vec![
            b"a1 LOGIN x y\r\n".to_vec(),
            Vec::new(),
            big.clone(),
            b"a2 NOOP\r\n".to_vec(),
        ];
        let want: Vec<u8> = msgs.concat();
        for (step, out) in [(1, 1), (7, 3), (4096, 1 << 16), (1 << 20, 5)] {
            assert_eq!(round_trip(&msgs, step, out), want, "step {step}, out {out}");
        }
    }

    #[test]
    fn each_write_is_readable_before_the_next() {
        // A sync flush: the server can act on a command before more comes.
        let mut a = Deflate::default();
        let mut wire = Vec::new();
        a.write_all(&mut wire, b"a1 NOOP\r\n").unwrap();
        let mut b = Deflate::default();
        let mut pipe = Pipe {
            data: wire,
            at: 0,
            step: 1 << 20,
        };
        let mut buf = [0u8; 64];
        let n = b.read(&mut pipe, &mut buf).unwrap();
        assert_eq!(&buf[..n], b"a1 NOOP\r\n");
    }

    proptest::proptest! {
        /// Garbage from a hostile server is an error or an end, never a
        /// panic or a hang.
        #[test]
        fn garbage_never_panics(data in proptest::collection::vec(proptest::num::u8::ANY, 0..2000)) {
            let mut d = Deflate::default();
            let mut pipe = Pipe { data, at: 0, step: 13 };
            let mut buf = [0u8; 256];
            for _ in 0..10_000 {
                match d.read(&mut pipe, &mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        }
    }
}
