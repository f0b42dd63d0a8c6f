// examples/worker-failed-payment in Miniflare (workerd) against the emulator: a payment provider's event
// messages the customer and leaves a note; GoSquared's chat_message webhook, delivered by the emulator to the
// running Worker, archives the conversation when the customer says it is sorted. A retried payment event (after
// the Worker answered it, or after a 5xx it could not settle) messages the customer once: the Worker keys its
// sends with the event id, with the records in a KV namespace.
import { describe, it, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { buildWorker, startWorker, paymentFailedEvent } from "../examples/worker-failed-payment/harness.mjs";
import { emulator, clientFor, waitFor, API_KEY, SITE_TOKEN } from "./helpers.mjs";

const PAYMENT_SECRET = "pay_secret_0123456789abcdef";
const CHAT_SECRET = "chat_secret_0123456789abcdef";
const ADA = "email:ada@example.com";

describe("the failed-payment Worker", () => {
  let emu, worker, client;
  before(async () => {
    emu = await emulator();
    client = clientFor(emu);
    await buildWorker();
    worker = await startWorker({ apiKey: API_KEY, siteToken: SITE_TOKEN, baseUrl: emu.url, paymentSecret: PAYMENT_SECRET, chatSecret: CHAT_SECRET });
  });
  after(async () => {
    await worker?.dispose();
    await emu?.close();
  });
  beforeEach(async () => {
    emu.reset("3:5");
    await worker.clearRecords();
    await client.createWebhook({ url: `${worker.url}/gosquared/webhook?secret=${CHAT_SECRET}`, name: "Payments worker" });
    emu.clearRequests();
  });

  const paymentFailed = (event, secret = PAYMENT_SECRET) =>
    fetch(`${worker.url}/payments/webhook?secret=${secret}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(event) });
  const notes = (chatId) => emu.store.notes(chatId).map((n) => n.content);

  it("messages the customer and leaves a note when a payment fails", async () => {
    const response = await paymentFailed(paymentFailedEvent({ email: "ada@example.com", amountDue: 4900 }));
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { chatId: ADA, messageId: emu.store.messages(ADA).at(-1).id, note: "added" });
    const message = emu.store.messages(ADA).at(-1);
    assert.equal(message.from, "agent");
    assert.match(message.content, /Your payment of \$49\.00 didn't go through/);
    assert.match(message.content, /https:\/\/pay\.example\.com\/invoices\/in_1Q2w3E/);
    assert.equal(notes(ADA).length, 1);
    assert.match(notes(ADA)[0], /^Payment failed: invoice in_1Q2w3E, \$49\.00, attempt 1 \(event evt_1Q2w3E\)/);
    // Each send is keyed by the event: the chat's messages (or feed) are counted first, then it is sent.
    assert.deepEqual(emu.requests.map((r) => `${r.method} ${r.path}`), [
      "GET /chat/v1/chats/email%3Aada%40example.com/messages",
      "POST /chat/v1/chats/email%3Aada%40example.com/messages",
      "GET /chat/v1/chats/email%3Aada%40example.com/feed",
      "POST /chat/v1/chats/email%3Aada%40example.com/notes",
    ]);
    const records = await worker.records();
    assert.deepEqual(Object.keys(records).sort(), ["evt_1Q2w3E:message", "evt_1Q2w3E:note"]);
    assert.equal(records["evt_1Q2w3E:message"].state, "done");
    assert.equal(records["evt_1Q2w3E:message"].message.id, message.id);
  });

  it("a retried event messages the customer once, after a 200 and after a 5xx the Worker could not settle", async () => {
    const messages = () => emu.store.messages(ADA).filter((m) => /didn't go through/.test(m.content));
    const event = paymentFailedEvent({ email: "ada@example.com", eventId: "evt_retried" });
    const first = await (await paymentFailed(event)).json();
    const again = await paymentFailed(event);
    assert.equal(again.status, 200);
    assert.deepEqual(await again.json(), first, "the same answer, from the records");
    assert.equal(messages().length, 1);
    assert.equal(notes(ADA).length, 1);
    assert.equal(emu.requests.filter((r) => r.method === "POST").length, 2, "one message and one note, never again");

    // A 503 after the API stored the message is settled by the Worker's own count: answered 200.
    emu.clearRequests();
    emu.inject({ match: { method: "POST", path: "/chat/v1/chats/email%3Aada%40example.com/messages" }, status: 503, process: true });
    const settled = await paymentFailed(paymentFailedEvent({ email: "ada@example.com", eventId: "evt_settled", invoiceId: "in_2" }));
    assert.equal(settled.status, 200);
    assert.equal((await settled.json()).messageId, messages().at(-1).id);
    assert.equal(messages().length, 2, "one message for each of the two events");
    assert.equal(emu.requests.filter((r) => r.method === "POST" && r.path.endsWith("/messages")).length, 1, "not sent again");

    // The API stores the message but answers 503, and the count fails too: the Worker answers 503, so the provider
    // retries; the retry finds the pending record, counts, finds the message and records it.
    emu.clearRequests();
    const other = paymentFailedEvent({ email: "person-2@example.com", eventId: "evt_5xx" });
    emu.store.addChat({ id: "email:person-2@example.com", messages: 2 });
    const path = "/chat/v1/chats/email%3Aperson-2%40example.com";
    emu.inject({ match: { method: "POST", path: `${path}/messages` }, status: 503, process: true, delayMs: 200 });
    const failing = paymentFailed(other);
    await waitFor(() => emu.requests.some((r) => r.method === "POST"));
    emu.inject({ match: { method: "GET", path: `${path}/messages` }, status: 500, times: Infinity });
    const failed = await failing;
    assert.equal(failed.status, 503);
    assert.equal((await failed.json()).error, "ServerError");
    emu.clearFaults();
    const retried = await paymentFailed(other);
    assert.equal(retried.status, 200);
    const stored = emu.store.messages("email:person-2@example.com").filter((m) => /didn't go through/.test(m.content));
    assert.equal(stored.length, 1, "one message although the provider delivered the event twice");
    assert.equal((await retried.json()).messageId, stored[0].id);
    assert.equal(emu.requests.filter((r) => r.method === "POST" && r.path === `${path}/messages`).length, 1);
    assert.equal((await worker.records())["evt_5xx:message"].state, "done");
  });

  it("refuses events without the payment secret and ignores other event types", async () => {
    assert.equal((await paymentFailed(paymentFailedEvent({ email: "ada@example.com" }), "wrong_secret_0123456789")).status, 401);
    const other = await paymentFailed({ ...paymentFailedEvent({ email: "ada@example.com" }), type: "invoice.paid" });
    assert.deepEqual(await other.json(), { ignored: "invoice.paid" });
    const unknown = await paymentFailed(paymentFailedEvent({ email: "nobody@example.com" }));
    assert.equal(unknown.status, 200);
    assert.match((await unknown.json()).skipped, /no chat/);
    assert.deepEqual(emu.requests.map((r) => r.method), ["GET"], "only the unknown customer's chat was read (404)");
    assert.equal(notes(ADA).length, 0);
  });

  it("archives the chat when the customer says it is sorted, through a real webhook delivery", async () => {
    await paymentFailed(paymentFailedEvent({ email: "ada@example.com" }));
    emu.clientMessage(ADA, "Thanks, I updated my card and it's all sorted now!");
    await emu.webhooksSettled();
    assert.deepEqual(emu.webhooks.deliveries.map((d) => d.status), [200]);
    const chat = emu.store.getChat(ADA);
    assert.equal(chat.archived, true);
    assert.match(notes(ADA).at(-1), /^Customer confirmed it is sorted/);
    assert.equal(emu.store.feed(ADA).at(-1).event, "archived");
  });

  it("leaves the chat open when it is not sorted, or not a payment conversation", async () => {
    await paymentFailed(paymentFailedEvent({ email: "ada@example.com" }));
    emu.clientMessage(ADA, "It's still not working, the card was not accepted");
    emu.clientMessage("person-2", "All sorted, thanks!");
    await emu.webhooksSettled();
    assert.deepEqual(emu.webhooks.deliveries.map((d) => d.status), [200, 200]);
    assert.equal(emu.store.getChat(ADA).archived, false);
    assert.equal(emu.store.getChat("person-2").archived, false);
    assert.equal(notes("person-2").length, 0);
  });

  it("refuses forged or malformed chat_message webhooks", async () => {
    await paymentFailed(paymentFailedEvent({ email: "ada@example.com" }));
    const payload = {
      version: "1.0.0",
      message: { id: "m_x", from: "client", person_id: ADA, content: "resolved", timestamp: 1 },
      person: { id: ADA },
    };
    const post = (secret, body) => fetch(`${worker.url}/gosquared/webhook?secret=${secret}`, { method: "POST", body: JSON.stringify(body) });
    assert.equal((await post("forged_secret_0123456789", payload)).status, 401);
    const wrongVersion = await post(CHAT_SECRET, { ...payload, version: "2.0.0" });
    assert.equal(wrongVersion.status, 400);
    assert.match((await wrongVersion.json()).error, /major version 2/);
    assert.equal(emu.store.getChat(ADA).archived, false);
    assert.equal((await post(CHAT_SECRET, payload)).status, 200);
    assert.equal(emu.store.getChat(ADA).archived, true, "the genuine webhook archives");
  });
});
