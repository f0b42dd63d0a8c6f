// Builds the Worker with esbuild and runs it in Miniflare (workerd) against a GoSquared API (the emulator).
// Used by start.mjs (npm run example:payment) and by tests/worker-failed-payment.test.mjs.
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { fileURLToPath } from "node:url";

const HERE = fileURLToPath(new URL(".", import.meta.url));
export const OUT_DIR = fileURLToPath(new URL("./dist/", import.meta.url));

/** Bundles src/worker.js into dist/worker.js, with the package's .wasm copied next to it. */
export async function buildWorker() {
  await build({
    entryPoints: [`${HERE}src/worker.js`],
    outfile: `${OUT_DIR}worker.js`,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    loader: { ".wasm": "copy" },
    assetNames: "[name]",
    logLevel: "warning",
  });
  return `${OUT_DIR}worker.js`;
}

/**
 * Starts the built Worker on 127.0.0.1 (`port` 0 picks a free one) with its environment; resolves to
 * `{ url, dispatchFetch, dispose }`.
 */
export async function startWorker({ apiKey, siteToken, baseUrl, paymentSecret, chatSecret, port = 0 }) {
  const mf = new Miniflare({
    modules: true,
    scriptPath: `${OUT_DIR}worker.js`,
    modulesRules: [
      { type: "ESModule", include: ["**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2026-04-01",
    host: "127.0.0.1",
    port,
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
