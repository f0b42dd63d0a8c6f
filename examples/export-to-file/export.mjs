#!/usr/bin/env node
// Exports every chat and its whole feed to one NDJSON file, with a progress bar, then prints a summary.
//
//   npm run example:export                                  against a local emulator seeded with 1,000 chats
//   npm run example:export -- --seed 10000:20 --out big.ndjson
//   npm run example:export -- --live --out chats.ndjson     against the real API, with GOSQUARED_API_KEY and
//                                                            GOSQUARED_SITE_TOKEN in the environment
//
// Ctrl-C stops the export cleanly through an AbortSignal; the file then holds what was exported so far.
import { createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ChatClient, GoSquaredError } from "gosquared-chat";
import { startEmulator } from "gosquared-chat/emulator";

const usage = `usage: export.mjs [--out FILE] [--seed CHATS:MESSAGES] [--rate-limit] [--archived]
                  [--concurrency N] [--live]`;
const { values: args } = parseArgs({
  options: {
    out: { type: "string", default: fileURLToPath(new URL("./chats.ndjson", import.meta.url)) },
    seed: { type: "string", default: "1000:20" },
    "rate-limit": { type: "boolean", default: false },
    archived: { type: "boolean", default: false },
    concurrency: { type: "string", default: "4" },
    live: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (args.help) {
  console.log(usage);
  process.exit(0);
}

const tty = process.stderr.isTTY;
const number = (n) => (n ?? 0).toLocaleString("en-US");
const megabytes = (n) => `${(n / 1e6).toFixed(1)} MB`;

/** Draws one progress line in place: a bar when the total is known, the counts always. */
function drawProgress({ chatsDone, chatsTotal, items, bytes, errors }) {
  if (!tty) return;
  const width = 28;
  const share = chatsTotal ? Math.min(chatsDone / chatsTotal, 1) : 0;
  const bar = chatsTotal ? `[${"█".repeat(Math.round(share * width)).padEnd(width, "·")}] ${String(Math.floor(share * 100)).padStart(3)}% ` : "";
  const of = chatsTotal ? ` of ${number(chatsTotal)}` : "";
  process.stderr.write(`\r${bar}${number(chatsDone)}${of} chats, ${number(items)} items, ${megabytes(bytes)}, ${errors} errors  `);
}

let emulator;
let client;
if (args.live) {
  const { GOSQUARED_API_KEY: apiKey, GOSQUARED_SITE_TOKEN: siteToken } = process.env;
  if (!apiKey || !siteToken) {
    console.error("--live needs GOSQUARED_API_KEY and GOSQUARED_SITE_TOKEN in the environment");
    process.exit(2);
  }
  client = new ChatClient({ apiKey, siteToken });
} else {
  emulator = await startEmulator({ seed: args.seed, rateLimit: args["rate-limit"] ? {} : false });
  client = new ChatClient({ apiKey: emulator.apiKey, siteToken: emulator.siteToken, baseUrl: emulator.url });
  console.log(`Local emulator at ${emulator.url}, seeded with ${args.seed.replace(":", " chats of ")} messages`);
}

const stop = new AbortController();
process.once("SIGINT", () => stop.abort(new Error("interrupted")));

const started = performance.now();
let last;
try {
  const stream = client.exportChats({
    includeArchived: args.archived,
    concurrency: Number(args.concurrency),
    signal: stop.signal,
    onProgress: (progress) => {
      last = progress;
      drawProgress(progress);
    },
  });
  // The file is written as fast as the disk takes it; the export reads ahead only a little.
  await pipeline(stream, createWriteStream(args.out));
  if (tty) process.stderr.write("\n");
  const seconds = (performance.now() - started) / 1000;
  console.log(`Exported ${number(last.chatsDone)} chats and ${number(last.items)} items to ${args.out}`);
  console.log(`${megabytes(last.bytes)} in ${seconds.toFixed(1)} s (${number(Math.round(last.chatsDone / seconds))} chats/s)`);
  if ((args.live || args["rate-limit"]) && client.rateLimit) {
    console.log(`Rate-limit budget left: ${client.rateLimit.remaining} of ${client.rateLimit.limit} units`);
  }
  if (last.errors > 0) {
    console.log(`${last.errors} chats could not be exported completely: see the "error" lines in the file`);
    process.exitCode = 1;
  }
} catch (error) {
  if (tty) process.stderr.write("\n");
  if (stop.signal.aborted) {
    console.error(`Stopped: ${args.out} holds the ${number(last?.chatsDone)} chats exported so far.`);
    process.exitCode = 130;
  } else if (error instanceof GoSquaredError) {
    console.error(`The export failed: ${error.name}: ${error.message}`);
    process.exitCode = 1;
  } else {
    throw error;
  }
} finally {
  await emulator?.close();
}
