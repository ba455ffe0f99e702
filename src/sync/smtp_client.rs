//! Sending over SMTP with STARTTLS (port 587: Microsoft 365, most hosting
//! providers), immune to response injection.
//!
//! Written by hand rather than with lettre (safety): lettre 0.11 reads the
//! server's answer to STARTTLS through a buffered reader and keeps whatever
//! a man in the middle appended after it, reading it later as the first
//! answers over TLS. Here the few plaintext lines (greeting, EHLO,
//! STARTTLS) are read one by one, and anything the server sent after its
//! `220` to STARTTLS fails the send before the handshake. It fails closed:
//! a server that does not offer STARTTLS, or refuses it, gets neither
//! credentials nor mail. After the handshake: EHLO, AUTH (PLAIN with
//! `password_command`, XOAUTH2 with `oauth_token_command`), MAIL, RCPT,
//! DATA, QUIT.

use super::smtp::{Auth, SendError};
use crate::config;
use base64::Engine as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(30);
/// The longest reply line read, and the most lines of one reply.
const MAX_LINE: u64 = 4096;
const MAX_LINES: usize = 100;

/// One reply: its code and its text (lines joined).
struct Reply {
    code: u16,
    text: String,
}

impl Reply {
    fn class(&self) -> u16 {
        self.code / 100
    }
}

fn clean(s: &str) -> String {
    crate::mail::sanitize::line(s).into_owned()
}

fn lost(what: &str, e: std::io::Error) -> SendError {
    // A timeout in words, not the OS's "Resource temporarily unavailable".
    let reason = if crate::sync::stream::timed_out(&e) {
        "the server did not answer in time".to_string()
    } else {
        e.to_string()
    };
    SendError::Transient(format!("SMTP connection lost ({what}): {reason}"))
}

/// Reads one reply (`250-…` lines up to `250 …`) from `r`.
fn read_reply<R: BufRead>(r: &mut R, what: &str) -> Result<Reply, SendError> {
    let mut text = Vec::new();
    for _ in 0..MAX_LINES {
        let mut line = String::new();
        let n = r
            .by_ref()
            .take(MAX_LINE)
            .read_line(&mut line)
            .map_err(|e| lost(what, e))?;
        if n == 0 {
            return Err(SendError::Transient(format!(
                "the SMTP server closed the connection ({what})"
            )));
        }
        if !line.ends_with('\n') {
            return Err(SendError::Transient(format!(
                "the SMTP server sent an overlong line ({what})"
            )));
        }
        let line = line.trim_end_matches(['\r', '\n']);
        let code = line
            .get(..3)
            .and_then(|c| c.parse::<u16>().ok())
            .filter(|c| (200..600).contains(c))
            .ok_or_else(|| {
                SendError::Transient(format!(
                    "the SMTP server's answer is not SMTP ({what}): {}",
                    clean(line)
                ))
            })?;
        text.push(line.get(4..).unwrap_or("").to_string());
        if line.as_bytes().get(3) != Some(&b'-') {
            return Ok(Reply {
                code,
                text: text.join(" "),
            });
        }
    }
    Err(SendError::Transient(format!(
        "the SMTP server's answer has too many lines ({what})"
    )))
}

/// What a failed reply means for the outbox.
fn refused(what: &str, r: &Reply) -> SendError {
    let text = format!("{what}: {} {}", r.code, clean(&r.text));
    match r.code {
        530 | 534 | 535 | 538 => SendError::NeedsFix(format!(
            "the SMTP server refused the login (check smtp.user and the secret command): {text}"
        )),
        c if c >= 500 => SendError::Permanent(text),
        _ => SendError::Transient(text),
    }
}

/// Sends one command and reads its reply.
fn command<S: Read + Write>(
    s: &mut BufReader<S>,
    line: &str,
    what: &str,
) -> Result<Reply, SendError> {
    s.get_mut()
        .write_all(format!("{line}\r\n").as_bytes())
        .map_err(|e| lost(what, e))?;
    read_reply(s, what)
}

