// Property-based abuse of every public method's arguments and of the client's options: wrong types, huge and
// unicode strings, `..`, `/`, `\`, `?`, `#` and `%` in ids (an id with `/` or `\` is refused), NaN, Infinity, negative numbers, extra keys, revoked
// proxies, throwing getters and signal-like objects. Every case must end in a success or a typed error (an
// InvalidRequestError before any request when the input is bad), never in a crash; every request must carry the
// id as its strict percent-encoding; and the same client must keep working afterwards. Most cases run on an
// in-memory `fetch` that records what it is asked; a smaller share runs against the emulator, which decodes
// the id back and must find the same chat.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ChatClient, GoSquaredError, InvalidRequestError } from "gosquared-chat";
import { emulator, API_KEY, SITE_TOKEN } from "./helpers.mjs";
import { strictEncode, outcome } from "./resilience-helpers.mjs";

const MEMORY_RUNS = 10_000;
const EMULATOR_RUNS = 600;
const OPTIONS_RUNS = 2_000;
const BASE = "https://api.example.test/v1proxy";

// ---- hostile values, built fresh inside each case (fast-check only sees their names) -------------------

const MARK = Symbol("hostile");
const thrower = () => {
  throw new Error("hostile getter");
};
const revoked = () => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
};
const HOSTILE = {
  revokedProxy: revoked,
  throwingProxy: () => new Proxy({}, { get: thrower, ownKeys: thrower, getPrototypeOf: thrower, has: thrower, getOwnPropertyDescriptor: thrower }),
  throwingGetters: () => Object.defineProperties({}, Object.fromEntries(
    ["content", "from", "limit", "offset", "signal", "timeoutMs", "maxRetries", "getTime"].map((k) => [k, { get: thrower, enumerable: true }]))),
  symbolKey: () => ({ [Symbol("k")]: 1 }),
  nullPrototype: () => Object.assign(Object.create(null), { content: "x", limit: 5 }),
  protoKey: () => JSON.parse('{"__proto__": {"content": "polluted"}, "content": "hi"}'),
  classInstance: () => new (class Thing { constructor() { this.content = "x"; } })(),
  boxedString: () => new String("email:ada@example.com"),
  throwingGetTime: () => ({ getTime: thrower }),
  weirdGetTime: () => ({ getTime: () => "soon" }),
  nanGetTime: () => ({ getTime: () => NaN }),
  invalidDate: () => new Date(NaN),
  farFutureDate: () => new Date(8.64e15),
  lateDate: () => new Date(253402300799999),
  typedArray: () => new Uint8Array([1, 2, 3]),
  map: () => new Map([["content", "x"]]),
  promise: () => Promise.resolve({ content: "x" }),
  func: () => () => "x",
  bigint: () => 10n,
  symbol: () => Symbol("x"),
};
const hostile = fc.constantFrom(...Object.keys(HOSTILE)).map((name) => ({ [MARK]: name }));

/** Signals, by name: live, already aborted, signal-like objects, and ones whose getters throw. */
const REASON = new Error("the caller went away");
const DUCK_REASON = { why: "duck" };
const SIGNALS = {
  live: () => new AbortController().signal,
  aborted: () => AbortSignal.abort(REASON),
  duck: () => ({ aborted: false, addEventListener() {}, removeEventListener() {} }),
  duckWithoutRemove: () => ({ aborted: false, addEventListener() {} }),
  duckAborted: () => ({ aborted: true, reason: DUCK_REASON, addEventListener() {}, removeEventListener() {} }),
  abortedLaterUnreadable: () => {
    let reads = 0;
    return { get aborted() { reads += 1; if (reads > 1) thrower(); return false; }, addEventListener() {}, removeEventListener() {} };
  },
  reasonUnreadable: () => ({ aborted: true, get reason() { return thrower(); }, addEventListener() {}, removeEventListener() {} }),
  notASignal: () => ({ aborted: "no" }),
  revokedProxy: revoked,
};
const signal = fc.constantFrom(...Object.keys(SIGNALS)).map((name) => ({ [MARK]: name, signal: true }));

