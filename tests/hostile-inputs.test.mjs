// Arguments that throw when the module reads them (a revoked proxy, a signal-like object whose getters throw)
// end the call with an InvalidRequestError. They once escaped as an uncaught exception from inside the
// module, which crashed Node and left the call's promise pending forever.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ChatClient, InvalidRequestError } from "gosquared-chat";
import { outcome } from "./resilience-helpers.mjs";

function revoked() {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

function hostile() {
  throw new Error("hostile getter");
}

const requests = [];
const client = new ChatClient({
  apiKey: "k", siteToken: "GSN-1-A", baseUrl: "http://api.example.test",
  fetch: async (url) => {
    requests.push(url);
    return new Response(JSON.stringify({ id: "a", list: [] }), { status: 200 });
  },
});

async function refused(call) {
  requests.length = 0;
  const { ok, error } = await outcome(call());
  assert.equal(ok, false);
  assert.ok(error instanceof InvalidRequestError, `${error?.name}: ${error?.message}`);
  assert.equal(requests.length, 0);
}

describe("arguments that throw when read", () => {
  it("a revoked proxy in any argument position is an InvalidRequestError, and the call settles", async () => {
    await refused(() => client.listChats(revoked()));
    await refused(() => client.listChats({ from: revoked() }));
    await refused(() => client.getChat("a", revoked()));
    await refused(() => client.getChat("a", { signal: revoked() }));
    await refused(() => client.sendMessage("a", revoked()));
    await refused(() => client.getFeed(revoked()));
    assert.throws(() => new ChatClient(revoked()), InvalidRequestError);
    assert.throws(() => new ChatClient({ apiKey: "k", siteToken: "t", headers: revoked() }), InvalidRequestError);
  });

  it("a signal-like object whose getters throw ends the call with an InvalidRequestError", async () => {
    let reads = 0;
    const laterUnreadable = {
      get aborted() {
        reads += 1;
        return reads > 1 ? hostile() : false;
      },
      addEventListener() {},
      removeEventListener() {},
    };
    await refused(() => client.getChat("a", { signal: laterUnreadable }));
    const reasonUnreadable = { aborted: true, get reason() { return hostile(); }, addEventListener() {}, removeEventListener() {} };
    await refused(() => client.getChat("a", { signal: reasonUnreadable }));
  });

  it("the client works afterwards", async () => {
    requests.length = 0;
    assert.deepEqual(await client.getChat("a"), { id: "a", list: [] });
    assert.equal(requests.length, 1);
  });
});
