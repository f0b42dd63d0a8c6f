// The client end to end against the emulator: every method, pagination, errors, validation, encoding,
// abort and timeout. Runs on the built package (pkg/), imported by its name.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  ChatClient, GoSquaredError, AuthenticationError, NotFoundError, RateLimitError, InvalidRequestError,
  ServerError, ConnectionError, TimeoutError, ResponseFormatError,
} from "gosquared-chat";
import {
  emulator, clientFor, useEmulator, clearFaultsAndLog, assertNoKey, rejection, apiRequests, waitFor, API_KEY, SITE_TOKEN,
} from "./helpers.mjs";
import { ARGUMENT_CASES } from "./runtimes/conformance.js";

const ADA = "email:ada@example.com";

describe("every endpoint against the emulator", () => {
  let emu, client;
  useEmulator((e, c) => ([emu, client] = [e, c]), {
    reset: (e) => {
      e.reset("3:5");
      e.clearRequests();
    },
  });

  it("listChats returns the first page with the API's fields", async () => {
    const page = await client.listChats();
    assert.equal(page.cardinality, 3);
    assert.equal(page.items.length, 3);
    assert.deepEqual(new Set(page.items.map((c) => c.id)), new Set([ADA, "person-2", "person-3"]));
    const chat = page.items.find((c) => c.id === ADA);
    assert.equal(chat.person.email, "ada@example.com");
    assert.equal(chat.archived, false);
    assert.equal(page.offset, 0);
    const [req] = apiRequests(emu);
    assert.equal(req.method, "GET");
    assert.equal(req.path, "/chat/v1/chats");
    assert.equal(req.query.api_key, API_KEY);
    assert.equal(req.query.site_token, SITE_TOKEN);
    assert.equal(req.query.limit, undefined, "omitted params are not sent");
  });

  it("getChat reads one chat by an id that needs encoding", async () => {
    const chat = await client.getChat(ADA);
    assert.equal(chat.id, ADA);
    assert.equal(apiRequests(emu)[0].path, "/chat/v1/chats/email%3Aada%40example.com");
  });

  it("getFeed and listMessages return chronological items", async () => {
    const feed = await client.getFeed("person-2", { limit: 250 });
    assert.equal(feed.items.length, 5);
    assert.ok(feed.items.every((item, i, all) => i === 0 || all[i - 1].timestamp <= item.timestamp));
    const messages = await client.listMessages("person-2");
    assert.equal(messages.items.length, 5);
    for (const m of messages.items) {
      assert.equal(typeof m.id, "string");
      assert.equal(typeof m.timestamp, "number");
      assert.ok(["client", "agent"].includes(m.from));
    }
  });

  it("sendMessage posts JSON and resolves to the created message", async () => {
    const sent = await client.sendMessage(ADA, { content: "Your payment failed — can I help?" });
    assert.equal(sent.content, "Your payment failed — can I help?");
    assert.equal(sent.from, "agent");
    const req = apiRequests(emu).at(-1);
    assert.equal(req.method, "POST");
    assert.equal(req.headers["content-type"], "application/json");
    assert.deepEqual(JSON.parse(req.body), { content: "Your payment failed — can I help?" });
    const stored = emu.store.messages(ADA);
    assert.equal(stored.at(-1).content, "Your payment failed — can I help?");
    const asClient = await client.sendMessage(ADA, { content: "hi", from: "client" });
    assert.equal(asClient.from, "client");
  });

  it("addNote leaves a private note that shows in the feed, not in messages", async () => {
    const note = await client.addNote("person-3", { content: "Opened a support ticket" });
    assert.equal(note.private, true);
    const feed = await client.getFeed("person-3", { limit: 100 });
    assert.ok(feed.items.some((i) => i.private === true && i.content === "Opened a support ticket"));
    const messages = await client.listMessages("person-3", { limit: 100 });
    assert.ok(!messages.items.some((m) => m.private));
  });

  it("archiveChat and unarchiveChat move the chat between lists and resolve to {}", async () => {
    assert.deepEqual(await client.archiveChat("person-2"), {});
    assert.deepEqual((await client.listArchivedChats()).items.map((c) => c.id), ["person-2"]);
    assert.ok(!(await client.listChats()).items.some((c) => c.id === "person-2"));
    assert.deepEqual(await client.unarchiveChat("person-2"), {});
    assert.equal((await client.listArchivedChats()).items.length, 0);
    const events = (await client.getFeed("person-2", { limit: 100 })).items.filter((i) => i.type === "event");
    assert.deepEqual(events.map((e) => e.event), ["archived", "unarchived"]);
  });

  it("an archived chat comes back on a client message", async () => {
    await client.archiveChat(ADA);
    await client.sendMessage(ADA, { content: "still there?", from: "client" });
    assert.equal((await client.getChat(ADA)).archived, false);
  });

  it("sends from/to as ISO on chats and feed, as epoch ms on messages", async () => {
    const from = new Date("2023-11-14T22:13:20.000Z");
    await client.listChats({ from, to: "2030-01-01" });
    await client.getFeed(ADA, { from: 1700000000000 });
    await client.listMessages(ADA, { from: "2023-11-14T22:13:20Z", to: new Date(1800000000000), limit: 5, offset: 1 });
    const [chats, feed, messages] = apiRequests(emu);
    assert.equal(chats.query.from, "2023-11-14T22:13:20.000Z");
    assert.equal(chats.query.to, "2030-01-01T00:00:00.000Z");
    assert.equal(feed.query.from, "2023-11-14T22:13:20.000Z");
    assert.equal(messages.query.from, "1700000000000");
    assert.equal(messages.query.to, "1800000000000");
    assert.equal(messages.query.limit, "5");
    assert.equal(messages.query.offset, "1");
  });

  it("works through a proxy base URL without an API key", async () => {
    const seen = [];
    const proxyFetch = (url, init) => {
      seen.push(url);
      return fetch(`${url}&api_key=${encodeURIComponent(API_KEY)}`, init);
    };
    const proxied = new ChatClient({ siteToken: SITE_TOKEN, baseUrl: `${emu.url}/`, fetch: proxyFetch });
    const page = await proxied.listChats();
    assert.equal(page.items.length, 3);
    assert.ok(!seen[0].includes("api_key"));
  });

  it("sends extra headers, calls the injected fetch unbound, and reports the rate-limit budget", async () => {
    let thisValue = "unset";
    const limited = await emulator({ rateLimit: { limit: 100, refillPerMinute: 100, cost: 1 } });
    try {
      const c = clientFor(limited, {
        headers: { "X-Trace-Id": "t-1" },
        fetch: function (url, init) {
          thisValue = this;
          return fetch(url, init);
        },
      });
      assert.equal(c.rateLimit, undefined);
      await c.listChats();
      assert.equal(thisValue, undefined);
      assert.equal(apiRequests(limited)[0].headers["x-trace-id"], "t-1");
      assert.equal(c.rateLimit.limit, 100);
      assert.equal(c.rateLimit.remaining, 99);
      assert.equal(c.rateLimit.cost, 1);
      assert.equal(typeof c.rateLimit.fullInSeconds, "number");
    } finally {
      await limited.close();
    }
  });
});

