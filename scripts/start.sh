#!/usr/bin/env bash
# Sets up, builds, and tells the seed's story against the emulator (or the real API with --live).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
bash scripts/build.sh >/dev/null
exec node examples/story.mjs "$@"
