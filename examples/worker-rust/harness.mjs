// Builds the Rust Worker (cargo + wasm-bindgen, build.sh) and runs it in Miniflare (workerd) against a
// GoSquared API (the emulator). Used by tests/example-worker-rust.test.mjs.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";

const HERE = fileURLToPath(new URL(".", import.meta.url));

/** Builds dist/ unless `reuse` and it is already there (scripts/test.sh builds it before the suites run). */
export function buildWorker({ reuse = false } = {}) {
  if (reuse && existsSync(`${HERE}dist/worker_bg.wasm`)) return;
  execFileSync("bash", [`${HERE}build.sh`], { stdio: "inherit" });
}

/** Starts the built Worker with its environment; resolves to `{ url, dispatchFetch, dispose }`. */
export async function startWorker({ apiKey, siteToken, baseUrl, paymentSecret, port = 0 }) {
  const mf = new Miniflare({
    modules: true,
    scriptPath: `${HERE}shim.mjs`,
    modulesRules: [
      { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2026-04-01",
    host: "127.0.0.1",
    port,
    bindings: {
      GOSQUARED_API_KEY: apiKey,
      GOSQUARED_SITE_TOKEN: siteToken,
      GOSQUARED_BASE_URL: baseUrl,
      PAYMENT_WEBHOOK_SECRET: paymentSecret,
    },
  });
  const url = await mf.ready;
  return { url: url.href.replace(/\/$/, ""), dispatchFetch: (input, init) => mf.dispatchFetch(input, init), dispose: () => mf.dispose() };
}
