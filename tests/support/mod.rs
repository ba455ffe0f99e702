//! Test harness: real servers on 127.0.0.1, each in its own temp dir with a
//! private config, torn down when the value is dropped. Never the system
//! services. A missing server binary fails the test with install advice.

#![allow(dead_code)]

pub mod cli;
pub mod dovecot;
pub mod fake;
pub mod smtp;
pub mod sync;

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// A port that was free a moment ago on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until something accepts connections on `port`.
pub fn wait_for_port(port: u16, timeout: Duration) -> bool {
    let end = Instant::now() + timeout;
    while Instant::now() < end {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// The servers die with the test thread that started them, even if the test
/// process is killed before Drop runs.
pub fn die_with_parent(cmd: &mut Command) {
    // SAFETY: prctl is async-signal-safe and only affects the child.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
}

/// Finds `name` in the usual places, or fails with how to install it.
pub fn require_binary(name: &str, candidates: &[&str], package: &str) -> std::path::PathBuf {
    for c in candidates {
        if Path::new(c).exists() {
            return c.into();
        }
    }
    if let Ok(p) = which(name) {
        return p;
    }
    panic!(
        "{name} is not installed, and the integration tests need a real server.\n\
         Install it with `sudo apt-get install -y {package}` (Debian/Ubuntu), or run\n\
         `scripts/test.sh`, which installs everything the tests need."
    );
}

fn which(name: &str) -> Result<std::path::PathBuf, ()> {
    let path = std::env::var_os("PATH").ok_or(())?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.exists())
        .ok_or(())
}

/// A self-signed certificate for 127.0.0.1 and localhost: (cert.pem, key.pem).
pub fn make_cert(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let openssl = require_binary("openssl", &["/usr/bin/openssl"], "openssl");
    let out = Command::new(openssl)
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
        ])
        .args(["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (cert, key)
}

/// A replypad config for `d`, its cache in `cache_dir`, speaking `tls`.
pub fn account(
    d: &dovecot::Dovecot,
    cache_dir: &Path,
    tls: replypad::config::Tls,
) -> replypad::config::Config {
    let mut cfg = replypad::config::Config::demo();
    cfg.imap = Some(d.imap_config(tls));
    cfg.cache.dir = Some(cache_dir.to_path_buf());
    cfg
}

/// A plain IMAP client on `d` (implicit TLS, no cache): for tests that put
/// mail in place or look at the server.
pub fn client(d: &dovecot::Dovecot) -> replypad::sync::imap::Connection {
    replypad::sync::connect(&account(
        d,
        Path::new("/nonexistent"),
        replypad::config::Tls::Implicit,
    ))
    .unwrap()
}

/// The `[imap]` table for a fake server on 127.0.0.1:`port` (user "agent").
pub fn fake_server_config(port: u16, tls: replypad::config::Tls) -> replypad::config::Imap {
    replypad::config::Imap {
        host: "127.0.0.1".into(),
        port,
        tls,
        user: "agent".into(),
        password_command: None,
        oauth_token_command: None,
        ca_file: None,
        max_connections: 2,
        compress: None,
    }
}

/// A customer message with threading headers.
pub fn message(id: &str, refs: &[&str], subject: &str, body: &str) -> Vec<u8> {
    let mut m = format!(
        "From: Customer {id} <customer-{id}@shop.test>\r\nTo: support@example.com\r\nSubject: {subject}\r\n\
         Message-ID: <{id}@shop.test>\r\nDate: Tue, 1 Jul 2025 10:00:00 +0000\r\n"
    );
    if let Some(last) = refs.last() {
        m += &format!("In-Reply-To: <{last}@shop.test>\r\nReferences:");
        for r in refs {
            m += &format!(" <{r}@shop.test>");
        }
        m += "\r\n";
    }
    m += &format!("\r\n{body}\r\n");
    m.into_bytes()
}

/// A TCP proxy on 127.0.0.1 to `target` that cuts the connection once it has
/// passed `limit` bytes from the server (a network drop mid-FETCH).
pub fn cutting_proxy(target: u16, limit: usize) -> u16 {
    proxy(target, Cut::After(limit))
}

/// A TCP proxy on 127.0.0.1 to `target` that cuts the connection just
/// before the server's first read holding `marker`: the command it answers
/// took effect, and its answer is lost with the connection.
pub fn answer_dropping_proxy(target: u16, marker: &'static [u8]) -> u16 {
    proxy(target, Cut::Before(marker))
}

/// A TCP proxy on 127.0.0.1 to `target` that holds every chunk for
/// `one_way` before passing it on, both ways: a link with a round trip of
/// twice that (a jump box far from the mail server), for counting round
/// trips. Bulk transfers through it are slow (each chunk waits in turn).
pub fn delaying_proxy(target: u16, one_way: Duration) -> u16 {
    use std::io::{Read, Write};
    listen(target, move |client, server| {
        for (mut from, mut to) in [
            (client.try_clone().unwrap(), server.try_clone().unwrap()),
            (server, client),
        ] {
            std::thread::spawn(move || {
                let mut buf = [0u8; 65536];
                while let Ok(n) = from.read(&mut buf) {
                    std::thread::sleep(one_way);
                    if n == 0 || to.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
                let _ = to.shutdown(std::net::Shutdown::Both);
            });
        }
    })
}

/// A TCP proxy on 127.0.0.1 to `target` that answers every `command`
/// (IDLE, ENABLE QRESYNC, UID MOVE: what follows the tag) itself with BAD, as a server without it
/// would, and passes everything else on. It reads the client's commands
/// by line: no literals through it.
pub fn refusing_proxy(target: u16, command: &'static str) -> u16 {
    use std::io::{BufRead, Read, Write};
    listen(target, move |client, server| {
        let (mut s2, c2) = (server.try_clone().unwrap(), client.try_clone().unwrap());
        let answers = std::sync::Arc::new(std::sync::Mutex::new(client.try_clone().unwrap()));
        let answers2 = answers.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 65536];
            while let Ok(n) = s2.read(&mut buf) {
                if n == 0 || answers2.lock().unwrap().write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            let _ = c2.shutdown(std::net::Shutdown::Both);
        });
        std::thread::spawn(move || {
            let mut lines = std::io::BufReader::new(client);
            let mut server = server;
            let mut line = Vec::new();
            while lines.read_until(b'\n', &mut line).unwrap_or(0) > 0 {
                let text = String::from_utf8_lossy(&line).into_owned();
                let refused = text
                    .split_once(' ')
                    .filter(|(_, rest)| {
                        rest.strip_prefix(command)
                            .is_some_and(|r| r.starts_with([' ', '\r']))
                    })
                    .map(|(tag, _)| tag.to_string());
                let ok = match refused {
                    Some(tag) => answers
                        .lock()
                        .unwrap()
                        .write_all(
                            format!("{tag} BAD {command} is not supported here\r\n").as_bytes(),
                        )
                        .is_ok(),
                    None => server.write_all(&line).is_ok(),
                };
                if !ok {
                    break;
                }
                line.clear();
            }
            let _ = server.shutdown(std::net::Shutdown::Both);
        });
    })
}

