// Builds the Worker with esbuild and runs it in Miniflare (workerd) against a GoSquared API (the emulator).
// Used by start.mjs (npm run example:payment) and by tests/worker-failed-payment.test.mjs.
import { Miniflare } from "miniflare";
import { fileURLToPath } from "node:url";
import { bundleWorker, workerOptions } from "../workerd.mjs";

const SCRIPT = fileURLToPath(new URL("./dist/worker.js", import.meta.url));

/** Bundles src/worker.js into dist/worker.js, with the package's .wasm copied next to it. */
export function buildWorker() {
  return bundleWorker(new URL(".", import.meta.url));
}

/**
 * Starts the built Worker on 127.0.0.1 (`port` 0 picks a free one) with its environment and a KV namespace for
 * its idempotency records; resolves to `{ url, dispatchFetch, records, clearRecords, dispose }`.
 */
export async function startWorker({ apiKey, siteToken, baseUrl, paymentSecret, chatSecret, port = 0 }) {
  const mf = new Miniflare({
    ...workerOptions(SCRIPT, port),
    // The idempotency records of payment events (in memory, for this Miniflare instance).
    kvNamespaces: ["SENT_EVENTS"],
    bindings: {
      GOSQUARED_API_KEY: apiKey,
      GOSQUARED_SITE_TOKEN: siteToken,
      GOSQUARED_BASE_URL: baseUrl,
      PAYMENT_WEBHOOK_SECRET: paymentSecret,
      GOSQUARED_WEBHOOK_SECRET: chatSecret,
    },
  });
  const url = await mf.ready;
  return {
    url: url.href.replace(/\/$/, ""),
    dispatchFetch: (input, init) => mf.dispatchFetch(input, init),
    /** The idempotency records in SENT_EVENTS, by key. */
    async records() {
      const kv = await mf.getKVNamespace("SENT_EVENTS");
      const out = {};
      for (const { name } of (await kv.list()).keys) out[name] = JSON.parse(await kv.get(name));
      return out;
    },
    /** Forgets every idempotency record. */
    async clearRecords() {
      const kv = await mf.getKVNamespace("SENT_EVENTS");
      for (const { name } of (await kv.list()).keys) await kv.delete(name);
    },
    dispose: () => mf.dispose(),
  };
}

/** A payment provider's `invoice.payment_failed` event for `email` (Stripe's event shape, trimmed). */
export function paymentFailedEvent({ email, amountDue = 4900, currency = "usd", invoiceId = "in_1Q2w3E", eventId = "evt_1Q2w3E" }) {
  return {
    id: eventId,
    object: "event",
    type: "invoice.payment_failed",
    data: {
      object: {
        id: invoiceId,
        object: "invoice",
        customer_email: email,
        amount_due: amountDue,
        currency,
        attempt_count: 1,
        hosted_invoice_url: `https://pay.example.com/invoices/${invoiceId}`,
        metadata: {},
      },
    },
  };
}
