//! A slow link in user space, for the COMPRESS rows: a TCP relay on
//! loopback that delays every chunk by a one-way latency and paces each
//! direction to a bit rate (a queue, as a real link's bottleneck). `tc
//! netem` would be the usual tool, but this container's kernel has no
//! netem qdisc ("Specified qdisc kind is unknown").

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The relay's port on 127.0.0.1.
pub struct Link {
    pub port: u16,
}

impl Link {
    /// Relays to 127.0.0.1:`upstream` with `one_way` latency each way and
    /// `bits_per_sec` in each direction.
    pub fn start(upstream: u16, one_way: Duration, bits_per_sec: f64) -> Link {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    continue;
                };
                for (from, to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    pump(from, to, one_way, bits_per_sec);
                }
            }
        });
        Link { port }
    }
}

/// One direction: a reader stamps chunks as they arrive, a writer delivers
/// each once the link had time to carry it and the latency passed.
fn pump(mut from: TcpStream, mut to: TcpStream, one_way: Duration, bits_per_sec: f64) {
    let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if tx.send((Instant::now(), buf[..n].to_vec())).is_err() {
                        break;
                    }
                }
            }
        }
    });
    std::thread::spawn(move || {
        let mut free = Instant::now();
        for (arrived, chunk) in rx {
            let carry = Duration::from_secs_f64(chunk.len() as f64 * 8.0 / bits_per_sec);
            free = free.max(arrived) + carry;
            let deliver = free + one_way;
            let now = Instant::now();
            if deliver > now {
                std::thread::sleep(deliver - now);
            }
            if to.write_all(&chunk).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
}
