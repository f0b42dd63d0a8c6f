// Per call: each read method and sendMessage against the emulator on loopback, beside a raw
// fetch + JSON.parse doing the same request; p50 and p99 at concurrency 1 and 64. At concurrency 1 a third
// side, "guarded", is the raw request with what any client with real timeouts adds: an AbortController
// whose signal goes to fetch, and a timer that would abort it.
import { ChatClient } from "gosquared-chat";
import { spawnEmulator } from "./emulator-process.mjs";
import { elapsed, interleave, percentile } from "./stats.mjs";

const CHAT = "person-2";
// sendMessage writes to another chat, so that the messages it adds do not grow the pages the reads fetch.
const SEND_CHAT = "person-3";

function operations(emu) {
  const client = new ChatClient({ apiKey: emu.apiKey, siteToken: emu.siteToken, baseUrl: emu.url, maxRetries: 0, timeoutMs: 60_000 });
  const auth = `api_key=${emu.apiKey}&site_token=${emu.siteToken}`;
  const plain = (url, init) => fetch(url, init);
  const guarded = async (url, init) => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 60_000);
    try {
      return await fetch(url, { ...init, signal: controller.signal });
    } finally {
      clearTimeout(timer);
    }
  };
  const requests = (send) => {
    const read = async (url) => JSON.parse(await (await send(url, { headers: { accept: "application/json" } })).text());
    return {
      get: (path) => read(`${emu.url}${path}?${auth}`),
      getQ: (path, q) => read(`${emu.url}${path}?${auth}&${q}`),
      post: async (path, body) =>
        JSON.parse(await (await send(`${emu.url}${path}?${auth}`, {
          method: "POST", headers: { accept: "application/json", "content-type": "application/json" }, body: JSON.stringify(body),
        })).text()),
    };
  };
  const sides = (make) => ({ raw: make(requests(plain)), guarded: make(requests(guarded)) });
  const op = (client, make) => ({ client, ...sides(make) });
  return {
    getChat: op(() => client.getChat(CHAT), (r) => () => r.get(`/chat/v1/chats/${CHAT}`)),
    listChats: op(() => client.listChats({ limit: 20 }), (r) => () => r.getQ("/chat/v1/chats", "limit=0,20")),
    listArchivedChats: op(() => client.listArchivedChats({ limit: 20 }), (r) => () => r.getQ("/chat/v1/archivedChats", "limit=0,20")),
    getFeed: op(() => client.getFeed(CHAT, { limit: 50 }), (r) => () => r.getQ(`/chat/v1/chats/${CHAT}/feed`, "limit=0,50")),
    listMessages: op(() => client.listMessages(CHAT, { limit: 50 }), (r) => () => r.getQ(`/chat/v1/chats/${CHAT}/messages`, "limit=50")),
    sendMessage: op(
      () => client.sendMessage(SEND_CHAT, { content: "bench message" }),
      (r) => () => r.post(`/chat/v1/chats/${SEND_CHAT}/messages`, { content: "bench message" }),
    ),
  };
}

async function timed(fn, count, concurrency) {
  const latencies = [];
  let next = 0;
  async function worker() {
    while (next < count) {
      next += 1;
      latencies.push(await elapsed(fn));
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return latencies;
}

/** Single calls in alternation (client, raw and guarded, in random order within each round), after a warm-up. */
async function pairedSingles(op, pairs) {
  const tasks = { client: () => elapsed(op.client), raw: () => elapsed(op.raw), guarded: () => elapsed(op.guarded) };
  await interleave(Math.min(100, pairs), tasks);
  return interleave(pairs, tasks);
}

/** Blocks of `perRound` calls at `concurrency`, client and raw taking turns to go first, after a warm-up. */
async function alternatingBlocks(op, rounds, perRound, concurrency) {
  const tasks = { client: () => timed(op.client, perRound, concurrency), raw: () => timed(op.raw, perRound, concurrency) };
  await interleave(1, tasks, { order: "rotate" });
  const blocks = await interleave(rounds, tasks, { order: "rotate" });
  return { client: blocks.client.flat(), raw: blocks.raw.flat() };
}

/**
 * Measures every operation: at concurrency 1 as alternating single-call pairs, at 64 as many small
 * alternating blocks, so that machine noise lands on both sides alike.
 */
export async function measureCalls({ pairs = 1000, rounds = 12, perRound = 128 } = {}) {
  const emu = await spawnEmulator();
  try {
    const ops = operations(emu);
    const rows = [];
    for (const concurrency of [1, 64]) {
      for (const [name, op] of Object.entries(ops)) {
        const { client, raw, guarded } = concurrency === 1
          ? await pairedSingles(op, pairs)
          : await alternatingBlocks(op, rounds, perRound, concurrency);
        rows.push({
          name, concurrency,
          clientP50: percentile(client, 50), rawP50: percentile(raw, 50),
          guardedP50: guarded === undefined ? undefined : percentile(guarded, 50),
          clientP99: percentile(client, 99), rawP99: percentile(raw, 99),
        });
      }
    }
    return rows;
  } finally {
    await emu.close();
  }
}
