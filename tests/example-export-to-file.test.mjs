// examples/export-to-file run as a user would: it exports the emulator's chats to a file and prints a summary.
import { it } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const SCRIPT = fileURLToPath(new URL("../examples/export-to-file/export.mjs", import.meta.url));

it("export-to-file writes every chat and item to the file and prints the counts", async () => {
  const dir = await mkdtemp(join(tmpdir(), "gosquared-export-"));
  try {
    const out = join(dir, "chats.ndjson");
    const { stdout } = await promisify(execFile)(process.execPath, [SCRIPT, "--seed", "40:6", "--out", out, "--concurrency", "3"]);
    assert.match(stdout, /Exported 40 chats and 240 items to /);
    const lines = (await readFile(out, "utf8")).trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.equal(lines.length, 40 + 240 + 1);
    assert.equal(new Set(lines.filter((l) => l.type === "chat").map((l) => l.chatId)).size, 40);
    assert.equal(lines.filter((l) => l.type === "error").length, 0);
    assert.deepEqual(lines.at(-1), { type: "summary", chatsDone: 40, chatsTotal: 40, items: 240, bytes: lines.at(-1).bytes, errors: 0 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Runs the example against the emulator at `url` with `args`; resolves to its output. */
function runExample(url, args) {
  return promisify(execFile)(process.execPath, [SCRIPT, "--url", url, ...args], {
    env: { ...process.env, GOSQUARED_API_KEY: "demo_key", GOSQUARED_SITE_TOKEN: "GSN-000000-A" },
  });
}

/** Every item of the store stamped up to `to`, as `chatId item.id` keys. */
function storeItems(store, to) {
  const keys = new Set();
  for (const id of store.chats.keys()) for (const item of store.feed(id, { to })) keys.add(`${id} ${item.id}`);
  return keys;
}

async function fileLines(path) {
  const text = await readFile(path, "utf8").catch(() => "");
  return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
}

it("export-to-file --since appends only what changed, and --resume carries on after a crash", async () => {
  const { startEmulator } = await import("gosquared-chat/emulator");
  const emu = await startEmulator({ seed: "60:5" });
  const dir = await mkdtemp(join(tmpdir(), "gosquared-export-"));
  try {
    const out = join(dir, "archive.ndjson");
    const mark = join(dir, "last.json");
    const args = ["--out", out, "--since", mark, "--archived", "--concurrency", "2"];
    await runExample(emu.url, args);
    const first = await fileLines(out);
    const { watermark } = JSON.parse(await readFile(mark, "utf8"));
    assert.equal(watermark, first.at(-1).watermark);
    // Customers and agents write; a chat is archived.
    emu.store.addMessage("person-7", { content: "a new question", from: "client" });
    emu.store.addNote("person-9", { content: "called back" });
    emu.store.archive("person-12");
    emu.store.clientMessage("visitor-new", "hello");
    const { stdout } = await runExample(emu.url, args);
    assert.match(stdout, /Next run: --since/);
    const all = await fileLines(out);
    const second = all.slice(first.length);
    // The chats that changed, and the chat(s) of the watermark's own millisecond, read again (it is inclusive).
    const atWatermark = [false, true].flatMap((archived) => emu.store.listChats({ archived, from: watermark, to: watermark }).map((c) => c.id));
    const changed = new Set(["person-7", "person-9", "person-12", "visitor-new", ...atWatermark]);
    assert.deepEqual(new Set(second.filter((l) => l.type === "chat").map((l) => l.chatId)), changed);
    const items = all.filter((l) => l.type === "item").map((l) => `${l.chatId} ${l.item.id}`);
    assert.deepEqual(new Set(items), storeItems(emu.store, JSON.parse(await readFile(mark, "utf8")).watermark), "the file holds the store");

    // A crash: the process is killed once the file has some lines, then --resume carries on.
    const crashed = join(dir, "crashed.ndjson");
    const resumeArgs = ["--out", crashed, "--resume", "--archived", "--concurrency", "1"];
    const child = spawn(process.execPath, [SCRIPT, "--url", emu.url, ...resumeArgs], {
      env: { ...process.env, GOSQUARED_API_KEY: "demo_key", GOSQUARED_SITE_TOKEN: "GSN-000000-A" },
      stdio: "ignore",
    });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    let done = false;
    exited.then(() => (done = true));
    while (!done && (await fileLines(crashed).catch(() => [])).length < 60) await delay(5);
    child.kill("SIGKILL");
    await exited;
    await runExample(emu.url, resumeArgs);
    assert.ok(!existsSync(`${crashed}.checkpoint`), "the checkpoint is dropped once the run completes");
    const lines = await fileLines(crashed);
    const repeats = new Set(lines.filter((l) => l.type === "chat" && l.repeat).map((l) => l.chatId));
    const count = new Map();
    for (const l of lines) if (l.type === "item") count.set(`${l.chatId} ${l.item.id}`, (count.get(`${l.chatId} ${l.item.id}`) ?? 0) + 1);
    for (const [key, n] of count) assert.ok(n === 1 || repeats.has(key.split(" ")[0]), `${key} twice, not in a repeated chat`);
    assert.deepEqual(new Set(count.keys()), storeItems(emu.store, lines.at(-1).watermark));
    console.log(`# export-to-file --resume: ${repeats.size} chats repeated after the crash`);
  } finally {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  }
});
