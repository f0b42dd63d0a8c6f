#!/usr/bin/env node
// One command (npm run example:worker-export): builds the Worker, starts the emulator and Miniflare with a
// local Queue and R2 bucket, starts an export with POST /export, and waits until every chat is in R2.
//   npm run example:worker-export -- --seed 200:20
import { parseArgs } from "node:util";
import { startEmulator } from "gosquared-chat/emulator";
import { buildWorker, startWorker, waitForObjects } from "./harness.mjs";

const { values: args } = parseArgs({ options: { seed: { type: "string", default: "100:20" } } });
const emulator = await startEmulator({ seed: args.seed });
await buildWorker();
const worker = await startWorker({ apiKey: emulator.apiKey, siteToken: emulator.siteToken, baseUrl: emulator.url, exportToken: "local-export-token" });
try {
  console.log(`Emulator at ${emulator.url} (${args.seed.replace(":", " chats of ")} messages), Worker at ${worker.url}`);
  const started = performance.now();
  const answer = await fetch(`${worker.url}/export`, { method: "POST", headers: { authorization: "Bearer local-export-token" } });
  const { enqueued } = await answer.json();
  console.log(`Producer: ${enqueued} chats enqueued`);
  const keys = await waitForObjects(worker.bucket, enqueued);
  let items = 0;
  for (const key of keys) items += Number((await worker.bucket.head(key)).customMetadata.items);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`Consumer: ${keys.length} objects in R2 (${items} items) after ${seconds} s, e.g.`);
  for (const key of keys.slice(0, 3)) console.log(`  ${key}`);
} finally {
  await worker.dispose();
  await emulator.close();
}
