//! The real test servers work, and replypad's IMAP connection talks to them:
//! login over implicit TLS and STARTTLS, APPEND and FETCH; SMTP delivery.

mod support;

use replypad::config::{Secret, Tls, run_secret_command};
use replypad::sync::imap::{Connection, Credentials};
use support::dovecot::{Dovecot, PASSWORD};
use support::smtp::{Smtp, SmtpOptions};

const MSG: &[u8] = b"From: Ana Lima <ana@shop.test>\r\nTo: support@example.com\r\nSubject: Where is my order?\r\n\
Message-ID: <order-1@shop.test>\r\nDate: Tue, 1 Jul 2025 10:00:00 +0000\r\n\r\nHello, order 1234 has not arrived.\r\n";

fn creds(d: &Dovecot, tls: Tls) -> Credentials {
    let cfg = d.imap_config(tls);
    Credentials::Password(
        run_secret_command(
            "imap.password_command",
            cfg.password_command.as_deref().unwrap(),
        )
        .unwrap(),
    )
}

#[test]
fn login_over_tls_append_and_fetch() {
    let d = Dovecot::start();
    let cfg = d.imap_config(Tls::Implicit);
    let mut c = Connection::connect(&cfg, &creds(&d, Tls::Implicit))
        .unwrap_or_else(|e| panic!("{e}\n{}", d.log()));
    assert!(c.tls);
    for cap in ["IDLE", "CONDSTORE", "QRESYNC", "UIDPLUS", "MOVE"] {
        assert!(c.has_capability(cap), "{cap} missing: {:?}", c.capabilities);
    }
    let uid = c.append("INBOX", MSG, false).unwrap();
    assert_eq!(uid, Some(1));
    let info = c.select("INBOX", None).unwrap();
    assert_eq!(info.exists, 1);
    assert!(info.highestmodseq.is_some(), "CONDSTORE select");
    let fetched = c.fetch_bodies("1:*").unwrap();
    assert_eq!(fetched.len(), 1);
    assert_eq!(fetched[0].flags.uid, 1);
    assert!(!fetched[0].flags.seen);
    let parsed = replypad::mail::parse_message(
        fetched[0].data.as_deref().unwrap(),
        fetched[0].internal_date,
    );
    assert_eq!(parsed.subject, "Where is my order?");
    assert_eq!(parsed.message_id, "order-1@shop.test");
    c.logout();
}

#[test]
fn starttls_upgrades_before_login() {
    let d = Dovecot::start();
    let cfg = d.imap_config(Tls::Starttls);
    let mut c = Connection::connect(&cfg, &creds(&d, Tls::Starttls)).unwrap();
    assert!(c.tls, "the session runs over TLS");
    let log = c.folder(&["Replypad", "Log"]).unwrap();
    assert_eq!(log, "Replypad.Log", "a default Dovecot separates with '.'");
    c.ensure_mailbox(&log).unwrap();
    c.ensure_mailbox(&log).unwrap();
    assert_eq!(c.select(&log, None).unwrap().exists, 0);
    assert!(
        d.log().contains("secured") || d.log().contains("TLS"),
        "{}",
        d.log()
    );
}

/// Dovecot without the PLAIN mechanism (here, only SASL LOGIN) disables
/// the LOGIN command too (LOGINDISABLED): replypad says so plainly and
/// sends no secret. (A server offering LOGIN without AUTH=PLAIN is in
/// tests/login.rs.)
#[test]
fn a_server_without_plain_or_login_is_refused_clearly() {
    let d = Dovecot::start_with("auth_mechanisms = login\n");
    let cfg = d.imap_config(Tls::Implicit);
    let e = Connection::connect(&cfg, &creds(&d, Tls::Implicit))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("disables LOGIN"), "{e}");
    assert!(!e.contains(PASSWORD), "{e}");
    assert!(
        !d.log().contains("auth failed"),
        "no login was tried:\n{}",
        d.log()
    );
}

