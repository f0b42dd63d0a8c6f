// The outside security review of createProxy, on the built package: one test per finding (each failed on the
// proxy as it was before the fixes), then the cases the review tried that held and must keep holding.
// Upstream is the emulator, or a small local server for the hostile answers the emulator never gives.
import { describe, it, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { once } from "node:events";
import { ChatClient, createProxy } from "gosquared-chat";
import { emulator, API_KEY, SITE_TOKEN } from "./helpers.mjs";

const ORIGIN = "https://dashboard.example";
const MIB = 1024 * 1024;
const JSON_TYPE = { "content-type": "application/json" };

/** A local upstream that records each raw request line and answers with `respond(req, body)` (default `{}`). */
async function upstreamServer(respond = () => ({ status: 200, headers: JSON_TYPE, body: "{}" })) {
  const received = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => { body += chunk; });
    req.on("end", async () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, body });
      const answer = await respond(req, body);
      if (answer === null) return; // never answers
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body ?? "");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    received,
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => {
      server.close(resolve);
      server.closeAllConnections();
    }),
  };
}

/** Serves `proxy` over real HTTP, turning Node's request into a fetch Request whose body stream counts what is pulled. */
async function proxyServer(proxy) {
  const stats = { pulled: 0 };
  const server = http.createServer(async (req, res) => {
    const origin = `http://${req.headers.host}`;
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const chunks = req[Symbol.asyncIterator]();
    const body = hasBody
      ? new ReadableStream({
        async pull(controller) {
          const { value, done } = await chunks.next();
          if (done) return controller.close();
          stats.pulled += value.byteLength;
          controller.enqueue(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
        },
        cancel() { req.destroy(); },
      }, { highWaterMark: 0 })
      : undefined;
    const request = new Request(new URL(req.url, origin), {
      method: req.method,
      headers: Object.entries(req.headers).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]])),
      body,
      duplex: hasBody ? "half" : undefined,
    });
    const response = await proxy(request);
    res.writeHead(response.status, { ...Object.fromEntries(response.headers), connection: "close" });
    res.end(Buffer.from(await response.arrayBuffer()));
    req.destroy();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    stats,
    port: server.address().port,
    close: () => new Promise((resolve) => {
      server.close(resolve);
      server.closeAllConnections();
    }),
  };
}

/** Sends a raw HTTP request and resolves to `{ status, body }` as soon as the answer is complete. */
function rawRequest(port, { method = "POST", path, headers, write, signal }) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method, path, headers, signal }, (res) => {
      let body = "";
      res.on("data", (chunk) => { body += chunk; });
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body }));
      res.on("error", reject);
    });
    req.on("error", (error) => (error.code === "ECONNRESET" || error.code === "EPIPE" ? undefined : reject(error)));
    write?.(req);
  });
}

/** A body stream of `total` bytes in `chunk`-byte pieces that counts how many bytes were pulled from it. */
function countingBody(total, chunk = 64 * 1024) {
  const stats = { pulled: 0, cancelled: false };
  const stream = new ReadableStream({
    pull(controller) {
      if (stats.pulled >= total) return controller.close();
      const piece = new Uint8Array(Math.min(chunk, total - stats.pulled)).fill(0x61);
      stats.pulled += piece.byteLength;
      controller.enqueue(piece);
    },
    cancel() { stats.cancelled = true; },
  }, { highWaterMark: 0 });
  return { stream, stats };
}

/** Every string in a parsed JSON value, member names included. */
function strings(value, out = []) {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      strings(v, out);
    }
  }
  return out;
}

/** Whether `text` holds the key, or any 8 characters of it, after the decodings an echo may need. */
function carriesKey(text) {
  const views = [text];
  for (const decode of [decodeURIComponent, (t) => decodeURIComponent(t.replace(/\+/g, " ")), (t) => Buffer.from(t, "base64").toString("latin1")]) {
    try {
      views.push(decode(text));
    } catch {}
  }
  return views.some((view) => {
    for (let i = 0; i + 8 <= API_KEY.length; i++) if (view.toLowerCase().includes(API_KEY.slice(i, i + 8).toLowerCase())) return true;
    return false;
  });
}

