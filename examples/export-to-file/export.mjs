#!/usr/bin/env node
// Exports every chat and its whole feed to one NDJSON file, with a progress bar, then prints a summary.
//
//   npm run example:export                                  against a local emulator seeded with 1,000 chats
//   npm run example:export -- --seed 10000:20 --out big.ndjson
//   npm run example:export -- --live --out chats.ndjson     against the real API, with GOSQUARED_API_KEY and
//                                                            GOSQUARED_SITE_TOKEN in the environment
//   npm run example:export -- --url http://127.0.0.1:8787   against an emulator already running (npm run emulator)
//   npm run example:export -- --since last.json             incremental: appends only what changed since the
//                                                            watermark kept in last.json, then moves it on
//   npm run example:export -- --since last.json --resume    carries on after Ctrl-C or a crash, from the
//                                                            checkpoint kept next to the output (<out>.checkpoint)
//
// Ctrl-C stops the export cleanly through an AbortSignal; the file then holds what was exported so far.
import { createWriteStream, existsSync } from "node:fs";
import { open, readFile, rename, rm, writeFile } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ChatClient, GoSquaredError } from "gosquared-chat";
import { startEmulator } from "gosquared-chat/emulator";

const usage = `usage: export.mjs [--out FILE] [--seed CHATS:MESSAGES] [--rate-limit] [--archived]
                  [--concurrency N] [--live | --url URL] [--since WATERMARK_FILE] [--resume]`;
const { values: args } = parseArgs({
  options: {
    out: { type: "string", default: fileURLToPath(new URL("./chats.ndjson", import.meta.url)) },
    seed: { type: "string", default: "1000:20" },
    "rate-limit": { type: "boolean", default: false },
    archived: { type: "boolean", default: false },
    concurrency: { type: "string", default: "4" },
    live: { type: "boolean", default: false },
    url: { type: "string" },
    since: { type: "string" },
    resume: { type: "boolean", default: false },
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
} else if (args.url) {
  const { GOSQUARED_API_KEY: apiKey = "demo_key", GOSQUARED_SITE_TOKEN: siteToken = "GSN-000000-A" } = process.env;
  client = new ChatClient({ apiKey, siteToken, baseUrl: args.url });
} else {
  emulator = await startEmulator({ seed: args.seed, rateLimit: args["rate-limit"] ? {} : false });
  client = new ChatClient({ apiKey: emulator.apiKey, siteToken: emulator.siteToken, baseUrl: emulator.url });
  console.log(`Local emulator at ${emulator.url}, seeded with ${args.seed.replace(":", " chats of ")} messages`);
}

const stop = new AbortController();
process.once("SIGINT", () => stop.abort(new Error("interrupted")));

/** Writes `text` to `path` whole or not at all (a crash leaves the old file). */
async function replaceFile(path, text) {
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}

/**
 * Incremental and resumable: appends the export to the output, keeps each checkpoint line's value in
 * <out>.checkpoint once every line before it is on disk, and at the end moves the watermark file on and
 * drops the checkpoint.
 */
async function appendWindow(options) {
  const checkpointFile = `${args.out}.checkpoint`;
  const saved = args.resume && existsSync(checkpointFile) ? (await readFile(checkpointFile, "utf8")).trim() : undefined;
  const since = args.since && existsSync(args.since) ? JSON.parse(await readFile(args.since, "utf8")).watermark : 0;
  const window = saved !== undefined ? { resume: saved, includeArchived: undefined } : { since };
  console.log(saved !== undefined ? `Resuming from ${checkpointFile}` : `Exporting what changed since ${since === 0 ? "the beginning" : new Date(since).toISOString()}`);
  const file = await open(args.out, "a");
  let repeats = 0;
  let summary;
  try {
    let pending = "";
    let rest = "";
    const decoder = new TextDecoder();
    for await (const chunk of client.exportChats({ ...options, ...window })) {
      const text = rest + decoder.decode(chunk, { stream: true });
      const end = text.lastIndexOf("\n") + 1;
      rest = text.slice(end);
      for (const line of text.slice(0, end).split("\n")) {
        if (line === "") continue;
        if (line.startsWith('{"type":"checkpoint"')) {
          // Everything before the checkpoint goes to disk first; only then is the checkpoint kept.
          await file.write(pending + line + "\n");
          pending = "";
          await file.datasync();
          await replaceFile(checkpointFile, JSON.parse(line).checkpoint);
          continue;
        }
        if (line.startsWith('{"type":"summary"')) summary = JSON.parse(line);
        else if (line.startsWith('{"type":"chat"') && line.endsWith(',"repeat":true}')) repeats += 1;
        pending += line + "\n";
      }
      if (pending.length > 1 << 16) {
        await file.write(pending);
        pending = "";
      }
    }
    await file.write(pending);
    await file.datasync();
  } finally {
    await file.close();
  }
  if (args.since) await replaceFile(args.since, JSON.stringify({ watermark: summary.watermark }) + "\n");
  await rm(checkpointFile, { force: true });
  if (repeats > 0) console.log(`${repeats} chats may repeat lines of the interrupted run (marked "repeat": true; upsert by item id)`);
  if (args.since) console.log(`Next run: --since ${args.since} (watermark ${new Date(summary.watermark).toISOString()})`);
}

const started = performance.now();
let last;
try {
  const options = {
    includeArchived: args.archived,
    concurrency: Number(args.concurrency),
    signal: stop.signal,
    onProgress: (progress) => {
      last = progress;
      drawProgress(progress);
    },
  };
  if (args.since || args.resume) {
    await appendWindow(options);
  } else {
    // The file is written as fast as the disk takes it; the export reads ahead only a little.
    await pipeline(client.exportChats(options), createWriteStream(args.out));
  }
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
    const again = args.since || args.resume ? " Run again with --resume to carry on." : "";
    console.error(`Stopped: ${args.out} holds the ${number(last?.chatsDone)} chats exported so far.${again}`);
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
