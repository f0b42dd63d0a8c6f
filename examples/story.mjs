#!/usr/bin/env node
// The seed's story, end to end: a payment fails, an agent message goes out, a note is left for the team,
// then the chats, the conversation's feed and the archive are read back.
//
//   npm start                                   against a local emulator (no credentials needed)
//   npm start -- --live --chat <person id>      against the real API, with GOSQUARED_API_KEY and
//                                                GOSQUARED_SITE_TOKEN set (sends a real message!)
import { parseArgs } from "node:util";
import { ChatClient, GoSquaredError } from "gosquared-chat";
import { startEmulator } from "gosquared-chat/emulator";

const { values: args } = parseArgs({
  options: { live: { type: "boolean", default: false }, chat: { type: "string" }, help: { type: "boolean", default: false } },
});
if (args.help) {
  console.log("usage: npm start [-- --live --chat <person id>]");
  process.exit(0);
}

const dim = (s) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);
const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const step = (n, text) => console.log(`\n${bold(`${n}.`)} ${text}`);
const when = (ms) => new Date(ms).toISOString().replace("T", " ").slice(0, 19);

let emulator;
let client;
let chatId;
if (args.live) {
  const { GOSQUARED_API_KEY: apiKey, GOSQUARED_SITE_TOKEN: siteToken } = process.env;
  if (!apiKey || !siteToken || !args.chat) {
    console.error("--live needs GOSQUARED_API_KEY and GOSQUARED_SITE_TOKEN in the environment and --chat <person id>");
    process.exit(2);
  }
  client = new ChatClient({ apiKey, siteToken });
  chatId = args.chat;
  console.log(bold("Talking to the real GoSquared API."));
} else {
  emulator = await startEmulator({ seed: "4:6" });
  client = new ChatClient({ apiKey: emulator.apiKey, siteToken: emulator.siteToken, baseUrl: emulator.url });
  chatId = "email:ada@example.com";
  console.log(bold(`Local emulator at ${emulator.url}`) + dim(" (seeded with 4 chats of 6 messages)"));
}

try {
  step(1, `A payment fails for ${chatId}; the billing webhook sends an agent message:`);
  const message = await client.sendMessage(chatId, {
    content: "Hi! It looks like your last card payment didn't go through. Can I help you update your details?",
  });
  console.log(`   sent ${dim(message.id ?? "")} ${JSON.stringify(message.content)}`);

  step(2, "…and leaves a note for the team:");
  const note = await client.addNote(chatId, { content: "Payment failed (card declined). Follow up if no reply in 24h." });
  console.log(`   noted ${dim(note.id ?? "")} ${JSON.stringify(note.content)}`);

  step(3, "Open chats, most recent activity first:");
  const chats = await client.listChats({ limit: 10 });
  for (const chat of chats.items) {
    const latest = chat.latest?.message?.content ?? "";
    console.log(`   ${String(chat.id).padEnd(24)} ${dim(when(chat.updated ?? 0))}  ${latest.slice(0, 50)}`);
  }
  console.log(dim(`   ${chats.items.length} of ${chats.cardinality ?? "?"} chats`));

  step(4, `The conversation's feed (every item, page by page with for await):`);
  for await (const item of client.getFeed(chatId, { limit: 5 })) {
    const who = item.type === "event" ? "event" : item.private ? "note" : item.from;
    const text = item.type === "event" ? item.event : item.content;
    console.log(`   ${dim(when(item.timestamp))} ${String(who).padEnd(6)} ${text}`);
  }

  step(5, "The customer's issue is handled: archive the chat.");
  await client.archiveChat(chatId);
  const archived = await client.listArchivedChats();
  console.log(`   archived chats now: ${archived.items.map((c) => c.id).join(", ")}`);
  if (client.rateLimit) {
    const { remaining, limit } = client.rateLimit;
    console.log(dim(`\nRate-limit budget left: ${remaining} of ${limit} units.`));
  }
  console.log(bold("\nDone."));
} catch (error) {
  if (error instanceof GoSquaredError) {
    console.error(`\n${error.name}: ${error.message}`);
    process.exitCode = 1;
  } else {
    throw error;
  }
} finally {
  await emulator?.close();
}
