// The edge toolkit on the built package: Secure Mode signatures, webhook payloads and URL secrets, webhook
// management and delivery through the emulator, and the key-safe proxy.
import { describe, it, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import http from "node:http";
import { once } from "node:events";
import {
  ChatClient, InvalidRequestError, NotFoundError, personSignature, parseChatMessageWebhook, verifyWebhookSecret, createProxy,
} from "gosquared-chat";
import { emulator, clientFor, rejection, API_KEY, SITE_TOKEN } from "./helpers.mjs";

const SECRET = "whsec_0123456789abcdef";

/** A chat_message payload shaped like GoSquared's published sample, with the version the docs promise. */
function samplePayload() {
  return {
    version: "1.0.0",
    message: {
      id: "kjh2riu4rg3874h4",
      from: "client",
      person_id: "email:user@example.com",
      content: "Hey there. How much is your enterprise pricing?",
      timestamp: 1464874471279,
      html_content: "Hey there. How much is your enterprise pricing?",
      translated: { content: "Héy.", from: "en", to: "fr" },
      email: { subject: "Questions about my invoice" },
    },
    person: { id: "w19838738728748342", email: "ben@example.com", name: "Ben", avatar: null, presence: "online" },
  };
}

/** A local HTTP server that records every request it receives. */
async function recorder() {
  const received = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => { body += chunk; });
    req.on("end", () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.end("ok");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { received, url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

describe("personSignature", () => {
  it("is the lowercase hex HMAC-SHA256 of the person id, as node:crypto computes it", () => {
    const cases = [
      ["secure-mode-secret", "email:ada@example.com"],
      ["k", "x"],
      ["a".repeat(64), "exactly one block key"],
      ["a".repeat(200), "a key longer than one block is hashed first"],
      ["sëcret ✓", "person 😀 with unicode"],
      ["s", "y".repeat(1000)],
    ];
    for (const [secret, id] of cases) {
      const want = createHmac("sha256", secret).update(id).digest("hex");
      assert.equal(personSignature(secret, id), want, `${secret.slice(0, 10)} / ${id.slice(0, 10)}`);
    }
    assert.equal(personSignature("secure-mode-secret", "email:ada@example.com"), "33a63e9d1514293088045c9d99fffec574235a1945d1c9e80ccc57c3b0ea91d0");
  });

  it("refuses missing or non-string arguments", () => {
    for (const args of [["", "x"], ["s", ""], [undefined, "x"], ["s", 42]]) {
      assert.throws(() => personSignature(...args), InvalidRequestError);
    }
  });
});

describe("parseChatMessageWebhook", () => {
  it("returns the payload from JSON text or an object, unknown fields kept", () => {
    const payload = { ...samplePayload(), extra: { kept: true } };
    const fromText = parseChatMessageWebhook(JSON.stringify(payload));
    assert.deepEqual(fromText, payload);
    assert.equal(parseChatMessageWebhook(payload), payload, "an object comes back as the same object");
  });

  it("names the first bad field", () => {
    const cases = [
      [(p) => { p.message.timestamp = "yesterday"; }, /message\.timestamp must be a number/],
      [(p) => { delete p.message.person_id; }, /message\.person_id must be a non-empty string/],
      [(p) => { p.person = []; }, /person must be an object/],
      [(p) => { p.message.content = 7; }, /message\.content must be a string/],
      [(p) => { delete p.version; }, /version is missing/],
      [(p) => { p.version = 1; }, /version must be a string/],
      [(p) => { p.version = "1.0"; }, /not a semver version/],
    ];
    for (const [spoil, message] of cases) {
      const payload = samplePayload();
      spoil(payload);
      assert.throws(() => parseChatMessageWebhook(payload), (e) => e instanceof InvalidRequestError && message.test(e.message));
    }
  });

  it("refuses an unsupported major version clearly, and accepts any 1.x", () => {
    assert.throws(() => parseChatMessageWebhook({ ...samplePayload(), version: "2.0.0" }), /major version 2; this client understands major version 1 only/);
    assert.equal(parseChatMessageWebhook({ ...samplePayload(), version: "1.4.2" }).version, "1.4.2");
  });

  it("refuses bodies that are not JSON objects", () => {
    for (const body of ["not json", "[]", "null", 42, null, undefined]) {
      assert.throws(() => parseChatMessageWebhook(body), InvalidRequestError, String(body));
    }
  });
});

describe("verifyWebhookSecret", () => {
  it("accepts the secret in the URL query, from a Request, a URL or a string", () => {
    const url = `https://worker.example/hooks/gosquared?secret=${SECRET}`;
    assert.equal(verifyWebhookSecret(new Request(url, { method: "POST", body: "{}" }), SECRET), true);
    assert.equal(verifyWebhookSecret(new URL(url), SECRET), true);
    assert.equal(verifyWebhookSecret(url, SECRET), true);
    assert.equal(verifyWebhookSecret(`https://w.example/h?token=${SECRET}`, SECRET, { param: "token" }), true);
  });

  it("refuses a wrong, missing or repeated secret", () => {
    for (const url of [
      `https://w.example/h?secret=${SECRET}x`,
      `https://w.example/h?secret=${SECRET.slice(0, -1)}`,
      "https://w.example/h",
      `https://w.example/h?secret=${SECRET}&secret=${SECRET}`,
      `https://w.example/h?token=${SECRET}`,
    ]) {
      assert.equal(verifyWebhookSecret(url, SECRET), false, url);
    }
  });

  it("throws on a weak expected secret rather than accepting anything", () => {
    assert.throws(() => verifyWebhookSecret("https://w.example/h?secret=", ""), InvalidRequestError);
    assert.throws(() => verifyWebhookSecret("https://w.example/h?secret=short", "short"), /at least 16 characters/);
  });
});

describe("webhook management and delivery through the emulator", () => {
  let emu, client, sink;
  before(async () => {
    emu = await emulator();
    client = clientFor(emu);
    sink = await recorder();
  });
  after(async () => {
    await sink.close();
    await emu.close();
  });
  beforeEach(() => {
    emu.reset("3:5");
    sink.received.length = 0;
  });

  it("creates, lists and deletes webhooks with the API's field names", async () => {
    const hook = await client.createWebhook({ url: `${sink.url}/hook?secret=${SECRET}`, name: "Payments", includeUnverified: true });
    assert.equal(hook.trigger, "chat_message");
    assert.equal(hook.include_unverified, true);
    const create = emu.requests.at(-1);
    assert.equal(create.path, "/account/v1/webhooks");
    assert.deepEqual(JSON.parse(create.body), { url: `${sink.url}/hook?secret=${SECRET}`, name: "Payments", trigger: "chat_message", include_unverified: true });
    assert.deepEqual((await client.listWebhooks()).map((h) => h.id), [hook.id]);
    assert.deepEqual(await client.deleteWebhook(hook.id), {});
    assert.equal(emu.requests.at(-1).method, "DELETE");
    assert.deepEqual(await client.listWebhooks(), []);
    assert.ok((await rejection(client.deleteWebhook(hook.id))) instanceof NotFoundError);
  });

  it("refuses bad webhook input before any request", async () => {
    const before = emu.requests.length;
    for (const bad of [{ url: "ftp://x" }, { url: "/relative" }, {}, { url: "https://x", trigger: "chat" }, { url: "https://x", includeUnverified: "yes" }, { url: "https://x", nme: "typo" }]) {
      assert.ok((await rejection(client.createWebhook(bad))) instanceof InvalidRequestError, JSON.stringify(bad));
    }
    for (const id of ["", 1.5, -1, null, ".."]) {
      assert.ok((await rejection(client.deleteWebhook(id))) instanceof InvalidRequestError, String(id));
    }
    assert.equal(emu.requests.length, before);
  });

  it("delivers a client message as a chat_message payload that parses and carries the URL secret", async () => {
    await client.createWebhook({ url: `${sink.url}/hook?secret=${SECRET}` });
    const sent = emu.clientMessage("person-2", "My card was charged twice");
    await client.sendMessage("person-2", { content: "An agent reply fires nothing by default" });
    await client.addNote("person-2", { content: "Notes never fire" });
    await emu.webhooksSettled();
    assert.equal(sink.received.length, 1);
    const [delivery] = sink.received;
    assert.equal(delivery.method, "POST");
    assert.equal(delivery.headers["content-type"], "application/json");
    assert.equal(verifyWebhookSecret(`http://x${delivery.url}`, SECRET), true);
    const payload = parseChatMessageWebhook(delivery.body);
    assert.equal(payload.version, "1.0.0");
    assert.deepEqual(
      { id: payload.message.id, from: payload.message.from, chat: payload.message.person_id, content: payload.message.content },
      { id: sent.id, from: "client", chat: "person-2", content: "My card was charged twice" },
    );
    assert.equal(payload.person.email, "person-2@example.com");
    assert.equal(emu.webhooks.deliveries[0].status, 200);
  });

  it("also fires for agent messages when the emulator is told to", async () => {
    const emu2 = await emulator({ webhookAgentMessages: true });
    try {
      await clientFor(emu2).createWebhook({ url: `${sink.url}/agent` });
      await clientFor(emu2).sendMessage("person-3", { content: "Hello from the team" });
      await emu2.webhooksSettled();
      assert.equal(JSON.parse(sink.received.at(-1).body).message.from, "agent");
    } finally {
      await emu2.close();
    }
  });
});

describe("createProxy", () => {
  const ORIGIN = "http://dashboard.local";
  let emu;
  before(async () => {
    emu = await emulator({ rateLimit: { limit: 750, refillPerMinute: 750, cost: 1 } });
  });
  after(() => emu.close());
  beforeEach(() => emu.reset("3:5"));

  const proxyFor = (options = {}) => createProxy({
    apiKey: API_KEY, siteToken: SITE_TOKEN, baseUrl: emu.url, prefix: "/api/chat",
    allow: ["listChats", "getFeed", "sendMessage"], authorize: () => true, ...options,
  });
  /** A key-less ChatClient whose requests go through `proxy`, as a browser's would. */
  const browserClient = (proxy) => new ChatClient({
    baseUrl: `${ORIGIN}/api/chat`, siteToken: "GSN-browser-token", maxRetries: 0,
    fetch: (url, init) => proxy(new Request(url, init)),
  });

  it("serves a key-less ChatClient: the real credentials upstream, the browser's refused or replaced", async () => {
    const proxy = proxyFor();
    const page = await browserClient(proxy).listChats({ limit: 2 });
    assert.equal(page.items.length, 2);
    const sent = await browserClient(proxy).sendMessage("email:ada@example.com", { content: "via the proxy" });
    assert.equal(sent.content, "via the proxy");
    // Security review, query smuggling: an api_key from the browser, in any spelling, is now refused (it was dropped).
    const smuggled = await proxy(new Request(`${ORIGIN}/api/chat/chat/v1/chats?api_key=browser-guess&api%5Fkey=x&site_token=other&limit=0,1`));
    assert.equal(smuggled.status, 400);
    assert.equal((await smuggled.json()).code, "proxy_bad_query");
    const response = await proxy(new Request(`${ORIGIN}/api/chat/chat/v1/chats?site_token=other&limit=0,1`));
    assert.equal(response.status, 200);
    for (const req of emu.requests) {
      assert.equal(req.query.api_key, API_KEY);
      assert.equal(req.query.site_token, SITE_TOKEN);
    }
    assert.equal(emu.requests.at(-1).query.limit, "0,1");
  });

  it("passes the rate-limit headers back and never the key", async () => {
    const proxy = proxyFor();
    const response = await proxy(new Request(`${ORIGIN}/api/chat/chat/v1/chats`));
    assert.equal(response.headers.get("x-ratelimit-limit"), "750");
    assert.ok(Number(response.headers.get("x-ratelimit-remaining")) < 750);
    const client = browserClient(proxy);
    await client.listChats();
    assert.equal(client.rateLimit.limit, 750);
    const text = await response.text();
    for (const [name, value] of response.headers) assert.ok(!value.includes(API_KEY), name);
    assert.ok(!text.includes(API_KEY) && !text.includes(encodeURIComponent(API_KEY)));
  });

  it("refuses every operation and method outside the allow list, without calling upstream", async () => {
    const proxy = proxyFor({ allow: ["listChats"] });
    const refused = [
      ["GET", "/chat/v1/archivedChats", 403],
      ["GET", "/chat/v1/chats/person-2", 403],
      ["GET", "/chat/v1/chats/person-2/feed", 403],
      ["GET", "/chat/v1/chats/person-2/messages", 403],
      ["POST", "/chat/v1/chats/person-2/messages", 403],
      ["POST", "/chat/v1/chats/person-2/notes", 403],
      ["POST", "/chat/v1/chats/person-2/archive", 403],
      ["POST", "/chat/v1/chats/person-2/unarchive", 403],
      ["GET", "/account/v1/webhooks", 403],
      ["POST", "/account/v1/webhooks", 403],
      ["DELETE", "/account/v1/webhooks/1", 403],
      ["POST", "/chat/v1/chats", 405],
      ["DELETE", "/chat/v1/chats", 405],
      ["HEAD", "/chat/v1/chats", 405],
      ["GET", "/people/v1/people", 404],
      ["GET", "/chat/v1/chats/person-2/secret", 404],
      ["GET", "/chat/v1/chats/%zz/feed", 400],
      ["GET", "/chat/v1/chats/%0A/feed", 400],
      ["GET", "/chat/v1/chats/%2e%2e/feed", 404], // the URL parser resolves the dots first
    ];
    for (const [method, path, status] of refused) {
      const body = method === "POST" ? "{}" : undefined;
      const response = await proxy(new Request(`${ORIGIN}/api/chat${path}`, { method, body }));
      assert.equal(response.status, status, `${method} ${path}`);
      if (method !== "HEAD") assert.match((await response.json()).code, /^proxy_/);
    }
    const outside = await proxy(new Request(`${ORIGIN}/elsewhere/chat/v1/chats`));
    assert.equal(outside.status, 404);
    assert.equal(emu.requests.length, 0, "nothing reached the API");
    const refusedByClient = await rejection(browserClient(proxy).archiveChat("person-2"));
    assert.equal(refusedByClient.status, 403);
  });

  it("asks authorize first, and a refusal or a throw stops the request", async () => {
    const seen = [];
    const proxy = proxyFor({ authorize: async (request) => { seen.push(request.headers.get("cookie")); return request.headers.get("cookie") === "session=admin"; } });
    const denied = await proxy(new Request(`${ORIGIN}/api/chat/chat/v1/chats`, { headers: { cookie: "session=guest" } }));
    assert.equal(denied.status, 401);
    const throwing = proxyFor({ authorize: () => { throw new Error("session store down"); } });
    assert.equal((await throwing(new Request(`${ORIGIN}/api/chat/chat/v1/chats`))).status, 401);
    const truthy = proxyFor({ authorize: () => "yes" });
    assert.equal((await truthy(new Request(`${ORIGIN}/api/chat/chat/v1/chats`))).status, 401, "only true lets a request through");
    assert.equal(emu.requests.length, 0);
    const allowed = await proxy(new Request(`${ORIGIN}/api/chat/chat/v1/chats`, { headers: { cookie: "session=admin" } }));
    assert.equal(allowed.status, 200);
    assert.deepEqual(seen, ["session=guest", "session=admin"]);
    assert.equal(emu.requests[0].headers.cookie, undefined, "the browser's cookies are not forwarded");
  });

  it("redacts the key from an upstream that echoes it, and hides upstream failures", async () => {
    const echo = proxyFor({ fetch: async (url) => new Response(JSON.stringify({ code: 4001, message: `bad key in ${url}` }), { status: 401, headers: { "set-cookie": "a=b" } }) });
    const response = await echo(new Request(`${ORIGIN}/api/chat/chat/v1/chats`));
    const text = await response.text();
    assert.equal(response.status, 401);
    assert.ok(!text.includes(API_KEY) && !text.includes(encodeURIComponent(API_KEY)), text);
    // Security review, redaction: a 401 or 403 from upstream now gets a generic body instead of its own, redacted.
    assert.equal(JSON.parse(text).code, "proxy_upstream_auth");
    assert.equal(response.headers.get("set-cookie"), null);
    const json = { "content-type": "application/json" };
    const echo400 = proxyFor({ fetch: async (url) => new Response(JSON.stringify({ code: 4000, message: `bad request ${url}` }), { status: 400, headers: json }) });
    const redacted = await (await echo400(new Request(`${ORIGIN}/api/chat/chat/v1/chats`))).text();
    assert.ok(!redacted.includes(API_KEY) && !redacted.includes(encodeURIComponent(API_KEY)), redacted);
    assert.match(redacted, /\[redacted\]/);
    const down = proxyFor({ fetch: async (url) => { throw new TypeError(`connect ECONNREFUSED ${url}`); } });
    const failed = await down(new Request(`${ORIGIN}/api/chat/chat/v1/chats`));
    assert.equal(failed.status, 502);
    assert.ok(!(await failed.text()).includes(API_KEY));
  });

  it("refuses oversized bodies and bad options", async () => {
    const proxy = proxyFor();
    const huge = JSON.stringify({ content: "x".repeat(1024 * 1024) });
    const response = await proxy(new Request(`${ORIGIN}/api/chat/chat/v1/chats/person-2/messages`, { method: "POST", body: huge, headers: { "content-type": "application/json" } }));
    assert.equal(response.status, 413);
    assert.equal(emu.requests.length, 0);
    const base = { apiKey: API_KEY, siteToken: SITE_TOKEN, allow: ["listChats"], authorize: () => true };
    for (const bad of [
      { ...base, authorize: undefined },
      { ...base, allow: [] },
      { ...base, allow: ["listchats"] },
      { ...base, allow: "listChats" },
      { ...base, apiKey: undefined },
      { ...base, baseUrl: "/relative" },
      { ...base, prefix: "api" },
      { ...base, alow: ["listChats"] },
    ]) {
      assert.throws(() => createProxy(bad), InvalidRequestError, JSON.stringify(Object.keys(bad)));
    }
  });
});

describe("the emulator's webhook routes", () => {
  let emu;
  before(async () => {
    emu = await emulator();
  });
  after(() => emu.close());

  const call = async (method, path, { key = API_KEY, body } = {}) => {
    const query = new URLSearchParams({ ...(key ? { api_key: key } : {}), site_token: SITE_TOKEN });
    const res = await fetch(`${emu.url}${path}?${query}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, limit: res.headers.get("x-ratelimit-limit") };
  };

  it("check the key and the body like the chat routes", async () => {
    emu.reset("1:0");
    assert.equal((await call("GET", "/account/v1/webhooks", { key: null })).status, 401);
    const missing = await call("POST", "/account/v1/webhooks", { body: {} });
    assert.deepEqual([missing.status, missing.body.code], [400, 4000]);
    for (const body of [{ url: "ftp://x" }, { url: "https://x", trigger: "nope" }, { url: "https://x", include_unverified: "yes" }]) {
      const bad = await call("POST", "/account/v1/webhooks", { body });
      assert.deepEqual([bad.status, bad.body.code], [400, 4004], JSON.stringify(body));
    }
    const created = await call("POST", "/account/v1/webhooks", { body: { url: "https://hooks.example/x", trigger: "traffic_spike", value: 50 } });
    assert.deepEqual(created.body, { id: 1, url: "https://hooks.example/x", name: null, trigger: "traffic_spike", value: 50, include_unverified: false });
    assert.equal(created.limit, "750");
    assert.deepEqual((await call("GET", "/account/v1/webhooks/1")).body.id, 1);
    assert.equal((await call("DELETE", "/account/v1/webhooks/1")).status, 204);
    assert.equal((await call("GET", "/account/v1/webhooks/1")).status, 404);
    assert.equal((await call("PUT", "/account/v1/webhooks")).status, 404);
  });

  it("log deliveries, failed ones included, on a control route", async () => {
    emu.reset("1:0");
    const closed = await recorder();
    await closed.close(); // a port nobody listens on any more
    await call("POST", "/account/v1/webhooks", { body: { url: `${closed.url}/nobody-listens` } });
    emu.clientMessage("email:ada@example.com", "hello?");
    await emu.webhooksSettled();
    const log = await (await fetch(`${emu.url}/__emulator/webhook-deliveries`)).json();
    assert.equal(log.length, 1);
    assert.equal(log[0].status, 0);
    assert.equal(log[0].error, "ECONNREFUSED");
    assert.equal(log[0].payload.message.content, "hello?");
  });
});
