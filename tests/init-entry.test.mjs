// The gosquared-chat/init entry loads nothing on import: before init(), every export refuses with a clear
// GoSquaredError (the edge helpers used to fail inside the glue with a TypeError); after it, all work.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ChatClient, GoSquaredError, createProxy, init, parseChatMessageWebhook, personSignature, verifyWebhookSecret } from "gosquared-chat/init";

const notLoaded = (fn) => assert.throws(fn, (e) => e instanceof GoSquaredError && /call `init\(\)`/.test(e.message));

test("before init(), the client and every edge helper throw a GoSquaredError naming init()", () => {
  notLoaded(() => new ChatClient({ apiKey: "k", siteToken: "t" }));
  notLoaded(() => personSignature("secret", "person-1"));
  notLoaded(() => verifyWebhookSecret("https://x.example/hook?secret=s", "s"));
  notLoaded(() => parseChatMessageWebhook("{}"));
  notLoaded(() => createProxy({ apiKey: "k", siteToken: "t", allow: ["listChats"], authorize: () => true }));
});

test("after init(bytes), they work", async () => {
  await init(readFileSync(new URL("../pkg/gosquared_chat_bg.wasm", import.meta.url)));
  assert.match(personSignature("secret", "person-1"), /^[0-9a-f]{64}$/);
  assert.equal(new ChatClient({ apiKey: "k", siteToken: "t" })[Symbol.toStringTag], "ChatClient");
});
