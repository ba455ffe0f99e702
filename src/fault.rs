//! Fault injection for tests: hooks that let integration tests make a real
//! component fail at a chosen point. Production code never sets them.

use std::sync::RwLock;

static PARSER_PANIC_MARKER: RwLock<Option<Vec<u8>>> = RwLock::new(None);

/// Makes the mail parser panic on every message containing `marker` (None:
/// never). mail-parser 0.11.9 has no known panicking input left (upstream
/// #155 is fixed), so tests use this to prove the isolation holds.
pub fn set_parser_panic_marker(marker: Option<&[u8]>) {
    *PARSER_PANIC_MARKER
        .write()
        .unwrap_or_else(|e| e.into_inner()) = marker.map(<[u8]>::to_vec);
}

/// Called inside the parser's isolation: panics if the marker is in `raw`.
pub(crate) fn parser_checkpoint(raw: &[u8]) {
    let guard = PARSER_PANIC_MARKER
        .read()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(m) = guard.as_deref()
        && !m.is_empty()
        && raw.windows(m.len()).any(|w| w == m)
    {
        panic!("injected parser panic (fault::set_parser_panic_marker)");
    }
}

/// A crash point for end-to-end tests of the real binary: when the
/// environment variable `REPLYPAD_FAULT` names `point`, the process aborts
/// there at once (no destructors, no flushing: what `kill -9` leaves).
pub fn crash_point(point: &str) {
    if std::env::var("REPLYPAD_FAULT").is_ok_and(|v| v == point) {
        eprintln!("replypad: REPLYPAD_FAULT={point}: aborting here");
        std::process::abort();
    }
}

/// A panic point for end-to-end tests of the real binary: when
/// `REPLYPAD_FAULT` names `point`, the process panics there (the panic
/// hook, unwinding and destructors run, as for any bug).
pub fn panic_point(point: &str) {
    if std::env::var("REPLYPAD_FAULT").is_ok_and(|v| v == point) {
        panic!("REPLYPAD_FAULT={point}: an injected panic");
    }
}
