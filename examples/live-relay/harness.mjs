// Builds the relay Worker with esbuild and runs it in Miniflare (workerd), its Durable Object included.
// Used by start.mjs (npm run example:relay) and by tests/live-relay.test.mjs.
import { Miniflare } from "miniflare";
import { fileURLToPath } from "node:url";
import { bundleWorker, workerOptions } from "../workerd.mjs";

const SCRIPT = fileURLToPath(new URL("./dist/worker.js", import.meta.url));

/** Bundles src/worker.js into dist/worker.js, with the package's .wasm copied next to it. */
export function buildRelay() {
  return bundleWorker(new URL(".", import.meta.url));
}

/**
 * Starts the built relay on 127.0.0.1 (`port` 0 picks a free one); resolves to `{ url, wsUrl, dispose }`,
 * where `wsUrl` is the inboxes' WebSocket address with the token.
 */
export async function startRelay({ webhookSecret, relayToken, port = 0 }) {
  const mf = new Miniflare({
    ...workerOptions(SCRIPT, port),
    durableObjects: { RELAY: "Relay" },
    bindings: { GOSQUARED_WEBHOOK_SECRET: webhookSecret, RELAY_TOKEN: relayToken },
  });
  const url = (await mf.ready).href.replace(/\/$/, "");
  return {
    url,
    wsUrl: `${url.replace(/^http/, "ws")}/events?token=${encodeURIComponent(relayToken)}`,
    webhookUrl: `${url}/gosquared/webhook?secret=${encodeURIComponent(webhookSecret)}`,
    dispose: () => mf.dispose(),
  };
}
