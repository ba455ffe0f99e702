//! The `replypad` binary: everything lives in the library so tests drive the real thing.

fn main() -> std::process::ExitCode {
    fixed_mmap_threshold();
    replypad::cli::main()
}

/// glibc serves a large allocation from its heap once a large one has been
/// freed (the threshold for mapping one apart grows to the freed size, up
/// to 32 MB), and a heap keeps what is freed in its middle. A first sync
/// frees and grows large tables and batches; mapped apart, each goes back
/// to the system when freed, which keeps the sync's peak resident memory
/// near what it uses (`cargo bench --bench sync`: row (e)).
fn fixed_mmap_threshold() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a tuning value of glibc's allocator; it is
    // called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}
