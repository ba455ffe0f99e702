#!/usr/bin/env bash
# Builds replypad and opens it on the built-in demo mailbox (no server needed).
#
#   scripts/demo.sh
#
# Installs the two build packages a fresh Debian 12 lacks (pkg-config,
# libssl-dev) with apt if they are missing, then runs `cargo run --release -- demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
for p in pkg-config libssl-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ "${#need[@]}" -gt 0 ]; then
  echo "scripts/demo.sh: installing ${need[*]} (needed to build)"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
exec cargo run --release --locked -- demo "$@"
