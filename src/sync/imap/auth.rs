//! Logging in: AUTHENTICATE PLAIN where the server offers it (the password
//! travels base64-encoded, so any UTF-8 password works, and a server that
//! disables LOGIN is served; with SASL-IR in the command itself), LOGIN
//! otherwise, XOAUTH2 with a token.
//! Which one is decided from the capabilities the server gives before login
//! (never those of a plaintext greeting before STARTTLS), so a wrong guess
//! never costs a failed login attempt (servers lock accounts on those).

use super::{ImapError, Stream, clean};
use crate::config::{Imap, Secret};
use base64::Engine as _;
use std::cell::{Cell, RefCell};

/// Google's XOAUTH2 SASL mechanism: the user and a bearer token, once.
/// A server that refuses the token sends its error as a challenge (a
/// JSON object such as `{"status":"401",...}`), to be answered with an
/// empty response, after which it says NO. Answering with the token again
/// (what a stateless authenticator does) is a protocol error that loses
/// the server's reason.
struct XOAuth2<'a> {
    user: &'a str,
    token: &'a Secret,
    /// Whether the token has gone (with the command, under SASL-IR).
    sent: Cell<bool>,
    /// The error challenge the server sent after the token.
    refusal: RefCell<Option<Vec<u8>>>,
}

impl XOAuth2<'_> {
    fn response(&self) -> String {
        format!(
            "user={}\x01auth=Bearer {}\x01\x01",
            self.user,
            self.token.expose()
        )
    }
}

impl imap::Authenticator for XOAuth2<'_> {
    type Response = String;
    fn process(&self, challenge: &[u8]) -> String {
        if self.sent.replace(true) {
            *self.refusal.borrow_mut() = Some(challenge.to_vec());
            return String::new();
        }
        self.response()
    }
}

/// Why an XOAUTH2 login failed, from the server's NO and the error
/// challenge before it (untrusted: only its status and scope are kept,
/// cleaned).
fn oauth_refusal(no: String, challenge: Option<Vec<u8>>) -> String {
    let detail = challenge
        .and_then(|c| serde_json::from_slice::<serde_json::Value>(&c).ok())
        .map(|v| {
            let field = |k: &str| match &v[k] {
                serde_json::Value::String(s) => Some(clean(s)),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            };
            let mut d = String::new();
            if let Some(status) = field("status") {
                d.push_str(&format!(" (status {status}"));
                if let Some(scope) = field("scope") {
                    d.push_str(&format!(", scope {scope}"));
                }
                d.push(')');
            }
            d
        })
        .unwrap_or_default();
    format!(
        "the server refused the XOAUTH2 token{detail}: {no}; check that oauth_token_command \
         prints a fresh access token for this account"
    )
}

/// SASL PLAIN (RFC 4616): no authorization identity, the user, the password.
struct Plain<'a> {
    user: &'a str,
    password: &'a Secret,
}

impl imap::Authenticator for Plain<'_> {
    type Response = String;
    fn process(&self, _: &[u8]) -> String {
        format!("\0{}\0{}", self.user, self.password.expose())
    }
}

/// The capabilities a greeting announces (`* OK [CAPABILITY ...] ...`).
pub(super) fn in_greeting(greeting: &[u8]) -> Option<Vec<String>> {
    let g = std::str::from_utf8(greeting).ok()?;
    let rest = g.strip_prefix("* OK [CAPABILITY ")?;
    let list = &rest[..rest.find(']')?];
    Some(list.split_ascii_whitespace().map(str::to_string).collect())
}

/// The capabilities a server gave while logging us in: in the tagged OK
/// (`a2 OK [CAPABILITY ...] Logged in`, as Dovecot, Gmail and Fastmail
/// do) or an untagged CAPABILITY before it; the last one counts. `read`
/// is what was read after the login command went.
pub(super) fn after_login(read: &[u8]) -> Option<Vec<String>> {
    let text = String::from_utf8_lossy(read);
    let mut found = None;
    for line in text.split("\r\n") {
        let list = match line.split_once(' ') {
            Some(("*", rest)) => rest
                .get(..11)
                .filter(|p| p.eq_ignore_ascii_case("CAPABILITY "))
                .map(|_| &rest[11..]),
            Some(("+", _)) | None => None,
            Some((_, rest)) => rest
                .get(..15)
                .filter(|p| p.eq_ignore_ascii_case("OK [CAPABILITY "))
                .and_then(|_| rest[15..].split_once(']'))
                .map(|(list, _)| list),
        };
        if let Some(list) = list {
            found = Some(list.split_ascii_whitespace().map(str::to_string).collect());
        }
    }
    found
}

