//! Sending over SMTP: implicit TLS (the default) and loopback plaintext
//! with a password through lettre; STARTTLS (port 587, Microsoft 365) and
//! every XOAUTH2 login (`oauth_token_command`) through our own client,
//! `smtp_client`: lettre 0.11.23 keeps plaintext a man in the middle
//! appends after the server's `220` to STARTTLS and reads it as the first
//! replies over TLS (response injection), and cannot read a refused
//! token's reason.

use crate::config::{self, Secret, Tls};
use lettre::Transport;
use lettre::address::Envelope;
use lettre::transport::smtp::SmtpTransport;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls as LettreTls, TlsParameters};

/// Why a send did not go through, by what the agent or the outbox should do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Try again later: the server is unreachable or answered 4xx.
    #[error("{0}")]
    Transient(String),
    /// The server refused the message (5xx): retrying the same won't help.
    #[error("{0}")]
    Permanent(String),
    /// The configuration needs a fix (credentials, certificate, TLS mode).
    #[error("{0}")]
    NeedsFix(String),
}

/// How replypad logs in to the SMTP server.
#[derive(Clone, Debug)]
pub enum Auth {
    /// AUTH PLAIN (or LOGIN) with `smtp.password_command`'s password.
    Password(Secret),
    /// AUTH XOAUTH2 with `smtp.oauth_token_command`'s token.
    Token(Secret),
}

fn clean(e: &dyn std::fmt::Display) -> String {
    crate::mail::sanitize::line(&e.to_string()).into_owned()
}

fn tls_params(cfg: &config::Smtp) -> Result<TlsParameters, SendError> {
    let mut tls = TlsParameters::builder(cfg.host.clone());
    if let Some(ca) = &cfg.ca_file {
        let pem = std::fs::read(ca).map_err(|e| {
            SendError::NeedsFix(format!("cannot read smtp.ca_file {}: {e}", ca.display()))
        })?;
        let cert = lettre::transport::smtp::client::Certificate::from_pem(&pem).map_err(|e| {
            SendError::NeedsFix(format!(
                "smtp.ca_file {} is not a PEM certificate: {}",
                ca.display(),
                clean(&e)
            ))
        })?;
        tls = tls.add_root_certificate(cert);
    }
    tls.build()
        .map_err(|e| SendError::NeedsFix(format!("smtp TLS setup: {}", clean(&e))))
}

/// The lettre transport (implicit TLS or loopback plaintext; STARTTLS
/// goes through `smtp_client`).
fn transport(cfg: &config::Smtp, auth: Option<&Auth>) -> Result<SmtpTransport, SendError> {
    let b = match cfg.tls {
        Tls::Implicit => SmtpTransport::builder_dangerous(&cfg.host)
            .port(cfg.port)
            .tls(LettreTls::Wrapper(tls_params(cfg)?)),
        Tls::Starttls | Tls::None => SmtpTransport::builder_dangerous(&cfg.host).port(cfg.port),
    };
    let user = cfg.user.clone().unwrap_or_default();
    let b = match auth {
        Some(Auth::Password(p)) if cfg.user.is_some() => {
            b.credentials(Credentials::new(user, p.expose().to_string()))
        }
        _ => b,
    };
    Ok(b.timeout(Some(std::time::Duration::from_secs(30))).build())
}

/// How to log in, from the secret commands (a token wins over a password).
pub fn credentials(cfg: &config::Smtp) -> Result<Option<Auth>, SendError> {
    let run = |key: &str, c: &str| {
        config::run_secret_command(key, c).map_err(|e| SendError::NeedsFix(format!("{e:#}")))
    };
    match (&cfg.oauth_token_command, &cfg.password_command) {
        (Some(c), _) => run("smtp.oauth_token_command", c).map(|t| Some(Auth::Token(t))),
        (None, Some(c)) => run("smtp.password_command", c).map(|p| Some(Auth::Password(p))),
        (None, None) => Ok(None),
    }
}