/** Reads `obj[key]` for the test's own bookkeeping; a hostile object that throws reads as undefined. */
function peek(obj, key) {
  try {
    return obj !== null && typeof obj === "object" ? obj[key] : undefined;
  } catch {
    return undefined;
  }
}

function materialize(value) {
  if (value === null || typeof value !== "object") return value;
  if (Object.hasOwn(value, MARK)) return value.signal ? SIGNALS[value[MARK]]() : HOSTILE[value[MARK]]();
  const proto = Object.getPrototypeOf(value);
  if (Array.isArray(value) || (proto !== Object.prototype && proto !== null)) return value;
  const out = Object.create(proto); // fast-check makes some records without a prototype: keep them so
  for (const key of Reflect.ownKeys(value)) {
    Object.defineProperty(out, key, { value: materialize(value[key]), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

// ---- arbitraries ----------------------------------------------------------------------------------------

const weirdNumber = fc.oneof(
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 1, -1, 1.5, 10, 250, 251, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2,
    8.64e15, 8.64e15 + 1, 1e21, Number.MIN_VALUE, -1e300, 1700000000000),
  fc.integer({ min: -10, max: 300 }),
  fc.double(),
);
const junk = fc.oneof(
  fc.anything({ maxDepth: 1, withBoxedValues: true, withNullPrototype: true, withBigInt: true, withDate: true, withSparseArray: true, withMap: true, withSet: true }),
  hostile,
  weirdNumber,
);
// Any code point but a lone surrogate (those come from SPECIAL). Built from integers because fast-check's
// "binary" unit builds a reverse map of every code point, which costs seconds.
const codePoint = fc.integer({ min: 0, max: 0x10ffff }).filter((c) => c < 0xd800 || c > 0xdfff).map((c) => String.fromCodePoint(c));
const unicodeString = (maxLength) => fc.string({ unit: codePoint, maxLength });
// Pieces that are fine in an id but must be encoded, and pieces the client refuses in an id.
const SPECIAL = [".", "..", "...", "?", "#", "%", "%2e", "%2F", "%5C", "%25", "a?b=c#d", " ", "+", "&", "=", ";",
  ":", "@", "[", "]", "!", "'", "(", ")", "*", "~", "email:ada@example.com", "é", "😀", "\u2028", "\uFEFF", "\uFFFF"];
const REFUSED = ["\uD800", "\uDC00", "\u0000", "\u001f", "\u007f", "\u0085", "\t", "\n", "/", "\\", "../x", "a/../b", "./a", "..\\x"];
const idPiece = fc.oneof(
  { weight: 20, arbitrary: fc.oneof(fc.constantFrom(...SPECIAL), unicodeString(2), fc.string({ unit: "grapheme-ascii", maxLength: 3 })) },
  { weight: 1, arbitrary: fc.constantFrom(...REFUSED) },
);
const specialString = fc.array(idPiece, { maxLength: 12 }).map((parts) => parts.join(""));
const HUGE_IDS = ["x".repeat(1024), "x".repeat(1025), "é".repeat(1024), "😀".repeat(1024), "😀".repeat(1025), ".".repeat(1024), "%".repeat(1024), "/".repeat(1024)];
const chatId = fc.oneof(
  { weight: 6, arbitrary: specialString },
  { weight: 2, arbitrary: unicodeString(30) },
  { weight: 1, arbitrary: fc.constantFrom(...HUGE_IDS) },
  { weight: 1, arbitrary: junk },
);
const isoLike = fc.tuple(
  fc.constantFrom("0000", "1969", "1970", "2024", "2023", "9999", "+275760", "10000"),
  fc.constantFrom("00", "01", "02", "12", "13"), fc.constantFrom("00", "01", "28", "29", "30", "31", "32"),
  fc.constantFrom("", "T00:00", "T23:59:59", "T24:00", "T12:60", "T23:59:60", "T10:00:05.123", "t10:00", " 10:00", "T1:2"),
  fc.constantFrom("", "Z", "z", "+01:00", "-23:59", "+24:00", " 05:00", "+0100"),
).map(([y, m, d, t, z]) => `${y}-${m}-${d}${t}${t ? z : ""}`);
const anyDate = fc.date({ min: new Date(0), max: new Date(8.64e15), noInvalidDate: true });
const timeValue = fc.oneof(
  { weight: 3, arbitrary: fc.oneof(anyDate, fc.integer({ min: 0, max: 4e12 }), anyDate.map((d) => d.toISOString()), isoLike) },
  { weight: 2, arbitrary: fc.oneof(weirdNumber, fc.date(), specialString, junk) },
);
const count = fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 250 }) }, { weight: 2, arbitrary: weirdNumber }, fc.constantFrom("10", null, true, undefined), junk);
const extraKeys = fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom("limt", "apikey", "retries", "__proto__", "constructor")), junk, { maxKeys: 2 });
const withExtras = (record) => fc.oneof(
  { weight: 4, arbitrary: record },
  { weight: 1, arbitrary: fc.tuple(record, extraKeys).map(([r, extra]) => ({ ...r, ...extra })) },
);
const listParams = fc.oneof(
  fc.constantFrom(undefined, null),
  withExtras(fc.record({ limit: count, offset: count, from: timeValue, to: timeValue }, { requiredKeys: [] })),
  junk,
);
const callOpts = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(undefined, null) },
  { weight: 3, arbitrary: withExtras(fc.record({ signal, timeoutMs: count, maxRetries: count }, { requiredKeys: [] })) },
  { weight: 1, arbitrary: junk },
);
const content = fc.oneof(
  { weight: 4, arbitrary: unicodeString(60) },
  { weight: 3, arbitrary: specialString },
  { weight: 1, arbitrary: fc.constantFrom("", " ", "\n\t ", "x".repeat(100_000), "x".repeat(100_001), "😀".repeat(100_000), "\uD800", "\"}],\\") },
  { weight: 1, arbitrary: junk },
);
const messageArg = fc.oneof(
  { weight: 5, arbitrary: withExtras(fc.record({
    content,
    from: fc.oneof({ weight: 4, arbitrary: fc.constantFrom("agent", "client", "bot", undefined) }, fc.constantFrom("Agent", "admin", ""), junk),
  }, { requiredKeys: ["content"] })) },
  { weight: 1, arbitrary: junk },
);

