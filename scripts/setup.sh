#!/usr/bin/env bash
# Installs everything the build and the tests need. Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*"; }

command -v cargo >/dev/null || { echo "cargo is missing: install Rust with rustup first" >&2; exit 1; }
command -v node >/dev/null || { echo "node (>= 20) is missing" >&2; exit 1; }

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The wasm-bindgen CLI must be exactly the version the crate is pinned to; so must its wasm-bindgen-test-runner,
# which runs the boundary's tests (tests/wasm/) and comes in the same install.
want=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p' Cargo.toml)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
runner=$(wasm-bindgen-test-runner --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ] || [ "$runner" != "$want" ]; then
  say "installing wasm-bindgen-cli $want with its test runner (about two minutes, once)"
  # Not --locked: its lockfile names a webpki-roots release this registry does not have.
  cargo install wasm-bindgen-cli --version "$want" --force
fi

if [ ! -x node_modules/.bin/wasm-opt ] || [ package.json -nt node_modules/.package-lock.json ]; then
  say "installing npm devDependencies"
  npm install --no-audit --no-fund --loglevel=error
fi
# Chromium and ChromeDriver for the browser tests, from Debian's packages (never a browser download).
if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing chromium from Debian's packages (about 20 s, once)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends chromium chromium-driver >/dev/null 2>&1
  else
    say "chromium is not installed and cannot be installed here: browser tests will be skipped"
  fi
fi

say "ok: rust target, wasm-bindgen and wasm-bindgen-test-runner $want, npm packages"