describe("pagination", () => {
  let emu, client;
  useEmulator((e, c) => ([emu, client] = [e, c]), { emulatorOptions: { seed: "23:12" }, reset: (e) => e.clearRequests() });

  it("await gives one page; getNextPage walks the rest with limit=<offset>,<count>", async () => {
    let page = await client.listChats({ limit: 10 });
    const ids = [...page.items.map((c) => c.id)];
    assert.equal(page.cardinality, 23);
    while (page.hasNextPage()) {
      page = await page.getNextPage();
      ids.push(...page.items.map((c) => c.id));
    }
    assert.equal(ids.length, 23);
    assert.equal(new Set(ids).size, 23);
    assert.deepEqual(apiRequests(emu).map((r) => r.query.limit), ["0,10", "10,10", "20,10"]);
    await assert.rejects(page.getNextPage(), InvalidRequestError);
  });

  it("for await walks every item of every page, on chats, feed and messages", async () => {
    const chats = [];
    for await (const chat of client.listChats({ limit: 7 })) chats.push(chat.id);
    assert.equal(chats.length, 23);
    const feed = [];
    for await (const item of client.getFeed("person-5", { limit: 5 })) feed.push(item.id);
    assert.equal(feed.length, 12);
    const messages = [];
    for await (const m of client.listMessages("person-5", { limit: 5 })) messages.push(m.id);
    assert.equal(messages.length, 12);
    const offsets = apiRequests(emu).filter((r) => r.path.endsWith("/messages")).map((r) => r.query.offset);
    assert.deepEqual(offsets, [undefined, "5", "10"], "the first page sends no offset: omitted values are not sent");
  });

  it("iterPages yields pages; a page stops at cardinality without an extra request", async () => {
    const sizes = [];
    for await (const page of client.listChats({ limit: 10, offset: 3 }).iterPages()) sizes.push(page.items.length);
    assert.deepEqual(sizes, [10, 10]);
    assert.equal(apiRequests(emu).length, 2);
  });

  it("with no limit, later pages keep the first page's size", async () => {
    const ids = [];
    for await (const chat of client.listChats()) ids.push(chat.id);
    assert.equal(ids.length, 23);
    assert.deepEqual(apiRequests(emu).map((r) => r.query.limit), [undefined, "10,10", "20,10"]);
  });

  it("never loops on a server that ignores offsets", async () => {
    let calls = 0;
    const stubborn = new ChatClient({
      apiKey: "k", siteToken: "t", baseUrl: "http://stub.invalid",
      fetch: async () => {
        calls += 1;
        return new Response(JSON.stringify([{ id: "a" }, { id: "b" }]), { status: 200 });
      },
    });
    const items = [];
    for await (const item of stubborn.listChats({ limit: 2 })) items.push(item.id);
    assert.deepEqual(items, ["a", "b"]);
    assert.equal(calls, 2);
  });

  it("stops on a short page and accepts a bare array", async () => {
    let calls = 0;
    const bare = new ChatClient({
      apiKey: "k", siteToken: "t", baseUrl: "http://stub.invalid",
      fetch: async () => {
        calls += 1;
        return new Response(JSON.stringify(calls === 1 ? [{ id: 1 }, { id: 2 }] : [{ id: 3 }]), { status: 200 });
      },
    });
    const items = [];
    for await (const item of bare.listMessages("x", { limit: 2 })) items.push(item.id);
    assert.deepEqual(items, [1, 2, 3]);
    assert.equal(calls, 2);
  });
});

