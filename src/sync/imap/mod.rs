//! Our IMAP connection: connect (implicit TLS, fail-closed STARTTLS, or
//! plaintext on loopback only), authenticate with a secret from a command,
//! and (in `commands`) the few commands replypad needs. The `imap` crate
//! stays in this module.

mod auth;
mod commands;
mod fast;
mod parse;
mod pin;
mod raw;
pub mod structure;
pub use raw::{Batching, OnBatch};

pub use commands::*;

use super::stream::{Inner, Socket, Stream};
use crate::config::{self, Secret, Tls};
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
const READ_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    #[error("cannot connect to {host}:{port}: {reason}")]
    Connect {
        host: String,
        port: u16,
        reason: String,
    },
    #[error("TLS with {host} failed: {reason}")]
    Tls { host: String, reason: String },
    #[error("{host} refused: {reason}")]
    Refused { host: String, reason: String },
    #[error("login to {host} as {user} failed: {reason}")]
    Auth {
        host: String,
        user: String,
        reason: String,
    },
    /// The server refused a command (NO, BAD) or answered it in a way
    /// replypad cannot use: trying again as it is will not help.
    #[error("IMAP {what} failed: {reason}")]
    Command { what: String, reason: String },
    /// The connection failed during a command (dropped, timed out, closed
    /// by the server): the command may or may not have taken effect.
    /// Reconnect and try again; never count it as a refusal.
    #[error("IMAP {what} failed, the connection was lost: {reason}")]
    Lost { what: String, reason: String },
    /// The server refused a login because this account holds too many
    /// connections already (every agent logs in as the team account).
    #[error(
        "{host} allows no more connections for this login ({reason}): teammates' \
         replypad or other mail programs hold them all. Try again later, or lower \
         [imap] max_connections (how many each running replypad holds)"
    )]
    Crowded { host: String, reason: String },
}

impl ImapError {
    /// `self`, as [`ImapError::Crowded`] when the server's words say the
    /// account has too many connections: `[LIMIT]` (RFC 5530; Dovecot's
    /// `mail_max_userip_connections`), Gmail's "Too many simultaneous
    /// connections", and the like.
    pub(crate) fn crowded(self) -> ImapError {
        let (host, reason) = match &self {
            ImapError::Auth { host, reason, .. } | ImapError::Refused { host, reason } => {
                (host, reason)
            }
            _ => return self,
        };
        let r = reason.to_ascii_lowercase();
        let limit = r.contains("[limit]")
            || (r.contains("connection")
                && (r.contains("too many") || r.contains("maximum number")));
        if !limit {
            return self;
        }
        ImapError::Crowded {
            host: host.clone(),
            reason: reason.trim_start_matches("No Response: ").to_string(),
        }
    }

    /// Whether retrying soon is pointless (the server counts connections).
    pub fn is_crowded(&self) -> bool {
        matches!(self, ImapError::Crowded { .. })
    }

    /// `e`, the imap crate's error from command `what`, as ours: transport
    /// failures are [`ImapError::Lost`], the server's answers `Command`.
    pub(crate) fn from_imap(what: &str, e: imap::Error) -> ImapError {
        let lost = matches!(
            e,
            imap::Error::Io(_)
                | imap::Error::ConnectionLost
                | imap::Error::Bye(_)
                | imap::Error::Tls(_)
        );
        let reason = match &e {
            imap::Error::Io(io) => io_reason(io),
            _ => clean(&e),
        };
        let what = what.to_string();
        if lost {
            ImapError::Lost { what, reason }
        } else {
            ImapError::Command { what, reason }
        }
    }
}

/// How to log in.
#[derive(Clone)]
pub enum Credentials {
    Password(Secret),
    OAuth2(Secret),
}

/// One logged-in IMAP session: the socket and what it has selected.
struct Core {
    session: imap::Session<Stream>,
    /// The socket, for bulk FETCHes read by `raw`.
    raw: crate::sync::stream::RawHandle,
    raw_tag: u32,
    /// The mailbox the last successful SELECT opened, and its UIDVALIDITY.
    selected: Option<(String, u32)>,
    /// How many messages that SELECT said the mailbox had.
    selected_exists: u32,
    /// Every mailbox this session has selected.
    opened: Vec<String>,
    /// SELECT commands sent on this session.
    selects: usize,
    /// ENABLE QRESYNC is still to send (with the next raw command).
    enable_pending: bool,
}