#[derive(Clone, Copy)]
enum Cut {
    After(usize),
    Before(&'static [u8]),
}

fn proxy(target: u16, cut: Cut) -> u16 {
    use std::io::{Read, Write};
    // One connection at a time: it is relayed on the accepting thread.
    listen(target, move |mut client, mut server| {
        let (mut c2, mut s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = c2.read(&mut buf) {
                if n == 0 || s2.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        });
        let mut passed = 0;
        let mut buf = [0u8; 8192];
        while let Ok(n) = server.read(&mut buf) {
            let n = match cut {
                Cut::After(limit) => n.min(limit.saturating_sub(passed)),
                Cut::Before(m) => buf[..n]
                    .windows(m.len())
                    .position(|w| w == m)
                    .map_or(n, |_| 0),
            };
            if n == 0 || client.write_all(&buf[..n]).is_err() {
                break;
            }
            passed += n;
        }
        let _ = client.shutdown(std::net::Shutdown::Both);
        let _ = server.shutdown(std::net::Shutdown::Both);
    })
}

/// Accepts connections on a free port of 127.0.0.1 and hands each, with a
/// new connection of its own to `target`, to `relay` on the accepting
/// thread; returns the port.
fn listen(
    target: u16,
    relay: impl Fn(std::net::TcpStream, std::net::TcpStream) + Send + 'static,
) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for client in l.incoming() {
            let Ok(client) = client else { return };
            let server = std::net::TcpStream::connect(("127.0.0.1", target)).unwrap();
            relay(client, server);
        }
    });
    port
}

