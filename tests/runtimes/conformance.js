// The conformance suite: one body of tests that every runtime runs unchanged (Node ESM and CJS, workerd,
// Deno, Bun, edge-runtime, Chromium, and the bundled and packed builds). It uses nothing but the web
// platform: no `node:` imports, no file system. Its harness passes in the package as loaded in that runtime
// and where the emulator is; the emulator is driven through its HTTP control routes.

/**
 * Runs every test against `pkg` (`gosquared-chat` as loaded in that runtime) and `entries` (its `client` and
 * `edge` entries, loaded the same way), and resolves to `{ passed, failed, results: [{ name, ok, error?, ms }] }`.
 */
export async function runConformance(pkg, env, entries = {}) {
  const ctx = { pkg, entries, env, control: controlFor(env) };
  const results = [];
  for (const [name, body] of TESTS) {
    const started = Date.now();
    try {
      await ctx.control.reset(body.seed ?? "3:5");
      await withDeadline(body(ctx), 15000, name);
      results.push({ name, ok: true, ms: Date.now() - started });
    } catch (error) {
      results.push({ name, ok: false, error: describe(error), ms: Date.now() - started });
    }
  }
  const passed = results.filter((r) => r.ok).length;
  return { passed, failed: results.length - passed, results };
}

/** The names of every test, in order; a runtime's run must report exactly these. */
export function testNames() {
  return TESTS.map(([name]) => name);
}

/**
 * The emulator's control routes, over the runtime's own fetch: at `env.controlUrl` when given (a browser
 * page's own origin, which forwards them; they answer no cross-origin request), else at the emulator.
 */
