// Load: rounds of 1,000 concurrent calls from one client against the emulator (run as its own process, so
// that this process's memory is the client's alone). Every call must succeed with no retry, every message and
// note must be stored exactly once, and after a warm-up round the WebAssembly memory, the JS values held by
// the module and the live AbortControllers and Responses must be exactly where they were, and the JS heap
// within its own noise, round after round.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import v8 from "node:v8";
import vm from "node:vm";
import { ChatClient } from "gosquared-chat";

// Internal diagnostics, reached through a symbol so that they stay off the public surface.
const __memoryDiagnostics = () => ChatClient[Symbol.for("gosquared-chat.memoryDiagnostics")]();
import { API_KEY, SITE_TOKEN } from "./helpers.mjs";
import { startEmulatorProcess } from "./resilience-helpers.mjs";

const CALLS = 1_000;
const ROUNDS = 3;
const SOCKETS = 64;
const CHATS = ["email:ada@example.com", "person-2", "person-3"];

v8.setFlagsFromString("--expose-gc");
const gc = globalThis.gc ?? vm.runInNewContext("gc");

/** A fetch that lets at most `limit` requests use a socket at once, as an HTTP agent's pool would. */
function pooledFetch(limit) {
  let active = 0;
  const waiting = [];
  const release = () => {
    active -= 1;
    waiting.shift()?.();
  };
  return async (url, init) => {
    if (active >= limit) await new Promise((resolve) => waiting.push(resolve));
    active += 1;
    try {
      const response = await fetch(url, init);
      const body = await response.arrayBuffer();
      return new Response(response.status === 204 ? null : body, { status: response.status, headers: response.headers });
    } finally {
      release();
    }
  };
}

/** Live instances of `ctor` after a full collection (`v8.queryObjects`, experimental: its warning is muted). */
function liveCount(ctor) {
  const { emitWarning } = process;
  process.emitWarning = () => {};
  try {
    return v8.queryObjects(ctor, { format: "count" });
  } finally {
    process.emitWarning = emitWarning;
  }
}

function heapAfterGc() {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function control(url, path, method = "GET") {
  const response = await fetch(`${url}/__emulator/${path}`, { method });
  return response.json();
}

describe("load: 1,000 concurrent calls from one client", () => {
  let emu;
  before(async () => {
    emu = await startEmulatorProcess(["--seed", "3:12", "--no-rate-limit"]);
  });
  after(() => {
    emu?.child.kill();
  });

  it(`${ROUNDS} rounds of ${CALLS} concurrent calls: no error, no duplicate, memory back to its level`, async (t) => {
    const client = new ChatClient({
      apiKey: API_KEY, siteToken: SITE_TOKEN, baseUrl: emu.url, fetch: pooledFetch(SOCKETS), timeoutMs: 60_000, maxRetries: 0,
    });
    const levels = [];
    for (let round = 1; round <= ROUNDS; round += 1) {
      const sent = [];
      const calls = Array.from({ length: CALLS }, (_, i) => {
        const chat = CHATS[i % CHATS.length];
        switch (i % 10) {
          case 4: return client.listChats({ limit: 5 });
          case 5: return client.getFeed(chat, { limit: 10 });
          case 6: return client.listMessages(chat, { limit: 10 });
          case 7: {
            const content = `load round ${round} message ${i}`;
            sent.push(content);
            return client.sendMessage(chat, { content });
          }
          case 8: {
            const content = `load round ${round} note ${i}`;
            sent.push(content);
            return client.addNote(chat, { content });
          }
          case 9: return i % 20 === 9 ? client.archiveChat("person-3") : client.unarchiveChat("person-3");
          default: return client.getChat(chat);
        }
      });
      const results = await Promise.allSettled(calls);
      const failures = results.filter((r) => r.status === "rejected").map((r) => `${r.reason?.name}: ${r.reason?.message}`);
      assert.deepEqual(failures.slice(0, 5), [], `${failures.length} calls failed`);

      const log = await control(emu.url, "requests");
      assert.equal(log.length, CALLS, "one request per call: nothing retried, nothing sent twice");
      await control(emu.url, "requests", "DELETE");
      const stored = (await control(emu.url, "store")).chats.flatMap((c) => c.feed.map((item) => item.content));
      for (const content of sent) {
        assert.equal(stored.filter((s) => s === content).length, 1, `stored once: ${content}`);
      }

      const { wasmMemoryBytes, liveJsValues } = __memoryDiagnostics();
      // (Live AbortSignals are not counted: undici lets go of its own lazily, so their number wanders.)
      const objects = { AbortController: liveCount(AbortController), Response: liveCount(Response) };
      levels.push({ round, heapUsed: heapAfterGc(), wasmMemoryBytes, liveJsValues, objects });
    }
    t.diagnostic(`after each round: ${JSON.stringify(levels)}`);

    const [warm, ...later] = levels;
    for (const level of later) {
      assert.equal(level.liveJsValues, warm.liveJsValues, `JS values held by the module, round ${level.round}`);
      assert.equal(level.wasmMemoryBytes, warm.wasmMemoryBytes, `WebAssembly memory, round ${level.round}`);
      assert.deepEqual(level.objects, warm.objects, `live abort controllers and responses, round ${level.round}`);
      // The heap after a collection moves by up to about 0.7 MB between rounds on its own; a leak of 1 KB per
      // call would add 1 MB a round.
      assert.ok(level.heapUsed - warm.heapUsed < 2_000_000, `JS heap grew by ${level.heapUsed - warm.heapUsed} bytes by round ${level.round}`);
    }
  });
});
