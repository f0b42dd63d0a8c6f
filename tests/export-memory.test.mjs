// The export's memory stays flat as the number of chats grows: the same export of 1,000 and of 10,000 chats
// (20 messages each), each in its own process against an emulator in another process, must peak at about
// the same memory. Memory is compared, never time.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFile } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { API_KEY, SITE_TOKEN } from "./helpers.mjs";

const EMULATOR = fileURLToPath(new URL("./cli.js", import.meta.resolve("gosquared-chat/emulator")));
const CHILD = fileURLToPath(new URL("./fixtures/export-child.mjs", import.meta.url));
const MESSAGES = 20;
/** How much more the 10,000-chat export may peak at than the 1,000-chat one. */
const MAX_RATIO = 1.5;

async function exportIn(child, baseUrl) {
  const { stdout } = await promisify(execFile)(process.execPath, ["--expose-gc", child, baseUrl, API_KEY, SITE_TOKEN, "4"], {
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout);
}

describe("export memory", () => {
  let emulator, baseUrl;
  before(async () => {
    emulator = spawn(process.execPath, [EMULATOR, "--seed", `1000:${MESSAGES}`, "--no-rate-limit", "--api-key", API_KEY, "--site-token", SITE_TOKEN], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const [line] = await once(emulator.stdout, "data");
    baseUrl = /listening on (\S+)/.exec(String(line))[1];
  });
  after(async () => {
    emulator.kill("SIGTERM");
    await once(emulator, "exit");
  });

  it("peaks at about the same memory for 10,000 chats as for 1,000", async (t) => {
    const small = await exportIn(CHILD, baseUrl);
    const reset = await fetch(`${baseUrl}/__emulator/reset`, { method: "POST", body: JSON.stringify({ seed: `10000:${MESSAGES}` }) });
    assert.equal(reset.status, 200);
    const large = await exportIn(CHILD, baseUrl);
    for (const [run, chats] of [[small, 1000], [large, 10000]]) {
      assert.equal(run.lines, chats * (1 + MESSAGES) + 1, "every chat and item, and the summary");
      assert.deepEqual({ ...run.summary, bytes: 0 }, { type: "summary", chatsDone: chats, chatsTotal: chats, items: chats * MESSAGES, bytes: 0, errors: 0 });
      assert.ok(run.reports >= 2, "progress was reported while running, with a collection each time");
    }
    const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
    t.diagnostic(`1,000 chats: ${mb(small.bytes)} written, peak RSS ${mb(small.maxRssBytes)}, peak retained ${mb(small.retainedPeak)}`);
    t.diagnostic(`10,000 chats: ${mb(large.bytes)} written, peak RSS ${mb(large.maxRssBytes)}, peak retained ${mb(large.retainedPeak)}`);
    assert.ok(large.retainedPeak < small.retainedPeak * MAX_RATIO, "the memory still reachable does not grow with the chats");
    assert.ok(large.maxRssBytes < small.maxRssBytes * MAX_RATIO, "the process's peak memory does not grow with the chats");
    const grown = large.maxRssBytes - small.maxRssBytes;
    assert.ok(grown < (large.bytes - small.bytes) / 2, "the output is streamed, not held: memory grew far less than it");
  });
});
