//! A fake IMAP server on 127.0.0.1 for one client: it greets, records
//! every line the client sends, and lets the test answer each line.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// The server's side of the one connection, for a test's answers.
pub struct Fake {
    s: TcpStream,
    r: BufReader<TcpStream>,
    seen: Arc<Mutex<String>>,
}

impl Fake {
    /// Sends `bytes`; false once the client is gone.
    pub fn send(&mut self, bytes: &[u8]) -> bool {
        self.s.write_all(bytes).is_ok()
    }

    /// The client's next line (recorded), None once it hung up.
    pub fn line(&mut self) -> Option<String> {
        let mut line = String::new();
        if self.r.read_line(&mut line).unwrap_or(0) == 0 {
            return None;
        }
        self.seen.lock().unwrap().push_str(&line);
        Some(line)
    }
}

/// Greets the first client with `greeting` and hands every line it sends
/// to `answer` (after recording it) until `answer` returns false or the
/// client hangs up. Returns the port and everything the client sent.
pub fn recording_server(
    greeting: &'static str,
    mut answer: impl FnMut(&str, &mut Fake) -> bool + Send + 'static,
) -> (u16, Arc<Mutex<String>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(String::new()));
    let seen2 = seen.clone();
    std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        s.write_all(greeting.as_bytes()).unwrap();
        let r = BufReader::new(s.try_clone().unwrap());
        let mut f = Fake { s, r, seen: seen2 };
        while let Some(line) = f.line() {
            if !answer(&line, &mut f) {
                break;
            }
        }
    });
    (port, seen)
}