/// A logged-in IMAP connection: one session, or two when a folder is
/// pinned to its own ([`Connection::pin`]).
pub struct Connection {
    /// The session commands go to.
    core: Core,
    pub capabilities: Vec<String>,
    pub tls: bool,
    /// QRESYNC is enabled on this connection.
    pub qresync: bool,
    /// The server's folders (LIST "" "*"), kept for a while.
    folders: Option<(std::time::Instant, Vec<parse::ListEntry>)>,
    /// How to log in again: for LISTs on a short-lived second connection
    /// ([`Connection::list_aside`]) and for the pinned folder's session.
    aside: Option<Box<(config::Imap, Credentials)>>,
    /// The first listing connection, logging in on another thread since
    /// [`Connection::list_aside`] (its login overlaps this one's first
    /// commands).
    early_list: Option<std::thread::JoinHandle<Result<Connection, ImapError>>>,
    /// LISTs go over a short-lived second connection ([`Connection::list_aside`]).
    list_on_side: bool,
    /// This connection has sent a LIST with a pattern.
    listed: bool,
    delimiter: Option<String>,
    pin: pin::Pin,
}

/// A transport error in the agent's words: a read or write that timed
/// out says so (the OS's words were "Resource temporarily unavailable
/// (os error 11)").
pub(crate) fn io_reason(e: &std::io::Error) -> String {
    if crate::sync::stream::timed_out(e) {
        format!(
            "the server did not answer within {} s",
            READ_TIMEOUT.as_secs()
        )
    } else {
        clean(e)
    }
}

fn clean(s: impl std::fmt::Display) -> String {
    crate::mail::sanitize::line(&s.to_string())
        .chars()
        .take(300)
        .collect()
}

fn tcp(host: &str, port: u16) -> Result<TcpStream, ImapError> {
    let err = |reason: String| ImapError::Connect {
        host: host.into(),
        port,
        reason,
    };
    let addrs = (host, port).to_socket_addrs().map_err(|e| err(clean(e)))?;
    let mut last = String::from("no address found");
    for a in addrs {
        match TcpStream::connect_timeout(&a, CONNECT_TIMEOUT) {
            Ok(s) => {
                s.set_read_timeout(Some(READ_TIMEOUT)).ok();
                s.set_write_timeout(Some(READ_TIMEOUT)).ok();
                keepalive(&s);
                return Ok(s);
            }
            Err(e) => last = clean(e),
        }
    }
    Err(err(last))
}

