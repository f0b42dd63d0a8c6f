// Fault injection scripted from the emulator's command line (--fault, --rate-limit) and at run time through
// its control route, driven by the client.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { ChatClient, ServerError } from "gosquared-chat";
import { API_KEY, SITE_TOKEN } from "./helpers.mjs";
import { EMULATOR_CLI, startEmulatorProcess } from "./resilience-helpers.mjs";

/** Runs the CLI with arguments it must refuse; resolves to `{ code, stderr }`. */
async function refusedCli(args) {
  const child = spawn(process.execPath, [EMULATOR_CLI, ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (c) => {
    stderr += c;
  });
  const [code] = await once(child, "exit");
  return { code, stderr };
}

const control = async (url, path, init) => (await fetch(`${url}/__emulator/${path}`, init)).json();
const apiLog = async (url) => (await control(url, "requests")).filter((r) => r.path.startsWith("/chat/"));

describe("emulator CLI: --fault, --rate-limit and the faults control route", () => {
  it("faults given on the command line and posted at run time shape what the client sees", async () => {
    const { url, child } = await startEmulatorProcess([
      "--seed", "3:5",
      "--rate-limit", '{"limit":100,"refillPerMinute":100}',
      "--fault", '{"match":{"method":"POST","path":"/chat/v1/chats/*"},"status":503,"times":2}',
      "--fault", '{"match":{"method":"GET"},"status":429,"headers":{"retry-after":"0"}}',
    ]);
    try {
      const queued = await control(url, "faults");
      assert.deepEqual(queued.map((f) => [f.match.method, f.status, f.times]), [["POST", 503, 2], ["GET", 429, 1]]);
      const client = new ChatClient({ apiKey: API_KEY, siteToken: SITE_TOKEN, baseUrl: url });

      const page = await client.listChats();
      assert.equal(page.items.length, 3);
      assert.deepEqual((await apiLog(url)).map((r) => r.status), [429, 200], "the 429 was retried once");
      assert.equal(client.rateLimit.limit, 100, "the --rate-limit budget is in the headers");

      for (const n of [1, 2]) {
        const error = await client.sendMessage("person-2", { content: `attempt ${n}` }).then(() => null, (e) => e);
        assert.ok(error instanceof ServerError);
        assert.equal(error.attempts, 1);
        assert.equal(error.mayHaveSucceeded, true);
      }
      await client.sendMessage("person-2", { content: "attempt 3" });
      const feed = (await control(url, "store")).chats.find((c) => c.id === "person-2").feed.map((i) => i.content);
      assert.deepEqual(feed.filter((c) => c.startsWith("attempt")), ["attempt 3"], "refused sends were not stored");

      // At run time, as with: curl -X POST $URL/__emulator/faults -d '{"reset":true}'
      const posted = await control(url, "faults", { method: "POST", body: JSON.stringify({ reset: true }) });
      assert.equal(posted.ok, true);
      await control(url, "requests", { method: "DELETE" });
      assert.equal((await client.getChat("person-3")).id, "person-3");
      assert.deepEqual((await apiLog(url)).map((r) => r.status), [0, 200], "the reset connection was retried");
    } finally {
      child.kill();
    }
  });

  it("a bad --fault or --rate-limit exits with code 2 and says why", async () => {
    for (const [args, why] of [
      [["--fault", "{not json"], /invalid --fault/],
      [["--fault", '{"status":700}'], /status must be an HTTP status code/],
      [["--fault", '{"hang":true,"reset":true}'], /hang and reset cannot be combined/],
      [["--rate-limit", '{"limit":-1}'], /invalid --rate-limit/],
      [["--rate-limit", "{}", "--no-rate-limit"], /exclude each other/],
    ]) {
      const { code, stderr } = await refusedCli(args);
      assert.equal(code, 2, args.join(" "));
      assert.match(stderr, why);
    }
  });
});
