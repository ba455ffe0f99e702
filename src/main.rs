//! The `replypad` binary: everything lives in the library so tests drive the real thing.

fn main() -> std::process::ExitCode {
    replypad::cli::main()
}
