//! XOAUTH2 against a real Dovecot that checks bearer tokens itself: its
//! oauth2 passdb validates a JWT signed with an HS256 key it reads from a
//! dict (`introspection_mode = local`), so no identity provider is needed.
//! A token that Dovecot refuses makes it send an error challenge (a JSON
//! status), which the client must answer with an empty line.

mod support;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use replypad::config::{Secret, Tls};
use replypad::sync::imap::{Connection, Credentials};
use sha2::Sha256;
use support::dovecot::{Dovecot, USER};

/// The HS256 key the test server trusts.
const KEY: &[u8] = b"replypad test key: 32 bytes long";

/// A Dovecot that takes XOAUTH2 (and still PLAIN), and the directory
/// holding its key (to keep while it runs).
fn oauth_dovecot() -> (Dovecot, tempfile::TempDir) {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    // Dovecot's auth process reads the key as another user.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let keys = dir.path().join("keys/default/HS256");
    std::fs::create_dir_all(&keys).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    std::fs::write(keys.join("default"), b64.encode(KEY)).unwrap();
    let conf = dir.path().join("oauth2.conf");
    std::fs::write(
        &conf,
        format!(
            "introspection_mode = local\nlocal_validation_key_dict = fs:posix:prefix={}/keys/\nusername_attribute = sub\n",
            dir.path().display()
        ),
    )
    .unwrap();
    let d = Dovecot::start_with(&format!(
        "auth_mechanisms = plain login xoauth2\nauth_verbose = yes\npassdb {{\n  driver = oauth2\n  mechanisms = xoauth2\n  args = {}\n}}\n",
        conf.display()
    ));
    (d, dir)
}

/// A JWT for `sub`, valid from `from` to `until` seconds from now.
fn token(sub: &str, from: i64, until: i64) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let head = b64.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
    let body = b64.encode(format!(
        r#"{{"sub":"{sub}","iat":{},"exp":{}}}"#,
        now + from,
        now + until
    ));
    let mut mac = Hmac::<Sha256>::new_from_slice(KEY).unwrap();
    mac.update(format!("{head}.{body}").as_bytes());
    let sig = b64.encode(mac.finalize().into_bytes());
    format!("{head}.{body}.{sig}")
}

fn connect(d: &Dovecot, token: &str) -> Result<Connection, String> {
    Connection::connect(
        &d.imap_config(Tls::Implicit),
        &Credentials::OAuth2(Secret::new(token)),
    )
    .map_err(|e| e.to_string())
}

/// The whole path an agent's config takes: the token comes from
/// `oauth_token_command`, and a sync runs over the session it opens.
#[test]
fn a_valid_token_from_the_command_logs_in_and_syncs() {
    let (d, _keys) = oauth_dovecot();
    let cache = tempfile::tempdir().unwrap();
    let mut cfg = support::account(&d, cache.path(), Tls::Implicit);
    let imap = cfg.imap.as_mut().unwrap();
    imap.password_command = None;
    imap.oauth_token_command = Some(format!("printf '%s\\n' '{}'", token(USER, -60, 3600)));
    let mut c = replypad::sync::connect(&cfg).unwrap();
    c.append(
        "INBOX",
        &support::message("<a@x>", &[], "Hello", "Hi"),
        false,
    )
    .unwrap();
    let mut store = replypad::store::Store::open(&cfg.cache_file()).unwrap();
    let mut conn = replypad::sync::connect_syncing(&cfg, 3).unwrap();
    let ctx = support::sync::context(&cfg);
    let (report, _) =
        replypad::sync::engine::sync_all(&mut conn, &mut store, &cfg, &ctx, true).unwrap();
    assert_eq!(report.new, 1, "{report:?}");
    assert!(
        d.log().contains("method=XOAUTH2"),
        "logged in with XOAUTH2:\n{}",
        d.log()
    );
}

/// An expired token: Dovecot answers with an error challenge; replypad
/// answers it with an empty line (not the token again), and says what
/// the server said, without the token.
#[test]
fn an_expired_token_is_refused_clearly_and_sent_once() {
    let (d, _keys) = oauth_dovecot();
    let expired = token(USER, -7200, -3600);
    let t = std::time::Instant::now();
    let e = connect(&d, &expired)
        .err()
        .expect("an expired token is refused");
    assert!(
        t.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        t.elapsed()
    );
    assert!(e.contains("XOAUTH2"), "{e}");
    assert!(e.contains("401"), "the server's status is given: {e}");
    assert!(!e.contains(&expired), "{e}");
    // Dovecot's auth process logs a moment later.
    let mut log = d.log();
    for _ in 0..50 {
        if log.contains("Token has expired") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        log = d.log();
    }
    assert!(log.contains("Token has expired"), "{log}");
    assert_eq!(
        log.matches("Local validation failed").count(),
        1,
        "the token went to the server once:\n{log}"
    );
}

/// A server that does not offer XOAUTH2 is told apart from a bad token,
/// and gets no token at all.
#[test]
fn a_server_without_xoauth2_gets_no_token() {
    let d = Dovecot::start();
    let e = connect(&d, &token(USER, -60, 3600)).err().expect("refused");
    assert!(e.contains("does not offer XOAUTH2"), "{e}");
    assert!(!d.log().contains("auth failed"), "{}", d.log());
}
