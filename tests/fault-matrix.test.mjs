// The fault matrix: every fault the emulator can inject, against every public method, grouped by retry class
// (read, idempotent write, non-idempotent write). Each case runs on its own emulator and asserts the outcome
// (success after the right number of attempts, or the right error class with `attempts` and
// `mayHaveSucceeded`), the emulator's request log (one entry per attempt, all to the same route), the store
// (each message or note stored at most once, archive events at most once), the rate-limit budget, and that no
// piece of the API key appears in any error.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { GoSquaredError } from "gosquared-chat";
import { emulator, clientFor, apiRequests, API_KEY } from "./helpers.mjs";
import { assertNoKeyFragment, outcome } from "./resilience-helpers.mjs";
import { ROWS } from "./fault-rows.mjs";

const ADA = "email:ada@example.com";
const ADA_PATH = "/chat/v1/chats/email%3Aada%40example.com";

/** Every public method, with its retry class, its route and a call that takes per-call options. */
const METHODS = [
  { name: "getChat", kind: "read", method: "GET", path: ADA_PATH, call: (c, o) => c.getChat(ADA, o) },
  { name: "listChats", kind: "read", method: "GET", path: "/chat/v1/chats", call: (c, o) => c.listChats(undefined, o) },
  { name: "listArchivedChats", kind: "read", method: "GET", path: "/chat/v1/archivedChats", call: (c, o) => c.listArchivedChats(undefined, o) },
  { name: "getFeed", kind: "read", method: "GET", path: `${ADA_PATH}/feed`, call: (c, o) => c.getFeed(ADA, undefined, o) },
  { name: "listMessages", kind: "read", method: "GET", path: `${ADA_PATH}/messages`, call: (c, o) => c.listMessages(ADA, undefined, o) },
  { name: "archiveChat", kind: "idempotent", method: "POST", path: `${ADA_PATH}/archive`, call: (c, o) => c.archiveChat(ADA, o) },
  { name: "unarchiveChat", kind: "idempotent", method: "POST", path: `${ADA_PATH}/unarchive`, call: (c, o) => c.unarchiveChat(ADA, o) },
  { name: "sendMessage", kind: "write", method: "POST", path: `${ADA_PATH}/messages`, call: (c, o, text) => c.sendMessage(ADA, { content: text }, o) },
  { name: "addNote", kind: "write", method: "POST", path: `${ADA_PATH}/notes`, call: (c, o, text) => c.addNote(ADA, { content: text }, o) },
];

/** Messages, notes and archive events in the store, to count what each case applied. */
function storeFacts(emu, text) {
  const contents = [];
  const events = [];
  for (const chat of emu.store.dump().chats) {
    for (const item of chat.feed) {
      if (item.type === "event") {
        if (chat.id === ADA) events.push(item.event);
      } else {
        contents.push(item.content);
      }
    }
  }
  return { contents, copies: contents.filter((c) => c === text).length, events, archived: emu.store.getChat(ADA).archived };
}

function checkError(error, expected, m) {
  assert.ok(error instanceof expected.cls, `expected ${expected.cls.name}, got ${error?.name}: ${error?.message}`);
  if (expected.exactClass) assert.equal(Object.getPrototypeOf(error), expected.cls.prototype);
  assert.ok(error instanceof GoSquaredError);
  assert.equal(error.name, expected.cls.name);
  assert.equal(error.attempts, expected.attempts, "err.attempts");
  assert.equal(error.mayHaveSucceeded, expected.mayHaveSucceeded, "err.mayHaveSucceeded");
  assert.equal(error.method, m.method);
  assert.equal(error.path, m.path);
  for (const field of ["status", "code", "retryAfterMs"]) {
    if (expected[field] === undefined) continue;
    if (typeof expected[field] === "function") assert.ok(expected[field](error[field]), `${field} = ${error[field]}`);
    else assert.equal(error[field], expected[field], field);
  }
  assertNoKeyFragment(error, API_KEY);
}

function checkStore(emu, before, row, m, expected, text) {
  const after = storeFacts(emu, text);
  const counts = new Map();
  for (const c of after.contents) counts.set(c, (counts.get(c) ?? 0) + 1);
  const duplicated = [...counts].filter(([, n]) => n > 1).map(([c]) => c);
  assert.deepEqual(duplicated, [], "no message or note is stored twice");
  const applied = expected.ok || row.processed === true;
  if (m.kind === "write") {
    assert.equal(after.copies, applied ? 1 : 0, `stored copies of the ${m.name} content`);
    assert.equal(after.contents.length, before.contents.length + after.copies);
  } else {
    assert.equal(after.contents.length, before.contents.length, "nothing new stored");
  }
  if (m.kind === "idempotent") {
    const archiving = m.name === "archiveChat";
    assert.equal(after.archived, applied ? archiving : !archiving, "archive state");
    const added = after.events.slice(before.events.length);
    assert.deepEqual(added, applied ? [archiving ? "archived" : "unarchived"] : [], "one archive event at most");
  } else {
    assert.deepEqual(after.events, before.events);
  }
}

function checkResult(value, m) {
  if (m.kind === "read" && m.name === "getChat") assert.equal(value.id, ADA);
  else if (m.kind === "read") assert.ok(Array.isArray(value.items));
  else if (m.kind === "idempotent") assert.deepEqual(value, {});
  else assert.equal(typeof value, "object");
}

async function runCase(row, m) {
  const emu = await emulator({ seed: "3:5", rateLimit: row.rateLimit });
  try {
    if (m.name === "unarchiveChat") emu.store.archive(ADA);
    // A generous timeout, so that a loaded machine never turns a normal answer into a timeout.
    const client = clientFor(emu, { timeoutMs: 15_000 });
    if (row.drainBucket) {
      const drained = await fetch(`${emu.url}/chat/v1/chats?api_key=${encodeURIComponent(API_KEY)}&site_token=x`);
      await drained.arrayBuffer();
    }
    emu.clearRequests();
    for (const fault of [row.fault ?? []].flat()) emu.inject(typeof fault === "function" ? fault() : fault);

    const text = `matrix ${row.name} via ${m.name}`;
    const before = storeFacts(emu, text);
    const expected = row.expect[m.name] ?? row.expect[m.kind];
    const result = await outcome(m.call(client, row.opts, text));

    if (expected.ok) {
      assert.ok(result.ok, `expected success, got ${result.error?.name}: ${result.error?.message}`);
      checkResult(result.value, m);
    } else {
      assert.ok(!result.ok, "expected the call to fail");
      checkError(result.error, expected, m);
    }
    const log = apiRequests(emu);
    assert.equal(log.length, expected.attempts, "requests in the emulator's log");
    for (const entry of log) {
      assert.equal(entry.method, m.method);
      assert.equal(entry.path, m.path);
    }
    checkStore(emu, before, row, m, expected, text);

    const answered = log.some((entry) => entry.status !== 0);
    assert.equal(client.rateLimit !== undefined, answered, "rateLimit is known once an answer came");
    if (answered) {
      const budget = row.budget ?? { limit: 750 };
      for (const [k, v] of Object.entries(budget)) assert.equal(client.rateLimit[k], v, `rateLimit.${k}`);
      assert.equal(typeof client.rateLimit.fullInSeconds, "number");
    }
  } finally {
    await emu.close();
  }
}

describe("fault matrix: each fault × each method, on its own emulator", { concurrency: 48 }, () => {
  for (const row of ROWS) {
    for (const m of METHODS) {
      it(`${row.name} × ${m.name} (${m.kind})`, () => runCase(row, m));
    }
  }
});