/// Starts the real sync worker on `cfg` and waits for its first sync.
pub fn started_worker(
    cfg: &replypad::config::Config,
) -> (
    replypad::sync::worker::Worker,
    std::sync::Arc<std::sync::Mutex<Vec<replypad::sync::worker::Notice>>>,
) {
    use replypad::sync::worker::{Notice, Worker};
    let notices = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let n2 = notices.clone();
    let key = replypad::desk::team_key(cfg).ok();
    let sign = std::sync::Arc::new(replypad::desk::Signer::new(cfg, key.clone()));
    let w = Worker::spawn(
        cfg.clone(),
        cfg.cache_file(),
        key,
        sign,
        std::sync::Arc::new(move |n| n2.lock().unwrap().push(n)),
    );
    let t0 = std::time::Instant::now();
    while !notices
        .lock()
        .unwrap()
        .iter()
        .any(|n| matches!(n, Notice::Synced(_)))
    {
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "no first sync: {:?}",
            notices.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Let the IDLE connections settle.
    std::thread::sleep(Duration::from_millis(500));
    (w, notices)
}

/// Writes a replypad config file for `d` into `dir` (cache in `dir/cache`),
/// with `identity` as the agent and `extra` TOML appended; returns its path.
pub fn write_config(
    d: &dovecot::Dovecot,
    dir: &Path,
    identity: &str,
    extra: &str,
) -> std::path::PathBuf {
    let imap = d.imap_config(replypad::config::Tls::Implicit);
    let path = dir.join("config.toml");
    std::fs::write(
        &path,
        format!(
            "[identity]\nname = \"{identity}\"\nemail = \"{identity}@example.com\"\n\
             [team]\nname = \"Support\"\naddress = \"support@example.com\"\n{extra}\n\
             [imap]\nhost = \"127.0.0.1\"\nport = {}\nuser = \"{}\"\npassword_command = {:?}\nca_file = {:?}\n\
             [cache]\ndir = {:?}\n",
            imap.port,
            imap.user,
            imap.password_command.unwrap(),
            imap.ca_file.unwrap(),
            dir.join("cache")
        ),
    )
    .unwrap();
    path
}

/// The real App over `cfg`'s account at `width`×`height`: with a background
/// worker whose notices come out of the returned receiver (as the event
/// loop gets them), or with network work inline (`worker: false`).
pub fn live_app(
    cfg: &replypad::config::Config,
    worker: bool,
    width: u16,
    height: u16,
) -> (
    replypad::ui::App,
    std::sync::mpsc::Receiver<replypad::desk::Notice>,
) {
    let (tx, rx) = std::sync::mpsc::channel();
    let notify: replypad::desk::Notify = std::sync::Arc::new(move |n| {
        let _ = tx.send(n);
    });
    let start = replypad::desk::Start::Account(Box::new(cfg.clone()));
    let desk = replypad::desk::Desk::open(start, worker.then_some(notify)).unwrap();
    let mut app = replypad::ui::App::new(
        desk,
        replypad::ui::keymap::Keymap::load(&Default::default()).unwrap(),
        replypad::ui::format::Clock::system(),
    )
    .unwrap();
    app.resize(width, height);
    // As the event loop does after its first frame.
    app.settle();
    (app, rx)
}

/// Feeds the worker's notices to `app`, as the event loop would, until its
/// first sync pass is done (at most 10 s).
pub fn first_pass(
    app: &mut replypad::ui::App,
    rx: &std::sync::mpsc::Receiver<replypad::desk::Notice>,
) {
    let t0 = std::time::Instant::now();
    loop {
        let n = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("a notice");
        let synced = matches!(n, replypad::desk::Notice::Synced(_));
        app.on_notice(n);
        if synced {
            break;
        }
        assert!(t0.elapsed() < std::time::Duration::from_secs(10));
    }
}
