// Cold start in workerd: a fresh Miniflare (a new workerd process and isolate) serving its first request, for a
// Worker that imports one of the package's entries and uses it once, beside the same Worker without the
// package. Inside workerd the clock stands still while code runs, so the cost is read from outside: each
// figure is a median over fresh isolates, taken in rotation so that machine noise falls on every Worker alike.
import { mkdtempSync, writeFileSync, mkdirSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { pathToFileURL } from "node:url";
import { Miniflare } from "miniflare";
import { bundleWorker, workerOptions } from "../examples/workerd.mjs";
import { interleave, median, percentile } from "./stats.mjs";

const worker = (imports, use) => `${imports}
export default { async fetch() {
  return new Response(String(${use}));
} };`;

/** The Workers compared: one per entry, and the baseline without the package. */
export const WORKERS = {
  "gosquared-chat/client": worker(`import { ChatClient } from "gosquared-chat/client";`, `new ChatClient({ apiKey: "k", siteToken: "t" }) instanceof ChatClient`),
  "gosquared-chat/edge": worker(`import { personSignature } from "gosquared-chat/edge";`, `personSignature("secret", "person-1").length === 64`),
  "gosquared-chat": worker(`import { ChatClient } from "gosquared-chat";`, `new ChatClient({ apiKey: "k", siteToken: "t" }) instanceof ChatClient`),
  without: worker("", "true"),
};

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

/**
 * Median and first-quartile first-response times of fresh isolates for each Worker, and each entry's share
 * (its median minus the baseline's, and the median of its per-round differences from the baseline).
 */
export async function measureWorkerdColdStart(root, runs = 15) {
  const bundles = {};
  for (const [name, source] of Object.entries(WORKERS)) bundles[name] = await bundle(root, source);
  try {
    const tasks = Object.fromEntries(Object.entries(bundles).map(([name, b]) => [name, () => firstResponseMs(b)]));
    const results = await interleave(runs, tasks, { order: "rotate" });
    const workers = Object.fromEntries(Object.entries(results).map(([name, times]) => [name, { medianMs: median(times), p25Ms: percentile(times, 25) }]));
    for (const [name, w] of Object.entries(workers)) {
      if (name === "without") continue;
      const paired = results[name].map((ms, round) => ms - results.without[round]);
      Object.assign(w, { shareMs: w.medianMs - workers.without.medianMs, shareP25Ms: w.p25Ms - workers.without.p25Ms, pairedShareMs: median(paired) });
    }
    return { runs, workers };
  } finally {
    for (const b of Object.values(bundles)) rmSync(b.folder, { recursive: true, force: true });
  }
}
