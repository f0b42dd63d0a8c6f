#!/usr/bin/env bash
# Builds the Rust dashboard page into examples/dashboard-rust/dist/pkg/ with cargo and wasm-bindgen.
set -euo pipefail
cd "$(dirname "$0")/../.."
profile=${1:-debug}
flag=(); [ "$profile" = release ] && flag=(--release)
cargo build "${flag[@]}" --target wasm32-unknown-unknown --features gloo --example dashboard-rust
rm -rf examples/dashboard-rust/dist
wasm-bindgen --target web --no-typescript --out-dir examples/dashboard-rust/dist/pkg --out-name dashboard \
  "target/wasm32-unknown-unknown/$profile/examples/dashboard_rust.wasm"
