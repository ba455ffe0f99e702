//! Signals delivered while a connection blocks on the network. A socket
//! with a receive timeout fails with EINTR under any signal handler (even
//! SA_RESTART), and OpenSSL gives up a handshake on EINTR: a child process
//! exiting or a terminal resize must not fail a connection or a sync.
//! Its own test binary, because the handler it installs is process-wide.

mod support;

use replypad::config::Tls;
use replypad::store::Store;
use replypad::sync::engine::{self, SyncContext};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;
use support::dovecot::Dovecot;
use support::{account, message};

extern "C" fn ignore(_: libc::c_int) {}

/// Installs a handler for SIGUSR1 that does nothing, with SA_RESTART.
fn install_handler() {
    // SAFETY: a zeroed sigaction with a handler that touches nothing is
    // valid; sigaction is called before any thread waits on the signal.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = ignore as *const () as libc::sighandler_t;
        sa.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut sa.sa_mask);
        assert_eq!(libc::sigaction(libc::SIGUSR1, &sa, std::ptr::null_mut()), 0);
    }
}

/// A Dovecot with 40 messages of some length in its inbox.
fn loaded_dovecot() -> Dovecot {
    let d = Dovecot::start();
    let seed_cfg = account(&d, std::path::Path::new("/nonexistent"), Tls::Implicit);
    let mut seeder = replypad::sync::connect(&seed_cfg).unwrap();
    for i in 0..40 {
        let body = format!("Message {i}. {}", "Some words to read. ".repeat(200));
        seeder
            .append(
                "INBOX",
                &message(&format!("m{i}"), &[], "Hello", &body),
                false,
            )
            .unwrap();
    }
    seeder.logout();
    d
}

/// Connects (implicit TLS, STARTTLS, twice each) and syncs all 40
/// messages into a new cache every time.
fn connect_and_sync_four_times(d: &Dovecot) -> anyhow::Result<()> {
    for tls in [Tls::Implicit, Tls::Starttls, Tls::Implicit, Tls::Starttls] {
        let cache = tempfile::tempdir()?;
        let cfg = account(d, cache.path(), tls);
        let mut store = Store::open(&cfg.cache_file())?;
        let mut conn = replypad::sync::connect(&cfg)?;
        let ctx = SyncContext {
            team_address: &cfg.team.address,
            progress: &|_| {},
        };
        let (r, _) = engine::sync_all(&mut conn, &mut store, &cfg, &ctx, true)?;
        anyhow::ensure!(r.new == 40 && r.bodies == 40, "{r:?}");
        conn.logout();
    }
    Ok(())
}

#[test]
fn signals_during_connect_and_sync_do_not_fail_them() {
    install_handler();
    let d = loaded_dovecot();
    let done = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel();
    std::thread::scope(|s| {
        let worker = s.spawn(|| {
            // SAFETY: pthread_self has no preconditions.
            tx.send(unsafe { libc::pthread_self() }).unwrap();
            let result = connect_and_sync_four_times(&d);
            done.store(true, Ordering::SeqCst);
            result
        });
        let thread = rx.recv().unwrap();
        let mut sent = 0u64;
        while !done.load(Ordering::SeqCst) {
            // SAFETY: the thread is alive until `done` is set, and the
            // scope keeps its handle until it is joined.
            unsafe { libc::pthread_kill(thread, libc::SIGUSR1) };
            sent += 1;
            std::thread::sleep(Duration::from_micros(200));
        }
        let result = worker.join().unwrap();
        assert!(sent > 100, "only {sent} signals were sent");
        if let Err(e) = result {
            panic!("interrupted by a signal ({sent} sent): {e:#}");
        }
    });
}

/// With no handler at all, a socket read with a timeout still fails with
/// EINTR when the process is stopped and continued (signal(7)), as a
/// frozen and thawed container is: a shell stops and continues this test
/// process as fast as it can while it syncs. The shell ends each round
/// with SIGCONT and stops only between rounds, so the process is never
/// left stopped.
#[test]
fn stopping_and_continuing_the_process_does_not_fail_a_sync() {
    let d = loaded_dovecot();
    let flag = tempfile::NamedTempFile::new().unwrap();
    let mut pauser = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "while [ -e '{flag}' ]; do kill -STOP {pid}; kill -CONT {pid}; done",
            flag = flag.path().display(),
            pid = std::process::id()
        ))
        .spawn()
        .expect("sh");
    let result = connect_and_sync_four_times(&d);
    drop(flag);
    pauser.wait().unwrap();
    if let Err(e) = result {
        panic!("interrupted by a stop and continue: {e:#}");
    }
}
