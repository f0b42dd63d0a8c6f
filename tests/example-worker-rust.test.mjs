// examples/worker-rust: the failed-payment Worker written in Rust on the typed API, built with cargo and
// wasm-bindgen, run in Miniflare (workerd) against the emulator.
import { describe, it, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { buildWorker, startWorker } from "../examples/worker-rust/harness.mjs";
import { paymentFailedEvent } from "../examples/worker-failed-payment/harness.mjs";
import { emulator, API_KEY, SITE_TOKEN } from "./helpers.mjs";

const PAYMENT_SECRET = "payment-secret-0123456789";
const ADA = "email:ada@example.com";

describe("the Rust failed-payment Worker in Miniflare", () => {
  let emu, worker;
  before(async () => {
    buildWorker({ reuse: true });
    emu = await emulator();
    worker = await startWorker({ apiKey: API_KEY, siteToken: SITE_TOKEN, baseUrl: emu.url, paymentSecret: PAYMENT_SECRET });
  });
  after(async () => {
    await worker?.dispose();
    await emu?.close();
  });
  beforeEach(() => emu.reset("3:5"));

  const post = (body, secret = PAYMENT_SECRET) =>
    worker.dispatchFetch(`http://worker.test/payments/webhook?secret=${encodeURIComponent(secret)}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("messages the customer and leaves a note", async () => {
    const response = await post(paymentFailedEvent({ email: "ada@example.com", amountDue: 4900 }));
    const body = await response.json();
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.equal(body.chatId, ADA);
    assert.equal(body.note, "added");
    const messages = emu.store.messages(ADA);
    const sent = messages.find((m) => m.id === body.messageId);
    assert.match(sent.content, /Your payment of 49\.00 USD didn't go through\. You can update your card here: https:\/\/pay\.example\.com\/invoices\/in_1Q2w3E/);
    const notes = emu.store.notes(ADA);
    assert.equal(notes.length, 1);
    assert.match(notes[0].content, /^Payment failed: invoice in_1Q2w3E, 49\.00 USD, attempt 1 \(event evt_1Q2w3E\)\.$/);
  });

  it("refuses a wrong secret and ignores other events", async () => {
    assert.equal((await post(paymentFailedEvent({ email: "ada@example.com" }), "wrong-secret-0123456789")).status, 401);
    const other = await post({ type: "invoice.paid", data: { object: {} } });
    assert.deepEqual(await other.json(), { ignored: "invoice.paid" });
    assert.equal(emu.store.messages(ADA).length, 5);
  });

  it("skips a customer with no chat", async () => {
    const response = await post(paymentFailedEvent({ email: "nobody@example.com" }));
    assert.deepEqual(await response.json(), { chatId: "email:nobody@example.com", skipped: "GoSquared has no chat with this customer" });
  });

  it("answers 202 when the message may have gone out, so that the provider does not send it again", async () => {
    emu.inject({ match: { method: "POST", path: "/chat/v1/chats/*" }, status: 503, process: true });
    const response = await post(paymentFailedEvent({ email: "ada@example.com" }));
    const body = await response.json();
    assert.equal(response.status, 202, JSON.stringify(body));
    assert.equal(body.error, "ServerError");
    assert.equal(emu.store.messages(ADA).length, 6, "stored once, not retried");
  });
});
