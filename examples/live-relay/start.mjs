#!/usr/bin/env node
// npm run example:relay — the relay Worker in Miniflare, the emulator with customers writing every 3 s, its
// chat_message webhook pointed at the relay, and a watch woken by the relay's pushes, printing each event.
// Ctrl-C stops everything.
import { randomBytes } from "node:crypto";
import { ChatClient } from "gosquared-chat";
import { startCustomers, startEmulator } from "gosquared-chat/emulator";
import { buildRelay, startRelay } from "./harness.mjs";

const webhookSecret = randomBytes(16).toString("hex");
const relayToken = randomBytes(16).toString("hex");
await buildRelay();
const relay = await startRelay({ webhookSecret, relayToken });
const emu = await startEmulator({ seed: "5:3" });
const client = new ChatClient({ apiKey: emu.apiKey, siteToken: emu.siteToken, baseUrl: emu.url });
await client.createWebhook({ url: relay.webhookUrl, name: "live relay" });
const customers = startCustomers(emu, { everyMs: 3000 });

console.log(`GoSquared emulator  ${emu.url}  (a customer writes every 3 s)`);
console.log(`relay               ${relay.url}  (inboxes: ${relay.url.replace(/^http/, "ws")}/events?token=…)`);
console.log("watching: polls once a minute, and at once when the relay pushes\n");

const stop = new AbortController();
const WebSocketClass = globalThis.WebSocket ?? (await import("undici")).WebSocket;
const watching = (async () => {
  for await (const event of client.watch({ signal: stop.signal, relay: { url: relay.wsUrl, WebSocket: WebSocketClass } })) {
    const time = new Date().toISOString().slice(11, 23);
    if (event.type === "message") console.log(`${time}  ${event.chatId}: ${event.message.content}`);
    else console.log(`${time}  ${event.chatId} ${event.archived ? "archived" : "moved"} (unread ${event.chat.unread ?? "?"})`);
  }
})().catch(() => {});

const shutdown = async () => {
  customers.stop();
  stop.abort();
  await watching;
  await relay.dispose();
  await emu.close();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
