#!/usr/bin/env bash
# Runs every replypad test, installing what the tests need first.
#
#   scripts/test.sh
#
# On a fresh Debian 12 machine with Rust (rustup) this installs, with apt:
#   pkg-config libssl-dev   to build (native-tls links the system OpenSSL)
#   dovecot-imapd           the real IMAP server the integration tests start
#   python3-aiosmtpd        the real SMTP server the integration tests start
#   openssl tmux            throwaway certificates; the end-to-end terminal test
#   man-db                  the test that `replypad man | man -l -` renders
# The tests start their own private servers on 127.0.0.1 in temp dirs; the
# system services these packages bring are never used.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for p in pkg-config libssl-dev dovecot-imapd python3-aiosmtpd openssl tmux man-db ca-certificates; do
  have_pkg "$p" || need+=("$p")
done
if [ "${#need[@]}" -gt 0 ]; then
  echo "scripts/test.sh: installing ${need[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  # policy-rc.d-less containers would start the system Dovecot; harmless, and
  # our tests never talk to it.
  $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

for c in rustfmt clippy; do
  if ! cargo "${c/rustfmt/fmt}" --version >/dev/null 2>&1; then
    rustup component add "$c"
  fi
done

# One full build, not an edit loop: incremental state would only take disk
# (the test run's whole build must fit a CI machine's disk).
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

echo "== cargo fmt --check"
cargo fmt --check
echo "== cargo clippy --all-targets -- -D warnings"
cargo clippy --locked --all-targets -- -D warnings
echo "== benchmark smoke runs (sync N = 300, TUI N = 2,000, reports 2,000 / 10,000, team log 300)"
cargo test --locked --bench sync
cargo test --locked --bench tui
cargo test --locked --bench insight
cargo test --locked --bench log
echo "== cargo test"
cargo test --locked --lib --bins --tests
