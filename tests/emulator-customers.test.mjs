// The emulator playing customers: `POST /__emulator/customer-message`, and the CLI's `--customers MS` demo writer.
// A customer message is a client message: stored, the chat's activity moved (the chat list's `from` finds it
// again), an archived chat brought back, and `chat_message` webhooks delivered.
import { describe, it, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { startCustomers } from "gosquared-chat/emulator";
import { emulator, clientFor, waitFor } from "./helpers.mjs";
import { EMULATOR_CLI, startEmulatorProcess } from "./resilience-helpers.mjs";

const post = async (url, body) => {
  const response = await fetch(`${url}/__emulator/customer-message`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
};

describe("emulator customers", () => {
  let emu;
  let hook;
  const received = [];
  before(async () => {
    emu = await emulator({ seed: "3:2" });
    hook = http.createServer((req, res) => {
      let text = "";
      req.on("data", (c) => (text += c));
      req.on("end", () => {
        received.push(JSON.parse(text));
        res.end("ok");
      });
    });
    await new Promise((resolve) => hook.listen(0, "127.0.0.1", resolve));
  });
  after(async () => {
    await emu.close();
    await new Promise((resolve) => hook.close(resolve));
  });
  beforeEach(() => {
    emu.reset("3:2");
    received.length = 0;
  });

  it("writes a customer message into the chat named: stored, activity moved, archive undone, webhook delivered", async () => {
    const client = clientFor(emu);
    await client.createWebhook({ url: `http://127.0.0.1:${hook.address().port}/hook` });
    await client.archiveChat("person-2");
    const before = emu.store.now();
    const { status, body } = await post(emu.url, { chatId: "person-2", content: "Where is my order?" });
    assert.equal(status, 200);
    assert.equal(body.from, "client");
    assert.equal(body.content, "Where is my order?");
    assert.equal(body.person_id, "person-2");
    const active = await client.listChats({ from: before });
    assert.deepEqual(active.items.map((c) => c.id), ["person-2"], "listed again from the time before it");
    assert.equal(active.items[0].archived, false, "brought back from the archive");
    await emu.webhooksSettled();
    assert.deepEqual(received.map((p) => [p.message.person_id, p.message.content, p.message.from]), [["person-2", "Where is my order?", "client"]]);
  });

  it("picks a chat and writes a numbered message when the body names neither", async () => {
    const ids = new Set();
    for (let i = 0; i < 30; i++) {
      const { status, body } = await post(emu.url, i % 2 ? {} : undefined);
      assert.equal(status, 200);
      assert.match(body.content, /^Customer message \d+$/);
      ids.add(body.person_id);
    }
    assert.ok(ids.size > 1, "more than one chat written to");
    assert.ok([...ids].every((id) => emu.store.has(id)));
    const numbers = emu.store.dump().chats.flatMap((c) => c.feed).filter((i) => i.content?.startsWith("Customer message")).map((i) => Number(i.content.split(" ").at(-1)));
    numbers.sort((a, b) => a - b);
    assert.deepEqual(numbers, Array.from({ length: 30 }, (_, i) => numbers[0] + i), "numbered one after another");
  });

  it("refuses bad bodies without writing anything", async () => {
    const clock = emu.store.now();
    for (const [body, code] of [["[1]", 4003], ["nope", 4003], [{ chatId: "" }, 4004], [{ chatId: 5 }, 4004], [{ content: "  " }, 4004], [{ text: "hi" }, 4004]]) {
      const { status, body: error } = await post(emu.url, body);
      assert.equal(status, 400, JSON.stringify(body));
      assert.equal(error.code, code, JSON.stringify(body));
    }
    assert.equal(emu.store.now(), clock);
  });

  it("startCustomers writes on its timer until stopped, the same chats for the same seed", async () => {
    const run = async (seed) => {
      emu.reset("3:2");
      const seen = [];
      const writer = startCustomers(emu, { everyMs: 10, seed, onMessage: (m) => seen.push(m.person_id) });
      await waitFor(() => seen.length >= 8);
      writer.stop();
      const count = seen.length;
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(seen.length, count, "nothing after stop()");
      return seen.slice(0, 8);
    };
    // The same store and the same seed pick the same chats; another seed, others.
    const a = await run(11);
    assert.deepEqual(await run(11), a);
    assert.notDeepEqual(await run(12), a);
    assert.throws(() => startCustomers(emu, { everyMs: 5 }), TypeError);
    assert.throws(() => startCustomers(emu, { seed: 1.5 }), TypeError);
  });

  it("the CLI's --customers writes and prints a message every few milliseconds; a bad value exits 2", async () => {
    const { url, child } = await startEmulatorProcess(["--seed", "3:2", "--customers", "20"]);
    try {
      let out = "";
      child.stdout.on("data", (chunk) => (out += chunk));
      await waitFor(() => (out.match(/^customer \S+: Customer message \d+$/gm) ?? []).length >= 3);
      const store = await (await fetch(`${url}/__emulator/store`)).json();
      const written = store.chats.flatMap((c) => c.feed).filter((i) => i.content.startsWith("Customer message"));
      assert.ok(written.length >= 3);
    } finally {
      child.kill("SIGTERM");
      await once(child, "exit");
    }
    for (const bad of ["5", "soon", "-1"]) {
      const refused = spawn(process.execPath, [EMULATOR_CLI, "--customers", bad], { stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      refused.stderr.on("data", (c) => (stderr += c));
      const [code] = await once(refused, "exit");
      assert.equal(code, 2, bad);
      assert.match(stderr, /--customers/);
    }
  });
});
