//! A private Dovecot IMAP server: passwd-file user, maildir in a temp dir,
//! plain (STARTTLS-capable) and implicit-TLS listeners on free loopback ports.

use super::{die_with_parent, free_port, make_cert, require_binary, wait_for_port};
use replypad::config::{self, Tls};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const USER: &str = "support@example.com";
pub const PASSWORD: &str = "correct horse battery staple";

pub struct Dovecot {
    pub dir: tempfile::TempDir,
    child: Option<Child>,
    pub imap_port: u16,
    pub imaps_port: u16,
    pub cert: PathBuf,
    conf: PathBuf,
}

fn mail_owner() -> (u32, u32) {
    // Dovecot refuses to run mail processes as root; as root use its own user.
    // SAFETY: getuid/getpwnam have no preconditions; the result is read at once.
    unsafe {
        if libc::getuid() != 0 {
            return (libc::getuid(), libc::getgid());
        }
        let pw = libc::getpwnam(c"dovecot".as_ptr());
        assert!(
            !pw.is_null(),
            "the dovecot system user is missing; reinstall dovecot-core"
        );
        ((*pw).pw_uid, (*pw).pw_gid)
    }
}

impl Dovecot {
    /// Starts a fresh server; panics with install advice if Dovecot is missing.
    pub fn start() -> Dovecot {
        Dovecot::start_with("")
    }

    /// [`Dovecot::start`] with `extra` appended to the config.
    pub fn start_with(extra: &str) -> Dovecot {
        let bin = require_binary("dovecot", &["/usr/sbin/dovecot"], "dovecot-imapd");
        let dir = tempfile::Builder::new()
            .prefix("replypad-dovecot-")
            .tempdir()
            .unwrap();
        let root = dir.path().to_path_buf();
        fs::set_permissions(&root, fs::Permissions::from_mode(0o711)).unwrap();
        for d in ["run", "state", "home"] {
            fs::create_dir(root.join(d)).unwrap();
        }
        let (uid, gid) = mail_owner();
        std::os::unix::fs::chown(root.join("home"), Some(uid), Some(gid)).unwrap();
        let (cert, key) = make_cert(&root);
        fs::write(
            root.join("passwd"),
            format!("{USER}:{{PLAIN}}{PASSWORD}::::::\n"),
        )
        .unwrap();
        let mut last_log = String::new();
        for _attempt in 0..5 {
            let (imap_port, imaps_port) = (free_port(), free_port());
            let conf = root.join("dovecot.conf");
            fs::write(
                &conf,
                config_text(&root, imap_port, imaps_port, uid, gid, &cert, &key) + extra,
            )
            .unwrap();
            let _ = fs::remove_file(root.join("run/master.pid"));
            let mut cmd = Command::new(&bin);
            cmd.arg("-F")
                .arg("-c")
                .arg(&conf)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            die_with_parent(&mut cmd);
            let mut child = cmd.spawn().expect("start dovecot");
            if wait_for_port(imap_port, Duration::from_secs(10))
                && wait_for_port(imaps_port, Duration::from_secs(5))
            {
                return Dovecot {
                    dir,
                    child: Some(child),
                    imap_port,
                    imaps_port,
                    cert,
                    conf,
                };
            }
            last_log = fs::read_to_string(root.join("dovecot.log")).unwrap_or_default();
            terminate(&mut child);
        }
        panic!("dovecot did not start; its log:\n{last_log}");
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            terminate(&mut c);
        }
    }

    /// The replypad `[imap]` config for this server.
    pub fn imap_config(&self, tls: Tls) -> config::Imap {
        config::Imap {
            host: "127.0.0.1".into(),
            port: if tls == Tls::Implicit {
                self.imaps_port
            } else {
                self.imap_port
            },
            tls,
            user: USER.into(),
            password_command: Some(format!("printf '%s\\n' '{PASSWORD}'")),
            oauth_token_command: None,
            ca_file: Some(self.cert.clone()),
            max_connections: 2,
            compress: None,
        }
    }

    /// Stops the server (the mail stays): clients now see it offline.
    pub fn stop(&mut self) {
        self.kill();
    }

    /// Starts the stopped server again, same ports and mail.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "running already");
        let bin = require_binary("dovecot", &["/usr/sbin/dovecot"], "dovecot-imapd");
        let _ = fs::remove_file(self.dir.path().join("run/master.pid"));
        let mut cmd = Command::new(bin);
        cmd.arg("-F")
            .arg("-c")
            .arg(&self.conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        die_with_parent(&mut cmd);
        self.child = Some(cmd.spawn().expect("restart dovecot"));
        assert!(
            wait_for_port(self.imap_port, Duration::from_secs(10)),
            "dovecot did not come back"
        );
        assert!(wait_for_port(self.imaps_port, Duration::from_secs(10)));
    }

    /// The INBOX maildir of the test user (for loading a generated corpus).
    pub fn maildir(&self) -> PathBuf {
        self.dir.path().join("home").join(USER).join("Maildir")
    }

    /// Hands everything under the mail home to the user Dovecot runs mail as
    /// (following symbolic links: a kept mailbox linked in, say).
    pub fn fix_ownership(&self) {
        let (uid, gid) = mail_owner();
        let status = Command::new("chown")
            .args(["-R", "-L"])
            .arg(format!("{uid}:{gid}"))
            .arg(self.dir.path().join("home"))
            .status()
            .expect("run chown");
        assert!(status.success());
    }

    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("dovecot.log")).unwrap_or_default()
    }
}

/// SIGTERM (Dovecot's master then stops its children), then wait.
pub fn terminate(c: &mut Child) {
    // SAFETY: sending a signal to our own child process.
    unsafe {
        libc::kill(c.id() as i32, libc::SIGTERM);
    }
    let _ = c.wait();
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        self.kill();
    }
}

fn config_text(
    root: &std::path::Path,
    imap: u16,
    imaps: u16,
    uid: u32,
    gid: u32,
    cert: &std::path::Path,
    key: &std::path::Path,
) -> String {
    let r = root.display();
    let instance = root.file_name().unwrap().to_string_lossy();
    format!(
        r#"protocols = imap
listen = 127.0.0.1
base_dir = {r}/run
state_dir = {r}/state
instance_name = {instance}
log_path = {r}/dovecot.log
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{r}/home/%u/Maildir
mail_fsync = never
first_valid_uid = {uid}
mailbox_idle_check_interval = 1 secs
default_login_user = dovenull
default_internal_user = dovecot
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {r}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={r}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"#,
        cert = cert.display(),
        key = key.display()
    )
}
