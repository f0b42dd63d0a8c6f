// The I/O side of `client.watch()`. The core's watch (a state machine in Rust) decides what to request, which
// items are new, the cursor and how long to rest; this module only runs its requests through the client's own
// call path (`perform`: the same retries, timeouts and error classes as every call), sleeps when it says so,
// and hands its events to the caller one at a time. With a relay, it also keeps a WebSocket open whose pushes
// wake the watch early (the events themselves still come from the polls, so nothing is lost or repeated).

import { toError } from "./errors.js";

/** The reason the watcher's own controller aborts with when the caller leaves (`return()`). */
const LEFT = Object.freeze({ reason: "the watch was closed" });
const DONE = Object.freeze({ done: true, value: undefined });

/**
 * A running watch: an async iterator of events. `core` is the core's watch (or, while the module loads in a
 * browser, a promise of it); `run(operation, target, input, opts, cursor)` is the client's call path.
 */
export class Watcher {
  #core;
  #run;
  /** Aborts whatever the watch is waiting on: the caller's signal fires it, and so does `return()`. */
  #stop = new AbortController();
  #signal;
  #onAbort;
  #opts;
  /** The step running now; `next()` calls wait for one another. */
  #queue = Promise.resolve();
  #ended = false;
  /** The cursor and counts kept when the core's watch is freed. */
  #last;
  /** Ends the current rest early (a relay's push), while the watch rests. */
  #wakeRest;
  /** The relay connection: `{ socket, timer, attempts, seq }`. */
  #relay;

