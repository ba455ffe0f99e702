//! Logging in: AUTHENTICATE PLAIN where the server offers it (the password
//! travels base64-encoded, so any UTF-8 password works, and a server that
//! disables LOGIN is served; with SASL-IR in the command itself), LOGIN
//! otherwise, XOAUTH2 with a token.
//! Which one is decided from the capabilities the server gives before login
//! (never those of a plaintext greeting before STARTTLS), so a wrong guess
//! never costs a failed login attempt (servers lock accounts on those).

use super::{ImapError, Stream, clean};
use crate::config::{Imap, Secret};

struct XOAuth2<'a> {
    user: &'a str,
    token: &'a Secret,
}

impl imap::Authenticator for XOAuth2<'_> {
    type Response = String;
    fn process(&self, _: &[u8]) -> String {
        format!(
            "user={}\x01auth=Bearer {}\x01\x01",
            self.user,
            self.token.expose()
        )
    }
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

fn has(caps: &[String], name: &str) -> bool {
    caps.iter().any(|c| c.eq_ignore_ascii_case(name))
}

/// Logs `client` in as `cfg.user`. `caps` are the server's capabilities
/// before login, when the greeting gave them (a CAPABILITY command asks
/// otherwise).
pub(super) fn log_in(
    mut client: imap::Client<Stream>,
    cfg: &Imap,
    creds: &super::Credentials,
    caps: Option<Vec<String>>,
) -> Result<imap::Session<Stream>, ImapError> {
    let host = cfg.host.as_str();
    let auth_err = |e: imap::Error| ImapError::Auth {
        host: host.into(),
        user: cfg.user.clone(),
        reason: clean(e),
    };
    let caps = match caps {
        Some(c) => c,
        None => client
            .capabilities()
            .map_err(|e| ImapError::from_imap("CAPABILITY", e))?
            .iter()
            .map(super::capability_name)
            .collect(),
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
                use base64::Engine as _;
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
        super::Credentials::OAuth2(t) => client.authenticate(
            "XOAUTH2",
            &XOAuth2 {
                user: &cfg.user,
                token: t,
            },
        ),
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
}