describe("errors", () => {
  let emu, client;
  useEmulator((e, c) => ([emu, client] = [e, c]), { clientOptions: { maxRetries: 0 }, reset: clearFaultsAndLog });

  async function expectError(promise, cls, fields = {}) {
    const error = await rejection(promise);
    assert.ok(error instanceof cls, `expected ${cls.name}, got ${error?.name}: ${error?.message}`);
    assert.ok(error instanceof GoSquaredError);
    assert.ok(error instanceof Error);
    assert.equal(error.name, cls.name);
    for (const [k, v] of Object.entries(fields)) assert.deepEqual(error[k], v, k);
    assert.equal(typeof error.stack, "string");
    assertNoKey(error);
    return error;
  }

  it("401 with code 4001 is an AuthenticationError, without the key in it", async () => {
    const wrong = new ChatClient({ apiKey: "sk_wrong_KEY_9", siteToken: SITE_TOKEN, baseUrl: emu.url });
    const e = await expectError(wrong.listChats(), AuthenticationError, { status: 401, code: 4001, method: "GET", path: "/chat/v1/chats" });
    assertNoKey(e, "sk_wrong_KEY_9");
    const badToken = new ChatClient({ apiKey: API_KEY, siteToken: "GSN-0-X", baseUrl: emu.url });
    await expectError(badToken.getChat(ADA), AuthenticationError, { status: 403 });
  });

  it("404 is a NotFoundError with the encoded path", async () => {
    await expectError(client.getChat("no such chat?"), NotFoundError, { status: 404, path: "/chat/v1/chats/no%20such%20chat%3F" });
  });

  it("429 is a RateLimitError with retryAfterMs", async () => {
    emu.inject({ status: 429, headers: { "retry-after": "3" } });
    await expectError(client.listChats(), RateLimitError, { status: 429, code: 4002, retryAfterMs: 3000, attempts: 1 });
  });

  it("400 from the API is an InvalidRequestError", async () => {
    emu.inject({ status: 400, body: { code: 4003, message: "Error 4003: invalid parameter" } });
    await expectError(client.listChats(), InvalidRequestError, { status: 400, code: 4003 });
    emu.inject({ status: 422, body: { code: "bad_thing", message: "nope" } });
    await expectError(client.listChats(), InvalidRequestError, { status: 422, code: "bad_thing" });
  });

  it("5xx is a ServerError; an HTML error page too", async () => {
    emu.inject({ status: 503 });
    await expectError(client.getChat(ADA), ServerError, { status: 503 });
    emu.inject({ html: true });
    await expectError(client.getChat(ADA), ServerError, { status: 502 });
  });

  it("a refused connection is a ConnectionError; a reset socket too", async () => {
    const closed = await emulator();
    const url = closed.url;
    await closed.close();
    const dead = new ChatClient({ apiKey: API_KEY, siteToken: SITE_TOKEN, baseUrl: url, maxRetries: 0 });
    await expectError(dead.listChats(), ConnectionError, { attempts: 1 });
    emu.inject({ reset: true });
    await expectError(client.listChats(), ConnectionError);
  });

  it("an attempt over timeoutMs is a TimeoutError", async () => {
    emu.inject({ hang: true });
    await expectError(client.listChats({}, { timeoutMs: 2500 }), TimeoutError, { attempts: 1 });
  });

  it("a 2xx body that is not the JSON expected is a ResponseFormatError", async () => {
    emu.inject({ truncate: true });
    await expectError(client.listChats(), ResponseFormatError, { status: 200 });
    emu.inject({ empty: true });
    await expectError(client.getChat(ADA), ResponseFormatError, { status: 200 });
    emu.inject({ status: 200, body: { hello: "no list here" } });
    await expectError(client.listChats(), ResponseFormatError);
  });

  it("a 2xx body carrying an error code is classified by that code", async () => {
    emu.inject({ status: 200, body: { code: 4001, message: "Your API Key is not authorised for this endpoint" } });
    await expectError(client.listChats(), AuthenticationError, { status: 200, code: 4001 });
  });

  it("an echoed key in the API's message is redacted", async () => {
    emu.inject({ status: 400, body: { code: 4004, message: `bad value api_key=${API_KEY} (${encodeURIComponent(API_KEY)})` } });
    const e = await expectError(client.listChats(), InvalidRequestError);
    assert.match(e.message, /\[redacted\]/);
  });

  it("the client keeps working after every kind of error", async () => {
    const page = await client.listChats();
    assert.equal(page.items.length, 3);
  });
});

