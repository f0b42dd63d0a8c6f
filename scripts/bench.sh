#!/usr/bin/env bash
# `npm run bench`: sets up, builds, and runs the side-by-side benchmark (results in bench/RESULTS.md).
# `npm run bench -- --only=cold` runs some sections alone (see bench/run.mjs) and leaves RESULTS.md as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
# twiggy lists what each module's bytes are for (bench/twiggy.mjs); only the bench needs it, not npm test.
if ! command -v twiggy >/dev/null; then
  echo "[bench] installing twiggy (once)"
  cargo install twiggy --version 0.8.0 --locked
fi
bash scripts/build.sh >/dev/null
exec node --expose-gc bench/run.mjs "$@"
