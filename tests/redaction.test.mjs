// The API key never leaks through an error, not even in part where a long message was cut short.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ChatClient, ConnectionError, InvalidRequestError } from "gosquared-chat";
import { assertNoKeyFragment, outcome } from "./resilience-helpers.mjs";

const KEY = "sk_live_9fQx+T2mZr/8LpWv";
const BASE = "http://api.example.invalid";

function clientWith(fetch) {
  return new ChatClient({ apiKey: KEY, siteToken: "GSN-123456-A", baseUrl: BASE, maxRetries: 0, fetch });
}

describe("redaction of a key cut short by truncation", () => {
  it("a fetch error that echoes the URL (as node-fetch does) never shows a piece of the key, wherever the cut falls", async () => {
    const client = clientWith(async (url) => {
      throw new TypeError(`request to ${url} failed, reason: socket hang up`);
    });
    // Chat ids of every length from 100 to 200 move the 200-character cut across the whole query string.
    let cutInsideKey = 0;
    for (let n = 100; n <= 200; n += 1) {
      const { ok, error } = await outcome(client.getChat("c".repeat(n)));
      assert.equal(ok, false);
      assert.ok(error instanceof ConnectionError, String(error));
      if (error.message.includes("api_key=[redacted]…")) cutInsideKey += 1;
      assertNoKeyFragment(error, KEY, 6);
    }
    assert.ok(cutInsideKey > 10, "the sweep put the cut inside the key");
  });

  it("an API message that echoes the key near its 300-character limit is redacted, not cut", async () => {
    for (let pad = 270; pad <= 300; pad += 1) {
      const client = clientWith(async () =>
        new Response(JSON.stringify({ code: 4000, message: `${"x".repeat(pad)} api_key=${KEY}` }), { status: 400 }));
      const { error } = await outcome(client.listChats());
      assert.ok(error instanceof InvalidRequestError, String(error));
      assertNoKeyFragment(error, KEY, 6);
    }
  });

  it("a string code that echoes the key is redacted past its 60-character limit too", async () => {
    for (let pad = 40; pad <= 60; pad += 1) {
      const client = clientWith(async () =>
        new Response(JSON.stringify({ code: `${"y".repeat(pad)}${KEY}`, message: "refused" }), { status: 422 }));
      const { error } = await outcome(client.archiveChat("a"));
      assert.ok(error instanceof InvalidRequestError, String(error));
      assertNoKeyFragment(error, KEY, 6);
    }
  });
});
