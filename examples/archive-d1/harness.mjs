// Builds the Worker with esbuild and runs it in Miniflare (workerd) with a local D1 database and R2 bucket,
// against a GoSquared API (the emulator). Used by run.mjs (npm run example:archive), the test suite and the bench.
import { Miniflare } from "miniflare";
import { fileURLToPath } from "node:url";
import { bundleWorker, workerOptions } from "../workerd.mjs";

const SCRIPT = fileURLToPath(new URL("./dist/worker.js", import.meta.url));

/** Bundles src/worker.js into dist/worker.js, with the package's .wasm copied next to it as a module. */
export function buildWorker() {
  return bundleWorker(new URL(".", import.meta.url));
}

/**
 * Starts the built Worker with its D1 database and R2 bucket. `variants` names more copies of the Worker
 * with other variables (e.g. `{ limited: { MAX_SUBREQUESTS: "40" } }`): they share the database and the
 * bucket, so a run of one and a run of another follow each other as two cron runs would. Resolves to
 * `{ url, db, bucket, run(variant?), dispose }`; `run` fires the Cron Trigger once and resolves when the run
 * is over, `db` and `bucket` are the D1 database and the R2 bucket as seen from Node.
 */
export async function startWorker({ apiKey, siteToken, baseUrl, archiveToken, vars = {}, variants = {} }) {
  const base = workerOptions(SCRIPT);
  const worker = (name, extra) => ({
    name,
    modules: base.modules,
    scriptPath: base.scriptPath,
    modulesRules: base.modulesRules,
    compatibilityDate: base.compatibilityDate,
    bindings: { GOSQUARED_API_KEY: apiKey, GOSQUARED_SITE_TOKEN: siteToken, GOSQUARED_BASE_URL: baseUrl, ARCHIVE_TOKEN: archiveToken, ...vars, ...extra },
    d1Databases: { ARCHIVE_DB: "gosquared-chat-archive" },
    r2Buckets: { ARCHIVE_RUNS: "gosquared-chat-archive-runs" },
  });
  const mf = new Miniflare({
    host: base.host,
    port: base.port,
    workers: [worker("archive", {}), ...Object.entries(variants).map(([name, extra]) => worker(name, extra))],
  });
  const url = await mf.ready;
  const db = await mf.getD1Database("ARCHIVE_DB");
  return {
    url: url.href.replace(/\/$/, ""),
    db,
    bucket: await mf.getR2Bucket("ARCHIVE_RUNS"),
    /** Fires the Cron Trigger of `variant` (default: the Worker as configured); resolves to the run's record. */
    async run(variant = "archive") {
      const fetcher = await mf.getWorker(variant);
      const result = await fetcher.scheduled({ cron: "*/5 * * * *" });
      if (result.outcome !== "ok") throw new Error(`the scheduled run ended with ${result.outcome}`);
      const { results } = await db.prepare("SELECT * FROM runs ORDER BY id DESC LIMIT 1").all();
      return results[0];
    },
    dispose: () => mf.dispose(),
  };
}

/** The archive as plain data: `{ chats: Map<id, chat>, items: Map<id, item[]>, rows }`, items oldest first. */
export async function readArchive(db) {
  const chats = new Map();
  for (const row of (await db.prepare("SELECT id, chat FROM chats").all()).results) chats.set(row.id, JSON.parse(row.chat));
  const items = new Map();
  let rows = 0;
  for (const row of (await db.prepare("SELECT chat_id, item FROM items ORDER BY chat_id, timestamp, id").all()).results) {
    rows += 1;
    if (!items.has(row.chat_id)) items.set(row.chat_id, []);
    items.get(row.chat_id).push(JSON.parse(row.item));
  }
  return { chats, items, rows };
}

/** The state table as an object (watermark, checkpoint, failed, lease), values parsed; `{}` before the first run. */
export async function readState(db) {
  const state = {};
  const rows = await db.prepare("SELECT key, value FROM state").all().catch((error) => {
    if (/no such table/.test(String(error?.message))) return { results: [] };
    throw error;
  });
  for (const row of rows.results) state[row.key] = JSON.parse(row.value);
  return state;
}
