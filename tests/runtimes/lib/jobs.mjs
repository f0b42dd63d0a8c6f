// The rows of the runtime stage. Conformance rows run the one suite in a runtime and check which package
// entry that runtime resolved; the other rows check the README snippets, the declarations and the package.
import path from "node:path";
import { readFile } from "node:fs/promises";
import { run, conformanceLine } from "./processes.mjs";
import { esbuildBrowser, esbuildEdge, esbuildWorker, viteBuild, wranglerBundle } from "./builds.mjs";
import { edgeRuntime, staticServer, withWorker } from "./hosts.mjs";
import { checkDeclarations } from "./types.mjs";
import { checkSnippetsInDocs } from "./docs.mjs";
import { MODULES, inPackage } from "../../../scripts/modules.mjs";

const page = (src) => `<!doctype html>\n<meta charset="utf-8">\n<script type="module" src="${src}"></script>\n`;

/** A file's path inside the installed package (`client/node.js`), from a path, a file URL or a bundle input. */
function packagePath(file) {
  const text = decodeURIComponent(String(file)).replaceAll("\\", "/");
  const at = text.lastIndexOf("node_modules/gosquared-chat/");
  return at === -1 ? text : text.slice(at + "node_modules/gosquared-chat/".length);
}

/** The package's modules with these names (scripts/modules.mjs). */
const modulesNamed = (...names) => MODULES.filter((m) => names.includes(m.name));

/**
 * Fails unless the package files a build or runtime used include the loader `expected` of each of `modules`
 * (by default all three: the full one, `client/` and `edge/`), and no `forbidden` loader; returns `expected`.
 */
function expectEntry(used, expected, { modules = MODULES, forbidden = ["node.mjs", "node.cjs", "node.legacy.cjs"] } = {}) {
  const files = used.map(packagePath);
  const missing = modules.map((m) => inPackage(m, expected)).filter((f) => !files.includes(f));
  if (missing.length > 0) throw new Error(`expected ${missing.join(", ")}, got: ${files.join(", ") || "none"}`);
  const wrong = files.filter((f) => forbidden.includes(path.posix.basename(f)) && path.posix.basename(f) !== expected);
  if (wrong.length > 0) throw new Error(`the bundle also pulled in ${wrong.join(", ")}`);
  return expected;
}

/** Serves `root` (with `/api/chat` forwarded to `proxy`, if given), opens `pathname` and reads `probe` from the page. */
async function inPage(ctx, root, pathname, probe, proxy) {
  const server = await staticServer(root, proxy);
  try {
    return await ctx.browser().evaluate(`${server.origin}${pathname}`, probe);
  } finally {
    await server.close();
  }
}

/**
 * Runs the suite in a browser page (the emulator settings go in the hash). The page calls the API routes
 * cross-origin, as a dashboard does, and the control routes through its own origin (`controlUrl`).
 */
async function inBrowser(ctx, root, pathname) {
  const emu = await ctx.emulator();
  const server = await staticServer(root, undefined, emu.url);
  try {
    const hash = encodeURIComponent(JSON.stringify({ ...ctx.settings(emu), controlUrl: server.origin }));
    return await ctx.browser().evaluate(`${server.origin}${pathname}#${hash}`, {
      done: () => globalThis.__conformance !== undefined,
      result: () => globalThis.__conformance,
    });
  } finally {
    await server.close();
  }
}

