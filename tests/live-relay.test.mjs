// examples/live-relay in Miniflare (workerd, a Durable Object with hibernatable WebSockets) against the emulator,
// whose chat_message webhooks it relays; and client.watch({ relay }), which polls at once when the relay pushes,
// and falls back to its own interval when the relay is gone — with every message still seen exactly once.
import { describe, it, before, after, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { WebSocket } from "undici";
import { InvalidRequestError } from "gosquared-chat";
import { buildRelay, startRelay } from "../examples/live-relay/harness.mjs";
import { emulator, clientFor } from "./helpers.mjs";

const WEBHOOK_SECRET = "whsec_relay_0123456789abcdef";
const RELAY_TOKEN = "relay_token_0123456789";
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

/** A raw inbox: a WebSocket to the relay that collects what it is sent. */
async function listen(url) {
  const received = [];
  const socket = new WebSocket(url);
  socket.onmessage = (m) => received.push(JSON.parse(m.data));
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = reject;
  });
  return { received, close: () => socket.close() };
}

async function until(check, limitMs = 10_000, what = "the condition") {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > limitMs) assert.fail(`${what} never came true`);
    await pause(10);
  }
}

/** A WebSocket class that remembers its sockets, to check the watch closes its own. */
class TrackedWebSocket extends WebSocket {
  static all = [];
  constructor(...args) {
    super(...args);
    TrackedWebSocket.all.push(this);
  }
}