const METHODS = {
  listChats: { path: () => "/chat/v1/chats", call: (c, a) => c.listChats(a.params, a.opts), list: "iso" },
  listArchivedChats: { path: () => "/chat/v1/archivedChats", call: (c, a) => c.listArchivedChats(a.params, a.opts), list: "iso" },
  getChat: { path: (id) => `/chat/v1/chats/${strictEncode(id)}`, call: (c, a) => c.getChat(a.id, a.opts) },
  getFeed: { path: (id) => `/chat/v1/chats/${strictEncode(id)}/feed`, call: (c, a) => c.getFeed(a.id, a.params, a.opts), list: "iso" },
  listMessages: { path: (id) => `/chat/v1/chats/${strictEncode(id)}/messages`, call: (c, a) => c.listMessages(a.id, a.params, a.opts), list: "ms" },
  sendMessage: { path: (id) => `/chat/v1/chats/${strictEncode(id)}/messages`, call: (c, a) => c.sendMessage(a.id, a.message, a.opts), post: true, body: true },
  addNote: { path: (id) => `/chat/v1/chats/${strictEncode(id)}/notes`, call: (c, a) => c.addNote(a.id, a.message, a.opts), post: true, body: true },
  archiveChat: { path: (id) => `/chat/v1/chats/${strictEncode(id)}/archive`, call: (c, a) => c.archiveChat(a.id, a.opts), post: true },
  unarchiveChat: { path: (id) => `/chat/v1/chats/${strictEncode(id)}/unarchive`, call: (c, a) => c.unarchiveChat(a.id, a.opts), post: true },
};
const methodCall = fc.record({
  method: fc.constantFrom(...Object.keys(METHODS)),
  id: chatId,
  params: listParams,
  opts: callOpts,
  message: messageArg,
});

// ---- checks -----------------------------------------------------------------------------------------------

const QUERY_PAIR = /^(api_key|site_token|limit|offset|from|to)=(?:[A-Za-z0-9\-._~,]|%[0-9A-F]{2})+$/;