describe("validation before any request", () => {
  let emu, client;
  useEmulator((e, c) => ([emu, client] = [e, c]));

  for (const [name, call] of Object.entries(ARGUMENT_CASES)) {
    it(`${name} → InvalidRequestError, nothing sent`, async () => {
      emu.clearRequests();
      const error = await rejection(call(client));
      assert.ok(error instanceof InvalidRequestError, `${name}: got ${error?.name} ${error?.message}`);
      assert.equal(error.status, undefined);
      assert.equal(apiRequests(emu).length, 0);
      assertNoKey(error);
    });
  }

  it("bad client options throw InvalidRequestError from the constructor", () => {
    const cases = [
      undefined, null, "key", {},
      { apiKey: API_KEY },
      { siteToken: SITE_TOKEN },
      { apiKey: "", siteToken: SITE_TOKEN },
      { apiKey: "with space", siteToken: SITE_TOKEN },
      { apiKey: API_KEY, siteToken: SITE_TOKEN, baseUrl: "ftp://x" },
      { apiKey: API_KEY, siteToken: SITE_TOKEN, baseUrl: "https://x/?q" },
      { apiKey: API_KEY, siteToken: SITE_TOKEN, fetch: "fetch" },
      { apiKey: API_KEY, siteToken: SITE_TOKEN, timeoutMs: -1 },
      { apiKey: API_KEY, siteToken: SITE_TOKEN, maxRetries: 1.5 },
      { apiKey: API_KEY, siteToken: SITE_TOKEN, headers: { "bad name": "x" } },
      { apiKey: API_KEY, siteToken: SITE_TOKEN, headers: { "x-a": "a\r\nb" } },
      { apiKey: API_KEY, siteToken: SITE_TOKEN, headers: { "x-a": 1 } },
      { apiKey: API_KEY, siteToken: SITE_TOKEN, apikey: "typo" },
    ];
    for (const options of cases) {
      assert.throws(() => new ChatClient(options), (e) => {
        assert.ok(e instanceof InvalidRequestError, `${JSON.stringify(options)}: ${e}`);
        assertNoKey(e);
        return true;
      });
    }
  });

  it("the client is not dumped with its key", async () => {
    const { inspect } = await import("node:util");
    assert.ok(!inspect(client, { showHidden: true, depth: 5 }).includes(API_KEY));
    assert.ok(!JSON.stringify(client).includes(API_KEY));
  });
});