/** Conformance rows: `run(ctx)` resolves to the suite's result plus the entry file the runtime loaded. */
export const conformanceJobs = [
  {
    name: "Node · ESM import",
    needs: [],
    async run(ctx) {
      const emu = await ctx.emulator();
      const result = conformanceLine(await run(process.execPath, ["harness/cli.mjs", JSON.stringify(ctx.settings(emu))], { cwd: ctx.consumer }));
      return { ...result, entry: expectEntry(result.entries, "node.mjs") };
    },
  },
  {
    name: "Node · CommonJS require",
    needs: [],
    async run(ctx) {
      const emu = await ctx.emulator();
      // require(esm) is switched off, as on Node < 20.19: the CommonJS build must stand on its own.
      const args = ["--no-experimental-require-module", "harness/cli.cjs", JSON.stringify(ctx.settings(emu))];
      const result = conformanceLine(await run(process.execPath, args, { cwd: ctx.consumer }));
      return { ...result, entry: expectEntry(result.entries, "node.cjs") };
    },
  },
  {
    name: "Deno",
    needs: ["deno"],
    async run(ctx) {
      const emu = await ctx.emulator();
      const args = ["run", "--allow-net=127.0.0.1", "--allow-read", "harness/cli.mjs", JSON.stringify(ctx.settings(emu))];
      const result = conformanceLine(await run(ctx.tools.deno, args, { cwd: ctx.consumer, env: { NO_COLOR: "1" } }));
      return { ...result, entry: expectEntry(result.entries, "node.mjs") };
    },
  },
  {
    name: "Bun",
    needs: ["bun"],
    async run(ctx) {
      const emu = await ctx.emulator();
      const result = conformanceLine(await run(ctx.tools.bun, ["harness/cli.mjs", JSON.stringify(ctx.settings(emu))], { cwd: ctx.consumer }));
      return { ...result, entry: expectEntry(result.entries, "node.mjs") };
    },
  },
  {
    name: "workerd · wrangler bundle",
    needs: ["workerd", "wrangler"],
    async run(ctx) {
      const bundle = await wranglerBundle(ctx.consumer, "conformance", "harness/worker.js", path.join(ctx.out, "wrangler-conformance"));
      const emu = await ctx.emulator();
      const result = await withWorker(bundle.script, {}, async (mf) => {
        const response = await mf.dispatchFetch("http://worker/", { method: "POST", body: JSON.stringify(ctx.settings(emu)) });
        return response.json();
      });
      return { ...result, entry: expectEntry(bundle.inputs, "workerd.js"), note: `upload ${bundle.upload}` };
    },
  },
  {
    name: "workerd · esbuild bundle",
    needs: ["workerd"],
    async run(ctx) {
      const bundle = await esbuildWorker(ctx.consumer, "harness/worker.js", path.join(ctx.out, "esbuild-worker"));
      const emu = await ctx.emulator();
      const result = await withWorker(bundle.script, {}, async (mf) => {
        const response = await mf.dispatchFetch("http://worker/", { method: "POST", body: JSON.stringify(ctx.settings(emu)) });
        return response.json();
      });
      return { ...result, entry: expectEntry(bundle.inputs, "workerd.js") };
    },
  },
  {
    name: "edge-runtime · edge-light bundle",
    needs: ["edge-runtime"],
    async run(ctx) {
      const bundle = await esbuildEdge(ctx.consumer, "harness/edge.js");
      const emu = await ctx.emulator();
      const runtime = await edgeRuntime(bundle.code, { wasm: bundle.wasm });
      const response = await runtime.dispatchFetch("http://edge/", { method: "POST", body: JSON.stringify(ctx.settings(emu)) });
      return { ...(await response.json()), entry: expectEntry(bundle.inputs, "edge-light.js") };
    },
  },
  {
    name: "Chromium · plain ES modules page",
    needs: ["chromium"],
    async run(ctx) {
      const result = await inBrowser(ctx, ctx.consumer, "/harness/plain.html");
      return { ...result, entry: "browser.js" };
    },
  },
  {
    name: "Chromium · esbuild bundle",
    needs: ["chromium"],
    async run(ctx) {
      const outdir = path.join(ctx.out, "esbuild-browser");
      const bundle = await esbuildBrowser(ctx.consumer, ["harness/page.js"], outdir, page);
      return { ...(await inBrowser(ctx, outdir, "/index.html")), entry: expectEntry(bundle.inputs, "browser.js") };
    },
  },
  {
    name: "Chromium · module Web Worker",
    needs: ["chromium"],
    async run(ctx) {
      const outdir = path.join(ctx.out, "esbuild-web-worker");
      const bundle = await esbuildBrowser(ctx.consumer, ["harness/worker-page.js", "harness/dedicated-worker.js"], outdir, page);
      return { ...(await inBrowser(ctx, outdir, "/index.html")), entry: expectEntry(bundle.inputs, "browser.js") };
    },
  },
  {
    name: "Chromium · Vite production build",
    needs: ["chromium"],
    async run(ctx) {
      const outdir = path.join(ctx.out, "vite-conformance");
      const assets = await viteBuild(path.join(ctx.consumer, "harness"), "index.html", outdir);
      if (!assets.some((a) => /^gosquared_chat_bg-.*\.wasm$/.test(a))) throw new Error(`Vite emitted no .wasm asset: ${assets.join(", ")}`);
      return { ...(await inBrowser(ctx, outdir, "/index.html")), entry: "browser.js" };
    },
  },
];

