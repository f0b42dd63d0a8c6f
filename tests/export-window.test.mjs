// exportChats({ since }) and exportChats({ resume }) against the emulator: incremental runs with customers
// and agents writing in between, and runs killed at random points (several seeds) while the chat list moves
// (new messages, archive and unarchive, new chats) and resumed from their last checkpoint. The store is
// changed from inside the client's fetch, every few requests, so what happens does not depend on speed.
import { describe, it, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { InvalidRequestError, ChatClient, readExportLines } from "gosquared-chat";
import { emulator, clientFor, apiRequests, rejection, API_KEY } from "./helpers.mjs";

/** A small deterministic random source. */
function random(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

/** One change to the store, as customers and agents make them: a message, a note, an archive or unarchive, a new chat. */
function change(store, rand, n) {
  const ids = [...store.chats.keys()];
  const id = ids[Math.floor(rand() * ids.length)];
  const roll = rand();
  if (roll < 0.15) store.clientMessage(`visitor-${n}`, `hello ${n}`);
  else if (roll < 0.3) store.archive(id) || store.unarchive(id);
  else if (roll < 0.4) store.addNote(id, { content: `note ${n}` });
  else store.addMessage(id, { content: `reply ${n}`, from: rand() < 0.5 ? "client" : "agent" });
}

/** A fetch that changes the store before one request in `every` (chosen by `rand`). */
function churningFetch(store, rand, every) {
  let n = 0;
  return (input, init) => {
    n += 1;
    if (every > 0 && rand() < 1 / every) change(store, rand, n);
    return fetch(input, init);
  };
}

/** Every item stamped from `since` to `to`, as `chatId item.id` keys. */
function windowItems(store, since, to) {
  const keys = new Set();
  for (const id of store.chats.keys()) {
    for (const item of store.feed(id, { from: since, to })) keys.add(`${id} ${item.id}`);
  }
  return keys;
}

/** Reads an export's lines; with `killAfter`, stops reading (and cancels the stream) after that many lines. */
async function read(stream, killAfter = Infinity) {
  const lines = [];
  for await (const line of readExportLines(stream)) {
    lines.push(line);
    if (lines.length >= killAfter) break; // leaving the loop cancels the stream, as a killed process would stop
  }
  return lines;
}

const items = (lines) => lines.filter((l) => l.type === "item").map((l) => `${l.chatId} ${l.item.id}`);

describe("exportChats with since and resume", () => {
  let emu, client;
  before(async () => {
    emu = await emulator({ seed: "30:6" });
    client = clientFor(emu, { maxRetries: 2 });
  });
  after(() => emu.close());
  beforeEach(() => {
    emu.reset("30:6");
    emu.setRateLimit(false);
  });

  it("exports only what changed since the last watermark, run after run, with customers and agents writing in between", async () => {
    const rand = random(7);
    const all = new Map(); // chatId item.id → how many runs wrote it
    let since = 0;
    for (let run = 0; run < 4; run += 1) {
      const progress = [];
      const lines = await read(client.exportChats({ since, includeArchived: true, pageSize: 7, onProgress: (p) => progress.push(p) }));
      const summary = lines.at(-1);
      assert.equal(summary.type, "summary");
      assert.equal(summary.errors, 0);
      assert.equal(typeof summary.watermark, "number");
      assert.equal(progress.at(-1).watermark, summary.watermark, "onProgress reports the watermark");
      assert.equal(typeof progress.at(-1).checkpoint, "string", "and the last checkpoint");
      assert.ok(lines.some((l) => l.type === "checkpoint"), "checkpoint lines");
      const got = items(lines);
      assert.equal(new Set(got).size, got.length, "no item twice in a run");
      // Exactly the items stamped from `since` up to the run's watermark (the run's fixed `to`).
      assert.deepEqual(new Set(got), windowItems(emu.store, since, summary.watermark));
      assert.ok(lines.filter((l) => l.type === "item").every((l) => l.item.timestamp >= since));
      for (const key of got) all.set(key, (all.get(key) ?? 0) + 1);
      if (run > 0) {
        // Only the chats that changed: the watermark's own millisecond is read again (it is inclusive).
        const changed = new Set([...windowItems(emu.store, since, summary.watermark)].map((k) => k.split(" ")[0]));
        assert.deepEqual(new Set(lines.filter((l) => l.type === "chat").map((l) => l.chatId)), changed);
        assert.ok(got.length < 40, `an incremental run is small: ${got.length} items`);
      }
      since = summary.watermark;
      for (let n = 0; n < 12; n += 1) change(emu.store, rand, 1000 * run + n);
    }
    // The union of the runs is the store, up to the last watermark; an item twice only at a watermark's millisecond.
    assert.deepEqual(new Set(all.keys()), windowItems(emu.store, 0, since));
    const twice = [...all].filter(([, n]) => n > 1).length;
    assert.ok(twice <= 3, `items at a watermark's own millisecond are read again: ${twice}`);
  });

  it("resumes runs killed at random points while the chat list moves: every item once, except in chats marked as repeats", async (t) => {
    let repeats = 0;
    let resumed = 0;
    const seeds = [1, 2, 3, 4, 5, 6, 7, 8];
    for (const seed of seeds) {
      emu.reset("40:5");
      const rand = random(seed);
      const churned = new ChatClient({ apiKey: API_KEY, siteToken: "GSN-424242-Z", baseUrl: emu.url, fetch: churningFetch(emu.store, rand, 3) });
      const first = await read(churned.exportChats({ since: 0, includeArchived: true, pageSize: 6, concurrency: 3 }), 20 + Math.floor(rand() * 180));
      const checkpoint = first.findLast((l) => l.type === "checkpoint")?.checkpoint;
      assert.ok(checkpoint, `seed ${seed}: a checkpoint came early`);
      const second = await read(churned.exportChats({ resume: checkpoint, pageSize: 6, concurrency: 3 }));
      const summary = second.at(-1);
      assert.equal(summary.type, "summary", `seed ${seed}: the resumed run completes`);
      const repeated = new Set(second.filter((l) => l.type === "chat" && l.repeat === true).map((l) => l.chatId));
      const count = new Map();
      for (const key of [...items(first), ...items(second)]) count.set(key, (count.get(key) ?? 0) + 1);
      for (const [key, n] of count) {
        assert.ok(n === 1 || repeated.has(key.split(" ")[0]), `seed ${seed}: ${key} written ${n} times, its chat not marked`);
      }
      const chatLines = new Map();
      for (const l of [...first, ...second]) if (l.type === "chat") chatLines.set(l.chatId, (chatLines.get(l.chatId) ?? 0) + 1);
      for (const [id, n] of chatLines) assert.ok(n === 1 || repeated.has(id), `seed ${seed}: chat ${id} twice, not marked`);
      // Everything of the original run's window is there: the items up to its fixed `to`, in every chat.
      assert.deepEqual(new Set(count.keys()), windowItems(emu.store, 0, summary.watermark), `seed ${seed}: the union is the window`);
      repeats += repeated.size;
      resumed += 1;
    }
    t.diagnostic(`${resumed} runs killed and resumed while the list moved: ${repeats} chats marked as repeats in all`);
    console.log(`# export resume: ${resumed} killed runs resumed, ${repeats} repeated chats (in flight, or moved during the killed run)`);
  });

  it("a run that is not killed exports the window once while the list moves (keyset paging and the catch-up)", async () => {
    for (const seed of [11, 12, 13]) {
      emu.reset("40:5");
      const rand = random(seed);
      const churned = new ChatClient({ apiKey: API_KEY, siteToken: "GSN-424242-Z", baseUrl: emu.url, fetch: churningFetch(emu.store, rand, 2) });
      const lines = await read(churned.exportChats({ since: 0, includeArchived: true, pageSize: 5, concurrency: 4 }));
      const summary = lines.at(-1);
      const got = items(lines);
      assert.equal(new Set(got).size, got.length, `seed ${seed}: no item twice`);
      assert.deepEqual(new Set(got), windowItems(emu.store, 0, summary.watermark), `seed ${seed}: nothing missed`);
      const chats = lines.filter((l) => l.type === "chat").map((l) => l.chatId);
      assert.equal(new Set(chats).size, chats.length, `seed ${seed}: every chat once`);
      assert.ok(!lines.some((l) => l.repeat), "no repeats without a resume");
    }
  });

  it("refuses bad and foreign checkpoints and conflicting options before any request", async () => {
    const lines = await read(client.exportChats({ since: 0 }), 3);
    const checkpoint = lines.find((l) => l.type === "checkpoint")?.checkpoint;
    assert.equal(typeof checkpoint, "string");
    assert.ok(checkpoint.length < 200, `a checkpoint is small: ${checkpoint.length}`);
    const before = apiRequests(emu).length;
    const other = clientFor(emu, { siteToken: "GSN-111111-A" });
    const bad = [
      () => other.exportChats({ resume: checkpoint }),
      () => client.exportChats({ resume: checkpoint.replace(/,(\d)(\d*),/, (m, a, b) => `,${(Number(a) + 1) % 10}${b},`) }),
      () => client.exportChats({ resume: "nonsense" }),
      () => client.exportChats({ resume: { checkpoint } }),
      () => client.exportChats({ resume: checkpoint, since: 0 }),
      () => client.exportChats({ resume: checkpoint, includeArchived: true }),
      () => client.exportChats({ since: 0, from: 5 }),
      () => client.exportChats({ since: 0, chatIds: ["a"] }),
      () => client.exportChats({ since: "yesterday" }),
      () => client.exportChats({ since: -1 }),
    ];
    for (const make of bad) assert.throws(make, InvalidRequestError);
    const error = await rejection(Promise.resolve().then(() => client.exportChats({ resume: "x".repeat(100_000) })));
    assert.ok(error instanceof InvalidRequestError);
    assert.ok(!error.message.includes(API_KEY));
    assert.equal(apiRequests(emu).length, before, "no request was sent");
  });

  it("writes the same checkpoint to onProgress as in its lines, and resuming from the last one after a complete run adds nothing new", async () => {
    let last;
    const lines = await read(client.exportChats({ since: 0, pageSize: 9, onProgress: (p) => (last = p) }));
    const checkpoints = lines.filter((l) => l.type === "checkpoint").map((l) => l.checkpoint);
    assert.equal(last.checkpoint, checkpoints.at(-1));
    const again = await read(client.exportChats({ resume: checkpoints.at(-1) }));
    const before = new Set(items(lines));
    assert.ok(items(again).every((key) => before.has(key)), "nothing outside the window");
    assert.equal(again.at(-1).watermark, lines.at(-1).watermark);
  });
});
