// What the Worker examples share: bundling a Worker for workerd with esbuild, and the Miniflare options that
// load the bundle and its WebAssembly module.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

/** Bundles `<folder>/src/worker.js` into `<folder>/dist/worker.js`, the package's .wasm copied next to it as a module. */
export async function bundleWorker(folderUrl) {
  const folder = fileURLToPath(folderUrl);
  const outfile = `${folder}dist/worker.js`;
  await build({
    entryPoints: [`${folder}src/worker.js`],
    outfile,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    loader: { ".wasm": "copy" },
    external: ["cloudflare:*"], // the runtime's own modules (Durable Objects), resolved by workerd
    assetNames: "[name]",
    logLevel: "warning",
  });
  return outfile;
}

/** Miniflare options that run the bundle at `scriptPath` on 127.0.0.1 (`port` 0 picks a free one). */
export function workerOptions(scriptPath, port = 0) {
  return {
    modules: true,
    scriptPath,
    modulesRules: [
      { type: "ESModule", include: ["**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2026-04-01",
    host: "127.0.0.1",
    port,
  };
}
