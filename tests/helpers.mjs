// Shared test helpers: an emulator per suite, a client bound to it, and the key-leak check.
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { before, after, beforeEach } from "node:test";
import { startEmulator } from "gosquared-chat/emulator";
import { ChatClient } from "gosquared-chat";

/** The seeded random source the emulator's customers use: a failing run can be repeated with its seed. */
export { seededRandom as random } from "../emulator/customers.js";

export const API_KEY = "sk_test_Q7wZ+secret/key";
export const SITE_TOKEN = "GSN-424242-Z";

/** Starts an emulator with the test credentials and a seed. */
export function emulator(options = {}) {
  return startEmulator({ apiKey: API_KEY, siteToken: SITE_TOKEN, seed: "3:5", rateLimit: false, ...options });
}

/** A client for `emu`, with short timeouts and no retry waits unless asked. */
export function clientFor(emu, options = {}) {
  return new ChatClient({ apiKey: API_KEY, siteToken: SITE_TOKEN, baseUrl: emu.url, timeoutMs: 2000, ...options });
}

/** Asserts that the API key appears nowhere in an error: message, stack, properties, JSON or inspection. */
export function assertNoKey(error, key = API_KEY) {
  const forms = [key, encodeURIComponent(key)];
  const views = [
    String(error?.message), String(error?.stack), JSON.stringify(error), inspect(error, { depth: 5, showHidden: true }),
    JSON.stringify(Object.getOwnPropertyNames(error ?? {}).map((k) => String(error[k]))),
  ];
  for (const view of views) {
    for (const form of forms) assert.ok(!view.includes(form), `the key leaked into: ${view.slice(0, 200)}`);
  }
}

/** Awaits a promise that must reject, and returns the rejection. */
export async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail("expected the call to fail");
}

/** The request log entries that reached the API routes. */
export function apiRequests(emu) {
  return emu.requests.filter((r) => r.path.startsWith("/chat/"));
}

/** Polls until `predicate()` is true (or fails after `limitMs`), for events that happen in another task. */
export async function waitFor(predicate, limitMs = 10_000) {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > limitMs) assert.fail("the awaited condition never came true");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Starts one emulator and a client for the enclosing `describe`, hands both to `bind`, and before each test
 * runs `reset(emu)` when given.
 */
export function useEmulator(bind, { emulatorOptions = {}, clientOptions = {}, reset } = {}) {
  let emu;
  before(async () => {
    emu = await emulator(emulatorOptions);
    bind(emu, clientFor(emu, clientOptions));
  });
  after(() => emu.close());
  if (reset) beforeEach(() => reset(emu));
}

/** A `reset` for `useEmulator`: no faults and an empty request log. */
export function clearFaultsAndLog(emu) {
  emu.clearFaults();
  emu.clearRequests();
}
