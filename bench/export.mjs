// Export: 10,000 chats × 20 items through exportChats, beside a hand-written JS promise pool with the same
// concurrency; throughput and peak memory, each run in a fresh process against one emulator process.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { spawnEmulator } from "./emulator-process.mjs";
import { median } from "./stats.mjs";

const CHILD = fileURLToPath(new URL("./export-child.mjs", import.meta.url));

/** Runs each mode `rounds` times, alternating; returns medians. */
export async function measureExport({ chats = 10_000, items = 20, concurrency = 4, rounds = 2 } = {}) {
  const emu = await spawnEmulator(`${chats}:${items}`);
  try {
    const runs = { client: [], pool: [] };
    for (let r = 0; r < rounds; r++) {
      for (const mode of ["client", "pool"]) {
        const out = execFileSync(process.execPath, [CHILD, mode, emu.url, emu.apiKey, emu.siteToken, String(concurrency)], {
          encoding: "utf8", maxBuffer: 1 << 20,
        });
        runs[mode].push(JSON.parse(out));
      }
    }
    const summary = (list) => ({
      lines: list[0].lines,
      bytes: list[0].bytes,
      seconds: median(list.map((x) => x.seconds)),
      chatsPerSecond: chats / median(list.map((x) => x.seconds)),
      maxRssBytes: median(list.map((x) => x.maxRssBytes)),
    });
    return { chats, items, concurrency, client: summary(runs.client), pool: summary(runs.pool) };
  } finally {
    await emu.close();
  }
}
