# Shared by the scripts in this folder: paths, the tool cache, logging. Source it, don't run it.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Tools and caches that outlive a clone (wasm-bindgen, npm's cache). CI reuses it when present.
VETA_CACHE_DIR=${VETA_CACHE_DIR:-$HOME/.cache/veta}
TOOLS_DIR=$VETA_CACHE_DIR/tools
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
export PATH="$TOOLS_DIR/bin:$ROOT/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export npm_config_cache=$VETA_CACHE_DIR/npm

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "se necesita root para: $* (instálelo a mano o ejecute como root)"
  fi
}

# A TCP port nobody listens on, chosen by the kernel.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until URL answers 2xx, at most $2 seconds.
wait_for_url() {
  local url=$1 timeout_s=$2 i
  for ((i = 0; i < timeout_s * 10; i++)); do
    if curl -fsS -o /dev/null "$url" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

# The cargo that builds the WASM client, with the flags of the toolchain chosen by scripts/setup:
# rustup's wasm32 target when it could be downloaded, else Debian's rustc-web with build-std.
wasm_cargo() {
  local mode
  mode=$(cat "$VETA_CACHE_DIR/wasm-toolchain" 2>/dev/null || echo rustup)
  if [ "$mode" = debian ]; then
    # The std sources must match the compiler: Debian's cargo/rustc 1.96 with Debian's sources.
    local sub=$1; shift
    RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1 \
      CARGO_TARGET_DIR="$TARGET_DIR/debian-web" \
      /usr/bin/cargo "$sub" -Zbuild-std=std,panic_abort "$@"
  else
    cargo "$@"
  fi
}
