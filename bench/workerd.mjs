// Cold start in workerd: a fresh Miniflare (a new workerd isolate) serving its first request, for a Worker
// that imports the package and makes a client, beside the same Worker without the package.
import { mkdtempSync, writeFileSync, mkdirSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { pathToFileURL } from "node:url";
import { Miniflare } from "miniflare";
import { bundleWorker, workerOptions } from "../examples/workerd.mjs";
import { median } from "./stats.mjs";

const WITH_PACKAGE = `import { ChatClient } from "gosquared-chat";
export default { async fetch() {
  const client = new ChatClient({ apiKey: "k", siteToken: "t" });
  return new Response(String(client instanceof ChatClient));
} };`;
const WITHOUT_PACKAGE = `export default { async fetch() { return new Response("true"); } };`;

async function bundle(root, source) {
  const folder = mkdtempSync(join(tmpdir(), "gsq-cold-"));
  mkdirSync(join(folder, "src"));
  writeFileSync(join(folder, "src", "worker.js"), source);
  // Resolve the package from the repository's node_modules.
  writeFileSync(join(folder, "package.json"), "{}");
  symlinkSync(join(root, "node_modules"), join(folder, "node_modules"));
  return { folder, script: await bundleWorker(pathToFileURL(`${folder}/`)) };
}

async function firstResponseMs({ folder, script }) {
  const t0 = performance.now();
  const mf = new Miniflare({ ...workerOptions(script), modulesRoot: folder });
  const res = await mf.dispatchFetch("http://worker.test/");
  const ok = (await res.text()) === "true";
  const ms = performance.now() - t0;
  await mf.dispose();
  if (!ok) throw new Error("the worker did not answer as expected");
  return ms;
}

/** Median first-response time of fresh isolates, with and without the package. */
export async function measureWorkerdColdStart(root, runs = 7) {
  const withPkg = await bundle(root, WITH_PACKAGE);
  const without = await bundle(root, WITHOUT_PACKAGE);
  try {
    const a = [], b = [];
    for (let i = 0; i < runs; i++) {
      a.push(await firstResponseMs(withPkg));
      b.push(await firstResponseMs(without));
    }
    return { withPackageMs: median(a), withoutPackageMs: median(b) };
  } finally {
    rmSync(withPkg.folder, { recursive: true, force: true });
    rmSync(without.folder, { recursive: true, force: true });
  }
}