/// The server's capabilities before login: those of the greeting if it
/// gave them (and may be trusted), else asked for.
pub(super) fn before_login(
    client: &mut imap::Client<Stream>,
    greeting: Option<Vec<String>>,
) -> Result<Vec<String>, ImapError> {
    if let Some(c) = greeting {
        return Ok(c);
    }
    Ok(client
        .capabilities()
        .map_err(|e| ImapError::from_imap("CAPABILITY", e))?
        .iter()
        .map(super::capability_name)
        .collect())
}

fn has(caps: &[String], name: &str) -> bool {
    caps.iter().any(|c| c.eq_ignore_ascii_case(name))
}

/// Logs `client` in as `cfg.user`; `caps` are the server's capabilities
/// before login ([`before_login`]).
pub(super) fn log_in(
    client: imap::Client<Stream>,
    cfg: &Imap,
    creds: &super::Credentials,
    caps: Vec<String>,
) -> Result<imap::Session<Stream>, ImapError> {
    let host = cfg.host.as_str();
    let auth_err = |e: imap::Error| ImapError::Auth {
        host: host.into(),
        user: cfg.user.clone(),
        reason: clean(e),
    };
    let session = match creds {
        super::Credentials::Password(p) if has(&caps, "AUTH=PLAIN") => {
            let plain = Plain {
                user: &cfg.user,
                password: p,
            };
            if has(&caps, "SASL-IR") {
                // RFC 4959: the response goes with the command, a round
                // trip fewer (the server answers OK or NO at once).
                let initial = base64::engine::general_purpose::STANDARD
                    .encode(imap::Authenticator::process(&plain, b""));
                client.authenticate(format!("PLAIN {initial}"), &plain)
            } else {
                client.authenticate("PLAIN", &plain)
            }
        }
        super::Credentials::Password(_) if has(&caps, "LOGINDISABLED") => {
            return Err(ImapError::Auth {
                host: host.into(),
                user: cfg.user.clone(),
                reason: "the server disables LOGIN and offers no AUTHENTICATE PLAIN; \
                         use oauth_token_command if it offers XOAUTH2"
                    .into(),
            });
        }
        super::Credentials::Password(p) => client.login(&cfg.user, p.expose()),
        super::Credentials::OAuth2(_) if !has(&caps, "AUTH=XOAUTH2") => {
            let offered: Vec<String> = caps
                .iter()
                .filter_map(|c| {
                    c.get(..5)
                        .filter(|p| p.eq_ignore_ascii_case("AUTH="))
                        .map(|_| clean(&c[5..]))
                })
                .collect();
            return Err(ImapError::Auth {
                host: host.into(),
                user: cfg.user.clone(),
                reason: format!(
                    "the server does not offer XOAUTH2 (it offers: {}); use password_command",
                    if offered.is_empty() {
                        "none".into()
                    } else {
                        offered.join(" ")
                    }
                ),
            });
        }
        super::Credentials::OAuth2(t) => {
            let ir = has(&caps, "SASL-IR");
            let x = XOAuth2 {
                user: &cfg.user,
                token: t,
                sent: Cell::new(ir),
                refusal: RefCell::new(None),
            };
            let r = if ir {
                let initial = base64::engine::general_purpose::STANDARD.encode(x.response());
                client.authenticate(format!("XOAUTH2 {initial}"), &x)
            } else {
                client.authenticate("XOAUTH2", &x)
            };
            return r.map_err(|(e, _)| ImapError::Auth {
                host: host.into(),
                user: cfg.user.clone(),
                reason: oauth_refusal(clean(e), x.refusal.take()),
            });
        }
    };
    session.map_err(|(e, _)| auth_err(e))
}

#[cfg(test)]
mod tests {
    #[test]
    fn greeting_capabilities() {
        assert_eq!(
            super::in_greeting(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] Dovecot ready.\r\n"),
            Some(vec!["IMAP4rev1".to_string(), "AUTH=PLAIN".into()])
        );
        assert_eq!(super::in_greeting(b"* OK Gimap ready\r\n"), None);
        assert_eq!(super::in_greeting(b"* OK [CAPABILITY IMAP4rev1\r\n"), None);
    }

    #[test]
    fn capabilities_given_by_a_login() {
        let caps = |s: &[u8]| super::after_login(s).map(|c| c.join(" "));
        assert_eq!(
            caps(b"a2 OK [CAPABILITY IMAP4rev1 IDLE QRESYNC] Logged in\r\n").as_deref(),
            Some("IMAP4rev1 IDLE QRESYNC")
        );
        // Untagged before the OK (and a continuation), the last one counts.
        assert_eq!(
            caps(
                b"+ \r\n* CAPABILITY IMAP4rev1 X\r\n* capability IMAP4rev1 IDLE\r\na2 OK done\r\n"
            )
            .as_deref(),
            Some("IMAP4rev1 IDLE")
        );
        assert_eq!(caps(b"a2 OK Logged in\r\n"), None);
        assert_eq!(caps(b"a2 OK [CAPABILITY IMAP4rev1 IDLE\r\n"), None);
        assert_eq!(caps(b""), None);
    }
}