/// Sends `raw` to `rcpt`. The bytes must come from `mail::compose::build`.
pub fn send(
    cfg: &config::Smtp,
    auth: Option<&Auth>,
    mail_from: &str,
    rcpt: &[String],
    raw: &[u8],
) -> Result<String, SendError> {
    if !crate::domain::compose::is_crlf_clean(raw) {
        return Err(SendError::Permanent(
            "refusing to send bytes with a bare CR or LF".into(),
        ));
    }
    let from = mail_from
        .parse()
        .map_err(|e| SendError::NeedsFix(format!("sender {mail_from:?}: {e}")))?;
    let to = rcpt
        .iter()
        .map(|r| {
            r.parse()
                .map_err(|e| SendError::Permanent(format!("recipient {r:?}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let envelope = Envelope::new(Some(from), to)
        .map_err(|e| SendError::Permanent(format!("envelope: {}", clean(&e))))?;
    // STARTTLS and XOAUTH2 go through our own client (see its module).
    if cfg.tls == Tls::Starttls || matches!(auth, Some(Auth::Token(_))) {
        return super::smtp_client::send(cfg, auth, mail_from, rcpt, raw);
    }
    let t = transport(cfg, auth)?;
    match t.send_raw(&envelope, raw) {
        Ok(resp) => Ok(clean(&resp.message().collect::<Vec<_>>().join(" "))),
        Err(e) => Err(classify(&e)),
    }
}

/// The first I/O error in `e`'s chain of causes, if any.
fn io_cause<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a std::io::Error> {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return Some(io);
        }
        cur = err.source();
    }
    None
}

fn classify(e: &lettre::transport::smtp::Error) -> SendError {
    let text = clean(e);
    let code = e.status().map(|c| c.to_string());
    // A handshake cut by the network (reset, timeout, a signal's EINTR) is
    // worth retrying; only a failed certificate or protocol check needs a fix.
    if e.is_tls() && io_cause(e).is_none() {
        return SendError::NeedsFix(format!(
            "TLS with the SMTP server failed (check smtp.host, smtp.ca_file): {text}"
        ));
    }
    if matches!(code.as_deref(), Some("535" | "534" | "530" | "538")) {
        return SendError::NeedsFix(format!(
            "the SMTP server refused the login (check smtp.user and smtp.password_command): {text}"
        ));
    }
    if e.is_permanent() {
        return SendError::Permanent(text);
    }
    SendError::Transient(text)
}

/// Checks that the SMTP server answers (no login, nothing sent).
pub fn check_reachable(cfg: &config::Smtp) -> anyhow::Result<()> {
    if cfg.tls == Tls::Starttls {
        return super::smtp_client::check(cfg).map_err(|e| anyhow::anyhow!("{e}"));
    }
    let t = transport(cfg, None).map_err(|e| anyhow::anyhow!("{e}"))?;
    match t.test_connection() {
        Ok(true) => Ok(()),
        Ok(false) => anyhow::bail!("smtp server {}:{} did not answer NOOP", cfg.host, cfg.port),
        Err(e) => anyhow::bail!(
            "cannot reach smtp server {}:{}: {}",
            cfg.host,
            cfg.port,
            clean(&e)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::io_cause;

    #[derive(Debug, thiserror::Error)]
    #[error("handshake failed")]
    struct Wrapper(#[source] std::io::Error);

    #[derive(Debug, thiserror::Error)]
    #[error("certificate verify failed")]
    struct NoIo;

    #[test]
    fn an_io_error_under_a_tls_error_is_found() {
        let e = Wrapper(std::io::Error::from(std::io::ErrorKind::Interrupted));
        let kind = io_cause(&e).map(|io| io.kind());
        assert_eq!(kind, Some(std::io::ErrorKind::Interrupted));
        assert!(io_cause(&NoIo).is_none());
    }
}
