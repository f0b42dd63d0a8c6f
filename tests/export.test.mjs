// client.exportChats against the emulator: completeness and order, archived chats and time windows, faults
// (a chat that keeps failing, transient 429/503), fatal failures, pacing from the rate-limit budget,
// back-pressure, cancellation through a signal and through the stream, and option checks.
import { describe, it, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { AuthenticationError, InvalidRequestError, ServerError } from "gosquared-chat";
import { emulator, clientFor, apiRequests, assertNoKey, rejection, API_KEY } from "./helpers.mjs";

/** Reads a whole export and parses its lines. */
async function readLines(stream) {
  const text = await new Response(stream).text();
  assert.ok(text.endsWith("\n"), "every line ends with a newline");
  return text.slice(0, -1).split("\n").map((line) => JSON.parse(line));
}

/** Checks an export against the emulator's store: each chat once, before its items, which come once and in order. */
function assertComplete(lines, store, chatIds, { feed = (id) => store.feed(id), chatsDone = chatIds.length } = {}) {
  const summary = lines.at(-1);
  assert.equal(summary.type, "summary");
  assert.equal(lines.filter((l) => l.type === "summary").length, 1, "one summary, last");
  const chatLines = lines.filter((l) => l.type === "chat");
  assert.deepEqual(chatLines.map((l) => l.chatId).sort(), [...chatIds].sort(), "every chat exactly once");
  let itemCount = 0;
  for (const id of chatIds) {
    const chatAt = lines.findIndex((l) => l.type === "chat" && l.chatId === id);
    assert.deepEqual(lines[chatAt].chat, store.getChat(id));
    const positions = [];
    const items = [];
    lines.forEach((l, i) => {
      if (l.type === "item" && l.chatId === id) {
        positions.push(i);
        items.push(l.item);
      }
    });
    assert.deepEqual(items, feed(id), `the feed of ${id}, in the API's order`);
    assert.ok(positions.every((p) => p > chatAt), `the chat line of ${id} comes before its items`);
    itemCount += items.length;
  }
  assert.equal(lines.filter((l) => l.type === "item").length, itemCount, "no item of an unexpected chat");
  assert.equal(summary.items, itemCount);
  assert.equal(summary.chatsDone, chatsDone);
  return summary;
}

describe("exportChats", () => {
  let emu, client;
  before(async () => {
    emu = await emulator({ seed: "12:7" });
    client = clientFor(emu, { maxRetries: 2 });
  });
  after(() => emu.close());
  beforeEach(() => {
    emu.reset("12:7");
    emu.setRateLimit(false);
  });

  const openIds = () => emu.store.listChats().map((c) => c.id);

  it("writes every chat once, then its feed once and in order, across pages, with a summary and progress", async () => {
    emu.store.addNote("person-4", { content: "Refund issued" });
    emu.store.archive("person-5");
    emu.store.unarchive("person-5");
    const progress = [];
    const lines = await readLines(client.exportChats({ pageSize: 3, concurrency: 3, onProgress: (p) => progress.push(p) }));
    const summary = assertComplete(lines, emu.store, openIds());
    assert.ok(lines.some((l) => l.type === "item" && l.item.private === true), "notes are exported");
    assert.ok(lines.some((l) => l.type === "item" && l.item.type === "event"), "events are exported");
    assert.deepEqual(summary, { type: "summary", chatsDone: 12, chatsTotal: 12, items: 12 * 7 + 3, bytes: summary.bytes, errors: 0 });
    const bytesBeforeSummary = Buffer.byteLength(lines.slice(0, -1).map((l) => JSON.stringify(l) + "\n").join(""));
    assert.equal(summary.bytes, bytesBeforeSummary);
    const last = progress.at(-1);
    assert.deepEqual(last, { chatsDone: 12, chatsTotal: 12, items: summary.items, bytes: bytesBeforeSummary + Buffer.byteLength(JSON.stringify(summary) + "\n"), errors: 0 });
    for (let i = 1; i < progress.length; i++) {
      for (const key of ["chatsDone", "items", "bytes"]) assert.ok(progress[i][key] >= progress[i - 1][key], `${key} never goes down`);
    }
    // Pages of three: 4 pages of chats, 3 feed pages for each 7-item chat (the 8- and 9-item chats take 3 as well).
    const paths = apiRequests(emu).map((r) => r.path);
    assert.equal(paths.filter((p) => p === "/chat/v1/chats").length, 4, "chat pages at 0, 3, 6 and 9; the cardinality ends the list");
    assert.ok(apiRequests(emu).every((r) => r.query.limit.endsWith(",3")));
  });

  it("adds archived chats only when asked", async () => {
    emu.store.archive("person-2");
    emu.store.archive("person-3");
    const open = await readLines(client.exportChats({ concurrency: 2 }));
    assertComplete(open, emu.store, openIds());
    assert.ok(!open.some((l) => l.chatId === "person-2"));
    const all = await readLines(client.exportChats({ includeArchived: true, concurrency: 2, pageSize: 5 }));
    const summary = assertComplete(all, emu.store, [...openIds(), "person-2", "person-3"]);
    assert.equal(summary.chatsTotal, 12);
  });

  it("keeps items within from and to, and chats active since from", async () => {
    const from = 1700000000000 + 30_000;
    const to = 1700000000000 + 60_000;
    const lines = await readLines(client.exportChats({ from: new Date(from), to: new Date(to).toISOString(), pageSize: 4 }));
    const active = emu.store.listChats({ from }).map((c) => c.id);
    assert.ok(active.length > 0 && active.length < 12);
    assertComplete(lines, emu.store, active, { feed: (id) => emu.store.feed(id, { from, to }) });
    assert.ok(lines.filter((l) => l.type === "item").every((l) => l.item.timestamp >= from && l.item.timestamp <= to));
  });

  it("exports the chats it is given, with an error line for one that does not exist", async () => {
    const lines = await readLines(client.exportChats({ chatIds: ["person-2", "nobody", "email:ada@example.com"] }));
    const errors = lines.filter((l) => l.type === "error");
    assert.equal(errors.length, 1);
    assert.equal(errors[0].chatId, "nobody");
    assert.equal(errors[0].error.name, "NotFoundError");
    assert.equal(errors[0].error.status, 404);
    const summary = assertComplete(lines, emu.store, ["person-2", "email:ada@example.com"], { chatsDone: 3 });
    assert.equal(summary.errors, 1);
    assert.equal(summary.chatsTotal, 3);
  });

  it("isolates a chat whose feed keeps failing: an error line, and the export goes on", async () => {
    emu.inject({ match: { method: "GET", path: "/chat/v1/chats/person-7/feed" }, status: 500, times: 100 });
    const lines = await readLines(client.exportChats({ pageSize: 5, concurrency: 3 }));
    const errors = lines.filter((l) => l.type === "error");
    assert.equal(errors.length, 1);
    assert.equal(errors[0].chatId, "person-7");
    assert.equal(errors[0].itemsWritten, 0);
    assert.equal(errors[0].error.name, "ServerError");
    assert.equal(errors[0].error.status, 500);
    assert.equal(errors[0].error.attempts, 3, "retried twice first");
    assertNoKey(errors[0].error, API_KEY);
    assert.ok(!JSON.stringify(lines).includes(encodeURIComponent(API_KEY)));
    const others = openIds().filter((id) => id !== "person-7");
    const summary = assertComplete(lines.filter((l) => l.chatId !== "person-7" || l.type === "chat"), emu.store, [...others, "person-7"], {
      feed: (id) => (id === "person-7" ? [] : emu.store.feed(id)),
    });
    assert.equal(summary.errors, 1);
  });

  it("records how far a chat got when a later page of its feed fails", async () => {
    emu.inject({ match: { method: "GET", path: "/chat/v1/chats/person-3/feed" }, times: 1, process: true, delayMs: 0 });
    // The first page (offset 0) passes through the fault above unchanged; every later page fails.
    emu.inject({ match: { method: "GET", path: "/chat/v1/chats/person-3/feed" }, status: 503, times: 100 });
    const lines = await readLines(client.exportChats({ chatIds: ["person-3"], pageSize: 4 }));
    assert.deepEqual(lines.filter((l) => l.type === "item").map((l) => l.item), emu.store.feed("person-3").slice(0, 4));
    const [error] = lines.filter((l) => l.type === "error");
    assert.equal(error.itemsWritten, 4);
    assert.equal(error.error.name, "ServerError");
    assert.deepEqual(lines.at(-1), { type: "summary", chatsDone: 1, chatsTotal: 1, items: 4, bytes: lines.at(-1).bytes, errors: 1 });
  });

  it("retries transient 429 and 503 answers on lists and feeds, losing and repeating nothing", async () => {
    emu.inject({ match: { method: "GET", path: "/chat/v1/chats" }, status: 503, times: 1 });
    emu.inject({ match: { path: "/chat/v1/chats/person-2/feed" }, status: 429, headers: { "Retry-After": "0" }, times: 2 });
    emu.inject({ match: { path: "/chat/v1/chats/person-9/feed" }, status: 503, times: 1 });
    emu.inject({ match: { path: "/chat/v1/chats/email%3Aada%40example.com/feed" }, reset: true, times: 1 });
    const lines = await readLines(client.exportChats({ pageSize: 5, concurrency: 4 }));
    assert.equal(lines.filter((l) => l.type === "error").length, 0);
    assertComplete(lines, emu.store, openIds());
    const statuses = apiRequests(emu).map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 429).length, 2);
    assert.equal(statuses.filter((s) => s === 503).length, 2);
  });

  it("fails the whole export when the chat list fails for good, or when the key is refused", async () => {
    emu.inject({ match: { method: "GET", path: "/chat/v1/chats" }, status: 500, times: 100 });
    const listFailure = await rejection(new Response(client.exportChats()).text());
    assert.ok(listFailure instanceof ServerError);
    assertNoKey(listFailure);
    emu.clearFaults();
    emu.inject({ match: { path: "/chat/v1/chats/person-6/feed" }, status: 401, times: 1 });
    const keyFailure = await rejection(new Response(client.exportChats({ concurrency: 1 })).text());
    assert.ok(keyFailure instanceof AuthenticationError);
    assertNoKey(keyFailure);
  });

  it("paces itself from the rate-limit budget instead of collecting 429s", async () => {
    emu.reset("40:2");
    // A budget of 20 that refills 20 a second: the 41 requests of this export cannot all fit at once.
    emu.setRateLimit({ limit: 20, refillPerMinute: 1200, cost: 1 });
    const lines = await readLines(client.exportChats({ concurrency: 4 }));
    assertComplete(lines, emu.store, openIds());
    const requests = apiRequests(emu);
    assert.equal(requests.length, 41);
    assert.deepEqual(requests.filter((r) => r.status === 429).map((r) => r.path), [], "no request was refused");
    assert.equal(client.rateLimit.limit, 20);
  });

  it("reads ahead only a bounded amount while the reader is not reading", async () => {
    emu.reset("300:7");
    const stream = client.exportChats({ concurrency: 4 });
    const reader = stream.getReader();
    const first = await reader.read();
    assert.ok(first.value.byteLength > 0);
    // Let the export run until it is held back: the request count stops moving.
    let seen = -1;
    while (apiRequests(emu).length !== seen) {
      seen = apiRequests(emu).length;
      await delay(150);
    }
    assert.ok(seen < 80, `only a bounded read-ahead was fetched (${seen} of 302 requests)`);
    const rest = [first.value];
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest.push(value);
    }
    const text = Buffer.concat(rest).toString("utf8");
    const lines = text.trimEnd().split("\n").map((l) => JSON.parse(l));
    assertComplete(lines, emu.store, openIds());
  });

  /** A client whose fetch counts the requests it starts. */
  function countingClient() {
    const counter = { started: 0 };
    counter.client = clientFor(emu, {
      fetch: (url, init) => {
        counter.started++;
        return fetch(url, init);
      },
    });
    return counter;
  }

  it("never has more than `concurrency` requests in flight, chat list pages included", async () => {
    emu.reset("30:4");
    let inFlight = 0;
    let most = 0;
    const slow = clientFor(emu, {
      fetch: async (url, init) => {
        most = Math.max(most, ++inFlight);
        try {
          await delay(2);
          return await fetch(url, init);
        } finally {
          inFlight--;
        }
      },
    });
    const lines = await readLines(slow.exportChats({ concurrency: 3, pageSize: 4 }));
    assertComplete(lines, emu.store, openIds());
    assert.equal(most, 3);
  });

  it("stops at once when the signal aborts: the stream errors with the reason and no request follows", async () => {
    emu.reset("60:3");
    const counter = countingClient();
    const controller = new AbortController();
    const reason = new Error("stop the export");
    let progressCalls = 0;
    const stream = counter.client.exportChats({ signal: controller.signal, concurrency: 3, pageSize: 2, onProgress: () => progressCalls++ });
    const reader = stream.getReader();
    await reader.read();
    controller.abort(reason);
    let error;
    try {
      for (;;) if ((await reader.read()).done) break;
    } catch (e) {
      error = e;
    }
    assert.equal(error, reason);
    const started = counter.started;
    const callsAtStop = progressCalls;
    await delay(700);
    assert.equal(counter.started, started, "no request after the stream errored");
    assert.equal(progressCalls, callsAtStop, "no progress after the stream errored");
    assert.ok(started < 60 + 30, "the export did not finish");
  });

  it("makes no request when the signal has already aborted", async () => {
    const controller = new AbortController();
    controller.abort(new Error("too late"));
    const error = await rejection(new Response(client.exportChats({ signal: controller.signal })).text());
    assert.equal(error.message, "too late");
    assert.equal(apiRequests(emu).length, 0);
  });

  it("stops when the reader cancels the stream: cancel resolves once the export has stopped", async () => {
    emu.reset("60:3");
    emu.inject({ match: { path: "/chat/v1/chats/*" }, delayMs: 30, times: 1000 });
    const counter = countingClient();
    const stream = counter.client.exportChats({ concurrency: 3 });
    const reader = stream.getReader();
    await reader.read();
    await reader.cancel(new Error("enough"));
    const started = counter.started;
    await delay(500);
    assert.equal(counter.started, started, "no request after cancel resolved");
    assert.ok(started < 61);
  });

  it("ends the export with the error an onProgress callback throws", async () => {
    emu.reset("200:3");
    emu.inject({ match: { path: "/chat/v1/chats/*" }, delayMs: 5, times: 1000 });
    const oops = new Error("progress bar broke");
    const error = await rejection(new Response(client.exportChats({ onProgress: () => { throw oops; } })).text());
    assert.equal(error, oops);
  });

  it("refuses bad options before any request, synchronously", () => {
    const bad = [
      [{ concurency: 2 }, /unknown key "concurency"/],
      [{ concurrency: 0 }, /concurrency must be an integer from 1 to 8/],
      [{ concurrency: 9 }, /concurrency/],
      [{ pageSize: 251 }, /pageSize must be an integer from 1 to 250/],
      [{ pageSize: 2.5 }, /pageSize/],
      [{ includeArchived: "yes" }, /includeArchived must be a boolean/],
      [{ onProgress: 5 }, /onProgress must be a function/],
      [{ signal: {} }, /signal must be an AbortSignal/],
      [{ from: "yesterday" }, /from must be/],
      [{ from: 2000, to: 1000 }, /from must not be later than to/],
      [{ chatIds: "person-2" }, /chatIds must be an array/],
      [{ chatIds: ["a", ""] }, /chatId/],
      [{ chatIds: ["a", "b", "a"] }, /chatIds lists "a" twice/],
      [{ chatIds: ["a"], includeArchived: true }, /includeArchived cannot be combined with chatIds/],
      [{ maxRetries: 11 }, /maxRetries/],
      ["all", /options must be an object/],
    ];
    for (const [options, message] of bad) {
      assert.throws(() => client.exportChats(options), (e) => e instanceof InvalidRequestError && message.test(e.message), JSON.stringify(options));
    }
    assert.equal(apiRequests(emu).length, 0);
  });
});
