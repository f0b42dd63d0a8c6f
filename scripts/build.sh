#!/usr/bin/env bash
# Builds the npm package into pkg/. The crate is built three times, once per module of the package
# (scripts/modules.mjs: full, client, edge, each with its own cargo features); each goes through cargo →
# wasm-bindgen (web target) → wasm-opt -Oz into its directory. scripts/assemble.mjs then writes each module's
# loaders and JS modules, its CommonJS build, and the declarations.
set -euo pipefail
cd "$(dirname "$0")/.."

rm -rf pkg

# One module: its glue's name, its directory, its cargo feature flags.
build_module() {
  local name=$1 dir=$2
  shift 2
  mkdir -p "$dir"
  cargo build --release --target wasm32-unknown-unknown --quiet "$@"
  wasm-bindgen --target web --no-typescript --out-dir "$dir" --out-name "$name" \
    target/wasm32-unknown-unknown/release/gosquared_chat.wasm
  # binaryen from npm: Debian's wasm-opt 108 writes modules that fail to instantiate.
  # --converge repeats the passes while they still shrink the module; the stripped sections are metadata that
  # no runtime reads. (opt-level "s" instead of "z" and -Os instead of -Oz both came out larger.)
  node_modules/.bin/wasm-opt -Oz --converge --strip-debug --strip-producers --strip-target-features \
    "$dir/${name}_bg.wasm" -o "$dir/${name}_bg.wasm"
}
# shellcheck disable=SC2086 # the flags are words
while read -r name dir flags; do build_module "$name" "$dir" $flags; done < <(node --input-type=module -e '
  import { MODULES } from "./scripts/modules.mjs";
  for (const m of MODULES) console.log(m.glue, m.dir === "." ? "pkg" : `pkg/${m.dir}`, m.features.join(" "));')

mkdir -p pkg/emulator
cp emulator/*.js pkg/emulator/
# The documents: the README and the licence (npm shows and always packs them), and the emulator's README, which
# its declarations and sources point to.
cp README.md LICENSE pkg/
cp emulator/README.md pkg/emulator/README.md
cp -R pkg-template/. pkg/
chmod +x pkg/emulator/cli.js

node scripts/assemble.mjs

# Let tests and examples import the built package by its name.
mkdir -p node_modules
ln -sfn ../pkg node_modules/gosquared-chat
printf '[build] pkg/ ready: wasm %s bytes (client %s, edge %s)\n' "$(wc -c < pkg/gosquared_chat_bg.wasm)" \
  "$(wc -c < pkg/client/gosquared_chat_client_bg.wasm)" "$(wc -c < pkg/edge/gosquared_chat_edge_bg.wasm)"
