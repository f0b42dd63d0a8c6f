// The hosts that run bundled code: workerd through Miniflare, Vercel's edge-runtime, and Chromium through
// playwright-core with a loopback static server (which also plays the dashboard's own /api/chat proxy).
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { existsSync } from "node:fs";

const TOOLS = path.resolve(import.meta.dirname, "../../../node_modules");

/** Runs `fn(mf)` with a Miniflare instance for the ES-module Worker at `scriptPath`, then disposes of it. */
export async function withWorker(scriptPath, options, fn) {
  const { Miniflare } = await import(path.join(TOOLS, "miniflare/dist/src/index.js"));
  const mf = new Miniflare({
    modules: true,
    scriptPath,
    compatibilityDate: "2026-04-01",
    // Once any rule is given, .js files need their own rule to be read as ES modules.
    modulesRules: [
      { type: "ESModule", include: ["**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    ...options,
  });
  try {
    return await fn(mf);
  } finally {
    await mf.dispose();
  }
}

/**
 * Evaluates a script bundle in a fresh edge-runtime VM. `wasm` maps each .wasm file's name to its bytes: a
 * Vercel bundler turns `import x from "….wasm?module"` into a compiled module, and the bundle reads it from
 * `__edgeWasmModules[name]`, compiled here inside the VM's realm so that `instanceof WebAssembly.Module` holds.
 */
export async function edgeRuntime(code, { wasm, globals = {} }) {
  const { EdgeRuntime } = await import(path.join(TOOLS, "edge-runtime/dist/index.js"));
  const prelude =
    '"use strict";\nglobalThis.__edgeWasmModules = Object.fromEntries(Object.entries(__edgeWasmBytes).map(([name, bytes]) => [name, new WebAssembly.Module(bytes)]));\n';
  return new EdgeRuntime({
    initialCode: prelude + code,
    extend: (context) => Object.assign(context, { __edgeWasmBytes: wasm }, globals),
  });
}

const CONTENT_TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".wasm": "application/wasm",
  ".json": "application/json",
};

/**
 * Serves `root` on loopback. Requests under `/api/chat/` are forwarded to `proxy.url` with `api_key` added,
 * as a dashboard's own server would do. Requests under `/__emulator/` are forwarded as they are to the
 * emulator at `control`, when given: its control routes answer no cross-origin request, so a page reaches
 * them through its own origin. Resolves to `{ origin, close() }`.
 */
export async function staticServer(root, proxy, control) {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://loopback");
    if (control && url.pathname.startsWith("/__emulator/")) {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      const upstream = await fetch(new URL(url.pathname + url.search, control), {
        method: req.method,
        headers: req.headers["content-type"] ? { "content-type": req.headers["content-type"] } : {},
        body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
      });
      res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" });
      res.end(Buffer.from(await upstream.arrayBuffer()));
      return;
    }
    if (proxy && url.pathname.startsWith("/api/chat/")) {
      const target = new URL(url.pathname.slice("/api/chat".length) + url.search, proxy.url);
      target.searchParams.set("api_key", proxy.apiKey);
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      const upstream = await fetch(target, {
        method: req.method,
        headers: { "content-type": req.headers["content-type"] ?? "application/json" },
        body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
      });
      res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" });
      res.end(Buffer.from(await upstream.arrayBuffer()));
      return;
    }
    const file = path.join(root, path.normalize(decodeURIComponent(url.pathname)));
    if (!file.startsWith(root) || !existsSync(file)) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream" });
    res.end(await readFile(file));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Where Chromium is, or undefined: `CHROMIUM_PATH` when set (even if it is not there), else Debian's. */
export function chromiumPath() {
  const candidates = process.env.CHROMIUM_PATH ? [process.env.CHROMIUM_PATH] : ["/usr/bin/chromium", "/usr/bin/chromium-browser"];
  return candidates.find((p) => existsSync(p));
}

/**
 * How long a browser step may take before the row fails: a guard against a hang, not a speed limit. A first
 * `npm test` on a fresh machine once failed four rows of this stage and the next run passed; four is the number
 * of browser conformance rows, which start at once against a Chromium whose profile, fonts and caches are all
 * cold, on two cores. Playwright's defaults (30 s to launch, 30 s to navigate) and the old 60 s wait left little
 * room for that first start; the browser is now also warmed with one blank page before the rows race.
 */
const BROWSER_STEP_MS = 240000;

/** One headless Chromium shared by the browser rows, started and warmed (one blank page) on first use. */
export class Browser {
  #launched;

  async #browser() {
    this.#launched ??= import(path.join(TOOLS, "playwright-core/index.mjs")).then(async ({ chromium }) => {
      const browser = await chromium.launch({
        executablePath: chromiumPath(),
        headless: true,
        timeout: BROWSER_STEP_MS,
        args: [
          "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync",
        ],
      });
      // The first page of a fresh browser pays for its renderer's start; pay it once, before the rows race.
      const blank = await browser.newPage();
      await blank.goto("about:blank", { timeout: BROWSER_STEP_MS });
      await blank.close();
      return browser;
    });
    return this.#launched;
  }

  /**
   * Opens `url`, waits until `done` (a page-side expression) is truthy, and resolves to the value of
   * `result`; page errors are collected and reported when the wait fails.
   */
  async evaluate(url, { done, result, timeoutMs = BROWSER_STEP_MS }) {
    const page = await (await this.#browser()).newPage();
    const errors = [];
    page.on("pageerror", (error) => errors.push(error.message));
    try {
      await page.goto(url, { timeout: timeoutMs });
      await page.waitForFunction(done, null, { timeout: timeoutMs }).catch((error) => {
        throw new Error(`${error.message.split("\n")[0]}; page errors: ${errors.join(" | ") || "none"}`);
      });
      return await page.evaluate(result);
    } finally {
      await page.close();
    }
  }

  async close() {
    if (this.#launched) await (await this.#launched).close();
  }
}
