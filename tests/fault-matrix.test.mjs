// The fault matrix: every fault the emulator can inject, against every public method, grouped by retry class
// (read, idempotent write, non-idempotent write). Each case runs on its own emulator and asserts the outcome
// (success after the right number of attempts, or the right error class with `attempts` and
// `mayHaveSucceeded`), the emulator's request log (one entry per attempt, all to the same route), the store
// (each message or note stored at most once, archive events at most once), the rate-limit budget, and that no
// piece of the API key appears in any error.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  GoSquaredError, AuthenticationError, NotFoundError, RateLimitError, InvalidRequestError,
  ServerError, ConnectionError, TimeoutError, ResponseFormatError,
} from "gosquared-chat";
import { emulator, clientFor, apiRequests, API_KEY } from "./helpers.mjs";
import { assertNoKeyFragment, outcome } from "./resilience-helpers.mjs";

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

const ok = (attempts) => ({ ok: true, attempts });
const fail = (cls, attempts, more = {}) => ({ ok: false, cls, attempts, mayHaveSucceeded: false, ...more });
/** The outcome of a failure whose result is unknown: reads and idempotent writes retry it, other writes stop. */
const unknownOutcome = (cls, attemptsWhenRetried, more = {}) => ({
  read: attemptsWhenRetried === null ? fail(cls, 3, more) : ok(attemptsWhenRetried),
  idempotent: attemptsWhenRetried === null ? fail(cls, 3, { ...more, mayHaveSucceeded: true }) : ok(attemptsWhenRetried),
  write: fail(cls, 1, { ...more, mayHaveSucceeded: true }),
});
const same = (expectation) => ({ read: expectation, idempotent: expectation, write: expectation });
const retryAfter = (value) => ({ "retry-after": String(value) });
const httpDate = (offsetMs) => new Date(Date.now() + offsetMs).toUTCString();

/**
 * The rows. `fault` is injected before the call (an array injects several); `opts` are the call's options;
 * `processed` says the fault lets the emulator apply the request before it misbehaves; `expect` gives the
 * outcome per retry class (or per method name, which wins).
 */
