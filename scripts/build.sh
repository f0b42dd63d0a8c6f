#!/usr/bin/env bash
# Builds the npm package into pkg/: cargo → wasm-bindgen (web target) → wasm-opt -Oz → JS layer, loaders,
# a CommonJS build of the Node entry, type declarations and package.json.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --target wasm32-unknown-unknown --quiet
rm -rf pkg
mkdir -p pkg
wasm-bindgen --target web --no-typescript --out-dir pkg --out-name gosquared_chat \
  target/wasm32-unknown-unknown/release/gosquared_chat.wasm
# binaryen from npm: Debian's wasm-opt 108 writes modules that fail to instantiate.
# --converge repeats the passes while they still shrink the module; the stripped sections are metadata that
# no runtime reads. (opt-level "s" instead of "z" and -Os instead of -Oz both came out larger.)
node_modules/.bin/wasm-opt -Oz --converge --strip-debug --strip-producers --strip-target-features \
  pkg/gosquared_chat_bg.wasm -o pkg/gosquared_chat_bg.wasm
cp js/*.js js/*.mjs pkg/
mkdir -p pkg/emulator
cp js/emulator/*.js pkg/emulator/
cp -R pkg-template/. pkg/
chmod +x pkg/emulator/cli.js

# Node's entry: one CommonJS file bundling node.js, so `require()` works on every Node >= 20 (require() of
# ES modules only arrived in 20.19) and in CommonJS-only tools; node.mjs re-exports it for `import`, so one
# process never holds two copies. `import.meta.url` becomes the file's own URL, to read the wasm beside it;
# it is computed only when read, after the Workers check has run.
node_modules/.bin/esbuild pkg/node.js --bundle --format=cjs --platform=node --target=node20 --log-level=warning \
  --outfile=pkg/node.cjs --define:import.meta=__gosquaredChatMeta \
  --banner:js="const __gosquaredChatMeta = { get url() { return require('node:url').pathToFileURL(__filename).href; } };"
# CommonJS consumers get the same declarations, marked as CommonJS.
cp pkg/index.d.ts pkg/index.d.cts

# Let tests and examples import the built package by its name.
mkdir -p node_modules
ln -sfn ../pkg node_modules/gosquared-chat
printf '[build] pkg/ ready: wasm %s bytes\n' "$(wc -c < pkg/gosquared_chat_bg.wasm)"