/// IDLE: a quiet spell ends at the timeout (and the connection goes on
/// working), news ends it at once; over TLS, where a read timeout lands
/// inside the TLS layer.
#[test]
fn idle_ends_on_news_or_at_its_timeout() {
    let d = Dovecot::start();
    let cfg = d.imap_config(Tls::Implicit);
    let mut c = Connection::connect(&cfg, &creds(&d, Tls::Implicit)).unwrap();
    c.select("INBOX", None).unwrap();
    let t = std::time::Instant::now();
    assert!(!c.idle_wait(std::time::Duration::from_millis(700)).unwrap());
    let quiet = t.elapsed();
    assert!(
        quiet >= std::time::Duration::from_millis(650) && quiet < std::time::Duration::from_secs(3),
        "{quiet:?}"
    );
    c.noop().unwrap();

    let mut other = Connection::connect(&cfg, &creds(&d, Tls::Implicit)).unwrap();
    let appender = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(300));
        other.append("INBOX", MSG, false).unwrap();
    });
    let t = std::time::Instant::now();
    assert!(
        c.idle_wait(std::time::Duration::from_secs(20)).unwrap(),
        "news"
    );
    assert!(
        t.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        t.elapsed()
    );
    appender.join().unwrap();
    assert_eq!(c.select("INBOX", None).unwrap().exists, 1);
}

/// Polling (for a server without IDLE): NOOP says whether anything
/// happened since the last command.
#[test]
fn noop_reports_another_clients_news() {
    let d = Dovecot::start();
    let cfg = d.imap_config(Tls::Implicit);
    let mut c = Connection::connect(&cfg, &creds(&d, Tls::Implicit)).unwrap();
    c.select("INBOX", None).unwrap();
    assert!(!c.noop_news().unwrap(), "nothing happened");
    let mut other = Connection::connect(&cfg, &creds(&d, Tls::Implicit)).unwrap();
    other.append("INBOX", MSG, false).unwrap();
    assert!(c.noop_news().unwrap(), "new mail");
    assert!(!c.noop_news().unwrap(), "told once");
}

#[test]
fn wrong_password_and_untrusted_certificate_are_refused() {
    let d = Dovecot::start();
    let cfg = d.imap_config(Tls::Implicit);
    let e = Connection::connect(&cfg, &Credentials::Password(Secret::new("wrong")))
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("login to 127.0.0.1 as support@example.com failed"),
        "{e}"
    );
    assert!(
        !e.contains("wrong"),
        "the password never appears in an error: {e}"
    );
    let mut untrusted = cfg.clone();
    untrusted.ca_file = None;
    let e = Connection::connect(&untrusted, &Credentials::Password(Secret::new(PASSWORD)))
        .err()
        .unwrap()
        .to_string();
    assert!(e.starts_with("TLS with 127.0.0.1 failed"), "{e}");
}

#[test]
fn smtp_server_receives_mail() {
    use lettre::{Message, SmtpTransport, Transport};
    let s = Smtp::start(SmtpOptions::default());
    let email = Message::builder()
        .from(
            "Dana at Example Support <support@example.com>"
                .parse()
                .unwrap(),
        )
        .to("ana@shop.test".parse().unwrap())
        .subject("Re: Where is my order?")
        .message_id(Some("<reply-1@example.com>".into()))
        .body("It ships today.\r\n".to_string())
        .unwrap();
    let t = SmtpTransport::builder_dangerous("127.0.0.1")
        .port(s.port)
        .build();
    t.send(&email).unwrap();
    let got = s.received();
    assert_eq!(got.len(), 1);
    let text = String::from_utf8_lossy(&got[0]);
    assert!(text.contains("X-Test-Rcpt-To: ana@shop.test"), "{text}");
    assert!(text.contains("Message-ID: <reply-1@example.com>"), "{text}");
}

#[test]
fn smtp_server_with_tls_and_auth() {
    use lettre::transport::smtp::authentication::Credentials as SmtpCreds;
    use lettre::transport::smtp::client::{Certificate, Tls as LTls, TlsParameters};
    use lettre::{Message, SmtpTransport, Transport};
    let s = Smtp::start(SmtpOptions {
        tls: true,
        auth: Some(("agent".into(), "pw".into())),
        ..Default::default()
    });
    let pem = std::fs::read(s.cert.as_ref().unwrap()).unwrap();
    let tls = TlsParameters::builder("127.0.0.1".into())
        .add_root_certificate(Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap();
    let t = SmtpTransport::builder_dangerous("127.0.0.1")
        .port(s.port)
        .tls(LTls::Wrapper(tls))
        .credentials(SmtpCreds::new("agent".into(), "pw".into()))
        .build();
    let email = Message::builder()
        .from("support@example.com".parse().unwrap())
        .to("ana@shop.test".parse().unwrap())
        .subject("tls")
        .body("ok\r\n".to_string())
        .unwrap();
    t.send(&email).unwrap();
    assert_eq!(s.received().len(), 1);
}
