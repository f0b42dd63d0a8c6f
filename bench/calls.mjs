// Per call: each read method and sendMessage against the emulator on loopback, beside a raw
// fetch + JSON.parse doing the same request; p50 and p99 at concurrency 1 and 64.
import { ChatClient } from "gosquared-chat";
import { spawnEmulator } from "./emulator-process.mjs";
import { percentile } from "./stats.mjs";

const CHAT = "person-2";

function operations(emu) {
  const client = new ChatClient({ apiKey: emu.apiKey, siteToken: emu.siteToken, baseUrl: emu.url, maxRetries: 0, timeoutMs: 60_000 });
  const auth = `api_key=${emu.apiKey}&site_token=${emu.siteToken}`;
  const get = async (path) => JSON.parse(await (await fetch(`${emu.url}${path}?${auth}`, { headers: { accept: "application/json" } })).text());
  const getQ = async (path, q) => JSON.parse(await (await fetch(`${emu.url}${path}?${auth}&${q}`, { headers: { accept: "application/json" } })).text());
  const post = async (path, body) =>
    JSON.parse(await (await fetch(`${emu.url}${path}?${auth}`, {
      method: "POST", headers: { accept: "application/json", "content-type": "application/json" }, body: JSON.stringify(body),
    })).text());
  return {
    getChat: { client: () => client.getChat(CHAT), raw: () => get(`/chat/v1/chats/${CHAT}`) },
    listChats: { client: () => client.listChats({ limit: 20 }), raw: () => getQ("/chat/v1/chats", "limit=0,20") },
    listArchivedChats: { client: () => client.listArchivedChats({ limit: 20 }), raw: () => getQ("/chat/v1/archivedChats", "limit=0,20") },
    getFeed: { client: () => client.getFeed(CHAT, { limit: 50 }), raw: () => getQ(`/chat/v1/chats/${CHAT}/feed`, "limit=0,50") },
    listMessages: { client: () => client.listMessages(CHAT, { limit: 50 }), raw: () => getQ(`/chat/v1/chats/${CHAT}/messages`, "limit=50") },
    sendMessage: {
      client: () => client.sendMessage(CHAT, { content: "bench message" }),
      raw: () => post(`/chat/v1/chats/${CHAT}/messages`, { content: "bench message" }),
    },
  };
}

async function timed(fn, count, concurrency) {
  const latencies = [];
  let next = 0;
  async function worker() {
    while (next < count) {
      next += 1;
      const t0 = performance.now();
      await fn();
      latencies.push(performance.now() - t0);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return latencies;
}

/** Measures every operation; interleaves client and raw blocks so both see the same noise. */
export async function measureCalls({ rounds = 5, perRound = 200 } = {}) {
  const emu = await spawnEmulator();
  try {
    const ops = operations(emu);
    const rows = [];
    for (const concurrency of [1, 64]) {
      for (const [name, op] of Object.entries(ops)) {
        await timed(op.client, 50, concurrency);
        await timed(op.raw, 50, concurrency);
        const client = [], raw = [];
        for (let r = 0; r < rounds; r++) {
          client.push(...(await timed(op.client, perRound, concurrency)));
          raw.push(...(await timed(op.raw, perRound, concurrency)));
        }
        rows.push({
          name, concurrency,
          clientP50: percentile(client, 50), rawP50: percentile(raw, 50),
          clientP99: percentile(client, 99), rawP99: percentile(raw, 99),
        });
      }
    }
    return rows;
  } finally {
    await emu.close();
  }
}
