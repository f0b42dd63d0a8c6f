// Exactly-once sends (docs/exactly-once.md). First the whole fault matrix (tests/fault-rows.mjs) against
// sendMessage and addNote with `reconcile` on, each fault aimed at the send and run both as applied and as not
// applied by the emulator: a call that resolves must leave exactly one copy, one that rejects without
// `mayHaveSucceeded` none; the totals of duplicates and lost messages are printed and must be 0. Then the
// idempotency keys: repeated, concurrent, a custom async store, a `pending` record left by a crashed call, and
// the limits (a key reused for another send, a chat too long to count, store failures, bad options).
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { ChatClient, GoSquaredError, InvalidRequestError, ServerError } from "gosquared-chat";
import { emulator, clientFor, apiRequests, rejection, waitFor, API_KEY, SITE_TOKEN } from "./helpers.mjs";
import { assertNoKeyFragment, outcome } from "./resilience-helpers.mjs";
import { ROWS } from "./fault-rows.mjs";

const ADA = "email:ada@example.com";
const ADA_PATH = "/chat/v1/chats/email%3Aada%40example.com";

const SENDS = [
  { name: "sendMessage", path: `${ADA_PATH}/messages`, call: (c, o, text) => c.sendMessage(ADA, { content: text }, o) },
  { name: "addNote", path: `${ADA_PATH}/notes`, call: (c, o, text) => c.addNote(ADA, { content: text }, o) },
];

/** Every stored message and note of the emulator with this content. */
function copies(emu, text) {
  return emu.store.dump().chats.flatMap((chat) => chat.feed).filter((item) => item.type === "message" && item.content === text);
}

/** The faults of a row, aimed at the send's route, applied by the emulator or not as `process` says. */
function aimedFaults(row, path, process) {
  return [row.fault ?? []].flat().map((f) => {
    const fault = typeof f === "function" ? f() : f;
    return process === undefined ? { ...fault, match: { method: "POST", path } } : { ...fault, process, match: { method: "POST", path } };
  });
}

const totals = { cases: 0, resolved: 0, rejected: 0, maybe: 0, duplicates: 0, lost: 0 };

async function runCase(row, m, process) {
  const emu = await emulator({ seed: "3:5", rateLimit: row.rateLimit });
  try {
    const client = clientFor(emu, { timeoutMs: 15_000 });
    if (row.drainBucket) {
      const drained = await fetch(`${emu.url}/chat/v1/chats?api_key=${encodeURIComponent(API_KEY)}&site_token=x`);
      await drained.arrayBuffer();
    }
    emu.clearRequests();
    for (const fault of aimedFaults(row, m.path, process)) emu.inject(fault);
    const text = `exactly once: ${row.name} via ${m.name}, ${process === undefined ? "as is" : process ? "applied" : "not applied"}`;
    const result = await outcome(m.call(client, { ...row.opts, reconcile: true }, text));
    const stored = copies(emu, text);
    totals.cases += 1;
    if (stored.length > 1) totals.duplicates += 1;
    if (result.ok) {
      totals.resolved += 1;
      if (stored.length === 0) totals.lost += 1;
      assert.equal(stored.length, 1, "a send that resolves leaves exactly one copy");
      assert.equal(result.value.id, stored[0].id, "it resolves with the stored message");
      assert.equal(result.value.content, text);
    } else {
      const error = result.error;
      assert.ok(error instanceof GoSquaredError, `${error?.name}: ${error?.message}`);
      assertNoKeyFragment(error, API_KEY);
      totals.rejected += 1;
      if (error.mayHaveSucceeded) {
        totals.maybe += 1;
        assert.ok(stored.length <= 1);
      } else {
        if (stored.length > 0) totals.lost += 1;
        assert.equal(stored.length, 0, `a send that rejects without mayHaveSucceeded leaves none (${error.name}: ${error.message})`);
      }
      // The emulator answers every count here, so every rejection is settled.
      assert.equal(error.mayHaveSucceeded, false, `${error.name}: ${error.message}`);
    }
    for (const entry of apiRequests(emu)) assert.ok(entry.method === "GET" || entry.path === m.path, `${entry.method} ${entry.path}`);
  } finally {
    await emu.close();
  }
}