const SNIPPET_OUTPUT = /^3 open chats, newest: person-3$/m;

/** Runs a README snippet file with `command`, fetches to api.gosquared.com rewritten to the emulator. */
async function runSnippet(ctx, command, args) {
  const emu = await ctx.snippetEmulator();
  const env = { GOSQUARED_API_KEY: emu.apiKey, GOSQUARED_SITE_TOKEN: emu.siteToken, GOSQUARED_TEST_ORIGIN: emu.url, NO_COLOR: "1" };
  const { code, stdout, stderr } = await run(command, args, { cwd: ctx.consumer, env });
  if (code !== 0 || !SNIPPET_OUTPUT.test(stdout)) throw new Error(`exit ${code}: ${stdout.trim()} ${stderr.trim()}`.slice(0, 1500));
  return stdout.trim();
}

/** Check rows: each `run(ctx)` resolves to a short detail string, or throws with what is wrong. */
export const checkJobs = [
  {
    name: "npm pack: what the exports map reaches, and the three documents",
    needs: [],
    async run(ctx) {
      if (ctx.packProblems.length > 0) throw new Error(ctx.packProblems.join("\n"));
      const { files, size, unpackedSize } = ctx.packed;
      return `${files.length} files, ${(size / 1024).toFixed(1)} KiB packed, ${(unpackedSize / 1024).toFixed(1)} KiB unpacked`;
    },
  },
  {
    name: "types: tsc --strict (examples pass, negative file fails as marked)",
    needs: [],
    run: (ctx) => checkDeclarations(ctx.consumer),
  },
  {
    name: "README and docs/ snippets are the verified files",
    needs: [],
    run: (ctx) => checkSnippetsInDocs(ctx.repo),
  },
  {
    name: "snippet · Node (ESM)",
    needs: [],
    run: (ctx) => runSnippet(ctx, process.execPath, ["--import", "./harness/rewrite-fetch.mjs", "snippets/node.mjs"]),
  },
  {
    name: "snippet · Node (CommonJS)",
    needs: [],
    run: (ctx) => runSnippet(ctx, process.execPath, ["--import", "./harness/rewrite-fetch.mjs", "snippets/node.cjs"]),
  },
  {
    name: "snippet · Bun",
    needs: ["bun"],
    run: (ctx) => runSnippet(ctx, ctx.tools.bun, ["--preload", "./harness/rewrite-fetch.mjs", "snippets/node.mjs"]),
  },
  {
    name: "snippet · Deno",
    needs: ["deno"],
    run: (ctx) =>
      runSnippet(ctx, ctx.tools.deno, [
        "run", "--preload", "./harness/rewrite-fetch.mjs", "--allow-net=api.gosquared.com,127.0.0.1",
        "--allow-env", "--allow-read=node_modules", "snippets/deno.js",
      ]),
  },
  {
    name: "snippet · Cloudflare Worker (wrangler deploy --dry-run)",
    needs: ["workerd", "wrangler"],
    async run(ctx) {
      const bundle = await wranglerBundle(ctx.consumer, "snippet", "snippets/worker.js", path.join(ctx.out, "wrangler-snippet"));
      // The documented Worker only sends: it imports gosquared-chat/client, and nothing of the other modules.
      expectEntry(bundle.inputs, "workerd.js", { modules: modulesNamed("client") });
      const others = bundle.inputs.filter((f) => !f.startsWith("client/"));
      if (others.length > 0) throw new Error(`the Worker bundled more than gosquared-chat/client: ${others.join(", ")}`);
      const emu = await ctx.snippetEmulator();
      const body = await withWorker(
        bundle.script,
        {
          bindings: { GOSQUARED_API_KEY: emu.apiKey, GOSQUARED_SITE_TOKEN: emu.siteToken },
          outboundService: (request) => fetch(request.url.replace("https://api.gosquared.com", emu.url), request),
        },
        async (mf) => (await mf.dispatchFetch("http://worker/", { method: "POST", body: JSON.stringify({ customerId: "email:ada@example.com" }) })).json(),
      );
      const stored = emu.store.messages("email:ada@example.com").at(-1);
      if (stored?.id !== body.sent || !stored.content.startsWith("Hi! Your last payment")) {
        throw new Error(`the Worker answered ${JSON.stringify(body)}, the emulator holds ${JSON.stringify(stored)}`);
      }
      await checkSizeClaim(ctx.repo, bundle.upload);
      return `upload ${bundle.upload}; sent ${body.sent}`;
    },
  },
  {
    name: "snippet · Vercel edge route",
    needs: ["edge-runtime"],
    async run(ctx) {
      const emu = await ctx.snippetEmulator();
      const bundle = await esbuildEdge(ctx.consumer, "harness/edge-snippet.js");
      expectEntry(bundle.inputs, "edge-light.js", { modules: modulesNamed("full") });
      const env = { GOSQUARED_API_KEY: emu.apiKey, GOSQUARED_SITE_TOKEN: emu.siteToken };
      const runtime = await edgeRuntime(bundle.code, { wasm: bundle.wasm, globals: { process: { env }, __emulatorOrigin: emu.url } });
      const body = await (await runtime.dispatchFetch("http://edge/api/chats")).json();
      if (body.open !== 3) throw new Error(`the route answered ${JSON.stringify(body)}`);
      return JSON.stringify(body);
    },
  },
  {
    name: "snippet · browser dashboard (Vite build)",
    needs: ["chromium"],
    async run(ctx) {
      const emu = await ctx.snippetEmulator();
      const outdir = path.join(ctx.out, "vite-dashboard");
      await viteBuild(path.join(ctx.consumer, "snippets"), "dashboard.html", outdir);
      const probe = {
        done: () => document.querySelectorAll("#chats li").length >= 3,
        result: () => [...document.querySelectorAll("#chats li")].map((li) => li.textContent),
      };
      const names = await inPage(ctx, outdir, "/dashboard.html", probe, emu);
      if (names.join("|") !== "Person 3|Person 2|Ada Lovelace") throw new Error(`the page listed ${names.join(", ")}`);
      return names.join(", ");
    },
  },
  {
    name: "snippet · gosquared-chat/init in a plain page",
    needs: ["chromium"],
    async run(ctx) {
      const probe = {
        done: () => document.querySelector("#chats").textContent !== "",
        result: () => document.querySelector("#chats").textContent,
      };
      const text = await inPage(ctx, ctx.consumer, "/snippets/init.html", probe, await ctx.snippetEmulator());
      if (text !== "3 open chats") throw new Error(`the page shows ${JSON.stringify(text)}`);
      return text;
    },
  },
  {
    name: "browser entry: clients made before the module loads wait for it",
    needs: ["chromium"],
    async run(ctx) {
      const hash = encodeURIComponent(JSON.stringify(ctx.settings(await ctx.emulator())));
      const result = await inPage(ctx, ctx.consumer, `/harness/early.html#${hash}`, {
        done: () => globalThis.__early !== undefined,
        result: () => globalThis.__early,
      });
      if (result.goodItems !== 3 || !result.badRejects || !result.lateThrows) throw new Error(JSON.stringify(result));
      return "early client works; bad options reject its first call; later ones throw at once";
    },
  },
  {
    name: "init subpath refuses a client before init(), works after initSync()",
    needs: [],
    async run(ctx) {
      const dir = path.join(ctx.consumer, "node_modules/gosquared-chat");
      const { ChatClient, initSync } = await import(path.join(dir, "init.js"));
      const emu = await ctx.emulator();
      const options = { apiKey: emu.apiKey, siteToken: emu.siteToken, baseUrl: emu.url };
      let refused;
      try {
        new ChatClient(options);
      } catch (error) {
        refused = error;
      }
      if (!/call `init\(\)`/.test(String(refused?.message))) throw new Error(`before init: ${refused}`);
      initSync(new WebAssembly.Module(await readFile(path.join(dir, "gosquared_chat_bg.wasm"))));
      const chats = await new ChatClient(options).listChats();
      if (chats.items.length !== 3) throw new Error(`after initSync: ${chats.items.length} chats`);
      return "clear error before, 3 chats after";
    },
  },
  {
    name: "Node: import and require() share one instance, for each entry",
    needs: [],
    async run(ctx) {
      const { stdout } = await run(process.execPath, ["harness/one-instance.mjs"], { cwd: ctx.consumer });
      const report = Object.entries(JSON.parse(stdout));
      if (report.length !== 3 || report.some(([, r]) => r.names < 12 || r.shared !== r.names || r.requiredKeys !== r.names)) {
        throw new Error(`import and require differ: ${stdout}`);
      }
      return report.map(([name, r]) => `${name}: ${r.shared} of ${r.names} exports identical`).join("; ");
    },
  },
  {
    name: "Node entry inside workerd throws an error naming /workerd",
    needs: ["workerd"],
    async run(ctx) {
      const bundle = await esbuildWorker(ctx.consumer, "harness/wrong-entry-worker.js", path.join(ctx.out, "wrong-entry-worker"), {
        external: ["node:*"],
      });
      const text = await withWorker(bundle.script, { compatibilityFlags: ["nodejs_compat"] }, async (mf) => (await mf.dispatchFetch("http://worker/")).text());
      if (!text.includes('Import "gosquared-chat/workerd"')) throw new Error(`the Worker answered: ${text.slice(0, 300)}`);
      return text.slice(0, text.indexOf(",")).trim();
    },
  },
];

/**
 * docs/runtimes.md states what `wrangler deploy` reports for the documented Worker ("about N KiB (M KiB
 * gzipped)"); the claim must stay within 3 KiB of what wrangler printed (`upload` is its "Total Upload" text).
 */
async function checkSizeClaim(repo, upload) {
  const text = await readFile(path.join(repo, "docs/runtimes.md"), "utf8");
  const claim = /reports about (\d+) KiB \((\d+) KiB gzipped\)/.exec(text);
  const measured = /([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(upload ?? "");
  if (!claim || !measured) throw new Error(`cannot compare the size claim in docs/runtimes.md with wrangler's "${upload}"`);
  const [raw, gzip] = [Number(measured[1]) - Number(claim[1]), Number(measured[2]) - Number(claim[2])];
  if (Math.abs(raw) > 3 || Math.abs(gzip) > 3) {
    throw new Error(`docs/runtimes.md claims ${claim[1]} KiB (${claim[2]} KiB gzipped); wrangler reports ${upload}`);
  }
}
