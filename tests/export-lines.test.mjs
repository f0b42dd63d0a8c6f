// readExportLines: an export read back as typed records, from the stream itself, from text, or from bytes cut
// anywhere (inside a line, inside a UTF-8 character).
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { InvalidRequestError, readExportLines } from "gosquared-chat";
import { emulator, clientFor } from "./helpers.mjs";

async function collect(iterable) {
  const out = [];
  for await (const line of iterable) out.push(line);
  return out;
}

describe("readExportLines", () => {
  let emu, client;
  before(async () => {
    emu = await emulator({ seed: "4:3" });
    client = clientFor(emu);
    emu.clientMessage("person-2", "Grüße, ça va? 😀");
  });
  after(() => emu.close());

  it("reads the export's own stream into chat, item and summary records", async () => {
    const text = await new Response(client.exportChats()).text();
    const lines = await collect(readExportLines(client.exportChats()));
    assert.deepEqual(lines, text.trimEnd().split("\n").map((l) => JSON.parse(l)));
    assert.equal(lines.filter((l) => l.type === "chat").length, 4);
    const summary = lines.at(-1);
    assert.equal(summary.type, "summary");
    assert.equal(summary.items, lines.filter((l) => l.type === "item").length);
    assert.ok(lines.some((l) => l.type === "item" && l.item.content === "Grüße, ça va? 😀"));
  });

  it("reads text, and bytes cut inside lines and inside characters", async () => {
    const text = await new Response(client.exportChats()).text();
    const expected = await collect(readExportLines(text));
    const bytes = new TextEncoder().encode(text);
    async function* cut(size) {
      for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
    }
    for (const size of [1, 3, 7, 64, 4096]) assert.deepEqual(await collect(readExportLines(cut(size))), expected, `pieces of ${size}`);
    assert.deepEqual(await collect(readExportLines(text.trimEnd())), expected, "without the last newline");
  });

  it("names the line that is not an export line", async () => {
    const good = '{"type":"chat","chatId":"a","chat":{"id":"a"}}';
    await assert.rejects(collect(readExportLines(`${good}\n{oops\n`)), (e) => e instanceof InvalidRequestError && /line 2 .* not JSON/.test(e.message));
    await assert.rejects(collect(readExportLines(`${good}\n\n{"type":"other"}\n`)), (e) => e instanceof InvalidRequestError && /line 3 /.test(e.message));
    await assert.rejects(collect(readExportLines(42)), InvalidRequestError);
  });
});
