#!/usr/bin/env node
// npm run example:dashboard — builds the page with Vite, starts the emulator and the dashboard server (page +
// key-safe proxy), and prints the login link. Ctrl-C stops both.
//   --emulator-port N   default 8787
//   --port N            default 5173
//   --customers MS      customers write into random chats every MS ms (off by default)
import { parseArgs } from "node:util";
import { randomBytes } from "node:crypto";
import { startCustomers, startEmulator } from "gosquared-chat/emulator";
import { buildDashboard, startDashboard } from "./server.mjs";

const { values: args } = parseArgs({
  options: { "emulator-port": { type: "string", default: "8787" }, port: { type: "string", default: "5173" }, customers: { type: "string" } },
});
const adminToken = randomBytes(12).toString("hex");

await buildDashboard();
const emu = await startEmulator({ port: Number(args["emulator-port"]), seed: "6:8" });
const site = await startDashboard({ apiKey: emu.apiKey, siteToken: emu.siteToken, baseUrl: emu.url, adminToken, port: Number(args.port) });

console.log(`GoSquared emulator  ${emu.url}`);
console.log(`dashboard           ${site.url}  (the browser never sees the API key; the proxy at /api/chat adds it)`);
console.log(`\nOpen ${site.url}/login?token=${adminToken} to sign in.`);
console.log(`A customer writing in: curl -X POST '${emu.url}/__emulator/customer-message' -d '{"chatId":"person-2","content":"Hello?"}'`);
const customers = args.customers === undefined ? undefined : startCustomers(emu, { everyMs: Number(args.customers) });

const stop = async () => {
  customers?.stop();
  await site.close();
  await emu.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
