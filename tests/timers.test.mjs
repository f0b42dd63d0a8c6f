// The attempt guard owns each attempt's timer and AbortController: whatever way a call ends (success, a
// timeout, a connection error, a 5xx retried, the caller's abort during an attempt or during the wait
// between attempts), no timer and no abort listener outlives it. Runs on an in-memory fetch, so every timer
// in this process belongs to the client or to this test.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { ChatClient, TimeoutError, ConnectionError, ServerError } from "gosquared-chat";

/** Active timers in this process. */
function timers() {
  return process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
}

/** A fetch whose behaviour is picked by the chat id: ok, fail, 503, or hang until its signal aborts. */
function scriptedFetch() {
  const seen = { signals: [] };
  const fetch = (url, init) => {
    seen.signals.push(init.signal);
    const mode = /\/chats\/([^/?]+)/.exec(url)[1];
    if (mode === "ok") return Promise.resolve(new Response('{"id":"ok"}', { status: 200 }));
    if (mode === "fail") return Promise.reject(new TypeError("fetch failed"));
    if (mode === "503") return Promise.resolve(new Response("{}", { status: 503, headers: { "retry-after": "0" } }));
    return new Promise((_, reject) => init.signal.addEventListener("abort", () => reject(init.signal.reason), { once: true }));
  };
  return { fetch, seen };
}

describe("no timer or listener outlives its call", () => {
  it("after 600 calls that succeed, time out, fail, retry or are aborted, the timer count is back where it was", async () => {
    const { fetch, seen } = scriptedFetch();
    const client = new ChatClient({ apiKey: "k", siteToken: "GSN-1-A", baseUrl: "http://api.example.test", fetch });
    const shared = new AbortController(); // one long-lived signal passed to many calls, never aborted
    const before = timers();

    const calls = [];
    for (let i = 0; i < 200; i += 1) calls.push(client.getChat("ok", { signal: shared.signal }).then(() => "ok"));
    for (let i = 0; i < 100; i += 1) {
      calls.push(client.getChat("hang", { timeoutMs: 20, maxRetries: 1, signal: shared.signal }).catch((e) => {
        assert.ok(e instanceof TimeoutError);
        assert.equal(e.attempts, 2);
        return "timeout";
      }));
    }
    for (let i = 0; i < 100; i += 1) {
      calls.push(client.getChat("503", { signal: shared.signal }).catch((e) => {
        assert.ok(e instanceof ServerError);
        assert.equal(e.attempts, 3);
        return "503";
      }));
    }
    for (let i = 0; i < 100; i += 1) {
      calls.push(client.sendMessage("fail", { content: "x" }).catch((e) => {
        assert.ok(e instanceof ConnectionError);
        assert.equal(e.mayHaveSucceeded, true);
        return "connection";
      }));
    }
    const midAttempt = new AbortController();
    for (let i = 0; i < 50; i += 1) {
      calls.push(client.getChat("hang", { signal: midAttempt.signal }).catch((e) => (e === "stop attempt" ? "aborted" : e)));
    }
    const midWait = new AbortController();
    for (let i = 0; i < 50; i += 1) {
      // A read whose connection fails waits about 0.5 s before its retry; the abort lands in that wait.
      calls.push(client.getChat("fail", { signal: midWait.signal }).catch((e) => (e === "stop wait" ? "aborted" : e)));
    }
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(timers() > before, "the calls in flight hold timers");
    midAttempt.abort("stop attempt");
    await new Promise((resolve) => setTimeout(resolve, 50));
    midWait.abort("stop wait");

    const outcomes = await Promise.all(calls);
    const tally = {};
    for (const o of outcomes) tally[o] = (tally[o] ?? 0) + 1;
    assert.deepEqual(tally, { ok: 200, timeout: 100, 503: 100, connection: 100, aborted: 100 });

    assert.equal(timers(), before, "every attempt timer and every wait timer was cleared");
    assert.equal(getEventListeners(shared.signal, "abort").length, 0, "no listener left on the caller's signal");
    assert.equal(getEventListeners(midAttempt.signal, "abort").length, 0);
    assert.equal(getEventListeners(midWait.signal, "abort").length, 0);
    assert.ok(seen.signals.every((s) => getEventListeners(s, "abort").length <= 1), "attempt signals hold only the fetch's own listener");
  });

  it("a fetch or a body that ignores the abort signal cannot hold a call past its timeout or the caller's abort", async () => {
    const before = timers();
    const deafFetch = () => new Promise(() => {}); // never settles and never looks at init.signal
    const deafBody = () => Promise.resolve({ status: 200, headers: new Headers(), text: () => new Promise(() => {}) });
    const options = { apiKey: "k", siteToken: "GSN-1-A", baseUrl: "http://api.example.test" };
    const deaf = new ChatClient({ ...options, fetch: deafFetch });
    const slowBody = new ChatClient({ ...options, fetch: deafBody });

    const read = await deaf.getChat("a", { timeoutMs: 20, maxRetries: 1 }).catch((e) => e);
    assert.ok(read instanceof TimeoutError, String(read));
    assert.equal(read.attempts, 2);
    const write = await deaf.sendMessage("a", { content: "x" }, { timeoutMs: 20 }).catch((e) => e);
    assert.ok(write instanceof TimeoutError, String(write));
    assert.deepEqual([write.attempts, write.mayHaveSucceeded], [1, true]);
    const body = await slowBody.listChats({}, { timeoutMs: 20, maxRetries: 0 }).catch((e) => e);
    assert.ok(body instanceof TimeoutError, String(body));

    const controller = new AbortController();
    const aborted = deaf.getChat("a", { signal: controller.signal }).catch((e) => e);
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort("caller gave up");
    assert.equal(await aborted, "caller gave up");

    assert.equal(timers(), before, "no timer left behind");
    assert.equal(getEventListeners(controller.signal, "abort").length, 0);
  });
});

describe("calls sharing one signal", () => {
  it("hook one listener to it however many are in flight, and an abort stops every one of them", async () => {
    const { fetch } = scriptedFetch();
    const client = new ChatClient({ apiKey: "k", siteToken: "GSN-1-A", baseUrl: "http://api.example.test", fetch });
    const shared = new AbortController();
    const calls = [];
    for (let i = 0; i < 50; i += 1) calls.push(client.getChat("hang", { signal: shared.signal }).catch((e) => e));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(getEventListeners(shared.signal, "abort").length, 1, "one listener for 50 calls in flight");
    shared.abort("all of them");
    assert.deepEqual(new Set(await Promise.all(calls)), new Set(["all of them"]));
    assert.equal(getEventListeners(shared.signal, "abort").length, 0);

    const later = new AbortController();
    const done = [];
    for (let i = 0; i < 10; i += 1) done.push(client.getChat("ok", { signal: later.signal }));
    await Promise.all(done);
    assert.equal(getEventListeners(later.signal, "abort").length, 0, "none left once every call has ended");
  });
});
