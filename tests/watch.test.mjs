// client.watch() against the emulator: customers write into 50 chats at random while the watch polls; every
// message must come out exactly once, in order within its chat — across aborts and resumes from the cursor,
// through injected 429s, 5xx and dropped connections, and through the proxy. Aborting or leaving the loop
// must leave no timer and no listener behind.
import { describe, it, before, after, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { ChatClient, InvalidRequestError, AuthenticationError, createProxy } from "gosquared-chat";
import { startCustomers } from "gosquared-chat/emulator";
import { emulator, clientFor, assertNoKey, rejection, random, API_KEY, SITE_TOKEN } from "./helpers.mjs";

const CHATS = 50;
const controllers = [];
const controlled = () => {
  const controller = new AbortController();
  controllers.push(controller);
  return controller;
};


const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

/** Customers writing `count` messages into random chats of the emulator, a few at a time; resolves to their ids. */
async function customers(emu, count, seed) {
  const next = random(seed);
  const written = [];
  while (written.length < count) {
    for (let burst = Math.floor(next() * 4); burst >= 0 && written.length < count; burst--) {
      const chat = next() < 0.1 ? `newcomer-${written.length}` : `person-${2 + Math.floor(next() * (CHATS - 1))}`;
      written.push(emu.clientMessage(chat, `message ${written.length} to ${chat}`).id);
    }
    await pause(Math.floor(next() * 6));
  }
  return written;
}

/** Collects a watch's message events into `seen` until `done()` says so (or the watch ends). */
async function collect(watcher, seen, done = () => false) {
  for await (const event of watcher) {
    if (event.type === "message") seen.push({ chatId: event.chatId, id: event.message.id, time: event.message.timestamp });
    if (done()) break;
  }
}

/** Asserts: every written message seen once, nothing else seen, and each chat's messages in the store's order. */
function assertExactlyOnceInOrder(emu, written, seen) {
  const ids = seen.map((m) => m.id);
  const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
  assert.deepEqual(repeated, [], "no message seen twice");
  assert.deepEqual([...ids].sort(), [...written].sort(), "every message written seen, and no other");
  const byChat = new Map();
  for (const m of seen) byChat.set(m.chatId, [...(byChat.get(m.chatId) ?? []), m.id]);
  for (const [chatId, got] of byChat) {
    const stored = emu.store.messages(chatId).map((m) => m.id).filter((id) => got.includes(id));
    assert.deepEqual(got, stored, `the order within ${chatId}`);
  }
}

/** Waits until `seen` holds `count` messages, or fails after `limitMs`. */
async function until(seen, count, limitMs = 20_000) {
  const started = Date.now();
  while (seen.length < count) {
    if (Date.now() - started > limitMs) assert.fail(`only ${seen.length} of ${count} messages came`);
    await pause(10);
  }
}

describe("client.watch()", () => {
  let emu;
  let client;
  before(async () => {
    emu = await emulator({ seed: `${CHATS}:2` });
    client = clientFor(emu);
  });
  after(() => emu.close());
  beforeEach(() => emu.reset(`${CHATS}:2`));
  // A failed assertion must not leave a watch running: every controller a test makes is aborted after it.
  afterEach(() => {
    for (const controller of controllers.splice(0)) controller.abort();
  });

  it("sees every message customers write into 50 chats exactly once, in order within each chat", async () => {
    const seen = [];
    const stop = controlled();
    // From the emulator's clock now on: every message the customers write is new to the watch.
    const watcher = client.watch({ intervalMs: 20, signal: stop.signal, since: emu.store.now() });
    const reading = collect(watcher, seen);
    const writing = customers(emu, 400, 1);
    const written = await writing;
    await until(seen, written.length);
    stop.abort();
    await assert.rejects(reading, (e) => e.name === "AbortError");
    assertExactlyOnceInOrder(emu, written, seen);
    assert.ok(watcher.stats.polls > 1, `${watcher.stats.polls} polls: the writes spanned several`);
  });

  it("resumes from the cursor after an abort or a break, with nothing lost or repeated", async () => {
    const seen = [];
    const since = Date.UTC(2020, 0, 1); // before every message: the seeded ones count too
    const before = emu.store.dump().chats.flatMap((c) => c.feed.filter((i) => i.type === "message" && !i.private).map((i) => i.id));
    const writing = customers(emu, 300, 2);
    const next = random(3);
    let cursor = since;
    let runs = 0;
    let finished = false;
    writing.then(() => (finished = true));
    while (!finished || seen.length < before.length + 300) {
      runs += 1;
      const stop = controlled();
      // The cursor crosses a process boundary as JSON.
      const watcher = client.watch({ intervalMs: 15, pageSize: 7, since: typeof cursor === "number" ? cursor : JSON.parse(JSON.stringify(cursor)), signal: stop.signal });
      const target = Math.min(seen.length + 5 + Math.floor(next() * 60), before.length + 300);
      if (runs % 2 === 0) {
        // Leaving the loop (return()) stops it.
        await collect(watcher, seen, () => seen.length >= target);
      } else {
        // Aborting stops it wherever it is: mid-request, mid-sleep, or between a chat's events.
        const reading = collect(watcher, seen);
        while (seen.length < target && !(finished && seen.length >= before.length + 300)) await pause(2);
        stop.abort();
        await assert.rejects(reading, (e) => e.name === "AbortError");
      }
      cursor = watcher.cursor;
      assert.equal(typeof cursor.watermark, "number");
      assert.ok(runs < 200, "the watch did not catch up");
    }
    const written = await writing;
    assertExactlyOnceInOrder(emu, [...before, ...written], seen);
    assert.ok(runs >= 4, `${runs} runs`);
  });

  it("survives injected 429s, 5xx, dropped connections and timeouts, and catches up", async () => {
    const seen = [];
    const stop = controlled();
    // No retries inside a call: every fault reaches the watch, which must rest and ask again.
    const watcher = client.watch({ intervalMs: 10, maxRetries: 0, timeoutMs: 300, signal: stop.signal, since: emu.store.now() });
    const reading = collect(watcher, seen);
    const faults = [
      { match: { path: "/chat/v1/chats" }, status: 503, times: 3 },
      { match: { path: "/chat/v1/chats/*" }, status: 500, times: 4 },
      { status: 429, headers: { "retry-after": "0" }, times: 3 },
      { match: { path: "/chat/v1/archivedChats" }, reset: true, times: 2 },
      { match: { path: "/chat/v1/chats/*" }, html: true, status: 502, times: 2 },
      { match: { path: "/chat/v1/chats/*" }, truncate: true, times: 2 },
      { match: { method: "GET" }, hang: true, times: 1 },
    ];
    const next = random(4);
    const written = [];
    // Each kind of fault in turn, while customers write; after each, the watch must have caught up.
    for (const fault of [...faults, ...faults]) {
      emu.inject(fault);
      for (let i = 0; i < 10; i++) {
        const chat = `person-${2 + Math.floor(next() * (CHATS - 1))}`;
        written.push(emu.clientMessage(chat, `under fire ${written.length}`).id);
        if (i % 3 === 0) await pause(5);
      }
      await until(seen, written.length, 15_000);
    }
    stop.abort();
    await assert.rejects(reading);
    assertExactlyOnceInOrder(emu, written, seen);
    assert.ok(watcher.stats.failures >= 25, `${watcher.stats.failures} failures`);
    assert.ok(emu.requests.some((r) => r.status === 429) && emu.requests.some((r) => r.status >= 500));
  });

  it("rests longer as the budget runs low and comes back to its interval once it refills", async () => {
    emu.setRateLimit({ limit: 60, refillPerMinute: 600, cost: 1 });
    const stop = controlled();
    const watcher = client.watch({ intervalMs: 20, signal: stop.signal });
    const rests = [];
    const reading = collect(watcher, []);
    while (!rests.some((ms) => ms > 40)) {
      await pause(20);
      if (watcher.stats) rests.push(watcher.stats.restMs);
      assert.ok(rests.length < 500, `the rest never widened: ${rests.slice(-5)}`);
    }
    // Polls spent the budget below half; the rest widened. A full budget brings the interval back.
    emu.setRateLimit(false);
    const widened = watcher.stats.polls;
    const started = Date.now();
    while (watcher.stats.restMs !== 20 || watcher.stats.polls < widened + 2) {
      assert.ok(Date.now() - started < 10_000, "the rest never came back");
      await pause(20);
    }
    // No 429 was needed: the pacing kept the watch inside the budget.
    assert.equal(emu.requests.filter((r) => r.status === 429).length, 0);
    stop.abort();
    await assert.rejects(reading);
  });

  it("ends at once on abort or return(), with no timer or listener left", async () => {
    const baseline = timers();
    const stop = controlled();
    // A long interval: the watch is asleep when it is stopped, and must not wait its sleep out.
    const watcher = client.watch({ intervalMs: 600_000, signal: stop.signal });
    const pending = watcher.next();
    await pause(100);
    assert.equal(getEventListeners(stop.signal, "abort").length, 1, "one listener while it runs");
    assert.ok(timers() > baseline, "asleep on a timer");
    const started = Date.now();
    stop.abort(new Error("user left"));
    await assert.rejects(pending, /user left/);
    assert.ok(Date.now() - started < 1000);
    assert.equal(getEventListeners(stop.signal, "abort").length, 0, "the listener is removed");
    assert.equal(timers(), baseline, "no timer left");
    assert.deepEqual(await watcher.next(), { done: true, value: undefined });

    const other = controlled();
    const second = client.watch({ intervalMs: 600_000, signal: other.signal });
    const waiting = second.next();
    await pause(100);
    const returned = await second.return();
    assert.deepEqual(returned, { done: true, value: undefined });
    assert.deepEqual(await waiting, { done: true, value: undefined }, "a pending next() ends with the watch");
    assert.equal(getEventListeners(other.signal, "abort").length, 0);
    assert.equal(timers(), baseline);
    assert.equal(typeof second.cursor.watermark, "number", "the cursor outlives the watch");

    // An already aborted signal: nothing is sent.
    emu.clearRequests();
    const aborted = AbortSignal.abort(new Error("too late"));
    await assert.rejects(client.watch({ signal: aborted }).next(), /too late/);
    assert.equal(emu.requests.length, 0);
  });

  it("hands out chat events for new, archived and unarchived chats, and notes as messages", async () => {
    const stop = controlled();
    const watcher = client.watch({ intervalMs: 15, signal: stop.signal });
    const events = [];
    const reading = (async () => {
      for await (const e of watcher) events.push(e);
    })();
    await pause(60);
    emu.clientMessage("brand-new", "hello?");
    await waitForEvents(events, 2);
    emu.store.archive("person-3");
    await waitForEvents(events, 3);
    await client.addNote("person-4", { content: "VIP customer" });
    await waitForEvents(events, 5);
    emu.clientMessage("person-3", "are you there?");
    await waitForEvents(events, 7);
    stop.abort();
    await assert.rejects(reading);
    const shape = events.map((e) => [e.type, e.chatId, e.type === "chat" ? e.archived : e.message.content]);
    assert.deepEqual(shape, [
      ["chat", "brand-new", false],
      ["message", "brand-new", "hello?"],
      ["chat", "person-3", true],
      ["chat", "person-4", false],
      ["message", "person-4", "VIP customer"],
      ["chat", "person-3", false],
      ["message", "person-3", "are you there?"],
    ]);
    assert.equal(events[4].message.private, true);
    assert.equal(events[0].chat.id, "brand-new");
    assert.equal(events[2].chat.archived, true);
  });

  it("refuses bad options with InvalidRequestError before any request", async () => {
    emu.clearRequests();
    const bad = [
      "soon", { intervalMs: 5 }, { intervalMs: 1.5 }, { intervalMs: "1000" }, { archived: "yes" }, { pageSize: 251 },
      { since: "yesterday" }, { since: -1 }, { since: { v: 2, watermark: 0, chats: [] } }, { since: { v: 1, chats: [] } },
      { since: { v: 1, watermark: 0, chats: [{ id: "a", at: 5 }] } }, { since: { v: 1, watermark: 0, chats: [{ id: "a" }, { id: "a" }] } },
      { since: { v: 1, watermark: 0, chats: [{ id: "" }] } }, { since: { v: 1, watermark: 0, chats: {} } }, { signal: {} },
      { timeoutMs: 0 }, { maxRetries: 11 }, { interval: 1000 },
    ];
    for (const options of bad) {
      assert.throws(() => client.watch(options), InvalidRequestError, JSON.stringify(options));
    }
    assert.equal(emu.requests.length, 0);
  });

  it("ends with AuthenticationError when the key is refused, the key kept out of it", async () => {
    const refused = new ChatClient({ apiKey: `${API_KEY}-revoked`, siteToken: SITE_TOKEN, baseUrl: emu.url });
    const error = await rejection(refused.watch({ intervalMs: 10 }).next());
    assert.ok(error instanceof AuthenticationError, String(error));
    assertNoKey(error, `${API_KEY}-revoked`);
  });

  it("works through the proxy with only the three read operations allowed", async () => {
    const proxy = createProxy({
      apiKey: API_KEY, siteToken: SITE_TOKEN, baseUrl: emu.url, prefix: "/api/chat",
      allow: ["listChats", "listArchivedChats", "getFeed"], authorize: () => true,
    });
    const browser = new ChatClient({
      baseUrl: "http://dashboard.local/api/chat", siteToken: "GSN-browser",
      fetch: (url, init) => proxy(new Request(url, init)),
    });
    const stop = controlled();
    const seen = [];
    const reading = collect(browser.watch({ intervalMs: 15, signal: stop.signal }), seen);
    await pause(60);
    const written = await customers(emu, 40, 5);
    await until(seen, written.length);
    stop.abort();
    await assert.rejects(reading);
    assertExactlyOnceInOrder(emu, written, seen);
  });

  it("runs the demo customers the CLI offers: a message every few milliseconds, webhooks delivered", async () => {
    const stop = controlled();
    const seen = [];
    const reading = collect(client.watch({ intervalMs: 15, signal: stop.signal }), seen);
    await pause(60);
    const writer = startCustomers(emu, { everyMs: 10, seed: 7 });
    await until(seen, 20);
    writer.stop();
    const written = emu.store.dump().chats.flatMap((c) => c.feed.filter((i) => i.type === "message" && i.content.startsWith("Customer message")).map((i) => i.id));
    await until(seen, written.length);
    stop.abort();
    await assert.rejects(reading);
    assertExactlyOnceInOrder(emu, written, seen);
  });
});

async function waitForEvents(events, count) {
  const started = Date.now();
  while (events.length < count) {
    if (Date.now() - started > 10_000) assert.fail(`only ${events.length} events: ${JSON.stringify(events.map((e) => [e.type, e.chatId]))}`);
    await pause(5);
  }
}
