// createNodeProxy: the proxy on a real Node `http` server, as a handler and as a `(req, res, next)` middleware,
// with the browser's requests (Host, Origin, Sec-Fetch-Site as a browser sends them) and the security findings
// that apply to it: cross-site refused before authorize, the body limit while streaming, slow bodies, the key
// redacted, and a client that goes away aborting the upstream call.
import { describe, test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { once } from "node:events";
import { ChatClient, createNodeProxy, NotFoundError } from "gosquared-chat";
import { createNodeProxy as edgeNodeProxy } from "gosquared-chat/edge";
import { emulator, API_KEY, SITE_TOKEN, apiRequests } from "./helpers.mjs";

const ALLOW = ["listChats", "getChat", "getFeed", "sendMessage", "listWebhooks"];

/** Starts `http.createServer(handler)` on a free port; resolves to `{ url, origin, close }`. */
async function serve(handler) {
  const server = http.createServer(handler);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    }),
  };
}

/**
 * One request as a browser page of `origin` sends it. Resolves to `{ status, headers, text, json }`.
 * `body` may be a string, or a function handed the request to write and leave open.
 */
function browser(url, { method = "GET", origin, site = "same-origin", cookie = "session=admin", type, body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const h = { ...headers };
    if (origin !== undefined) h.origin = origin;
    if (site !== undefined) h["sec-fetch-site"] = site;
    if (cookie !== undefined) h.cookie = cookie;
    if (type !== undefined) h["content-type"] = type;
    const req = http.request(url, { method, headers: h }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (text += c));
      res.on("end", () => {
        let json;
        try {
          json = JSON.parse(text);
        } catch {}
        resolve({ status: res.statusCode, headers: res.headers, text, json, request: req });
      });
    });
    req.on("error", reject);
    if (typeof body === "function") body(req);
    else req.end(body);
  });
}

