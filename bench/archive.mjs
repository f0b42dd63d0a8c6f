// Archive (examples/archive-d1): the Worker's scheduled run in Miniflare (D1 + R2) against an in-process
// emulator of 10,000 chats × 20 items: a first (full) run, then an incremental run after 1 % of the chats
// changed. Requests, bytes the API sent, NDJSON written, and the units each run spends as counted by the
// emulator's own rate limiter (set to a budget that never runs out and never refills, so nothing waits and
// the units are read off `X-RateLimit-Remaining`); the time under the real budget is computed from them.
//
// `node bench/archive.mjs` runs this section alone and prints it (npm run bench runs it as section 7).
import { startEmulator } from "gosquared-chat/emulator";
import { ChatClient } from "gosquared-chat";
import { fileURLToPath } from "node:url";
import { buildWorker, startWorker, readArchive } from "../examples/archive-d1/harness.mjs";
import { fixed } from "./stats.mjs";

const BIG = 1_000_000_000;
/** The API's documented budget: 750 units a minute, 750 at most in the bucket. */
export const BUDGET = { limit: 750, perMinute: 750 };

/** Minutes a run of `units` takes under the real budget, starting with a full bucket. */
export const minutesUnder = (units) => Math.max(0, units - BUDGET.limit) / BUDGET.perMinute;

export async function measureArchive({ chats = 10_000, items = 20, changedShare = 0.01, maxSubrequests = 1000 } = {}) {
  const apiKey = "bench-archive-key";
  const siteToken = "GSN-000001-B";
  const emu = await startEmulator({ seed: `${chats}:${items}`, rateLimit: { limit: BIG, refillPerMinute: 0 }, apiKey, siteToken });
  // Bytes of every API response body, counted as the emulator writes them.
  let responseBytes = 0;
  emu.server.prependListener("request", (req, res) => {
    if (!req.url.startsWith("/chat/")) return;
    const count = (chunk) => {
      if (chunk && typeof chunk !== "function") responseBytes += Buffer.byteLength(chunk);
    };
    const { write, end } = res;
    res.write = function (chunk, ...rest) {
      count(chunk);
      return write.call(this, chunk, ...rest);
    };
    res.end = function (chunk, ...rest) {
      count(chunk);
      return end.call(this, chunk, ...rest);
    };
  });
  const probe = new ChatClient({ apiKey, siteToken, baseUrl: emu.url });
  await buildWorker();
  const worker = await startWorker({
    apiKey, siteToken, baseUrl: emu.url, archiveToken: "bench",
    vars: { MAX_SUBREQUESTS: String(BIG), MAX_RUN_MS: String(24 * 3_600_000) },
  });
  const measure = async () => {
    emu.setRateLimit({ limit: BIG, refillPerMinute: 0 });
    emu.clearRequests();
    responseBytes = 0;
    const started = performance.now();
    const run = await worker.run();
    const seconds = (performance.now() - started) / 1000;
    const feeds = emu.requests.filter((r) => r.path.endsWith("/feed")).length;
    const requests = emu.requests.filter((r) => r.path.startsWith("/chat/")).length;
    const bytes = responseBytes;
    // One more request reads the bucket: every unit the run spent, and this one's.
    await probe.listChats({ limit: 1 });
    const units = BIG - probe.rateLimit.remaining - 1;
    return { outcome: run.outcome, since: run.since, chats: run.chats, items: run.items, requests, feeds, lists: requests - feeds, subrequests: run.subrequests, units, responseBytes: bytes, ndjsonBytes: run.bytes, seconds, minutes: minutesUnder(units) };
  };
  try {
    const full = await measure();
    const open = emu.store.listChats();
    const step = Math.round(1 / changedShare);
    let changed = 0;
    for (let i = 0; i < open.length; i += step) {
      emu.clientMessage(open[i].id, "a new message for the incremental run");
      changed += 1;
    }
    const incremental = await measure();
    const archive = await readArchive(worker.db);
    // Cron runs a backfill needs when each run may make `maxSubrequests` (API requests plus D1 and R2 calls,
    // in the proportion the full run made them; 9 are the run's own: state, lease, and the reserve).
    const full_ = await worker.db.prepare("SELECT requests, subrequests FROM runs ORDER BY id LIMIT 1").first();
    const perRunApi = Math.floor((maxSubrequests - 9) * (full_.requests / full_.subrequests));
    return {
      chats, items, changed, full, incremental, maxSubrequests,
      archived: { chats: archive.chats.size, items: archive.rows },
      subrequests: full_.subrequests,
      perRunApi,
      backfillRuns: Math.ceil(full.units / perRunApi),
    };
  } finally {
    await worker.dispose();
    await emu.close();
  }
}

/** The section's lines (Markdown), from `measureArchive()`'s result. */
export function reportArchive(arc) {
  const lines = [
    "Units are counted by the emulator's rate limiter (1 per request); the minutes are what those units take under the",
    "real budget of 750 a minute with a full bucket of 750 to start, computed, not waited for.",
    "",
    "| run | outcome | chats | items | API requests (lists + feeds) | units | subrequests | API bytes | NDJSON to R2 | under 750/min | Miniflare s |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const [name, r] of [["full (first run, since 0)", arc.full], [`incremental (${arc.changed} chats changed)`, arc.incremental]]) {
    lines.push(
      `| ${name} | ${r.outcome} | ${r.chats} | ${r.items} | ${r.requests} (${r.lists} + ${r.feeds}) | ${r.units} | ${r.subrequests} | ${fixed(r.responseBytes / 1e6, 2)} MB | ${fixed(r.ndjsonBytes / 1e6, 2)} MB | ${fixed(r.minutes, 1)} min | ${fixed(r.seconds, 1)} |`,
    );
  }
  lines.push(
    "",
    `The incremental run made ${fixed(arc.incremental.requests / arc.full.requests, 4)}× the full run's requests and read ${fixed(arc.incremental.responseBytes / arc.full.responseBytes, 4)}× its bytes.`,
    `The full run made ${arc.subrequests} subrequests in all (API, D1, R2); with ${arc.maxSubrequests} per cron run, about ${arc.perRunApi} of them API requests, the backfill takes ${arc.backfillRuns} runs.`,
    `D1 afterwards: ${arc.archived.chats} chats, ${arc.archived.items} items.`,
  );
  return lines;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arc = await measureArchive();
  console.log(`## 7. Archive (examples/archive-d1 in Miniflare with D1 + R2; ${arc.chats.toLocaleString("en")} chats × ${arc.items} items, then 1 % of the chats changed)\n`);
  for (const line of reportArchive(arc)) console.log(line);
}
