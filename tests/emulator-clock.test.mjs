// The emulator's real clock (issue 14, point 7): stored items are stamped with Date.now(), so a date window built
// from Date.now() selects what a call stored; the default stays the deterministic logical clock.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { startEmulator } from "../emulator/server.js";
import { CLOCK_START } from "../emulator/store.js";
import { ChatClient } from "gosquared-chat";

const KEY = "sk_clock_test_key";
const TOKEN = "GSN-515151-R";
const options = { apiKey: KEY, siteToken: TOKEN, seed: "2:3", rateLimit: false };

test("with the real clock, a stored item's timestamp lies between Date.now() before and after the call", async () => {
  const emu = await startEmulator({ ...options, clock: "real" });
  try {
    const chat = new ChatClient({ apiKey: KEY, siteToken: TOKEN, baseUrl: emu.url });
    const seeded = (await chat.listMessages("person-2", { limit: 250 })).items;
    assert.equal(seeded.length, 3);
    const started = Date.now();
    assert.ok(seeded.every((m) => m.timestamp < started), "the seeded history is older than the first call");

    const before = Date.now();
    const sent = await chat.sendMessage("person-2", { content: "on the real clock" });
    const note = await chat.addNote("person-2", { content: "a note" });
    await chat.archiveChat("person-2");
    const after = Date.now();
    const feed = (await chat.getFeed("person-2", { limit: 250 })).items;
    const fresh = feed.slice(-3);
    assert.deepEqual(fresh.map((i) => i.id), [sent.id, note.id, fresh[2].id]);
    assert.equal(fresh[2].event, "archived");
    for (const item of [sent, note, ...fresh]) {
      assert.ok(item.timestamp >= before && item.timestamp <= after, `${item.id}: ${item.timestamp} not in [${before}, ${after}]`);
    }
    assert.ok(fresh[0].timestamp <= fresh[1].timestamp && fresh[1].timestamp <= fresh[2].timestamp, "never backwards");

    // Windows built from Date.now() select exactly what was stored inside them.
    const inside = (await chat.listMessages("person-2", { from: before, to: after, limit: 250 })).items;
    assert.deepEqual(inside.map((m) => m.id), [sent.id]);
    const earlier = (await chat.listMessages("person-2", { to: before - 1, limit: 250 })).items;
    assert.deepEqual(earlier.map((m) => m.id), seeded.map((m) => m.id));
    const feedInside = (await chat.getFeed("person-2", { from: new Date(before), to: new Date(after), limit: 250 })).items;
    assert.deepEqual(feedInside.map((i) => i.id), fresh.map((i) => i.id));
    const archived = (await chat.listArchivedChats({ from: new Date(before) })).items;
    assert.deepEqual(archived.map((c) => c.id), ["person-2"]);
    assert.deepEqual((await chat.listChats({ from: new Date(before) })).items, [], "the other chat has no activity since");
    assert.equal((await chat.listChats({ to: new Date(before - 1) })).items.length, 1);

    // A reset lays the seed out again before the reset's own time.
    const resetAt = Date.now();
    emu.reset();
    const reseeded = (await chat.listMessages("person-2", { limit: 250 })).items;
    assert.ok(reseeded.every((m) => m.timestamp < Date.now() && m.timestamp >= resetAt - 10 * 1000), JSON.stringify(reseeded.map((m) => m.timestamp)));
  } finally {
    await emu.close();
  }
});

test("the default clock is the logical one, and a bad clock option is refused", async () => {
  const emu = await startEmulator(options);
  try {
    const chat = new ChatClient({ apiKey: KEY, siteToken: TOKEN, baseUrl: emu.url });
    const first = (await chat.listMessages("email:ada@example.com", { limit: 1 })).items[0];
    assert.equal(first.timestamp, CLOCK_START);
  } finally {
    await emu.close();
  }
  await assert.rejects(startEmulator({ ...options, clock: "wall" }), { name: "TypeError", message: /clock must be "logical" or "real"/ });
});

test("the CLI's --real-clock runs the emulator on the real clock", async () => {
  const cli = fileURLToPath(new URL("../emulator/cli.js", import.meta.url));
  const child = spawn(process.execPath, [cli, "--port", "0", "--seed", "1:1", "--real-clock", "--api-key", KEY, "--site-token", TOKEN], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    let out = "";
    child.stdout.setEncoding("utf8");
    const url = await new Promise((resolve, reject) => {
      child.stdout.on("data", (chunk) => {
        out += chunk;
        const found = /listening on (http:\/\/\S+)/.exec(out);
        if (found) resolve(found[1]);
      });
      child.once("exit", (code) => reject(new Error(`exited early with ${code}: ${out}`)));
    });
    const chat = new ChatClient({ apiKey: KEY, siteToken: TOKEN, baseUrl: url });
    const before = Date.now();
    const sent = await chat.sendMessage("email:ada@example.com", { content: "from the CLI" });
    const after = Date.now();
    assert.ok(sent.timestamp >= before && sent.timestamp <= after, `${sent.timestamp} not in [${before}, ${after}]`);
  } finally {
    if (child.exitCode === null) {
      const exit = once(child, "exit");
      child.kill("SIGTERM");
      await exit;
    }
  }
});