describe("exactly-once: the fault matrix against checked sends, each fault applied and not applied", { concurrency: 48 }, () => {
  after(() => {
    console.log(
      `exactly-once fault run: ${totals.cases} cases, ${totals.resolved} resolved, ${totals.rejected} rejected `
        + `(${totals.maybe} with mayHaveSucceeded); duplicates: ${totals.duplicates}, lost: ${totals.lost}`,
    );
    assert.equal(totals.duplicates, 0, "duplicates");
    assert.equal(totals.lost, 0, "lost messages");
  });
  for (const row of ROWS) {
    for (const m of SENDS) {
      const variants = row.fault === undefined ? [undefined] : [true, false];
      for (const process of variants) {
        const how = process === undefined ? "" : process ? " (applied)" : " (not applied)";
        it(`${row.name}${how} × ${m.name}`, () => runCase(row, m, process));
      }
    }
  }
});

/** A store in the shape of a KV namespace: JSON text, read and written asynchronously. */
function asyncStore() {
  const texts = new Map();
  const writes = [];
  const pause = () => new Promise((resolve) => setTimeout(resolve, 2));
  return {
    texts,
    writes,
    async get(key) {
      await pause();
      const text = texts.get(key);
      return text === undefined ? undefined : JSON.parse(text);
    },
    async set(key, value) {
      await pause();
      writes.push({ key, state: value.state });
      texts.set(key, JSON.stringify(value));
    },
  };
}

const posts = (emu) => apiRequests(emu).filter((r) => r.method === "POST");

describe("exactly-once: idempotency keys", () => {
  it("a repeated key resolves to the first message, with no second request", async () => {
    const emu = await emulator();
    try {
      const client = clientFor(emu);
      const first = await client.sendMessage(ADA, { content: "Your payment failed" }, { idempotencyKey: "evt_1" });
      emu.clearRequests();
      const again = await client.sendMessage(ADA, { content: "Your payment failed" }, { idempotencyKey: "evt_1" });
      assert.deepEqual(again, first);
      assert.deepEqual(apiRequests(emu), [], "the second call is answered from the store");
      assert.equal(copies(emu, "Your payment failed").length, 1);
      // The same key for a note is another send: refused, before any request.
      const reused = await rejection(client.addNote(ADA, { content: "Your payment failed" }, { idempotencyKey: "evt_1" }));
      assert.ok(reused instanceof InvalidRequestError);
      assert.match(reused.message, /already used for a different send/);
      assert.deepEqual(apiRequests(emu), []);
    } finally {
      await emu.close();
    }
  });

  it("concurrent calls with one key send once and resolve alike", async () => {
    const emu = await emulator();
    try {
      const client = clientFor(emu);
      emu.inject({ match: { method: "POST" }, delayMs: 100 });
      const results = await Promise.all([1, 2, 3].map(() => client.addNote(ADA, { content: "Payment failed: in_1" }, { idempotencyKey: "evt_2" })));
      assert.equal(copies(emu, "Payment failed: in_1").length, 1);
      assert.equal(posts(emu).length, 1);
      for (const r of results) assert.deepEqual(r, results[0]);
    } finally {
      await emu.close();
    }
  });

  it("a custom async store gets a pending record before the send and a done record after it", async () => {
    const emu = await emulator();
    try {
      const store = asyncStore();
      const client = clientFor(emu, { idempotencyStore: store });
      emu.inject({ match: { method: "POST" }, status: 503, process: true, headers: { "retry-after": "0" } });
      const sent = await client.sendMessage(ADA, { content: "Card declined", from: "bot" }, { idempotencyKey: "evt_3" });
      assert.deepEqual(store.writes, [{ key: "evt_3", state: "pending" }, { key: "evt_3", state: "done" }]);
      const record = JSON.parse(store.texts.get("evt_3"));
      assert.equal(record.version, 1);
      assert.match(record.fingerprint, /^[0-9a-f]{64}$/);
      assert.deepEqual(record.message, sent);
      assert.equal(sent.from, "bot");
      assert.equal(posts(emu).length, 1, "the 503 was not followed by a second send: the count found the message");
      // Another client (another isolate) with the same store resolves from it.
      const other = clientFor(emu, { idempotencyStore: store });
      assert.deepEqual(await other.sendMessage(ADA, { content: "Card declined", from: "bot" }, { idempotencyKey: "evt_3" }), sent);
      assert.equal(copies(emu, "Card declined").length, 1);
    } finally {
      await emu.close();
    }
  });

  for (const applied of [true, false]) {
    it(`a pending record left by a crashed call, the message ${applied ? "already stored" : "never sent"}: sends once`, async () => {
      const emu = await emulator();
      try {
        const store = asyncStore();
        const crashing = clientFor(emu, { idempotencyStore: store });
        const stop = new AbortController();
        const text = `Payment failed (${applied ? "stored" : "not sent"})`;
        let pending;
        if (applied) {
          // The send reaches the API, which stores it; the isolate dies before the answer.
          emu.inject({ match: { method: "POST" }, hang: true, process: true });
          pending = crashing.sendMessage(ADA, { content: text }, { idempotencyKey: "evt_4", signal: stop.signal });
          await waitFor(() => posts(emu).length === 1);
          stop.abort(new Error("the isolate died"));
        } else {
          // The isolate dies right after writing the pending record, before the send.
          const write = store.set;
          store.set = async (key, value) => {
            await write.call(store, key, value);
            if (value.state === "pending") stop.abort(new Error("the isolate died"));
          };
          pending = crashing.sendMessage(ADA, { content: text }, { idempotencyKey: "evt_4", signal: stop.signal });
        }
        await assert.rejects(pending, /the isolate died/);
        assert.equal(JSON.parse(store.texts.get("evt_4")).state, "pending");
        assert.equal(copies(emu, text).length, applied ? 1 : 0);

        // The provider retries into a new isolate, which shares only the store.
        emu.clearFaults();
        emu.clearRequests();
        const retried = new ChatClient({ apiKey: API_KEY, siteToken: SITE_TOKEN, baseUrl: emu.url, idempotencyStore: { get: (k) => store.get(k), set: (k, v) => store.set(k, v) } });
        const message = await retried.sendMessage(ADA, { content: text }, { idempotencyKey: "evt_4" });
        const stored = copies(emu, text);
        assert.equal(stored.length, 1);
        assert.equal(message.id, stored[0].id);
        assert.equal(posts(emu).length, applied ? 0 : 1);
        assert.equal(JSON.parse(store.texts.get("evt_4")).state, "done");
      } finally {
        await emu.close();
      }
    });
  }
});