  constructor(core, run) {
    this.#core = core;
    this.#run = run;
    if (core instanceof Promise) {
      core.then((ready) => {
        this.#core = ready;
        if (this.#ended) this.#release();
      }, () => {});
    }
  }

  /** Where the watch stands: pass it to `watch({ since })` to go on from here. Undefined until known. */
  get cursor() {
    if (this.#last !== undefined) return this.#last.cursor;
    return this.#core instanceof Promise ? undefined : this.#core.cursor;
  }

  /** `{ polls, requests, events, failures, restMs }`. */
  get stats() {
    if (this.#last !== undefined) return this.#last.stats;
    return this.#core instanceof Promise ? undefined : this.#core.stats;
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  /** The next event; rejects with the caller's abort reason, or with the error that ended the watch. */
  next() {
    const step = this.#queue.then(() => this.#advance());
    this.#queue = step.then(noop, noop);
    return step;
  }

  /** Ends the watch: whatever it waits on is stopped, its timer cleared and its listener removed. */
  async return(value) {
    if (!this.#stop.signal.aborted) this.#stop.abort(LEFT);
    await this.#queue;
    this.#finish();
    return { done: true, value };
  }

  async #advance() {
    if (this.#ended) return DONE;
    const stop = this.#stop.signal;
    try {
      const core = await this.#core;
      this.#hook(core);
      for (;;) {
        if (stop.aborted) throw stop.reason;
        const action = core.step(Date.now());
        if (typeof action === "number") {
          await this.#rest(action, stop);
          continue;
        }
        if (action === null) {
          this.#finish();
          return DONE;
        }
        if (action.operation === undefined) return { done: false, value: action };
        let page;
        try {
          page = await this.#run(action.operation, action.target, action.input, this.#opts, action.cursor);
        } catch (error) {
          if (stop.aborted) throw stop.reason;
          const failure = toError(error);
          if (core.failed(failure, Date.now())) throw failure;
          continue;
        }
        core.page(page, Date.now());
      }
    } catch (error) {
      this.#finish();
      if (error === LEFT) return DONE;
      throw toError(error);
    }
  }

  /** Rests `ms`, or until a relay's push wakes the watch, or rejects once the watch is stopped. */
  #rest(ms, signal) {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        this.#wakeRest = undefined;
      };
      const onAbort = () => {
        done();
        reject(signal.reason);
      };
      const timer = setTimeout(() => {
        done();
        resolve();
      }, ms);
      this.#wakeRest = () => {
        done();
        resolve();
      };
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** A push from the relay (or the relay going away): the core decides how soon to poll; a rest is cut short. */
  #wake(core) {
    if (this.#ended) return;
    core.wake(Date.now());
    this.#wakeRest?.();
  }

  /** Opens the relay's WebSocket (from the last sequence number seen, so that it replays what came meanwhile). */
  #connect(core, relay) {
    if (this.#ended) return;
    const state = (this.#relay ??= { socket: undefined, timer: undefined, attempts: 0, seq: undefined });
    state.timer = undefined;
    let socket;
    try {
      const url = new URL(relay.url);
      if (state.seq !== undefined) url.searchParams.set("after", String(state.seq));
      socket = new relay.WebSocket(url.href);
    } catch {
      this.#reconnect(core, relay);
      return;
    }
    state.socket = socket;
    socket.onopen = () => {
      if (this.#ended || state.socket !== socket) return;
      state.attempts = 0;
      core.relayConnected(true);
    };
    socket.onmessage = (message) => {
      if (this.#ended || state.socket !== socket) return;
      const seq = sequenceOf(message.data);
      if (seq !== undefined) state.seq = seq;
      this.#wake(core);
    };
    socket.onclose = () => {
      if (this.#ended || state.socket !== socket) return;
      state.socket = undefined;
      // Back to the watch's own interval, and one poll soon: what the relay may have missed is found by polling.
      core.relayConnected(false);
      this.#wake(core);
      this.#reconnect(core, relay);
    };
    socket.onerror = () => {};
  }

  /** Tries the relay again after a pause that doubles from half a second up to 30 s. */
  #reconnect(core, relay) {
    if (this.#ended) return;
    const state = this.#relay;
    const delay = Math.min(30_000, 500 * 2 ** Math.min(state.attempts, 6));
    state.attempts += 1;
    state.timer = setTimeout(() => this.#connect(core, relay), delay);
  }

  /** Closes the relay's socket and clears its timer. */
  #disconnect() {
    const state = this.#relay;
    if (state === undefined) return;
    clearTimeout(state.timer);
    state.timer = undefined;
    const socket = state.socket;
    state.socket = undefined;
    if (socket === undefined) return;
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    try {
      socket.close();
    } catch {}
  }

  /** Once the core's watch exists: the per-call options, the caller's signal wired to the stop, the relay. */
  #hook(core) {
    if (this.#opts !== undefined) return;
    this.#opts = { ...core.callOptions, signal: this.#stop.signal };
    const relay = core.relay;
    if (relay !== undefined) this.#connect(core, relay);
    const signal = core.signal;
    if (signal === undefined) return;
    this.#signal = signal;
    this.#onAbort = () => {
      if (!this.#stop.signal.aborted) this.#stop.abort(readReason(signal));
    };
    if (readAborted(signal)) this.#onAbort();
    else {
      try {
        signal.addEventListener("abort", this.#onAbort, { once: true });
      } catch {}
    }
  }

  #finish() {
    if (this.#ended) return;
    this.#ended = true;
    if (!this.#stop.signal.aborted) this.#stop.abort(LEFT);
    this.#disconnect();
    if (this.#signal !== undefined) {
      try {
        this.#signal.removeEventListener("abort", this.#onAbort);
      } catch {}
      this.#signal = undefined;
    }
    if (!(this.#core instanceof Promise)) this.#release();
  }

  /** Keeps the cursor and counts, and frees the core's watch. */
  #release() {
    if (this.#last !== undefined) return;
    this.#last = { cursor: this.#core.cursor, stats: this.#core.stats };
    this.#core.free();
  }

  get [Symbol.toStringTag]() {
    return "Watcher";
  }
}

function noop() {}

/** The `seq` of a relay's message (JSON text with a numeric `seq`), or undefined. */
function sequenceOf(data) {
  if (typeof data !== "string") return undefined;
  try {
    const seq = JSON.parse(data)?.seq;
    return Number.isSafeInteger(seq) && seq >= 0 ? seq : undefined;
  } catch {
    return undefined;
  }
}

function readAborted(signal) {
  try {
    return signal.aborted === true;
  } catch {
    return true;
  }
}

function readReason(signal) {
  try {
    return signal.reason;
  } catch (error) {
    return error;
  }
}
