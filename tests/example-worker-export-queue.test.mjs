// examples/worker-export-queue end to end in Miniflare (workerd, with its local Queue and R2): the producer
// enqueues every chat, the consumer writes each one to R2, and a chat whose feed keeps failing for a while is
// retried by the Queue until its object is complete.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { emulator, apiRequests, API_KEY, SITE_TOKEN } from "./helpers.mjs";
import { buildWorker, startWorker, waitForObjects, listKeys } from "../examples/worker-export-queue/harness.mjs";

const TOKEN = "test-export-token";

describe("worker-export-queue example", () => {
  let emu, worker;
  before(async () => {
    emu = await emulator({ seed: "30:4" });
    await buildWorker();
    worker = await startWorker({ apiKey: API_KEY, siteToken: SITE_TOKEN, baseUrl: emu.url, exportToken: TOKEN });
  });
  after(async () => {
    await worker?.dispose();
    await emu?.close();
  });

  it("refuses to start an export without the token", async () => {
    const answer = await fetch(`${worker.url}/export`, { method: "POST" });
    assert.equal(answer.status, 401);
    await answer.body?.cancel();
    assert.equal(apiRequests(emu).length, 0);
  });

  it("fans every chat out over the Queue into one complete R2 object each, retrying a failing chat", async () => {
    emu.store.archive("person-3");
    emu.store.archive("person-4");
    // Two deliveries' worth of failures (three attempts each): the chat lands on the third delivery.
    emu.inject({ match: { method: "GET", path: "/chat/v1/chats/person-7/feed" }, status: 503, times: 6 });
    const answer = await fetch(`${worker.url}/export?archived=1`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(answer.status, 200);
    assert.deepEqual(await answer.json(), { enqueued: 30 });

    const ids = [...emu.store.listChats(), ...emu.store.listChats({ archived: true })].map((c) => c.id);
    assert.equal(ids.length, 30);
    const keys = await waitForObjects(worker.bucket, 30);
    assert.deepEqual(keys.sort(), ids.map((id) => `chats/${encodeURIComponent(id)}.ndjson`).sort());
    for (const id of ids) {
      const object = await worker.bucket.get(`chats/${encodeURIComponent(id)}.ndjson`);
      const text = await object.text();
      const lines = text.trimEnd().split("\n").map((l) => JSON.parse(l));
      const feed = emu.store.feed(id);
      assert.equal(lines.length, 1 + feed.length, `${id}: its chat line and every item`);
      assert.deepEqual(lines[0], { type: "chat", chatId: id, chat: emu.store.getChat(id) });
      assert.deepEqual(lines.slice(1), feed.map((item) => ({ type: "item", chatId: id, item })));
      assert.equal(object.customMetadata.items, String(feed.length));
      assert.equal(object.httpMetadata.contentType, "application/x-ndjson");
    }
    const failing = apiRequests(emu).filter((r) => r.path === "/chat/v1/chats/person-7/feed");
    assert.deepEqual(failing.map((r) => r.status), [503, 503, 503, 503, 503, 503, 200], "two deliveries of three failed attempts, then a third that succeeds");
    assert.equal((await listKeys(worker.bucket)).length, 30, "nothing written twice or elsewhere");
  });
});