/** Splits a URL the client built into its path (after `base`) and its query pairs, and checks the query. */
function splitUrl(url, base) {
  assert.equal(typeof url, "string");
  assert.ok(url.startsWith(base), url);
  const rest = url.slice(base.length);
  assert.ok(!rest.includes("#"), "no raw # in a request");
  const q = rest.indexOf("?");
  assert.ok(q > 0, "credentials are in the query");
  const pairs = rest.slice(q + 1).split("&");
  for (const pair of pairs) assert.match(pair, QUERY_PAIR);
  const names = pairs.map((p) => p.slice(0, p.indexOf("=")));
  assert.equal(new Set(names).size, names.length, "no repeated query parameter");
  return { path: rest.slice(0, q), query: Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)])) };
}

/** The epoch milliseconds a time argument stands for, when it is a Date or a number (strings are left alone). */
function timeArgMs(value) {
  if (value instanceof Date) return value.getTime();
  if (typeof value === "number") return value;
  return undefined;
}

/** Checks a recorded request against the call's arguments: route, encoding, credentials, times and body. */
function checkRequest(request, name, args) {
  const m = METHODS[name];
  const { path, query } = splitUrl(request.url, BASE);
  assert.equal(path, m.path(args.id), "the id is sent as its strict percent-encoding");
  assert.equal(query.api_key, strictEncode(API_KEY));
  assert.equal(query.site_token, strictEncode(SITE_TOKEN));
  assert.equal(request.init.method, m.post ? "POST" : "GET");
  assert.deepEqual(Object.keys(request.init).sort(), m.body ? ["body", "headers", "method", "redirect", "signal"] : ["headers", "method", "redirect", "signal"]);
  assert.equal(request.init.redirect, "manual", "redirects are never followed");
  assert.ok(request.init.signal instanceof AbortSignal);
  if (m.body) {
    const sent = JSON.parse(request.init.body);
    assert.equal(sent.content, args.message.content, "content arrives exactly");
    assert.deepEqual(Object.keys(sent).sort(), args.message.from === undefined ? ["content"] : ["content", "from"]);
  }
  if (m.list && args.params && typeof args.params === "object") {
    for (const key of ["from", "to"]) {
      const ms = timeArgMs(args.params[key]);
      if (ms === undefined) continue;
      const expected = m.list === "ms" ? String(ms) : strictEncode(new Date(ms).toISOString());
      assert.equal(query[key], expected, `${key} is sent as ${m.list === "ms" ? "epoch ms" : "Date#toISOString"}`);
    }
  }
}

/** Asserts the key appears nowhere in an error (raw, URL-encoded or strictly encoded). */
function assertNoKey(error) {
  const text = [String(error?.message), String(error?.stack), JSON.stringify(error)].join("\n");
  for (const form of [API_KEY, encodeURIComponent(API_KEY), strictEncode(API_KEY)]) assert.ok(!text.includes(form), text.slice(0, 200));
}

/** Classifies a failure: a typed error, or the abort reason of an already aborted signal; anything else fails. */
function checkFailure(error, args, requests) {
  const signalValue = peek(args.opts, "signal");
  if (error === REASON || error === DUCK_REASON) {
    assert.ok(signalValue && signalValue.aborted === true, "only an aborted signal rejects with its reason");
    assert.equal(requests, 0, "nothing is sent with an aborted signal");
    return "aborted";
  }
  assert.ok(error instanceof GoSquaredError, `not a typed error: ${error?.name}: ${error?.message}\n${error?.stack}`);
  assertNoKey(error);
  if (error instanceof InvalidRequestError && error.status === undefined) {
    assert.equal(requests, 0, `bad input is refused before any request: ${error.message}`);
    return "invalid";
  }
  return "api-error";
}

// ---- the in-memory API ------------------------------------------------------------------------------------

