// The export's driver. The core's export (ExportRun: a state machine in Rust) decides everything: which
// request to start and when, what to write, which failure ends the export, and when it is over. This module
// only does what it is told: it starts each request through the client's own call path, feeds back what came
// back, writes the text it is handed into a ReadableStream (a worker whose text the reader has no room for
// yet is held back until it has), reports progress on a timer, and stops everything on the caller's signal or
// the reader's cancel.

import { toError } from "./errors.js";
import { sleep } from "./driver.js";
import { shapes } from "./shapes.js";

/** Bytes queued in the stream before the writers are held back. */
const HIGH_WATER_MARK = 64 * 1024;

/** The builders the core makes the objects and text it hands over with, one call each. */
const host = {
  request: (token, operation, target, input, cursor) => ({ token, operation, target, input, cursor }),
  lines: (token, text) => ({ token, text }),
  counts: (type, chatsDone, chatsTotal, items, bytes, errors) =>
    type === undefined ? { chatsDone, chatsTotal, items, bytes, errors } : { type, chatsDone, chatsTotal, items, bytes, errors },
  splicedLines: shapes.splicedLines,
};

/**
 * The byte stream of one export. `start(host)` makes the core's export, or a promise of it while the module
 * loads, and throws the core's error for a bad option; `request(operation, target, input, opts, cursor)` is
 * the client's call.
 */
export function exportStream(start, request) {
  // Made before the stream, so that a bad option throws here in every runtime (workerd's ReadableStream
  // does not rethrow what its start() throws: it errors the stream instead).
  let run;
  try {
    run = start(host);
  } catch (error) {
    throw toError(error);
  }
  let driver;
  return new ReadableStream(
    {
      start(controller) {
        driver = drive(controller, request);
        if (run instanceof Promise) run.then(driver.begin, driver.fail);
        else driver.begin(run);
      },
      pull() {
        driver.resume();
      },
      cancel(reason) {
        return driver.cancel(reason);
      },
    },
    { highWaterMark: HIGH_WATER_MARK, size: (chunk) => chunk.byteLength },
  );
}

/** Runs an export into `controller`'s stream. */
function drive(controller, request) {
  const encoder = new TextEncoder();
  /** Stops what is in flight: every request gets its signal, and the waits end with it. */
  const halt = new AbortController();
  let run;
  /** Every request's options: the halt signal, the timeout and the retries. */
  let opts;
  let onProgress;
  let signal;
  const onAbort = () => {
    let why;
    try {
      why = signal.reason;
    } catch (error) {
      why = error;
    }
    stop(why);
    pump();
  };
  let halted = false;
  let reason;
  let cancelled = false;
  let finished = false;
  let pumping = false;
  /** The writes the reader has no room for yet, as token, bytes, token, bytes, … */
  let held = [];
  /** When the pending pacing wait ends. */
  let wakeAt = Infinity;
  let settle;
  const stopped = new Promise((resolve) => (settle = resolve));

  function begin(made) {
    run = made;
    if (halted) {
      run.stop(); // cancelled while the module loaded
    } else {
      opts = Object.freeze({ signal: halt.signal, timeoutMs: run.timeoutMs, maxRetries: run.maxRetries });
      onProgress = run.onProgress;
      watch(run.signal);
      if (onProgress !== undefined) tick(run.progressIntervalMs);
    }
    pump();
  }

  /** Does what the core says until it has nothing to start. */
  function pump() {
    if (run === undefined || finished || pumping) return; // a pump already running asks again itself
    pumping = true;
    try {
      for (;;) {
        let action;
        try {
          action = run.next(Date.now());
        } catch (error) {
          stop(error);
          continue;
        }
        if (action === undefined) break; // wait for a result or a write
        if (action === null) {
          finish();
          break;
        }
        if (typeof action === "number") {
          wake(action);
          break;
        }
        if (action.text !== undefined) write(action.token, action.text);
        else send(action);
      }
    } finally {
      pumping = false;
    }
  }

  function send({ token, operation, target, input, cursor }) {
    request(operation, target, input, opts, cursor).then(
      (value) => deliver(token, () => run.result(token, value)),
      (error) => deliver(token, () => run.failure(token, error)),
    );
  }

  /** Feeds a result or a failure to the core and writes the text it hands back; what it throws ends the export. */
  function deliver(token, feed) {
    let text;
    try {
      text = feed();
    } catch (error) {
      stop(error);
    }
    if (text !== undefined) write(token, text);
    pump();
  }

  /** Queues text in the stream; the core hears that it was written once the reader has room for more. */
  function write(token, text) {
    const bytes = encoder.encode(text);
    try {
      controller.enqueue(bytes);
    } catch (error) {
      stop(error);
      return run.written(token, 0);
    }
    if (controller.desiredSize > 0) run.written(token, bytes.byteLength);
    else held.push(token, bytes.byteLength);
  }

  /** The reader has room again: the writes held back are done. */
  function release() {
    const waiting = held;
    held = [];
    for (let i = 0; i < waiting.length; i += 2) run.written(waiting[i], waiting[i + 1]);
  }

  /** Asks the core again after `ms` milliseconds (it waits for the rate-limit budget), unless sooner already. */
  function wake(ms) {
    const at = Date.now() + ms;
    if (at >= wakeAt) return;
    wakeAt = at;
    sleep(ms, halt.signal).then(() => {
      if (wakeAt === at) wakeAt = Infinity;
      pump();
    }, () => {});
  }

  /** Calls onProgress every `interval` ms until the export ends. */
  async function tick(interval) {
    for (;;) {
      try {
        await sleep(interval, halt.signal);
      } catch {
        return;
      }
      if (finished) return;
      report();
      pump();
    }
  }

  /** Calls onProgress with the counts so far; a callback that throws ends the export with its error. */
  function report() {
    try {
      onProgress(run.progress());
    } catch (error) {
      stop(error);
    }
  }

  /** Follows the caller's signal (any object that passed the core's check for one). */
  function watch(callerSignal) {
    if (callerSignal === undefined) return;
    signal = callerSignal;
    try {
      if (signal.aborted) return stop(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
    } catch (error) {
      stop(error);
    }
  }

  /** Ends the export with `why` (the first reason is kept): the core starts nothing more, what is in flight stops. */
  function stop(why) {
    if (halted || finished) return;
    halted = true;
    reason = why;
    if (run !== undefined) {
      run.stop();
      release();
    }
    halt.abort(why);
  }

  /** The core is done and nothing is in flight: close the stream, or error it with the reason. */
  function finish() {
    if (!halted && onProgress !== undefined) report(); // the final counts, summary included
    finished = true;
    halt.abort(); // ends the progress timer and any pacing wait
    if (signal !== undefined) {
      try {
        signal.removeEventListener("abort", onAbort);
      } catch {}
    }
    run.free();
    if (!cancelled) {
      if (halted) controller.error(toError(reason));
      else controller.close();
    }
    settle();
  }

  return {
    begin,
    /** The module failed to load, or the options were bad, while it loaded. */
    fail(error) {
      finished = true;
      if (!cancelled) controller.error(toError(error));
      settle();
    },
    resume() {
      if (run === undefined || finished || held.length === 0) return;
      release();
      pump();
    },
    cancel(why) {
      cancelled = true;
      stop(why);
      pump();
      return stopped;
    },
  };
}
