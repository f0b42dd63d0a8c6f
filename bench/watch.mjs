// What a watch costs and how soon it sees a message, at its default interval, against the emulator in this
// process (its 750/min budget on): requests per minute while the inbox is idle, and while customers keep ten
// chats busy (each written to every 2 s), as a share of the 750 units a minute; and the time from a customer's
// message to its event.
// Usage: node bench/watch.mjs [seconds per phase, default 60]
import { ChatClient } from "gosquared-chat";
import { startEmulator } from "gosquared-chat/emulator";

const seconds = Number(process.argv[2] ?? 60);
const emu = await startEmulator({ seed: "30:4" });
const client = new ChatClient({ apiKey: emu.apiKey, siteToken: emu.siteToken, baseUrl: emu.url });
const stop = new AbortController();
const watcher = client.watch({ signal: stop.signal });
const written = new Map();
const latencies = [];
const reading = (async () => {
  for await (const event of watcher) {
    const at = written.get(event.type === "message" ? event.message.id : undefined);
    if (at !== undefined) latencies.push(Date.now() - at);
  }
})().catch(() => {});

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
await pause(1000); // the start: where "now" is
async function phase(name, busy) {
  emu.clearRequests();
  latencies.length = 0;
  const timers = busy.map((chat, i) =>
    setTimeout(function write() {
      written.set(emu.clientMessage(chat, `busy ${Date.now()}`).id, Date.now());
      timers[i] = setTimeout(write, 2000);
    }, Math.random() * 2000),
  );
  await pause(seconds * 1000);
  for (const t of timers) clearTimeout(t);
  const perMinute = (emu.requests.length * 60) / seconds;
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const mean = sorted.reduce((a, b) => a + b, 0) / (sorted.length || 1);
  console.log(
    `${name}: ${perMinute.toFixed(1)} requests/min (${((perMinute / 750) * 100).toFixed(1)}% of 750)` +
      (sorted.length ? `; message → event: mean ${mean.toFixed(0)} ms, p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${sorted.at(-1)} ms (${sorted.length} messages)` : ""),
  );
}
await phase("idle", []);
await phase("10 busy chats", Array.from({ length: 10 }, (_, i) => `person-${i + 2}`));
console.log(`rest between polls at the end: ${watcher.stats.restMs} ms; polls ${watcher.stats.polls}, failures ${watcher.stats.failures}`);
stop.abort();
await reading;
await emu.close();