describe("exactly-once: counting", () => {
  it("counts identical messages already in the chat, and resolves with the newest when the server lists newest first", async () => {
    const emu = await emulator();
    try {
      emu.store.addMessage(ADA, { content: "Thanks!", from: "agent" });
      emu.store.addMessage(ADA, { content: "Thanks!", from: "client" });
      // A server that lists messages newest first, as a bare array.
      const reversing = async (url, init) => {
        const response = await fetch(url, init);
        if (init.method !== "GET" || !new URL(url).pathname.endsWith("/messages")) return response;
        const body = await response.json();
        return new Response(JSON.stringify(body.list.reverse()), { status: response.status, headers: response.headers });
      };
      const client = clientFor(emu, { fetch: reversing, reconcile: true });
      emu.inject({ match: { method: "POST" }, reset: true, process: true });
      const sent = await client.sendMessage(ADA, { content: "Thanks!" });
      const agents = emu.store.messages(ADA).filter((m) => m.content === "Thanks!" && m.from === "agent");
      assert.equal(agents.length, 2, "one before, one sent");
      assert.equal(sent.id, agents[1].id, "the newest identical message, not the older one");
      // Not applied: the count is unchanged, so it is sent again.
      emu.inject({ match: { method: "POST" }, reset: true, process: false });
      const again = await client.sendMessage(ADA, { content: "Thanks!" });
      assert.equal(emu.store.messages(ADA).filter((m) => m.content === "Thanks!" && m.from === "agent").length, 3);
      assert.equal(again.id, emu.store.messages(ADA).at(-1).id);
    } finally {
      await emu.close();
    }
  });

  it("a chat too long to count is sent unchecked, and a key's later call does not send it again", async () => {
    const emu = await emulator();
    try {
      emu.store.addChat({ id: "long", messages: 5001 });
      const client = clientFor(emu);
      emu.inject({ match: { method: "POST" }, status: 503, process: true });
      const error = await rejection(client.sendMessage("long", { content: "hello" }, { idempotencyKey: "evt_5" }));
      assert.ok(error instanceof ServerError);
      assert.equal(error.mayHaveSucceeded, true);
      const later = await rejection(client.sendMessage("long", { content: "hello" }, { idempotencyKey: "evt_5" }));
      assert.equal(later.mayHaveSucceeded, true);
      assert.match(later.message, /too long to check/);
      assert.equal(copies(emu, "hello").length, 1);
      assert.equal(posts(emu).length, 1);
    } finally {
      await emu.close();
    }
  });

  it("a baseline that fails sends nothing, and a count that fails leaves the outcome unknown", async () => {
    const emu = await emulator();
    try {
      const client = clientFor(emu, { reconcile: true, maxRetries: 0 });
      emu.inject({ match: { method: "GET" }, status: 500 });
      const before = await rejection(client.sendMessage(ADA, { content: "not sent" }));
      assert.ok(before instanceof ServerError);
      assert.equal(before.method, "GET");
      assert.equal(before.mayHaveSucceeded, false);
      assert.equal(posts(emu).length, 0);
      // Once the send has gone out, every read fails.
      let sent = false;
      const breaking = async (url, init) => {
        if (sent && init.method === "GET") return new Response("{}", { status: 500 });
        if (init.method === "POST") sent = true;
        return fetch(url, init);
      };
      emu.inject({ match: { method: "POST" }, status: 503, process: true });
      const after = await rejection(clientFor(emu, { reconcile: true, maxRetries: 0, fetch: breaking }).sendMessage(ADA, { content: "maybe sent" }));
      assert.ok(after instanceof ServerError);
      assert.deepEqual([after.method, after.status, after.mayHaveSucceeded], ["POST", 503, true], "the send's own error, its outcome unknown");
      assert.equal(copies(emu, "maybe sent").length, 1);
    } finally {
      await emu.close();
    }
  });
});

