// Bundler runs over the consumer project, each as its users would configure it: esbuild for browsers,
// Workers and Vercel's edge, Vite's production build, and wrangler's own bundler (`deploy --dry-run`).
import { copyFile, readFile, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { runOk } from "./processes.mjs";
import { MODULES, inPackage } from "../../../scripts/modules.mjs";

const TOOLS = path.resolve(import.meta.dirname, "../../../node_modules");

async function esbuild() {
  return import(path.join(TOOLS, "esbuild/lib/main.js"));
}

/** Options every esbuild run here shares: one bundle for a modern, runtime-neutral target. */
const BUNDLE = { bundle: true, target: "es2022", metafile: true, logLevel: "warning" };
/** What a non-Node host resolves when a package has no matching export condition. */
const NEUTRAL = { platform: "neutral", mainFields: ["module", "main"] };

/** The package files an esbuild metafile shows were bundled (paths inside node_modules/gosquared-chat). */
function packageInputs(metafile) {
  return Object.keys(metafile.inputs)
    .filter((p) => p.includes("node_modules/gosquared-chat/"))
    .map((p) => p.slice(p.indexOf("node_modules/gosquared-chat/") + "node_modules/gosquared-chat/".length));
}

/**
 * Bundles browser entries with esbuild; the page loads the first. esbuild leaves `new URL("…wasm", import.meta.url)` alone, so
 * each module's .wasm is copied next to the bundle, as the documentation tells esbuild users to do.
 */
export async function esbuildBrowser(consumer, entries, outdir, html) {
  const { build } = await esbuild();
  const result = await build({
    ...BUNDLE,
    entryPoints: entries.map((entry) => path.join(consumer, entry)),
    format: "esm",
    platform: "browser",
    outdir,
  });
  for (const module of MODULES) {
    const wasm = inPackage(module, `${module.glue}_bg.wasm`);
    await copyFile(path.join(consumer, "node_modules/gosquared-chat", wasm), path.join(outdir, path.basename(wasm)));
  }
  await writeFile(path.join(outdir, "index.html"), html(`./${path.basename(entries[0])}`));
  return { inputs: packageInputs(result.metafile) };
}

/** Bundles a Worker with esbuild the way wrangler does: the `workerd` conditions, the .wasm kept as a module. */
export async function esbuildWorker(consumer, entry, outdir, extra = {}) {
  const { build } = await esbuild();
  const result = await build({
    ...BUNDLE,
    ...NEUTRAL,
    entryPoints: [path.join(consumer, entry)],
    format: "esm",
    conditions: ["workerd", "worker", "browser"],
    loader: { ".wasm": "copy" },
    outdir,
    ...extra,
  });
  return { script: path.join(outdir, `${path.basename(entry, ".js")}.js`), inputs: packageInputs(result.metafile) };
}

/**
 * Bundles for Vercel's edge with esbuild and the `edge-light` conditions. Like Vercel's bundler, a
 * `.wasm?module` import becomes a compiled module: the host provides each as `__edgeWasmModules[file name]`,
 * and `wasm` maps those names to the bytes.
 */
export async function esbuildEdge(consumer, entry) {
  const { build } = await esbuild();
  const wasm = {};
  const wasmModule = {
    name: "wasm-module",
    setup(b) {
      b.onResolve({ filter: /\.wasm\?module$/ }, (args) => ({
        path: path.join(args.resolveDir, args.path.replace(/\?module$/, "")),
        namespace: "wasm-module",
      }));
      b.onLoad({ filter: /.*/, namespace: "wasm-module" }, async (args) => {
        const name = path.basename(args.path);
        wasm[name] = await readFile(args.path);
        return { contents: `export default globalThis.__edgeWasmModules[${JSON.stringify(name)}];`, loader: "js" };
      });
    },
  };
  const result = await build({
    ...BUNDLE,
    ...NEUTRAL,
    entryPoints: [path.join(consumer, entry)],
    write: false,
    format: "iife",
    conditions: ["edge-light", "worker", "browser"],
    plugins: [wasmModule],
  });
  return { code: result.outputFiles[0].text, wasm, inputs: packageInputs(result.metafile) };
}

/** Runs Vite's production build of `root`'s `html` page into `outDir`; resolves to the emitted files. */
export async function viteBuild(root, html, outDir) {
  const { build } = await import(path.join(TOOLS, "vite/dist/node/index.js"));
  await build({
    root,
    configFile: false,
    logLevel: "warn",
    build: { outDir, emptyOutDir: true, rollupOptions: { input: path.join(root, html) } },
  });
  return readdir(path.join(outDir, "assets"));
}

/** Bundles a Worker with `wrangler deploy --dry-run --outdir`; resolves to the bundled script's path. */
export async function wranglerBundle(consumer, name, main, outdir) {
  const config = path.join(consumer, `wrangler.${name}.json`);
  await writeFile(config, JSON.stringify({ name, main, compatibility_date: "2026-04-01" }));
  const { stdout } = await runOk(
    path.join(TOOLS, ".bin/wrangler"),
    ["deploy", "--dry-run", "--outdir", outdir, "--config", config],
    { cwd: consumer, env: { WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" } },
  );
  const upload = /Total Upload: ([^\n]+)/.exec(stdout)?.[1];
  const script = path.join(outdir, path.basename(main));
  const text = await readFile(script, "utf8");
  const entries = [...text.matchAll(/\/\/ node_modules\/gosquared-chat\/([\w./-]+)/g)].map((m) => m[1]);
  return { script, upload, inputs: [...new Set(entries)] };
}