describe("abort and timeout", () => {
  let emu, client;
  useEmulator((e, c) => ([emu, client] = [e, c]), { reset: clearFaultsAndLog });

  it("an already aborted signal rejects with its reason and sends nothing", async () => {
    const reason = new Error("user went away");
    const error = await rejection(client.getChat(ADA, { signal: AbortSignal.abort(reason) }));
    assert.equal(error, reason);
    assert.equal(apiRequests(emu).length, 0);
  });

  it("aborting during a hung request rejects with the reason at once", async () => {
    emu.inject({ hang: true });
    const controller = new AbortController();
    const pending = rejection(client.listChats({}, { signal: controller.signal, timeoutMs: 60_000 }));
    await waitFor(() => apiRequests(emu).length === 1);
    controller.abort();
    const error = await pending;
    assert.equal(error.name, "AbortError");
    assert.equal(apiRequests(emu).length, 1, "no retry after an abort");
  });

  it("aborting during the wait between retries stops at once", async () => {
    emu.inject({ status: 503, times: 5 });
    const controller = new AbortController();
    const pending = rejection(client.getChat(ADA, { signal: controller.signal }));
    await waitFor(() => apiRequests(emu).some((r) => r.status === 503));
    controller.abort("stop");
    assert.equal(await pending, "stop");
    await new Promise((resolve) => setTimeout(resolve, 700));
    assert.equal(apiRequests(emu).length, 1, "no attempt after the abort");
  });

  it("reads retry a timeout and then report TimeoutError with the attempt count", async () => {
    emu.inject({ hang: true, times: 2 });
    const error = await rejection(client.getChat(ADA, { timeoutMs: 2500, maxRetries: 1 }));
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.attempts, 2);
    assert.equal(error.mayHaveSucceeded, false);
    assert.equal(apiRequests(emu).length, 2);
  });

  it("a timed-out message send is not retried and says it may have succeeded", async () => {
    emu.inject({ delayMs: 6000, process: true });
    const before = emu.store.messages(ADA).length;
    const error = await rejection(client.sendMessage(ADA, { content: "once" }, { timeoutMs: 2500 }));
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.attempts, 1);
    assert.equal(error.mayHaveSucceeded, true);
    await waitFor(() => emu.store.messages(ADA).length > before);
    assert.equal(emu.store.messages(ADA).length, before + 1, "sent exactly once");
    assert.equal(apiRequests(emu).length, 1);
  });
});

// The core reads a frozen options object once and reuses the reading while the same object comes back (the
// export passes one to each of its requests); an object that can change is read on every call.
describe("per-call options read once when frozen", () => {
  const hang = (url, init) => new Promise((_, reject) => init.signal.addEventListener("abort", () => reject(init.signal.reason), { once: true }));
  const options = { apiKey: API_KEY, siteToken: SITE_TOKEN, baseUrl: "http://api.example.test" };

  it("a frozen object is honoured on every call it is passed to, and a changed object is read again", async () => {
    const client = new ChatClient({ ...options, fetch: hang });
    const frozen = Object.freeze({ timeoutMs: 20, maxRetries: 1 });
    for (let i = 0; i < 3; i += 1) {
      const e = await rejection(client.getChat("a", frozen));
      assert.ok(e instanceof TimeoutError, String(e));
      assert.equal(e.attempts, 2);
    }
    const open = { timeoutMs: 20, maxRetries: 0 };
    assert.equal((await rejection(client.getChat("a", open))).attempts, 1);
    open.maxRetries = 2;
    assert.equal((await rejection(client.getChat("a", open))).attempts, 3, "the changed object was read again");
    assert.equal((await rejection(client.getChat("a", frozen))).attempts, 2, "and the frozen one still says what it said");
  });

  it("a frozen object's headers, which can change, are read on every call", async () => {
    const seen = [];
    const fetch = async (url, init) => {
      seen.push(init.headers["x-trace"]);
      return new Response('{"id":"a"}', { status: 200 });
    };
    const client = new ChatClient({ ...options, fetch });
    const headers = { "x-trace": "one" };
    const opts = Object.freeze({ headers });
    await client.getChat("a", opts);
    headers["x-trace"] = "two";
    await client.getChat("a", opts);
    assert.deepEqual(seen, ["one", "two"]);
  });

  it("a frozen object with a bad option is refused on every call, before any request", async () => {
    let requests = 0;
    const client = new ChatClient({ ...options, fetch: async () => (requests += 1, new Response("{}")) });
    const bad = Object.freeze({ timeoutMs: -1 });
    for (let i = 0; i < 2; i += 1) assert.ok((await rejection(client.getChat("a", bad))) instanceof InvalidRequestError);
    const sendOnly = Object.freeze({ idempotencyKey: "k-1" });
    await client.sendMessage("a", { content: "x" }, sendOnly).catch(() => {});
    for (let i = 0; i < 2; i += 1) assert.ok((await rejection(client.getChat("a", sendOnly))) instanceof InvalidRequestError);
    assert.equal(requests, 1, "only the send reached fetch: its list read failed on the empty answer");
  });
});
