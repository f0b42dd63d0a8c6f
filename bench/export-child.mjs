// One export in its own process, by the package (`client`) or by a hand-written JS promise pool (`pool`)
// doing the same requests with the same concurrency and writing the same NDJSON; prints its cost as JSON.
//   node export-child.mjs <client|pool> <baseUrl> <apiKey> <siteToken> <concurrency>
import { ChatClient } from "gosquared-chat";

const [mode, baseUrl, apiKey, siteToken, concurrencyText] = process.argv.slice(2);
const concurrency = Number(concurrencyText);
const encoder = new TextEncoder();
let bytes = 0;
let lines = 0;

async function viaClient() {
  const client = new ChatClient({ apiKey, siteToken, baseUrl });
  for await (const chunk of client.exportChats({ concurrency })) {
    bytes += chunk.byteLength;
    // Counted with the native indexOf: a byte-by-byte loop here would bill the harness's own work to the client.
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  }
}

async function viaPool() {
  const auth = `api_key=${encodeURIComponent(apiKey)}&site_token=${encodeURIComponent(siteToken)}`;
  const getJson = async (path, query) => {
    const res = await fetch(`${baseUrl}${path}?${auth}&${query}`, { headers: { accept: "application/json" } });
    if (!res.ok) throw new Error(`HTTP ${res.status} for ${path}`);
    return res.json();
  };
  const write = (value) => {
    bytes += encoder.encode(`${JSON.stringify(value)}\n`).byteLength;
    lines++;
  };
  const queue = [];
  let listOffset = 0;
  let listDone = false;
  let listing = null;
  async function nextChat() {
    while (queue.length === 0 && !listDone) {
      listing ??= getJson("/chat/v1/chats", `limit=${listOffset},250`).then((page) => {
        queue.push(...page.list);
        listOffset += page.list.length;
        if (page.list.length < 250) listDone = true;
        listing = null;
      });
      await listing;
    }
    return queue.shift();
  }
  let chats = 0, items = 0;
  async function worker() {
    for (let chat = await nextChat(); chat; chat = await nextChat()) {
      const chatId = chat.id;
      write({ type: "chat", chatId, chat });
      for (let offset = 0; ; offset += 250) {
        const page = await getJson(`/chat/v1/chats/${encodeURIComponent(chatId)}/feed`, `limit=${offset},250`);
        for (const item of page.list) write({ type: "item", chatId, item });
        items += page.list.length;
        if (page.list.length < 250) break;
      }
      chats++;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  write({ type: "summary", chatsDone: chats, items, bytes, errors: 0 });
}

const t0 = performance.now();
await (mode === "client" ? viaClient() : viaPool());
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ mode, lines, bytes, seconds, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