/// TCP keepalive: idle for [`KEEPALIVE_IDLE`], then a probe every 15 s, 4
/// unanswered probes end the connection. An IDLE connection is otherwise
/// silent for up to 25 minutes: a NAT or firewall on the way (an ssh jump
/// box, a VPN, a cloud NAT gateway that forgets idle flows after ~6 minutes)
/// drops it without a word, the server's news never arrives, and nothing
/// notices until the IDLE times out. The probes keep such a path's state
/// alive and find a dead one in about two minutes (the read then fails, and
/// the worker reconnects).
fn keepalive(s: &TcpStream) {
    use std::os::fd::AsRawFd;
    let fd = s.as_raw_fd();
    let set = |level: libc::c_int, name: libc::c_int, value: libc::c_int| {
        // SAFETY: fd is an open socket owned by `s`; the option value is a
        // c_int that outlives the call.
        let rc = unsafe {
            libc::setsockopt(
                fd,
                level,
                name,
                (&value as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if rc != 0 {
            tracing::debug!(
                name,
                "cannot set a TCP keepalive option: {}",
                std::io::Error::last_os_error()
            );
        }
    };
    set(libc::SOL_SOCKET, libc::SO_KEEPALIVE, 1);
    set(
        libc::IPPROTO_TCP,
        libc::TCP_KEEPIDLE,
        KEEPALIVE_IDLE.as_secs() as libc::c_int,
    );
    set(libc::IPPROTO_TCP, libc::TCP_KEEPINTVL, 15);
    set(libc::IPPROTO_TCP, libc::TCP_KEEPCNT, 4);
}

/// How long a connection is silent before TCP keepalive probes it.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(60);

/// A capability as the server spells it (`AUTH=PLAIN`, `QRESYNC`).
fn capability_name(c: &imap_proto::types::Capability<'_>) -> String {
    match c {
        imap_proto::types::Capability::Imap4rev1 => "IMAP4rev1".to_string(),
        imap_proto::types::Capability::Auth(a) => format!("AUTH={a}"),
        imap_proto::types::Capability::Atom(a) => a.to_string(),
    }
}

/// A TLS connector that trusts the system roots plus `ca_file`, if set.
/// Certificate and host name checks are never switched off.
pub fn tls_connector(
    host: &str,
    ca_file: Option<&std::path::Path>,
) -> Result<native_tls::TlsConnector, ImapError> {
    let err = |reason: String| ImapError::Tls {
        host: host.into(),
        reason,
    };
    let mut b = native_tls::TlsConnector::builder();
    if let Some(path) = ca_file {
        let pem = std::fs::read(path)
            .map_err(|e| err(format!("cannot read ca_file {}: {e}", path.display())))?;
        let cert = native_tls::Certificate::from_pem(&pem).map_err(|e| {
            err(format!(
                "ca_file {} is not a PEM certificate: {e}",
                path.display()
            ))
        })?;
        b.add_root_certificate(cert);
    }
    b.build().map_err(|e| err(clean(e)))
}

/// Reads one line byte by byte (never more than the line, so nothing the
/// server sends after it is consumed), at most 8 KiB.
fn read_line(s: &mut Socket, host: &str) -> Result<String, ImapError> {
    let mut line = Vec::new();
    let mut b = [0u8; 1];
    while line.len() < 8192 {
        match s.read(&mut b) {
            Ok(0) => break,
            Ok(_) => {
                line.push(b[0]);
                if b[0] == b'\n' {
                    return Ok(String::from_utf8_lossy(&line).into_owned());
                }
            }
            Err(e) => {
                return Err(ImapError::Connect {
                    host: host.into(),
                    port: 0,
                    reason: clean(e),
                });
            }
        }
    }
    Err(ImapError::Refused {
        host: host.into(),
        reason: "the server closed the connection or sent an over-long line".into(),
    })
}

/// The STARTTLS upgrade, done by hand so it fails closed: PREAUTH refused,
/// a refusal is an error (never a plaintext fallback), and any byte the
/// server sent after its OK (injected before the handshake) aborts.
fn starttls(
    mut s: Socket,
    host: &str,
    connector: &native_tls::TlsConnector,
) -> Result<Stream, ImapError> {
    let refused = |reason: &str| ImapError::Refused {
        host: host.into(),
        reason: reason.into(),
    };
    let greeting = read_line(&mut s, host)?;
    if greeting.starts_with("* PREAUTH") {
        return Err(refused(
            "the server greeted with PREAUTH on a STARTTLS connection; refusing (no TLS could be negotiated)",
        ));
    }
    if !greeting.starts_with("* OK") {
        return Err(refused(&format!(
            "unexpected greeting {:?}",
            clean(greeting.trim_end())
        )));
    }
    s.write_all(b"a0 STARTTLS\r\n")
        .map_err(|e| refused(&clean(e)))?;
    loop {
        let line = read_line(&mut s, host)?;
        if line.starts_with("a0 OK") {
            break;
        }
        if line.starts_with("a0 ") {
            return Err(refused(&format!(
                "STARTTLS refused: {}; not continuing without TLS",
                clean(line.trim_end())
            )));
        }
    }
    s.0.set_nonblocking(true).ok();
    let mut probe = [0u8; 1];
    let injected = matches!(s.0.peek(&mut probe), Ok(n) if n > 0);
    s.0.set_nonblocking(false).ok();
    if injected {
        return Err(refused(
            "the server sent data after its STARTTLS reply, before TLS began (possible injection); refusing",
        ));
    }
    let tls = connector.connect(host, s).map_err(|e| ImapError::Tls {
        host: host.into(),
        reason: clean(e),
    })?;
    Ok(Stream::new(Inner::Tls(Box::new(tls))))
}

impl Connection {
    /// Connects and logs in as `cfg` says.
    pub fn connect(cfg: &config::Imap, creds: &Credentials) -> Result<Connection, ImapError> {
        Connection::log_in(cfg, creds).map_err(ImapError::crowded)
    }

    fn log_in(cfg: &config::Imap, creds: &Credentials) -> Result<Connection, ImapError> {
        let host = cfg.host.as_str();
        let s = Socket(tcp(host, cfg.port)?);
        let stream = match cfg.tls {
            Tls::Implicit => {
                let c = tls_connector(host, cfg.ca_file.as_deref())?;
                let tls = c.connect(host, s).map_err(|e| ImapError::Tls {
                    host: host.into(),
                    reason: clean(e),
                })?;
                Stream::new(Inner::Tls(Box::new(tls)))
            }
            Tls::Starttls => starttls(s, host, &tls_connector(host, cfg.ca_file.as_deref())?)?,
            Tls::None => {
                if !config::validate_is_loopback(host) {
                    return Err(ImapError::Refused {
                        host: host.into(),
                        reason: "plaintext IMAP is only allowed to loopback hosts".into(),
                    });
                }
                Stream::new(Inner::Plain(s))
            }
        };
        let tls = stream.is_tls();
        let raw = stream.raw_handle();
        let mut client = imap::Client::new(stream);
        // Capabilities a greeting announces are trusted only under TLS
        // from its first byte (or on loopback): after STARTTLS they are
        // asked for again.
        let mut caps = None;
        if cfg.tls != Tls::Starttls {
            let greeting = client.read_greeting().map_err(|e| ImapError::Refused {
                host: host.into(),
                reason: clean(e),
            })?;
            if !greeting.starts_with(b"* OK") {
                let g = String::from_utf8_lossy(&greeting);
                return Err(ImapError::Refused {
                    host: host.into(),
                    reason: format!("unexpected greeting {:?}", clean(g.trim_end())),
                });
            }
            caps = auth::in_greeting(&greeting);
        }
        let flooded = |e: ImapError| {
            if raw.overflowed() {
                ImapError::Refused {
                    host: host.into(),
                    reason: format!(
                        "an answer before login exceeds {} MiB; connection dropped",
                        crate::sync::stream::CRATE_MAX_RESPONSE >> 20
                    ),
                }
            } else {
                e
            }
        };
        let caps = auth::before_login(&mut client, caps).map_err(flooded)?;
        // Servers give their new capabilities with the login's OK: a
        // CAPABILITY command is then a round trip for nothing.
        raw.tap();
        let session = auth::log_in(client, cfg, creds, caps);
        let read = raw.untap();
        let mut session = session.map_err(flooded)?;
        let capabilities = match auth::after_login(&read) {
            Some(c) => c,
            None => session
                .capabilities()
                .map_err(|e| ImapError::from_imap("CAPABILITY", e))?
                .iter()
                .map(capability_name)
                .collect(),
        };
        let mut conn = Connection {
            core: Core {
                session,
                raw,
                raw_tag: 0,
                selected: None,
                selected_exists: 0,
                opened: Vec::new(),
                selects: 0,
                enable_pending: false,
            },
            capabilities,
            tls,
            qresync: false,
            folders: None,
            aside: None,
            early_list: None,
            list_on_side: false,
            listed: false,
            delimiter: None,
            pin: pin::Pin::default(),
        };
        let compress = cfg
            .compress
            .unwrap_or_else(|| !config::validate_is_loopback(host));
        if compress && conn.has_capability("COMPRESS=DEFLATE") {
            conn.start_compress()?;
        }
        conn.enable_qresync();
        Ok(conn)
    }

    /// COMPRESS DEFLATE (RFC 4978): from the server's OK on, both
    /// directions are compressed. A refusal leaves the connection as it was.
    fn start_compress(&mut self) -> Result<(), ImapError> {
        let tag = self.next_tag();
        let what = "COMPRESS DEFLATE";
        let buf = raw::command(&self.core.raw, &tag, what, what)?;
        match parse::parse(&buf, what) {
            Ok(_) => self.core.raw.start_deflate(),
            Err(e) => tracing::info!("the server refused COMPRESS: {}", clean(e)),
        }
        Ok(())
    }

    /// (compressed bytes read, inflated) since COMPRESS began; None when
    /// the connection is not compressed.
    pub fn compressed(&self) -> Option<(u64, u64)> {
        self.core.raw.deflate_counts()
    }

    /// Sends this connection's folder listings over a short-lived second
    /// connection, so that its sessions never LIST. On a Maildir Dovecot,
    /// once a session has listed folders (or opened a second folder: see
    /// `pin.rs`), every SELECT in it re-reads the folder's whole
    /// `dovecot-uidlist`: 28 ms per SELECT at 50,000 messages, against
    /// under 1 ms otherwise. A connection that resyncs on every change (the
    /// worker's, `replypad sync`) would pay that on each pass; a second
    /// login every [`commands::FOLDERS_FRESH`] costs less.
    pub fn list_aside(&mut self, cfg: &config::Imap, creds: &Credentials) {
        self.may_log_in_again(cfg, creds);
        self.list_on_side = true;
        let (cfg, creds) = (cfg.clone(), creds.clone());
        self.early_list = std::thread::Builder::new()
            .name("rp-login".into())
            .spawn(move || Connection::connect(&cfg, &creds))
            .ok();
    }

    /// Keeps the login data, so that [`Connection::pin`] can open the
    /// pinned folder's session (a second connection, held).
    pub fn may_log_in_again(&mut self, cfg: &config::Imap, creds: &Credentials) {
        self.aside = Some(Box::new((cfg.clone(), creds.clone())));
    }

    /// A second connection with the login data of [`Connection::may_log_in_again`]
    /// (None without it).
    fn another(&self) -> Option<Result<Connection, ImapError>> {
        let (cfg, creds) = self.aside.as_deref()?;
        Some(Connection::connect(cfg, creds))
    }

    /// Whether this session has sent a LIST with a pattern.
    pub fn has_listed(&self) -> bool {
        self.listed
    }

    pub fn has_capability(&self, name: &str) -> bool {
        self.capabilities
            .iter()
            .any(|c| c.eq_ignore_ascii_case(name))
    }
}

#[cfg(test)]
mod tests {
    use std::os::fd::AsRawFd;

    #[test]
    fn a_timeout_is_worded_as_one() {
        use std::io::{Error, ErrorKind};
        for kind in [ErrorKind::WouldBlock, ErrorKind::TimedOut] {
            let r = super::io_reason(&Error::from(kind));
            assert_eq!(r, "the server did not answer within 60 s");
            let e = super::ImapError::from_imap("IDLE", imap::Error::Io(Error::from(kind)));
            assert_eq!(
                e.to_string(),
                "IMAP IDLE failed, the connection was lost: the server did not answer within 60 s"
            );
        }
        let reset = super::io_reason(&Error::from(ErrorKind::ConnectionReset));
        assert!(reset.contains("reset"), "{reset}");
    }

    #[test]
    fn connections_are_probed_when_silent() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let s = super::tcp("127.0.0.1", port).unwrap();
        let get = |level: libc::c_int, name: libc::c_int| -> libc::c_int {
            let mut v: libc::c_int = -1;
            let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
            // SAFETY: v and len are valid out-parameters for one c_int option.
            let rc = unsafe {
                libc::getsockopt(
                    s.as_raw_fd(),
                    level,
                    name,
                    (&mut v as *mut libc::c_int).cast(),
                    &mut len,
                )
            };
            assert_eq!(rc, 0);
            v
        };
        assert_eq!(get(libc::SOL_SOCKET, libc::SO_KEEPALIVE), 1);
        assert_eq!(get(libc::IPPROTO_TCP, libc::TCP_KEEPIDLE), 60);
        assert_eq!(get(libc::IPPROTO_TCP, libc::TCP_KEEPINTVL), 15);
        assert_eq!(get(libc::IPPROTO_TCP, libc::TCP_KEEPCNT), 4);
    }
}
