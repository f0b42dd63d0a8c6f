// The emulator's error codes: one code per meaning, checked on the answers it really gives (issue 14, point 3),
// and the client's rule that the status decides the class, whatever server sent the code.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { startEmulator } from "../emulator/server.js";
import { CODES } from "../emulator/store.js";
import { ChatClient, NotFoundError, InvalidRequestError } from "gosquared-chat";

const KEY = "sk_codes_test_key";
const TOKEN = "GSN-777777-C";

/** One API request: `path` with the credentials unless `auth` is false; resolves to `{ status, code }`. */
async function ask(emu, method, path, { auth = true, body, contentType = "application/json" } = {}) {
  const url = new URL(path, emu.url);
  if (auth) {
    url.searchParams.set("api_key", KEY);
    url.searchParams.set("site_token", TOKEN);
  }
  const init = { method };
  if (body !== undefined) {
    init.body = body;
    init.headers = { "content-type": contentType };
  }
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, code: text === "" ? undefined : JSON.parse(text).code };
}

/** A request with a `Host` header fetch would not let us set. */
function askWithHost(emu, host) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${emu.url}/chat/v1/chats?api_key=${KEY}&site_token=${TOKEN}`, { headers: { host } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode, code: JSON.parse(text).code }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the emulator's error codes", () => {
  let emu;
  let limited;
  before(async () => {
    emu = await startEmulator({ apiKey: KEY, siteToken: TOKEN, seed: "2:2", rateLimit: false });
    limited = await startEmulator({ apiKey: KEY, siteToken: TOKEN, seed: "1:1", rateLimit: { limit: 1, refillPerMinute: 1, cost: 1 } });
  });
  after(async () => {
    await emu.close();
    await limited.close();
  });

  test("the code table gives each meaning a code of its own, 4004 staying 'invalid parameter value'", () => {
    const codes = Object.values(CODES);
    assert.equal(new Set(codes).size, codes.length, JSON.stringify(CODES));
    assert.equal(CODES.INVALID_VALUE, 4004);
    assert.notEqual(CODES.NOT_FOUND, 4004);
  });

  test("every answer carries the code of its meaning, and no code answers two meanings", async () => {
    const seen = [
      ["omitted parameter", await ask(emu, "GET", `/chat/v1/chats?api_key=${KEY}`, { auth: false })],
      ["omitted parameter", await ask(emu, "POST", "/chat/v1/chats/person-2/messages", { body: "{}" })],
      ["not authorised", await ask(emu, "GET", `/chat/v1/chats?api_key=wrong&site_token=${TOKEN}`, { auth: false })],
      ["not authorised", await ask(emu, "GET", `/chat/v1/chats?api_key=${KEY}&site_token=GSN-1-X`, { auth: false })],
      ["not authorised", await askWithHost(emu, "evil.example")],
      ["invalid parameter", await ask(emu, "POST", "/chat/v1/chats/person-2/messages", { body: "{not json" })],
      ["invalid parameter", await ask(emu, "POST", "/chat/v1/chats/person-2/messages", { body: `{"content":"${"x".repeat(6 * 1024 * 1024)}"}` })],
      ["invalid value", await ask(emu, "GET", "/chat/v1/chats?limit=abc")],
      ["invalid value", await ask(emu, "GET", "/chat/v1/chats/person-2/messages?from=yesterday")],
      ["invalid value", await ask(emu, "POST", "/chat/v1/chats/person-2/messages", { body: '{"content":""}' })],
      ["invalid value", await ask(emu, "GET", "/chat/v1/chats/%E0%A4%A/feed")],
      ["invalid value", await ask(emu, "POST", "/account/v1/webhooks", { body: '{"url":"ftp://x"}' })],
      ["not found", await ask(emu, "GET", "/chat/v1/chats/nobody")],
      ["not found", await ask(emu, "POST", "/chat/v1/chats/nobody/messages", { body: '{"content":"hi"}' })],
      ["not found", await ask(emu, "GET", "/chat/v1/chats/nobody/feed")],
      ["not found", await ask(emu, "DELETE", "/account/v1/webhooks/999")],
      ["not found", await ask(emu, "GET", "/chat/v1/nope")],
      ["not found", await ask(emu, "GET", "/__emulator/nope", { auth: false })],
      ["exists", await ask(emu, "POST", "/__emulator/chats", { auth: false, body: '{"id":"person-2"}' })],
    ];
    await ask(limited, "GET", "/chat/v1/chats");
    seen.push(["rate limited", await ask(limited, "GET", "/chat/v1/chats")]);

    const expected = {
      "omitted parameter": CODES.MISSING_PARAMETER, "not authorised": CODES.NOT_AUTHORISED, "rate limited": CODES.RATE_LIMITED,
      "invalid parameter": CODES.INVALID_PARAMETER, "invalid value": CODES.INVALID_VALUE, "not found": CODES.NOT_FOUND,
      exists: CODES.CONFLICT,
    };
    const meanings = new Map();
    for (const [meaning, { status, code }] of seen) {
      assert.equal(code, expected[meaning], `${meaning} (HTTP ${status})`);
      if (!meanings.has(code)) meanings.set(code, new Set());
      meanings.get(code).add(meaning);
    }
    for (const [code, of] of meanings) assert.equal(of.size, 1, `code ${code} answers ${[...of].join(" and ")}`);
    assert.equal(meanings.size, Object.keys(expected).length, "every meaning was provoked");
  });

  test("the status decides the class: the emulator's 404 and another server's 404 with code 4004 are both NotFoundErrors", async () => {
    const chat = new ChatClient({ apiKey: KEY, siteToken: TOKEN, baseUrl: emu.url, maxRetries: 0 });
    const own = await chat.getChat("nobody").catch((error) => error);
    assert.ok(own instanceof NotFoundError, String(own));
    assert.deepEqual([own.status, own.code], [404, CODES.NOT_FOUND]);

    emu.inject({ status: 404, body: { code: 4004, message: "Error 4004: chat not found" } });
    const other = await chat.getChat("person-2").catch((error) => error);
    assert.ok(other instanceof NotFoundError, String(other));
    assert.deepEqual([other.status, other.code], [404, 4004]);

    emu.inject({ status: 400, body: { code: 4004, message: "Error 4004: invalid value" } });
    const bad = await chat.listChats().catch((error) => error);
    assert.ok(bad instanceof InvalidRequestError, String(bad));
    assert.deepEqual([bad.status, bad.code], [400, 4004]);
  });
});
