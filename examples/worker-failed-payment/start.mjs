#!/usr/bin/env node
// npm run example:payment — starts the emulator and the Worker (in Miniflare, the Workers runtime), registers
// the Worker's GoSquared webhook, plays the failed-payment story once, then keeps both running for curl.
//   --once                 exit after the story
//   --emulator-port N      default 8787
//   --worker-port N        default 8788
import { parseArgs } from "node:util";
import { ChatClient } from "gosquared-chat";
import { startEmulator } from "gosquared-chat/emulator";
import { buildWorker, startWorker, paymentFailedEvent } from "./harness.mjs";

const { values: args } = parseArgs({
  options: {
    once: { type: "boolean", default: false },
    "emulator-port": { type: "string", default: "8787" },
    "worker-port": { type: "string", default: "8788" },
  },
});
const PAYMENT_SECRET = "pay_secret_change_me_0123456789";
const CHAT_SECRET = "chat_secret_change_me_0123456789";
const CHAT_ID = "email:ada@example.com";
const say = (text) => console.log(text);

const emu = await startEmulator({ port: Number(args["emulator-port"]), seed: "4:6" });
await buildWorker();
const worker = await startWorker({
  apiKey: emu.apiKey, siteToken: emu.siteToken, baseUrl: emu.url,
  paymentSecret: PAYMENT_SECRET, chatSecret: CHAT_SECRET, port: Number(args["worker-port"]),
});
const chat = new ChatClient({ apiKey: emu.apiKey, siteToken: emu.siteToken, baseUrl: emu.url });
const hook = await chat.createWebhook({ url: `${worker.url}/gosquared/webhook?secret=${CHAT_SECRET}`, name: "Payments worker" });

say(`GoSquared emulator  ${emu.url}`);
say(`payments Worker     ${worker.url}  (GoSquared webhook #${hook.id} points at it)\n`);

say("1. The payment provider reports a failed payment to the Worker:");
const paid = await fetch(`${worker.url}/payments/webhook?secret=${PAYMENT_SECRET}`, {
  method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(paymentFailedEvent({ email: "ada@example.com" })),
});
say(`   ${paid.status} ${await paid.text()}`);
for (const item of emu.store.feed(CHAT_ID).slice(-2)) say(`   ${item.private ? "note   " : "message"} ${item.content}`);

say("\n2. The customer answers in the chat widget; GoSquared posts a chat_message webhook to the Worker:");
emu.clientMessage(CHAT_ID, "Thanks! I updated my card, all sorted now.");
await emu.webhooksSettled();
say(`   delivery -> ${emu.webhooks.deliveries.at(-1).status}`);
say(`   chat archived: ${emu.store.getChat(CHAT_ID).archived}; last note: ${emu.store.notes(CHAT_ID).at(-1).content}`);

if (args.once) {
  await worker.dispose();
  await emu.close();
} else {
  say("\nBoth keep running (Ctrl-C stops them). Try it yourself:");
  say(`  curl -X POST '${worker.url}/payments/webhook?secret=${PAYMENT_SECRET}' -H 'content-type: application/json' \\`);
  say(`       -d '${JSON.stringify(paymentFailedEvent({ email: "person-2@example.com" }))}'`);
  say(`  curl -X POST '${emu.url}/__emulator/chats/person-2/client-message' -d '{"content":"resolved, thanks"}'`);
  say(`  curl '${emu.url}/__emulator/store'`);
  const stop = async () => {
    await worker.dispose();
    await emu.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