describe("createNodeProxy on http.createServer", () => {
  let emu;
  let site;
  let asked;
  before(async () => {
    emu = await emulator();
    const proxy = createNodeProxy({
      apiKey: API_KEY, siteToken: SITE_TOKEN, baseUrl: emu.url, prefix: "/api/chat", allow: ALLOW,
      authorize: (request) => {
        asked += 1;
        return request.headers.get("cookie") === "session=admin";
      },
    });
    site = await serve(proxy);
  });
  after(async () => {
    await site.close();
    await emu.close();
  });
  beforeEach(() => {
    asked = 0;
    emu.reset();
  });

  test("is exported by the full entry and the edge entry", () => {
    assert.equal(typeof createNodeProxy, "function");
    assert.equal(typeof edgeNodeProxy, "function");
  });

  test("a browser client with proxyUrl and no site token talks to /api/chat/chats/…", async () => {
    const seen = [];
    const chat = new ChatClient({
      proxyUrl: `${site.origin}/api/chat`,
      maxRetries: 0,
      // What a browser adds to its own page's requests.
      fetch: (url, init) => {
        seen.push(new URL(url).pathname + new URL(url).search);
        return fetch(url, { ...init, headers: { ...init.headers, origin: site.origin, "sec-fetch-site": "same-origin", cookie: "session=admin" } });
      },
    });
    assert.equal((await chat.listChats({ limit: 2 })).items.length, 2);
    const sent = await chat.sendMessage("person-2", { content: "through node:http" });
    assert.equal(sent.content, "through node:http");
    assert.equal((await chat.getChat("email:ada@example.com")).id, "email:ada@example.com");
    assert.ok((await chat.getChat("nobody").catch((e) => e)) instanceof NotFoundError);
    assert.deepEqual(seen, [
      "/api/chat/chats?limit=0,2",
      "/api/chat/chats/person-2/messages",
      "/api/chat/chats/email%3Aada%40example.com",
      "/api/chat/chats/nobody",
    ]);
    const upstream = apiRequests(emu);
    assert.equal(upstream.length, 4);
    assert.ok(upstream.every((r) => r.query.api_key === API_KEY && r.query.site_token === SITE_TOKEN), "the proxy adds the credentials");
    assert.equal(upstream[1].path, "/chat/v1/chats/person-2/messages");
    assert.ok(emu.store.messages("person-2").some((m) => m.content === "through node:http"));
  });

  test("a client with baseUrl and the API's own paths still works", async () => {
    const chat = new ChatClient({
      baseUrl: `${site.origin}/api/chat`, siteToken: "GSN-browser", maxRetries: 0,
      fetch: (url, init) => fetch(url, { ...init, headers: { ...init.headers, cookie: "session=admin" } }),
    });
    assert.equal((await chat.listChats()).items.length, 3);
    assert.equal(apiRequests(emu)[0].query.site_token, SITE_TOKEN);
  });

  test("the Origin is checked against the Host the browser used, and another site's page is refused before authorize", async () => {
    const path = `${site.origin}/api/chat/chats/person-2/messages`;
    const write = { method: "POST", type: "application/json", body: '{"content":"phished"}' };
    const cross = await browser(path, { ...write, origin: "https://evil.example", site: "cross-site" });
    assert.deepEqual([cross.status, cross.json.code], [403, "proxy_cross_site"]);
    const spoofed = await browser(path, { ...write, origin: "http://localhost:1", site: "same-site" });
    assert.deepEqual([spoofed.status, spoofed.json.code], [403, "proxy_cross_site"]);
    const form = await browser(path, { ...write, type: "text/plain", origin: site.origin });
    assert.deepEqual([form.status, form.json.code], [415, "proxy_bad_content_type"]);
    assert.equal(asked, 1, "authorize was asked only for the same-origin request");
    const guest = await browser(path, { ...write, origin: site.origin, cookie: "session=guest" });
    assert.deepEqual([guest.status, guest.json.code], [401, "proxy_unauthorized"]);
    const own = await browser(path, { ...write, origin: site.origin });
    assert.equal(own.status, 200, own.text);
    assert.equal(apiRequests(emu).length, 1, "only the same-origin, authorised JSON write reached the API");
    for (const answer of [cross, form, guest, own]) {
      assert.equal(answer.headers["x-content-type-options"], "nosniff");
      assert.equal(answer.headers["cache-control"], "no-store");
    }
  });

  test("a body over the limit is refused while it streams in, before it has all arrived", async () => {
    let written = 0;
    const big = await browser(`${site.origin}/api/chat/chats/person-2/messages`, {
      method: "POST", origin: site.origin, type: "application/json",
      body: (req) => {
        const chunk = Buffer.alloc(64 * 1024, "x");
        // 1.5 MiB with no Content-Length, and the request left open: the answer must come before the end.
        for (let i = 0; i < 24; i += 1) {
          req.write(chunk);
          written += chunk.length;
        }
      },
    });
    assert.deepEqual([big.status, big.json.code], [413, "proxy_body_too_large"]);
    assert.ok(!big.request.writableEnded, "the body was never finished");
    big.request.destroy();
    assert.equal(written, 24 * 64 * 1024);
    assert.equal(apiRequests(emu).length, 0);
  });

  test("a body that stops arriving is refused after bodyTimeoutMs", async () => {
    const proxy = createNodeProxy({ apiKey: API_KEY, siteToken: SITE_TOKEN, baseUrl: emu.url, prefix: "/api/chat", allow: ALLOW, bodyTimeoutMs: 50, authorize: () => true });
    const slow = await serve(proxy);
    try {
      const answer = await browser(`${slow.origin}/api/chat/chats/person-2/messages`, {
        method: "POST", origin: slow.origin, type: "application/json", body: (req) => req.write('{"content":'),
      });
      assert.deepEqual([answer.status, answer.json.code], [408, "proxy_body_timeout"]);
      answer.request.destroy();
    } finally {
      await slow.close();
    }
    assert.equal(apiRequests(emu).length, 0);
  });

  test("the key is redacted from what the API echoes", async () => {
    emu.inject({ status: 400, body: { code: 4004, message: `bad value api_key=${API_KEY} (${encodeURIComponent(API_KEY)})` } });
    const answer = await browser(`${site.origin}/api/chat/chats`, { origin: site.origin });
    assert.equal(answer.status, 400);
    assert.ok(!answer.text.includes(API_KEY) && !answer.text.includes(encodeURIComponent(API_KEY)), answer.text);
    assert.match(answer.text, /\[redacted\]/);
  });

  test("a client that goes away aborts the upstream call", async () => {
    let upstreamSignal;
    let called;
    const calledPromise = new Promise((resolve) => (called = resolve));
    const proxy = createNodeProxy({
      apiKey: API_KEY, siteToken: SITE_TOKEN, prefix: "/api/chat", allow: ALLOW, authorize: () => true,
      fetch: (url, init) => {
        upstreamSignal = init.signal;
        called();
        return new Promise(() => {});
      },
    });
    const hanging = await serve(proxy);
    try {
      const req = http.request(`${hanging.origin}/api/chat/chats`, { headers: { origin: hanging.origin, "sec-fetch-site": "same-origin" } });
      req.on("error", () => {});
      req.end();
      await calledPromise;
      const aborted = once(upstreamSignal, "abort");
      req.destroy();
      await aborted;
      assert.equal(upstreamSignal.aborted, true);
    } finally {
      await hanging.close();
    }
  });
});