function controlFor(env) {
  const call = async (method, path, body) => {
    const response = await fetch(`${env.controlUrl ?? env.url}/__emulator${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`control ${method} ${path}: ${response.status} ${text}`);
    return text === "" ? undefined : JSON.parse(text);
  };
  let limited = false;
  return {
    /** Re-seeds the store and clears the request log and the faults; lifts a rate limit a test set. */
    async reset(seed) {
      await call("POST", "/reset", { seed });
      if (limited) await call("PUT", "/rate-limit", false);
      limited = false;
    },
    inject: (fault) => call("POST", "/faults", fault),
    setRateLimit(limits) {
      limited = true;
      return call("PUT", "/rate-limit", limits);
    },
    // The client's requests only: browsers also send CORS preflights (OPTIONS), which the log records too.
    apiRequests: async () => (await call("GET", "/requests")).filter((r) => r.method !== "OPTIONS"),
    store: () => call("GET", "/store"),
    /** A customer writes into a chat (creating it if new), as `POST /__emulator/customer-message` does. */
    customerMessage: (chatId, content) => call("POST", "/customer-message", { chatId, content }),
    /** Resolves once the API request log satisfies `ready`, so that a test acts after a request, not before it. */
    async waitForLog(ready) {
      while (!ready(await this.apiRequests())) await sleep(10);
    },
  };
}

// ---- a tiny assertion kit (node:assert is not available everywhere) ---------------------------------

function fail(message) {
  throw new Error(message);
}
function ok(value, message = "expected a truthy value") {
  if (!value) fail(message);
}
function equal(actual, expected, label = "value") {
  if (!Object.is(actual, expected)) fail(`${label}: expected ${show(expected)}, got ${show(actual)}`);
}
function deepEqual(actual, expected, label = "value") {
  if (show(actual) !== show(expected)) fail(`${label}: expected ${show(expected)}, got ${show(actual)}`);
}
function show(value) {
  return value === undefined ? "undefined" : JSON.stringify(value);
}
async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return fail("expected the call to fail");
}
function describe(error) {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
async function withDeadline(promise, ms, name) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name}: no result after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- shared checks ------------------------------------------------------------------------------------

const ADA = "email:ada@example.com";

function clientFor(ctx, options = {}) {
  const { env, pkg } = ctx;
  return new pkg.ChatClient({ apiKey: env.apiKey, siteToken: env.siteToken, baseUrl: env.url, timeoutMs: 2000, ...options });
}

/** Asserts the API key appears nowhere in an error: message, stack, JSON, or any own property. */
function assertNoKey(error, key) {
  const forms = [key, encodeURIComponent(key)];
  const views = [String(error?.message), String(error?.stack), JSON.stringify(error)];
  for (const name of Object.getOwnPropertyNames(error ?? {})) views.push(String(error[name]));
  for (const view of views) {
    for (const form of forms) ok(!view.includes(form), `the key leaked into: ${view.slice(0, 120)}`);
  }
}

/** Awaits a call that must fail with the error class named `name`, and checks its chain, name, fields and secrecy. */
async function expectError(ctx, promise, name, fields = {}) {
  const error = await rejection(promise);
  ok(error instanceof ctx.pkg[name], `expected ${name}, got ${describe(error)}`);
  ok(error instanceof ctx.pkg.GoSquaredError, "extends GoSquaredError");
  ok(error instanceof Error, "extends Error");
  // The name is compared with a string: minifiers rename classes, and the package's names must survive that.
  equal(error.name, name, "name");
  for (const [key, value] of Object.entries(fields)) deepEqual(error[key], value, key);
  equal(typeof error.stack, "string", "typeof stack");
  assertNoKey(error, ctx.env.apiKey);
  return error;
}

/** A client whose fetch answers every request with `bodies[i]` (the last one repeated). */
function stubClient(ctx, bodies, counter) {
  return new ctx.pkg.ChatClient({
    apiKey: "k",
    siteToken: "t",
    baseUrl: "http://stub.invalid",
    fetch: async () => {
      const body = bodies[Math.min(counter.calls, bodies.length - 1)];
      counter.calls += 1;
      return new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
    },
  });
}

// ---- the tests ----------------------------------------------------------------------------------------

const TESTS = [];
function test(name, body, seed) {
  body.seed = seed;
  TESTS.push([name, body]);
}

test("listChats returns the first page with the API's fields and sends the credentials", async (ctx) => {
  const page = await clientFor(ctx).listChats();
  equal(page.cardinality, 3, "cardinality");
  equal(page.items.length, 3, "items");
  deepEqual(page.items.map((c) => c.id).sort(), [ADA, "person-2", "person-3"].sort(), "ids");
  const chat = page.items.find((c) => c.id === ADA);
  equal(chat.person.email, "ada@example.com", "email");
  equal(chat.archived, false, "archived");
  equal(page.offset, 0, "offset");
  equal(Object.getPrototypeOf(chat), Object.prototype, "a plain object");
  const [req] = await ctx.control.apiRequests();
  equal(req.method, "GET", "method");
  equal(req.path, "/chat/v1/chats", "path");
  equal(req.query.api_key, ctx.env.apiKey, "api_key");
  equal(req.query.site_token, ctx.env.siteToken, "site_token");
  equal(req.query.limit, undefined, "omitted params are not sent");
});

test("getChat reads one chat by an id that needs encoding", async (ctx) => {
  const chat = await clientFor(ctx).getChat(ADA);
  equal(chat.id, ADA, "id");
  equal((await ctx.control.apiRequests())[0].path, "/chat/v1/chats/email%3Aada%40example.com", "path");
});

test("getFeed and listMessages return chronological items", async (ctx) => {
  const client = clientFor(ctx);
  const feed = await client.getFeed("person-2", { limit: 250 });
  equal(feed.items.length, 5, "feed items");
  ok(feed.items.every((item, i, all) => i === 0 || all[i - 1].timestamp <= item.timestamp), "feed is chronological");
  const messages = await client.listMessages("person-2");
  equal(messages.items.length, 5, "messages");
  for (const m of messages.items) {
    equal(typeof m.id, "string", "typeof id");
    equal(typeof m.timestamp, "number", "typeof timestamp");
    ok(["client", "agent"].includes(m.from), `from ${m.from}`);
  }
});

test("sendMessage posts JSON and resolves to the created message", async (ctx) => {
  const client = clientFor(ctx);
  const sent = await client.sendMessage(ADA, { content: "Your payment failed — can I help?" });
  equal(sent.content, "Your payment failed — can I help?", "content");
  equal(sent.from, "agent", "from");
  const req = (await ctx.control.apiRequests()).at(-1);
  equal(req.method, "POST", "method");
  equal(req.headers["content-type"], "application/json", "content-type");
  deepEqual(JSON.parse(req.body), { content: "Your payment failed — can I help?" }, "body");
  const stored = (await client.listMessages(ADA, { limit: 250 })).items;
  equal(stored.at(-1).content, "Your payment failed — can I help?", "stored");
  equal((await client.sendMessage(ADA, { content: "hi", from: "client" })).from, "client", "from client");
});

test("addNote leaves a private note in the feed, not in messages", async (ctx) => {
  const client = clientFor(ctx);
  equal((await client.addNote("person-3", { content: "Opened a ticket" })).private, true, "private");
  const feed = await client.getFeed("person-3", { limit: 100 });
  ok(feed.items.some((i) => i.private === true && i.content === "Opened a ticket"), "note in feed");
  ok(!(await client.listMessages("person-3", { limit: 100 })).items.some((m) => m.private), "note not in messages");
});

test("archiveChat and unarchiveChat move the chat between lists and resolve to {}", async (ctx) => {
  const client = clientFor(ctx);
  deepEqual(await client.archiveChat("person-2"), {}, "archive");
  deepEqual((await client.listArchivedChats()).items.map((c) => c.id), ["person-2"], "archived list");
  ok(!(await client.listChats()).items.some((c) => c.id === "person-2"), "gone from open chats");
  deepEqual(await client.unarchiveChat("person-2"), {}, "unarchive");
  equal((await client.listArchivedChats()).items.length, 0, "archive empty");
  const events = (await client.getFeed("person-2", { limit: 100 })).items.filter((i) => i.type === "event");
  deepEqual(events.map((e) => e.event), ["archived", "unarchived"], "events");
});

test("sends from/to as ISO on chats and feed, as epoch ms on messages", async (ctx) => {
  const client = clientFor(ctx);
  await client.listChats({ from: new Date("2023-11-14T22:13:20.000Z"), to: "2030-01-01" });
  await client.getFeed(ADA, { from: 1700000000000 });
  await client.listMessages(ADA, { from: "2023-11-14T22:13:20Z", to: new Date(1800000000000), limit: 5, offset: 1 });
  const [chats, feed, messages] = await ctx.control.apiRequests();
  equal(chats.query.from, "2023-11-14T22:13:20.000Z", "chats from");
  equal(chats.query.to, "2030-01-01T00:00:00.000Z", "chats to");
  equal(feed.query.from, "2023-11-14T22:13:20.000Z", "feed from");
  equal(messages.query.from, "1700000000000", "messages from");
  equal(messages.query.to, "1800000000000", "messages to");
  equal(messages.query.limit, "5", "messages limit");
  equal(messages.query.offset, "1", "messages offset");
});

test("works through a proxy base URL without an API key", async (ctx) => {
  const seen = [];
  const proxied = new ctx.pkg.ChatClient({
    siteToken: ctx.env.siteToken,
    baseUrl: `${ctx.env.url}/`,
    fetch: (url, init) => {
      seen.push(url);
      return fetch(`${url}&api_key=${encodeURIComponent(ctx.env.apiKey)}`, init);
    },
  });
  equal((await proxied.listChats()).items.length, 3, "items");
  ok(!seen[0].includes("api_key"), "no key sent by the client");
});

test("sends extra headers, calls the injected fetch unbound, and reports the rate-limit budget", async (ctx) => {
  await ctx.control.setRateLimit({ limit: 100, refillPerMinute: 100, cost: 1 });
  let thisValue = "unset";
  const client = clientFor(ctx, {
    headers: { "X-Trace-Id": "t-1" },
    fetch: function (url, init) {
      thisValue = this;
      return fetch(url, init);
    },
  });
  equal(client.rateLimit, undefined, "before any call");
  await client.listChats();
  equal(thisValue, undefined, "this");
  equal((await ctx.control.apiRequests())[0].headers["x-trace-id"], "t-1", "header");
  equal(client.rateLimit.limit, 100, "limit");
  equal(client.rateLimit.remaining, 99, "remaining");
  equal(client.rateLimit.cost, 1, "cost");
  equal(typeof client.rateLimit.fullInSeconds, "number", "fullInSeconds");
});

test("await gives one page; getNextPage walks the rest with limit=<offset>,<count>", async (ctx) => {
  let page = await clientFor(ctx).listChats({ limit: 10 });
  const ids = page.items.map((c) => c.id);
  equal(page.cardinality, 23, "cardinality");
  while (page.hasNextPage()) {
    page = await page.getNextPage();
    ids.push(...page.items.map((c) => c.id));
  }
  equal(new Set(ids).size, 23, "distinct ids");
  deepEqual((await ctx.control.apiRequests()).map((r) => r.query.limit), ["0,10", "10,10", "20,10"], "limits");
  ok((await rejection(page.getNextPage())) instanceof ctx.pkg.InvalidRequestError, "no page after the last");
}, "23:12");

test("for await walks every item of every page, on chats, feed and messages", async (ctx) => {
  const client = clientFor(ctx);
  const count = async (iterable) => {
    let n = 0;
    for await (const item of iterable) n += item.id === undefined ? 0 : 1;
    return n;
  };
  equal(await count(client.listChats({ limit: 7 })), 23, "chats");
  equal(await count(client.getFeed("person-5", { limit: 5 })), 12, "feed");
  equal(await count(client.listMessages("person-5", { limit: 5 })), 12, "messages");
  const offsets = (await ctx.control.apiRequests()).filter((r) => r.path.endsWith("/messages")).map((r) => r.query.offset);
  deepEqual(offsets, [undefined, "5", "10"], "message offsets");
}, "23:12");

test("iterPages yields pages and stops at cardinality without an extra request", async (ctx) => {
  const sizes = [];
  for await (const page of clientFor(ctx).listChats({ limit: 10, offset: 3 }).iterPages()) sizes.push(page.items.length);
  deepEqual(sizes, [10, 10], "page sizes");
  equal((await ctx.control.apiRequests()).length, 2, "requests");
}, "23:12");

test("pages stop on a repeated page, a short page, and accept a bare array", async (ctx) => {
  const repeat = { calls: 0 };
  const items = [];
  for await (const item of stubClient(ctx, [[{ id: "a" }, { id: "b" }]], repeat).listChats({ limit: 2 })) items.push(item.id);
  deepEqual(items, ["a", "b"], "repeated page");
  equal(repeat.calls, 2, "calls");
  const short = { calls: 0 };
  const all = [];
  for await (const item of stubClient(ctx, [[{ id: 1 }, { id: 2 }], [{ id: 3 }]], short).listMessages("x", { limit: 2 })) all.push(item.id);
  deepEqual(all, [1, 2, 3], "short page");
  equal(short.calls, 2, "calls");
});

test("exportChats streams each chat once, before its items, then the summary, with progress", async (ctx) => {
  const client = clientFor(ctx);
  const chats = [];
  for await (const chat of client.listChats({ limit: 250 })) chats.push(chat);
  const feeds = new Map();
  for (const chat of chats) feeds.set(chat.id, (await client.getFeed(chat.id, { limit: 250 })).items);
  const progress = [];
  const text = await new Response(client.exportChats({ pageSize: 2, concurrency: 3, onProgress: (p) => progress.push(p) })).text();
  ok(text.endsWith("\n"), "every line ends with a newline");
  const lines = text.slice(0, -1).split("\n").map((line) => JSON.parse(line));
  for (const chat of chats) {
    const at = lines.findIndex((l) => l.type === "chat" && l.chatId === chat.id);
    deepEqual(lines[at].chat, chat, `the line of ${chat.id}`);
    const items = lines.map((l, i) => [l, i]).filter(([l]) => l.type === "item" && l.chatId === chat.id);
    ok(items.every(([, i]) => i > at), `the line of ${chat.id} before its items`);
    deepEqual(items.map(([l]) => l.item), feeds.get(chat.id), `the feed of ${chat.id}`);
  }
  const itemCount = [...feeds.values()].reduce((n, feed) => n + feed.length, 0);
  equal(lines.length, chats.length + itemCount + 1, "lines");
  const summary = lines.at(-1);
  deepEqual(summary, { type: "summary", chatsDone: chats.length, chatsTotal: chats.length, items: itemCount, bytes: summary.bytes, errors: 0 }, "summary");
  equal(summary.bytes, new TextEncoder().encode(text).byteLength - new TextEncoder().encode(`${JSON.stringify(summary)}\n`).byteLength, "bytes");
  deepEqual(progress.at(-1), { chatsDone: chats.length, chatsTotal: chats.length, items: itemCount, bytes: new TextEncoder().encode(text).byteLength, errors: 0 }, "the last progress");
}, "7:4");

test("exportChats stops when the reader cancels, and a bad option throws before any request", async (ctx) => {
  // Requests are counted as the client starts them: the emulator's log may still record one started before
  // the cancel, when it arrives late.
  let started = 0;
  const client = clientFor(ctx, {
    fetch: (url, init) => {
      started += 1;
      return fetch(url, init);
    },
  });
  let thrown;
  try {
    client.exportChats({ concurrency: 9 });
  } catch (error) {
    thrown = error;
  }
  ok(thrown instanceof ctx.pkg.InvalidRequestError, `a bad option: ${describe(thrown)}`);
  equal(started, 0, "no request for a bad option");
  const reader = client.exportChats({ concurrency: 2, pageSize: 5 }).getReader();
  ok((await reader.read()).value.byteLength > 0, "a first chunk");
  await reader.cancel(new Error("enough"));
  const sent = started;
  await sleep(200);
  equal(started, sent, "no request after cancel resolved");
  ok(sent < 240, `the export stopped before its end (${sent} of 240 requests)`);
}, "200:5");

test("webhooks: createWebhook, listWebhooks and deleteWebhook through the Account API", async (ctx) => {
  const client = clientFor(ctx);
  const url = "https://hooks.example.com/gosquared?secret=0123456789abcdef";
  const hook = await client.createWebhook({ url, name: "Payments", includeUnverified: true });
  equal(hook.trigger, "chat_message", "trigger");
  const create = (await ctx.control.apiRequests()).at(-1);
  equal(create.path, "/account/v1/webhooks", "path");
  deepEqual(JSON.parse(create.body), { url, name: "Payments", trigger: "chat_message", include_unverified: true }, "body");
  deepEqual((await client.listWebhooks()).map((h) => h.id), [hook.id], "listed");
  deepEqual(await client.deleteWebhook(hook.id), {}, "deleted");
  deepEqual(await client.listWebhooks(), [], "none left");
  await expectError(ctx, client.deleteWebhook(hook.id), "NotFoundError", { status: 404 });
});

test("edge helpers: personSignature, verifyWebhookSecret and parseChatMessageWebhook", async (ctx) => {
  const { personSignature, verifyWebhookSecret, parseChatMessageWebhook, InvalidRequestError } = ctx.pkg;
  // RFC 4231, test case 2: HMAC-SHA256 with key "Jefe".
  equal(personSignature("Jefe", "what do ya want for nothing?"), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", "HMAC");
  const secret = "s3cret-0123456789abcdef";
  ok(verifyWebhookSecret(new Request(`https://example.com/hook?secret=${secret}`), secret), "a Request with the secret");
  ok(!verifyWebhookSecret(`https://example.com/hook?secret=${secret}x`, secret), "a wrong secret");
  const payload = {
    message: { id: "m_1", from: "client", person_id: ADA, content: "hi", timestamp: 1700000000000, extra: 1 },
    person: { id: "p1" },
    version: "1.0.0",
  };
  deepEqual(parseChatMessageWebhook(JSON.stringify(payload)), payload, "parsed, unknown fields kept");
  let refused;
  try {
    parseChatMessageWebhook({ ...payload, version: "2.0.0" });
  } catch (error) {
    refused = error;
  }
  ok(refused instanceof InvalidRequestError, `version 2: ${describe(refused)}`);
});

test("createProxy serves a key-less client and adds the credentials itself", async (ctx) => {
  const { env, pkg } = ctx;
  const proxy = pkg.createProxy({
    apiKey: env.apiKey, siteToken: env.siteToken, baseUrl: env.url, prefix: "/api/chat",
    allow: ["listChats", "sendMessage"], authorize: () => true,
  });
  const browser = new pkg.ChatClient({
    baseUrl: "https://dashboard.example.com/api/chat", siteToken: "GSN-browser", maxRetries: 0,
    fetch: (url, init) => proxy(new Request(url, init)),
  });
  equal((await browser.listChats()).items.length, 3, "listed through the proxy");
  equal((await browser.sendMessage(ADA, { content: "via the proxy" })).content, "via the proxy", "sent");
  // The proxy answers an operation outside its allow list with 403, which the client reports as such.
  await expectError(ctx, browser.archiveChat(ADA), "AuthenticationError", { status: 403 });
  const upstream = await ctx.control.apiRequests();
  equal(upstream.length, 2, "only allowed operations reach the API");
  ok(upstream.every((r) => r.query.api_key === env.apiKey && r.query.site_token === env.siteToken), "real credentials upstream");
});

/**
 * A Request as a browser would send it, with headers a page cannot set itself (`Origin`, `Sec-Fetch-*`). A
 * browser's Request drops those, so they are laid over the request's own headers when the runtime dropped them.
 */
function browserRequest(url, init = {}, extra = {}) {
  const request = new Request(url, { ...init, headers: { ...init.headers, ...extra } });
  const missing = Object.entries(extra).some(([name, value]) => request.headers.get(name) !== value);
  if (missing) {
    const headers = new Headers(request.headers);
    for (const [name, value] of Object.entries(extra)) headers.set(name, value);
    Object.defineProperty(request, "headers", { value: headers });
  }
  return request;
}

function proxyFor(ctx, options = {}) {
  const { env, pkg } = ctx;
  return pkg.createProxy({
    apiKey: env.apiKey, siteToken: env.siteToken, baseUrl: env.url, prefix: "/api/chat",
    allow: ["listChats", "listMessages", "sendMessage"], authorize: () => true, ...options,
  });
}

const DASHBOARD = "https://dashboard.example.com";

test("createProxy refuses a cross-site write before authorize, and a write that is not JSON", async (ctx) => {
  let asked = 0;
  const proxy = proxyFor(ctx, { authorize: () => { asked++; return true; } });
  const url = `${DASHBOARD}/api/chat/chat/v1/chats/${encodeURIComponent(ADA)}/messages`;
  const form = browserRequest(url, { method: "POST", body: '{"content":"phished"}', headers: { "content-type": "text/plain" } }, {
    origin: "https://evil.example", "sec-fetch-site": "cross-site",
  });
  const refused = await proxy(form);
  equal(refused.status, 403, "cross-site status");
  equal((await refused.json()).code, "proxy_cross_site", "cross-site code");
  equal(asked, 0, "authorize not asked");
  const plain = browserRequest(url, { method: "POST", body: '{"content":"x"}', headers: { "content-type": "text/plain" } }, {
    origin: DASHBOARD, "sec-fetch-site": "same-origin",
  });
  equal((await proxy(plain)).status, 415, "same-origin text/plain");
  const own = browserRequest(url, { method: "POST", body: '{"content":"mine"}', headers: { "content-type": "application/json" } }, {
    origin: DASHBOARD, "sec-fetch-site": "same-origin",
  });
  equal((await proxy(own)).status, 200, "same-origin JSON");
  const sent = await ctx.control.apiRequests();
  equal(sent.length, 1, "only the same-origin JSON write reached the API");
});

test("createProxy rebuilds the upstream query from the operation's own parameters", async (ctx) => {
  const proxy = proxyFor(ctx);
  for (const query of [";site_token=GSN-other", "site_token[]=x", "_method=DELETE", "callback=x", "api_key=mine", "limit=5&limit=6", "limit=0,999"]) {
    const response = await proxy(new Request(`${DASHBOARD}/api/chat/chat/v1/chats?${query}`));
    equal(response.status, 400, query);
    equal((await response.json()).code, "proxy_bad_query", query);
  }
  equal((await ctx.control.apiRequests()).length, 0, "nothing reached the API");
  equal((await proxy(new Request(`${DASHBOARD}/api/chat/chat/v1/chats?site_token=GSN-browser&limit=1,2&from=2023-11-14T22:13:20Z`))).status, 200, "chats");
  const messages = `${DASHBOARD}/api/chat/chat/v1/chats/${encodeURIComponent(ADA)}/messages?limit=3&offset=1&to=2030-01-01`;
  equal((await proxy(new Request(messages))).status, 200, "messages");
  const [chats, listed] = await ctx.control.apiRequests();
  deepEqual(chats.query, { api_key: ctx.env.apiKey, site_token: ctx.env.siteToken, limit: "1,2", from: "2023-11-14T22:13:20.000Z" }, "chats query");
  deepEqual(listed.query, { api_key: ctx.env.apiKey, site_token: ctx.env.siteToken, limit: "3", offset: "1", to: "1893456000000" }, "messages query");
});

test("createProxy answers JSON only, never sniffed or cached, and follows no redirect", async (ctx) => {
  const check = (response, label) => {
    equal(response.headers.get("x-content-type-options"), "nosniff", `${label} nosniff`);
    equal(response.headers.get("cache-control"), "no-store", `${label} no-store`);
    ok(/^application\/json/.test(response.headers.get("content-type") ?? ""), `${label} is JSON`);
  };
  const proxy = proxyFor(ctx);
  const listed = await proxy(new Request(`${DASHBOARD}/api/chat/chat/v1/chats`));
  equal(listed.status, 200, "listed");
  check(listed, "an answer");
  const refused = await proxy(new Request(`${DASHBOARD}/api/chat/people/v1/people`));
  equal(refused.status, 404, "unknown route");
  check(refused, "a refusal");
  const html = proxyFor(ctx, { fetch: async () => new Response(`<script>alert("${ctx.env.apiKey}")</script>`, { headers: { "content-type": "text/html" } }) });
  const notJson = await html(new Request(`${DASHBOARD}/api/chat/chat/v1/chats`));
  equal(notJson.status, 502, "html upstream");
  check(notJson, "an html upstream");
  const text = await notJson.text();
  ok(!text.includes("<script>") && !text.includes(ctx.env.apiKey), "the upstream body is not passed back");
  let init;
  const redirecting = proxyFor(ctx, { fetch: async (url, i) => { init = i; return new Response(null, { status: 302, headers: { location: url } }); } });
  const redirected = await redirecting(new Request(`${DASHBOARD}/api/chat/chat/v1/chats`));
  equal(redirected.status, 502, "redirect");
  equal(init.redirect, "manual", "fetch told not to follow redirects");
  equal((await redirected.json()).code, "proxy_upstream_redirect", "redirect code");
});

test("gosquared-chat/client: calls, pages and errors of its own, without the edge toolkit or the export", async (ctx) => {
  const { client: entry } = ctx.entries;
  ok(entry !== undefined, "the harness passed the client entry");
  const client = new entry.ChatClient({ apiKey: ctx.env.apiKey, siteToken: ctx.env.siteToken, baseUrl: ctx.env.url, timeoutMs: 2000 });
  const sent = await client.sendMessage(ADA, { content: "from the client entry" });
  equal(sent.content, "from the client entry", "sent");
  const first = await client.listChats({ limit: 2 });
  ok(first instanceof entry.Page && first.hasNextPage(), "a first page of its own Page class");
  equal((await first.getNextPage()).items.length, 1, "second page");
  const error = await rejection(client.getChat("no such chat?"));
  ok(error instanceof entry.NotFoundError && error instanceof entry.GoSquaredError, `its own classes: ${describe(error)}`);
  // Each entry has its own module and classes: instanceof does not cross entries, the name does.
  ok(!(error instanceof ctx.pkg.NotFoundError), "not an instance of the full entry's class");
  equal(error.name, "NotFoundError", "name");
  equal(error.status, 404, "status");
  const badOptions = (() => {
    try {
      new entry.ChatClient({ siteToken: ctx.env.siteToken, apikey: "typo" });
    } catch (thrown) {
      return thrown;
    }
  })();
  ok(badOptions instanceof entry.InvalidRequestError, `bad options: ${describe(badOptions)}`);
  for (const name of ["createProxy", "personSignature", "verifyWebhookSecret", "parseChatMessageWebhook"]) {
    equal(entry[name], undefined, name);
  }
  let exportError;
  try {
    client.exportChats();
  } catch (thrown) {
    exportError = thrown;
  }
  ok(exportError instanceof entry.GoSquaredError && /import ChatClient from "gosquared-chat"/.test(exportError.message), `exportChats: ${describe(exportError)}`);
});

test("gosquared-chat/edge: signatures, webhook checks and a proxy request, without the client", async (ctx) => {
  const { edge } = ctx.entries;
  ok(edge !== undefined, "the harness passed the edge entry");
  equal(edge.ChatClient, undefined, "no ChatClient");
  equal(edge.personSignature("Jefe", "what do ya want for nothing?"), ctx.pkg.personSignature("Jefe", "what do ya want for nothing?"), "same HMAC");
  ok(edge.verifyWebhookSecret("https://example.com/hook?secret=0123456789abcdef", "0123456789abcdef"), "the secret");
  let refused;
  try {
    edge.parseChatMessageWebhook("{}");
  } catch (error) {
    refused = error;
  }
  ok(refused instanceof edge.InvalidRequestError && refused.name === "InvalidRequestError", `a bad payload: ${describe(refused)}`);
  const proxy = edge.createProxy({
    apiKey: ctx.env.apiKey, siteToken: ctx.env.siteToken, baseUrl: ctx.env.url, prefix: "/api/chat",
    allow: ["listChats"], authorize: () => true,
  });
  const response = await proxy(new Request("https://dashboard.example.com/api/chat/chat/v1/chats?limit=2"));
  equal(response.status, 200, "status");
  equal((await response.json()).list.length, 2, "listed through the proxy");
  const upstream = await ctx.control.apiRequests();
  equal(upstream.length, 1, "one request upstream");
  equal(upstream[0].query.api_key, ctx.env.apiKey, "the proxy added the key");
  equal((await proxy(new Request("https://dashboard.example.com/api/chat/chat/v1/chats/x/archive", { method: "POST" }))).status, 403, "not allowed");
});

test("401 and 403 are AuthenticationErrors without the key in them", async (ctx) => {
  const { env, pkg } = ctx;
  const wrong = new pkg.ChatClient({ apiKey: "sk_wrong_KEY_9", siteToken: env.siteToken, baseUrl: env.url });
  const e = await expectError(ctx, wrong.listChats(), "AuthenticationError", { status: 401, code: 4001, method: "GET", path: "/chat/v1/chats" });
  assertNoKey(e, "sk_wrong_KEY_9");
  const badToken = new pkg.ChatClient({ apiKey: env.apiKey, siteToken: "GSN-0-X", baseUrl: env.url });
  await expectError(ctx, badToken.getChat(ADA), "AuthenticationError", { status: 403 });
});

test("404 is a NotFoundError with the encoded path", async (ctx) => {
  await expectError(ctx, clientFor(ctx).getChat("no such chat?"), "NotFoundError", { status: 404, path: "/chat/v1/chats/no%20such%20chat%3F" });
});

test("429 is a RateLimitError with retryAfterMs", async (ctx) => {
  await ctx.control.inject({ status: 429, headers: { "retry-after": "3" } });
  await expectError(ctx, clientFor(ctx, { maxRetries: 0 }).listChats(), "RateLimitError", { status: 429, code: 4002, retryAfterMs: 3000, attempts: 1 });
});

test("400 and 422 from the API are InvalidRequestErrors", async (ctx) => {
  const client = clientFor(ctx, { maxRetries: 0 });
  await ctx.control.inject({ status: 400, body: { code: 4003, message: "Error 4003: invalid parameter" } });
  await expectError(ctx, client.listChats(), "InvalidRequestError", { status: 400, code: 4003 });
  await ctx.control.inject({ status: 422, body: { code: "bad_thing", message: "nope" } });
  await expectError(ctx, client.listChats(), "InvalidRequestError", { status: 422, code: "bad_thing" });
});

test("5xx is a ServerError; an HTML error page too", async (ctx) => {
  const client = clientFor(ctx, { maxRetries: 0 });
  await ctx.control.inject({ status: 503 });
  await expectError(ctx, client.getChat(ADA), "ServerError", { status: 503 });
  await ctx.control.inject({ html: true });
  await expectError(ctx, client.getChat(ADA), "ServerError", { status: 502 });
});

test("a refused connection and a reset socket are ConnectionErrors", async (ctx) => {
  const { env, pkg } = ctx;
  const dead = new pkg.ChatClient({ apiKey: env.apiKey, siteToken: env.siteToken, baseUrl: env.deadUrl, maxRetries: 0 });
  await expectError(ctx, dead.listChats(), "ConnectionError", { attempts: 1 });
  // Several times: Deno's, Bun's and Chromium's fetch resend a request on their own when a reused keep-alive
  // connection is reset, once per pooled connection (earlier tests with concurrent requests leave several).
  // The next test's reset clears what is left.
  await ctx.control.inject({ reset: true, times: 10 });
  await expectError(ctx, clientFor(ctx, { maxRetries: 0 }).listChats(), "ConnectionError");
});

test("an attempt over timeoutMs is a TimeoutError", async (ctx) => {
  await ctx.control.inject({ hang: true });
  await expectError(ctx, clientFor(ctx, { maxRetries: 0 }).listChats({}, { timeoutMs: 150 }), "TimeoutError", { attempts: 1 });
});

test("a 2xx body that is not the JSON expected is a ResponseFormatError", async (ctx) => {
  const client = clientFor(ctx, { maxRetries: 0 });
  await ctx.control.inject({ truncate: true });
  await expectError(ctx, client.listChats(), "ResponseFormatError", { status: 200 });
  await ctx.control.inject({ empty: true });
  await expectError(ctx, client.getChat(ADA), "ResponseFormatError", { status: 200 });
  await ctx.control.inject({ status: 200, body: { hello: "no list here" } });
  await expectError(ctx, client.listChats(), "ResponseFormatError");
});

test("a redirect is a ResponseFormatError: never followed, never retried", async (ctx) => {
  // The answer points back at the emulator's own API: a followed redirect would show as a second request.
  const location = `${ctx.env.url}/chat/v1/chats?followed=1`;
  const calls = [[302, (c) => c.listChats()], [307, (c) => c.sendMessage(ADA, { content: "hi" })]];
  for (const [status, call] of calls) {
    const before = (await ctx.control.apiRequests()).length;
    await ctx.control.inject({ status, headers: { location } });
    const e = await expectError(ctx, call(clientFor(ctx, { maxRetries: 2 })), "ResponseFormatError", { attempts: 1 });
    // Browsers answer `redirect: "manual"` with an opaque redirect, which has no status.
    ok(e.status === status || e.status === undefined, `status: ${e.status}`);
    ok(e.message.includes("redirect") && !e.message.includes("followed"), e.message);
    equal((await ctx.control.apiRequests()).length, before + 1, "requests sent");
  }
});

test("a 2xx body carrying an error code is classified by that code", async (ctx) => {
  await ctx.control.inject({ status: 200, body: { code: 4001, message: "Your API Key is not authorised for this endpoint" } });
  await expectError(ctx, clientFor(ctx, { maxRetries: 0 }).listChats(), "AuthenticationError", { status: 200, code: 4001 });
});

test("a key echoed in the API's message is redacted", async (ctx) => {
  const key = ctx.env.apiKey;
  await ctx.control.inject({ status: 400, body: { code: 4004, message: `bad value api_key=${key} (${encodeURIComponent(key)})` } });
  const e = await expectError(ctx, clientFor(ctx, { maxRetries: 0 }).listChats(), "InvalidRequestError");
  ok(e.message.includes("[redacted]"), `redacted: ${e.message}`);
});

test("retryable failures are retried: a 503 then success", async (ctx) => {
  await ctx.control.inject({ status: 503, headers: { "retry-after": "0" } });
  const chat = await clientFor(ctx, { maxRetries: 1 }).getChat(ADA);
  equal(chat.id, ADA, "id");
  equal((await ctx.control.apiRequests()).length, 2, "attempts");
});

test("every error class is exported, named, and extends GoSquaredError", async (ctx) => {
  const names = [
    "AuthenticationError", "NotFoundError", "RateLimitError", "InvalidRequestError",
    "ServerError", "ConnectionError", "TimeoutError", "ResponseFormatError",
  ];
  for (const name of names) {
    const cls = ctx.pkg[name];
    equal(typeof cls, "function", name);
    const e = new cls("m", { status: 418 });
    ok(e instanceof ctx.pkg.GoSquaredError && e instanceof Error, `${name} chain`);
    equal(e.name, name, "name");
    equal(e.status, 418, "status");
  }
  equal(typeof ctx.pkg.Page, "function", "Page");
  equal(typeof ctx.pkg.PagePromise, "function", "PagePromise");
});

/** Bad arguments, each of which must be refused before any request (Node's client tests use this table too). */
export const ARGUMENT_CASES = {
  "chatId empty": (c) => c.getChat(""),
  "chatId number": (c) => c.getChat(42),
  "chatId undefined": (c) => c.archiveChat(),
  "chatId object": (c) => c.getFeed({ id: "x" }),
  "chatId ..": (c) => c.getChat(".."),
  "chatId control char": (c) => c.getChat("a\nb"),
  "chatId lone surrogate": (c) => c.getChat("a\uD800b"),
  "chatId too long": (c) => c.getChat("x".repeat(1025)),
  "content missing": (c) => c.sendMessage(ADA, {}),
  "content empty": (c) => c.sendMessage(ADA, { content: "" }),
  "content blank": (c) => c.addNote(ADA, { content: "   " }),
  "content number": (c) => c.sendMessage(ADA, { content: 5 }),
  "content huge": (c) => c.sendMessage(ADA, { content: "x".repeat(100_001) }),
  "message not an object": (c) => c.sendMessage(ADA, "hello"),
  "message null": (c) => c.sendMessage(ADA, null),
  "from unknown": (c) => c.sendMessage(ADA, { content: "x", from: "admin" }),
  "note with from": (c) => c.addNote(ADA, { content: "x", from: "agent" }),
  "extra key": (c) => c.sendMessage(ADA, { content: "x", contnet: "y" }),
  "limit 0": (c) => c.listChats({ limit: 0 }),
  "limit 251": (c) => c.listChats({ limit: 251 }),
  "limit 1.5": (c) => c.listChats({ limit: 1.5 }),
  "limit NaN": (c) => c.getFeed(ADA, { limit: NaN }),
  "limit string": (c) => c.listMessages(ADA, { limit: "10" }),
  "offset negative": (c) => c.listChats({ offset: -1 }),
  "offset Infinity": (c) => c.listChats({ offset: Infinity }),
  "from invalid date": (c) => c.listChats({ from: new Date("nope") }),
  "from not ISO": (c) => c.listChats({ from: "yesterday" }),
  "from negative": (c) => c.listChats({ from: -5 }),
  "from after to": (c) => c.listChats({ from: 2000, to: 1000 }),
  "params array": (c) => c.listChats([1, 2]),
  "params unknown key": (c) => c.listChats({ limt: 5 }),
  "opts timeoutMs 0": (c) => c.listChats({}, { timeoutMs: 0 }),
  "opts maxRetries 11": (c) => c.listChats({}, { maxRetries: 11 }),
  "opts signal not a signal": (c) => c.listChats({}, { signal: {} }),
  "opts unknown key": (c) => c.getChat(ADA, { retries: 1 }),
};

for (const [name, call] of Object.entries(ARGUMENT_CASES)) {
  test(`bad argument (${name}) is an InvalidRequestError and sends nothing`, async (ctx) => {
    const error = await rejection(call(clientFor(ctx)));
    ok(error instanceof ctx.pkg.InvalidRequestError, `got ${describe(error)}`);
    equal(error.status, undefined, "status");
    assertNoKey(error, ctx.env.apiKey);
    equal((await ctx.control.apiRequests()).length, 0, "requests sent");
  });
}

test("bad client options throw InvalidRequestError from the constructor", async (ctx) => {
  const { apiKey, siteToken } = ctx.env;
  const cases = [
    undefined, null, "key", {}, { apiKey }, { siteToken },
    { apiKey: "", siteToken },
    { apiKey, siteToken, baseUrl: "ftp://x" },
    { apiKey, siteToken, fetch: "fetch" },
    { apiKey, siteToken, timeoutMs: -1 },
    { apiKey, siteToken, maxRetries: 1.5 },
    { apiKey, siteToken, headers: { "x-a": "a\r\nb" } },
    { apiKey, siteToken, apikey: "typo" },
  ];
  for (const options of cases) {
    let thrown;
    try {
      new ctx.pkg.ChatClient(options);
    } catch (error) {
      thrown = error;
    }
    ok(thrown instanceof ctx.pkg.InvalidRequestError, `${show(options)}: got ${describe(thrown)}`);
    assertNoKey(thrown, apiKey);
  }
  ok(!JSON.stringify(clientFor(ctx)).includes(apiKey), "the client does not serialise its key");
});

test("an already aborted signal rejects with its reason and sends nothing", async (ctx) => {
  const reason = new Error("user went away");
  equal(await rejection(clientFor(ctx).getChat(ADA, { signal: AbortSignal.abort(reason) })), reason, "reason");
  equal((await ctx.control.apiRequests()).length, 0, "requests");
});

test("aborting during a hung request rejects with the signal's reason and does not retry", async (ctx) => {
  await ctx.control.inject({ hang: true });
  const controller = new AbortController();
  const call = rejection(clientFor(ctx).listChats({}, { signal: controller.signal, timeoutMs: 5000 }));
  await ctx.control.waitForLog((log) => log.length === 1);
  controller.abort();
  equal((await call).name, "AbortError", "name");
  equal((await ctx.control.apiRequests()).length, 1, "requests");
});

test("aborting during the wait between retries stops at once", async (ctx) => {
  // Retry-After 5 s: the first attempt's 503 is followed by a long wait, which the abort must cut short.
  await ctx.control.inject({ status: 503, times: 5, headers: { "retry-after": "5" } });
  const controller = new AbortController();
  const call = rejection(clientFor(ctx).getChat(ADA, { signal: controller.signal, maxRetries: 3 }));
  await ctx.control.waitForLog((log) => log[0]?.status === 503);
  controller.abort("stop");
  equal(await call, "stop", "reason");
  equal((await ctx.control.apiRequests()).length, 1, "requests");
});

test("reads retry a timeout, then report TimeoutError with the attempt count", async (ctx) => {
  await ctx.control.inject({ hang: true, times: 2 });
  const error = await rejection(clientFor(ctx).getChat(ADA, { timeoutMs: 100, maxRetries: 1 }));
  ok(error instanceof ctx.pkg.TimeoutError, describe(error));
  equal(error.attempts, 2, "attempts");
  equal(error.mayHaveSucceeded, false, "mayHaveSucceeded");
});

test("a timed-out message send is not retried and says it may have succeeded", async (ctx) => {
  await ctx.control.inject({ delayMs: 400, process: true });
  const error = await rejection(clientFor(ctx).sendMessage(ADA, { content: "once" }, { timeoutMs: 100 }));
  ok(error instanceof ctx.pkg.TimeoutError, describe(error));
  equal(error.attempts, 1, "attempts");
  equal(error.mayHaveSucceeded, true, "mayHaveSucceeded");
  await sleep(500);
  const ada = (await ctx.control.store()).chats.find((c) => c.id === ADA);
  equal(ada.feed.filter((item) => item.content === "once").length, 1, "stored exactly once");
});

test("watch hands out each new message once and in order, resumes from its cursor, and stops cleanly", async (ctx) => {
  const client = clientFor(ctx);
  const stop = new AbortController();
  const first = client.watch({ intervalMs: 20, signal: stop.signal });
  const events = [];
  const reading = rejection((async () => {
    for await (const event of first) events.push(event);
  })());
  // The watch starts after what is already there: wait for its first lists, then let customers write.
  await ctx.control.waitForLog((log) => log.filter((r) => r.status === 200).length >= 2);
  const written = [];
  for (let i = 0; i < 6; i++) written.push((await ctx.control.customerMessage(i % 2 ? "person-2" : "newcomer", `hello ${i}`)).id);
  const messages = (list) => list.filter((e) => e.type === "message").map((e) => e.message.id);
  while (messages(events).length < 6) await sleep(10);
  const reason = new Error("closing the tab");
  stop.abort(reason);
  equal(await reading, reason, "an abort rejects with its reason");
  // Order holds within a chat (a poll hands out one chat's messages, then the next chat's).
  for (const chatId of ["newcomer", "person-2"]) {
    const mine = events.filter((e) => e.type === "message" && e.chatId === chatId).map((e) => e.message.id);
    deepEqual(mine, written.filter((_, i) => (i % 2 ? "person-2" : "newcomer") === chatId), `${chatId}: each message once, in order`);
  }
  equal(messages(events).length, 6, "no other message");
  // A chat event each time a chat moves (once per poll at most), before that chat's messages.
  deepEqual([...new Set(events.filter((e) => e.type === "chat").map((e) => e.chatId))].sort(), ["newcomer", "person-2"], "chat events");
  ok(events.findIndex((e) => e.type === "chat" && e.chatId === "newcomer") < events.findIndex((e) => e.type === "message" && e.chatId === "newcomer"), "chat first");
  equal(events.find((e) => e.chatId === "newcomer").chat.id, "newcomer", "the chat's body");
  // While nothing watches, customers go on writing; the cursor, through JSON, picks up exactly there.
  const cursor = JSON.parse(JSON.stringify(first.cursor));
  for (let i = 6; i < 9; i++) written.push((await ctx.control.customerMessage("person-3", `hello ${i}`)).id);
  const resumed = [];
  for await (const event of client.watch({ intervalMs: 20, since: cursor })) {
    if (event.type === "message") resumed.push(event.message.id);
    if (resumed.length === 3) break; // leaving the loop ends the watch
  }
  deepEqual(resumed, written.slice(6), "resumed with no gap and no repeat");
});

