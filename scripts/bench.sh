#!/usr/bin/env bash
# `npm run bench`: sets up, builds, and runs the side-by-side benchmark (results in bench/RESULTS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
bash scripts/build.sh >/dev/null
exec node --expose-gc bench/run.mjs
