// Diagnostics: a ConnectionError keeps what fetch threw as its cause (the key taken out), onEvent observes
// every attempt, and a call can add headers of its own.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ChatClient, ConnectionError, InvalidRequestError } from "gosquared-chat";
import { API_KEY, SITE_TOKEN, apiRequests, assertNoKey, clearFaultsAndLog, clientFor, rejection, useEmulator } from "./helpers.mjs";

describe("diagnostics", () => {
  let emu;
  useEmulator((e) => (emu = e), { reset: clearFaultsAndLog });

  it("a ConnectionError's cause chain is what fetch threw, without the key", async () => {
    const fetch = (url) => {
      throw new TypeError("fetch failed", { cause: Object.assign(new Error(`connect ECONNREFUSED for ${url}`), { name: "SystemError" }) });
    };
    const client = new ChatClient({ apiKey: API_KEY, siteToken: SITE_TOKEN, fetch, maxRetries: 0 });
    const error = await rejection(client.getChat("a"));
    assert.ok(error instanceof ConnectionError);
    assert.ok(error.cause instanceof Error);
    assert.equal(error.cause.name, "TypeError");
    assert.equal(error.cause.message, "fetch failed");
    assert.equal(error.cause.cause.name, "SystemError");
    assert.match(error.cause.cause.message, /^connect ECONNREFUSED for https:\/\/api\.gosquared\.com\/chat\/v1\/chats\/a\?api_key=\[redacted\]&site_token=/);
    assertNoKey(error);
    assertNoKey(error.cause.cause);
  });

  it("onEvent sees each request, answer and retry, with the path but never the key", async () => {
    const events = [];
    emu.inject({ match: { path: "/chat/v1/chats/person-2/archive" }, status: 503, times: 1, headers: { "retry-after": "0" } });
    const client = clientFor(emu, { onEvent: (event) => events.push(event) });
    await client.archiveChat("person-2");
    assert.deepEqual(
      events.map(({ durationMs, ...rest }) => rest),
      [
        { type: "request", method: "POST", path: "/chat/v1/chats/person-2/archive", attempt: 1 },
        { type: "response", method: "POST", path: "/chat/v1/chats/person-2/archive", attempt: 1, status: 503 },
        { type: "retry", method: "POST", path: "/chat/v1/chats/person-2/archive", attempt: 1, delayMs: 0 },
        { type: "request", method: "POST", path: "/chat/v1/chats/person-2/archive", attempt: 2 },
        { type: "response", method: "POST", path: "/chat/v1/chats/person-2/archive", attempt: 2, status: 204 },
      ],
    );
    assert.ok(events.filter((e) => e.type === "response").every((e) => typeof e.durationMs === "number" && e.durationMs >= 0));
    assert.ok(!JSON.stringify(events).includes(API_KEY));
  });

  it("an attempt without an answer is a failure event; an observer that throws breaks nothing", async () => {
    const events = [];
    const fetch = () => Promise.reject(new TypeError("fetch failed"));
    const client = new ChatClient({ apiKey: API_KEY, siteToken: SITE_TOKEN, fetch, maxRetries: 0, onEvent: (e) => { events.push(e.type + ":" + (e.reason ?? "")); throw new Error("observer bug"); } });
    assert.ok((await rejection(client.getChat("a"))) instanceof ConnectionError);
    assert.deepEqual(events, ["request:", "failure:network"]);
    assert.throws(() => new ChatClient({ apiKey: API_KEY, siteToken: SITE_TOKEN, onEvent: "log" }), InvalidRequestError);
  });

  it("a call's own headers are added to the client's, and win over them", async () => {
    const client = clientFor(emu, { headers: { "x-team": "billing", "x-trace-id": "client" } });
    await client.getChat("person-2", { headers: { "X-Trace-Id": "call-7" } });
    await client.getChat("person-2");
    const [withOwn, without] = apiRequests(emu);
    assert.equal(withOwn.headers["x-trace-id"], "call-7");
    assert.equal(withOwn.headers["x-team"], "billing");
    assert.equal(without.headers["x-trace-id"], "client");
    await assert.rejects(client.getChat("person-2", { headers: { "bad header": "x" } }), InvalidRequestError);
    assert.equal(apiRequests(emu).length, 2, "a bad header is refused before any request");
  });
});