describe("the live relay", () => {
  let emu, relay, client, port;
  const controllers = [];
  const controlled = () => {
    const c = new AbortController();
    controllers.push(c);
    return c;
  };
  before(async () => {
    emu = await emulator({ seed: "10:2" });
    client = clientFor(emu);
    await buildRelay();
    relay = await startRelay({ webhookSecret: WEBHOOK_SECRET, relayToken: RELAY_TOKEN });
    port = Number(new URL(relay.url).port);
  });
  after(async () => {
    await relay?.dispose();
    await emu?.close();
  });
  beforeEach(async () => {
    emu.reset("10:2");
    await client.createWebhook({ url: relay.webhookUrl, name: "live relay" });
  });
  afterEach(() => {
    for (const c of controllers.splice(0)) c.abort();
  });

  it("numbers each webhook, sends it to every inbox, and replays the last 100 to one that reconnects", async () => {
    const a = await listen(relay.wsUrl);
    const b = await listen(relay.wsUrl);
    const first = emu.clientMessage("person-2", "Hello?");
    await until(() => a.received.length === 1 && b.received.length === 1, 5000, "the push");
    assert.deepEqual(a.received, b.received);
    const [event] = a.received;
    assert.equal(event.type, "chat_message");
    assert.equal(event.chatId, "person-2");
    assert.equal(event.messageId, first.id);
    const seq = event.seq;
    for (let i = 0; i < 120; i++) emu.clientMessage(`person-${3 + (i % 5)}`, `burst ${i}`);
    await emu.webhooksSettled();
    await until(() => a.received.length === 121, 5000, "the burst");
    const seqs = a.received.map((e) => e.seq);
    assert.deepEqual(seqs, Array.from({ length: 121 }, (_, i) => seq + i), "numbered one after another");
    // A reconnecting inbox asks for what came after the last number it saw: it gets exactly that.
    const late = await listen(`${relay.wsUrl}&after=${seq + 110}`);
    await until(() => late.received.length === 10, 5000, "the replay");
    assert.deepEqual(late.received.map((e) => e.seq), seqs.slice(111));
    // From further back than the buffer: the last 100.
    const far = await listen(`${relay.wsUrl}&after=0`);
    await until(() => far.received.length >= 100, 5000, "the long replay");
    await pause(100);
    assert.deepEqual(far.received.map((e) => e.seq), seqs.slice(-100));
    for (const inbox of [a, b, late, far]) inbox.close();
  });

  it("refuses webhooks without the secret, bodies that are not chat_message payloads, and inboxes without the token", async () => {
    const post = (url, body) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
    assert.equal((await post(`${relay.url}/gosquared/webhook?secret=wrong_secret_0123456789`, "{}")).status, 401);
    const bad = await post(relay.webhookUrl, JSON.stringify({ message: { id: "m_1" } }));
    assert.equal(bad.status, 400);
    assert.equal((await fetch(`${relay.url}/events?token=wrong`)).status, 401);
    const refused = new WebSocket(`${relay.url.replace(/^http/, "ws")}/events?token=wrong`);
    const outcome = await new Promise((resolve) => {
      refused.onopen = () => resolve("open");
      refused.onerror = () => resolve("refused");
    });
    assert.equal(outcome, "refused", "a WebSocket without the token is not accepted");
    assert.equal((await fetch(`${relay.url}/events?token=${RELAY_TOKEN}`)).status, 426);
  });

  it("watch({ relay }) polls as soon as the relay pushes: a message within a second, though its interval is a minute", async () => {
    const stop = controlled();
    const watcher = client.watch({ intervalMs: 60_000, relay: { url: relay.wsUrl, WebSocket }, signal: stop.signal });
    const seen = [];
    const reading = (async () => {
      for await (const e of watcher) if (e.type === "message") seen.push({ id: e.message.id, at: Date.now() });
    })();
    await until(() => watcher.stats?.polls === 0 && watcher.cursor !== undefined, 5000, "the start");
    await pause(300); // the socket is open
    const latencies = [];
    for (let i = 0; i < 3; i++) {
      await pause(1100); // beyond the wake gap: each push starts its own poll
      const written = Date.now();
      const message = emu.clientMessage("person-4", `ping ${i}`);
      await until(() => seen.some((m) => m.id === message.id), 5000, "the pushed message");
      latencies.push(seen.find((m) => m.id === message.id).at - written);
    }
    assert.ok(Math.max(...latencies) < 1000, `latencies ${latencies}`);
    assert.equal(seen.length, 3);
    stop.abort();
    await assert.rejects(reading);
  });

  it("falls back to polling when the relay goes away and back to pushes when it returns, every message once", async () => {
    TrackedWebSocket.all = [];
    const baseline = timers();
    const stop = controlled();
    const watcher = client.watch({
      intervalMs: 100, since: emu.store.now(), signal: stop.signal,
      relay: { url: relay.wsUrl, intervalMs: 60_000, WebSocket: TrackedWebSocket },
    });
    const seen = [];
    const reading = (async () => {
      for await (const e of watcher) if (e.type === "message") seen.push({ chatId: e.chatId, id: e.message.id });
    })();
    const written = [];
    const write = async (n) => {
      for (let i = 0; i < n; i++) {
        written.push(emu.clientMessage(`person-${2 + (written.length % 9)}`, `m${written.length}`).id);
        await pause(15);
      }
    };
    await write(20);
    await until(() => seen.length === written.length, 10_000, "the pushed phase");
    // The relay goes away: the watch rests its own 100 ms and keeps up by polling.
    await relay.dispose();
    await write(30);
    await until(() => seen.length === written.length, 10_000, "the polling phase");
    // It comes back on the same address; the watch reconnects (within its backoff) and is woken by pushes again.
    relay = await startRelay({ webhookSecret: WEBHOOK_SECRET, relayToken: RELAY_TOKEN, port });
    await until(() => TrackedWebSocket.all.at(-1).readyState === WebSocket.OPEN, 20_000, "the reconnect");
    await pause(200);
    const restBefore = watcher.stats.restMs;
    await write(20);
    await until(() => seen.length === written.length, 10_000, "the pushed phase again");
    assert.equal(restBefore, 60_000, "connected again: the relay's interval");
    const ids = seen.map((m) => m.id);
    assert.equal(new Set(ids).size, ids.length, "nothing twice");
    assert.deepEqual([...ids].sort(), [...written].sort(), "nothing lost");
    for (const chatId of new Set(seen.map((m) => m.chatId))) {
      const order = emu.store.messages(chatId).map((m) => m.id);
      const mine = seen.filter((m) => m.chatId === chatId).map((m) => m.id);
      assert.deepEqual(mine, order.filter((id) => mine.includes(id)), `order in ${chatId}`);
    }
    // Stopping closes the socket and leaves no timer.
    stop.abort();
    await assert.rejects(reading);
    await until(() => TrackedWebSocket.all.every((s) => s.readyState === WebSocket.CLOSED), 5000, "the sockets closing");
    assert.equal(timers(), baseline);
  });

  it("refuses bad relay options before any request", () => {
    emu.clearRequests();
    for (const relayOption of [
      "ws://x", { url: "http://relay.example/events" }, { url: "ws://relay.example/ events" }, { url: 5 },
      { url: "wss://relay.example/events", intervalMs: 5 }, { url: "wss://relay.example/events", WebSocket: "ws" },
      { url: "wss://relay.example/events", token: "x" },
    ]) {
      assert.throws(() => client.watch({ relay: relayOption }), InvalidRequestError, JSON.stringify(relayOption));
    }
    if (typeof globalThis.WebSocket !== "function") {
      assert.throws(() => client.watch({ relay: { url: "wss://relay.example/events" } }), /no WebSocket; pass relay.WebSocket/);
    }
    assert.equal(emu.requests.length, 0);
  });
});
