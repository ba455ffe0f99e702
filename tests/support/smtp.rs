//! A private SMTP server (Debian's python3-aiosmtpd, tests/support/smtpd.py)
//! whose received mail the tests read from a maildir.

use super::{die_with_parent, free_port, make_cert, require_binary, wait_for_port};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct Smtp {
    pub dir: tempfile::TempDir,
    child: Child,
    pub port: u16,
    pub cert: Option<PathBuf>,
    pub maildir: PathBuf,
}

/// How the server should behave.
#[derive(Default)]
pub struct SmtpOptions {
    pub tls: bool,
    pub auth: Option<(String, String)>,
    pub reject: Option<String>,
    /// The certificate serves STARTTLS (required first) instead of implicit TLS.
    pub starttls: bool,
    /// AUTH XOAUTH2 accepting this (user, token), and no other mechanism.
    pub xoauth2: Option<(String, String)>,
    /// Listen on this port (to bring a server "back" where it was).
    pub port: Option<u16>,
    /// Use this certificate and key (to come back with the same one).
    pub cert: Option<(PathBuf, PathBuf)>,
}

impl Smtp {
    pub fn start(opts: SmtpOptions) -> Smtp {
        let python = require_binary("python3", &["/usr/bin/python3"], "python3");
        let ok = Command::new(&python)
            .args(["-c", "import aiosmtpd"])
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            panic!(
                "python3-aiosmtpd is not installed, and the integration tests need a real SMTP server.\n\
                 Install it with `sudo apt-get install -y python3-aiosmtpd`, or run `scripts/test.sh`."
            );
        }
        let dir = tempfile::Builder::new()
            .prefix("replypad-smtp-")
            .tempdir()
            .unwrap();
        let maildir = dir.path().join("mail");
        let cert = opts
            .tls
            .then(|| opts.cert.clone().unwrap_or_else(|| make_cert(dir.path())));
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/smtpd.py");
        for _ in 0..5 {
            let port = opts.port.unwrap_or_else(free_port);
            let mut cmd = Command::new(&python);
            cmd.arg(script)
                .arg("--port")
                .arg(port.to_string())
                .arg("--maildir")
                .arg(&maildir);
            if let Some((c, k)) = &cert {
                cmd.arg("--tls-cert").arg(c).arg("--tls-key").arg(k);
            }
            if let Some((u, p)) = &opts.auth {
                cmd.arg("--auth").arg(format!("{u}:{p}"));
            }
            if let Some(r) = &opts.reject {
                cmd.arg("--reject").arg(r);
            }
            if opts.starttls {
                cmd.arg("--starttls");
            }
            if let Some((u, t)) = &opts.xoauth2 {
                cmd.arg("--xoauth2").arg(format!("{u}:{t}"));
            }
            cmd.stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null());
            die_with_parent(&mut cmd);
            let mut child = cmd.spawn().expect("start smtpd.py");
            let mut line = String::new();
            let _ = BufReader::new(child.stdout.take().unwrap()).read_line(&mut line);
            if line.trim() == "READY" && wait_for_port(port, Duration::from_secs(5)) {
                return Smtp {
                    dir,
                    child,
                    port,
                    cert: cert.map(|c| c.0),
                    maildir,
                };
            }
            super::dovecot::terminate(&mut child);
        }
        panic!("the test SMTP server did not start");
    }

    /// Every message received so far, oldest first.
    pub fn received(&self) -> Vec<Vec<u8>> {
        let mut files: Vec<_> = std::fs::read_dir(self.maildir.join("new"))
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.sort();
        files.iter().map(|p| std::fs::read(p).unwrap()).collect()
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        super::dovecot::terminate(&mut self.child);
    }
}