const ROWS = [
  {
    name: "429 with Retry-After: 0, once",
    fault: { status: 429, headers: retryAfter(0) },
    expect: same(ok(2)),
  },
  {
    name: "429 with Retry-After as an HTTP date already past, once",
    fault: () => ({ status: 429, headers: retryAfter(httpDate(-10_000)) }),
    expect: same(ok(2)),
  },
  {
    name: "429 with Retry-After: 1 (waited out), once",
    fault: { status: 429, headers: retryAfter(1) },
    expect: same(ok(2)),
  },
  {
    name: "429 with Retry-After: 120, beyond the 60 s cap",
    fault: { status: 429, headers: retryAfter(120) },
    expect: same(fail(RateLimitError, 1, { status: 429, code: 4002, retryAfterMs: 120_000 })),
  },
  {
    name: "429 with Retry-After as an HTTP date two minutes ahead",
    fault: () => ({ status: 429, headers: retryAfter(httpDate(120_000)) }),
    expect: same(fail(RateLimitError, 1, { status: 429, retryAfterMs: (ms) => ms > 60_000 && ms <= 120_000 })),
  },
  {
    name: "429 on every attempt, Retry-After: 0",
    fault: { status: 429, headers: retryAfter(0), times: Infinity },
    expect: same(fail(RateLimitError, 3, { status: 429, retryAfterMs: 0 })),
  },
  {
    name: "429 on every attempt, maxRetries: 0 for this call",
    fault: { status: 429, headers: retryAfter(0), times: Infinity },
    opts: { maxRetries: 0 },
    expect: same(fail(RateLimitError, 1, { status: 429 })),
  },
  ...[500, 502, 503, 504].map((status) => ({
    name: `${status} once, no Retry-After (real backoff)`,
    fault: { status },
    expect: unknownOutcome(ServerError, 2, { status }),
  })),
  {
    name: "503 on every attempt, Retry-After: 0",
    fault: { status: 503, headers: retryAfter(0), times: Infinity },
    expect: unknownOutcome(ServerError, null, { status: 503, code: 5000 }),
  },
  {
    name: "503 with Retry-After: 120 is not waited for",
    fault: { status: 503, headers: retryAfter(120) },
    expect: {
      read: fail(ServerError, 1, { status: 503, retryAfterMs: 120_000 }),
      idempotent: fail(ServerError, 1, { status: 503, retryAfterMs: 120_000, mayHaveSucceeded: true }),
      write: fail(ServerError, 1, { status: 503, retryAfterMs: 120_000, mayHaveSucceeded: true }),
    },
  },
  {
    name: "503 after the request was applied, once",
    fault: { status: 503, process: true, headers: retryAfter(0) },
    processed: true,
    expect: unknownOutcome(ServerError, 2, { status: 503 }),
  },
  {
    name: "408 once, Retry-After: 0",
    fault: { status: 408, headers: retryAfter(0), body: { message: "Request Timeout" } },
    expect: { read: ok(2), idempotent: ok(2), write: fail(GoSquaredError, 1, { status: 408, exactClass: true }) },
  },
  {
    name: "401 refused key",
    fault: { status: 401 },
    expect: same(fail(AuthenticationError, 1, { status: 401, code: 4001 })),
  },
  {
    name: "400 invalid request",
    fault: { status: 400, body: { code: 4003, message: "Error 4003: invalid parameter" } },
    expect: same(fail(InvalidRequestError, 1, { status: 400, code: 4003 })),
  },
  {
    name: "404 not found",
    fault: { status: 404, body: { code: 4004, message: "Error 4004: chat not found" } },
    expect: same(fail(NotFoundError, 1, { status: 404 })),
  },
  {
    name: "a slow answer within the timeout",
    fault: { delayMs: 50 },
    processed: true,
    expect: same(ok(1)),
  },
  {
    name: "a hung request, once",
    fault: { hang: true },
    opts: { timeoutMs: 3000 },
    expect: unknownOutcome(TimeoutError, 2),
  },
  {
    name: "a hung request on every attempt, maxRetries: 1",
    fault: { hang: true, times: Infinity },
    opts: { timeoutMs: 1500, maxRetries: 1 },
    expect: {
      read: fail(TimeoutError, 2),
      idempotent: fail(TimeoutError, 2, { mayHaveSucceeded: true }),
      write: fail(TimeoutError, 1, { mayHaveSucceeded: true }),
    },
  },
  {
    name: "applied, but answered after the timeout, once",
    fault: { delayMs: 20_000 },
    opts: { timeoutMs: 3000 },
    processed: true,
    expect: unknownOutcome(TimeoutError, 2),
  },
  {
    name: "connection reset, once",
    fault: { reset: true },
    expect: unknownOutcome(ConnectionError, 2),
  },
  {
    name: "connection reset on every attempt (real backoff)",
    fault: { reset: true, times: Infinity },
    expect: unknownOutcome(ConnectionError, null),
  },
  {
    name: "connection reset after the request was applied, once",
    fault: { reset: true, process: true },
    processed: true,
    expect: unknownOutcome(ConnectionError, 2),
  },
  {
    name: "truncated JSON",
    fault: { truncate: true },
    processed: true,
    expect: {
      read: fail(ResponseFormatError, 1, { status: 200 }),
      idempotent: ok(1), // 204: there is no body to cut
      write: fail(ResponseFormatError, 1, { status: 200, mayHaveSucceeded: true }),
    },
  },
  {
    name: "an HTML error page (502), once",
    fault: { html: true },
    expect: unknownOutcome(ServerError, 2, { status: 502 }),
  },
  {
    name: "an HTML page with status 200",
    fault: { html: true, status: 200 },
    expect: {
      read: fail(ResponseFormatError, 1, { status: 200 }),
      idempotent: fail(ResponseFormatError, 1, { status: 200, mayHaveSucceeded: true }),
      write: fail(ResponseFormatError, 1, { status: 200, mayHaveSucceeded: true }),
    },
  },
  {
    name: "an empty 200 body",
    fault: { empty: true },
    processed: true,
    expect: { read: fail(ResponseFormatError, 1, { status: 200 }), idempotent: ok(1), write: ok(1) },
  },
  {
    name: "a JSON answer with the wrong content-type",
    fault: { contentType: "text/plain; charset=utf-8" },
    processed: true,
    expect: same(ok(1)),
  },
  {
    // One unit every 2 s: the call finds the bucket empty unless 2 s pass after the drain, and the
    // Retry-After it gets (rounded up to whole seconds) always covers the refill.
    name: "the token bucket is empty and refills within two seconds",
    rateLimit: { limit: 1, refillPerMinute: 30 },
    drainBucket: true,
    expect: same(ok(2)),
    budget: { limit: 1 },
  },
  {
    name: "the token bucket is empty for two minutes",
    rateLimit: { limit: 1, refillPerMinute: 0.5 },
    drainBucket: true,
    expect: same(fail(RateLimitError, 1, { status: 429, code: 4002, retryAfterMs: (ms) => ms > 60_000 && ms <= 120_000 })),
    budget: { limit: 1, remaining: 0 },
  },
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
