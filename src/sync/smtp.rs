//! Sending (issue "Replies"): for now the transport choice, so `doctor` can
//! check reachability and demo mode writes to a file outbox.

use crate::config::{self, Tls};
use lettre::transport::smtp::SmtpTransport;
use lettre::transport::smtp::client::{Tls as LettreTls, TlsParameters};

/// Checks that the SMTP server answers (no login, nothing sent).
pub fn check_reachable(cfg: &config::Smtp) -> anyhow::Result<()> {
    let clean =
        |e: &dyn std::fmt::Display| crate::mail::sanitize::line(&e.to_string()).into_owned();
    let mut tls = TlsParameters::builder(cfg.host.clone());
    if let Some(ca) = &cfg.ca_file {
        let pem = std::fs::read(ca)
            .map_err(|e| anyhow::anyhow!("cannot read smtp.ca_file {}: {e}", ca.display()))?;
        tls = tls.add_root_certificate(
            lettre::transport::smtp::client::Certificate::from_pem(&pem).map_err(|e| {
                anyhow::anyhow!(
                    "smtp.ca_file {} is not a PEM certificate: {}",
                    ca.display(),
                    clean(&e)
                )
            })?,
        );
    }
    let tls = tls
        .build()
        .map_err(|e| anyhow::anyhow!("smtp TLS setup: {}", clean(&e)))?;
    let t = match cfg.tls {
        Tls::Implicit => SmtpTransport::builder_dangerous(&cfg.host)
            .port(cfg.port)
            .tls(LettreTls::Wrapper(tls)),
        // lettre 0.11.23's STARTTLS is open to response injection; only checked
        // for reachability here, never used to send (see the Replies issue).
        Tls::Starttls => SmtpTransport::builder_dangerous(&cfg.host)
            .port(cfg.port)
            .tls(LettreTls::Required(tls)),
        Tls::None => SmtpTransport::builder_dangerous(&cfg.host).port(cfg.port),
    }
    .timeout(Some(std::time::Duration::from_secs(15)))
    .build();
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
