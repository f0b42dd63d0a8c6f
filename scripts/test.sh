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

# The typed Rust API (src/typed/, cargo features typed/gloo/workers): its native tests, then its end-to-end
# suite (tests/wasm/typed.rs) against the emulator under Node and in headless Chromium. The emulator's URL is
# compiled into the suite (GOSQUARED_EMULATOR_URL); tests/wasm/typed-faults.mjs resets it and queues the
# suite's faults before each run.
cargo_counts() {
  read -r p f < <(awk '/^test result:/{for(i=1;i<=NF;i++){if($(i+1)~/^passed/)p+=$i; if($(i+1)~/^failed/)f+=$i}} END{print p+0, f+0}' "$1")
  passed=$((passed + p)); failed=$((failed + f))
}
echo "== cargo test --features typed (the typed Rust API, native: unit tests, then its rustdoc examples)"
cargo test --lib --features typed typed:: 2>&1 | tee tests/.artifacts/cargo-typed.log
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
cargo_counts tests/.artifacts/cargo-typed.log
cargo test --doc --features typed typed:: 2>&1 | tee tests/.artifacts/cargo-typed-doc.log
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
cargo_counts tests/.artifacts/cargo-typed-doc.log

emulator_log=tests/.artifacts/emulator-typed.log
node emulator/cli.js --port 0 --seed 3:5 --no-rate-limit --api-key 'sk_test_Q7wZ+secret/key' --site-token GSN-424242-Z >"$emulator_log" 2>&1 &
emulator_pid=$!
trap 'kill "$emulator_pid" 2>/dev/null' EXIT
emulator_url=
for _ in $(seq 100); do
  emulator_url=$(sed -n 's/^gosquared-chat emulator listening on \(http[^ ]*\).*/\1/p' "$emulator_log")
  [ -n "$emulator_url" ] && break
  sleep 0.1
done
wasm_typed() {
  local log="tests/.artifacts/$1"; shift
  if ! node tests/wasm/typed-faults.mjs "$emulator_url"; then
    echo "the emulator for the typed suite did not start (see $emulator_log)"; status=1; failed=$((failed + 1)); return
  fi
  env -u WASM_BINDGEN_USE_BROWSER -u WASM_BINDGEN_USE_DENO -u WASM_BINDGEN_USE_DEDICATED_WORKER \
    -u WASM_BINDGEN_USE_SHARED_WORKER -u WASM_BINDGEN_USE_SERVICE_WORKER "$@" GOSQUARED_EMULATOR_URL="$emulator_url" \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    cargo test --target wasm32-unknown-unknown --features gloo --test typed 2>&1 | tee "$log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  cargo_counts "$log"
}
echo "== wasm-bindgen-test (the typed Rust API against the emulator, under Node)"
wasm_typed wasm-typed-node.log
echo "== wasm-bindgen-test (the typed Rust API against the emulator, in headless Chromium)"
if [ -x "$chromedriver" ] && { command -v chromium || command -v chromium-browser; } >/dev/null; then
  wasm_typed wasm-typed-chromium.log CHROMEDRIVER="$chromedriver" WASM_BINDGEN_USE_BROWSER=1 \
    WASM_BINDGEN_TEST_WEBDRIVER_JSON="$PWD/tests/wasm/webdriver.json"
elif [ "$inCI" = true ]; then
  echo "chromium or chromedriver is not installed (CI=true: a missing browser fails)"
  status=1; failed=$((failed + 1))
else
  echo "skipped: chromium or chromedriver is not installed"
fi
kill "$emulator_pid" 2>/dev/null
# The typed API's two examples are built here, with cargo and wasm-bindgen, and run among the Node suites
# (tests/example-worker-rust.test.mjs in Miniflare, tests/example-dashboard-rust.test.mjs in Chromium).
echo "== the typed Rust API's examples (build: examples/worker-rust, examples/dashboard-rust)"
for example in worker-rust dashboard-rust; do
  if ! bash "examples/$example/build.sh" >"tests/.artifacts/build-$example.log" 2>&1; then
    echo "examples/$example did not build (tests/.artifacts/build-$example.log)"; tail -20 "tests/.artifacts/build-$example.log"
    status=1; failed=$((failed + 1))
  fi
done

# tests/walk.test.mjs measures which files a call runs in a debug build of the client's module; it is built
# here, before the Node suites run two at a time, so that its compilation does not slow the suites beside it.
echo "== the debug module of the walk test (bench/walk.mjs --build-only)"
node bench/walk.mjs --build-only || { status=1; failed=$((failed + 1)); }

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
