// Counts the calls that cross the WebAssembly boundary during one warm call: JS→wasm (exports called) and
// wasm→JS (imports called), for sendMessage (answered, and failing on a 503), an archive retried after a 503, and one feed page.
// Usage: node bench/boundary.mjs [package dir] — the package's Node entry is loaded from that directory
// (default: pkg/), so that two builds can be compared in one run.
import { createRequire } from "node:module";
import path from "node:path";
import { spawnEmulator } from "./emulator-process.mjs";

const counts = { in: 0, out: 0 };
const RealInstance = WebAssembly.Instance;
WebAssembly.Instance = function CountingInstance(module, imports) {
  const wrapped = {};
  for (const [space, fns] of Object.entries(imports)) {
    wrapped[space] = {};
    for (const [name, fn] of Object.entries(fns)) {
      wrapped[space][name] = typeof fn === "function" ? function (...args) { counts.out++; return fn.apply(this, args); } : fn;
    }
  }
  const instance = new RealInstance(module, wrapped);
  const exports = {};
  for (const [name, value] of Object.entries(instance.exports)) {
    exports[name] = typeof value === "function" ? (...args) => { counts.in++; return value(...args); } : value;
  }
  return { exports };
};

/** Runs `fn` once to warm up, then once counted; resolves to `{ in, out }`. */
async function counted(fn) {
  await fn();
  counts.in = 0;
  counts.out = 0;
  await fn();
  return { in: counts.in, out: counts.out };
}

export async function measureBoundary(pkgDir = path.resolve(import.meta.dirname, "../pkg")) {
  const { ChatClient } = createRequire(import.meta.url)(path.join(pkgDir, "node.cjs"));
  const emu = await spawnEmulator();
  try {
    const client = new ChatClient({ apiKey: emu.apiKey, siteToken: emu.siteToken, baseUrl: emu.url, maxRetries: 2 });
    const fetch503 = async (url, init) => {
      if (fetch503.fail) {
        fetch503.fail = false;
        return new Response("{}", { status: 503, headers: { "retry-after": "0" } });
      }
      return fetch(url, init);
    };
    const retrying = new ChatClient({ apiKey: emu.apiKey, siteToken: emu.siteToken, baseUrl: emu.url, fetch: fetch503 });
    return {
      sendMessage: await counted(() => client.sendMessage("person-3", { content: "hello" })),
      "sendMessage failing on a 503": await counted(() => {
        fetch503.fail = true;
        return retrying.sendMessage("person-3", { content: "hello" }).catch(() => {});
      }),
      "archiveChat 503 then 200": await counted(() => {
        fetch503.fail = true;
        return retrying.archiveChat("person-3");
      }),
      "feed page": await counted(() => client.getFeed("person-2", { limit: 50 })),
    };
  } finally {
    await emu.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await measureBoundary(process.argv[2] && path.resolve(process.argv[2]));
  for (const [name, { in: into, out }] of Object.entries(result)) console.log(`${name.padEnd(26)} JS→wasm ${String(into).padStart(3)}   wasm→JS ${String(out).padStart(3)}`);
}
