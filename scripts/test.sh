#!/usr/bin/env bash
# Sets up, builds, and runs every test: Rust unit tests natively, the WebAssembly boundary's tests under
# wasm-bindgen-test (Node, then headless Chromium), the JS suites on the built package, then the runtime stage
# (the packed package in every runtime and bundler, with a per-runtime table).
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

# The boundary's tests (tests/wasm/boundary.rs) on wasm32, run by wasm-bindgen-test-runner. The runner is set
# here, never as a [build] target in .cargo/config.toml, which would turn the native cargo test above into a
# wasm build that runs nothing. $1 names the log; the other arguments are the runner's environment.
inCI=false; [[ "${CI:-}" =~ ^(1|true|yes)$ ]] && inCI=true
wasm_boundary() {
  local log="tests/.artifacts/$1"; shift
  env -u WASM_BINDGEN_USE_BROWSER -u WASM_BINDGEN_USE_DENO -u WASM_BINDGEN_USE_DEDICATED_WORKER \
    -u WASM_BINDGEN_USE_SHARED_WORKER -u WASM_BINDGEN_USE_SERVICE_WORKER "$@" \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    cargo test --target wasm32-unknown-unknown --features boundary-tests --test boundary 2>&1 | tee "$log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  read -r p f < <(awk '/^test result:/{for(i=1;i<=NF;i++){if($(i+1)~/^passed/)p+=$i; if($(i+1)~/^failed/)f+=$i}} END{print p+0, f+0}' "$log")
  passed=$((passed + p)); failed=$((failed + f))
}

echo "== wasm-bindgen-test (the boundary, under Node)"
wasm_boundary wasm-node.log

echo "== wasm-bindgen-test (the boundary, in headless Chromium)"
chromedriver=${CHROMEDRIVER:-$(command -v chromedriver || true)}
if [ -x "$chromedriver" ] && { command -v chromium || command -v chromium-browser; } >/dev/null; then
  wasm_boundary wasm-chromium.log CHROMEDRIVER="$chromedriver" WASM_BINDGEN_USE_BROWSER=1 \
    WASM_BINDGEN_TEST_WEBDRIVER_JSON="$PWD/tests/wasm/webdriver.json"
elif [ "$inCI" = true ]; then
  echo "chromium or chromedriver is not installed (CI=true: a missing browser fails)"
  status=1; failed=$((failed + 1))
else
  echo "skipped: chromium or chromedriver is not installed (scripts/setup.sh installs them as root); with CI=true this fails"
fi

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
