// examples/export-to-file run as a user would: it exports the emulator's chats to a file and prints a summary.
import { it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
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
