// Builds the Worker with esbuild and runs it in Miniflare (workerd) with a local Queue and R2 bucket, against
// a GoSquared API (the emulator). Used by run.mjs (npm run example:worker-export) and by the test suite.
import { Miniflare } from "miniflare";
import { fileURLToPath } from "node:url";
import { bundleWorker, workerOptions } from "../workerd.mjs";

const SCRIPT = fileURLToPath(new URL("./dist/worker.js", import.meta.url));
/** The Queue's name; the bindings are named as in wrangler.toml. */
export const QUEUE = "gosquared-chat-export";

/** Bundles src/worker.js into dist/worker.js, with the package's .wasm copied next to it as a module. */
export function buildWorker() {
  return bundleWorker(new URL(".", import.meta.url));
}

/**
 * Starts the built Worker with its Queue (batches of `batchSize`, flushed after a second) and its R2 bucket;
 * resolves to `{ url, bucket, dispose }`, `bucket` being the R2 bucket as seen from Node.
 */
export async function startWorker({ apiKey, siteToken, baseUrl, exportToken, batchSize = 10, maxRetries = 5 }) {
  const mf = new Miniflare({
    ...workerOptions(SCRIPT),
    bindings: { GOSQUARED_API_KEY: apiKey, GOSQUARED_SITE_TOKEN: siteToken, GOSQUARED_BASE_URL: baseUrl, EXPORT_TOKEN: exportToken },
    queueProducers: { EXPORT_QUEUE: QUEUE },
    queueConsumers: { [QUEUE]: { maxBatchSize: batchSize, maxBatchTimeout: 1, maxRetries, retryDelay: 0 } },
    r2Buckets: ["EXPORTS"],
  });
  const url = await mf.ready;
  return { url: url.href.replace(/\/$/, ""), bucket: await mf.getR2Bucket("EXPORTS"), dispose: () => mf.dispose() };
}

/** Lists every object key under `prefix` in `bucket`, page by page. */
export async function listKeys(bucket, prefix = "chats/") {
  const keys = [];
  let cursor;
  do {
    const page = await bucket.list({ prefix, cursor });
    keys.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return keys;
}

/** Polls `bucket` until it holds `count` objects under `chats/`, or rejects after `timeoutMs`. */
export async function waitForObjects(bucket, count, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const keys = await listKeys(bucket);
    if (keys.length >= count) return keys;
    if (Date.now() > deadline) throw new Error(`only ${keys.length} of ${count} objects arrived in R2`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