describe("createNodeProxy as a (req, res, next) middleware", () => {
  let emu;
  before(async () => {
    emu = await emulator();
  });
  after(() => emu.close());

  test("hands on what is outside its mount, even from another site, and serves its mount", async () => {
    const proxy = createNodeProxy({ apiKey: API_KEY, siteToken: SITE_TOKEN, baseUrl: emu.url, prefix: "/api/chat", allow: ALLOW, authorize: () => true });
    const app = await serve((req, res) => proxy(req, res, () => res.end(`next ${req.url}`)));
    try {
      const page = await browser(`${app.origin}/index.html`, { origin: "https://elsewhere.example", site: "cross-site" });
      assert.deepEqual([page.status, page.text], [200, "next /index.html"]);
      const outside = await browser(`${app.origin}/api/chatter`, {});
      assert.equal(outside.text, "next /api/chatter");
      const listed = await browser(`${app.origin}/api/chat/chats?limit=1`, { origin: app.origin });
      assert.equal(listed.status, 200);
      assert.equal(listed.json.list.length, 1);
      const unknown = await browser(`${app.origin}/api/chat/people`, { origin: app.origin });
      assert.deepEqual([unknown.status, unknown.json.code], [404, "proxy_unknown_route"], "inside the mount, the proxy answers");
    } finally {
      await app.close();
    }
  });

  test("reads originalUrl where a router strips its mount from req.url (Express's app.use('/api/chat', …))", async () => {
    const proxy = createNodeProxy({ apiKey: API_KEY, siteToken: SITE_TOKEN, baseUrl: emu.url, prefix: "/api/chat", allow: ALLOW, authorize: () => true });
    const app = await serve((req, res) => {
      if (!req.url.startsWith("/api/chat/")) return res.end("not mounted");
      req.originalUrl = req.url;
      req.url = req.url.slice("/api/chat".length);
      return proxy(req, res, (error) => res.end(`next ${error ?? ""}`));
    });
    try {
      const feed = await browser(`${app.origin}/api/chat/chats/person-2/feed?limit=0,3`, { origin: app.origin });
      assert.equal(feed.status, 200, feed.text);
      assert.equal(feed.json.list.length, 3);
      const cross = await browser(`${app.origin}/api/chat/chats`, { origin: "https://evil.example", site: "cross-site" });
      assert.equal(cross.status, 403);
    } finally {
      await app.close();
    }
  });

  test("bad options throw at once, as createProxy's do", () => {
    assert.throws(() => createNodeProxy({ apiKey: API_KEY, siteToken: SITE_TOKEN, allow: [], authorize: () => true }), /allow must list/);
  });
});

describe("ChatClient options for a proxy", () => {
  const fetch = async () => new Response("[]", { headers: { "content-type": "application/json" } });
  test("proxyUrl needs no key and no site token, and excludes apiKey and baseUrl", () => {
    assert.ok(new ChatClient({ proxyUrl: "/api/chat", fetch }));
    assert.ok(new ChatClient({ proxyUrl: "https://dash.example/api/chat", siteToken: "GSN-1-A", fetch }));
    assert.ok(new ChatClient({ baseUrl: "/api/chat", fetch }), "any proxy base without a site token");
    assert.throws(() => new ChatClient({ proxyUrl: "/api/chat", apiKey: API_KEY, siteToken: SITE_TOKEN, fetch }), { name: "InvalidRequestError", message: /apiKey must not be given with proxyUrl/ });
    assert.throws(() => new ChatClient({ proxyUrl: "/api/chat", baseUrl: "/api/chat", fetch }), { name: "InvalidRequestError", message: /exclude each other/ });
    assert.throws(() => new ChatClient({ proxyUrl: "api/chat", fetch }), { name: "InvalidRequestError", message: /proxyUrl must be/ });
    assert.throws(() => new ChatClient({ apiKey: API_KEY, fetch }), { name: "InvalidRequestError", message: /^siteToken is required$/ });
    assert.throws(() => new ChatClient({ siteToken: SITE_TOKEN, fetch }), { name: "InvalidRequestError", message: /apiKey is required unless/ });
  });

  test("without a site token the URL carries only the operation's own query", async () => {
    const urls = [];
    const record = async (url) => {
      urls.push(url);
      return new Response(JSON.stringify({ list: [], cardinality: 0 }), { headers: { "content-type": "application/json" } });
    };
    await new ChatClient({ proxyUrl: "https://dash.example/api/chat", fetch: record }).listChats({ limit: 5 });
    await new ChatClient({ proxyUrl: "https://dash.example/api/chat/", fetch: record }).listMessages("a b", { limit: 5 });
    await new ChatClient({ baseUrl: "https://dash.example/api/chat", fetch: record }).getFeed("p");
    await new ChatClient({ proxyUrl: "https://dash.example/api/chat", siteToken: "GSN-1-A", fetch: record }).listChats();
    await new ChatClient({ proxyUrl: "https://dash.example/api/chat", fetch: async (url) => (urls.push(url), new Response("[]", { headers: { "content-type": "application/json" } })) }).listWebhooks();
    assert.deepEqual(urls, [
      "https://dash.example/api/chat/chats?limit=0,5",
      "https://dash.example/api/chat/chats/a%20b/messages?limit=5",
      "https://dash.example/api/chat/chat/v1/chats/p/feed",
      "https://dash.example/api/chat/chats?site_token=GSN-1-A",
      "https://dash.example/api/chat/webhooks",
    ]);
  });
});
