// The I/O side of a call. The core's call (a state machine in Rust) says what to send and judges each
// attempt — the result, the wait before the next attempt, or the error that ends the call; this module only
// sends, keeps time, waits, and hands the core what came back.

import { AttemptFailure, CheckedStep, answerHeaders, throwIfAborted } from "./wasm.js";

/** The answer headers the core reads, in the order it takes their values. */
let headerNames;

/**
 * Runs one operation to its end on `client` (the core's client): resolves to its result, or rejects with the
 * core's error descriptor (or the caller's abort reason).
 */
export async function perform(client, operation, target, input, opts, cursor) {
  const call = client.call(operation, target, input, opts, cursor);
  try {
    // The whole request in one crossing, as the core made it.
    const { signal, body, url, timeoutMs, method, headers, checked } = call.request;
    // redirect: "manual": a redirect is never followed, since the next request would carry the key in its query
    // (and, after a 307 or 308, the body) to wherever the answer points; the core turns it into an error.
    // No credentials, mode or cache: Workers throw on those.
    const init = body === undefined ? { method, headers, redirect: "manual" } : { method, headers, body, redirect: "manual" };
    const { injected, observe } = hooksOf(client);
    const path = observe === undefined ? undefined : call.path;
    const io = { call, url, init, timeoutMs, signal, injected, observe, method, path };
    // Only a send (a request with a body) can be checked: reconcile or an idempotency key.
    if (body !== undefined && checked) return await checkedSend(client, target, io);
    for (;;) {
      const result = await attemptOnce(io);
      if (typeof result !== "number") return result;
      if (observe !== undefined) tell(observe, { type: "retry", method, path, attempt: call.attempts, delayMs: result });
      await sleep(result, signal);
    }
  } finally {
    call.free();
  }
}

/** Per core client: the caller's `fetch` and `onEvent` (or undefined), which a client keeps for its life. */
const hooks = new WeakMap();

/** The caller's `{ injected, observe }` functions of `client`, read from it once. */
function hooksOf(client) {
  let found = hooks.get(client);
  if (found === undefined) hooks.set(client, (found = { injected: client.fetch, observe: client.onEvent }));
  return found;
}

/**
 * One attempt, observed: resolves to what the call makes of it (the result, or the wait before the next
 * attempt), or rejects with the error that ends the call. A checked send's call keeps the verdict itself.
 */
async function attemptOnce({ call, url, init, timeoutMs, signal, injected, observe, method, path }) {
  if (signal !== undefined) stopIfAborted(signal);
  const send = injected ?? globalThis.fetch;
  const started = observe === undefined ? 0 : Date.now();
  if (observe !== undefined) tell(observe, { type: "request", method, path, attempt: call.attempts + 1 });
  const outcome = typeof send === "function" ? await attempt(send, url, init, timeoutMs, signal) : { failure: AttemptFailure.NoFetch };
  if (outcome.failure === undefined) {
    if (observe !== undefined) tell(observe, { type: "response", method, path, attempt: call.attempts + 1, status: outcome.status, durationMs: Date.now() - started });
    return call.answer(outcome.status, outcome.headers, outcome.text);
  }
  if (observe !== undefined) tell(observe, { type: "failure", method, path, attempt: call.attempts + 1, reason: REASONS[outcome.failure], durationMs: Date.now() - started });
  if (signal !== undefined) stopIfAborted(signal);
  return call.failure(outcome.failure, outcome.thrown);
}

/**
 * A checked send (docs/exactly-once.md): the core's flow says each step — read or write the key's record in
 * the store, read a page of the chat's messages (or feed) through the normal call path, wait, make an
 * attempt, resolve — and this only does it and hands back what came of it. Calls of one client with the same
 * key run one after another, so that the later finds what the earlier recorded.
 */
async function checkedSend(client, target, io) {
  const { call, signal, observe, method, path } = io;
  const key = call.idempotencyKey;
  const release = key === undefined ? undefined : await holdKey(client, key);
  try {
    const store = call.store;
    for (;;) {
      if (signal !== undefined) stopIfAborted(signal);
      switch (call.next()) {
        case CheckedStep.GetRecord:
          try {
            call.takeRecord(await store.get(key));
          } catch (thrown) {
            call.storeFailed(thrown);
          }
          break;
        case CheckedStep.SetRecord:
          try {
            await store.set(key, call.arg);
            call.recorded();
          } catch (thrown) {
            call.storeFailed(thrown);
          }
          break;
        case CheckedStep.ReadPage:
          try {
            call.takePage(await perform(client, call.listOperation, target, call.listParams, call.readOptions, call.arg));
          } catch (error) {
            call.readFailed(error);
          }
          break;
        case CheckedStep.Wait:
          if (observe !== undefined) tell(observe, { type: "retry", method, path, attempt: call.attempts, delayMs: call.arg });
          await sleep(call.arg, signal);
          break;
        case CheckedStep.Attempt:
          await attemptOnce(io);
          break;
        case CheckedStep.Resolve:
          return call.arg;
      }
    }
  } finally {
    release?.();
  }
}

/** Per client, per key: the promise that the calls holding the key so far have ended. */
const heldKeys = new WeakMap();

/** Waits for the calls of `client` holding `key` to end, then holds it; resolves to the function that lets go. */
async function holdKey(client, key) {
  let keys = heldKeys.get(client);
  if (keys === undefined) heldKeys.set(client, (keys = new Map()));
  const before = keys.get(key);
  let letGo;
  const mine = new Promise((resolve) => (letGo = resolve));
  const last = before === undefined ? mine : before.then(() => mine);
  keys.set(key, last);
  if (before !== undefined) await before;
  return () => {
    letGo();
    if (keys.get(key) === last) keys.delete(key);
  };
}