/** A fetch that records each request and answers as the API would, without a network. */
function memoryApi() {
  const requests = [];
  const fetch = (url, init) => {
    requests.push({ url, init });
    const path = url.slice(BASE.length, url.indexOf("?"));
    const json = (body, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
    if (path === "/chat/v1/chats" || path === "/chat/v1/archivedChats") return Promise.resolve(json({ list: [{ id: "a" }], cardinality: 1 }));
    if (/\/(archive|unarchive)$/.test(path)) return Promise.resolve(new Response(null, { status: 204 }));
    if (init.method === "POST") return Promise.resolve(json({ id: "m_1", ...JSON.parse(init.body) }));
    if (/\/(feed|messages)$/.test(path)) return Promise.resolve(json({ list: [], cardinality: 0 }));
    return Promise.resolve(json({ id: decodeURIComponent(path.split("/")[4]) }));
  };
  return { fetch, requests };
}

async function checkStillWorks(client, requests) {
  requests.length = 0;
  const chat = await client.getChat("still works?");
  assert.deepEqual(chat, { id: "still works?" });
  assert.equal(requests.length, 1);
  assert.ok(requests[0].url.startsWith(`${BASE}/chat/v1/chats/still%20works%3F?`));
}

describe("fuzzing the public methods", () => {
  it(`${MEMORY_RUNS} calls with hostile arguments on an in-memory fetch: typed error or success, strict encoding, client intact`, async (t) => {
    const api = memoryApi();
    const client = new ChatClient({ apiKey: API_KEY, siteToken: SITE_TOKEN, baseUrl: BASE, fetch: api.fetch });
    const tally = { success: 0, invalid: 0, aborted: 0, "api-error": 0 };
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(methodCall, async (generated) => {
        const args = materialize(generated);
        runs += 1;
        api.requests.length = 0;
        const result = await outcome(METHODS[args.method].call(client, args));
        const takesId = METHODS[args.method].path.length === 1;
        if (takesId && typeof args.id === "string" && /[/\\]/.test(args.id)) {
          assert.ok(!result.ok && result.error instanceof InvalidRequestError, `an id with a slash is refused: ${JSON.stringify(args.id)}`);
          assert.equal(api.requests.length, 0, "and nothing is sent");
        }
        if (result.ok) {
          assert.equal(api.requests.length, 1, "one request for one successful call");
          checkRequest(api.requests[0], args.method, args);
          tally.success += 1;
        } else {
          tally[checkFailure(result.error, args, api.requests.length)] += 1;
        }
        // Every case runs on the same client, so a broken client also shows as an api-error below.
        if (runs % 25 === 0) await checkStillWorks(client, api.requests);
      }),
      { numRuns: MEMORY_RUNS },
    );
    await checkStillWorks(client, api.requests);
    t.diagnostic(`outcomes: ${JSON.stringify(tally)}`);
    assert.equal(tally["api-error"], 0, "the in-memory API never fails, so the client never breaks");
    assert.ok(tally.success > MEMORY_RUNS / 10, `enough calls get through to check their requests: ${JSON.stringify(tally)}`);
    assert.ok(tally.invalid > MEMORY_RUNS / 10, `enough calls are refused: ${JSON.stringify(tally)}`);
    assert.ok(tally.aborted > 0, JSON.stringify(tally));
  });

  it(`${OPTIONS_RUNS} client constructions with hostile options: a working client or an InvalidRequestError`, async () => {
    const api = memoryApi();
    const text = fc.oneof(fc.constantFrom(API_KEY, SITE_TOKEN, "", " ", "a b", "k\n", "\uD800"), specialString, junk);
    const baseUrl = fc.oneof(fc.constantFrom(BASE, `${BASE}/`, "/api/chat", "//evil.test", "ftp://x", "https://", "https://x?y", "https://x#y", "http://[::1]:8787", "HTTPS://EXAMPLE.TEST", undefined), specialString, junk);
    const headers = fc.oneof(fc.constantFrom(undefined, null), fc.dictionary(fc.oneof(fc.constantFrom("x-trace", "bad name", "", "é", "x\n"), fc.string({ maxLength: 5 })), fc.oneof(fc.constantFrom("v", "a\r\nb", "\u0000", ""), junk), { maxKeys: 3 }), junk);
    const mostly = (good, bad) => fc.oneof({ weight: 4, arbitrary: fc.constant(good) }, { weight: 1, arbitrary: bad });
    const options = fc.oneof(
      { weight: 6, arbitrary: withExtras(fc.record({
        apiKey: mostly(API_KEY, text), siteToken: mostly(SITE_TOKEN, text), baseUrl: mostly(BASE, baseUrl),
        fetch: mostly("memory", fc.constantFrom(undefined, "fetch", null)), timeoutMs: mostly(undefined, count),
        maxRetries: mostly(undefined, count), headers: mostly(undefined, headers),
      }, { requiredKeys: [] })) },
      { weight: 1, arbitrary: junk },
    );
    let built = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(options, async (generated) => {
        const opts = materialize(generated);
        const memoryFetch = peek(opts, "fetch") === "memory";
        if (memoryFetch) opts.fetch = api.fetch;
        let client;
        try {
          client = new ChatClient(opts);
        } catch (error) {
          assert.ok(error instanceof InvalidRequestError, `not an InvalidRequestError: ${error?.name}: ${error?.message}`);
          const givenKey = peek(opts, "apiKey");
          for (const secret of [API_KEY, typeof givenKey === "string" && givenKey.length > 3 ? givenKey : undefined].filter(Boolean)) {
            assert.ok(!String(error.message).includes(secret) && !String(error.stack).includes(secret));
          }
          refused += 1;
          return;
        }
        built += 1;
        if (!memoryFetch) return; // never let a fuzzed client reach a real network
        api.requests.length = 0;
        const result = await outcome(client.getChat("x"));
        if (!result.ok) assert.ok(result.error instanceof GoSquaredError, String(result.error));
        for (const request of api.requests) assert.ok(!request.url.includes("#"));
      }),
      { numRuns: OPTIONS_RUNS },
    );
    assert.ok(built > 0 && refused > 0, `built ${built}, refused ${refused}`);
  });
});