describe("the security review of createProxy", () => {
  let emu;
  before(async () => {
    emu = await emulator();
  });
  after(() => emu.close());
  beforeEach(() => emu.reset("3:5"));

  const proxyFor = (options = {}) => createProxy({
    apiKey: API_KEY, siteToken: SITE_TOKEN, baseUrl: emu.url, prefix: "/api/chat",
    allow: ["listChats", "getFeed", "listMessages", "getChat", "sendMessage", "archiveChat"], authorize: () => true, ...options,
  });
  const post = (path, body, headers = {}) => new Request(`${ORIGIN}/api/chat${path}`, { method: "POST", body, headers: { ...JSON_TYPE, ...headers } });

  it("finding 1 (CSRF): a cross-site write is refused before authorize, and a write must be JSON", async () => {
    let asked = 0;
    const proxy = proxyFor({ authorize: () => { asked++; return true; } });
    // The review's reproduction: an HTML form with enctype=text/plain on another site.
    const form = new Request(`${ORIGIN}/api/chat/chat/v1/chats/person-2/messages`, {
      method: "POST",
      body: '{"content":"phished","x":"=1"}',
      headers: { "content-type": "text/plain", origin: "https://evil.example", "sec-fetch-site": "cross-site", cookie: "session=admin" },
    });
    const refused = await proxy(form);
    assert.equal(refused.status, 403);
    assert.equal((await refused.json()).code, "proxy_cross_site");
    assert.equal(asked, 0, "authorize is not asked");
    for (const headers of [
      { origin: "https://evil.example" },
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site", origin: "https://admin.dashboard.example" },
      { origin: "null", "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "none" },
    ]) {
      const response = await proxy(post("/chat/v1/chats/person-2/messages", '{"content":"x"}', headers));
      assert.equal(response.status, 403, JSON.stringify(headers));
    }
    const crossRead = await proxy(new Request(`${ORIGIN}/api/chat/chat/v1/chats`, { headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site" } }));
    assert.equal(crossRead.status, 403, "a cross-site read is refused too");
    // Same origin but not JSON: a form can send nothing else.
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      const response = await proxy(post("/chat/v1/chats/person-2/messages", '{"content":"x"}', { "content-type": type, origin: ORIGIN, "sec-fetch-site": "same-origin" }));
      assert.equal(response.status, 415, type);
      assert.equal((await response.json()).code, "proxy_bad_content_type");
    }
    assert.equal(emu.requests.length, 0, "nothing reached the API");
    // The dashboard's own write, and one from an origin listed in allowedOrigins, go through.
    const own = await proxy(post("/chat/v1/chats/person-2/messages", '{"content":"mine"}', { origin: ORIGIN, "sec-fetch-site": "same-origin" }));
    assert.equal(own.status, 200);
    const listed = proxyFor({ allowedOrigins: ["https://admin.dashboard.example"] });
    const fromListed = await listed(post("/chat/v1/chats/person-2/messages", '{"content":"listed"}', { origin: "https://admin.dashboard.example", "sec-fetch-site": "same-site" }));
    assert.equal(fromListed.status, 200);
    const typed = await proxy(new Request(`${ORIGIN}/api/chat/chat/v1/chats`, { headers: { "sec-fetch-site": "none" } }));
    assert.equal(typed.status, 200, "a typed URL is a read");
    assert.equal(emu.requests.length, 3);
  });

  it("finding 2 (redirects carry the key): a redirect is a 502 that names no URL, and answers are JSON only, nosniff, no-store", async () => {
    const hostile = await upstreamServer((req) => {
      if (req.url.startsWith("/chat/v1/chats/redirect")) return { status: 302, headers: { location: `/stolen?echo=${encodeURIComponent(req.url)}` } };
      if (req.url.startsWith("/chat/v1/chats/html")) return { status: 200, headers: { "content-type": "text/html" }, body: `<script>alert(1)</script>${req.url}` };
      if (req.url.startsWith("/chat/v1/chats/sniff")) return { status: 200, headers: {}, body: "<html>no type</html>" };
      return { status: 200, headers: JSON_TYPE, body: "{\"list\":[]}" };
    });
    try {
      const proxy = proxyFor({ baseUrl: hostile.url });
      const redirected = await proxy(new Request(`${ORIGIN}/api/chat/chat/v1/chats/redirect`));
      const text = await redirected.text();
      assert.equal(redirected.status, 502);
      assert.equal(JSON.parse(text).code, "proxy_upstream_redirect");
      assert.ok(!text.includes("stolen") && !carriesKey(text), text);
      assert.equal(hostile.received.filter((r) => r.url.startsWith("/stolen")).length, 0, "the redirect is not followed");
      const opaque = proxyFor({ fetch: async () => ({ status: 0, type: "opaqueredirect", headers: new Headers(), text: async () => "" }) });
      assert.equal((await opaque(new Request(`${ORIGIN}/api/chat/chat/v1/chats`))).status, 502);
      for (const path of ["html", "sniff"]) {
        const response = await proxy(new Request(`${ORIGIN}/api/chat/chat/v1/chats/${path}`));
        const body = await response.text();
        assert.equal(response.status, 502, path);
        assert.equal(JSON.parse(body).code, "proxy_upstream_not_json");
        assert.ok(!body.includes("<"), "the upstream body is never passed back");
      }
      // Every answer, refusals included, is JSON that no browser sniffs or caches.
      const answers = [
        await proxy(new Request(`${ORIGIN}/api/chat/chat/v1/chats`)),
        redirected,
        await proxyFor({ authorize: () => false })(new Request(`${ORIGIN}/api/chat/chat/v1/chats`)),
        await proxy(new Request(`${ORIGIN}/api/chat/people/v1/people`)),
        await proxy(new Request(`${ORIGIN}/api/chat/chat/v1/chats`, { headers: { origin: "https://evil.example" } })),
      ];
      for (const response of answers) {
        assert.equal(response.headers.get("x-content-type-options"), "nosniff", String(response.status));
        assert.equal(response.headers.get("cache-control"), "no-store");
        assert.match(response.headers.get("content-type"), /^application\/json/);
      }
    } finally {
      await hostile.close();
    }
  });

  it("finding 3 (query smuggling): the upstream query is rebuilt from the operation's own parameters", async () => {
    const recorder = await upstreamServer(() => ({ status: 200, headers: JSON_TYPE, body: "{\"list\":[],\"cardinality\":0}" }));
    try {
      const proxy = proxyFor({ baseUrl: recorder.url });
      for (const query of [
        ";site_token=GSN-other", "limit=5;site_token=GSN-other", "site_token[]=GSN-other", "site.token=x", "site+token=x", "site_token%00=x",
        "_method=DELETE", "callback=steal", "limit=5&limit=6", "limit=0,1000", "limit=abc", "from=yesterday", "offset=5", "api_key=mine",
      ]) {
        const response = await proxy(new Request(`${ORIGIN}/api/chat/chat/v1/chats?${query}`));
        assert.equal(response.status, 400, query);
        assert.equal((await response.json()).code, "proxy_bad_query", query);
      }
      for (const query of ["limit=5", "callback=x"]) {
        assert.equal((await proxy(new Request(`${ORIGIN}/api/chat/chat/v1/chats/person-2?${query}`))).status, 400, `getChat takes no ${query}`);
      }
      assert.equal(recorder.received.length, 0, "nothing reached the API");
      const ok = await proxy(new Request(`${ORIGIN}/api/chat/chat/v1/chats?site_token=GSN-browser&limit=10,5&from=2023-11-14T22:13:20Z&to=1800000000000`));
      assert.equal(ok.status, 200);
      const messages = await proxy(new Request(`${ORIGIN}/api/chat/chat/v1/chats/person-2/messages?limit=5&offset=10&from=2023-11-14T22%3A13%3A20.000Z`));
      assert.equal(messages.status, 200);
      const key = encodeURIComponent(API_KEY);
      assert.deepEqual(recorder.received.map((r) => r.url), [
        `/chat/v1/chats?api_key=${key}&site_token=${SITE_TOKEN}&limit=10,5&from=2023-11-14T22%3A13%3A20.000Z&to=2027-01-15T08%3A00%3A00.000Z`,
        `/chat/v1/chats/person-2/messages?api_key=${key}&site_token=${SITE_TOKEN}&limit=5&offset=10&from=1700000000000`,
      ]);
    } finally {
      await recorder.close();
    }
  });

  it("finding 4 (body limit after buffering): a body is refused while it streams, by its length, its size or its slowness", async () => {
    // 50 MB offered as a stream: the proxy stops pulling at the limit. One chunk crosses the limit, and the
    // clone handed to authorize reads one chunk ahead.
    const rssBefore = process.memoryUsage().rss;
    const big = countingBody(50 * MIB);
    const response = await proxyFor()(new Request(`${ORIGIN}/api/chat/chat/v1/chats/person-2/messages`, { method: "POST", body: big.stream, duplex: "half", headers: JSON_TYPE }));
    assert.equal(response.status, 413);
    assert.equal((await response.json()).code, "proxy_body_too_large");
    assert.ok(big.stats.pulled <= MIB + 2 * 64 * 1024, `pulled ${big.stats.pulled} bytes of 50 MB`);
    assert.ok(process.memoryUsage().rss - rssBefore < 25 * MIB, "memory did not grow with the body");
    assert.equal(emu.requests.length, 0);

    const server = await proxyServer(proxyFor({ bodyTimeoutMs: 300 }));
    try {
      // A declared Content-Length over the limit is refused before a byte is read.
      const declared = await rawRequest(server.port, {
        path: "/api/chat/chat/v1/chats/person-2/messages",
        headers: { ...JSON_TYPE, "content-length": String(600 * MIB) },
        write: (req) => req.write("{\"content\":\""),
        signal: AbortSignal.timeout(5000),
      });
      assert.equal(declared.status, 413);
      assert.ok(server.stats.pulled < 64 * 1024, "nothing beyond what had arrived");
      // A chunked upload over real HTTP: refused at the limit, the rest never pulled.
      const chunked = await rawRequest(server.port, {
        path: "/api/chat/chat/v1/chats/person-2/messages",
        headers: { ...JSON_TYPE, "transfer-encoding": "chunked" },
        write: (req) => {
          const piece = Buffer.alloc(64 * 1024, 0x61);
          let sent = 0;
          const more = () => {
            while (sent < 50 * MIB && !req.destroyed) {
              sent += piece.length;
              if (!req.write(piece)) return req.once("drain", more);
            }
          };
          more();
        },
        signal: AbortSignal.timeout(10000),
      });
      assert.equal(chunked.status, 413);
      assert.ok(server.stats.pulled <= MIB + 2 * 64 * 1024, `pulled ${server.stats.pulled}`);
      // A body that stops arriving is refused after bodyTimeoutMs.
      server.stats.pulled = 0;
      const started = Date.now();
      const slow = await rawRequest(server.port, {
        path: "/api/chat/chat/v1/chats/person-2/messages",
        headers: { ...JSON_TYPE, "content-length": "100" },
        write: (req) => req.write("{\"content\":"),
        signal: AbortSignal.timeout(5000),
      });
      assert.equal(slow.status, 408);
      assert.equal(JSON.parse(slow.body).code, "proxy_body_timeout");
      assert.ok(Date.now() - started < 3000);
      assert.equal(emu.requests.length, 0);
    } finally {
      await server.close();
    }
  });

  it("finding 5 (redaction matches two spellings): the key is redacted in every spelling, in bodies and headers", async () => {
    const escaped = [...API_KEY].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("");
    const echoes = {
      escaped,
      truncated: API_KEY.slice(0, -2),
      headless: API_KEY.slice(3),
      base64: Buffer.from(API_KEY).toString("base64"),
      base64url: Buffer.from(`https://api.gosquared.com/chat/v1/chats?api_key=${encodeURIComponent(API_KEY)}`).toString("base64url"),
      lowercase: encodeURIComponent(API_KEY).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
      form: new URLSearchParams({ api_key: `${API_KEY} x` }).toString(),
      twice: encodeURIComponent(encodeURIComponent(API_KEY)),
      nested: JSON.stringify({ url: `?api_key=${API_KEY}` }),
    };
    const body = `{"code":4000,"echoes":{${Object.entries(echoes).map(([k, v]) => `"${k}":${k === "escaped" ? `"${v}"` : JSON.stringify(v)}`).join(",")}},"${escaped}":"as a member name","safe":"kept"}`;
    assert.equal(JSON.parse(body).echoes.escaped, API_KEY, "the echo is the whole key once parsed");
    const echo = proxyFor({
      fetch: async () => new Response(body, { status: 400, headers: { ...JSON_TYPE, "x-ratelimit-limit": API_KEY, "retry-after": "2" } }),
    });
    const response = await echo(new Request(`${ORIGIN}/api/chat/chat/v1/chats`));
    assert.equal(response.status, 400);
    const text = await response.text();
    const parsed = JSON.parse(text);
    for (const value of strings(parsed)) assert.ok(!carriesKey(value), `leaked: ${value}`);
    for (const name of Object.keys(echoes)) assert.equal(parsed.echoes[name], "[redacted]", name);
    assert.equal(parsed.safe, "kept");
    assert.equal(response.headers.get("x-ratelimit-limit"), null, "a header carrying the key is dropped");
    assert.equal(response.headers.get("retry-after"), "2");
    for (const status of [401, 403]) {
      const refused = proxyFor({ fetch: async () => new Response(JSON.stringify({ message: `key ${API_KEY.slice(0, 6)}… refused` }), { status, headers: JSON_TYPE }) });
      const answer = await refused(new Request(`${ORIGIN}/api/chat/chat/v1/chats`));
      assert.equal(answer.status, status);
      assert.deepEqual(await answer.json(), { code: "proxy_upstream_auth", message: "The GoSquared API refused the proxy's credentials" });
    }
  });

  it("finding 6 (robustness): odd statuses, a hung upstream and an authorize that reads the body", async () => {
    for (const status of [0.5, 101, 600, 1000, undefined]) {
      const odd = proxyFor({ fetch: async () => ({ status, headers: new Headers(JSON_TYPE), text: async () => "{}" }) });
      const response = await odd(new Request(`${ORIGIN}/api/chat/chat/v1/chats`));
      assert.equal(response.status, 502, String(status));
    }
    const hung = await upstreamServer(() => null);
    try {
      const proxy = proxyFor({ baseUrl: hung.url, timeoutMs: 200 });
      const started = Date.now();
      const response = await proxy(new Request(`${ORIGIN}/api/chat/chat/v1/chats`));
      assert.equal(response.status, 504);
      assert.equal((await response.json()).code, "proxy_upstream_timeout");
      assert.ok(Date.now() - started < 2000);
    } finally {
      await hung.close();
    }
    const reading = proxyFor({ authorize: async (request) => (await request.json()).content === "signed" });
    const sent = await reading(post("/chat/v1/chats/person-2/messages", '{"content":"signed"}'));
    assert.equal(sent.status, 200);
    assert.equal((await sent.json()).content, "signed", "the body was still forwarded");
    assert.throws(() => proxyFor({ timeoutMs: 0 }), /timeoutMs/);
    assert.throws(() => proxyFor({ bodyTimeoutMs: "10" }), /bodyTimeoutMs/);
    assert.throws(() => proxyFor({ allowedOrigins: ["https://a.example/path"] }), /allowedOrigins/);
  });

  it("finding 7 (encoded slashes in ids): an id that decodes to a path is refused", async () => {
    const proxy = proxyFor();
    for (const id of ["..%2F..%2Faccount%2Fv1%2Fwebhooks", "a%2Fb", "..%5C..%5Caccount", "%2e%2e%2F"]) {
      for (const tail of ["", "/feed", "/messages"]) {
        const response = await proxy(new Request(`${ORIGIN}/api/chat/chat/v1/chats/${id}${tail}`));
        assert.equal(response.status, 400, id + tail);
        assert.equal((await response.json()).code, "proxy_bad_id");
      }
    }
    assert.equal(emu.requests.length, 0);
  });

  describe("what held up and must keep holding", () => {
    it("path tricks: dot segments, double slashes, encoded separators and case are no route", async () => {
      const proxy = proxyFor();
      for (const path of [
        "/api/chat/../x", "/api/chat/chat/v1/../../account/v1/webhooks", "/api/chat//chat/v1/chats", "/api/chat/chat/v1//chats",
        "/api/chat/chat%2Fv1%2Fchats", "/API/chat/chat/v1/chats", "/api/chat/Chat/v1/chats", "/api/chat/chat/v1/chats/", "/api/chatter/chat/v1/chats",
      ]) {
        const response = await proxy(new Request(`${ORIGIN}${path}`));
        assert.ok([403, 404].includes(response.status), `${path}: ${response.status}`);
      }
      assert.equal(emu.requests.length, 0);
    });

    it("method overrides: neither X-HTTP-Method-Override nor _method changes what is sent", async () => {
      const proxy = proxyFor();
      const override = await proxy(new Request(`${ORIGIN}/api/chat/chat/v1/chats`, { headers: { "x-http-method-override": "DELETE", "x-method-override": "POST" } }));
      assert.equal(override.status, 200);
      assert.equal(emu.requests.at(-1).method, "GET");
      assert.equal(emu.requests.at(-1).headers["x-http-method-override"], undefined, "no browser header is forwarded");
      const query = await proxy(post("/chat/v1/chats/person-2/archive?_method=DELETE", undefined, {}));
      assert.equal(query.status, 400);
      const tunnelled = await proxy(new Request(`${ORIGIN}/api/chat/chat/v1/chats/person-2/archive`, { method: "PUT", headers: JSON_TYPE }));
      assert.equal(tunnelled.status, 405);
      assert.equal(emu.requests.length, 1);
    });

    it("credential spellings in the query never reach the API, and the real ones always do", async () => {
      const proxy = proxyFor();
      for (const query of ["api_key=x", "API_KEY=x", "api%5Fkey=x", "Api_Key=x", "api_key%20=x", "site_token=a&site_token=b", "SITE_TOKEN=x"]) {
        assert.equal((await proxy(new Request(`${ORIGIN}/api/chat/chat/v1/chats?${query}`))).status, 400, query);
      }
      assert.equal(emu.requests.length, 0);
      const browser = new ChatClient({ baseUrl: `${ORIGIN}/api/chat`, siteToken: "GSN-browser", maxRetries: 0, fetch: (url, init) => proxy(new Request(url, init)) });
      await browser.listChats({ limit: 2, offset: 1 });
      await browser.listMessages("person-2", { limit: 3, from: new Date(1700000000000) });
      await browser.sendMessage("person-2", { content: "hello" });
      await browser.archiveChat("person-2");
      assert.equal(emu.requests.length, 4);
      for (const req of emu.requests) assert.deepEqual([req.query.api_key, req.query.site_token], [API_KEY, SITE_TOKEN]);
    });

    it("authorize: only true passes; anything else, a throw or a rejection is 401", async () => {
      for (const verdict of [() => "true", () => 1, () => ({}), async () => "yes", () => undefined, () => { throw new Error("down"); }, () => Promise.reject(new Error("down"))]) {
        const response = await proxyFor({ authorize: verdict })(new Request(`${ORIGIN}/api/chat/chat/v1/chats`));
        assert.equal(response.status, 401, String(verdict));
        assert.equal((await response.json()).code, "proxy_unauthorized");
      }
      assert.equal(emu.requests.length, 0);
      assert.equal((await proxyFor({ authorize: async () => true })(new Request(`${ORIGIN}/api/chat/chat/v1/chats`))).status, 200);
    });
  });
});
