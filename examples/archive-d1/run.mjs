#!/usr/bin/env node
// One command (npm run example:archive): builds the Worker, starts the emulator and Miniflare with a local D1
// database and R2 bucket, fires the Cron Trigger three times with customers and agents writing in between,
// and reads a chat back through GET /archive/chats/:id. The first run exports everything (since 0); the next two
// read only the chats that changed since the last run's watermark.
//   npm run example:archive -- --seed 500:20 --max-subrequests 100
import { parseArgs } from "node:util";
import { startEmulator } from "gosquared-chat/emulator";
import { buildWorker, startWorker, readArchive } from "./harness.mjs";

const { values: args } = parseArgs({
  options: { seed: { type: "string", default: "200:20" }, "max-subrequests": { type: "string", default: "1000" } },
});
const emulator = await startEmulator({ seed: args.seed, rateLimit: false });
await buildWorker();
const worker = await startWorker({
  apiKey: emulator.apiKey,
  siteToken: emulator.siteToken,
  baseUrl: emulator.url,
  archiveToken: "local-archive-token",
  vars: { MAX_SUBREQUESTS: args["max-subrequests"] },
});
try {
  console.log(`Emulator at ${emulator.url} (${args.seed.replace(":", " chats of ")} messages), Worker at ${worker.url}`);
  for (let round = 1; round <= 3; round++) {
    if (round > 1) {
      const chats = emulator.store.listChats();
      for (const chat of chats.slice(0, 3)) emulator.clientMessage(chat.id, `a customer writes before run ${round}`);
      emulator.store.addMessage(chats[3].id, { content: `an agent answers before run ${round}`, from: "agent" });
      emulator.store.archive(chats[4].id);
      emulator.clientMessage(`new-customer-${round}`, "hello");
    }
    const total = emulator.store.listChats().length + emulator.store.listChats({ archived: true }).length;
    const run = await worker.run();
    const from = run.resumed ? "resumed from the stopped run's checkpoint" : run.since === "0" ? "since 0, everything" : `since the watermark ${new Date(JSON.parse(run.since)).toISOString()}`;
    console.log(`Run ${run.id} (${from}): ${run.outcome}`);
    console.log(`  ${run.chats} of ${total} chats and ${run.items} items upserted${run.repeats ? ` (${run.repeats} chats marked as repeats)` : ""}, ${run.requests} API requests, ${run.subrequests} subrequests, ${run.bytes} bytes → R2 ${run.object}`);
    if (run.outcome.startsWith("stopped")) console.log("  its checkpoint is in D1: the next run carries on from it");
  }
  const archive = await readArchive(worker.db);
  console.log(`D1 holds ${archive.chats.size} chats and ${archive.rows} items`);
  const id = emulator.store.listChats().find((chat) => chat.person.name !== null).id;
  const answer = await fetch(`${worker.url}/archive/chats/${encodeURIComponent(id)}`, { headers: { authorization: "Bearer local-archive-token" } });
  const { chat, items } = await answer.json();
  console.log(`GET /archive/chats/${encodeURIComponent(id)} → ${answer.status}: ${chat.person.name}, ${items.length} items, the last: ${JSON.stringify(items.at(-1)?.content ?? items.at(-1)?.event)}`);
} finally {
  await worker.dispose();
  await emulator.close();
}
