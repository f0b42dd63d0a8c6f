#!/usr/bin/env bash
# Sets up, builds, and runs every test: Rust unit tests natively, the JS suites on the built package, then
# the runtime stage (the packed package in every runtime and bundler, with a per-runtime table).
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh || exit 1
bash scripts/build.sh || exit 1

mkdir -p tests/.artifacts
passed=0; failed=0; status=0

echo "== cargo test (native unit tests)"
cargo test --lib 2>&1 | tee tests/.artifacts/cargo.log
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
read -r p f < <(awk '/^test result:/{for(i=1;i<=NF;i++){if($(i+1)~/^passed/)p+=$i; if($(i+1)~/^failed/)f+=$i}} END{print p+0, f+0}' tests/.artifacts/cargo.log)
passed=$((passed + p)); failed=$((failed + f))

echo "== node --test (JS suites on the built package)"
node --test --test-reporter=spec --test-concurrency=2 tests/*.test.mjs 2>&1 | tee tests/.artifacts/node.log
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
read -r p f < <(awk '/^ℹ pass /{p=$3} /^ℹ fail /{f=$3} END{print p+0, f+0}' tests/.artifacts/node.log)
passed=$((passed + p)); failed=$((failed + f))

echo "== runtimes (the packed package in Node ESM/CJS, Deno, Bun, workerd, edge-runtime, Chromium; bundlers; types)"
node tests/runtimes/run.mjs 2>&1 | tee tests/.artifacts/runtimes.log
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
read -r p f < <(awk '/^runtimes: /{p=$2; f=$4} END{print p+0, f+0}' tests/.artifacts/runtimes.log)
passed=$((passed + p)); failed=$((failed + f))

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo
echo "$passed passed, $failed failed"
exit "$status"