fn expect(r: Reply, class: u16, what: &str) -> Result<Reply, SendError> {
    if r.class() == class {
        Ok(r)
    } else {
        Err(refused(what, &r))
    }
}

fn tls_connector(cfg: &config::Smtp) -> Result<native_tls::TlsConnector, SendError> {
    let mut b = native_tls::TlsConnector::builder();
    if let Some(ca) = &cfg.ca_file {
        let pem = std::fs::read(ca).map_err(|e| {
            SendError::NeedsFix(format!("cannot read smtp.ca_file {}: {e}", ca.display()))
        })?;
        let cert = native_tls::Certificate::from_pem(&pem).map_err(|e| {
            SendError::NeedsFix(format!(
                "smtp.ca_file {} is not a PEM certificate: {e}",
                ca.display()
            ))
        })?;
        b.add_root_certificate(cert);
    }
    b.build()
        .map_err(|e| SendError::NeedsFix(format!("smtp TLS setup: {}", clean(&e.to_string()))))
}

/// The EHLO name: this host's, as lettre would send it.
fn hello_name() -> String {
    hostname_of_this_machine().unwrap_or_else(|| "localhost".into())
}

fn hostname_of_this_machine() -> Option<String> {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most buf.len() bytes into buf.
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
    let end = buf.iter().position(|&b| b == 0)?;
    let name = std::str::from_utf8(&buf[..end]).ok()?;
    (ok && !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-.".contains(c)))
    .then(|| name.to_string())
}

/// The plaintext part: greeting, EHLO, STARTTLS; returns the socket with
/// nothing of the server's left unread, ready for the handshake.
fn plaintext_prelude(cfg: &config::Smtp) -> Result<TcpStream, SendError> {
    let tcp = connect(cfg)?;
    let mut s = BufReader::new(tcp);
    expect(read_reply(&mut s, "greeting")?, 2, "greeting")?;
    starttls(s, cfg)
}

/// A TCP connection to the server, with timeouts.
fn connect(cfg: &config::Smtp) -> Result<TcpStream, SendError> {
    let addrs: Vec<_> = (cfg.host.as_str(), cfg.port)
        .to_socket_addrs()
        .map_err(|e| SendError::Transient(format!("cannot resolve {}: {e}", cfg.host)))?
        .collect();
    let mut last = None;
    let tcp = addrs
        .iter()
        .find_map(|a| match TcpStream::connect_timeout(a, TIMEOUT) {
            Ok(s) => Some(s),
            Err(e) => {
                last = Some(e);
                None
            }
        })
        .ok_or_else(|| {
            SendError::Transient(format!(
                "cannot reach the SMTP server {}:{}: {}",
                cfg.host,
                cfg.port,
                last.map_or("no address".into(), |e| e.to_string())
            ))
        })?;
    tcp.set_read_timeout(Some(TIMEOUT))
        .map_err(|e| lost("setup", e))?;
    tcp.set_write_timeout(Some(TIMEOUT))
        .map_err(|e| lost("setup", e))?;
    Ok(tcp)
}

/// EHLO and STARTTLS in plaintext; the socket back with nothing of the
/// server's left unread.
fn starttls(mut s: BufReader<TcpStream>, cfg: &config::Smtp) -> Result<TcpStream, SendError> {
    let ehlo = expect(
        command(&mut s, &format!("EHLO {}", hello_name()), "EHLO")?,
        2,
        "EHLO",
    )?;
    let offers = ehlo
        .text
        .split_whitespace()
        .any(|w| w.eq_ignore_ascii_case("STARTTLS"));
    if !offers {
        return Err(SendError::NeedsFix(format!(
            "the SMTP server {} does not offer STARTTLS: nothing was sent (no credentials, no mail \
             in plaintext); check smtp.port and smtp.tls",
            cfg.host
        )));
    }
    let r = command(&mut s, "STARTTLS", "STARTTLS")?;
    if r.code != 220 {
        return Err(SendError::NeedsFix(format!(
            "the SMTP server refused STARTTLS ({} {}): nothing was sent",
            r.code,
            clean(&r.text)
        )));
    }
    if !s.buffer().is_empty() {
        return Err(SendError::NeedsFix(
            "the SMTP server sent more after its answer to STARTTLS (response injection, as a \
             man in the middle would): refused before the TLS handshake, nothing was sent"
                .into(),
        ));
    }
    Ok(s.into_inner())
}

/// Checks that the server answers and upgrades to TLS (doctor): no login,
/// nothing sent.
pub fn check(cfg: &config::Smtp) -> Result<(), SendError> {
    let tcp = plaintext_prelude(cfg)?;
    let tls = tls_connector(cfg)?.connect(&cfg.host, tcp).map_err(|e| {
        SendError::NeedsFix(format!(
            "TLS with the SMTP server failed (check smtp.host, smtp.ca_file): {}",
            clean(&e.to_string())
        ))
    })?;
    let mut s = BufReader::new(tls);
    let _ = command(&mut s, "QUIT", "QUIT");
    Ok(())
}

/// Sends `raw` to `rcpt` over STARTTLS, or over implicit TLS (used there
/// for XOAUTH2, whose refusal lettre 0.11 cannot read: "this mechanism does
/// not expect a challenge", and the server's reason was lost); returns the
/// server's final answer.
pub fn send(
    cfg: &config::Smtp,
    auth: Option<&Auth>,
    mail_from: &str,
    rcpt: &[String],
    raw: &[u8],
) -> Result<String, SendError> {
    let tls = match cfg.tls {
        config::Tls::Starttls => handshake(cfg, plaintext_prelude(cfg)?)?,
        config::Tls::Implicit => {
            let mut s = BufReader::new(handshake(cfg, connect(cfg)?)?);
            expect(read_reply(&mut s, "greeting")?, 2, "greeting")?;
            return deliver(s, cfg, auth, mail_from, rcpt, raw);
        }
        config::Tls::None => {
            let mut s = BufReader::new(connect(cfg)?);
            expect(read_reply(&mut s, "greeting")?, 2, "greeting")?;
            return deliver(s, cfg, auth, mail_from, rcpt, raw);
        }
    };
    deliver(BufReader::new(tls), cfg, auth, mail_from, rcpt, raw)
}

fn handshake(
    cfg: &config::Smtp,
    tcp: TcpStream,
) -> Result<native_tls::TlsStream<TcpStream>, SendError> {
    tls_connector(cfg)?
        .connect(&cfg.host, tcp)
        .map_err(|e| match e {
            native_tls::HandshakeError::Failure(e) => SendError::NeedsFix(format!(
                "TLS with the SMTP server failed (check smtp.host, smtp.ca_file): {}",
                clean(&e.to_string())
            )),
            native_tls::HandshakeError::WouldBlock(_) => {
                SendError::Transient("the TLS handshake with the SMTP server stalled".into())
            }
        })
}

/// From EHLO (the greeting read) to QUIT.
fn deliver<S: Read + Write>(
    mut s: BufReader<S>,
    cfg: &config::Smtp,
    auth: Option<&Auth>,
    mail_from: &str,
    rcpt: &[String],
    raw: &[u8],
) -> Result<String, SendError> {
    let ehlo = expect(
        command(&mut s, &format!("EHLO {}", hello_name()), "EHLO")?,
        2,
        "EHLO",
    )?;
    let mechanisms: Vec<String> = ehlo
        .text
        .split_whitespace()
        .skip_while(|w| !w.eq_ignore_ascii_case("AUTH"))
        .skip(1)
        .map(str::to_ascii_uppercase)
        .collect();
    if let Some(a) = auth {
        login(&mut s, cfg, a, &mechanisms)?;
    }
    expect(
        command(&mut s, &format!("MAIL FROM:<{mail_from}>"), "MAIL FROM")?,
        2,
        "MAIL FROM",
    )?;
    for r in rcpt {
        expect(
            command(&mut s, &format!("RCPT TO:<{r}>"), "RCPT TO")?,
            2,
            "RCPT TO",
        )?;
    }
    expect(command(&mut s, "DATA", "DATA")?, 3, "DATA")?;
    let body = dot_stuffed(raw);
    s.get_mut().write_all(&body).map_err(|e| lost("DATA", e))?;
    s.get_mut().flush().map_err(|e| lost("DATA", e))?;
    let done = expect(read_reply(&mut s, "end of DATA")?, 2, "end of DATA")?;
    let _ = command(&mut s, "QUIT", "QUIT");
    Ok(clean(&format!("{} {}", done.code, done.text)))
}

/// AUTH PLAIN (or LOGIN) with a password, XOAUTH2 with a token. A refused
/// token's reason (the server's error challenge) reaches the agent.
fn login<S: Read + Write>(
    s: &mut BufReader<S>,
    cfg: &config::Smtp,
    auth: &Auth,
    mechanisms: &[String],
) -> Result<(), SendError> {
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let user = cfg.user.as_deref().unwrap_or("");
    let offered = |m: &str| mechanisms.iter().any(|x| x == m);
    match auth {
        Auth::Token(token) => {
            if !offered("XOAUTH2") {
                return Err(SendError::NeedsFix(format!(
                    "the SMTP server does not offer XOAUTH2 (it offers: {}); no token was sent",
                    clean(&mechanisms.join(" "))
                )));
            }
            let ir =
                b64(format!("user={user}\x01auth=Bearer {}\x01\x01", token.expose()).as_bytes());
            let r = command(s, &format!("AUTH XOAUTH2 {ir}"), "AUTH")?;
            if r.code == 334 {
                // The reason comes as a base64 JSON challenge; an empty line
                // answers it and the final refusal follows.
                let why = base64::engine::general_purpose::STANDARD
                    .decode(r.text.trim())
                    .ok()
                    .and_then(|j| serde_json::from_slice::<serde_json::Value>(&j).ok())
                    .map(|j| {
                        format!(
                            "status {}",
                            clean(j["status"].as_str().unwrap_or("unknown"))
                        )
                    })
                    .unwrap_or_else(|| "no reason given".into());
                let end = command(s, "", "AUTH")?;
                return Err(SendError::NeedsFix(format!(
                    "the SMTP server refused the XOAUTH2 token ({why}): {} {}",
                    end.code,
                    clean(&end.text)
                )));
            }
            expect(r, 2, "AUTH XOAUTH2").map(|_| ())
        }
        Auth::Password(p) => {
            if offered("PLAIN") || !offered("LOGIN") {
                let ir = b64(format!("\0{user}\0{}", p.expose()).as_bytes());
                expect(
                    command(s, &format!("AUTH PLAIN {ir}"), "AUTH")?,
                    2,
                    "AUTH PLAIN",
                )
                .map(|_| ())
            } else {
                expect(command(s, "AUTH LOGIN", "AUTH")?, 3, "AUTH LOGIN")?;
                expect(command(s, &b64(user.as_bytes()), "AUTH")?, 3, "AUTH LOGIN")?;
                expect(
                    command(s, &b64(p.expose().as_bytes()), "AUTH")?,
                    2,
                    "AUTH LOGIN",
                )
                .map(|_| ())
            }
        }
    }
}

/// The message for DATA: a line starting with "." gets another, and it
/// ends with CRLF "." CRLF.
fn dot_stuffed(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + 8);
    let mut at_line_start = true;
    for &b in raw {
        if at_line_start && b == b'.' {
            out.push(b'.');
        }
        out.push(b);
        at_line_start = b == b'\n';
    }
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_and_dots() {
        let mut r = std::io::Cursor::new(
            b"250-first\r\n250-STARTTLS\r\n250 AUTH PLAIN XOAUTH2\r\n".to_vec(),
        );
        let reply = read_reply(&mut r, "x").unwrap();
        assert_eq!(reply.code, 250);
        assert!(reply.text.contains("STARTTLS") && reply.text.contains("XOAUTH2"));
        let mut bad = std::io::Cursor::new(b"hello\r\n".to_vec());
        assert!(read_reply(&mut bad, "x").is_err());
        assert_eq!(dot_stuffed(b"a\r\n.b\r\n"), b"a\r\n..b\r\n.\r\n");
        assert_eq!(dot_stuffed(b".x"), b"..x\r\n.\r\n");
    }
}
