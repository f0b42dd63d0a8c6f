#!/usr/bin/env bash
# Builds the Rust Worker into examples/worker-rust/dist/ with cargo and wasm-bindgen (the CLI the crate pins;
# no worker-build, no downloads). A debug build: `--release` gives a smaller module for deployment.
set -euo pipefail
cd "$(dirname "$0")/../.."
profile=${1:-debug}
flag=(); [ "$profile" = release ] && flag=(--release)
cargo build "${flag[@]}" --target wasm32-unknown-unknown --features workers --example worker-rust
rm -rf examples/worker-rust/dist
wasm-bindgen --target web --no-typescript --out-dir examples/worker-rust/dist --out-name worker \
  "target/wasm32-unknown-unknown/$profile/examples/worker_rust.wasm"