/** The `reason` of a failure event, by the way the attempt failed. */
const REASONS = {
  [AttemptFailure.FetchThrew]: "network",
  [AttemptFailure.RequestFailed]: "network",
  [AttemptFailure.ReadFailed]: "network",
  [AttemptFailure.TimedOut]: "timeout",
  [AttemptFailure.NotResponse]: "not-a-response",
  [AttemptFailure.NoFetch]: "no-fetch",
  [AttemptFailure.Redirected]: "redirect",
};

/** Hands an event to the caller's observer; an observer that throws is not allowed to break the call. */
function tell(observe, event) {
  try {
    observe(event);
  } catch {}
}

/**
 * One attempt: sends the request and reads the whole body within `timeoutMs`. Owns the attempt's timer and
 * AbortController, and always clears the timer and unhooks the caller's signal, however the attempt ends.
 * Resolves to `{ status, headers, text }` (the values of the headers the core reads, one per line), or to
 * `{ failure, thrown }` saying how it failed.
 */
async function attempt(send, url, init, timeoutMs, signal) {
  const controller = new AbortController();
  let stop;
  // Rejects when the attempt is stopped, so that a fetch or body that ignores the abort cannot hold the call.
  const stopped = new Promise((_, reject) => (stop = reject));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
    stop();
  }, timeoutMs);
  const onAbort = () => {
    controller.abort();
    stop();
  };
  if (signal !== undefined) listen(signal, onAbort);
  let stage = AttemptFailure.FetchThrew;
  try {
    init.signal = controller.signal;
    const pending = send(url, init);
    stage = AttemptFailure.RequestFailed;
    const response = await Promise.race([pending, stopped]);
    stage = AttemptFailure.NotResponse;
    const { status, headers, text: read, type } = response;
    // A browser's answer to a redirect under `redirect: "manual"`: status 0, nothing readable, not followed.
    if (type === "opaqueredirect") return { failure: AttemptFailure.Redirected };
    if (typeof read !== "function") return { failure: AttemptFailure.NotResponse };
    stage = AttemptFailure.ReadFailed;
    const text = await Promise.race([read.call(response), stopped]);
    return { status, headers: headerValues(headers), text };
  } catch (thrown) {
    return { failure: timedOut ? AttemptFailure.TimedOut : stage, thrown };
  } finally {
    clearTimeout(timer);
    if (signal !== undefined) unlisten(signal, onAbort);
  }
}

/** The values of the headers the core reads, one per line (an empty line for a missing one, all empty when unreadable). */
function headerValues(headers) {
  headerNames ??= answerHeaders().split("\n");
  try {
    let lines = "";
    // Each value is cut to 256 characters, more than any the core reads, so that no header fills wasm memory.
    for (const name of headerNames) lines += `${String(headers.get(name) ?? "").slice(0, 256)}\n`;
    return lines;
  } catch {
    return "";
  }
}

/** Resolves after `ms` milliseconds; the signal ends the wait at once, rejecting with its reason. */
export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const rejectIfAborted = () => {
      try {
        stopIfAborted(signal);
        return false;
      } catch (reason) {
        reject(reason);
        return true;
      }
    };
    if (signal !== undefined && rejectIfAborted()) return;
    const onAbort = () => {
      clearTimeout(timer);
      // An "abort" event from a signal that does not read as aborted ends the wait all the same.
      if (!rejectIfAborted()) resolve();
    };
    const timer = setTimeout(() => {
      if (signal !== undefined) unlisten(signal, onAbort);
      resolve();
    }, ms);
    if (signal !== undefined) listen(signal, onAbort);
  });
}

/**
 * Throws the signal's reason once it has fired. The flag is read here, and the core is asked only when it is
 * set or cannot be read: the core's throwIfAborted turns an unreadable signal into a typed error.
 */
function stopIfAborted(signal) {
  let aborted = true;
  try {
    aborted = signal.aborted;
  } catch {}
  if (aborted) throwIfAborted(signal);
}

// The caller's signal may be any object that looks like one (checked by the core): a listener method that
// is missing or throws leaves the call unhooked instead of failing it. A signal has one listener of ours while
// attempts or waits are hooked to it, which calls each of them: many calls sharing one signal (an export
// shares its own among all its requests) then cost a Set entry each, not an EventTarget listener each, and
// nothing stays on the signal once none is hooked.
/** Per signal: the listener of ours on it, and the attempts and waits it calls. */
const hooked = new WeakMap();

function listen(signal, listener) {
  let entry = hooked.get(signal);
  if (entry === undefined) {
    const listeners = new Set();
    const fire = () => {
      hooked.delete(signal);
      unhook(signal, fire);
      for (const stop of listeners) stop();
    };
    hooked.set(signal, (entry = { listeners, fire }));
    try {
      signal.addEventListener("abort", fire, { once: true });
    } catch {}
  }
  entry.listeners.add(listener);
}

function unlisten(signal, listener) {
  const entry = hooked.get(signal);
  if (entry === undefined || !entry.listeners.delete(listener) || entry.listeners.size > 0) return;
  hooked.delete(signal);
  unhook(signal, entry.fire);
}

function unhook(signal, fire) {
  try {
    signal.removeEventListener("abort", fire);
  } catch {}
}