describe("exactly-once: options and store failures", () => {
  it("refuses bad options before any request", async () => {
    const emu = await emulator();
    try {
      const client = clientFor(emu);
      const refused = [
        client.getChat(ADA, { reconcile: true }),
        client.archiveChat(ADA, { idempotencyKey: "k" }),
        client.sendMessage(ADA, { content: "x" }, { reconcile: "yes" }),
        client.sendMessage(ADA, { content: "x" }, { idempotencyKey: "" }),
        client.sendMessage(ADA, { content: "x" }, { idempotencyKey: "k".repeat(257) }),
        client.sendMessage(ADA, { content: "x" }, { idempotencyKey: 42 }),
        client.sendMessage(ADA, { content: "x" }, { idempotencyKey: "k", reconcile: false }),
      ];
      for (const call of refused) assert.ok((await rejection(call)) instanceof InvalidRequestError);
      assert.throws(() => clientFor(emu, { reconcile: 1 }), InvalidRequestError);
      assert.throws(() => clientFor(emu, { idempotencyStore: [] }), /get\(key\) and set\(key, value\)/);
      assert.throws(() => clientFor(emu, { idempotencyStore: { get: "x", set() {} } }), InvalidRequestError);
      assert.throws(() => clientFor(emu, { idempotencyStore: { get() {} } }), InvalidRequestError);
      assert.deepEqual(apiRequests(emu), []);
    } finally {
      await emu.close();
    }
  });

  it("a store that fails stops the send before it starts, and its error never carries the key", async () => {
    const emu = await emulator();
    try {
      const failing = { get: async () => { throw new Error(`store down (key ${API_KEY})`); }, set() {} };
      const error = await rejection(clientFor(emu, { idempotencyStore: failing }).sendMessage(ADA, { content: "x" }, { idempotencyKey: "evt_6" }));
      assert.equal(error.name, "GoSquaredError");
      assert.match(error.message, /^The idempotency store failed: store down/);
      assertNoKeyFragment(error, API_KEY);
      assert.deepEqual(apiRequests(emu), []);
      const refusing = { get: () => undefined, set: () => Promise.reject(new Error("full")) };
      const unwritten = await rejection(clientFor(emu, { idempotencyStore: refusing }).sendMessage(ADA, { content: "x" }, { idempotencyKey: "evt_7" }));
      assert.match(unwritten.message, /full/);
      assert.equal(posts(emu).length, 0, "nothing is sent without its pending record");
      const garbage = { get: () => ({ state: "done" }), set() {} };
      const unreadable = await rejection(clientFor(emu, { idempotencyStore: garbage }).sendMessage(ADA, { content: "x" }, { idempotencyKey: "evt_8" }));
      assert.match(unreadable.message, /not a record this client wrote/);
    } finally {
      await emu.close();
    }
  });
});
