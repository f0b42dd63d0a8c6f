// The client-side findings of the security review, one test each: redirects never carry the key away, hostile
// sizes never reach (or trap) the WebAssembly module, ids with slashes are refused before any request, and the
// emulator's control routes answer no web page. See docs/security-client.md.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import {
  ChatClient, GoSquaredError, InvalidRequestError, ResponseFormatError,
  createProxy, parseChatMessageWebhook, personSignature, verifyWebhookSecret,
} from "gosquared-chat";
import { startEmulator } from "gosquared-chat/emulator";
import { API_KEY, SITE_TOKEN, apiRequests, assertNoKey, clientFor, emulator, rejection } from "./helpers.mjs";
import { startEmulatorProcess } from "./resilience-helpers.mjs";

const wasmBytes = () => ChatClient[Symbol.for("gosquared-chat.memoryDiagnostics")]().wasmMemoryBytes;
const MiB = 1024 * 1024;

/** A server that records every request it gets: where a followed redirect would land. */
async function elsewhere() {
  const seen = [];
  const server = http.createServer((req, res) => {
    seen.push(req.url);
    res.writeHead(200, { "content-type": "application/json" }).end('{"list":[],"id":"stolen"}');
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, seen, close: () => new Promise((r) => server.close(r)) };
}

/** One raw HTTP request with the Host and Origin a browser page would send; resolves to `{ status, headers, body }`. */
function raw(url, { method = "GET", host, headers = {} } = {}) {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: target.hostname, port: target.port, path: target.pathname + target.search, method, setHost: false, headers: { ...(host === undefined ? {} : { host }), ...headers } }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("security review, client side", () => {
  let emu;
  before(async () => {
    emu = await emulator();
  });
  after(() => emu.close());

  it("1. redirects carry the key: a 3xx (or an opaque redirect) is a ResponseFormatError, never followed or retried", async () => {
    const away = await elsewhere();
    try {
      const inits = [];
      const client = clientFor(emu, { maxRetries: 2, fetch: (url, init) => (inits.push(init), fetch(url, init)) });
      const location = `${away.url}/steal?from=emulator`;
      const cases = [
        [301, () => client.listChats(), "GET /chat/v1/chats"],
        [302, () => client.getChat("person-1"), "GET /chat/v1/chats/person-1"],
        [303, () => client.archiveChat("person-1"), "POST /chat/v1/chats/person-1/archive"],
        [307, () => client.sendMessage("person-1", { content: "card declined" }), "POST /chat/v1/chats/person-1/messages"],
        [308, () => client.addNote("person-1", { content: "called them" }), "POST /chat/v1/chats/person-1/notes"],
      ];
      for (const [status, call, route] of cases) {
        emu.clearRequests();
        emu.inject({ status, headers: { location } });
        const e = await rejection(call());
        assert.ok(e instanceof ResponseFormatError, `${status}: ${e?.name}: ${e?.message}`);
        assert.equal(e.status, status);
        assert.equal(e.attempts, 1, "not retried");
        assert.equal(e.mayHaveSucceeded, false);
        assert.equal(e.message, `The API answered with a redirect (HTTP ${status}), which the client does not follow [${route}]`);
        assert.ok(!JSON.stringify(e).includes(away.url) && !String(e.stack).includes("steal"), "the Location is not in the error");
        assertNoKey(e);
        assert.equal(apiRequests(emu).length, 1, `${status}: one request`);
      }
      assert.deepEqual(away.seen, [], "nothing reached the redirect's target");
      assert.ok(inits.length > 0 && inits.every((init) => init.redirect === "manual"), "every request says redirect: manual");
      for (const init of inits) for (const key of ["credentials", "mode", "cache"]) assert.equal(key in init, false, key);

      // A browser answers `redirect: "manual"` with an opaque redirect: status 0, nothing readable.
      let calls = 0;
      const opaque = { type: "opaqueredirect", status: 0, ok: false, headers: new Headers(), text: async () => "" };
      const browserLike = new ChatClient({ apiKey: API_KEY, siteToken: SITE_TOKEN, maxRetries: 2, fetch: async () => (calls++, opaque) });
      const e = await rejection(browserLike.getChat("person-1"));
      assert.ok(e instanceof ResponseFormatError, `${e?.name}: ${e?.message}`);
      assert.equal(e.status, undefined);
      assert.equal(e.message, "The API answered with a redirect, which the client does not follow [GET /chat/v1/chats/person-1]");
      assert.equal(calls, 1, "not retried");
    } finally {
      await away.close();
    }
  });

  it("2. hostile sizes reach wasm memory: over-long strings are refused before they are copied, and never trap the module", async () => {
    const requests = [];
    const client = new ChatClient({
      apiKey: API_KEY, siteToken: SITE_TOKEN, baseUrl: "http://api.example.test", maxRetries: 0,
      fetch: async (url, init) => (requests.push(url), new Response(JSON.stringify({ id: "w_1", list: [] }), { status: 200 })),
    });
    // Warm up every path measured below, so that the baseline holds what they need in normal use.
    await client.sendMessage("a", { content: "x".repeat(100_000) });
    await client.createWebhook({ url: "https://hooks.example/h", name: "n", value: "v", trigger: "entered_smart_group" });
    parseChatMessageWebhook({ version: "1.0.0", message: { id: "m", from: "client", person_id: "p", content: "x".repeat(100_000), timestamp: 1 }, person: { id: "p" } });
    const baseline = wasmBytes();
    const refused = async (what, promiseOrThrow, field) => {
      let error;
      try {
        await promiseOrThrow();
      } catch (e) {
        error = e;
      }
      assert.ok(error instanceof InvalidRequestError, `${what}: ${error?.name}: ${error?.message}`);
      assert.match(error.message, new RegExp(`^(Invalid chat_message webhook payload: )?${field} is longer than [\\d]+ characters`), what);
      assertNoKey(error);
    };

    const big = "x".repeat(50_000_000);
    requests.length = 0;
    await refused("50M-character content", () => client.sendMessage("a", { content: big }), "content");
    // (It used to be copied whole into wasm memory, which is never given back: about 200 MiB.)
    assert.ok(wasmBytes() - baseline <= 2 * MiB, `wasm memory grew by ${((wasmBytes() - baseline) / MiB).toFixed(1)} MiB after a 50M-character content`);
    await refused("50M-character note", () => client.addNote("a", { content: big }), "content");
    await refused("50M-character idempotency key", () => client.sendMessage("a", { content: "hi" }, { idempotencyKey: big }), "idempotencyKey");
    await refused("50M-character chat id", () => client.getChat(big), "chatId");
    await refused("50M-character webhook id", () => client.deleteWebhook(big), "webhookId");
    await refused("50M-character time", () => client.listChats({ from: big }), "from");
    await refused("50M-character apiKey", () => new ChatClient({ apiKey: big, siteToken: SITE_TOKEN }), "apiKey");
    await refused("50M-character baseUrl", () => new ChatClient({ apiKey: API_KEY, siteToken: SITE_TOKEN, baseUrl: big }), "baseUrl");
    await refused("50M-character header value", () => new ChatClient({ apiKey: API_KEY, siteToken: SITE_TOKEN, headers: { "x-a": big } }), "a header value");
    await refused("50M-character header name", () => new ChatClient({ apiKey: API_KEY, siteToken: SITE_TOKEN, headers: { [big]: "v" } }), "a header name");
    await refused("50M-character Secure Mode secret", () => personSignature(big, "p"), "secret");
    await refused("50M-character person id", () => personSignature("s3cret", big), "personId");
    await refused("50M-character request URL", () => verifyWebhookSecret(`https://a.example/?secret=${big}`, "0123456789abcdef"), "the request URL");
    await refused("50M-character proxy apiKey", () => createProxy({ apiKey: big, siteToken: SITE_TOKEN, allow: [], authorize: () => true }), "apiKey");
    const payload = { version: "1.0.0", message: { id: "m", from: "client", person_id: "p", content: big, timestamp: 1 }, person: { id: "p" } };
    await refused("50M-character webhook payload field", () => parseChatMessageWebhook(payload), "message.content");
    let cursorError;
    try {
      client.watch({ since: { v: 1, watermark: 1, chats: [{ id: "a", at: 1, ids: [big] }] } });
    } catch (e) {
      cursorError = e;
    }
    assert.ok(cursorError instanceof InvalidRequestError && /ids are too many or too long/.test(cursorError.message), String(cursorError?.message));
    let unknownKey;
    try {
      await client.listChats({ [big]: 1 });
    } catch (e) {
      unknownKey = e;
    }
    assert.ok(unknownKey instanceof InvalidRequestError && unknownKey.message.length < 200, String(unknownKey?.message).slice(0, 200));
    assert.equal(requests.length, 0, "nothing was sent");
    const grown = wasmBytes() - baseline;
    assert.ok(grown <= 2 * MiB, `wasm memory grew by ${(grown / MiB).toFixed(1)} MiB`);

    // Four strings of the longest length V8 allows once made the module trap (RuntimeError: unreachable).
    const huge = "x".repeat(2 ** 29 - 24);
    for (const webhook of [
      { url: huge, name: huge, trigger: huge, value: huge },
      { url: "https://hooks.example/h", name: huge, trigger: huge, value: huge },
      { url: "https://hooks.example/h", trigger: "entered_smart_group", value: huge },
    ]) {
      const e = await rejection(client.createWebhook(webhook));
      assert.ok(e instanceof GoSquaredError && e instanceof InvalidRequestError, `${e?.name}: ${e?.message}`);
      assert.match(e.message, /^(url|name|value) is longer than \d+ characters$/);
    }
    assert.ok(wasmBytes() - baseline <= 2 * MiB, `wasm memory grew by ${((wasmBytes() - baseline) / MiB).toFixed(1)} MiB`);
    assert.equal(requests.length, 0);
    // The module still works.
    assert.deepEqual(await client.getChat("a"), { id: "w_1", list: [] });
    assert.equal(requests.length, 1);
  });

  it("3. ids with encoded slashes: a chat or webhook id with / or \\, or a dot segment, is refused before any request", async () => {
    emu.clearRequests();
    const client = clientFor(emu, { maxRetries: 0 });
    const ids = ["a/b", "a\\b", "/", "\\", ".", "..", "../account/v1/webhooks", "..\\x", "x/../../account/v1/webhooks", "person-1/"];
    for (const id of ids) {
      for (const call of [
        () => client.getChat(id), () => client.getFeed(id), () => client.listMessages(id),
        () => client.sendMessage(id, { content: "hi" }), () => client.addNote(id, { content: "hi" }),
        () => client.archiveChat(id), () => client.unarchiveChat(id),
      ]) {
        const e = await rejection(call());
        assert.ok(e instanceof InvalidRequestError, `${JSON.stringify(id)}: ${e?.name}: ${e?.message}`);
        assert.match(e.message, /^chatId must not (contain "\/" or "\\"|be "\." or "\.\.")$/);
      }
      const e = await rejection(client.deleteWebhook(id));
      assert.ok(e instanceof InvalidRequestError, `${JSON.stringify(id)}: ${e?.name}`);
      assert.match(e.message, /^webhookId must not /);
    }
    assert.deepEqual(emu.requests, [], "nothing reached the API");
    // Percent signs and dots within an id stay allowed: the id is one encoded path segment.
    emu.addChat({ id: "%2F..%5C" });
    assert.equal((await client.getChat("%2F..%5C")).id, "%2F..%5C");
    assert.equal(apiRequests(emu)[0].path, "/chat/v1/chats/%252F..%255C");
  });

  it("4. the emulator's control routes: no CORS there, and every route checks the Host header", async () => {
    const evil = { origin: "http://evil.example" };
    // Control routes: no CORS headers, no successful preflight.
    const log = await raw(`${emu.url}/__emulator/requests`, { host: `127.0.0.1:${emu.port}`, headers: evil });
    assert.equal(log.status, 200);
    assert.equal(log.headers["access-control-allow-origin"], undefined, "a page cannot read the log");
    const preflight = await raw(`${emu.url}/__emulator/faults`, {
      method: "OPTIONS", host: `127.0.0.1:${emu.port}`, headers: { ...evil, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
    });
    assert.ok(preflight.status >= 400, `preflight answered ${preflight.status}`);
    assert.equal(preflight.headers["access-control-allow-origin"], undefined);
    assert.equal(preflight.headers["access-control-allow-methods"], undefined);
    // The API routes keep their CORS, for dashboards on another local port.
    const api = await raw(`${emu.url}/chat/v1/chats?api_key=${encodeURIComponent(API_KEY)}&site_token=${SITE_TOKEN}`, { host: `localhost:${emu.port}`, headers: evil });
    assert.equal(api.status, 200);
    assert.equal(api.headers["access-control-allow-origin"], "*");

    // DNS rebinding: a page on evil.example that resolves its name to 127.0.0.1 sends its own Host.
    emu.clearRequests();
    for (const route of ["/__emulator/requests", "/__emulator/store", `/chat/v1/chats?api_key=${encodeURIComponent(API_KEY)}&site_token=${SITE_TOKEN}`]) {
      for (const host of [`evil.example:${emu.port}`, "evil.example", "127.0.0.1.evil.example", "localhost.evil.example", undefined]) {
        const r = await raw(`${emu.url}${route}`, { host, headers: evil });
        // (Without a Host header, Node itself answers 400.)
        assert.equal(r.status, host === undefined ? 400 : 403, `${route} with Host ${host}`);
        assert.equal(r.headers["access-control-allow-origin"], undefined);
        assert.ok(!r.body.includes(API_KEY) && !r.body.includes("person-1"), r.body);
      }
      for (const method of ["POST", "DELETE"]) {
        const r = await raw(`${emu.url}/__emulator/faults`, { method, host: "evil.example" });
        assert.equal(r.status, 403);
      }
    }
    assert.deepEqual(emu.requests, [], "refused requests are neither served nor logged");
    for (const host of [`localhost:${emu.port}`, `127.0.0.1:${emu.port}`, `[::1]:${emu.port}`, "LOCALHOST"]) {
      assert.equal((await raw(`${emu.url}/__emulator/health`, { host })).status, 200, host);
    }

    // A host the emulator is told about is allowed, on every route.
    const shared = await startEmulator({ allowedHosts: ["dev-box.lan"] });
    try {
      assert.equal((await raw(`${shared.url}/__emulator/health`, { host: "dev-box.lan:8787" })).status, 200);
      assert.equal((await raw(`${shared.url}/chat/v1/chats?api_key=demo_key&site_token=GSN-000000-A`, { host: "DEV-BOX.LAN" })).status, 200);
      assert.equal((await raw(`${shared.url}/__emulator/health`, { host: "other.lan" })).status, 403);
    } finally {
      await shared.close();
    }
    await assert.rejects(startEmulator({ allowedHosts: "dev-box.lan" }), TypeError);

    // And from the command line, with --allowed-host.
    const { url, child } = await startEmulatorProcess(["--allowed-host", "dev-box.lan"]);
    try {
      assert.equal((await raw(`${url}/__emulator/health`, { host: "dev-box.lan" })).status, 200);
      assert.equal((await raw(`${url}/__emulator/health`, { host: "evil.example" })).status, 403);
    } finally {
      child.kill();
    }
  });
});