describe("fuzzing against the emulator", () => {
  let emu;
  before(async () => {
    emu = await emulator({ seed: "1:1" });
  });
  after(() => emu.close());

  it(`${EMULATOR_RUNS} calls: the emulator sees the strict encoding and finds the same chat`, async (t) => {
    const client = new ChatClient({ apiKey: API_KEY, siteToken: SITE_TOKEN, baseUrl: emu.url, timeoutMs: 15_000 });
    const tally = { success: 0, invalid: 0, aborted: 0, "api-error": 0 };
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(methodCall, async (generated) => {
        const args = materialize(generated);
        // Real timeouts are the fault matrix's business: a request abandoned here could reach the emulator
        // during the next case and muddle its log.
        if (typeof peek(args.opts, "timeoutMs") === "number") args.opts.timeoutMs = 15_000;
        runs += 1;
        if (runs % 100 === 0) emu.reset();
        if (typeof args.id === "string" && args.id !== "") {
          try {
            emu.addChat({ id: args.id });
          } catch {
            // already there, or an id the emulator cannot hold; the client decides what to do with it
          }
        }
        emu.clearRequests();
        const result = await outcome(METHODS[args.method].call(client, args));
        const log = emu.requests;
        if (result.ok) {
          assert.equal(log.length, 1);
          assert.equal(log[0].path, METHODS[args.method].path(args.id), "the raw path the emulator received");
          assert.equal(log[0].method, METHODS[args.method].post ? "POST" : "GET");
          if (args.method === "getChat") assert.equal(result.value.id, args.id, "the emulator decoded the same id");
          if (METHODS[args.method].body) assert.equal(result.value.content, args.message.content);
          tally.success += 1;
        } else {
          const kind = checkFailure(result.error, args, log.length);
          if (kind === "api-error") {
            for (const entry of log) assert.equal(entry.path, METHODS[args.method].path(args.id));
          }
          tally[kind] += 1;
        }
      }),
      { numRuns: EMULATOR_RUNS },
    );
    t.diagnostic(`outcomes: ${JSON.stringify(tally)}`);
    assert.ok(tally.success > EMULATOR_RUNS / 10, JSON.stringify(tally));
    const page = await client.listChats();
    assert.ok(Array.isArray(page.items), "the client still works");
  });
});
